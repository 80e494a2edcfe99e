/**
 * The statistics a model has gathered, as plain named totals for people to read (pomegranate's
 * `summaries`), beside the exact, mergeable `summary()` that workers and checkpoints exchange.
 */
import { BlockedSums, type BlockedSumsSummary } from './accumulate.js'

/** Named totals: numbers, lists and tables of numbers, or the statistics of parts (components, columns). */
export type Statistics = Record<string, unknown>

function isBlockedSums (value: unknown): value is BlockedSumsSummary {
  const v = value as Partial<BlockedSumsSummary> | null
  return typeof v === 'object' && v !== null && Array.isArray(v.sums) && Array.isArray(v.partial) && Array.isArray(v.shift) && typeof v.blockRows === 'number'
}

/** The rounded totals of a {@link BlockedSumsSummary}, one per slot (the unfinished block included). */
export function summaryTotals (summary: BlockedSumsSummary): number[] {
  const sums = new BlockedSums(0, summary.shift.length > 0, summary.blockRows)
  sums.load(summary)
  return sums.values()
}

/**
 * A summary made readable: every exact sum inside it becomes its rounded total, everything else
 * stays as it is (the fallback of `Model.statistics` for models without named statistics).
 * @example
 * ```ts
 * readableSummary(new NormalDistribution().summary()) // => { sums: [0, 0, 0] }
 * ```
 */
export function readableSummary (summary: object): Statistics {
  const out: Statistics = {}
  for (const [key, value] of Object.entries(summary)) {
    if (key === 'model') continue
    out[key] = readable(value)
  }
  return out
}

function readable (value: unknown): unknown {
  if (isBlockedSums(value)) return summaryTotals(value)
  if (Array.isArray(value)) return value.map(readable)
  if (typeof value === 'object' && value !== null) return readableSummary(value)
  return value
}

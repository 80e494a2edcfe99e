/**
 * A count table as a weighted batch of its complete tuples: how a table (CPT, JPT, Discrete) is
 * refitted from counts through its own `summarize`, exactly as from the rows themselves.
 */
import type { Batch, Key } from '../core/batch.js'
import type { CategoryCounts } from './counts.js'

/**
 * The distinct tuples of `columns` with no missing value, weighted by their counts, as a Batch
 * (categories kept raw in `categories`); undefined when there is none.
 */
export function completeRows (counts: CategoryCounts, columns: readonly number[]): Batch | undefined {
  const table = counts.table(columns)
  const width = columns.length
  const keep: number[] = []
  for (let i = 0; i < table.size; i++) {
    let complete = table.counts[i]! > 0
    for (let j = 0; j < width && complete; j++) if (table.codes[i * width + j]! < 0) complete = false
    if (complete) keep.push(i)
  }
  if (keep.length === 0) return undefined
  const categories = columns.map((_, j) => keep.map(i => table.keys[j]![table.codes[i * width + j]!] as Key))
  const data = new Float64Array(keep.length * width)
  keep.forEach((_, r) => {
    for (let j = 0; j < width; j++) {
      const key = categories[j]![r]
      data[r * width + j] = typeof key === 'number' ? key : NaN
    }
  })
  return { data, rows: keep.length, cols: width, categories, weights: Float64Array.from(keep, i => table.counts[i]!) }
}

/**
 * Batches of a fixed number of rows cut from a stream of batches of any size, so that mini-batch
 * EM sees the same batches whatever chunking the source happens to produce (and the same as the
 * in-memory fit, which slices its rows the same way).
 */
import { type Batch, type Key } from '../core/batch.js'
import { concatSequences, isSequenceBatch, sliceUnits, unitCount, type SequenceBatch } from '../core/sequence.js'

/**
 * Glues batches of equal width into one (data, weights, labels and categories); weights or labels
 * present in some parts only are filled with 1 and -1 in the others.
 *
 * @example
 * ```ts
 * concatBatches([toBatch([1, 2]), toBatch([3])]) // => { data: Float64Array [1, 2, 3], rows: 3, cols: 1, ... }
 * ```
 */
export function concatBatches (parts: readonly Batch[]): Batch {
  if (parts.length === 1) return parts[0]!
  const cols = parts[0]!.cols
  const rows = parts.reduce((n, b) => n + b.rows, 0)
  const data = new Float64Array(rows * cols)
  const hasWeights = parts.some(b => b.weights !== undefined)
  const hasLabels = parts.some(b => b.labels !== undefined)
  const weights = hasWeights ? new Float64Array(rows).fill(1) : undefined
  const labels = hasLabels ? new Float64Array(rows).fill(-1) : undefined
  const categoricalColumns = new Set<number>()
  for (const b of parts) b.categories?.forEach((c, j) => { if (c !== undefined) categoricalColumns.add(j) })
  const categories: Array<Array<Key | null> | undefined> | undefined = categoricalColumns.size > 0 ? new Array(cols) : undefined
  let at = 0
  for (const b of parts) {
    data.set(b.data, at * cols)
    if (b.weights !== undefined) weights!.set(b.weights, at)
    if (b.labels !== undefined) labels!.set(b.labels, at)
    for (const j of categoricalColumns) {
      const raw = b.categories?.[j]
      const column = (categories![j] ??= [])
      for (let r = 0; r < b.rows; r++) {
        // A part where the column held only numbers keeps them in data.
        const x = b.data[r * cols + j]!
        column.push(raw !== undefined ? raw[r]! : (x === x ? x : null))
      }
    }
    at += b.rows
  }
  return { data, rows, cols, weights, labels, categories }
}

/**
 * Batches glued into one: SequenceBatches by {@link concatSequences}, others by {@link concatBatches}.
 * @example
 * ```ts
 * concatUnits([toSequenceBatch([[1]]), toSequenceBatch([[2, 3]])]).offsets // => Float64Array [0, 1, 3]
 * ```
 */
export function concatUnits (parts: readonly Batch[]): Batch {
  return parts.length > 0 && parts.every(isSequenceBatch) ? concatSequences(parts as SequenceBatch[]) : concatBatches(parts)
}

/**
 * Cuts a stream of batches into batches of exactly `size` rows (the last one may be shorter); a
 * stream of SequenceBatches into batches of `size` whole sequences (core/sequence.ts, `unitCount`).
 *
 * @example
 * ```ts
 * for await (const b of rebatch(readNpy('x.npy'), 4096)) model.summarize(b)
 * ```
 */
export async function * rebatch (source: AsyncIterable<Batch>, size: number): AsyncGenerator<Batch> {
  let parts: Batch[] = []
  let held = 0
  for await (let batch of source) {
    let units = unitCount(batch)
    while (held + units >= size) {
      const take = size - held
      parts.push(sliceUnits(batch, 0, take))
      yield concatUnits(parts)
      parts = []
      held = 0
      batch = sliceUnits(batch, take, units)
      units -= take
    }
    if (units > 0) {
      parts.push(batch)
      held += units
    }
  }
  if (held > 0) yield concatUnits(parts)
}

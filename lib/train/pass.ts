/**
 * One pass over a re-openable source outside the training loop: the reads that come before
 * training (an initialization's uniform sample of all rows, its k-means|| rounds, its first rows)
 * and a binned kernel density's range pass. Each chunk is checked by the caller's `toBatch` (a
 * model's, so shapes are checked as training will check them) and handed to `visit` with the index
 * of its first row in the stream, so a visitor can make decisions that depend on the row and not
 * on the chunking.
 */
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { sourceChunks } from '../core/source.js'
import { isShardList, openAnySource } from '../exec/shards.js'
import type { Opener } from './em.js'

/** What a pass does with each batch; returning false stops the pass early (the source is closed). */
export type BatchVisitor = (batch: Batch, firstRow: number) => boolean | undefined | void

/**
 * Reads a fresh opening of `open` from the start, batch by batch, until it ends or `visit`
 * returns false; resolves with the number of rows visited. The opening is closed either way.
 *
 * @throws ArilError `ERR_SOURCE` when `open` cannot be opened again, `ERR_COLUMN_COUNT` when
 *   batches differ in width, `ERR_ABORTED` when `signal` aborts, and whatever `toBatch` or
 *   `visit` throws
 * @example
 * ```ts
 * let max = -Infinity
 * await eachBatch(() => readNpy('x.npy'), X => toBatch(X), b => { for (const x of b.data) max = Math.max(max, x) })
 * ```
 */
export async function eachBatch (open: Opener, toBatch: (X: BatchInput) => Batch, visit: BatchVisitor, signal?: AbortSignal): Promise<number> {
  if (typeof open !== 'function' && typeof open !== 'string' && !Array.isArray(open) && !isShardList(open)) {
    throw new ArilError('ERR_SOURCE', `Reading the data more than once needs a file path or a function that opens the source again (or an array of batches, or shards), got ${show(open)}`)
  }
  const readable = await openAnySource(typeof open === 'function' || isShardList(open) ? open : () => open)
  let rows = 0
  let cols: number | undefined
  try {
    for await (const chunk of sourceChunks(readable, 'A source read for initialization')) {
      if (signal?.aborted === true) throw new ArilError('ERR_ABORTED', `A pass over the data was aborted after ${rows} rows`, {}, { cause: signal.reason })
      const batch = toBatch(chunk as BatchInput)
      if (batch.rows === 0) continue
      if (cols !== undefined && batch.cols !== cols) {
        throw new ArilError('ERR_COLUMN_COUNT', `Expected ${cols} columns like the first batch, got ${batch.cols}`, { row: rows, expectedColumns: cols, foundColumns: batch.cols })
      }
      cols = batch.cols
      const more = visit(batch, rows)
      rows += batch.rows
      if (more === false) break
    }
  } finally {
    readable.destroy()
  }
  return rows
}

/**
 * A computation that reads the data in passes: it yields one visitor per pass and returns its
 * result. The same generator runs over rows in memory ({@link passesInMemory}, synchronous) or
 * over a re-openable source ({@link passesOverStream}), so both give the same result.
 */
export type Passes<T> = Generator<BatchVisitor, T, undefined>

/**
 * Runs every pass of `passes` over one batch in memory.
 * @example
 * ```ts
 * const sample = passesInMemory(initialSample(settings), toBatch(X))
 * ```
 */
export function passesInMemory<T> (passes: Passes<T>, batch: Batch): T {
  for (let next = passes.next(); ; next = passes.next()) {
    if (next.done === true) return next.value
    if (batch.rows > 0) next.value(batch, 0)
  }
}

/**
 * Runs every pass of `passes` over a fresh opening of `open` (see {@link eachBatch}).
 * @throws ArilError what {@link eachBatch} throws, and what the passes throw
 * @example
 * ```ts
 * const sample = await passesOverStream(initialSample(settings), () => readNpy('big.npy'), X => toBatch(X))
 * ```
 */
export async function passesOverStream<T> (passes: Passes<T>, open: Opener, toBatch: (X: BatchInput) => Batch, signal?: AbortSignal): Promise<T> {
  for (let next = passes.next(); ; next = passes.next()) {
    if (next.done === true) return next.value
    await eachBatch(open, toBatch, next.value, signal)
  }
}

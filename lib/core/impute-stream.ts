/**
 * Imputation as a stream: a Transform from batches of rows with missing values to the same rows
 * with every missing value filled in, so a file of any size is imputed with flat memory.
 */
import { Transform } from 'node:stream'
import type { Batch, BatchInput } from './batch.js'
import { ArilError, show } from './errors.js'

/** What a model needs to be streamed through {@link imputeStream}. */
export interface Imputer {
  /** Checks any accepted input against the model's shape. */
  toBatch (X: BatchInput): Batch
  /** The rows of a checked batch with their missing values filled in. */
  imputeBatch (batch: Batch): Batch
}

/**
 * A Transform (object mode on both sides) that turns every batch of rows written to it into the
 * same rows with their missing values imputed by the model (categorical columns keep their raw
 * values in `categories`). Weights and labels are dropped.
 *
 * @throws ArilError the stream fails with the model's error (`ERR_COLUMN_COUNT`,
 *   `ERR_INVALID_INPUT` ...) on a bad batch
 * @example
 * ```ts
 * await pipeline(readCsv('gaps.csv', { columns: true, categorical: true }), network.predictStream(), writer)
 * ```
 */
export function imputeStream (model: Imputer): Transform {
  return new Transform({
    objectMode: true,
    transform (chunk: unknown, _encoding, callback) {
      try {
        if (typeof chunk !== 'object' || chunk === null) {
          throw new ArilError('ERR_INVALID_INPUT', `predictStream takes batches of rows, got ${show(chunk)}`)
        }
        callback(null, model.imputeBatch(model.toBatch(chunk as BatchInput)))
      } catch (err) {
        callback(err as Error)
      }
    }
  })
}

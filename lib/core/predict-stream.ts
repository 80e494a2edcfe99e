/**
 * Prediction as a stream: a Transform from batches of rows to batches of predictions, so a file
 * of any size is scored with flat memory (`readNpy(big) → predictStream → writeNpy(out)`).
 */
import { Transform } from 'node:stream'
import type { Batch, BatchInput } from './batch.js'
import { ArilError, invalidOption, show } from './errors.js'
import { checkKeys } from './options.js'
import { sourceError } from './source.js'

/** What a model needs to be streamed through {@link predictStream}. */
export interface Predictor {
  /** Checks any accepted input against the model's shape. */
  toBatch (X: BatchInput): Batch
  /** Posterior log-probabilities, rows × classes, each row normalized. */
  predictLogProbaBatch (batch: Batch): Batch
  /** The most probable class per row; when absent, the argmax of the posterior is used. */
  predictBatch? (batch: Batch): Float64Array
}

/** What each output batch holds. */
export type PredictOutput = 'class' | 'proba' | 'logProba'

/** Options of {@link predictStream}. */
export interface PredictStreamOptions {
  /** `'class'` (default): one column of class indices; `'proba'` / `'logProba'`: one column per class. */
  output?: PredictOutput | undefined
}

/** The keys of {@link PredictStreamOptions}. */
export const PREDICT_STREAM_OPTION_KEYS = ['output'] as const

const OUTPUTS: readonly PredictOutput[] = ['class', 'proba', 'logProba']

/**
 * A Transform (object mode on both sides) that turns every batch of rows written to it into a
 * batch of predictions with as many rows: class indices (1 column), posterior probabilities or
 * log-probabilities (k columns). Any input `toBatch` accepts may be written; weights and labels
 * are ignored. Memory stays flat: each batch is scored and passed on.
 *
 * @throws ArilError `ERR_INVALID_OPTION` for an unknown `output`; the stream fails with the
 *   model's error (`ERR_COLUMN_COUNT`, `ERR_NOT_FITTED` ...) on a bad batch, and with
 *   `ERR_SOURCE` (the original as `cause`) for an error that is not aril's: a chunk that throws
 *   when read, or a Predictor of the user's own
 * @example
 * ```ts
 * await pipeline(readNpy('big.npy'), predictStream(model, { output: 'proba' }), writeNpy('proba.npy'))
 * ```
 */
export function predictStream (model: Predictor, options: PredictStreamOptions = {}): Transform {
  checkKeys(options, PREDICT_STREAM_OPTION_KEYS, 'predictStream')
  const output = options.output ?? 'class'
  if (!OUTPUTS.includes(output)) invalidOption('output', OUTPUTS.map(o => `'${o}'`).join(', '), output)
  return new Transform({
    objectMode: true,
    transform (chunk: unknown, _encoding, callback) {
      try {
        if (typeof chunk !== 'object' || chunk === null) {
          throw new ArilError('ERR_INVALID_INPUT', `predictStream takes batches of rows, got ${show(chunk)}`)
        }
        callback(null, predictChunk(model, model.toBatch(chunk as BatchInput), output))
      } catch (err) {
        callback(sourceError(err))
      }
    }
  })
}

// One prediction per unit: a row, or a sequence of a SequenceBatch (a stack of HMMs), hence the
// predictions' own length rather than the batch's rows.
function predictChunk (model: Predictor, batch: Batch, output: PredictOutput): Batch {
  if (output === 'class' && model.predictBatch !== undefined) {
    const data = model.predictBatch(batch)
    return { data, rows: data.length, cols: 1 }
  }
  const posterior = model.predictLogProbaBatch(batch)
  if (output === 'logProba') return posterior
  if (output === 'proba') return { data: posterior.data.map(Math.exp), rows: posterior.rows, cols: posterior.cols }
  return { data: rowArgmax(posterior), rows: posterior.rows, cols: 1 }
}

/**
 * The column of the largest value in each row (the first on ties; NaN never wins).
 *
 * @example
 * ```ts
 * rowArgmax({ data: Float64Array.of(-2, -1, -1, -1), rows: 2, cols: 2 }) // => Float64Array [1, 0]
 * ```
 */
export function rowArgmax ({ data, rows, cols }: Batch): Float64Array {
  const classes = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let j = 1; j < cols; j++) if (data[r * cols + j]! > data[r * cols + best]!) best = j
    classes[r] = best
  }
  return classes
}

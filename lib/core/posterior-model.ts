/**
 * A model that assigns rows to k classes (a mixture's components, a Bayes classifier's classes):
 * from its posterior log-probabilities it gets pomegranate's `predict`, `predict_proba` and
 * `predict_log_proba`, and prediction as a stream.
 */
import type { Transform } from 'node:stream'
import { batchRows, type Batch, type BatchInput } from './batch.js'
import { Model } from './model.js'
import type { UpdateOptions } from './options.js'
import { predictStream, rowArgmax, type PredictStreamOptions } from './predict-stream.js'

export abstract class PosteriorModel<P = unknown, U extends UpdateOptions = UpdateOptions, S = unknown> extends Model<P, U, S> {
  /** Posterior log-probabilities log P(class | x) of a checked batch: rows × k. */
  abstract predictLogProbaBatch (batch: Batch): Batch

  /** The most probable class of each row of a checked batch (the first on ties). */
  predictBatch (batch: Batch): Float64Array {
    return rowArgmax(this.predictLogProbaBatch(batch))
  }

  /** The most probable class (component) of each row (pomegranate's `predict`). */
  predict (X: BatchInput): Float64Array {
    return this.predictBatch(this.toBatch(X))
  }

  /** P(class | x) per row: rows of k probabilities (pomegranate's `predict_proba`). */
  predictProba (X: BatchInput): number[][] {
    return batchRows(this.predictLogProbaBatch(this.toBatch(X)), Math.exp)
  }

  /** log P(class | x) per row: rows of k log-probabilities (pomegranate's `predict_log_proba`). */
  predictLogProba (X: BatchInput): number[][] {
    return batchRows(this.predictLogProbaBatch(this.toBatch(X)))
  }

  /** A Transform from batches of rows to batches of predictions; see {@link predictStream}. */
  predictStream (options?: PredictStreamOptions): Transform {
    return predictStream(this, options)
  }
}

/**
 * aril: out-of-core probabilistic models for Node.js streams. The public surface; re-exports only.
 */
export { ArilError, type ArilErrorCode, type ErrorLocation } from './core/errors.js'
export { toBatch, sliceBatch, isBatch, type Batch, type BatchInput, type Key, type ToBatchOptions } from './core/batch.js'
export { BLOCK_ROWS, ExactSum } from './core/accumulate.js'
export { Model, type Summary, type SummarizeOptions, type SampleOptions, type FitStreamOptions } from './core/model.js'
export type { SinkOptions } from './core/sink.js'
export type { Source, StreamLike } from './core/source.js'
export type { UpdateOptions } from './core/options.js'
export { Random } from './core/random.js'
export { fromJSON, parseJSON, stringifyJSON } from './core/serialize.js'
export { NormalDistribution, type NormalOptions } from './distributions/normal.js'

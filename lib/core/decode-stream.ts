/**
 * A sequence model's `predictStream` (HiddenMarkovModel's): a Transform from chunks of sequences
 * (a sequence source's SequenceBatches, or lists of sequences) to the decoded state paths of each
 * chunk, so any number of sequences is decoded in flat memory with the stream's backpressure.
 * (Here, not beside the model: model files hold formulas, not I/O.)
 */
import { Transform } from 'node:stream'
import { ArilError, invalidOption, show } from './errors.js'
import { booleanOption, checkKeys } from './options.js'
import { rejectRawBytes } from './raw-bytes.js'
import type { SequenceBatch } from './sequence.js'
import { sourceError } from './source.js'
import type { Decoded, DecodeAlgorithm } from '../models/hmm/decode.js'

/** Options of `HiddenMarkovModel.predictStream`. */
export interface HmmPredictStreamOptions {
  /** `'map'` (default, as `predict`): the most probable state at each observation; `'viterbi'`: the Viterbi path. */
  algorithm?: DecodeAlgorithm | undefined
  /** Also give each sequence's log-probability (of its Viterbi path, or of the sequence for `'map'`). */
  logProbability?: boolean | undefined
}

export const HMM_PREDICT_STREAM_KEYS = ['algorithm', 'logProbability'] as const

/**
 * The decoded paths of a chunk: one column of emitting-state indices per observation, one
 * sequence per input sequence (`offsets`), and with `logProbability: true` one log-probability
 * per sequence. `writeNdjson` writes one line per sequence: the path, or
 * `{"path": [...], "logProbability": x}`.
 */
export interface PathBatch extends SequenceBatch {
  readonly logProbability?: Float64Array | undefined
}

interface Decoder {
  toBatch (X: never): SequenceBatch
  decodeBatch (batch: SequenceBatch, algorithm: DecodeAlgorithm): Decoded
}

export function decodeStream (model: Decoder, options: HmmPredictStreamOptions): Transform {
  checkKeys(options, HMM_PREDICT_STREAM_KEYS, 'HiddenMarkovModel.predictStream')
  const algorithm = options.algorithm ?? 'map'
  if (algorithm !== 'map' && algorithm !== 'viterbi') invalidOption('algorithm', "'map' or 'viterbi'", algorithm)
  const withLogProbability = booleanOption(options, 'logProbability', false)
  let seen = 0
  return new Transform({
    objectMode: true,
    transform (chunk: unknown, _encoding, callback) {
      try {
        rejectRawBytes(chunk, 'HiddenMarkovModel.predictStream')
        if (typeof chunk !== 'object' || chunk === null) {
          throw new ArilError('ERR_INVALID_INPUT', `HiddenMarkovModel.predictStream takes chunks of sequences (a sequence source's SequenceBatches), got ${show(chunk)}`)
        }
        const batch = at(seen, () => model.toBatch(chunk as never))
        const { paths, logProbability } = model.decodeBatch(batch, algorithm)
        seen += batch.offsets.length - 1
        const out: PathBatch = withLogProbability ? { ...paths, logProbability } : paths
        callback(null, out)
      } catch (err) {
        callback(sourceError(err))
      }
    }
  })
}

/** Runs `read`, moving the location of its error from the chunk's sequence to the stream's. */
function at<T> (first: number, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof ArilError && err.sequence !== undefined) {
      err.sequence += first
      if (first > 0) err.message += ` (sequence ${err.sequence} of the stream)`
    } else if (err instanceof ArilError) {
      err.sequence = first
      err.message += ` (in the chunk that starts at sequence ${first} of the stream)`
    }
    throw err
  }
}

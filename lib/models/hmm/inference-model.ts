/**
 * The inference half of a hidden Markov model: log-probabilities, pomegranate's forward,
 * backward and posterior tables, Viterbi, decoding of whole SequenceBatches and streams, and
 * sampling, over the baked topology (the recursions are in forward-backward.ts, viterbi.ts,
 * inference.ts and decode.ts). HiddenMarkovModel (hmm.ts) extends it with statistics and training.
 */
import type { Transform } from 'node:stream'
import { sliceBatch, type Batch, type BatchInput } from '../../core/batch.js'
import { decodeStream, type HmmPredictStreamOptions, type PathBatch } from '../../core/decode-stream.js'
import { ArilError, invalidOption, show } from '../../core/errors.js'
import { booleanOption, checkKeys, numberOption } from '../../core/options.js'
import { Random } from '../../core/random.js'
import { isSequenceBatch, type SequenceBatch, type SequenceInput } from '../../core/sequence.js'
import { decodeBatch, viterbiSequence, type Decoded, type DecodeAlgorithm } from './decode.js'
import { emissionMatrix } from './emissions.js'
import { backwardTable, forwardBackwardTables, forwardTable, posteriorTable } from './inference.js'
import { PIECE_ROWS, SAMPLE_KEYS } from './options.js'
import { walk } from './sample.js'
import { forwardSequence, Workspace } from './statistics.js'
import { HmmTopology } from './topology-model.js'

/** Inference and sampling of a {@link HiddenMarkovModel} (see hmm.ts for the whole model). */
export abstract class HmmInference extends HmmTopology {
  /** Work arrays of the recursions, reused across calls. */
  protected readonly workspace = new Workspace()

  /** log P(sequence) for every sequence of a SequenceBatch (−Infinity for an impossible one). */
  logProbabilityBatch (batch: Batch): Float64Array {
    if (!isSequenceBatch(batch)) return this.logProbabilityBatch(this.toBatch(batch))
    const g = this.graph
    const { offsets } = batch
    const count = offsets.length - 1
    const out = new Float64Array(count)
    // the emission matrix once per piece of about PIECE_ROWS rows, as decode.ts: one call per
    // distribution instead of one per sequence (1.64x on 2·10^4 Discrete sequences of ~20 steps)
    for (let a = 0, z = 0; a < count; a = z) {
      z = a + 1
      while (z < count && offsets[z + 1]! - offsets[a]! <= PIECE_ROWS) z++
      const r0 = offsets[a]!
      const e = emissionMatrix(g, sliceBatch({ ...batch, weights: undefined, labels: undefined }, r0, offsets[z]!), this.workspace, false)
      for (let s = a; s < z; s++) out[s] = forwardSequence(g, e, offsets[s]! - r0, offsets[s + 1]! - offsets[s]!, this.workspace)
    }
    return out
  }

  /** log P(sequence) of each sequence of a list (or SequenceBatch). */
  override logProbability (X: BatchInput | readonly SequenceInput[]): Float64Array {
    return this.logProbabilityBatch(this.toBatch(X))
  }

  /** One sequence as a batch of rows, with its emission matrix in the workspace. */
  private one (sequence: SequenceInput): { n: number; e: Float64Array } {
    const batch = this.toBatch([sequence])
    const e = emissionMatrix(this.graph, batch, this.workspace)
    return { n: batch.rows, e }
  }

  /** The forward table of one sequence: (n + 1) rows of m log-probabilities (pomegranate's `forward`). */
  forward (sequence: SequenceInput): number[][] {
    const { n, e } = this.one(sequence)
    return forwardTable(this.graph, e, n, this.workspace)
  }

  /** The backward table of one sequence: (n + 1) rows of m log-probabilities (pomegranate's `backward`). */
  backward (sequence: SequenceInput): number[][] {
    const { n, e } = this.one(sequence)
    return backwardTable(this.graph, e, n, this.workspace)
  }

  /**
   * pomegranate's `forward_backward`: the expected count of every transition (m × m) and the log
   * posterior of each emitting state at each observation (n × p). Undefined for an impossible sequence.
   */
  forwardBackward (sequence: SequenceInput): { transitions: number[][]; emissions: number[][] } | undefined {
    const { n, e } = this.one(sequence)
    return forwardBackwardTables(this.graph, e, n, this.workspace)
  }

  /** log P(emitting state | sequence) per observation: n rows of p (pomegranate's `predict_log_proba`; NaN for an impossible sequence). */
  predictLogProba (sequence: SequenceInput): number[][] {
    const { n, e } = this.one(sequence)
    return posteriorTable(this.graph, e, n, this.workspace)
  }

  /** P(emitting state | sequence) per observation (pomegranate's `predict_proba`). */
  predictProba (sequence: SequenceInput): number[][] {
    return this.predictLogProba(sequence).map(row => row.map(Math.exp))
  }

  /**
   * The Viterbi path of one sequence: its log-probability and the state indices from start,
   * silent states included (an impossible sequence: −Infinity and an empty path).
   */
  viterbi (sequence: SequenceInput): { logProbability: number; path: number[] } {
    return viterbiSequence(this.graph, this.toBatch([sequence]), this.workspace)
  }

  /**
   * The emitting state of each observation: by the posterior (`'map'`, the default) or the Viterbi path.
   * @throws ArilError `ERR_INVALID_OPTION` for another algorithm
   */
  predict (sequence: SequenceInput, options: { algorithm?: 'map' | 'viterbi' } = {}): number[] {
    checkKeys(options, ['algorithm'], 'HiddenMarkovModel.predict')
    const algorithm = options.algorithm ?? 'map'
    if (algorithm !== 'map' && algorithm !== 'viterbi') invalidOption('algorithm', "'map' or 'viterbi'", algorithm)
    return Array.from(this.decodeBatch(this.toBatch([sequence]), algorithm).paths.data)
  }

  /** The decoded states of every sequence of a SequenceBatch, and their log-probabilities (see decode.ts). */
  decodeBatch (batch: SequenceBatch, algorithm: DecodeAlgorithm = 'viterbi'): Decoded {
    return decodeBatch(this.graph, batch, algorithm, this.workspace)
  }

  /**
   * {@link HiddenMarkovModel.predict} as a Transform over chunks of sequences (see stream.ts):
   * each chunk's paths as a {@link PathBatch}, which `writeNdjson` writes one sequence per line.
   * @throws ArilError `ERR_INVALID_OPTION` at once; through the stream `ERR_RAW_BYTES`, and the
   *   errors of a bad sequence with its index in the stream
   * @example
   * ```ts
   * await pipeline(readSequences('x.ndjson'), hmm.predictStream({ algorithm: 'viterbi' }), writeNdjson('paths.ndjson'))
   * ```
   */
  predictStream (options: HmmPredictStreamOptions = {}): Transform {
    return decodeStream(this, options)
  }

  /**
   * `n` sequences drawn from the model (pomegranate's `sample`): each walks from start until end,
   * or until `length` observations. With `path`, each comes with the names of its states.
   */
  override sample (n: number, options: { length?: number; path?: boolean; seed?: number } = {}): unknown[] {
    checkKeys(options, SAMPLE_KEYS, 'HiddenMarkovModel.sample')
    const length = numberOption(options, 'length', 0, 0)
    if (!Number.isInteger(length)) invalidOption('length', 'a whole number', length)
    if (length === 0 && !this.graph.finite) invalidOption('length', 'a length > 0 for a model without an end state', length)
    if (!Number.isInteger(n) || n < 0) throw new ArilError('ERR_INVALID_ARGUMENT', `sample: expected a whole number of sequences, got ${show(n)}`)
    const random = new Random(options.seed)
    const path = booleanOption(options, 'path', false)
    return Array.from({ length: n }, () => {
      const drawn = walk(this.graph, random, length)
      return path ? { sequence: drawn.emissions, path: drawn.path } : drawn.emissions
    })
  }

  sampleWith (n: number, random: Random): unknown[] {
    return Array.from({ length: n }, () => walk(this.graph, random, this.graph.finite ? 0 : 1).emissions)
  }
}

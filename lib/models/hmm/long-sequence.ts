/**
 * One sequence longer than memory (a chromosome-length `.npy`, rows = steps): a checkpointed
 * Baum-Welch E-step with memory O(states × √T) and the same bits as the in-memory E-step
 * (statistics.ts's `summarizeRun` on that one sequence); the Viterbi E-step is long-viterbi.ts.
 *
 * The sequence is cut into segments of `segmentRows` rows (default ⌈√T⌉), read by row range:
 *  1. forward over the segments in order, keeping the scaled forward vector at each segment's
 *     start, and the likelihood L of the last row;
 *  2. backward over the segments in reverse, keeping the scaled backward vector at each segment's
 *     end (the segment's forward rows are recomputed for their sums, which the backward steps use);
 *  3. forward again: each segment's forward and backward rows are recomputed from its two
 *     checkpoints, and its terms are added in time order, the log-probability's too.
 * The recursions are the in-memory ones (forward-backward.ts) started from vectors with the same
 * bits, so every table entry, row sum and scaled emission is the same. Each edge's expected count is one running sum carried
 * from segment to segment (forward-backward.ts's `transitionTerms`, which the in-memory
 * `expectedTransitions` runs over the whole sequence), so its additions happen in the in-memory order; each state's rows go
 * to its distribution segment by segment, which distributions' row-aligned blocked sums make the
 * same as one call. A distribution shared by several states (tied states) receives all rows of
 * its first state, then all rows of its second, as in memory: pass 3 is repeated once per extra
 * tied state (the only case that costs more than three passes).
 */
import { ArilError, invalidOption } from '../../core/errors.js'
import type { Batch } from '../../core/batch.js'
import type { Model } from '../../core/model.js'
import { checkKeys, type UpdateOptions } from '../../core/options.js'
import type { ReaderCounters } from '../../core/progress.js'
import { readNpy } from '../../io/npy.js'
import type { History } from '../../train/callbacks.js'
import { Loop, trainSettings, type TrainOptions } from '../../train/em.js'
import { abortError, settle } from '../../train/passes.js'
import { backwardEnd, backwardSteps, transitionTerms } from './forward-backward.js'
import type { HiddenMarkovModel } from './hmm.js'
import { aborted, forwardPass, rounds, Segments } from './long-segments.js'
import { viterbiPasses } from './long-viterbi.js'
import { UPDATE_KEYS, type HmmUpdateOptions } from './options.js'

/**
 * Options of `summarizeLongSequence`.
 * @example
 * ```ts
 * await hmm.summarizeLongSequence('chr1.npy', { segmentRows: 20000, signal: AbortSignal.timeout(60000) })
 * ```
 */
export interface LongSequenceOptions {
  /**
   * Rows per segment (default ⌈√T⌉). Memory: 2·(T / segmentRows)·states numbers of checkpoints,
   * plus segmentRows·(columns + 2·emitting states + 2·states + 4) numbers of segment buffers.
   * Viterbi keeps one more number per segment (the path's state at its end) and holds per row
   * back-pointers instead of backward rows, and the path's state.
   */
  segmentRows?: number
  /**
   * 'baum-welch' or 'viterbi': the E-step of `summarize` with that algorithm, on this one
   * sequence (Viterbi: 1 per edge and per row of the best path's states; the log-probability is
   * still the forward one). As `summarize`, the default is the model's own (that of its last fit
   * or E-step, else 'baum-welch'), and an algorithm given stays the model's; `fitLongSequence`'s
   * default is 'baum-welch', as `fit`'s. Labeled training is not offered for a long sequence.
   */
  algorithm?: 'baum-welch' | 'viterbi'
  /** Aborting stops between segments (and inside reads); the model is left unchanged. */
  signal?: AbortSignal
}

/**
 * Options of `fitLongSequence`: the training loop's, the M-step's, and the segment size.
 * @example
 * ```ts
 * await hmm.fitLongSequence('chr1.npy', { maxIterations: 10, stopThreshold: 1e-3, transitionPseudocount: 1 })
 * ```
 */
export interface LongSequenceFitOptions extends LongSequenceOptions, Omit<HmmUpdateOptions, 'algorithm'>, Pick<TrainOptions, 'stopThreshold' | 'maxIterations' | 'lrDecay' | 'callbacks'> {}

/**
 * What one checkpointed E-step did.
 * @example
 * ```ts
 * const { logProbability, segments, checkpointValues } = await hmm.summarizeLongSequence('chr1.npy')
 * ```
 */
export interface LongSequenceSummary {
  /** log P(sequence) (−Infinity: impossible, counted in `statistics.impossible`); undefined for a frozen model. */
  logProbability: number | undefined
  /** Steps (rows) of the sequence. */
  rows: number
  segmentRows: number
  segments: number
  /**
   * Numbers held for the whole E-step: the forward and backward checkpoints (2 · segments ·
   * states); for Viterbi the forward and Viterbi checkpoints ((2 · segments + 1) · states) and the
   * path's state at each segment's end.
   */
  checkpointValues: number
  /**
   * Numbers in the segment buffers: observations, emission log-probabilities and scaled emissions,
   * forward and backward rows, row sums and maxima, one state's weights (Viterbi: and the
   * back-pointers and each row's state on the path).
   */
  segmentValues: number
}

const ALGORITHMS = ['baum-welch', 'viterbi']
const FIT_KEYS = ['segmentRows', 'signal', 'stopThreshold', 'maxIterations', 'lrDecay', 'callbacks', ...UPDATE_KEYS]

/**
 * Pass 2: the scaled backward vector at each segment's end (row `length` of its table). The
 * backward steps divide by the forward rows' sums, so each segment's forward rows are recomputed.
 */
async function backwardPass (hmm: HiddenMarkovModel, s: Segments, forward: Float64Array): Promise<Float64Array> {
  const { g, b } = s
  const { m } = g
  const checkpoints = new Float64Array(s.count * m)
  for (let k = s.count - 1; k >= 0; k--) {
    const n = s.length(k)
    if (k === s.count - 1) backwardEnd(g, b, n)
    else b.copyWithin(n * m, 0, m)
    checkpoints.set(b.subarray(n * m, (n + 1) * m), k * m)
    await s.emissions(hmm, k)
    s.forward(k, forward)
    backwardSteps(g, s.ws.edges.prepare(g), s.ws.x, 0, b, 0, n, s.c)
  }
  return checkpoints
}

/**
 * Pass 3 (and its repeats for tied states): recomputes each segment's tables from its checkpoints,
 * adds the transition terms and the log-probability's (first round) and hands each state of the
 * round its rows and posterior weights (all zero for an impossible sequence, as in memory).
 * Returns log P(sequence), summed as `forwardSequence` sums it.
 */
async function summaryPasses (hmm: HiddenMarkovModel, s: Segments, forward: Float64Array, backward: Float64Array, L: number, edgeSums: Float64Array, open: Model[]): Promise<number> {
  const { g, f, b, c, weights, ws } = s
  const { m } = g
  const possible = L > 0
  const states = rounds(g)
  // an impossible sequence adds no transitions, only zero-weight rows to the distributions
  const passes = Math.max(states.length, possible ? 1 : 0)
  const scale = 1 / L
  let logp = possible ? Math.log(L) : -Infinity
  for (let r = 0; r < passes; r++) {
    const round = states[r] ?? []
    for await (const { k, batch } of s.inOrder(hmm)) {
      const n = s.length(k)
      if (possible) {
        s.forward(k, forward)
        b.set(backward.subarray(k * m, (k + 1) * m), n * m)
        backwardSteps(g, ws.edges.prepare(g), ws.x, 0, b, 0, n, c)
        if (r === 0) {
          transitionTerms(g, ws.x, f, b, n, k === s.count - 1, edgeSums)
          logp = s.addLogScales(logp, n)
        }
      }
      for (const state of round) {
        if (possible) for (let i = 0; i < n; i++) weights[i] = f[(i + 1) * m + state]! * b[(i + 1) * m + state]! * scale
        else weights.fill(0, 0, n)
        open[g.stateDistribution[state]!]!.summarizeBatch({ data: batch.data, rows: n, cols: batch.cols, weights: weights.subarray(0, n), categories: batch.categories })
      }
    }
  }
  return logp
}

/** Rows and columns of an `.npy`, from its first row (the reader checks the header and the file's size). */
async function npyShape (path: string, signal: AbortSignal | undefined): Promise<{ rows: number; cols: number }> {
  const reader = readNpy(path, { rowsPerBatch: 1, signal })
  for await (const batch of reader as AsyncIterable<Batch>) return { rows: (reader as unknown as ReaderCounters).totalRows!, cols: batch.cols }
  throw new ArilError('ERR_INVALID_INPUT', 'summarizeLongSequence: the file holds no observations', { file: path })
}

function algorithmOption (value: unknown): 'baum-welch' | 'viterbi' {
  if (value === undefined) return 'baum-welch'
  if (!ALGORITHMS.includes(value as string)) invalidOption('algorithm', "'baum-welch' or 'viterbi' (labeled training is not offered for a long sequence)", value)
  return value as 'baum-welch' | 'viterbi'
}

function segmentOption (options: LongSequenceOptions, rows: number): number {
  const value = options.segmentRows
  if (value === undefined) return Math.max(1, Math.ceil(Math.sqrt(rows)))
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) invalidOption('segmentRows', 'a whole number >= 1', value)
  return value
}

/**
 * One Baum-Welch (or Viterbi) E-step over the sequence in the `.npy` at `path` (rows = steps; one
 * column, or as many as the emissions read), added into the model's statistics as
 * `summarize([sequence], { algorithm })` would add them, with the same bits; `fromSummaries`,
 * `summary` and `mergeSummary` work as usual. The file is read 3 times (once more per extra state
 * sharing a distribution), by row ranges.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, `ERR_COLUMN_COUNT` (a file that is not one sequence for
 *   these emissions), `ERR_INVALID_INPUT` (no rows), the `.npy` reader's errors, `ERR_ABORTED`;
 *   the model's statistics are unchanged on any error
 * @example
 * ```ts
 * const { logProbability } = await summarizeLongSequence(hmm, 'chr1.npy', { segmentRows: 10000 })
 * hmm.fromSummaries()
 * ```
 */
export async function summarizeLongSequence (hmm: HiddenMarkovModel, path: string, options: LongSequenceOptions = {}): Promise<LongSequenceSummary> {
  checkKeys(options, ['segmentRows', 'signal', 'algorithm'], 'HiddenMarkovModel.summarizeLongSequence')
  const { signal } = options
  // as summarize(): the model's own algorithm unless one is given (labeled, without labels, is Baum-Welch)
  const algorithm = algorithmOption(options.algorithm ?? (hmm.passMode() === 'viterbi' ? 'viterbi' : 'baum-welch'))
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', signal)
  const { rows, cols } = await npyShape(path, signal)
  const size = segmentOption(options, rows)
  const dimension = hmm.dimension
  if (dimension !== undefined && cols !== dimension) {
    throw new ArilError('ERR_COLUMN_COUNT', `summarizeLongSequence: expected one sequence of ${dimension}-column observations, the file has ${cols} columns per row`, { file: path })
  }
  let summary: LongSequenceSummary | undefined
  const logProbability = hmm.frozen
    ? undefined
    : await hmm.summarizeOutside(async (g, partial, open) => {
      const s = new Segments(g, path, rows, cols, size, signal, algorithm === 'baum-welch')
      const edges = g.from.length
      if (algorithm === 'viterbi') {
        const { logProbability: logp, checkpointValues, segmentValues } = await viterbiPasses(hmm, s, partial, open)
        aborted(signal)
        summary = { logProbability: logp, rows, segmentRows: size, segments: s.count, checkpointValues, segmentValues: s.values + segmentValues }
        // as summarizeRun for a sequence of weight 1 (the path's counts are in `partial` already)
        if (logp === -Infinity) partial[edges + 1]!++
        else partial[edges] = partial[edges]! + 1 * logp
        return logp
      }
      const { checkpoints: forward, L } = await forwardPass(hmm, s)
      const backward = L > 0 ? await backwardPass(hmm, s, forward) : new Float64Array(0)
      const edgeSums = new Float64Array(edges)
      const logp = await summaryPasses(hmm, s, forward, backward, L, edgeSums, open)
      aborted(signal)
      summary = { logProbability: logp, rows, segmentRows: size, segments: s.count, checkpointValues: forward.length + backward.length, segmentValues: s.values }
      if (logp === -Infinity) {
        partial[edges + 1]!++
        return logp
      }
      // as summarizeRun for a sequence of weight 1: Σ w·log p, then each edge's sum·P(edge)·w/L
      partial[edges] = partial[edges]! + 1 * logp
      const factor = 1 / L
      for (let edge = 0; edge < edges; edge++) partial[edge] = partial[edge]! + edgeSums[edge]! * g.prob[edge]! * factor
      return logp
    })
  // as summarize(X, { algorithm }): the algorithm given stays the model's for its next E-steps (a sink's)
  if (options.algorithm !== undefined) hmm.setPassMode(algorithm)
  return summary ?? { logProbability, rows, segmentRows: size, segments: Math.ceil(rows / size), checkpointValues: 0, segmentValues: 0 }
}

/**
 * Baum-Welch (or, with `algorithm: 'viterbi'`, Viterbi) training on the one sequence in the `.npy`
 * at `path`: lib/train/em.ts's loop, each epoch one checkpointed E-step (three passes over the
 * file), so `maxIterations`, `stopThreshold`, callbacks and the History are those of
 * `trainBatch([sequence], { algorithm })`, with the same parameters to the bit. Labeled training
 * is not offered for a long sequence.
 *
 * @throws ArilError as {@link summarizeLongSequence}, and the trainer's; on error the model keeps
 *   the parameters of its last M-step
 * @example
 * ```ts
 * const history = await fitLongSequence(hmm, 'chr1.npy', { maxIterations: 20, stopThreshold: 1e-3 })
 * await fitLongSequence(hmm, 'chr1.npy', { algorithm: 'viterbi', maxIterations: 5 })
 * ```
 */
export async function fitLongSequence (hmm: HiddenMarkovModel, path: string, options: LongSequenceFitOptions = {}): Promise<History> {
  checkKeys(options, FIT_KEYS, 'HiddenMarkovModel.fitLongSequence')
  const { segmentRows, ...rest } = options
  const algorithm = algorithmOption(rest.algorithm)
  const loop = new Loop(hmm, trainSettings(rest as TrainOptions & UpdateOptions))
  const started = loop.begin()
  await settle(loop)
  if (!started) return loop.history
  try {
    for (;;) {
      loop.checkAbort()
      const { logProbability } = await summarizeLongSequence(hmm, path, { segmentRows, signal: rest.signal, algorithm })
      // one unit, as the trainer counts a sequence model's input: sequences, not observations
      loop.counted(1, logProbability)
      await settle(loop)
      const more = loop.sourceEnded()
      await settle(loop)
      if (!more) break
    }
  } catch (err) {
    loop.fail(abortError(err, loop))
  }
  return loop.history
}

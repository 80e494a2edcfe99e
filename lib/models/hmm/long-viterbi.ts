/**
 * One sequence longer than memory, Viterbi training (long-sequence.ts): a checkpointed Viterbi
 * E-step with memory O(states × √T) and the same bits as the in-memory one (statistics.ts's
 * `summarizeRun` on that one sequence with `algorithm: 'viterbi'`), whose path counts 1 per edge
 * and per row of its emitting state, and whose log-probability is the forward one.
 *
 * Checkpointed Viterbi (the max-product twin of the checkpointed forward-backward):
 *  1. forward over the segments in order: the forward recursion (for L) and the Viterbi one,
 *     keeping the scaled forward vector and the Viterbi scores at each segment's start;
 *  2. the segments in reverse: each segment's back-pointers are recomputed from its scores
 *     checkpoint and the path is traced back inside it from the state carried from the segment
 *     after, which gives the state its path is in at each segment's end;
 *  3. the segments in order: the forward rows are recomputed for the log-probability's terms,
 *     and the back-pointers and the path inside each segment again, whose edges are counted and
 *     whose rows go to the distributions, in time order as in memory.
 * The segments' recursion is viterbi.ts's loop started from scores with the same bits, so the
 * back-pointers, and with them the ties, are those of the whole sequence (the WebAssembly kernel
 * computes the same scores). A distribution shared by several states (tied states) receives all
 * rows of its first state, then all of its second, as in memory: pass 3 is repeated once per
 * extra tied state, as for Baum-Welch.
 */
import type { Model } from '../../core/model.js'
import type { HiddenMarkovModel } from './hmm.js'
import { forwardPass, rounds, type Segments } from './long-segments.js'
import { edgeBetween } from './statistics.js'
import { traceRows, viterbiEnd, viterbiSegment } from './viterbi.js'

/** What the checkpointed Viterbi E-step found and held. */
export interface LongViterbi {
  /** log P(sequence) by the forward algorithm (−Infinity: impossible), as in memory. */
  logProbability: number
  /** Numbers held for the whole E-step: forward and Viterbi checkpoints, the states at the segments' ends. */
  checkpointValues: number
  /** Numbers in the buffers the Segments do not hold: the back-pointers and each row's state on the path. */
  segmentValues: number
}

/**
 * The checkpointed Viterbi E-step of the sequence of `s`: the path's transitions added to
 * `partial` (one slot per edge, as `summarizeRun` adds them) and its rows to the `open`
 * statistics (all weights zero for an impossible sequence, as in memory).
 */
export async function viterbiPasses (hmm: HiddenMarkovModel, s: Segments, partial: Float64Array, open: Model[]): Promise<LongViterbi> {
  const { g, ws, weights } = s
  const { m, p } = g
  const scratch = ws.viterbi
  // the Viterbi scores at each segment's start (segment 0 starts from the start row), then at the end
  const scores = new Float64Array((s.count + 1) * m)
  const { checkpoints: forward, L } = await forwardPass(hmm, s, k => {
    const at = scores.subarray((k + 1) * m, (k + 2) * m)
    at.set(scores.subarray(k * m, (k + 1) * m))
    viterbiSegment(g, ws.e, s.length(k), k === 0, scratch, at)
  })
  const possible = L > 0
  const last = possible ? viterbiEnd(g, scores.subarray(s.count * m)).last : -1
  const path: number[] = []
  const start = new Float64Array(m)
  /** Segment k's path after its row 0, latest first, into `path`; returns the state at row 0 (start for k = 0). */
  const trace = (k: number, end: number): number => {
    path.length = 0
    start.set(scores.subarray(k * m, (k + 1) * m))
    viterbiSegment(g, ws.e, s.length(k), k === 0, scratch, start)
    return traceRows(g, scratch, s.length(k), end, k === 0, path)
  }

  // pass 2: the state the path is in at the end of each segment
  const ends = new Int32Array(s.count)
  if (last >= 0) {
    ends[s.count - 1] = last
    for (let k = s.count - 1; k > 0; k--) {
      await s.emissions(hmm, k)
      ends[k - 1] = trace(k, ends[k]!)
    }
  }

  // pass 3 and its repeats for tied states
  const states = rounds(g)
  const rowState = new Int32Array(weights.length)
  const passes = Math.max(states.length, possible ? 1 : 0)
  let logp = possible ? Math.log(L) : -Infinity
  for (let r = 0; r < passes; r++) {
    const round = states[r] ?? []
    for await (const { k, batch } of s.inOrder(hmm)) {
      const n = s.length(k)
      if (possible && r === 0) {
        s.forward(k, forward)
        logp = s.addLogScales(logp, n)
      }
      if (last >= 0) {
        let previous = trace(k, ends[k]!)
        // the path is pushed latest first; it ends with start in segment 0, and in the others
        // leaves out row 0's state (the previous segment's last), whose edge into the segment counts here
        for (let i = path.length - 1, row = 0; i >= 0; i--) {
          const state = path[i]!
          if (r === 0 && (k > 0 || i < path.length - 1)) partial[edgeBetween(g, previous, state)!]! += 1
          previous = state
          if (state < p) rowState[row++] = state
        }
      }
      for (const state of round) {
        for (let i = 0; i < n; i++) weights[i] = last >= 0 && rowState[i] === state ? 1 : 0
        open[g.stateDistribution[state]!]!.summarizeBatch({ data: batch.data, rows: n, cols: batch.cols, weights: weights.subarray(0, n), categories: batch.categories })
      }
    }
  }
  return { logProbability: logp, checkpointValues: forward.length + scores.length + ends.length, segmentValues: scratch.back.length + rowState.length }
}

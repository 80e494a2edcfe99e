/**
 * Decoding a whole SequenceBatch: the emitting state of every observation by the Viterbi path or
 * by the posterior (`'map'`), one sequence after another. The emission matrix is computed once
 * per piece of about PIECE_ROWS rows (one call per distribution), and the recursions reuse the
 * workspace, so nothing is allocated per sequence but its share of the output.
 */
import { sliceBatch, type Batch } from '../../core/batch.js'
import type { SequenceBatch } from '../../core/sequence.js'
import type { Graph } from './graph.js'
import { PIECE_ROWS } from './options.js'
import { emissionMatrix, emissionRows } from './emissions.js'
import { backwardSequence, forwardSequence, type Workspace } from './statistics.js'
import { normalDecoding, viterbiPath, viterbiStates } from './viterbi.js'

/** How `predict` and `predictStream` decode. */
export type DecodeAlgorithm = 'map' | 'viterbi'

/**
 * The decoded states of every sequence, as a SequenceBatch of one column (state indices, in
 * pomegranate's order of emitting states), and the log-probability of each sequence: of its
 * Viterbi path (`'viterbi'`) or of the sequence (`'map'`). An impossible sequence (−Infinity)
 * has an empty Viterbi path, and `'map'` gives it state 0 at every observation (the argmax of
 * NaN posteriors), as `predict` does.
 */
export interface Decoded {
  paths: SequenceBatch
  logProbability: Float64Array
}

export function decodeBatch (g: Graph, batch: SequenceBatch, algorithm: DecodeAlgorithm, ws: Workspace): Decoded {
  const { offsets } = batch
  const count = offsets.length - 1
  const states = new Float64Array(batch.rows)
  const logProbability = new Float64Array(count)
  const kept = new Float64Array(count + 1)
  ws.viterbi.prepare(g)
  let written = 0
  const normal = algorithm === 'viterbi' ? normalDecoding(g, ws.viterbi) : undefined
  if (normal !== undefined) {
    // the kernel computes the emissions from the observations: the matrix holds the first row's only
    for (let s = 0; s < count; s++) {
      const n = offsets[s + 1]! - offsets[s]!
      const first = emissionMatrix(g, sliceBatch(batch, offsets[s]!, offsets[s]! + Math.min(n, 1)), ws, false)
      logProbability[s] = viterbiStates(g, first, 0, n, ws.viterbi, states, written, undefined, { x: batch.data, row: offsets[s]!, terms: normal })
      if (logProbability[s] !== -Infinity) written += n
      kept[s + 1] = written
    }
  }
  for (let a = normal === undefined ? 0 : count, z = 0; a < count; a = z) {
    z = a + 1
    while (z < count && offsets[z + 1]! - offsets[a]! <= PIECE_ROWS) z++
    const r0 = offsets[a]!
    const e = emissionMatrix(g, sliceBatch({ ...batch, weights: undefined, labels: undefined }, r0, offsets[z]!), ws, false)
    const rows = emissionRows(e, ws.coded)
    for (let s = a; s < z; s++) {
      const eRow = offsets[s]! - r0
      const n = offsets[s + 1]! - offsets[s]!
      if (algorithm === 'viterbi') {
        logProbability[s] = viterbiStates(g, rows.e, eRow, n, ws.viterbi, states, written, rows.codes)
        if (logProbability[s] !== -Infinity) written += n
      } else {
        logProbability[s] = posteriorStates(g, e, eRow, n, ws, states, written)
        written += n
      }
      kept[s + 1] = written
    }
  }
  return { paths: { data: written === batch.rows ? states : states.slice(0, written), rows: written, cols: 1, offsets: kept }, logProbability }
}

/**
 * The Viterbi path of one sequence (a batch of its observations), as {@link viterbiPath}: with
 * Normal emissions computed by the kernel where it can, else from the emission matrix.
 */
export function viterbiSequence (g: Graph, batch: Batch, ws: Workspace): { logProbability: number; path: number[] } {
  const normal = normalDecoding(g, ws.viterbi)
  if (normal !== undefined) {
    const first = emissionMatrix(g, sliceBatch(batch, 0, Math.min(batch.rows, 1)), ws, false)
    return viterbiPath(g, first, 0, batch.rows, ws.viterbi, undefined, { x: batch.data, row: 0, terms: normal })
  }
  const rows = emissionRows(emissionMatrix(g, batch, ws, false), ws.coded)
  return viterbiPath(g, rows.e, 0, batch.rows, ws.viterbi, rows.codes)
}

/** The argmax of log P(state | sequence) at each observation into `out[at …)`; returns log P(sequence). */
function posteriorStates (g: Graph, e: Float64Array, eRow: number, n: number, ws: Workspace, out: Float64Array, at: number): number {
  const logp = forwardSequence(g, e, eRow, n, ws)
  if (logp === -Infinity) {
    out.fill(0, at, at + n)
    return logp
  }
  const { m, p } = g
  const b = backwardSequence(g, n, ws)
  const { f, L } = ws
  for (let i = 0; i < n; i++) {
    const r = (i + 1) * m
    // the logarithms are compared (not the products) so that ties fall as in predictLogProba
    let best = 0
    let top = Math.log(f[r]! * b[r]! / L)
    for (let k = 1; k < p; k++) {
      const x = Math.log(f[r + k]! * b[r + k]! / L)
      if (x > top) {
        top = x
        best = k
      }
    }
    out[at + i] = best
  }
  return logp
}

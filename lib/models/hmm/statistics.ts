/**
 * The E-step of a hidden Markov model over a run of whole sequences: emission log-probabilities
 * (one call per distinct distribution for all the run's rows), then per sequence the expected
 * transition counts and the per-row state weights of Baum-Welch, or the 0/1 counts of a Viterbi
 * path or of labels.
 *
 * Transition counts go straight into the current block's running sums (`partial`, one slot per
 * edge), sequence by sequence in order, so the bits depend only on which sequences share a
 * block of BLOCK_SEQUENCES sequences, never on how the sequences were batched.
 *
 * Baum-Welch runs each sequence through the topology's WebAssembly kernel when there is one
 * (forward-backward-wasm.ts, the same operations), else through the JavaScript recursions.
 */
import { sliceBatch, type Batch } from '../../core/batch.js'
import { ArilError, show } from '../../core/errors.js'
import { emissionMatrix, emissionRows, normalStateTerms, scaledEmissions, type CodedEmissions, type NormalStateTerms } from './emissions.js'
import { backwardEnd, backwardSteps, expectedTransitions, finalLikelihood, FlatEdges, forwardStart, forwardSteps } from './forward-backward.js'
import { forwardBackwardKernel, type KernelSpace } from './forward-backward-wasm.js'
import type { Graph } from './graph.js'
import { ViterbiScratch, viterbiPath } from './viterbi.js'

/** The training algorithms of pomegranate 0.14.8. */
export type Algorithm = 'baum-welch' | 'viterbi' | 'labeled'

/** Growable work arrays, reused across runs and sequences (nothing allocated per step). */
export class Workspace {
  /**
   * Emission log-probabilities (rows × p), scaled emissions (rows × p; the backward pass turns
   * them into its factors, see forward-backward.ts) and each row's maximum.
   */
  e = new Float64Array(0)
  x = new Float64Array(0)
  top = new Float64Array(0)
  /** Scaled forward and backward tables ((n + 1) × m) and the forward rows' sums (n + 1). */
  f = new Float64Array(0)
  b = new Float64Array(0)
  c = new Float64Array(0)
  /** The likelihood of the last forward table's final row (see forward-backward.ts). */
  L = 0
  column = new Float64Array(0)
  /** The coded Discrete emissions of the last emissionMatrix (see emissions.ts), undefined for other emissions. */
  coded: CodedEmissions | undefined = undefined
  weights: Float64Array[] = []
  /** One number per edge, for the expected transitions of one sequence. */
  edgeSums = new Float64Array(0)
  readonly edges = new FlatEdges()
  readonly viterbi = new ViterbiScratch()

  grow (name: 'e' | 'x' | 'top' | 'f' | 'b' | 'c' | 'column' | 'edgeSums', size: number): Float64Array {
    if (this[name].length < size) this[name] = new Float64Array(Math.max(size, 2 * this[name].length))
    return this[name]
  }
}

/**
 * Forward log-probability of one sequence whose emissions are rows eRow … eRow + n − 1 of `e`;
 * leaves the scaled emissions, the scaled table, its row sums and L in the workspace.
 */
export function forwardSequence (g: Graph, e: Float64Array, eRow: number, n: number, ws: Workspace): number {
  const x = ws.grow('x', n * g.p)
  const top = ws.grow('top', n)
  scaledEmissions(g.p, e, eRow, n, ws.coded, x, top)
  const f = ws.grow('f', (n + 1) * g.m)
  const c = ws.grow('c', n + 1)
  c[0] = 1
  forwardStart(g, f, 0)
  ws.L = forwardSteps(g, ws.edges.prepare(g), x, 0, f, 0, n, c) ? finalLikelihood(g, f, n) : 0
  if (!(ws.L > 0)) return -Infinity
  let logp = Math.log(ws.L)
  for (let i = 0; i < n; i++) logp += Math.log(c[i + 1]!) + top[i]!
  return logp
}

/** log of the scale of each forward row (S[i] in forward-backward.ts), after `forwardSequence`. */
export function logScales (n: number, ws: Workspace): Float64Array {
  const S = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) S[i + 1] = S[i]! + Math.log(ws.c[i + 1]!) + ws.top[i]!
  return S
}

/** Scaled backward table of the sequence of the last `forwardSequence`, into `ws.b`. */
export function backwardSequence (g: Graph, n: number, ws: Workspace): Float64Array {
  const b = ws.grow('b', (n + 1) * g.m)
  backwardEnd(g, b, n)
  backwardSteps(g, ws.edges.prepare(g), ws.x, 0, b, 0, n, ws.c)
  return b
}

/**
 * Summarizes sequences `s0 … s1 − 1` of `batch`: transition counts into `partial[0 … edges)`,
 * w·log p into `partial[edges]` and the count of impossible sequences of weight > 0 into `partial[edges + 1]`
 * (each sequence added in turn, so the bits do not depend on the runs), emission weights into
 * `ws.weights[state]` (rows of the run). Returns the run's Σ w·log p.
 * `labelIndex` holds, for labeled training, each row's emitting state (−1: unlabeled row).
 */
export function summarizeRun (g: Graph, batch: Batch & { offsets: Float64Array }, s0: number, s1: number, algorithm: Algorithm, labelIndex: Int32Array | undefined, partial: Float64Array, ws: Workspace): number {
  const { offsets } = batch
  const r0 = offsets[s0]!
  const r1 = offsets[s1]!
  const rows = sliceBatch({ ...batch, weights: undefined, labels: undefined }, r0, r1)
  const kernel = algorithm === 'baum-welch' ? forwardBackwardKernel(g) : undefined
  // Normal emissions computed by the kernel: the emission matrix only for a sequence it cannot take
  const normal = kernel !== undefined && rows.cols === 1 ? normalStateTerms(g) : undefined
  let matrix: Float64Array | undefined
  const emissions = (): Float64Array => (matrix ??= emissionMatrix(g, rows, ws, false))
  if (normal === undefined) emissions()
  else ws.coded = undefined
  const { p, m } = g
  while (ws.weights.length < p) ws.weights.push(new Float64Array(0))
  for (let s = 0; s < p; s++) {
    if (ws.weights[s]!.length < r1 - r0) ws.weights[s] = new Float64Array(Math.max(r1 - r0, 2 * ws.weights[s]!.length))
    ws.weights[s]!.fill(0, 0, r1 - r0)
  }
  const logSlot = g.from.length
  let logProbability = 0
  for (let s = s0; s < s1; s++) {
    const start = offsets[s]! - r0
    const n = offsets[s + 1]! - offsets[s]!
    const w = batch.weights === undefined ? 1 : batch.weights[s]!
    // A sequence of weight 0 adds nothing, so it is not even scored (a classifier's HMM gets every
    // sequence, those of the other classes with weight 0): not counted impossible either.
    if (w === 0) continue
    if (kernel !== undefined && n >= 1 && n <= kernel.rows) {
      const source = normal === undefined ? { e: emissions() } : { observations: rows.data.subarray(start, start + n), terms: normal }
      const logp = kernelSequence(g, kernel, source, start, n, w, partial, ws)
      if (logp === -Infinity) partial[logSlot + 1]!++
      else {
        partial[logSlot] = partial[logSlot]! + w * logp
        logProbability += w * logp
      }
      continue
    }
    const e = emissions()
    const logp = forwardSequence(g, e, start, n, ws)
    if (logp === -Infinity) {
      partial[logSlot + 1]!++
      continue
    }
    partial[logSlot] = partial[logSlot]! + w * logp
    logProbability += w * logp
    const labeled = algorithm === 'labeled' && labelIndex !== undefined && labelIndex[r0 + start] !== -1
    if (algorithm === 'baum-welch' || (algorithm === 'labeled' && !labeled)) {
      const b = backwardSequence(g, n, ws)
      expectedTransitions(g, ws.x, ws.f, b, n, ws.L, w, ws.grow('edgeSums', g.from.length), partial)
      const f = ws.f
      const scale = w / ws.L
      for (let k = 0; k < p; k++) {
        const out = ws.weights[k]!
        for (let i = 0; i < n; i++) out[start + i] = f[(i + 1) * m + k]! * b[(i + 1) * m + k]! * scale
      }
    } else {
      const emissions = emissionRows(e, ws.coded)
      const path = labeled ? labeledPath(g, labelIndex!, r0 + start, n) : viterbiPath(g, emissions.e, start, n, ws.viterbi, emissions.codes).path
      countPath(g, path, start, w, partial, ws.weights)
    }
  }
  return logProbability
}

/**
 * The Baum-Welch statistics of one sequence by the WebAssembly kernel (forward-backward-wasm.ts):
 * the operations of {@link forwardSequence}, {@link backwardSequence}, `expectedTransitions` and
 * the weights loop of {@link summarizeRun}, in the same order. Returns the log-probability.
 */
function kernelSequence (g: Graph, kernel: KernelSpace, source: { e: Float64Array } | { observations: Float64Array; terms: NormalStateTerms }, start: number, n: number, w: number, partial: Float64Array, ws: Workspace): number {
  const { f, b, c, x, top, sums, exports } = kernel
  const { p } = g
  // per sequence: models of one topology share the kernel
  kernel.prob.set(g.prob)
  if ('terms' in source) {
    const { mean, logNorm, half, logWeight } = source.terms
    kernel.normal.set(mean, 0)
    kernel.normal.set(logNorm, p)
    kernel.normal.set(half, 2 * p)
    kernel.normal.set(logWeight.subarray(0, p), 3 * p)
    kernel.e.set(source.observations)
    exports.normalRows(n)
  } else if (ws.coded === undefined) {
    kernel.e.set(source.e.subarray(start * p, (start + n) * p))
    exports.scaleRows(n)
  } else {
    scaledEmissions(p, source.e, start, n, ws.coded, x, top)
  }
  c[0] = 1
  forwardStart(g, f, 0)
  const L = exports.forward(n) === 1 ? finalLikelihood(g, f, n) : 0
  if (!(L > 0)) return -Infinity
  let logp = Math.log(L)
  for (let i = 0; i < n; i++) logp += Math.log(c[i + 1]!) + top[i]!
  backwardEnd(g, b, n)
  exports.backward(n)
  const { prob } = g
  const scale = w / L
  sums.fill(0)
  exports.terms(n, scale)
  for (let edge = 0; edge < prob.length; edge++) partial[edge] = partial[edge]! + sums[edge]! * prob[edge]! * scale
  for (let k = 0; k < g.p; k++) ws.weights[k]!.set(kernel.w.subarray(k * kernel.rows, k * kernel.rows + n), start)
  return logp
}

/** Adds w to every edge along a path and to the emission weight of each emitting state on it. */
function countPath (g: Graph, path: number[], start: number, w: number, partial: Float64Array, weights: Float64Array[]): void {
  let row = start
  for (let i = 0; i < path.length; i++) {
    const state = path[i]!
    if (i > 0) partial[edgeBetween(g, path[i - 1]!, state)!]! += w
    if (state < g.p) weights[state]![row++] = w
  }
}

/** The edge from a to b, or undefined. */
export function edgeBetween (g: Graph, a: number, b: number): number | undefined {
  for (let j = g.inStart[b]!; j < g.inStart[b + 1]!; j++) {
    const edge = g.inEdges[j]!
    if (g.from[edge] === a) return edge
  }
  return undefined
}

/** The path of a labeled sequence (checked by {@link labelIndices}): start, the labeled states, end (finite models). */
function labeledPath (g: Graph, labelIndex: Int32Array, at: number, n: number): number[] {
  const path = [g.start]
  for (let i = 0; i < n; i++) path.push(labelIndex[at + i]!)
  if (g.finite) path.push(g.end)
  return path
}

/**
 * Each row's labeled emitting state (−1 for a sequence without labels), checked before anything is
 * summarized: every label names an emitting state, a sequence is labeled throughout or not at all,
 * and an edge joins start, each labeled state and the next, and end (finite models).
 * @throws ArilError `ERR_LABEL` with the sequence and row
 */
export function labelIndices (g: Graph, batch: Batch & { offsets: Float64Array; stateLabels?: ReadonlyArray<string | null> | undefined }): Int32Array {
  const labels = batch.stateLabels
  if (labels === undefined) throw new ArilError('ERR_LABEL', "algorithm 'labeled' needs labels: one state name per observation")
  const byName = new Map(g.states.map((s, i) => [s.name, i]))
  const out = new Int32Array(batch.rows)
  for (let s = 0; s + 1 < batch.offsets.length; s++) {
    const a = batch.offsets[s]!
    const z = batch.offsets[s + 1]!
    const unlabeled = labels[a] === null
    for (let r = a; r < z; r++) {
      const name = labels[r]
      if ((name === null) !== unlabeled) throw new ArilError('ERR_LABEL', 'A sequence is labeled at every observation or at none', { sequence: s, row: r - a })
      if (name === null) {
        out[r] = -1
        continue
      }
      const index = byName.get(name)
      if (index === undefined) throw new ArilError('ERR_LABEL', `No state is named ${show(name)}; the states are ${g.states.map(x => x.name).join(', ')}`, { sequence: s, row: r - a })
      if (index >= g.p) throw new ArilError('ERR_LABEL', `State ${show(name)} is silent and emits no observation; label observations with emitting states`, { sequence: s, row: r - a })
      const previous = r === a ? g.start : out[r - 1]!
      if (edgeBetween(g, previous, index) === undefined) noEdge(g, previous, index, s, r - a)
      out[r] = index
    }
    if (!unlabeled && z > a && g.finite && edgeBetween(g, out[z - 1]!, g.end) === undefined) noEdge(g, out[z - 1]!, g.end, s, z - 1 - a)
  }
  return out
}

function noEdge (g: Graph, a: number, b: number, sequence: number, row: number): never {
  throw new ArilError('ERR_LABEL', `Labeled training: no transition from ${show(g.states[a]!.name)} to ${show(g.states[b]!.name)}`, { sequence, row })
}

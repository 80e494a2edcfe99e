/**
 * The Viterbi recursion of a hidden Markov model (pomegranate 0.14.8's `_viterbi`): the most
 * likely state path, silent states included, with pomegranate's tie-breaking (the first edge
 * in in-edge order wins; a silent state looks at emitting predecessors before silent ones).
 *
 * Speed: the in-edges are copied once per call into flat (source, log-probability) arrays in the
 * order the recursion reads them, only two rows of scores are kept (the back-pointers hold the
 * path), and every buffer is reused across sequences. The sums are the same as pomegranate's,
 * `(score + log p) + emission`, so the results keep their bits.
 *
 * A model whose only silent states are start and end (the common case: `fromMatrix`,
 * `fromSamples`) runs its rows after the first observation in a WebAssembly kernel
 * (viterbi-wasm.ts) with the same operations; the first row, the end state and the traceback
 * stay here. The traceback follows the kernel's back-pointers (one byte per state and row, up
 * to 6 states) or finds them from its rows of scores.
 */
import { ArilError } from '../../core/errors.js'
import type { Graph } from './graph.js'
import { normalStateTerms, type NormalStateTerms } from './emissions.js'
import {
  computesNormalEmissions, laneEdges, MAX_KERNEL_STATES, steadyKernel, steadyRows, type LaneEdges, type NormalSource, type Spill, type SteadyTrace
} from './viterbi-wasm.js'

/** Scratch space of Viterbi passes, grown as needed and reused across sequences. */
export class ViterbiScratch {
  /** The previous and current rows of scores (2m). */
  v = new Float64Array(0)
  /** The best predecessor of each state at each row ((n + 1) × m). */
  back = new Int32Array(0)
  /**
   * Source state and log p of the in-edges of emitting states (all, then the steady ones), then
   * of silent states from emitting states, then from silent states.
   */
  source = new Int32Array(0)
  logP = new Float64Array(0)
  /** The graph and probabilities `source`/`logP` were copied from (the M-step rewrites g.logP in place). */
  private graph: Graph | undefined
  private copied = new Float64Array(0)

  /** Per emitting state, where its steady in-edges start in `source`/`logP` (p + 1 bounds). */
  steadyStart = new Int32Array(0)

  /** Copies g's in-edges when the graph or its probabilities changed since the last call. */
  prepare (g: Graph): void {
    const { m, p } = g
    const edges = 2 * g.inStart[m]! + g.inEmitStart[m]! + g.inSilentStart[m]!
    this.v = this.v.length < 2 * m ? new Float64Array(2 * m) : this.v
    if (this.graph === g && this.copied.length === g.logP.length && this.copied.every((x, k) => Object.is(x, g.logP[k]))) return
    if (this.source.length < edges) {
      this.source = new Int32Array(edges)
      this.logP = new Float64Array(edges)
    }
    let at = 0
    const add = (k: number): void => {
      this.source[at] = g.from[k]!
      this.logP[at++] = g.logP[k]!
    }
    for (let j = 0; j < g.inStart[m]!; j++) add(g.inEdges[j]!)
    // after the first observation a silent state without in-edges (start, as a rule) scores
    // −Infinity, so its edges can never win: the steady rows skip them
    const dead = (s: number): boolean => s >= p && g.inStart[s + 1] === g.inStart[s]
    this.steadyStart = new Int32Array(p + 1)
    for (let l = 0; l < p; l++) {
      this.steadyStart[l] = at
      for (let j = g.inStart[l]!; j < g.inStart[l + 1]!; j++) if (!dead(g.from[g.inEdges[j]!]!)) add(g.inEdges[j]!)
    }
    this.steadyStart[p] = at
    const live: number[] = []
    for (let l = p; l < m; l++) if (!dead(l)) live.push(l)
    this.live = Int32Array.from(live)
    this.emitBase = at
    for (let j = 0; j < g.inEmitStart[m]!; j++) add(g.inEmitEdges[j]!)
    this.silentBase = at
    for (let j = 0; j < g.inSilentStart[m]!; j++) add(g.inSilentEdges[j]!)
    // live silent states without out-edges (end) feed nothing: the steady rows are emitting states only
    const sinks = live.every(l => g.outEmitStart[l + 1] === g.outEmitStart[l] && g.outSilentStart[l + 1] === g.outSilentStart[l])
    const steady = (l: number): { source: number[]; logP: number[] } => ({
      source: Array.from(this.source.subarray(this.steadyStart[l], this.steadyStart[l + 1])),
      logP: Array.from(this.logP.subarray(this.steadyStart[l], this.steadyStart[l + 1]))
    })
    this.lanes = sinks && p <= MAX_KERNEL_STATES ? laneEdges(p, steady) : undefined
    this.graph = g
    this.copied = g.logP.slice()
  }

  /** The silent states with in-edges (the others score −Infinity after the first row). */
  live = new Int32Array(0)
  /** Where the silent states' in-edges from emitting and from silent states begin in `source`/`logP`. */
  emitBase = 0
  silentBase = 0

  /** The steady in-edges in the kernel's lanes, for a model whose live silent states have no out-edges; else undefined. */
  lanes: LaneEdges | undefined
  /**
   * With the kernel: where the emitting states' scores of every row are (from which the traceback
   * finds the back-pointers), room for them when they do not fit in the kernel's memory, and the
   * back-pointers of the last row's silent states.
   */
  trace: SteadyTrace | undefined
  lastBack = new Int32Array(0)
  private spillScores = new Float64Array(0)
  private spillBack = new Uint8Array(0)
  readonly spill: Spill = {
    scores: size => (this.spillScores = this.spillScores.length < size ? new Float64Array(Math.max(size, 2 * this.spillScores.length)) : this.spillScores),
    back: size => (this.spillBack = this.spillBack.length < size ? new Uint8Array(Math.max(size, 2 * this.spillBack.length)) : this.spillBack)
  }

  /** The emitting states of a path as the kernel's traceback writes them (for {@link viterbiPath}). */
  states = new Float64Array(0)

  ensure (rows: number, m: number): void {
    if (this.back.length < rows * m) this.back = new Int32Array(Math.max(rows * m, 2 * this.back.length))
  }
}

/** Silent state l of the row in `v` at `cur`: the best of its in-edges `a` … `b` of the flat lists. */
function silent (v: Float64Array, cur: number, l: number, source: Int32Array, logP: Float64Array, a: number, b: number, best: number, back: Int32Array, at: number): number {
  for (let j = a; j < b; j++) {
    const x = v[cur + source[j]!]! + logP[j]!
    if (x > best) {
      best = x
      back[at] = source[j]!
    }
  }
  return best
}

/** Row 0 of the recursion (before the first observation) into `scratch.v[0 … m)`: start, and the silent states it reaches, with their back-pointers in row 0 of `scratch.back`. */
function startRow (g: Graph, scratch: ViterbiScratch): void {
  const { m, p, inSilentStart } = g
  const { v, back, source, logP, silentBase } = scratch
  v.fill(-Infinity, 0, 2 * m)
  v[g.start] = 0
  for (let l = p; l < m; l++) {
    if (l !== g.start) v[l] = silent(v, 0, l, source, logP, silentBase + inSilentStart[l]!, silentBase + inSilentStart[l + 1]!, -Infinity, back, l)
  }
}

/**
 * The JavaScript loop of the recursion: `n` rows whose emissions are rows `eRow` … of `e` (or
 * picked by `codes`), from the scores of the row before them at `prev` of `scratch.v` (the other
 * half of v is the next row's), back-pointers into rows 1 … n of `scratch.back`. `opening`: the
 * first of them is the sequence's first observation, which may leave the start state. Returns
 * where the last row's scores are.
 */
function jsRows (g: Graph, e: Float64Array, eRow: number, n: number, opening: boolean, scratch: ViterbiScratch, codes: Int32Array | undefined, prev: number): number {
  const { m, p, inStart, inEmitStart, inSilentStart } = g
  const { v, back, source, logP, steadyStart, emitBase, silentBase, live } = scratch
  let cur = m - prev
  for (let i = 0; i < n; i++) {
    const first = opening && i === 0
    const er = (codes === undefined ? eRow + i : codes[eRow + i]! + 1) * p
    const row = (i + 1) * m
    for (let l = 0; l < p; l++) {
      const emission = e[er + l]!
      let best = -Infinity
      let arg = -1
      const z = first ? inStart[l + 1]! : steadyStart[l + 1]!
      for (let j = first ? inStart[l]! : steadyStart[l]!; j < z; j++) {
        const x = v[prev + source[j]!]! + logP[j]! + emission
        if (x > best) {
          best = x
          arg = source[j]!
        }
      }
      v[cur + l] = best
      back[row + l] = arg
    }
    for (let t = 0; t < live.length; t++) {
      const l = live[t]!
      const best = silent(v, cur, l, source, logP, emitBase + inEmitStart[l]!, emitBase + inEmitStart[l + 1]!, -Infinity, back, row + l)
      v[cur + l] = silent(v, cur, l, source, logP, silentBase + inSilentStart[l]!, silentBase + inSilentStart[l + 1]!, best, back, row + l)
    }
    // the first row's start score must not stay behind in the buffer the next row reuses
    if (first) v.fill(-Infinity, prev, prev + m)
    prev = cur
    cur = m - cur
  }
  return prev
}

/** The best final score of a row of scores at `at` of `v` and its state (−1: impossible): the end state's, or for an infinite model the first best state's. */
function bestFinal (g: Graph, v: Float64Array, at: number): { best: number; last: number } {
  if (g.finite) return { best: v[at + g.end]!, last: v[at + g.end] === -Infinity ? -1 : g.end }
  const { m } = g
  let best = -Infinity
  let last = -1
  for (let k = 0; k < m; k++) {
    if (v[at + k]! > best) {
      best = v[at + k]!
      last = k
    }
  }
  return { best, last }
}

/**
 * The forward pass of the recursion over a sequence of `n` observations whose emission
 * log-probabilities are rows `eRow` … of `e` (rows × p), or with `codes` rows `codes[eRow] + 1` …
 * (coded emissions, emissions.ts), or with `normal` the first row in `e` and the others computed
 * by the kernel, after `scratch.prepare(g)`: fills the back-pointers (or, with the kernel,
 * `scratch.trace`) and returns the best final log-probability and its state (−1: impossible).
 */
function recurse (
  g: Graph, e: Float64Array, eRow: number, n: number, scratch: ViterbiScratch, codes: Int32Array | undefined, normal: NormalSource | undefined
): { best: number; last: number; steady: boolean } {
  const { m, p, inEmitStart, inSilentStart } = g
  const { lanes } = scratch
  // with a NormalSource the caller made sure the kernel runs (normalDecoding): only the first row is read from `e`
  const kernel = n > 1 && lanes !== undefined ? steadyKernel(lanes, codes === undefined ? undefined : e) : undefined
  scratch.ensure(kernel === undefined ? n + 1 : 2, m)
  startRow(g, scratch)
  const prev = jsRows(g, e, eRow, kernel === undefined ? n : 1, true, scratch, codes, 0)
  const { v, source, logP, emitBase, silentBase, live } = scratch
  if (kernel !== undefined) {
    if (scratch.lastBack.length < m) scratch.lastBack = new Int32Array(m)
    const { lastBack } = scratch
    scratch.trace = steadyRows(kernel, lanes!, e, eRow, n, codes, v, prev, scratch.spill, normal)
    for (let t = 0; t < live.length; t++) {
      const l = live[t]!
      const best = silent(v, prev, l, source, logP, emitBase + inEmitStart[l]!, emitBase + inEmitStart[l + 1]!, -Infinity, lastBack, l)
      v[prev + l] = silent(v, prev, l, source, logP, silentBase + inSilentStart[l]!, silentBase + inSilentStart[l + 1]!, best, lastBack, l)
    }
  }
  return { ...bestFinal(g, v, prev), steady: kernel !== undefined }
}

/**
 * The recursion over one segment of a sequence read in segments (long-viterbi.ts), in the
 * JavaScript loop: `n` rows whose emission log-probabilities are rows 0 … n − 1 of `e`, from
 * `scores`, the m scores of the row before the segment (ignored for the first segment, which
 * starts from the start row), back-pointers into rows 0 … n of `scratch.back` (row 0's only for
 * the first segment). The segment's last row of scores is written back into `scores`. The
 * operations are those of {@link viterbiPath} on the whole sequence, so every score has its bits.
 */
export function viterbiSegment (g: Graph, e: Float64Array, n: number, first: boolean, scratch: ViterbiScratch, scores: Float64Array): void {
  const { m } = g
  scratch.prepare(g)
  scratch.ensure(n + 1, m)
  if (first) startRow(g, scratch)
  else {
    scratch.v.set(scores.subarray(0, m), 0)
    scratch.v.fill(-Infinity, m, 2 * m)
  }
  const at = jsRows(g, e, 0, n, first, scratch, undefined, 0)
  scores.set(scratch.v.subarray(at, at + m))
}

/** {@link bestFinal} of a row of scores (the last segment's, from {@link viterbiSegment}). */
export function viterbiEnd (g: Graph, scores: Float64Array): { best: number; last: number } {
  return bestFinal(g, scores, 0)
}

/**
 * The traceback through the back-pointers of rows 0 … n of `scratch.back` (the JavaScript
 * loop's), from `state` at row n: pushes the path's states, latest first, onto `out`, and returns
 * the state at row 0. `whole`: row 0 is the start row, and the path is followed through its
 * silent states to start (pushed too); else the walk stops on reaching row 0, whose state is the
 * previous segment's last (not pushed).
 */
export function traceRows (g: Graph, scratch: ViterbiScratch, n: number, state: number, whole: boolean, out: number[]): number {
  const { m, p } = g
  const back = scratch.back
  let row = n
  while (row !== 0 || (whole && state !== g.start)) {
    out.push(state)
    const previous = back[row * m + state]!
    // an emitting state came from the row before; a silent one from its own row
    if (state < p) row--
    state = previous
  }
  if (whole) out.push(state)
  return state
}

/**
 * Whether `scratch` decodes g with Normal emissions computed from the observations (a model
 * whose only silent states are start and end, every distribution a NormalDistribution, and a
 * kernel with back-pointers running here): their terms, else undefined (compute the emission
 * matrix).
 */
export function normalDecoding (g: Graph, scratch: ViterbiScratch): NormalStateTerms | undefined {
  scratch.prepare(g)
  const kernel = scratch.lanes === undefined ? undefined : steadyKernel(scratch.lanes, undefined)
  return kernel !== undefined && computesNormalEmissions(kernel) ? normalStateTerms(g) : undefined
}

/**
 * The kernel's traceback: the emitting states of rows n … 1 into `out[at + n − 1]` … `out[at]`,
 * from `last`, the best state of row n (an emitting state, or a silent sink whose back-pointer is
 * in `lastBack`). It follows the kernel's back-pointers, or, for a kernel without them, finds
 * each from the rows' scores: the first of the state's in-edges, in in-edge order, whose
 * candidate `(score + log p) + emission` equals its score, which is the edge the recursion's
 * strict `>` kept (no score is −0, so equal candidates are equal bits).
 */
function traceSteady (g: Graph, scratch: ViterbiScratch, e: Float64Array, eRow: number, n: number, codes: Int32Array | undefined, last: number, out: Float64Array, at: number): void {
  const { p } = g
  const { source, logP, steadyStart } = scratch
  const { back, scores: rowScores, base, stride } = scratch.trace!
  let state = last < p ? last : scratch.lastBack[last]!
  if (back !== undefined) {
    for (let i = at + n - 1, from = base + (n - 2) * p; i > at; i--, from -= p) {
      out[i] = state
      state = back[from + state]!
    }
    out[at] = state
    return
  }
  for (let r = n; r > 1; r--) {
    out[at + r - 1] = state
    const score = rowScores[base + (r - 1) * stride + state]!
    const before = base + (r - 2) * stride
    const emission = e[(codes === undefined ? eRow + r - 1 : codes[eRow + r - 1]! + 1) * p + state]!
    let j = steadyStart[state]!
    const end = steadyStart[state + 1]!
    while (j < end && rowScores[before + source[j]!]! + logP[j]! + emission !== score) j++
    // the score is one of these candidates bit for bit; the bound only keeps a broken invariant from looping forever
    if (j === end) throw new ArilError('ERR_INVALID_MODEL', `Viterbi traceback: no in-edge of state ${state} gives its score at row ${r} (an internal error; please report it)`)
    state = source[j]!
  }
  out[at] = state
}

/**
 * The best path of a sequence of `n` observations whose emission rows start at row `eRow` of
 * `e` (or are picked by `codes`, as in `recurse`; or, with `normal`, only the first is in `e` and
 * the kernel computes the others, see {@link normalDecoding}). Returns its log-probability and the
 * state indices from start (to end, for a finite model); an impossible sequence gives −Infinity
 * and an empty path.
 */
export function viterbiPath (
  g: Graph, e: Float64Array, eRow: number, n: number, scratch: ViterbiScratch, codes?: Int32Array, normal?: NormalSource
): { logProbability: number; path: number[] } {
  scratch.prepare(g)
  const { best, last, steady } = recurse(g, e, eRow, n, scratch, codes, normal)
  if (last < 0) return { logProbability: -Infinity, path: [] }
  const { p } = g
  if (steady) {
    // start, the emitting states, and the silent sink the path ends in
    if (scratch.states.length < n) scratch.states = new Float64Array(Math.max(n, 2 * scratch.states.length))
    traceSteady(g, scratch, e, eRow, n, codes, last, scratch.states, 0)
    const { states } = scratch
    const path = new Array<number>(last < p ? n + 1 : n + 2)
    path[0] = g.start
    for (let i = 0; i < n; i++) path[i + 1] = states[i]!
    if (last >= p) path[n + 1] = last
    return { logProbability: best, path }
  }
  const path: number[] = []
  traceRows(g, scratch, n, last, true, path)
  return { logProbability: best, path: path.reverse() }
}

/**
 * The emitting states of the best path of a sequence (as {@link viterbiPath}), written to
 * `out[at … at + n)`; returns its log-probability (−Infinity: impossible, `out` untouched).
 * Nothing is allocated per observation.
 */
export function viterbiStates (
  g: Graph, e: Float64Array, eRow: number, n: number, scratch: ViterbiScratch, out: Float64Array, at: number, codes?: Int32Array, normal?: NormalSource
): number {
  const { best, last, steady } = recurse(g, e, eRow, n, scratch, codes, normal)
  if (last < 0) return -Infinity
  const { m, p } = g
  if (steady) {
    traceSteady(g, scratch, e, eRow, n, codes, last, out, at)
    return best
  }
  const back = scratch.back
  let row = n
  let state = last
  while (row !== 0) {
    const previous = back[row * m + state]!
    if (state < p) out[at + --row] = state
    state = previous
  }
  return best
}

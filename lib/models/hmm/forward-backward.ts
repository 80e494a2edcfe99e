/**
 * The forward and backward recursions of a hidden Markov model, scaled (Rabiner 1989) over flat
 * arrays: linear probabilities, each row of the forward table divided by its sum, the backward
 * table divided by the same numbers. No exp or log per edge and step (pomegranate's log space
 * has one of each), only multiply-adds; sequences of any length stay finite.
 *
 * Emissions enter as `x[i, l] = exp(e[i, l] − max_l e[i, l])` (each step's largest emission is 1,
 * so a step where every state is very unlikely does not underflow) and the step's maximum goes
 * into the log-scale. With `c[i]` the sum of forward row i (row 0 is not divided, c[0] = 1):
 * true f[i] = f̂[i]·exp(S[i]) with S[i] = S[i−1] + log c[i] + max e[i−1], and true
 * b[i] = b̂[i]·exp(S[n] − S[i]). A state's posterior is f̂·b̂ / L, L = f̂[n, end] (or Σ f̂[n, emitting]).
 *
 * Layout: rows of m values (row i: after i emissions); `x` rows of p values (emitting states).
 * The step functions take a segment (steps, the row of the incoming vector, the row of the
 * emissions) so that a checkpointed pass can run a long sequence piece by piece.
 *
 * Speed: the edges the inner loops read are copied, in the order they are read, into flat
 * (state, probability) arrays ({@link FlatEdges}), so a term costs two sequential loads instead
 * of four indirect ones; after the first step the forward skips edges out of silent states
 * without in-edges (start, as a rule), whose terms are exactly 0. The backward step multiplies
 * each emitting state's scaled emission by its backward value and by 1/c once per step and keeps
 * the product in `x` (the emissions are used up), the factor every backward term and every
 * expected transition into that state shares: one multiply-add per edge and step, and no
 * division per edge and step in the transition counts.
 */
import type { Graph } from './graph.js'

/** The in-edges of emitting states and the out-edges to emitting states, flat, copied when the graph or its probabilities change. */
export class FlatEdges {
  /** In-edges of emitting state l, each a source and a probability: all of them, then the steady ones (without dead silent sources). */
  inStart = new Int32Array(0)
  steadyStart = new Int32Array(0)
  source = new Int32Array(0)
  inProb = new Float64Array(0)
  /** Out-edges of state k to emitting states (`outStart[k]` …): target and probability. */
  outStart = new Int32Array(0)
  target = new Int32Array(0)
  outProb = new Float64Array(0)
  private graph: Graph | undefined
  private copied = new Float64Array(0)

  prepare (g: Graph): this {
    if (this.graph === g && this.copied.length === g.prob.length && this.copied.every((x, k) => Object.is(x, g.prob[k]))) return this
    const { m, p, from, to, prob } = g
    const dead = (s: number): boolean => s >= p && g.inStart[s + 1] === g.inStart[s]
    const sources: number[] = []
    const inProb: number[] = []
    const add = (k: number): void => { sources.push(from[k]!); inProb.push(prob[k]!) }
    // state l's full list is inStart[l] … steadyStart[l], its steady list steadyStart[l] … inStart[l + 1]
    const inStart = new Int32Array(p + 1)
    const steadyStart = new Int32Array(p)
    for (let l = 0; l < p; l++) {
      inStart[l] = sources.length
      for (let j = g.inStart[l]!; j < g.inStart[l + 1]!; j++) add(g.inEdges[j]!)
      steadyStart[l] = sources.length
      for (let j = g.inStart[l]!; j < g.inStart[l + 1]!; j++) if (!dead(from[g.inEdges[j]!]!)) add(g.inEdges[j]!)
    }
    inStart[p] = sources.length
    this.inStart = inStart
    this.steadyStart = steadyStart
    this.source = Int32Array.from(sources)
    this.inProb = Float64Array.from(inProb)
    this.outStart = g.outEmitStart.slice(0, m + 1)
    this.target = Int32Array.from(g.outEmitEdges, k => to[k]!)
    this.outProb = Float64Array.from(g.outEmitEdges, k => prob[k]!)
    this.graph = g
    this.copied = prob.slice()
    return this
  }
}

/**
 * Scaled emissions of `n` rows of log-probabilities `e` (from row eRow) into `x` (from row 0);
 * `top[i]` gets row i's maximum (−Infinity when no state can emit observation i).
 */
export function scaleEmissions (p: number, e: Float64Array, eRow: number, n: number, x: Float64Array, top: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const at = (eRow + i) * p
    let max = -Infinity
    for (let l = 0; l < p; l++) if (e[at + l]! > max) max = e[at + l]!
    top[i] = max
    const out = i * p
    if (max === -Infinity) x.fill(0, out, out + p)
    else {
      for (let l = 0; l < p; l++) {
        // exp(±0) is 1: the row's largest emission costs no exp
        const d = e[at + l]! - max
        x[out + l] = d === 0 ? 1 : Math.exp(d)
      }
    }
  }
}

/** Σ v[base + src[k]]·P[k] over the edges `list[a … b)`. */
function sumEdges (v: Float64Array, base: number, src: Int32Array, prob: Float64Array, list: Int32Array, a: number, b: number): number {
  let sum = 0
  for (let j = a; j < b; j++) {
    const k = list[j]!
    sum += v[base + src[k]!]! * prob[k]!
  }
  return sum
}

/** Row 0 of the forward table at row `row`: in the start state, and the silent states reached from it. */
export function forwardStart (g: Graph, f: Float64Array, row: number): void {
  const { m, p, start } = g
  const at = row * m
  f.fill(0, at, at + m)
  f[at + start] = 1
  for (let l = p; l < m; l++) {
    if (l !== start) f[at + l] = sumEdges(f, at, g.from, g.prob, g.inSilentEdges, g.inSilentStart[l]!, g.inSilentStart[l + 1]!)
  }
}

/**
 * `steps` forward steps: row `fRow` of `f` is the incoming vector; rows fRow + 1 … fRow + steps
 * are written, each divided by its sum, which goes to `c[fRow + 1 …]`, using scaled emission rows
 * xRow … xRow + steps − 1. Returns false, at the first row whose sum is 0 (the sequence is
 * impossible), true otherwise.
 */
export function forwardSteps (g: Graph, fe: FlatEdges, x: Float64Array, xRow: number, f: Float64Array, fRow: number, steps: number, c: Float64Array): boolean {
  const { m, p, from, prob, inEmitEdges, inEmitStart, inSilentEdges, inSilentStart } = g
  const { inStart, steadyStart, source, inProb } = fe
  for (let i = 0; i < steps; i++) {
    const prev = (fRow + i) * m
    const cur = prev + m
    const xr = (xRow + i) * p
    let total = 0
    for (let l = 0; l < p; l++) {
      // the incoming row of a call may be row 0, where start is alive: all edges then
      const a = i === 0 ? inStart[l]! : steadyStart[l]!
      const z = i === 0 ? steadyStart[l]! : inStart[l + 1]!
      let sum = 0
      for (let j = a; j < z; j++) sum += f[prev + source[j]!]! * inProb[j]!
      const v = sum * x[xr + l]!
      f[cur + l] = v
      total += v
    }
    for (let l = p; l < m; l++) {
      const v = sumEdges(f, cur, from, prob, inEmitEdges, inEmitStart[l]!, inEmitStart[l + 1]!) +
        sumEdges(f, cur, from, prob, inSilentEdges, inSilentStart[l]!, inSilentStart[l + 1]!)
      f[cur + l] = v
      total += v
    }
    if (!(total > 0)) return false
    const inverse = 1 / total
    for (let l = 0; l < m; l++) f[cur + l] = f[cur + l]! * inverse
    c[fRow + i + 1] = total
  }
  return true
}

/** The likelihood L of the last forward row (scaled; see the file's comment). */
export function finalLikelihood (g: Graph, f: Float64Array, row: number): number {
  const at = row * g.m
  if (g.finite) return f[at + g.end]!
  let total = 0
  for (let k = 0; k < g.p; k++) total += f[at + k]!
  return total
}

/** The last row of the backward table (row `row`), pomegranate's rule for finite and infinite models. */
export function backwardEnd (g: Graph, b: Float64Array, row: number): void {
  const { m, p, to, prob, outSilentEdges, outSilentStart } = g
  const at = row * m
  if (!g.finite) {
    b.fill(1, at, at + p)
    b.fill(0, at + p, at + m)
    return
  }
  b.fill(0, at, at + m)
  b[at + g.end] = 1
  for (let k = m - 1; k >= p; k--) {
    if (k !== g.end) b[at + k] = sumEdges(b, at, to, prob, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
  }
  for (let k = 0; k < p; k++) b[at + k] = sumEdges(b, at, to, prob, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
}

/**
 * `steps` backward steps: row `bRow + steps` of `b` is the incoming vector; rows bRow + steps − 1
 * … bRow are written, with the forward pass's row sums `c[bRow + 1 … bRow + steps]` and scaled
 * emission rows xRow … xRow + steps − 1, which become q[i, l] = x[i, l]·b̂[i + 1, l]/c[i + 1]
 * (the shared factor of the terms into emitting state l at step i; see the file's comment).
 */
export function backwardSteps (g: Graph, fe: FlatEdges, x: Float64Array, xRow: number, b: Float64Array, bRow: number, steps: number, c: Float64Array): void {
  const { m, p, to, prob, outSilentEdges, outSilentStart } = g
  const { outStart, target, outProb } = fe
  for (let i = steps - 1; i >= 0; i--) {
    const cur = (bRow + i) * m
    const next = cur + m
    const xr = (xRow + i) * p
    const inverse = 1 / c[bRow + i + 1]!
    for (let l = 0; l < p; l++) x[xr + l] = x[xr + l]! * b[next + l]! * inverse
    // silent states first (in reverse order: their silent successors are final), then emitting ones
    for (let k = m - 1; k >= 0; k--) {
      let emit = 0
      for (let j = outStart[k]!; j < outStart[k + 1]!; j++) emit += outProb[j]! * x[xr + target[j]!]!
      b[cur + k] = emit + sumEdges(b, cur, to, prob, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
    }
  }
}

/**
 * Continues each edge's sum of expected-count terms (before its probability and 1/L) over `n`
 * steps, from the scaled forward rows 0 … n, the backward rows and the backward factors `q` left
 * by {@link backwardSteps} (rows 0 … n − 1): Σ f̂[i, k]·q[i, l] for an edge into an emitting
 * state, Σ f̂[i, k]·b̂[i, l] over rows 0 … n − 1 (and n with `lastRow`) into a silent one. Each sum
 * is added in time order, so a long sequence cut into segments adds the same terms in the same order.
 */
export function transitionTerms (g: Graph, q: Float64Array, f: Float64Array, b: Float64Array, n: number, lastRow: boolean, sums: Float64Array): void {
  const { m, p, from, to } = g
  const rows = lastRow ? n + 1 : n
  for (let edge = 0; edge < from.length; edge++) {
    const k = from[edge]!
    const l = to[edge]!
    let sum = sums[edge]!
    if (l < p) {
      for (let i = 0; i < n; i++) sum += f[i * m + k]! * q[i * p + l]!
    } else {
      for (let i = 0; i < rows; i++) sum += f[i * m + k]! * b[i * m + l]!
    }
    sums[edge] = sum
  }
}

/**
 * Adds `scale`·E[count(edge)] of a sequence of `n` observations into `out[edge]`, from the scaled
 * tables (rows 0 … n), the backward factors `q` (rows 0 … n − 1) and likelihood `L`; `sums` is
 * scratch space of one number per edge.
 */
export function expectedTransitions (g: Graph, q: Float64Array, f: Float64Array, b: Float64Array, n: number, L: number, scale: number, sums: Float64Array, out: Float64Array): void {
  const { prob } = g
  const factor = scale / L
  sums.fill(0, 0, prob.length)
  transitionTerms(g, q, f, b, n, true, sums)
  for (let edge = 0; edge < prob.length; edge++) out[edge] = out[edge]! + sums[edge]! * prob[edge]! * factor
}

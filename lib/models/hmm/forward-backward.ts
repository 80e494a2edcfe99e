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
 */
import type { Graph } from './graph.js'

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
    else for (let l = 0; l < p; l++) x[out + l] = Math.exp(e[at + l]! - max)
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
export function forwardSteps (g: Graph, x: Float64Array, xRow: number, f: Float64Array, fRow: number, steps: number, c: Float64Array): boolean {
  const { m, p, from, prob, inEdges, inStart, inEmitEdges, inEmitStart, inSilentEdges, inSilentStart } = g
  for (let i = 0; i < steps; i++) {
    const prev = (fRow + i) * m
    const cur = prev + m
    const xr = (xRow + i) * p
    let total = 0
    for (let l = 0; l < p; l++) {
      const v = sumEdges(f, prev, from, prob, inEdges, inStart[l]!, inStart[l + 1]!) * x[xr + l]!
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
 * emission rows xRow … xRow + steps − 1.
 */
export function backwardSteps (g: Graph, x: Float64Array, xRow: number, b: Float64Array, bRow: number, steps: number, c: Float64Array): void {
  const { m, p, to, prob, outEmitEdges, outEmitStart, outSilentEdges, outSilentStart } = g
  for (let i = steps - 1; i >= 0; i--) {
    const cur = (bRow + i) * m
    const next = cur + m
    const xr = (xRow + i) * p
    const inverse = 1 / c[bRow + i + 1]!
    // silent states first (in reverse order: their silent successors are final), then emitting ones
    for (let k = m - 1; k >= 0; k--) {
      let emit = 0
      for (let j = outEmitStart[k]!; j < outEmitStart[k + 1]!; j++) {
        const edge = outEmitEdges[j]!
        const l = to[edge]!
        emit += prob[edge]! * x[xr + l]! * b[next + l]!
      }
      b[cur + k] = emit * inverse + sumEdges(b, cur, to, prob, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
    }
  }
}

/**
 * Adds `scale`·E[count(edge)] of a sequence of `n` observations into `out[edge]`, from the scaled
 * tables (rows 0 … n), emissions `x` (rows 0 … n − 1), row sums `c` and likelihood `L`.
 */
export function expectedTransitions (g: Graph, x: Float64Array, f: Float64Array, b: Float64Array, c: Float64Array, n: number, L: number, scale: number, out: Float64Array): void {
  const { m, p, from, to, prob } = g
  const factor = scale / L
  for (let edge = 0; edge < from.length; edge++) {
    const k = from[edge]!
    const l = to[edge]!
    let sum = 0
    if (l < p) {
      for (let i = 0; i < n; i++) sum += f[i * m + k]! * x[i * p + l]! * b[(i + 1) * m + l]! / c[i + 1]!
    } else {
      for (let i = 0; i <= n; i++) sum += f[i * m + k]! * b[i * m + l]!
    }
    out[edge] = out[edge]! + sum * prob[edge]! * factor
  }
}

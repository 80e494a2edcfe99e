/**
 * The forward and backward recursions of a hidden Markov model in log space, over flat arrays.
 *
 * Log space rather than Rabiner's scaling: silent states make the scaled recursion's per-step
 * normalizer awkward, and a log-sum-exp over each state's in-edges (one max, one exp per edge,
 * one log per state) keeps every step finite on sequences of any length.
 *
 * Layout: `f`/`b` rows of m values (row i: after i emissions); emissions `e` rows of p values
 * (row i: log-probability of observation i under each emitting state, state weights included).
 * The step functions take a segment (a number of steps, the row of the incoming vector and the
 * emissions' row), so a checkpointed pass can run a long sequence piece by piece.
 */
import type { Graph } from './graph.js'

/** log Σ exp(v[base + src[k]] + logP[k]) over the edges `list[a … b)`, whose sources are read from `src`. */
function lseEdges (v: Float64Array, base: number, src: Int32Array, logP: Float64Array, list: Int32Array, a: number, b: number): number {
  let max = -Infinity
  for (let j = a; j < b; j++) {
    const k = list[j]!
    const x = v[base + src[k]!]! + logP[k]!
    if (x > max) max = x
  }
  if (max === -Infinity) return max
  let sum = 0
  for (let j = a; j < b; j++) {
    const k = list[j]!
    sum += Math.exp(v[base + src[k]!]! + logP[k]! - max)
  }
  return max + Math.log(sum)
}

/** log(exp(a) + exp(b)). */
function lse2 (a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b))
}

/** Row 0 of the forward table at `at`: in the start state, and the silent states reached from it. */
export function forwardStart (g: Graph, f: Float64Array, at: number): void {
  const { m, p, start } = g
  f.fill(-Infinity, at, at + m)
  f[at + start] = 0
  for (let l = p; l < m; l++) {
    if (l === start) continue
    f[at + l] = lseEdges(f, at, g.from, g.logP, g.inSilentEdges, g.inSilentStart[l]!, g.inSilentStart[l + 1]!)
  }
}

/**
 * `steps` forward steps: row `fRow` of `f` (in rows of m) is the incoming vector; rows
 * fRow + 1 … fRow + steps are written, using emission rows eRow … eRow + steps − 1.
 */
export function forwardSteps (g: Graph, e: Float64Array, eRow: number, f: Float64Array, fRow: number, steps: number): void {
  const { m, p, from, logP, inEdges, inStart, inEmitEdges, inEmitStart, inSilentEdges, inSilentStart } = g
  for (let i = 0; i < steps; i++) {
    const prev = (fRow + i) * m
    const cur = prev + m
    const er = (eRow + i) * p
    for (let l = 0; l < p; l++) {
      f[cur + l] = lseEdges(f, prev, from, logP, inEdges, inStart[l]!, inStart[l + 1]!) + e[er + l]!
    }
    for (let l = p; l < m; l++) {
      const a = lseEdges(f, cur, from, logP, inEmitEdges, inEmitStart[l]!, inEmitStart[l + 1]!)
      const b = lseEdges(f, cur, from, logP, inSilentEdges, inSilentStart[l]!, inSilentStart[l + 1]!)
      f[cur + l] = lse2(a, b)
    }
  }
}

/** The last row of the backward table at `at`, after n emissions (pomegranate's rule for finite and infinite models). */
export function backwardEnd (g: Graph, b: Float64Array, at: number): void {
  const { m, p, to, logP, outSilentEdges, outSilentStart } = g
  if (!g.finite) {
    b.fill(0, at, at + p)
    b.fill(-Infinity, at + p, at + m)
    return
  }
  b.fill(-Infinity, at, at + m)
  b[at + g.end] = 0
  for (let k = m - 1; k >= p; k--) {
    if (k === g.end) continue
    b[at + k] = lseEdges(b, at, to, logP, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
  }
  for (let k = 0; k < p; k++) b[at + k] = lseEdges(b, at, to, logP, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
}

/**
 * `steps` backward steps: row `bRow + steps` of `b` is the incoming vector; rows bRow + steps − 1
 * … bRow are written, using emission rows eRow … eRow + steps − 1.
 */
export function backwardSteps (g: Graph, e: Float64Array, eRow: number, b: Float64Array, bRow: number, steps: number): void {
  const { m, p, to, logP, outEmitEdges, outEmitStart, outSilentEdges, outSilentStart } = g
  for (let i = steps - 1; i >= 0; i--) {
    const cur = (bRow + i) * m
    const next = cur + m
    const er = (eRow + i) * p
    for (let k = m - 1; k >= 0; k--) {
      // into an emitting state: it emits observation i, then row i + 1
      let max = -Infinity
      for (let j = outEmitStart[k]!; j < outEmitStart[k + 1]!; j++) {
        const edge = outEmitEdges[j]!
        const l = to[edge]!
        const x = b[next + l]! + logP[edge]! + e[er + l]!
        if (x > max) max = x
      }
      let emit = max
      if (max !== -Infinity) {
        let sum = 0
        for (let j = outEmitStart[k]!; j < outEmitStart[k + 1]!; j++) {
          const edge = outEmitEdges[j]!
          const l = to[edge]!
          sum += Math.exp(b[next + l]! + logP[edge]! + e[er + l]! - max)
        }
        emit = max + Math.log(sum)
      }
      // into a silent state of the same row (later in the order, so already final)
      const silent = lseEdges(b, cur, to, logP, outSilentEdges, outSilentStart[k]!, outSilentStart[k + 1]!)
      b[cur + k] = lse2(emit, silent)
    }
  }
}

/** log P(sequence) from the last forward row at `at`. */
export function sequenceLogProbability (g: Graph, f: Float64Array, at: number): number {
  if (g.finite) return f[at + g.end]!
  let total = -Infinity
  for (let k = 0; k < g.p; k++) total = lse2(total, f[at + k]!)
  return total
}

/**
 * Adds a sequence's expected transition counts, `scale`·E[count(edge)], into `out[edge]` (rows
 * 0 … n of f and b, n emission rows): pomegranate's sums, each term exp(f + t (+ e) + b − logp).
 */
export function expectedTransitions (g: Graph, e: Float64Array, f: Float64Array, b: Float64Array, n: number, logp: number, scale: number, out: Float64Array): void {
  const { m, p, from, to, logP } = g
  for (let edge = 0; edge < from.length; edge++) {
    const k = from[edge]!
    const l = to[edge]!
    const t = logP[edge]! - logp
    let sum = 0
    if (l < p) {
      for (let i = 0; i < n; i++) sum += Math.exp(f[i * m + k]! + t + e[i * p + l]! + b[(i + 1) * m + l]!)
    } else {
      for (let i = 0; i <= n; i++) sum += Math.exp(f[i * m + k]! + t + b[i * m + l]!)
    }
    out[edge] = out[edge]! + sum * scale
  }
}

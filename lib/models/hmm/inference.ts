/**
 * pomegranate's inference tables of one sequence, in log space, from the scaled recursions
 * (see forward-backward.ts): forward and backward tables, expected transition counts, and the
 * posterior of each emitting state.
 */
import { expectedTransitions } from './forward-backward.js'
import type { Graph } from './graph.js'
import { backwardSequence, forwardSequence, logScales, type Workspace } from './statistics.js'

/** The forward table: (n + 1) rows of m log-probabilities (pomegranate's `forward`). */
export function forwardTable (g: Graph, e: Float64Array, n: number, ws: Workspace): number[][] {
  const { m } = g
  forwardSequence(g, e, 0, n, ws)
  const S = logScales(n, ws)
  const f = ws.f
  return Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m }, (_, l) => Math.log(f[i * m + l]!) + S[i]!))
}

/** The backward table: (n + 1) rows of m log-probabilities (pomegranate's `backward`). */
export function backwardTable (g: Graph, e: Float64Array, n: number, ws: Workspace): number[][] {
  const { m } = g
  forwardSequence(g, e, 0, n, ws)
  const S = logScales(n, ws)
  const b = backwardSequence(g, n, ws)
  return Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m }, (_, l) => Math.log(b[i * m + l]!) + S[n]! - S[i]!))
}

/** Expected transition counts (m × m) and emission log-posteriors (n × p); undefined for an impossible sequence. */
export function forwardBackwardTables (g: Graph, e: Float64Array, n: number, ws: Workspace): { transitions: number[][]; emissions: number[][] } | undefined {
  if (forwardSequence(g, e, 0, n, ws) === -Infinity) return undefined
  const b = backwardSequence(g, n, ws)
  const counts = new Float64Array(g.from.length)
  // the same sums as training, for a sequence of weight 1
  expectedTransitions(g, ws.x, ws.f, b, n, ws.L, 1, ws.grow('edgeSums', g.from.length), counts)
  const transitions = Array.from({ length: g.m }, () => new Array<number>(g.m).fill(0))
  for (let k = 0; k < counts.length; k++) transitions[g.from[k]!]![g.to[k]!] = counts[k]!
  return { transitions, emissions: posterior(g, n, ws) }
}

/** log P(emitting state | sequence) per observation: n rows of p (NaN for an impossible sequence). */
export function posteriorTable (g: Graph, e: Float64Array, n: number, ws: Workspace): number[][] {
  if (forwardSequence(g, e, 0, n, ws) === -Infinity) return Array.from({ length: n }, () => new Array<number>(g.p).fill(NaN))
  backwardSequence(g, n, ws)
  return posterior(g, n, ws)
}

/** log P(state | observations) from the workspace's forward and backward tables. */
function posterior (g: Graph, n: number, ws: Workspace): number[][] {
  const { m, p } = g
  const { f, b, L } = ws
  return Array.from({ length: n }, (_, i) => Array.from({ length: p }, (_, k) => Math.log(f[(i + 1) * m + k]! * b[(i + 1) * m + k]! / L)))
}

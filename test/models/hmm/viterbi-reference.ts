/** The Viterbi recursion as it was before the flat-array rewrite (log-space, full table): the reference the new one must match bit for bit. */
import type { Graph } from '../../../lib/models/hmm/graph.js'

/** Scratch space of a Viterbi pass, grown as needed and reused across sequences. */
export class ViterbiScratch {
  v = new Float64Array(0)
  back = new Int32Array(0)

  ensure (size: number): void {
    if (this.v.length < size) {
      this.v = new Float64Array(size)
      this.back = new Int32Array(size)
    }
  }
}

/**
 * The best path of a sequence of `n` observations whose emission rows start at row `eRow` of
 * `e`. Returns its log-probability and the state indices from start (to end, for a finite
 * model); an impossible sequence gives −Infinity and an empty path.
 */
export function viterbiPath (g: Graph, e: Float64Array, eRow: number, n: number, scratch: ViterbiScratch): { logProbability: number; path: number[] } {
  const { m, p, from, logP, inEdges, inStart, inEmitEdges, inEmitStart, inSilentEdges, inSilentStart } = g
  scratch.ensure((n + 1) * m)
  const { v, back } = scratch
  v.fill(-Infinity, 0, (n + 1) * m)
  v[g.start] = 0
  const silentPass = (cur: number, l: number, list: Int32Array, a: number, b: number): void => {
    for (let j = a; j < b; j++) {
      const k = list[j]!
      const x = v[cur + from[k]!]! + logP[k]!
      if (x > v[cur + l]!) {
        v[cur + l] = x
        back[cur + l] = from[k]!
      }
    }
  }
  for (let l = p; l < m; l++) if (l !== g.start) silentPass(0, l, inSilentEdges, inSilentStart[l]!, inSilentStart[l + 1]!)
  for (let i = 0; i < n; i++) {
    const prev = i * m
    const cur = prev + m
    const er = (eRow + i) * p
    for (let l = 0; l < p; l++) {
      const emission = e[er + l]!
      for (let j = inStart[l]!; j < inStart[l + 1]!; j++) {
        const k = inEdges[j]!
        const x = v[prev + from[k]!]! + logP[k]! + emission
        if (x > v[cur + l]!) {
          v[cur + l] = x
          back[cur + l] = from[k]!
        }
      }
    }
    for (let l = p; l < m; l++) silentPass(cur, l, inEmitEdges, inEmitStart[l]!, inEmitStart[l + 1]!)
    for (let l = p; l < m; l++) silentPass(cur, l, inSilentEdges, inSilentStart[l]!, inSilentStart[l + 1]!)
  }
  let last = g.end
  let best = -Infinity
  if (g.finite) {
    best = v[n * m + g.end]!
  } else {
    last = -1
    for (let k = 0; k < m; k++) {
      if (v[n * m + k]! > best) {
        best = v[n * m + k]!
        last = k
      }
    }
  }
  if (best === -Infinity) return { logProbability: best, path: [] }
  const path: number[] = []
  let row = n
  let state = last
  while (row !== 0 || state !== g.start) {
    path.push(state)
    const previous = back[row * m + state]!
    // an emitting state came from the row before; a silent one from its own row
    if (state < p) row--
    state = previous
  }
  path.push(state)
  return { logProbability: best, path: path.reverse() }
}

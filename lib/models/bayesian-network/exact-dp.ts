/**
 * pomegranate 0.14.8's exact structure search by shortest path over the whole order graph
 * (`discrete_exact_dp`, BayesianNetwork.pyx; Silander & Myllymäki 2006): nodes are all subsets of
 * the variables, the edge from S to S ∪ {v} costs −(v's best score among S) (0 when that is
 * positive), and the shortest path from ∅ to all variables gives an optimal order and structure.
 *
 * networkx 2.8's Dijkstra (`_dijkstra_multisource`) is reproduced exactly: edges of a node in the
 * order pomegranate added them (supersets in `itertools.combinations` order), a heap of
 * (distance, push count, node), a path replaced only by a strictly shorter one. So ties between
 * equally good orders fall as in pomegranate.
 */
import type { Structure } from './graph.js'
import type { ParentGraph } from './parent-graph.js'
import { combinations, PythonHeap } from './python-heap.js'

export function exactDp (graphs: readonly ParentGraph[]): Structure {
  const d = graphs.length
  const all = Array.from({ length: d }, (_, i) => i)
  // Successors of each subset (bit mask), in the order pomegranate's loop adds the edges.
  const next = new Map<number, Array<{ to: number; variable: number }>>()
  const members = (mask: number): number[] => all.filter(i => (mask & (1 << i)) !== 0)
  for (let size = 0; size <= d; size++) {
    for (const subset of combinations(all, size)) {
      const mask = subset.reduce((m, i) => m | (1 << i), 0)
      if (!next.has(mask)) next.set(mask, [])
      for (const variable of subset) {
        const parent = mask & ~(1 << variable)
        next.get(parent)!.push({ to: mask, variable })
      }
    }
  }
  const target = (1 << d) - 1
  const heap = new PythonHeap<[number, number, number]>((a, b) => a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1])
  const dist = new Map<number, number>()
  const seen = new Map<number, number>([[0, 0]])
  const paths = new Map<number, number[]>([[0, [0]]])
  let count = 0
  heap.push([0, count++, 0])
  while (heap.size > 0) {
    const [distance, , v] = heap.pop()!
    if (dist.has(v)) continue
    dist.set(v, distance)
    if (v === target) break
    const parents = members(v)
    for (const { to, variable } of next.get(v)!) {
      const score = graphs[variable]!.get(parents)[1]
      const cost = score < 0 ? -score : 0
      const through = distance + cost
      if (dist.has(to)) continue
      const known = seen.get(to)
      if (known === undefined || through < known) {
        seen.set(to, through)
        heap.push([through, count++, to])
        paths.set(to, [...paths.get(v)!, to])
      }
    }
  }
  const path = paths.get(target)!
  const structure: Structure = Array.from({ length: d }, () => [])
  for (let s = 1; s < path.length; s++) {
    const variable = Math.log2(path[s]! & ~path[s - 1]!)
    structure[variable] = graphs[variable]!.get(members(path[s - 1]!))[0].slice()
  }
  return structure
}

/**
 * pomegranate 0.14.8's exact structure search by shortest path over the whole order graph
 * (`discrete_exact_dp`, BayesianNetwork.pyx; Silander & Myllymäki 2006): nodes are all subsets of
 * the variables, the edge from S to S ∪ {v} costs −(v's best score among S) (0 when that is
 * positive), and the shortest path from ∅ to all variables gives an optimal order and structure.
 * The graph is built in pomegranate's order and searched with networkx's Dijkstra
 * (shortest-path.ts), so ties between equally good orders fall as in pomegranate.
 */
import type { Structure } from './graph.js'
import type { Best } from './parent-graph.js'
import { combinations } from './python-heap.js'
import { nodeKey, OrderGraph } from './shortest-path.js'

/** What a search needs of a parent graph: the best parents among candidates. */
export interface ParentLookup {
  get (candidates: readonly number[]): Best
}

/** The order-graph edge cost of a best score: its negation, or 0 when it is positive. */
export function edgeWeight (score: number): number {
  return score < 0 ? -score : 0
}

export function exactDp (graphs: readonly ParentLookup[]): Structure {
  const d = graphs.length
  const all = Array.from({ length: d }, (_, i) => i)
  const order = new OrderGraph()
  for (let size = 0; size <= d; size++) {
    for (const subset of combinations(all, size)) {
      order.addNode(nodeKey(subset))
      for (const variable of subset) {
        const parent = subset.filter(v => v !== variable)
        const [parents, score] = graphs[variable]!.get(parent)
        order.addEdge(nodeKey(parent), { to: nodeKey(subset), weight: edgeWeight(score), variable, parents })
      }
    }
  }
  const structure: Structure = Array.from({ length: d }, () => [])
  for (const edge of order.shortestPath(nodeKey([]), nodeKey(all))) structure[edge.variable] = edge.parents.slice()
  return structure
}

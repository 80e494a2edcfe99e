/**
 * networkx 2.8's Dijkstra shortest path (`_dijkstra_multisource` behind `nx.shortest_path` with a
 * weight), reproduced step for step: successors in the order their edges were added, a heapq of
 * (distance, push count, node), a node's path replaced only by a strictly shorter one, the search
 * stopped when the target is popped. pomegranate's order-graph searches take the path it returns,
 * so equally short paths must be chosen as networkx chooses them.
 */
import { PythonHeap } from './python-heap.js'

/** An edge of an order graph: its target, cost, and the parents it gives its new variable. */
export interface OrderEdge {
  to: string
  weight: number
  variable: number
  parents: readonly number[]
}

/** A directed graph with edges kept in insertion order (a re-added edge keeps its place, takes the new data). */
export class OrderGraph {
  private readonly next = new Map<string, Map<string, OrderEdge>>()

  addNode (node: string): void {
    if (!this.next.has(node)) this.next.set(node, new Map())
  }

  addEdge (from: string, edge: OrderEdge): void {
    this.addNode(from)
    this.addNode(edge.to)
    this.next.get(from)!.set(edge.to, edge)
  }

  /** The edges of the shortest path from `source` to `target`, as networkx finds it. */
  shortestPath (source: string, target: string): OrderEdge[] {
    const heap = new PythonHeap<[number, number, string]>((a, b) => a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1])
    const dist = new Map<string, number>()
    const seen = new Map<string, number>([[source, 0]])
    const paths = new Map<string, OrderEdge[]>([[source, []]])
    let count = 0
    heap.push([0, count++, source])
    while (heap.size > 0) {
      const [d, , v] = heap.pop()!
      if (dist.has(v)) continue
      dist.set(v, d)
      if (v === target) break
      for (const edge of this.next.get(v)?.values() ?? []) {
        const through = d + edge.weight
        if (dist.has(edge.to)) continue
        const known = seen.get(edge.to)
        if (known === undefined || through < known) {
          seen.set(edge.to, through)
          heap.push([through, count++, edge.to])
          paths.set(edge.to, [...paths.get(v)!, edge])
        }
      }
    }
    return paths.get(target) ?? []
  }
}

/** The key of a set of variables (a sorted tuple in pomegranate) in an order graph. */
export function nodeKey (variables: readonly number[]): string {
  return variables.join(',')
}

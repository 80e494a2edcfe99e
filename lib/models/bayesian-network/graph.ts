/**
 * The directed graph of a Bayesian network: a structure is the list of each node's parents (by
 * index), as pomegranate's `structure`; checked to name existing nodes and to have no cycle.
 */
import { ArilError, show } from '../../core/errors.js'

/** Each node's parents, by index (pomegranate's `structure`, tuples as arrays). */
export type Structure = number[][]

/**
 * Checks a structure of `d` nodes: parents are distinct indices of other nodes and there is no
 * cycle. Returns a copy.
 * @throws ArilError `ERR_GRAPH` naming the node at fault
 */
export function checkStructure (structure: unknown, d: number): Structure {
  if (!Array.isArray(structure) || structure.length !== d) {
    throw new ArilError('ERR_GRAPH', `Expected a structure with the parents of each of ${d} nodes, got ${show(structure)}`)
  }
  const out = structure.map((parents: unknown, i) => {
    if (!Array.isArray(parents)) throw new ArilError('ERR_GRAPH', `Expected the parents of node ${i} to be a list of node indices, got ${show(parents)}`)
    for (const p of parents) {
      if (!Number.isInteger(p) || p < 0 || p >= d || p === i) {
        throw new ArilError('ERR_GRAPH', `Expected the parents of node ${i} to be indices of other nodes (0 to ${d - 1}), got ${show(p)}`)
      }
    }
    if (new Set(parents).size !== parents.length) throw new ArilError('ERR_GRAPH', `Node ${i} lists a parent twice`)
    return (parents as number[]).slice()
  })
  topologicalOrder(out)
  return out
}

/**
 * The nodes in an order where every parent comes before its children (the smallest ready index
 * first, so the order is stable).
 * @throws ArilError `ERR_GRAPH` when the graph has a cycle
 */
export function topologicalOrder (structure: Structure): number[] {
  const d = structure.length
  const waiting = structure.map(p => p.length)
  const children: number[][] = structure.map(() => [])
  structure.forEach((parents, i) => { for (const p of parents) children[p]!.push(i) })
  const order: number[] = []
  const ready = new Set<number>()
  waiting.forEach((w, i) => { if (w === 0) ready.add(i) })
  while (ready.size > 0) {
    const next = Math.min(...ready)
    ready.delete(next)
    order.push(next)
    for (const c of children[next]!) if (--waiting[c]! === 0) ready.add(c)
  }
  if (order.length < d) {
    const stuck = waiting.findIndex(w => w > 0)
    throw new ArilError('ERR_GRAPH', `The graph has a cycle through node ${stuck}; a Bayesian network must be acyclic`)
  }
  return order
}

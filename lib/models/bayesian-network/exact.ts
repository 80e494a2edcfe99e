/**
 * pomegranate 0.14.8's exact structure search by A* over the order graph
 * (`discrete_exact_a_star`, BayesianNetwork.pyx; Yuan, Malone & Wu 2011): a node of the search is
 * the set of variables placed so far; placing variable i costs minus its best score among the
 * placed ones, and the heuristic adds each remaining variable's best score among all others. The
 * first complete set popped is optimal.
 *
 * Its priority queue is reproduced exactly (a heapq of `[f, (variables, g, structure)]` lists,
 * an entry replaced only by a strictly lower f, deleted entries left in the heap as
 * `((-1,),)`), so that equal f values (Markov-equivalent structures score the same) pop in
 * pomegranate's order.
 */
import type { Structure } from './graph.js'
import type { ParentLookup } from './exact-dp.js'
import { PythonHeap, tupleLess } from './python-heap.js'

interface Entry {
  weight: number
  /** undefined once deleted (pomegranate's `((-1,),)` marker). */
  item: { variables: number[]; g: number; structure: Structure } | undefined
}

/** Python's `<` on `[weight, item]` lists as pomegranate builds them. */
function entryLess (a: Entry, b: Entry): boolean {
  if (a.weight !== b.weight) return a.weight < b.weight
  const x = a.item?.variables ?? [-1]
  const y = b.item?.variables ?? [-1]
  // Items differ at their first element (two live entries never share their variables); a
  // deleted item is the 1-tuple ((-1,),), compared by that first element too.
  if (x.length === y.length && x.every((v, i) => v === y[i])) return false
  return tupleLess(x, y)
}

export function exactAStar (graphs: readonly ParentLookup[]): Structure {
  const d = graphs.length
  const others = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => j).filter(j => j !== i))
  const heap = new PythonHeap<Entry>(entryLess)
  const entries = new Map<string, Entry>()
  let live = 0
  const push = (item: NonNullable<Entry['item']>, weight: number): void => {
    const entry: Entry = { weight, item }
    entries.set(item.variables.join(','), entry)
    heap.push(entry)
    live++
  }
  const closed = new Set<string>()
  let h = 0
  for (let i = 0; i < d; i++) h += graphs[i]!.get(others[i]!)[1]
  push({ variables: [], g: h, structure: Array.from({ length: d }, () => []) }, 0)
  while (live > 0) {
    let popped: Entry | undefined
    while (live > 0) {
      popped = heap.pop()!
      if (popped.item !== undefined) {
        entries.delete(popped.item.variables.join(','))
        live--
        break
      }
    }
    const { weight } = popped!
    const { variables, g, structure } = popped!.item!
    const key = variables.join(',')
    if (closed.has(key)) continue
    closed.add(key)
    if (variables.length === d) return structure
    for (let i = 0; i < d; i++) {
      if (variables.includes(i)) continue
      const graph = graphs[i]!
      const [parents, c] = graph.get(variables)
      const e = g - c
      const f = weight - c + graph.get(others[i]!)[1]
      const local = structure.slice()
      local[i] = parents.slice()
      const next = [...variables, i].sort((a, b) => a - b)
      const previous = entries.get(next.join(','))
      if (previous !== undefined) {
        if (previous.weight > f) {
          entries.delete(next.join(','))
          previous.item = undefined
          live--
          push({ variables: next, g: e, structure: local }, f)
        }
      } else {
        push({ variables: next, g: e, structure: local }, f)
      }
    }
  }
  /* c8 ignore next */
  return Array.from({ length: d }, () => [])
}

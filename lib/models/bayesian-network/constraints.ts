/**
 * Exact structure learning under a constraint graph, as pomegranate 0.14.8's
 * `discrete_exact_with_constraints` (BayesianNetwork.pyx; Schreiber & Noble 2017): nodes of the
 * constraint graph are groups of variables, an edge says the variables of one group may be
 * parents of those of another (a self-loop: of each other). Each strongly connected component is
 * solved on its own and the parents are gathered:
 *   - one group with only a self-loop: exact A* among its variables;
 *   - one group with a self-loop and parent groups: the order graph of its variables after the
 *     outside parents (SLAP), by shortest path;
 *   - one group without a self-loop: each variable's best parent set among its parent groups;
 *   - several groups in a cycle: an order graph grown one allowed child at a time (edge costs
 *     rounded to 4 decimals, as pomegranate).
 * Groups and edges are taken in the order they are given (pomegranate: networkx's insertion
 * order); where pomegranate iterates a Python set (a component's groups), aril takes them in
 * order of first appearance, which only matters for exact ties inside a cyclic component.
 */
import { exactAStar } from './exact.js'
import { edgeWeight, type ParentLookup } from './exact-dp.js'
import type { Structure } from './graph.js'
import { ParentGraph, type Best } from './parent-graph.js'
import { combinations } from './python-heap.js'
import type { FamilyScorer } from './score.js'
import { nodeKey, OrderGraph } from './shortest-path.js'

/** An edge of a constraint graph: a group of parent columns and a group of child columns. */
export type ConstraintEdge = readonly [parents: readonly number[], children: readonly number[]]

interface Settings {
  scorer: FamilyScorer
  maxParents: number
  include: ReadonlyArray<readonly [number, number]>
  exclude: ReadonlyArray<readonly [number, number]>
  lowMemory: boolean
}

/** A parent graph over a subset of the variables, seen through local indices. */
class LocalGraph implements ParentLookup {
  constructor (private readonly graph: ParentGraph, private readonly variables: readonly number[]) {}

  get (candidates: readonly number[]): Best {
    const [parents, score] = this.graph.get(candidates.map(i => this.variables[i]!))
    return [parents.map(p => this.variables.indexOf(p)), score]
  }
}

export function constrainedStructure (edges: readonly ConstraintEdge[], s: Settings): Structure {
  const d = s.scorer.d
  // networkx's node and adjacency order: nodes as first met, successors as first added.
  const nodes: number[][] = []
  const index = new Map<string, number>()
  const node = (group: readonly number[]): number => {
    const key = nodeKey(group)
    let i = index.get(key)
    if (i === undefined) { i = nodes.push(group.slice()) - 1; index.set(key, i) }
    return i
  }
  const successors: number[][] = []
  for (const [from, to] of edges) {
    const a = node(from)
    const b = node(to)
    while (successors.length < nodes.length) successors.push([])
    if (!successors[a]!.includes(b)) successors[a]!.push(b)
  }
  const parentSets = nodes.map(() => [] as number[])
  nodes.forEach((_, a) => { for (const b of successors[a]!) parentSets[b]!.push(...nodes[a]!) })
  const structure: Structure = Array.from({ length: d }, () => [])
  for (const component of stronglyConnected(successors)) {
    let local: Structure
    if (component.length === 1) {
      const children = nodes[component[0]!]!
      const parents = [...parentSets[component[0]!]!].sort((x, y) => x - y)
      if (nodeKey(children) === nodeKey(parents)) local = selfLoop(parents, s)
      else if (children.every(c => parents.includes(c))) local = slap([...new Set(parents)], children, s)
      else if (parents.length > 0) local = bestParents([...new Set(parents)], children, s)
      else continue
    } else {
      local = cyclic(component.map(i => parentSets[i]!), component.map(i => nodes[i]!), s)
    }
    local.forEach((p, i) => { structure[i]!.push(...p) })
  }
  return structure
}

/** One group with only a self-loop: A* over its variables (pomegranate's case 0). */
function selfLoop (variables: readonly number[], s: Settings): Structure {
  const within = (e: readonly [number, number]): boolean => variables.includes(e[0]) && variables.includes(e[1])
  const include = s.include.filter(within)
  const exclude = s.exclude.filter(within)
  const graphs = variables.map(v => new LocalGraph(new ParentGraph(s.scorer, v, s.maxParents, include, exclude, s.lowMemory), variables))
  const found = exactAStar(graphs)
  const structure: Structure = Array.from({ length: s.scorer.d }, () => [])
  variables.forEach((v, i) => { structure[v] = found[i]!.map(j => variables[j]!) })
  return structure
}

/** A group with a self-loop and parent groups (pomegranate's case 1, `discrete_exact_slap`). */
function slap (parents: readonly number[], children: readonly number[], s: Settings): Structure {
  const outside = parents.filter(p => !children.includes(p))
  const graphs = new Map(children.map(c => [c, new ParentGraph(s.scorer, c, s.maxParents, s.include, s.exclude, false)]))
  const order = new OrderGraph()
  const sorted = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b)
  for (let size = 0; size <= s.scorer.d; size++) {
    for (const subset of combinations(children, size)) {
      const target = sorted([...subset, ...outside])
      order.addNode(nodeKey(target))
      for (const variable of subset) {
        const from = sorted([...subset.filter(v => v !== variable), ...outside])
        const [found, score] = graphs.get(variable)!.get(from)
        order.addEdge(nodeKey(from), { to: nodeKey(target), weight: edgeWeight(score), variable, parents: found })
      }
    }
  }
  const structure: Structure = Array.from({ length: s.scorer.d }, () => [])
  for (const edge of order.shortestPath(nodeKey(outside), nodeKey(parents))) structure[edge.variable] = edge.parents.slice()
  return structure
}

/** A group without a self-loop: each child's best parents among its parent groups (case 2). */
function bestParents (parents: readonly number[], children: readonly number[], s: Settings): Structure {
  const structure: Structure = Array.from({ length: s.scorer.d }, () => [])
  for (const child of children) {
    const excluded = new Set(s.exclude.filter(([, c]) => c === child).map(([p]) => p))
    const allowed = parents.filter(p => !excluded.has(p))
    let best = -Infinity
    let chosen: number[] = []
    for (let k = 0; k <= Math.min(s.maxParents, allowed.length); k++) {
      for (const set of combinations(allowed, k)) {
        const score = s.scorer.score(child, set)
        if (score > best) { best = score; chosen = set }
      }
    }
    structure[child] = chosen
  }
  return structure
}

/** Several groups in a cycle (pomegranate's case 3, `discrete_exact_component`). */
function cyclic (parentGroups: ReadonlyArray<readonly number[]>, childGroups: ReadonlyArray<readonly number[]>, s: Settings): Structure {
  const variables = [...new Set([...parentGroups.flat(), ...childGroups.flat()])].sort((a, b) => a - b)
  const parentSets = new Map<number, number[]>(variables.map(v => [v, []]))
  const childSets = new Map<number, number[]>(variables.map(v => [v, []]))
  parentGroups.forEach((parents, g) => {
    for (const child of childGroups[g]!) parentSets.get(child)!.push(...parents)
    for (const parent of parents) childSets.get(parent)!.push(...childGroups[g]!)
  })
  const graphs = new Map(variables.map(v => [v, new ParentGraph(s.scorer, v, s.maxParents, s.include, s.exclude, false)]))
  const best = (v: number, candidates: readonly number[]): Best => {
    // pomegranate's parent graph over an empty parent set spans every other variable.
    return graphs.get(v)!.get(candidates)
  }
  const order = new OrderGraph()
  order.addNode(nodeKey([]))
  let layer: Array<{ entry: number[]; children: Set<number> }> = []
  for (const v of variables) {
    const [parents, score] = best(v, [])
    order.addEdge(nodeKey([]), { to: nodeKey([v]), weight: edgeWeight(score), variable: v, parents })
    layer.push({ entry: [v], children: new Set(childSets.get(v)!) })
  }
  const seen = new Set(variables.map(v => nodeKey([v])))
  for (let step = 0; step < variables.length - 1; step++) {
    const next: typeof layer = []
    for (const { entry, children } of layer) {
      for (const child of [...children].sort((a, b) => a - b)) {
        const allowed = parentSets.get(child)!
        const target = [...entry, child].sort((a, b) => a - b)
        const filtered = entry.filter(v => allowed.includes(v))
        const [parents, score] = best(child, filtered)
        order.addEdge(nodeKey(entry), { to: nodeKey(target), weight: Number(edgeWeight(score).toFixed(4)), variable: child, parents })
        const grown = new Set([...children].filter(c => c !== child))
        for (const grandchild of childSets.get(child)!) if (!target.includes(grandchild)) grown.add(grandchild)
        if (!seen.has(nodeKey(target))) {
          seen.add(nodeKey(target))
          next.push({ entry: target, children: grown })
        }
      }
    }
    layer = next
  }
  const structure: Structure = Array.from({ length: s.scorer.d }, () => [])
  for (const edge of order.shortestPath(nodeKey([]), nodeKey(variables))) structure[edge.variable] = edge.parents.slice()
  return structure
}

/** Strongly connected components (Tarjan), in order of their first node. */
function stronglyConnected (successors: readonly number[][]): number[][] {
  const n = successors.length
  const indexOf = new Int32Array(n).fill(-1)
  const low = new Int32Array(n)
  const onStack = new Uint8Array(n)
  const stack: number[] = []
  const out: number[][] = []
  let counter = 0
  const visit = (v: number): void => {
    indexOf[v] = low[v] = counter++
    stack.push(v)
    onStack[v] = 1
    for (const w of successors[v] ?? []) {
      if (indexOf[w]! < 0) { visit(w); low[v] = Math.min(low[v]!, low[w]!) } else if (onStack[w]) low[v] = Math.min(low[v]!, indexOf[w]!)
    }
    if (low[v] === indexOf[v]) {
      const component: number[] = []
      let w: number
      do { w = stack.pop()!; onStack[w] = 0; component.push(w) } while (w !== v)
      out.push(component.sort((a, b) => a - b))
    }
  }
  for (let v = 0; v < n; v++) if (indexOf[v]! < 0) visit(v)
  return out.sort((a, b) => a[0]! - b[0]!)
}

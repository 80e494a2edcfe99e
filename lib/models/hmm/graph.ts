/**
 * The baked topology of a hidden Markov model (pomegranate 0.14.8's `bake()`): states in
 * pomegranate's order, edges as flat typed arrays, and the edge lists the recursions walk.
 *
 * Order, as pomegranate: emitting states sorted by name, then silent states in a topological
 * order of the silent-to-silent edges, ties broken towards the larger name (networkx's
 * lexicographical topological sort with pomegranate's key), so `start` precedes `end` for the
 * usual names. Indices therefore match pomegranate's JSON and matrices.
 */
import { ArilError, show } from '../../core/errors.js'
import type { Model } from '../../core/model.js'
import type { State } from '../state.js'

/** A state of an HMM: emitting (a distribution) or silent (`null`). */
export type HmmState = State<Model | null>

/** A transition as added (probability linear, before normalization). */
export interface EdgeSpec {
  from: HmmState
  to: HmmState
  probability: number
  pseudocount: number
  group: string | null
}

/** The baked model: everything the recursions and the M-step read. */
export interface Graph {
  states: HmmState[]
  /** Number of states m and index of the first silent state p (emitting states are 0 … p − 1). */
  m: number
  p: number
  start: number
  end: number
  /** True when the end state has in-edges: sequences must end there. */
  finite: boolean
  /** Edges in pomegranate's order (by source node insertion, then edge insertion). */
  from: Int32Array
  to: Int32Array
  /** Transition probabilities (the master copy: JSON writes these), and their logarithms for Viterbi. */
  logP: Float64Array
  prob: Float64Array
  pseudocount: Float64Array
  /** Tied-edge group of each edge (index into `groups`), −1 for none. */
  group: Int32Array
  groups: string[]
  /** In-edges of each state, split by the kind of source, as edge indices (CSR: `xStart[l]` … `xStart[l + 1]`). */
  inStart: Int32Array
  inEdges: Int32Array
  /** For silent targets: in-edges from emitting states, then from silent states (earlier in the order). */
  inEmitStart: Int32Array
  inEmitEdges: Int32Array
  inSilentStart: Int32Array
  inSilentEdges: Int32Array
  /** Out-edges of each state to emitting targets and to silent targets. */
  outEmitStart: Int32Array
  outEmitEdges: Int32Array
  outSilentStart: Int32Array
  outSilentEdges: Int32Array
  /** The distinct distributions of the emitting states, and which one each emitting state uses. */
  distributions: Model[]
  stateDistribution: Int32Array
  /** log(state weight) added to each emitting state's log-probabilities. */
  logWeight: Float64Array
}

function invalid (message: string): never {
  throw new ArilError('ERR_INVALID_MODEL', message)
}

/**
 * Bakes a model. `nodes` are in insertion order (start, end, then the states added), `edges`
 * in insertion order (a repeated pair replaces the earlier edge, keeping its place).
 * Out-edge probabilities are normalized to sum to 1 when their sum, rounded to 8 decimals as
 * pomegranate does, is not 1.
 *
 * @throws ArilError `ERR_INVALID_MODEL` for a model without emitting states, distributions of
 *   different dimensions, a state that cannot be reached from start, a state other than end
 *   without out-edges, an edge of probability outside [0, 1] or not finite, or a cycle of silent states
 */
export function bakeGraph (nodes: HmmState[], edges: EdgeSpec[], start: HmmState, end: HmmState): Graph {
  const emitting = nodes.filter(s => s.distribution !== null)
  if (emitting.length === 0) invalid('HiddenMarkovModel.bake: the model has no emitting states; add states with distributions')
  const insertion = new Map(nodes.map((s, i) => [s, i]))
  const ordered = edges.map((e, i) => ({ e, i })).sort((a, b) => insertion.get(a.e.from)! - insertion.get(b.e.from)! || a.i - b.i).map(x => x.e)
  checkReachable(nodes, ordered, start, end)
  const silent = nodes.filter(s => s.distribution === null)
  const states = [...emitting.sort(byName), ...silentOrder(silent, ordered)]
  const index = new Map(states.map((s, i) => [s, i]))
  const m = states.length
  const p = emitting.length
  const n = ordered.length
  const from = Int32Array.from(ordered, e => index.get(e.from)!)
  const to = Int32Array.from(ordered, e => index.get(e.to)!)
  const prob = Float64Array.from(ordered, e => e.probability)
  normalize(from, prob, m)
  const logP = prob.map(Math.log)
  const groups: string[] = []
  const group = Int32Array.from(ordered, e => {
    if (e.group === null) return -1
    let g = groups.indexOf(e.group)
    if (g < 0) g = groups.push(e.group) - 1
    return g
  })
  const isSilent = (s: number): boolean => s >= p
  const csr = (key: Int32Array, keep: (edge: number) => boolean): [Int32Array, Int32Array] => {
    const starts = new Int32Array(m + 1)
    for (let k = 0; k < n; k++) if (keep(k)) starts[key[k]! + 1]!++
    for (let s = 0; s < m; s++) starts[s + 1]! += starts[s]!
    const list = new Int32Array(starts[m]!)
    const fill = starts.slice(0, m)
    for (let k = 0; k < n; k++) if (keep(k)) list[fill[key[k]!]!++] = k
    return [starts, list]
  }
  const [inStart, inEdges] = csr(to, () => true)
  const [inEmitStart, inEmitEdges] = csr(to, k => !isSilent(from[k]!))
  const [inSilentStart, inSilentEdges] = csr(to, k => isSilent(from[k]!))
  const [outEmitStart, outEmitEdges] = csr(from, k => !isSilent(to[k]!))
  const [outSilentStart, outSilentEdges] = csr(from, k => isSilent(to[k]!))
  const distributions: Model[] = []
  const stateDistribution = new Int32Array(p)
  for (let s = 0; s < p; s++) {
    const d = states[s]!.distribution!
    let at = distributions.indexOf(d)
    if (at < 0) at = distributions.push(d) - 1
    stateDistribution[s] = at
  }
  const dimension = distributions[0]!.dimension
  const other = distributions.find(d => d.dimension !== dimension)
  if (other !== undefined) invalid(`HiddenMarkovModel.bake: every emitting state needs the same number of columns; ${distributions[0]!.name} reads ${String(dimension)}, ${other.name} reads ${String(other.dimension)}`)
  return {
    states,
    m,
    p,
    start: index.get(start)!,
    end: index.get(end)!,
    finite: inStart[index.get(end)! + 1]! > inStart[index.get(end)!]!,
    from,
    to,
    logP,
    prob,
    pseudocount: Float64Array.from(ordered, e => e.pseudocount),
    group,
    groups,
    inStart,
    inEdges,
    inEmitStart,
    inEmitEdges,
    inSilentStart,
    inSilentEdges,
    outEmitStart,
    outEmitEdges,
    outSilentStart,
    outSilentEdges,
    distributions,
    stateDistribution,
    logWeight: Float64Array.from(states.slice(0, p), s => Math.log(s.weight))
  }
}

function byName (a: HmmState, b: HmmState): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/**
 * pomegranate's rule: out-probabilities whose sum does not round (8 decimals) to 1 are normalized
 * (by their exact sum; pomegranate divides by the rounded one, leaving sums like 1 + 1e-9).
 */
function normalize (from: Int32Array, prob: Float64Array, m: number): void {
  const sums = new Float64Array(m)
  for (let k = 0; k < from.length; k++) sums[from[k]!]! += prob[k]!
  for (let k = 0; k < from.length; k++) {
    const sum = sums[from[k]!]!
    if (Math.round(sum * 1e8) / 1e8 !== 1 && sum > 0) prob[k] = prob[k]! / sum
  }
}

function checkReachable (nodes: HmmState[], edges: EdgeSpec[], start: HmmState, end: HmmState): void {
  const out = new Map<HmmState, HmmState[]>(nodes.map(s => [s, []]))
  for (const e of edges) out.get(e.from)!.push(e.to)
  const seen = new Set([start])
  const todo = [start]
  while (todo.length > 0) for (const t of out.get(todo.pop()!)!) if (!seen.has(t)) { seen.add(t); todo.push(t) }
  for (const s of nodes) {
    if (s === end) continue
    if (!seen.has(s)) invalid(`HiddenMarkovModel.bake: state ${show(s.name)} cannot be reached from the start state; add a transition into it or leave it out`)
    if (out.get(s)!.length === 0) invalid(`HiddenMarkovModel.bake: state ${show(s.name)} has no transitions out of it`)
  }
}

/** Silent states in pomegranate's order; a cycle among them is an error naming its states. */
function silentOrder (silent: HmmState[], edges: EdgeSpec[]): HmmState[] {
  const byNameDesc = silent.slice().sort(byName).reverse()
  const key = new Map(byNameDesc.map((s, i) => [s, i]))
  const indegree = new Map(silent.map(s => [s, 0]))
  const succ = new Map<HmmState, HmmState[]>(silent.map(s => [s, []]))
  for (const e of edges) {
    if (!key.has(e.from) || !key.has(e.to)) continue
    if (e.from === e.to) invalid(`HiddenMarkovModel.bake: silent state ${show(e.from.name)} has a transition to itself (a silent loop never emits)`)
    indegree.set(e.to, indegree.get(e.to)! + 1)
    succ.get(e.from)!.push(e.to)
  }
  const order: HmmState[] = []
  const ready = silent.filter(s => indegree.get(s) === 0)
  while (ready.length > 0) {
    let best = 0
    for (let i = 1; i < ready.length; i++) if (key.get(ready[i]!)! < key.get(ready[best]!)!) best = i
    const s = ready.splice(best, 1)[0]!
    order.push(s)
    for (const t of succ.get(s)!) {
      indegree.set(t, indegree.get(t)! - 1)
      if (indegree.get(t) === 0) ready.push(t)
    }
  }
  if (order.length < silent.length) {
    const cycle = silent.filter(s => !order.includes(s)).map(s => s.name)
    invalid(`HiddenMarkovModel.bake: the silent states ${cycle.join(', ')} form a cycle (a path that emits nothing could loop forever)`)
  }
  return order
}

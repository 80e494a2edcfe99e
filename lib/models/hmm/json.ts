/**
 * pomegranate 0.14.8's HMM JSON (`HiddenMarkovModel.to_dict`): states in baked order, `start`/`end`
 * dicts and indices, `silent_index`, edges `[from, to, probability, pseudocount, group]` (a tied
 * group as its number) and `distribution ties` `[i, j]` for emitting states sharing a
 * distribution. Read as data, never evaluated.
 */
import { ArilError, show } from '../../core/errors.js'
import type { Model } from '../../core/model.js'
import { State } from '../state.js'
import type { Graph, HmmState } from './graph.js'

type StateJSON = ReturnType<State<Model | null>['toJSON']>

/** The JSON dict of a hidden Markov model. */
export interface HmmJSON {
  class: 'HiddenMarkovModel'
  name: string
  start: StateJSON
  end: StateJSON
  states: StateJSON[]
  end_index: number
  start_index: number
  silent_index: number
  edges: Array<[number, number, number, number, number | null]>
  'distribution ties': Array<[number, number]>
}

/** Writes the dict; edges in pomegranate's graph order (by source state as added, then as added), probabilities as baked. */
export function hmmToJSON (name: string, g: Graph): HmmJSON {
  const out: HmmJSON['edges'] = []
  for (let k = 0; k < g.from.length; k++) {
    out.push([g.from[k]!, g.to[k]!, g.prob[k]!, g.pseudocount[k]!, g.group[k] === -1 ? null : g.group[k]!])
  }
  const ties: Array<[number, number]> = []
  for (let i = 0; i < g.p; i++) {
    for (let j = 0; j < g.p; j++) if (i !== j && g.stateDistribution[i] === g.stateDistribution[j]) ties.push([i, j])
  }
  return {
    class: 'HiddenMarkovModel',
    name,
    start: g.states[g.start]!.toJSON(),
    end: g.states[g.end]!.toJSON(),
    states: g.states.map(s => s.toJSON()),
    end_index: g.end,
    start_index: g.start,
    silent_index: g.p,
    edges: out,
    'distribution ties': ties
  }
}

function bad (message: string): never {
  throw new ArilError('ERR_INVALID_JSON_MODEL', `HiddenMarkovModel JSON: ${message}`)
}

/**
 * Reads the dict into states (distributions through the model registry, ties applied) and edges.
 * @throws ArilError `ERR_INVALID_JSON_MODEL` naming what is malformed
 */
export function hmmFromJSON (json: Record<string, unknown>): { name: string; states: HmmState[]; start: HmmState; end: HmmState; edges: Array<[number, number, number, number | undefined, string | null]> } {
  const { name, states, edges, start_index: startIndex, end_index: endIndex } = json
  const ties = json['distribution ties'] ?? []
  if (!Array.isArray(states) || !Array.isArray(edges) || !Array.isArray(ties)) bad(`expected lists of states, edges and distribution ties, got ${show(states)}, ${show(edges)} and ${show(ties)}`)
  const read = states.map((s: unknown, i) => {
    if (typeof s !== 'object' || s === null) bad(`state ${i} is ${show(s)}`)
    const { distribution, name: stateName, weight } = s as Record<string, unknown>
    if (distribution !== null) return State.fromJSON(s) as HmmState
    if (typeof stateName !== 'string') bad(`state ${i} has no name`)
    return new State(null, stateName, typeof weight === 'number' ? weight : 1) as HmmState
  })
  const at = (i: unknown, what: string): number => {
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= read.length) bad(`${what} ${show(i)} is not a state index`)
    return i as number
  }
  for (const tie of ties) {
    if (!Array.isArray(tie) || tie.length !== 2) bad(`expected distribution ties as [i, j], got ${show(tie)}`)
    const a = read[at(tie[0], 'tie')]!
    const b = read[at(tie[1], 'tie')]!
    if (a.distribution === null || b.distribution === null) bad(`a tie joins a silent state: ${show(tie)}`)
    b.distribution = a.distribution
  }
  const list = edges.map((e: unknown) => {
    if (!Array.isArray(e) || e.length < 3 || typeof e[2] !== 'number') bad(`expected edges as [from, to, probability, pseudocount, group], got ${show(e)}`)
    if (e[3] !== undefined && e[3] !== null && typeof e[3] !== 'number') bad(`an edge's pseudocount is ${show(e[3])}`)
    if (e[4] !== undefined && e[4] !== null && typeof e[4] !== 'number' && typeof e[4] !== 'string') bad(`an edge's group is ${show(e[4])} (pomegranate writes a number)`)
    const pseudocount = typeof e[3] === 'number' ? e[3] : undefined
    const group = e[4] === null || e[4] === undefined ? null : String(e[4])
    return [at(e[0], 'edge source'), at(e[1], 'edge target'), e[2], pseudocount, group] as [number, number, number, number | undefined, string | null]
  })
  return { name: typeof name === 'string' ? name : 'None', states: read, start: read[at(startIndex, 'start_index')]!, end: read[at(endIndex, 'end_index')]!, edges: list }
}

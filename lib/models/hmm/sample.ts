/** Drawing sequences from a hidden Markov model (pomegranate's `sample`). */
import { ArilError } from '../../core/errors.js'
import type { Random } from '../../core/random.js'
import type { Graph } from './graph.js'

/** Walks too long to be meant: a model whose end is unreachable in practice. */
const MAX_STEPS = 1e8

/**
 * One walk from start: each emitting state draws an observation; the walk stops at end, or after
 * `length` observations (0: no limit). Returns the observations and the names of the states visited.
 * @throws ArilError `ERR_LIMIT` after 10^8 states without reaching end
 */
export function walk (g: Graph, random: Random, length: number): { emissions: unknown[]; path: string[] } {
  const emissions: unknown[] = []
  const path: string[] = []
  let state = g.start
  for (let steps = 0; state !== g.end; steps++) {
    const s = g.states[state]!
    path.push(s.name)
    if (s.distribution !== null) {
      const draw = s.distribution.sampleWith(1, random) as ArrayLike<unknown>
      emissions.push(draw[0])
      if (length > 0 && emissions.length >= length) return { emissions, path }
    }
    if (steps > MAX_STEPS) throw new ArilError('ERR_LIMIT', 'sample: a walk of 10^8 states never reached the end state; give a length')
    state = nextState(g, state, random.uniform())
  }
  path.push(g.states[g.end]!.name)
  return { emissions, path }
}

/** The out-edge of `state` that a uniform draw u falls in (the last one when rounding leaves u past them all). */
function nextState (g: Graph, state: number, u: number): number {
  const { outEmitStart, outEmitEdges, outSilentStart, outSilentEdges, prob, to } = g
  let last = -1
  for (const [list, a, b] of [[outEmitEdges, outEmitStart[state]!, outEmitStart[state + 1]!], [outSilentEdges, outSilentStart[state]!, outSilentStart[state + 1]!]] as const) {
    for (let j = a; j < b; j++) {
      const edge = list[j]!
      last = to[edge]!
      u -= prob[edge]!
      if (u < 0) return last
    }
  }
  return last
}

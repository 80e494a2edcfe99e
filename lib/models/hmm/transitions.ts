/** The M-step of a hidden Markov model's transitions (pomegranate 0.14.8's `_from_summaries`). */
import { ExactSum } from '../../core/accumulate.js'
import type { Graph } from './graph.js'

/**
 * New transition probabilities from the exact expected counts of the edges (`totals[edge]`):
 * edges of a tied group all get the group's total; each edge's estimate is (count + prior) over
 * its source's Σ (count + prior), prior = `transitionPseudocount` (+ the edge's own pseudocount
 * with `usePseudocount`), blended with `edgeInertia`. A source without counts keeps its edges.
 */
export function transitionEstimate (g: Graph, totals: ExactSum[], transitionPseudocount: number, usePseudocount: boolean, edgeInertia: number): Float64Array {
  const edges = g.from.length
  const counts = new Float64Array(edges)
  for (let k = 0; k < edges; k++) counts[k] = totals[k]!.value()
  for (let group = 0; group < g.groups.length; group++) {
    const shared = new ExactSum()
    for (let k = 0; k < edges; k++) if (g.group[k] === group) shared.addSum(totals[k]!)
    const value = shared.value()
    for (let k = 0; k < edges; k++) if (g.group[k] === group) counts[k] = value
  }
  const prior = (k: number): number => transitionPseudocount + (usePseudocount ? g.pseudocount[k]! : 0)
  const norm = new Float64Array(g.m)
  for (let k = 0; k < edges; k++) norm[g.from[k]!]! += counts[k]! + prior(k)
  const prob = g.prob.slice()
  for (let k = 0; k < edges; k++) {
    const z = norm[g.from[k]!]!
    if (!(z > 0)) continue
    const estimate = (counts[k]! + prior(k)) / z
    prob[k] = edgeInertia === 0 ? estimate : g.prob[k]! * edgeInertia + estimate * (1 - edgeInertia)
  }
  return prob
}

/**
 * pomegranate 0.14.8's greedy structure search (`discrete_greedy`, BayesianNetwork.pyx): build a
 * topological order one node at a time, each time taking the unplaced node whose best parent set
 * among the placed nodes scores highest (the first such node on ties, except that among nodes
 * that all score −Infinity the last one wins, as pomegranate's condition has it), and giving it
 * that parent set.
 */
import type { Structure } from './graph.js'
import type { ParentLookup } from './exact-dp.js'

export function greedy (graphs: readonly ParentLookup[]): Structure {
  const d = graphs.length
  const structure: Structure = Array.from({ length: d }, () => [])
  let seen: number[] = []
  const unseen = Array.from({ length: d }, (_, i) => i)
  for (let i = 0; i < d; i++) {
    let bestScore = -Infinity
    let bestVariable = -1
    let bestParents: readonly number[] = []
    for (const j of unseen) {
      const [parents, score] = graphs[j]!.get(seen)
      if (score > bestScore || (score === -Infinity && bestScore === -Infinity)) {
        bestScore = score
        bestVariable = j
        bestParents = parents
      }
    }
    structure[bestVariable] = bestParents.slice()
    seen = [...seen, bestVariable].sort((a, b) => a - b)
    unseen.splice(unseen.indexOf(bestVariable), 1)
  }
  return structure
}

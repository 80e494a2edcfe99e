/**
 * A Bayesian network's tables in code space: each node's categories and the dense conditional
 * table p(node | parents) over codes (parents first, the node last and fastest, as a CPT lists
 * them). Inference (belief propagation), sampling and imputation read these; they are rebuilt
 * whenever the parameters change.
 */
import type { Key } from '../../core/batch.js'
import type { Category } from '../../counts/categories.js'
import { ConditionalProbabilityTable } from '../../distributions/conditional-probability-table.js'
import { DiscreteDistribution } from '../../distributions/discrete.js'
import type { Factor } from '../belief-propagation.js'
import type { Structure } from './graph.js'

/** A node's distribution: a root's Discrete, or a CPT over its parents. */
export type NodeDistribution = DiscreteDistribution | ConditionalProbabilityTable

/** The network in code space. */
export interface Compiled {
  /** Categories of each node: its own table's, in that order, then any its children's tables add. */
  keys: Category[][]
  /** One factor per node: scope `[...parents, node]`, values p(node | parents) (0 where the table has no cell). */
  factors: Factor[]
}

/** Compiles the node distributions of a network with the given structure. */
export function compile (distributions: readonly NodeDistribution[], structure: Structure): Compiled {
  const keys: Category[][] = distributions.map(d => d.keys.slice())
  structure.forEach((parents, i) => {
    const d = distributions[i]!
    if (!(d instanceof ConditionalProbabilityTable)) return
    const columns = d.columnKeys
    parents.forEach((p, j) => {
      const known = new Set<unknown>(keys[p])
      for (const key of columns[j] ?? []) if (!known.has(key)) keys[p]!.push(key)
    })
  })
  const codes = keys.map(k => new Map<unknown, number>(k.map((key, code) => [key, code])))
  const factors = distributions.map((d, i): Factor => {
    const scope = [...structure[i]!, i]
    const table = new Float64Array(scope.reduce((n, v) => n * keys[v]!.length, 1))
    if (d instanceof DiscreteDistribution) {
      for (const [key, p] of d.probabilities) table[codes[i]!.get(key)!] = p
      return { scope, table }
    }
    for (const row of d.parameters[0]) {
      let at = 0
      scope.forEach((v, j) => { at = at * keys[v]!.length + codes[v]!.get(row[j] as Key)! })
      table[at] = row[scope.length] as number
    }
    return { scope, table }
  })
  return { keys, factors }
}

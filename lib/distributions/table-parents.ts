/**
 * What a conditional table knows about its parents' distributions: the probability of each of a
 * column's keys under the parent (for `marginal()` and for sampling without given parent values).
 */
import type { Key } from '../core/batch.js'
import { ExactSum } from '../core/accumulate.js'
import { Model } from '../core/model.js'
import type { Random } from '../core/random.js'
import type { TableParent } from './probability-table.js'
import { JsonParent } from './table-json.js'

/** A parent that is itself a conditional table: its own marginal gives its keys' probabilities. */
interface WithMarginal {
  marginal: () => { probabilityOf: (key: Key) => number }
}

/**
 * The probability of each key under a parent: a distribution of one column (a DiscreteDistribution)
 * is asked; a conditional table's marginal is asked; a DiscreteDistribution read from JSON is read;
 * a plain key list is uniform. Normalized over the keys (keys the parent does not have get 0; a
 * parent that gives them all 0 is taken as uniform).
 * @example
 * ```ts
 * parentProbabilities(new DiscreteDistribution({ a: 0.25, b: 0.75 }), ['a', 'b']) // => Float64Array [0.25, 0.75]
 * parentProbabilities(['a', 'b'], ['a', 'b']) // => Float64Array [0.5, 0.5]
 * ```
 */
export function parentProbabilities (parent: TableParent, keys: readonly Key[]): Float64Array {
  let p: Float64Array
  if (typeof (parent as Partial<WithMarginal>).marginal === 'function') {
    const marginal = (parent as unknown as WithMarginal).marginal()
    p = Float64Array.from(keys, key => marginal.probabilityOf(key))
  } else if (parent instanceof Model && parent.dimension === 1) {
    p = (parent as Model<unknown, any, unknown>).probability(keys.map(key => [key]))
  } else if (parent instanceof JsonParent) {
    const table = (parent.json.parameters as unknown[] | undefined)?.[0] as Record<string, unknown> | undefined
    p = Float64Array.from(keys, key => typeof table?.[String(key)] === 'number' ? table[String(key)] as number : 0)
  } else {
    p = new Float64Array(keys.length).fill(1)
  }
  return normalized(p)
}

/** p divided by its exact sum; uniform when the sum is 0. */
export function normalized (p: Float64Array): Float64Array {
  const total = new ExactSum()
  for (const v of p) total.add(v)
  const sum = total.value()
  return sum > 0 ? p.map(v => v / sum) : p.fill(1 / p.length)
}

/** An index drawn with probability `p[i]` (p sums to 1 up to rounding). */
export function drawIndex (p: Float64Array, random: Random): number {
  const u = random.uniform()
  let cumulative = 0
  for (let i = 0; i < p.length; i++) {
    cumulative += p[i]!
    if (u < cumulative) return i
  }
  for (let i = p.length - 1; i > 0; i--) if (p[i]! > 0) return i
  return 0
}

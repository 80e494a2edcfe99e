/**
 * The emission distributions a hidden Markov model's `fromSamples` and `fromStream` start from
 * (pomegranate 0.14.8's `from_samples`): for DiscreteDistribution, one table per state over the
 * symbols seen in one pass over every sequence, with seeded uniform random weights (normalized);
 * for any other kind, k-means on the rows of all sequences concatenated (the mixture
 * initialization of mixture-init.ts: a seeded uniform sample of `initRows` rows of the whole data,
 * k-means++ and `kmeansIterations` Lloyd steps), each state's distribution fitted to one cluster.
 * The same passes run in memory and over a stream, so both start alike, bit for bit.
 */
import type { Batch, Key } from '../../core/batch.js'
import type { Model } from '../../core/model.js'
import { Random } from '../../core/random.js'
import { DiscreteDistribution } from '../../distributions/discrete.js'
import type { Passes } from '../../train/pass.js'
import { initSettings } from '../init.js'
import { mixtureStart, type ComponentKind, type MixtureInitOptions } from '../mixture-init.js'

/** The passes that give the k starting distributions of the states, from the rows of every sequence. */
export function * startingDistributions (kind: ComponentKind | readonly ComponentKind[], k: number, options: MixtureInitOptions): Passes<Model[]> {
  if (kind === DiscreteDistribution) return yield * randomTables(k, new Random(initSettings(options, k).seed))
  return (yield * mixtureStart(kind, k, initSettings(options, k), options)).components
}

/** pomegranate's Discrete start: per state, uniform(0, 1) weights over the sorted symbols, normalized. */
function * randomTables (k: number, random: Random): Passes<DiscreteDistribution[]> {
  const seen = new Set<Key>()
  yield (rows: Batch) => {
    const column = rows.categories?.[0]
    for (let r = 0; r < rows.rows; r++) {
      const key = column === undefined ? rows.data[r * rows.cols]! : column[r]
      if (key !== null && key !== undefined && !(typeof key === 'number' && Number.isNaN(key))) seen.add(key)
    }
  }
  const keys = [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return Array.from({ length: k }, () => {
    const w = keys.map(() => random.uniform())
    const total = w.reduce((a, b) => a + b, 0)
    return new DiscreteDistribution(new Map(keys.map((key, i) => [key, w[i]! / total])))
  })
}

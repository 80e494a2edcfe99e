/**
 * Bench: categorical models with many keys, against a plain Map counting loop.
 *
 * Data: (a) 10^5 rows, every row a new string key (a column of ids: the case `maxKeys` guards, at
 * its default of 10^5 keys); (b) 10^6 rows over 1000 string keys drawn with aril's seeded
 * `Random`, in memory, one batch.
 *
 * Compared, milliseconds per fit (best of five): `DiscreteDistribution.fromSamples(X)` and a
 * two-column `JointProbabilityTable.fromSamples` (the key with its row's parity), against the
 * baseline of a plain loop counting the keys into a Map. Keys are checked against the limits
 * before anything is counted, and new keys grow the statistics in a doubling buffer: before it,
 * every new key copied all partial sums, so (a) took about 6 s for the Discrete and 9 s for the
 * table (quadratic), now well under a second.
 *
 * Run: node --import tsx bench/keys.ts (about 30 s on 2 cores).
 */
import { pathToFileURL } from 'node:url'
import { Random } from '../lib/core/random.js'
import { DiscreteDistribution } from '../lib/distributions/discrete.js'
import { JointProbabilityTable } from '../lib/distributions/joint-probability-table.js'
import { best } from './best.js'

const REPEATS = 5

/** The figures of one run: per data set, milliseconds of the Map loop, the Discrete and the table. */
export type KeysBenchResult = Array<{ name: string; mapMs: number; discreteMs: number; tableMs: number }>

/** Runs the bench and prints the figures; resolves with them. */
export async function run (): Promise<KeysBenchResult> {
  const random = new Random(9)
  const sets: Array<[string, string[]]> = [
    ['10^5 rows, each a new key', Array.from({ length: 100_000 }, (_, i) => `id${i}`)],
    ['10^6 rows over 1000 keys', Array.from({ length: 1_000_000 }, () => `k${Math.floor(random.uniform() * 1000)}`)]
  ]
  const out: KeysBenchResult = []
  console.log(`Categorical fits: ms per fit (best of ${REPEATS}), and the ratio to a plain Map counting loop`)
  for (const [name, keys] of sets) {
    const pairs = keys.map((k, i) => [k, i % 2])
    const mapMs = best(REPEATS, () => {
      const counts = new Map<string, number>()
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1)
    })
    const discreteMs = best(REPEATS, () => { DiscreteDistribution.fromSamples(keys) })
    const tableMs = best(REPEATS, () => { JointProbabilityTable.fromSamples(pairs) })
    console.log(`${name}: Map loop ${mapMs.toFixed(1)} ms; DiscreteDistribution ${discreteMs.toFixed(1)} ms (${(discreteMs / mapMs).toFixed(1)}x); JointProbabilityTable (2 columns) ${tableMs.toFixed(1)} ms (${(tableMs / mapMs).toFixed(1)}x)`)
    out.push({ name, mapMs, discreteMs, tableMs })
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

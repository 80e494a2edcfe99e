/**
 * A full-covariance Gaussian fitted out of core from an `.npy` file, in one stream and in shards.
 *
 * 1. Writes `sensors.npy` (200 000 rows of three correlated sensor readings around 1e6, −5 and
 *    20, with about 1% of the values missing as NaN) into a directory, streaming it through
 *    `writeNpy`.
 * 2. Fits `MultivariateGaussianDistribution` with `pipeline(readNpy(file), model.sink())`: constant
 *    memory whatever the file's size; missing values are handled pairwise-complete, as pomegranate.
 * 3. Fits it again as two workers would: each shard (a row range starting on a multiple of 1024)
 *    summarized by its own model, the summaries merged (in either order) and turned into
 *    parameters. The result is identical to the bit.
 * 4. Scores a few rows, one with a missing value (scored on its observed entries).
 *
 * Run: node --import tsx examples/multivariate-gaussian.ts [directory]   (default: a fresh temporary directory)
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { MultivariateGaussianDistribution, Random, readNpy, writeNpy } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-mvg-'))
mkdirSync(dir, { recursive: true })
const file = join(dir, 'sensors.npy')
const ROWS = 200_000

// The truth: x = mean + L·z, so the covariance is L·Lᵀ.
const mean = [1e6, -5, 20]
const L = [[2, 0, 0], [0.5, 1, 0], [-1, 0.3, 0.4]]
const truth = new MultivariateGaussianDistribution(mean, L.map(a => L.map(b => a.reduce((s, v, k) => s + v * b[k]!, 0))))

async function * batches (): AsyncGenerator<Float64Array[]> {
  const random = new Random(7)
  for (let done = 0; done < ROWS; done += 10_000) {
    const rows = truth.sampleWith(10_000, random)
    for (const row of rows) for (let j = 0; j < 3; j++) if (random.uniform() < 0.01) row[j] = NaN
    yield rows
  }
}
await pipeline(Readable.from(batches()), writeNpy(file))
console.log(`wrote ${ROWS} rows to ${file}`)

const blank = (): MultivariateGaussianDistribution => new MultivariateGaussianDistribution([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])

// One stream.
const streamed = blank()
await pipeline(readNpy(file), streamed.sink())
console.log('streamed:', JSON.stringify(streamed))

// Two shards, as two workers would summarize them; only the summaries travel.
const cut = 100 * 1024
const summaries = await Promise.all([[0, cut], [cut, ROWS]].map(async ([start, end]) => {
  const worker = blank()
  await pipeline(readNpy(file, { start, end }), worker.sink({ update: false }))
  return JSON.stringify(worker.summary())
}))
const sharded = blank()
for (const summary of summaries.reverse()) sharded.mergeSummary(JSON.parse(summary))
sharded.fromSummaries()
console.log('sharded: ', JSON.stringify(sharded))
console.log('identical:', JSON.stringify(sharded) === JSON.stringify(streamed))
console.log('covariance repairs:', streamed.repairs)

const probe = [[1e6, -5, 20], [1e6 + 2, -4, 19.5], [1e6, NaN, 20]]
console.log('log-density of', JSON.stringify(probe.map(r => r.map(v => Number.isNaN(v) ? null : v))), '=', Array.from(streamed.logProbability(probe)))

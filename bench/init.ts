/**
 * Bench: what out-of-core initialization and the binned kernel density cost, as ratios to passes
 * measured in the same process.
 *
 * Data (aril's seeded `Random`, in memory, handed over as a stream of 64Ki-row batches, so every
 * pass reads the same batches as a file source would give):
 *   (1) 10^6 × 5 rows from three Gaussian clusters (bench/mixture.ts's). Compared: one E-step pass of a mixture of three
 *       full-covariance MultivariateGaussians (the unit an EM fit repeats), the whole-stream
 *       uniform sample of 10^4 rows that `fromStream` now takes by default (one pass), the
 *       first-rows sample it replaced, and the k = 8 'kmeans||' initialization (7 passes: a first
 *       centre, 5 rounds, the candidates' weights).
 *   (2) 10^6 × 1 rows: a GaussianKernelDensity binned on 1024 grid points against a
 *       NormalDistribution, each summarizing every row once (both are one exact pass).
 * Each figure is the best of a few runs (wall clock), with its ratio to the baseline of its group.
 *
 * Run: node --import tsx bench/init.ts (about half a minute on 2 cores).
 */
import { pathToFileURL } from 'node:url'
import { sliceBatch, toBatch, type Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { GaussianKernelDensity } from '../lib/distributions/gaussian-kernel-density.js'
import { GeneralMixtureModel } from '../lib/models/mixture.js'
import { initialCentroids, initialSample, initSettings } from '../lib/models/init.js'
import { refineCentroids } from '../lib/models/kmeans.js'
import { passesOverStream } from '../lib/train/pass.js'
import { fiveDimensional } from './mixture.js'

const ROWS = 1_000_000
const CHUNK = 65536
const REPEATS = 3

function chunks (batch: Batch): Batch[] {
  return Array.from({ length: Math.ceil(batch.rows / CHUNK) }, (_, i) => sliceBatch(batch, i * CHUNK, Math.min(batch.rows, (i + 1) * CHUNK)))
}

async function best (run: () => unknown): Promise<number> {
  let ms = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now()
    await run()
    ms = Math.min(ms, performance.now() - start)
  }
  return ms
}

function line (name: string, ms: number, baseline: number): void {
  console.log(`${name.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / baseline).toFixed(2)}x`)
}

export async function run (): Promise<void> {
  const parts = chunks(fiveDimensional())
  const check = (X: unknown): Batch => toBatch(X as Batch)
  const eye = [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
  const gmm = new GeneralMixtureModel([0, 1, 2].map(j => new MultivariateGaussianDistribution([j, j, j, j, j], eye)))
  const pass = await best(() => { for (const b of parts) gmm.summarizeBatch(b); gmm.clearSummaries() })
  console.log('10^6 × 5 rows in batches of 64Ki rows; ratios to one E-step pass of a 3-component full-covariance mixture')
  line('E-step pass (3 MultivariateGaussians)', pass, pass)
  for (const sample of ['uniform', 'head'] as const) {
    const settings = initSettings({ seed: 1, initSample: sample }, 3)
    line(`initialization sample of 10^4 rows, initSample: '${sample}'`, await best(async () => await passesOverStream(initialSample(settings), parts, check)), pass)
  }
  const parallel = initSettings({ init: 'kmeans||', seed: 1 }, 8)
  line("'kmeans||', k = 8 (7 passes and the refinement)", await best(async () => await passesOverStream(initialCentroids(8, toBatch([]), parallel, new Random(1), refineCentroids), parts, check)), pass)

  const random = new Random(3)
  const one = chunks({ data: Float64Array.from({ length: ROWS }, () => random.normal()), rows: ROWS, cols: 1 })
  const normal = new NormalDistribution()
  const normalMs = await best(() => { for (const b of one) normal.summarize(b); normal.clearSummaries() })
  const kde = new GaussianKernelDensity([], 0.1, null, { binned: { min: -6, max: 6, bins: 1024 } })
  const kdeMs = await best(() => { for (const b of one) kde.summarize(b); kde.clearSummaries() })
  console.log('\n10^6 × 1 rows; ratios to NormalDistribution.summarize')
  line('NormalDistribution.summarize', normalMs, normalMs)
  line('GaussianKernelDensity binned on 1024 points, summarize', kdeMs, normalMs)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

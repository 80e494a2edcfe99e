/**
 * The main job (`npm start`): out-of-core training on a data set that is generated once.
 *
 * 1. Writes `data/main/mixture-1d.npy` if it is absent: 10^7 float64 draws from a mixture of three
 *    normal distributions, streamed through `writeNpy` (80 MB; never held in memory).
 * 2. Fits a NormalDistribution and a UniformDistribution in one pass, the file piped into both
 *    sinks at once (`readNpy(...).pipe(model.sink())`).
 * 3. Trains a three-component GeneralMixtureModel out of core: k-means++ on the first rows, then EM
 *    passes over the file, each split across two worker threads (the same bits as one thread),
 *    printing every epoch as it ends.
 * It prints parameters, rows per second and the peak memory (which does not grow with the file),
 * and the `aril` commands that do the same from the command line.
 *
 * Run: npm start    (environment: ARIL_ROWS to change the row count, ARIL_DATA the data folder)
 */
import { existsSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, Random, UniformDistribution, readNpy, writeNpy } from '../lib/index.js'

const ROWS = Number(process.env.ARIL_ROWS ?? 1e7)
const DATA = process.env.ARIL_DATA ?? 'data/main'
const FILE = join(DATA, 'mixture-1d.npy')
const TRUTH = { weights: [0.5, 0.3, 0.2], means: [-4, 0, 5], stds: [1, 0.5, 2] }
const BATCH = 131072

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`
const rate = (rows: number, ms: number): string => `${(rows / ms / 1e3).toFixed(1)} M rows/s`
const peak = (): string => mib(process.resourceUsage().maxRSS * 1024)

/** Draws the data set batch by batch; the progress goes to stderr. */
function * draws (): Generator<Float64Array> {
  const random = new Random(2026)
  for (let done = 0, shown = 0; done < ROWS; done += BATCH) {
    const n = Math.min(BATCH, ROWS - done)
    const batch = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const u = random.uniform()
      const j = u < TRUTH.weights[0]! ? 0 : u < TRUTH.weights[0]! + TRUTH.weights[1]! ? 1 : 2
      batch[i] = TRUTH.means[j]! + TRUTH.stds[j]! * random.normal()
    }
    if ((done + n) / ROWS >= (shown + 1) / 4) process.stderr.write(`  written ${(++shown) * 25}%\n`)
    yield batch
  }
}

if (!existsSync(FILE)) {
  console.log(`Generating ${ROWS} rows into ${FILE} ...`)
  await mkdir(DATA, { recursive: true })
  const start = performance.now()
  await pipeline(Readable.from(draws()), writeNpy(FILE + '.partial'))
  await rename(FILE + '.partial', FILE)
  console.log(`  done in ${((performance.now() - start) / 1000).toFixed(1)} s`)
}

console.log(`\nOne pass over ${FILE} into two sinks at once:`)
const normal = new NormalDistribution()
const uniform = new UniformDistribution(0, 1)
let start = performance.now()
const source = readNpy(FILE)
const sinks = [normal.sink(), uniform.sink()]
for (const sink of sinks) source.pipe(sink)
await Promise.all(sinks.map(sink => finished(sink)))
const onePass = performance.now() - start
console.log(`  NormalDistribution  ${JSON.stringify(normal)}`)
console.log(`  UniformDistribution ${JSON.stringify(uniform)}`)
console.log(`  ${rate(ROWS, onePass)}, peak memory ${peak()}`)

console.log('\nGeneralMixtureModel, 3 normal components, EM out of core on 2 worker threads:')
start = performance.now()
const mixture = await GeneralMixtureModel.fromStream(NormalDistribution, 3, () => readNpy(FILE), {
  seed: 1,
  initRows: 100000,
  maxIterations: 50,
  stopThreshold: 1,
  workers: 2,
  callbacks: [{
    onEpochEnd: log => console.log(`  epoch ${String(log.epoch).padStart(2)}  log-likelihood ${log.logProbability.toFixed(2)}  improvement ${log.improvement.toFixed(2)}  ${rate(log.rows, log.duration)}`)
  }]
})
const seconds = (performance.now() - start) / 1000
const [components, weights] = mixture.parameters
const fitted = components.map(([mean, std], j) => ({ weight: weights[j]!, mean, std })).sort((a, b) => a.mean - b.mean)
for (const c of fitted) console.log(`  weight ${c.weight.toFixed(4)}  mean ${c.mean.toFixed(4)}  std ${c.std.toFixed(4)}`)
console.log(`  (drawn from weights ${TRUTH.weights.join(', ')}; means ${TRUTH.means.join(', ')}; stds ${TRUTH.stds.join(', ')})`)
console.log(`  ${seconds.toFixed(1)} s in all, peak memory ${peak()}`)
console.log(`  ${JSON.stringify(mixture)}`)

console.log('\nThe same from the command line (progress goes to stderr; the model file is written when the fit is done):')
console.log(`  aril fit ${FILE} --model normal --out normal.json`)
console.log(`  aril fit ${FILE} --model gmm:3 --seed 1 --init-rows 100000 --max-iterations 50 --stop-threshold 1 --workers 2 --out mixture.json`)
console.log(`  aril plot ${FILE} --model mixture.json --out mixture.png`)

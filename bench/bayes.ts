/**
 * Bench: supervised NaiveBayes fit against pomegranate 0.14.8 at its best configuration and
 * scikit-learn 1.2.1's GaussianNB, and what each in-memory input form costs over a ready Batch.
 *
 * Data: 10^6 rows × 10 columns, 3 classes (labels drawn uniformly), column j of class c drawn from
 * N(c + j/10, 1 + c/2) with aril's seeded `Random`, in memory.
 *
 * Compared, milliseconds per fit (one summarize pass + one update), best of REPEATS each:
 *   (a) aril: `new NaiveBayes(NormalDistribution, 3).fit(batch)` with the labels in the Batch: per
 *       class an IndependentComponentsDistribution of Normals, exact blocked sums (accumulate.ts),
 *       through the WebAssembly kernel of naive-bayes-wasm.ts;
 *   (b) aril streamed: the same rows as Batches of 8192 rows through `model.sink()`;
 *   (c) pomegranate 0.14.8: `NaiveBayes.from_samples(NormalDistribution, X, y)` on the whole array
 *       ('None') and summarizing slices of 10^4 and 10^5 rows; the best is the baseline
 *       (bench/pomegranate_bayes.py, Debian's /usr/bin/python3, without the OpenBLAS overrides);
 *   (d) scikit-learn 1.2.1: `GaussianNB().fit(X, y)` (same helper);
 * printed with the ratios peer ms / aril ms (goal: at least 1.5 over both).
 * Then the input forms, each as `fit(X, { labels })` on the same values, as a ratio to (a): rows as
 * `{ data: Float64Array, shape }`, the same with labels as a plain array, with a Float32Array, rows
 * as `number[][]`, `NaiveBayes.fromSamples`, and weights as a plain array (over a Batch holding the
 * weights); then a NormalDistribution's and a MultivariateGaussianDistribution's `fit` from the
 * same forms over theirs from a Batch (goal: within 10% of a Batch; see `forEachBatch` in
 * lib/core/batch.ts). Each ratio is of medians of CPU time (the fits run on one thread; CPU time is
 * steadier than the clock on a shared machine) over INPUT_REPEATS turns in which every form and
 * the baseline run once, in alternating order, after a warm-up turn.
 *
 * Run: node --import tsx bench/bayes.ts (about a minute on 2 cores).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { sliceBatch, type Batch, type BatchInput } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { NaiveBayes } from '../lib/models/naive-bayes.js'
import { best, bestAsync } from './best.js'
import { bestOf, describeConfigs, hasPomegranate, hasSklearn, runPython, type PeerTimings } from './pomegranate.js'

const ROWS = 1_000_000
const COLS = 10
const CLASSES = 3
const BATCH_ROWS = 8192
const REPEATS = 5
/** Turns of every input form (after one to warm up); the ratios are of medians. */
const INPUT_REPEATS = 9

/** The figures of one run. */
export interface BayesBenchResult {
  rows: number
  cols: number
  classes: number
  arilMs: number
  arilStreamMs: number
  pomegranate: PeerTimings | undefined
  sklearnMs: number | undefined
  /** fit time of each input form over a ready Batch's (median CPU times). */
  inputs: Record<string, number>
  /** the same for a NormalDistribution's and a MultivariateGaussianDistribution's one-pass fits. */
  otherInputs: Record<string, number>
  /** Largest relative difference of the fitted means from pomegranate's (a check that both fit the same thing). */
  maxMeanDifference: number | undefined
}

function makeData (): Batch {
  const random = new Random(2024)
  const data = new Float64Array(ROWS * COLS)
  const labels = new Float64Array(ROWS)
  for (let r = 0; r < ROWS; r++) {
    const c = Math.min(CLASSES - 1, Math.floor(random.uniform() * CLASSES))
    labels[r] = c
    for (let j = 0; j < COLS; j++) data[r * COLS + j] = c + j / 10 + (1 + c / 2) * random.normal()
  }
  return { data, rows: ROWS, cols: COLS, labels }
}

interface PeerFigures { byConfig: Record<string, number>; sklearnMs: number; means: number[][] }

function timePeers (batch: Batch): PeerFigures | undefined {
  if (!hasPomegranate() || !hasSklearn()) return undefined
  return runPython<PeerFigures>('pomegranate_bayes.py', [batch.data, batch.labels!, ROWS, COLS, REPEATS, 'None,10000,100000'])
}

/**
 * CPU milliseconds of one call of `f` (the fits run on one thread; CPU time is steadier than the
 * clock on a shared machine).
 */
function cpuMs (f: () => void): number {
  const started = process.cpuUsage()
  f()
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1000
}

/**
 * Each form's median CPU time over the baseline's. The forms run in turns (forward, then
 * backward, so none always follows the same one) after a warm-up turn, INPUT_REPEATS turns in all.
 */
function ratiosToBaseline (baseline: () => void, forms: Record<string, () => void>): Record<string, number> {
  const all: Array<[string, () => void]> = [['baseline', baseline], ...Object.entries(forms)]
  const times = new Map(all.map(([name]) => [name, [] as number[]]))
  for (let turn = 0; turn <= INPUT_REPEATS; turn++) {
    for (const [name, fit] of turn % 2 === 0 ? all : all.slice().reverse()) {
      const ms = cpuMs(fit)
      if (turn > 0) times.get(name)!.push(ms)
    }
  }
  const median = (values: number[]): number => {
    const sorted = values.slice().sort((a, b) => a - b)
    return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2
  }
  const base = median(times.get('baseline')!)
  return Object.fromEntries(Object.keys(forms).map(name => [name, median(times.get(name)!) / base]))
}

/** The NaiveBayes fit from each input form, as a ratio to the fit from a ready Batch. */
function timeInputs (batch: Batch): Record<string, number> {
  const labels = batch.labels!
  const plainLabels = Array.from(labels)
  const plainWeights = Array.from({ length: ROWS }, (_, r) => 1 + (r % 4))
  const weightedBatch = { ...batch, weights: Float64Array.from(plainWeights) }
  const float32 = Float32Array.from(batch.data)
  const shape = [ROWS, COLS]
  const rows = Array.from({ length: ROWS }, (_, r) => Array.from(batch.data.subarray(r * COLS, (r + 1) * COLS)))
  const fit = (X: BatchInput, options?: { labels?: ArrayLike<number>; weights?: ArrayLike<number> }) => (): void => { new NaiveBayes(NormalDistribution, CLASSES).fit(X, options) }
  const ratios = ratiosToBaseline(fit(batch), {
    '{ data: Float64Array, shape }, { labels: Float64Array }': fit({ data: batch.data, shape }, { labels }),
    '{ data: Float64Array, shape }, { labels: number[] }': fit({ data: batch.data, shape }, { labels: plainLabels }),
    '{ data: Float32Array, shape }, { labels }': fit({ data: float32, shape }, { labels }),
    'number[][], { labels: number[] }': fit(rows, { labels: plainLabels }),
    'NaiveBayes.fromSamples({ data, shape }, { labels })': () => { NaiveBayes.fromSamples(NormalDistribution, { data: batch.data, shape }, { labels }) }
  })
  // weights: over a Batch holding the same weights
  const weighted = ratiosToBaseline(fit(weightedBatch), {
    '{ data: Float64Array, shape }, { labels, weights: number[] }': fit({ data: batch.data, shape }, { labels, weights: plainWeights })
  })
  return { ...ratios, ...weighted }
}

/** The same for other models' one-pass `fit`: a NormalDistribution on one column, a MultivariateGaussianDistribution on all ten. */
function timeOtherInputs (batch: Batch): Record<string, number> {
  const column = Float64Array.from({ length: ROWS }, (_, r) => batch.data[r * COLS]!)
  const plainColumn = Array.from(column)
  const normal = (X: BatchInput) => (): void => { new NormalDistribution().fit(X) }
  const normalRatios = ratiosToBaseline(normal({ data: column, rows: ROWS, cols: 1 }), {
    'NormalDistribution: Float32Array': normal(Float32Array.from(column)),
    'NormalDistribution: number[]': normal(plainColumn)
  })
  const shape = [ROWS, COLS]
  const rows = Array.from({ length: ROWS }, (_, r) => Array.from(batch.data.subarray(r * COLS, (r + 1) * COLS)))
  const identity = Array.from({ length: COLS }, (_, i) => Array.from({ length: COLS }, (_, j) => (i === j ? 1 : 0)))
  const gaussian = (X: BatchInput) => (): void => { new MultivariateGaussianDistribution(new Array<number>(COLS).fill(0), identity).fit(X) }
  const gaussianRatios = ratiosToBaseline(gaussian({ data: batch.data, rows: ROWS, cols: COLS }), {
    'MultivariateGaussianDistribution: { data: Float64Array, shape }': gaussian({ data: batch.data, shape }),
    'MultivariateGaussianDistribution: { data: Float32Array, shape }': gaussian({ data: Float32Array.from(batch.data), shape }),
    'MultivariateGaussianDistribution: number[][]': gaussian(rows)
  })
  return { ...normalRatios, ...gaussianRatios }
}

/** Runs the bench and prints the figures; resolves with them. */
export async function run (): Promise<BayesBenchResult> {
  console.log(`NaiveBayes supervised fit, ${ROWS} rows × ${COLS} columns, ${CLASSES} classes, Normal per column: ms per fit (best of ${REPEATS})`)
  const batch = makeData()
  let model = new NaiveBayes(NormalDistribution, CLASSES)
  const arilMs = best(REPEATS, () => { model = new NaiveBayes(NormalDistribution, CLASSES).fit(batch) })
  const batches: Batch[] = []
  for (let start = 0; start < ROWS; start += BATCH_ROWS) batches.push(sliceBatch(batch, start, Math.min(ROWS, start + BATCH_ROWS)))
  const arilStreamMs = await bestAsync(REPEATS, async () => {
    const streamed = new NaiveBayes(NormalDistribution, CLASSES)
    await pipeline(Readable.from(batches), streamed.sink())
  })
  const inputs = timeInputs(batch)
  const otherInputs = timeOtherInputs(batch)
  const peers = timePeers(batch)
  const pomegranate = peers === undefined ? undefined : bestOf(peers.byConfig)
  const aril = model.toJSON().models.map(m => (m as { parameters: [Array<{ parameters: number[] }>] }).parameters[0].map(d => d.parameters[0]!))
  const maxMeanDifference = peers === undefined
    ? undefined
    : Math.max(...aril.flatMap((row, c) => row.map((mean, j) => Math.abs(mean - peers.means[c]![j]!) / Math.abs(peers.means[c]![j]!))))
  console.log(`aril fit(batch):          ${arilMs.toFixed(1)} ms`)
  console.log(`aril stream (8192 rows):  ${arilStreamMs.toFixed(1)} ms`)
  if (peers === undefined || pomegranate === undefined) {
    console.log('pomegranate / scikit-learn: not available (/usr/bin/python3 cannot import them)')
  } else {
    console.log(`pomegranate by batch_size: ${describeConfigs(pomegranate, 1)} ms; best ${pomegranate.best.config}: aril is ${(pomegranate.best.ms / arilMs).toFixed(2)}x as fast (stream ${(pomegranate.best.ms / arilStreamMs).toFixed(2)}x; goal >= 1.5x)`)
    console.log(`scikit-learn GaussianNB:   ${peers.sklearnMs.toFixed(1)} ms: aril is ${(peers.sklearnMs / arilMs).toFixed(2)}x as fast (goal >= 1.5x); means agree with pomegranate to ${maxMeanDifference!.toExponential(1)} relative`)
  }
  console.log('input forms, fit time over a ready Batch (goal <= 1.10):')
  for (const [name, ratio] of Object.entries(inputs)) console.log(`  ${name}: ${ratio.toFixed(2)}`)
  console.log('other models\' one-pass fits, over the same fit from a ready Batch:')
  for (const [name, ratio] of Object.entries(otherInputs)) console.log(`  ${name}: ${ratio.toFixed(2)}`)
  return { rows: ROWS, cols: COLS, classes: CLASSES, arilMs, arilStreamMs, pomegranate, sklearnMs: peers?.sklearnMs, inputs, otherInputs, maxMeanDifference }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

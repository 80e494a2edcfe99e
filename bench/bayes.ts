/**
 * Bench: supervised NaiveBayes fit against pomegranate 0.14.8.
 *
 * Data: 10^6 rows × 10 columns, 3 classes (labels drawn uniformly), column j of class c drawn from
 * N(c + j/10, 1 + c/2) with aril's seeded `Random`, in memory.
 *
 * Compared, milliseconds per fit (one summarize pass + one update), best of five each:
 *   (a) aril: `new NaiveBayes(NormalDistribution, 3).fit(X, { labels })`: per class an
 *       IndependentComponentsDistribution of Normals, exact blocked sums (see accumulate.ts);
 *   (b) aril streamed: the same rows as Batches of 8192 rows through `model.sink()` (what a file
 *       stream hands it);
 *   (c) pomegranate 0.14.8: `NaiveBayes.from_samples(NormalDistribution, X, y)` on the same rows
 *       (written to temporary float64 files and timed in a child process by
 *       bench/pomegranate_bayes.py), when Debian's /usr/bin/python3 can import pomegranate;
 * printed side by side with the speed ratio pomegranate ms / aril ms (goal: at least 1.5).
 *
 * Run: node --import tsx bench/bayes.ts (about 15 s on 2 cores).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { sliceBatch, type Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { NaiveBayes } from '../lib/models/naive-bayes.js'
import { hasPomegranate, runPomegranate } from './pomegranate.js'

const ROWS = 1_000_000
const COLS = 10
const CLASSES = 3
const BATCH_ROWS = 8192
const REPEATS = 5

/** The figures of one run. */
export interface BayesBenchResult {
  rows: number
  cols: number
  classes: number
  arilMs: number
  arilStreamMs: number
  pomegranateMs: number | undefined
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

function best (repeats: number, f: () => void): number {
  let ms = Infinity
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now()
    f()
    if (i > 0) ms = Math.min(ms, performance.now() - started) // the first run warms the JIT up
  }
  return ms
}

async function bestAsync (repeats: number, f: () => Promise<void>): Promise<number> {
  let ms = Infinity
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now()
    await f()
    if (i > 0) ms = Math.min(ms, performance.now() - started)
  }
  return ms
}

function timePomegranate (batch: Batch): { ms: number; means: number[][] } | undefined {
  if (!hasPomegranate()) return undefined
  return runPomegranate('pomegranate_bayes.py', [batch.data, batch.labels!, ROWS, COLS, REPEATS])
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
  const pomegranate = timePomegranate(batch)
  const aril = model.toJSON().models.map(m => (m as { parameters: [Array<{ parameters: number[] }>] }).parameters[0].map(d => d.parameters[0]!))
  const maxMeanDifference = pomegranate === undefined
    ? undefined
    : Math.max(...aril.flatMap((row, c) => row.map((mean, j) => Math.abs(mean - pomegranate.means[c]![j]!) / Math.abs(pomegranate.means[c]![j]!))))
  console.log(`aril fit(X):             ${arilMs.toFixed(1)} ms`)
  console.log(`aril stream (8192 rows): ${arilStreamMs.toFixed(1)} ms`)
  if (pomegranate === undefined) {
    console.log('pomegranate:             not available (/usr/bin/python3 cannot import pomegranate)')
  } else {
    console.log(`pomegranate from_samples: ${pomegranate.ms.toFixed(1)} ms`)
    console.log(`speed ratio pomegranate/aril: fit ${(pomegranate.ms / arilMs).toFixed(2)}x, stream ${(pomegranate.ms / arilStreamMs).toFixed(2)}x (goal >= 1.5x); means agree to ${maxMeanDifference!.toExponential(1)} relative`)
  }
  return { rows: ROWS, cols: COLS, classes: CLASSES, arilMs, arilStreamMs, pomegranateMs: pomegranate?.ms, maxMeanDifference }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

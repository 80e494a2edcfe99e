/**
 * Bench: MultivariateGaussianDistribution.summarize throughput (rows/s) against pomegranate 0.14.8
 * at its best batch size, and numpy's bare X.T @ X.
 *
 * Data: for d = 5, 20 and 100, rows of a correlated d-dimensional Gaussian (x = L·z + 1e3, z from
 * aril's seeded `Random`), in memory; the row counts keep each case to a few seconds (2·10^5 rows
 * at d = 100, so that the fixed cost of a threaded pass, the d² exact sums each thread sends back,
 * is small beside the pass, as it is on data of any size).
 *
 * Compared, best of three passes each:
 *   (a) aril: `summarize()` of the whole data set as Batches of 8192 rows (what a stream hands the
 *       sink), into a fresh model each pass: exact blocked cross-products (CrossProductSums, with the
 *       complete rows in WebAssembly, cross-products-wasm.ts), on one thread;
 *   (a2) aril, `workers: 2`: `fitStream([X], { update: false })` of the same rows (shared with the
 *       threads by `shareBatch`) on a warm `threadExecutor({ threads: 2 })`, into a fresh model each
 *       pass, best of three after THREAD_WARM_PASSES: the threads claim pieces of whole blocks,
 *       and their summaries are merged into the model (no `fromSummaries`, as pomegranate's
 *       `summarize` has none);
 *   (b) pomegranate 0.14.8: `MultivariateGaussianDistribution.summarize` over the same rows, whole
 *       ('None') and in slices of 10^3 and 10^4 rows, by bench/pomegranate_multivariate_gaussian.py
 *       (Debian's /usr/bin/python3, without the OpenBLAS overrides: dgemm on both cores); the best
 *       is the baseline;
 *   (c) numpy alone: X.T @ X and X.sum(0) (the bare BLAS work, for scale);
 * printed as rows/s each and the ratios a/b and a2/b (goal at d = 100: a2/b at least 1.0, both
 * sides on two cores).
 *
 * Run: node --import tsx bench/multivariate-gaussian.ts (about a minute on 2 cores).
 */
import { pathToFileURL } from 'node:url'
import type { Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import type { Executor } from '../lib/exec/executor.js'
import { shareBatch, threadExecutor } from '../lib/exec/threads.js'
import { bestOf, hasPomegranate, runPython } from './pomegranate.js'

const BATCH_ROWS = 8192
/**
 * Passes that warm the threads up before the three timed ones: a thread compiles its model copy's
 * code as it runs, and at d = 20 its first passes took 25, 18, then 15 ms, where one warm-up pass
 * had left the timed best at half of one thread's speed.
 */
const THREAD_WARM_PASSES = 6
const CASES = [{ d: 5, rows: 1_000_000 }, { d: 20, rows: 300_000 }, { d: 100, rows: 200_000 }].filter(c => process.env.BENCH_D === undefined || String(c.d) === process.env.BENCH_D)

/** One line of the report. */
export interface MultivariateGaussianBenchResult {
  d: number
  rows: number
  arilRowsPerSecond: number
  /** `workers: 2` (two threads). */
  arilWorkersRowsPerSecond: number
  /** Rows per second at each batch size, and the best. */
  pomegranate: { byConfig: Record<string, number>; best: { config: string; rowsPerSecond: number } } | undefined
  numpyRowsPerSecond: number | undefined
}

/** `rows` draws of a correlated d-dimensional Gaussian with mean 1e3, row-major. */
function makeData (d: number, rows: number): Float64Array {
  const random = new Random(d)
  const mix = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0.3 * random.normal() / Math.sqrt(d)))
  const out = new Float64Array(rows * d)
  const z = new Float64Array(d)
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) z[j] = random.normal()
    for (let j = 0; j < d; j++) {
      let s = 1e3
      for (let k = 0; k <= j; k++) s += mix[j * d + k]! * z[k]!
      out[r * d + j] = s
    }
  }
  return out
}

function timeAril (data: Float64Array, d: number, rows: number): number {
  const batches: Batch[] = []
  for (let start = 0; start < rows; start += BATCH_ROWS) {
    const end = Math.min(rows, start + BATCH_ROWS)
    batches.push({ data: data.subarray(start * d, end * d), rows: end - start, cols: d })
  }
  const identity = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? 1 : 0)))
  let best = Infinity
  for (let pass = 0; pass < 4; pass++) {
    const model = new MultivariateGaussianDistribution(new Array(d).fill(0), identity)
    const started = performance.now()
    for (const batch of batches) model.summarize(batch)
    const seconds = (performance.now() - started) / 1000
    if (pass > 0) best = Math.min(best, seconds) // the first pass warms the JIT up
  }
  return rows / best
}

async function timeArilWorkers (data: Float64Array, d: number, rows: number, executor: Executor): Promise<number> {
  const shared = shareBatch({ data, rows, cols: d })
  const identity = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? 1 : 0)))
  let best = Infinity
  for (let pass = 0; pass < THREAD_WARM_PASSES + 3; pass++) {
    const model = new MultivariateGaussianDistribution(new Array(d).fill(0), identity)
    const started = performance.now()
    await model.fitStream([shared], { executor, update: false })
    const seconds = (performance.now() - started) / 1000
    if (pass >= THREAD_WARM_PASSES) best = Math.min(best, seconds)
  }
  return rows / best
}

function timePeers (data: Float64Array, d: number, rows: number): Omit<MultivariateGaussianBenchResult, 'd' | 'rows' | 'arilRowsPerSecond' | 'arilWorkersRowsPerSecond'> | undefined {
  if (!hasPomegranate()) return undefined
  const out = runPython<{ byConfig: Record<string, number>; numpyRowsPerSecond: number }>('pomegranate_multivariate_gaussian.py', [data, rows, d, 3, 'None,1000,10000'])
  // the fastest configuration has the most rows per second: pick it by its time per row
  const best = bestOf(Object.fromEntries(Object.entries(out.byConfig).map(([k, v]) => [k, 1 / v]))).best
  return { pomegranate: { byConfig: out.byConfig, best: { config: best.config, rowsPerSecond: 1 / best.ms } }, numpyRowsPerSecond: out.numpyRowsPerSecond }
}

/** Runs every case and prints one line each; resolves with the figures. */
export async function run (): Promise<MultivariateGaussianBenchResult[]> {
  const results: MultivariateGaussianBenchResult[] = []
  console.log('MultivariateGaussianDistribution.summarize, rows/s (best of 3)')
  const executor = threadExecutor({ threads: 2 })
  try {
    await executor.ready()
    for (const { d, rows } of CASES) {
      const data = makeData(d, rows)
      const aril = timeAril(data, d, rows)
      const arilWorkers = await timeArilWorkers(data, d, rows, executor)
      const peers = timePeers(data, d, rows)
      results.push({ d, rows, arilRowsPerSecond: aril, arilWorkersRowsPerSecond: arilWorkers, pomegranate: peers?.pomegranate, numpyRowsPerSecond: peers?.numpyRowsPerSecond })
      const arilLine = `d = ${String(d).padStart(3)}, ${rows} rows: aril ${format(aril)}, workers: 2 ${format(arilWorkers)}`
      if (peers === undefined || peers.pomegranate === undefined) {
        console.log(`${arilLine}; pomegranate not available`)
        continue
      }
      const byConfig = Object.entries(peers.pomegranate.byConfig).map(([config, r]) => `${config} ${format(r)}`).join(', ')
      const best = peers.pomegranate.best.rowsPerSecond
      console.log(`${arilLine}; pomegranate by batch size ${byConfig}, best ${peers.pomegranate.best.config}: ` +
        `aril/pomegranate ${(aril / best).toFixed(2)}, workers: 2 ${(arilWorkers / best).toFixed(2)}; numpy X.T@X alone ${format(peers.numpyRowsPerSecond!)}`)
    }
  } finally {
    await executor.close()
  }
  return results
}

function format (rowsPerSecond: number): string {
  return rowsPerSecond >= 1e6 ? `${(rowsPerSecond / 1e6).toFixed(2)}M` : `${(rowsPerSecond / 1e3).toFixed(0)}k`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

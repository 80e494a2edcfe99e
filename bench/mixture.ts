/**
 * Bench: milliseconds per EM iteration of GeneralMixtureModel and Kmeans against pomegranate 0.14.8.
 *
 * Data (aril's seeded `Random`, in memory):
 *   (1) 10^6 × 1 from a three-component normal mixture, fitted by a mixture of three
 *       NormalDistributions started at N(−3, 1), N(0.5, 1), N(4, 1);
 *   (2) 10^6 × 5 from three Gaussian clusters, fitted by a mixture of three full-covariance
 *       MultivariateGaussianDistributions started at identity covariances;
 *   (3) the same 10^6 × 5 rows clustered by Kmeans with k = 8, started at the first 8 rows.
 * Both libraries fit from the same initial parameters (pomegranate reads aril's JSON) for the same
 * number of iterations: `maxIterations: n` / `max_iterations=n` with no stopping threshold, which
 * is n M-steps and n + 1 passes in both. aril fits on one thread in memory (`fit`, through the EM
 * trainer, the same loop as `fitStream`), and out of core with `workers: 2` (`fitStream` over the
 * rows as one batch: the main thread re-cuts it and two worker threads summarize every pass; the
 * time includes starting the workers, which from source (tsx) is a few hundred milliseconds per
 * fit, so the steady per-pass time is printed too). pomegranate is timed in a child process by
 * bench/pomegranate_mixture.py when Debian's /usr/bin/python3 can import it. Each side runs a
 * warm-up fit, then the best of a few timed fits is reported (wall clock, and CPU time of all
 * threads, which is steadier on a shared machine but not a measure of a parallel fit), as
 * milliseconds per iteration (fit time / n), with the ratio pomegranate/aril (above 1: aril is
 * faster).
 *
 * From dist/ (compiled JavaScript) the workers start in about 100 ms, which the first pass, run
 * on the main thread meanwhile, mostly hides.
 *
 * Run: node --import tsx bench/mixture.ts (a minute or two on 2 cores).
 */
import { pathToFileURL } from 'node:url'
import type { Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { stringifyJSON } from '../lib/core/serialize.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../lib/models/mixture.js'
import { Kmeans } from '../lib/models/kmeans.js'
import { hasPomegranate, runPomegranate } from './pomegranate.js'

const ROWS = 1_000_000

/** Worker threads of the parallel rows. */
const WORKERS = 2
/** Timed fits per side (the best is kept). */
const REPEATS = 3

/** One line of the report. */
export interface MixtureBenchResult {
  name: string
  iterations: number
  aril: { ms: number; cpuMs: number }
  /** `fitStream` with `workers: 2`; `passMs` is the median duration of an epoch, without the workers' startup. */
  arilWorkers: { ms: number; cpuMs: number; passMs: number }
  pomegranate: { ms: number; cpuMs: number } | undefined
}

interface Case {
  name: string
  batch: Batch
  iterations: number
  /** A fresh model at the initial parameters, and what pomegranate needs to build the same one. */
  model: () => GeneralMixtureModel | Kmeans
  kind: 'gmm' | 'kmeans'
}

/** 10^6 rows of a three-component normal mixture (also read by bench/executors.ts). */
export function oneDimensional (): Batch {
  const random = new Random(1)
  const data = new Float64Array(ROWS)
  for (let i = 0; i < ROWS; i++) {
    const u = random.uniform()
    data[i] = u < 0.3 ? -4 + random.normal() : u < 0.55 ? 0.7 * random.normal() : 5 + 1.5 * random.normal()
  }
  return { data, rows: ROWS, cols: 1 }
}

/** 10^6 × 5 rows from three Gaussian clusters (also the data of bench/init.ts and bench/executors.ts). */
export function fiveDimensional (): Batch {
  const random = new Random(2)
  const d = 5
  const centers = [[0, 0, 0, 0, 0], [3, 3, 3, 3, 3], [3, -3, 0, 2, -1]]
  const data = new Float64Array(ROWS * d)
  for (let i = 0; i < ROWS; i++) {
    const c = centers[Math.floor(random.uniform() * 3)]!
    const z = Array.from({ length: d }, () => random.normal())
    for (let j = 0; j < d; j++) data[i * d + j] = c[j]! + z[j]! + 0.5 * z[(j + 1) % d]!
  }
  return { data, rows: ROWS, cols: d }
}

function cases (): Case[] {
  const x1 = oneDimensional()
  const x5 = fiveDimensional()
  const identity = (scale: number): number[][] => Array.from({ length: 5 }, (_, j) => Array.from({ length: 5 }, (_, k) => (j === k ? scale : 0)))
  return [
    {
      name: '10^6 × 1, 3 NormalDistributions',
      batch: x1,
      iterations: 10,
      kind: 'gmm',
      model: () => new GeneralMixtureModel([new NormalDistribution(-3, 1), new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)], { weights: [0.3, 0.3, 0.4] })
    },
    {
      name: '10^6 × 5, 3 full-covariance MultivariateGaussians',
      batch: x5,
      iterations: 4,
      kind: 'gmm',
      model: () => new GeneralMixtureModel([
        new MultivariateGaussianDistribution([0.5, 0.5, 0.5, 0.5, 0.5], identity(1)),
        new MultivariateGaussianDistribution([2.5, 2.5, 2.5, 2.5, 2.5], identity(2)),
        new MultivariateGaussianDistribution([2, -2, 0.5, 1.5, -0.5], identity(1.5))
      ], { weights: [0.4, 0.3, 0.3] })
    },
    {
      name: '10^6 × 5, Kmeans k = 8',
      batch: x5,
      iterations: 10,
      kind: 'kmeans',
      model: () => new Kmeans(8).setCentroids(Array.from({ length: 8 }, (_, j) => Array.from(x5.data.subarray(j * 5, j * 5 + 5))))
    }
  ]
}

function cpuMs (): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

function timeAril (c: Case): { ms: number; cpuMs: number } {
  c.model().fit(c.batch, { maxIterations: 1, stopThreshold: -Infinity }) // warm-up
  let ms = Infinity
  let cpu = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const model = c.model()
    const started = performance.now()
    const startedCpu = cpuMs()
    model.fit(c.batch, { maxIterations: c.iterations, stopThreshold: -Infinity })
    ms = Math.min(ms, (performance.now() - started) / c.iterations)
    cpu = Math.min(cpu, (cpuMs() - startedCpu) / c.iterations)
  }
  return { ms, cpuMs: cpu }
}

async function timeArilWorkers (c: Case): Promise<{ ms: number; cpuMs: number; passMs: number }> {
  const options = { stopThreshold: -Infinity, workers: WORKERS }
  await c.model().fitStream([c.batch], { ...options, maxIterations: 1 }) // warm-up
  let ms = Infinity
  let cpu = Infinity
  let passMs = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const model = c.model()
    const started = performance.now()
    const startedCpu = cpuMs()
    const history = await model.trainStream([c.batch], { ...options, maxIterations: c.iterations })
    ms = Math.min(ms, (performance.now() - started) / c.iterations)
    cpu = Math.min(cpu, (cpuMs() - startedCpu) / c.iterations)
    const durations = history.epochs.map(e => e.duration).sort((a, b) => a - b)
    passMs = Math.min(passMs, durations[Math.floor(durations.length / 2)]!)
  }
  return { ms, cpuMs: cpu, passMs }
}

function timePomegranate (c: Case): { ms: number; cpuMs: number } {
  const model = c.model()
  const init = model instanceof Kmeans ? JSON.stringify({ centroids: model.parameters }) : stringifyJSON(model)
  const { msPerIteration, cpuMsPerIteration } = runPomegranate<{ msPerIteration: number; cpuMsPerIteration: number }>('pomegranate_mixture.py',
    [c.kind, c.batch.data, c.batch.rows, c.batch.cols, { json: init }, c.iterations, REPEATS])
  return { ms: msPerIteration, cpuMs: cpuMsPerIteration }
}

/** Runs every case and prints one line each; resolves with the figures. */
export async function run (): Promise<MixtureBenchResult[]> {
  const withPomegranate = hasPomegranate()
  const results: MixtureBenchResult[] = []
  console.log(`EM, milliseconds per iteration (best of ${REPEATS} fits; wall clock / CPU time of all threads)`)
  for (const c of cases()) {
    const aril = timeAril(c)
    const arilWorkers = await timeArilWorkers(c)
    const pomegranate = withPomegranate ? timePomegranate(c) : undefined
    results.push({ name: c.name, iterations: c.iterations, aril, arilWorkers, pomegranate })
    const versus = (ms: number, cpu: number): string => pomegranate === undefined
      ? 'pomegranate not available'
      : `aril is ${(pomegranate.ms / ms).toFixed(2)}x / ${(pomegranate.cpuMs / cpu).toFixed(2)}x as fast as pomegranate`
    console.log(`${c.name}, ${c.iterations} iterations:` + (pomegranate === undefined ? '' : ` pomegranate ${pomegranate.ms.toFixed(0)} / ${pomegranate.cpuMs.toFixed(0)} ms`))
    console.log(`  aril, 1 thread (fit):            ${aril.ms.toFixed(0)} / ${aril.cpuMs.toFixed(0)} ms; ${versus(aril.ms, aril.cpuMs)}`)
    console.log(`  aril, workers: ${WORKERS} (fitStream): ${arilWorkers.ms.toFixed(0)} / ${arilWorkers.cpuMs.toFixed(0)} ms; ${versus(arilWorkers.ms, arilWorkers.cpuMs)}` +
      ` (median pass ${arilWorkers.passMs.toFixed(0)} ms${pomegranate === undefined ? '' : `: ${(pomegranate.ms / arilWorkers.passMs).toFixed(2)}x`})`)
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

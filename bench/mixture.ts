/**
 * Bench: milliseconds per EM iteration of GeneralMixtureModel and Kmeans, against pomegranate
 * 0.14.8 at its best batch_size and scikit-learn 1.2.1 (Debian's /usr/bin/python3), in one run.
 *
 * Data (aril's seeded `Random`, in memory, handed to the peers as the same float64 values):
 *   (1) 10^6 × 1 from a three-component normal mixture, fitted by a mixture of three
 *       NormalDistributions started at N(−3, 1), N(0.5, 1), N(4, 1) (scikit-learn:
 *       GaussianMixture(3, covariance_type='full'), which for one column is the same model);
 *   (2) 10^6 × 5 from three Gaussian clusters, fitted by a mixture of three full-covariance
 *       MultivariateGaussianDistributions started at identity covariances (scikit-learn:
 *       GaussianMixture(3, covariance_type='full'));
 *   (3) the same 10^6 × 5 rows clustered by Kmeans with k = 8, started at the first 8 rows
 *       (scikit-learn: KMeans(8, algorithm='lloyd', n_init=1)).
 * Every library starts from the same parameters (pomegranate reads aril's JSON; scikit-learn gets
 * them as weights_init/means_init/precisions_init or init) and runs without a stopping threshold.
 *
 * One iteration, measured the same way for every library: (best time of a fit with n iterations −
 * best time of a fit with 1) / (n − 1), best of REPEATS fits each. That is the cost of one more
 * M-step and E-step, without the setup, the initialization and the first pass (scikit-learn's
 * n_iter_ is used for n, in case Lloyd converged early).
 *   - aril, 1 thread: `fit` in memory (the EM trainer, the same loop as `fitStream`);
 *   - aril, `workers: 2`: `trainStream` over the rows as one batch (copied once per fit into shared
 *     memory, whose pieces two worker threads claim in place every pass); the median epoch duration.
 *     The threads are started and waited for (bench/workers.ts), then warmed by a 3-iteration fit;
 *     the timed fits reuse them, as every `workers: 2` fit of a process does (lib/exec/choose.ts),
 *     so their start-up is out of the figure;
 *   - pomegranate: `fit(X, batch_size=b)` for b in None (its default, the whole array), 10^3, 10^4,
 *     10^5, by bench/pomegranate_mixture.py; the best b is the baseline (n_jobs=1, its default; its
 *     BLAS may use both cores for the full-covariance mixture);
 *   - scikit-learn: by bench/sklearn_mixture.py, with its default threads (both cores: OpenMP for
 *     KMeans, OpenBLAS) and limited to one.
 * The Python child runs without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see bench/pomegranate.ts).
 * Ratios are peer ms / aril ms (above 1: aril is faster). Goals (issue 12): Kmeans ≥ 1.5× tuned
 * pomegranate on one thread and ≥ 1.0× scikit-learn (2 cores) with `workers: 2`; 5-D mixture ≥ 1.5×
 * tuned pomegranate on one thread; 1-D mixture ≥ 1.5× tuned pomegranate and scikit-learn.
 *
 * Run: node --import tsx bench/mixture.ts (a few minutes on 2 cores, most of it in the peers).
 */
import { pathToFileURL } from 'node:url'
import type { Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { stringifyJSON } from '../lib/core/serialize.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../lib/models/mixture.js'
import { Kmeans } from '../lib/models/kmeans.js'
import { startWorkers } from './workers.js'
import { bestOf, describeConfigs, hasPomegranate, hasSklearn, runPython, type PeerTimings } from './pomegranate.js'

const ROWS = 1_000_000

/** Worker threads of the parallel rows. */
const WORKERS = 2
/** Timed fits per measurement (the best is kept). */
const REPEATS = 3
/** pomegranate's batch sizes tried ('None': the whole array, its default). */
const BATCH_SIZES = 'None,1000,10000,100000'

/** One line of the report. */
export interface MixtureBenchResult {
  name: string
  iterations: number
  /** aril on one thread: ms per iteration (fit of n − fit of 1, over n − 1). */
  aril: number
  /** `trainStream` with `workers: 2`: the median epoch duration, without the workers' start-up. */
  arilWorkers: number
  pomegranate: PeerTimings | undefined
  sklearn: PeerTimings | undefined
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

/** Best time of `fit` over REPEATS fits. */
function bestFit (c: Case, iterations: number): number {
  let best = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const model = c.model()
    const started = performance.now()
    model.fit(c.batch, { maxIterations: iterations, stopThreshold: -Infinity })
    best = Math.min(best, performance.now() - started)
  }
  return best
}

function timeAril (c: Case): number {
  c.model().fit(c.batch, { maxIterations: 2, stopThreshold: -Infinity }) // warm-up
  return (bestFit(c, c.iterations) - bestFit(c, 1)) / (c.iterations - 1)
}

async function timeArilWorkers (c: Case): Promise<number> {
  const options = { stopThreshold: -Infinity, workers: WORKERS }
  await startWorkers(WORKERS)
  await c.model().fitStream([c.batch], { ...options, maxIterations: 3 }) // warm-up: the threads' JIT
  let passMs = Infinity
  for (let i = 0; i < REPEATS; i++) {
    const history = await c.model().trainStream([c.batch], { ...options, maxIterations: c.iterations })
    const durations = history.epochs.map(e => e.duration).sort((a, b) => a - b)
    passMs = Math.min(passMs, durations[Math.floor(durations.length / 2)]!)
  }
  return passMs
}

function timePomegranate (c: Case): PeerTimings {
  const model = c.model()
  const init = model instanceof Kmeans ? JSON.stringify({ centroids: model.parameters }) : stringifyJSON(model)
  return bestOf(runPython<{ byConfig: Record<string, number> }>('pomegranate_mixture.py',
    [c.kind, c.batch.data, c.batch.rows, c.batch.cols, { json: init }, c.iterations, REPEATS, BATCH_SIZES]).byConfig)
}

/** The initial parameters as scikit-learn takes them: centroids, or weights, means and full covariances. */
function sklearnInit (model: GeneralMixtureModel | Kmeans): string {
  if (model instanceof Kmeans) return JSON.stringify({ centroids: model.parameters })
  const [components, weights] = model.parameters as [unknown[], number[]]
  const means: number[][] = []
  const covariances: number[][][] = []
  for (const p of components) {
    if (typeof (p as number[])[0] === 'number') {
      const [mean, std] = p as [number, number]
      means.push([mean])
      covariances.push([[std * std]])
    } else {
      const [mean, covariance] = p as [number[], number[][]]
      means.push(mean)
      covariances.push(covariance)
    }
  }
  return JSON.stringify({ weights, means, covariances })
}

function timeSklearn (c: Case): PeerTimings {
  return bestOf(runPython<{ byConfig: Record<string, number> }>('sklearn_mixture.py',
    [c.kind, c.batch.data, c.batch.rows, c.batch.cols, { json: sklearnInit(c.model()) }, c.iterations, REPEATS]).byConfig)
}

/** Runs every case and prints its lines; resolves with the figures. */
export async function run (): Promise<MixtureBenchResult[]> {
  const withPomegranate = hasPomegranate()
  const withSklearn = hasSklearn()
  const results: MixtureBenchResult[] = []
  console.log('EM, milliseconds per iteration (one more iteration: fit of n − fit of 1, over n − 1; best of ' + String(REPEATS) + ' fits)')
  for (const c of cases()) {
    const aril = timeAril(c)
    const arilWorkers = await timeArilWorkers(c)
    const pomegranate = withPomegranate ? timePomegranate(c) : undefined
    const sklearn = withSklearn ? timeSklearn(c) : undefined
    results.push({ name: c.name, iterations: c.iterations, aril, arilWorkers, pomegranate, sklearn })
    const ratio = (peer: number, ours: number): string => `${(peer / ours).toFixed(2)}x`
    console.log(`${c.name} (n = ${c.iterations}):`)
    console.log(`  aril, 1 thread (fit):                ${aril.toFixed(1)} ms`)
    console.log(`  aril, workers: ${WORKERS} (median pass):    ${arilWorkers.toFixed(1)} ms`)
    if (pomegranate === undefined) {
      console.log('  pomegranate: not available')
    } else {
      console.log(`  pomegranate by batch_size:           ${describeConfigs(pomegranate, 1)} ms; best ${pomegranate.best.config}: ` +
        `aril 1 thread is ${ratio(pomegranate.best.ms, aril)}, workers: ${WORKERS} ${ratio(pomegranate.best.ms, arilWorkers)} as fast`)
    }
    if (sklearn === undefined) {
      console.log('  scikit-learn: not available')
    } else {
      const [both, one] = [sklearn.byConfig['threads=default']!, sklearn.byConfig['threads=1']!]
      console.log(`  scikit-learn (default threads / 1):  ${both.toFixed(1)} / ${one.toFixed(1)} ms; ` +
        `aril 1 thread is ${ratio(both, aril)} / ${ratio(one, aril)}, workers: ${WORKERS} ${ratio(both, arilWorkers)} as fast as its default`)
    }
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

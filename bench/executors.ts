/**
 * Bench: where passes run (lib/exec/), each figure as a ratio against a baseline measured in the
 * same run.
 *
 *   (1) Both cores: milliseconds per pass with `workers: 2` (a warm `threadExecutor({ threads: 2 })`,
 *       so the threads' start-up, paid once per executor, is out of the figure) against one thread,
 *       on the compute-bound passes of bench/mixture.ts and bench/bayes.ts: a 1-D mixture of 3
 *       Normals (10^6 rows), a 5-D mixture of 3 full-covariance Gaussians (10^6 × 5), Kmeans k = 8
 *       (10^6 × 5), a NaiveBayes fit (10^6 × 10, 3 classes). In memory (`fitStream([X])`; the
 *       rows are shared with the threads once per fit; a single pass copies them as it goes, or
 *       reads them in place after `shareBatch`) and streamed (`() => readNpy(file)`: this thread
 *       reads, the threads summarize). The median epoch of a fit (NaiveBayes: the best of 5
 *       fits), and the on-CPU time of each thread (Linux schedstat), which a loaded machine does not
 *       distort: with the work split evenly, half the one-thread CPU time per thread is a 2x.
 *       Goal: at least 1.8x on every pass.
 *   (2) `readNpy → NormalDistribution`: one thread (`pipeline(readNpy(file), model.sink())`) against
 *       `fitStream(file, { executor })` with 2 threads (the file split into block-aligned row ranges
 *       that the threads read themselves), in GB/s from the page cache, 10^8 rows (800 MB), beside
 *       the machine's ceiling: a bare readSync loop on 1 and 2 threads (bench/page-cache.ts).
 *       Goal: at least 8 GB/s with 2 threads.
 *   (3) BullMQ (needs Redis at ARIL_REDIS_URL or 127.0.0.1:6379; skipped otherwise): rows per second
 *       of one EM epoch of the 1-D mixture over the same 10^8 rows in 16 shards, with 1 and 2
 *       `aril-worker` processes (forked from the sources) against the thread executor with 2
 *       threads. Goal: 2 worker processes within 10% of `workers: 2`.
 *   (4) BullMQ's fixed cost: milliseconds per epoch of a 1-D mixture over 16 shards of 1024 rows
 *       with 2 worker processes (20 epochs, median). Goal: under 50 ms.
 *
 * Run: node --import tsx bench/executors.ts [--rows 100000000]   (a few minutes on 2 cores; the
 * 10^8-row file is data/bench/normal-<rows>.npy, shared with bench/npy.ts, made on first use)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../lib/models/mixture.js'
import { Kmeans } from '../lib/models/kmeans.js'
import { NaiveBayes } from '../lib/models/naive-bayes.js'
import { readNpy, writeNpy } from '../lib/io/npy.js'
import type { Executor } from '../lib/exec/executor.js'
import { inProcessExecutor } from '../lib/exec/in-process.js'
import { shareBatch, threadExecutor } from '../lib/exec/threads.js'
import { bullmqExecutor } from '../lib/exec/bullmq.js'
import { npyShards, shards } from '../lib/exec/shards.js'
import { openClient, connectionOptions } from '../lib/exec/redis.js'
import { ensureFile } from './npy.js'
import { pageCacheGBs } from './page-cache.js'
import { fiveDimensional, oneDimensional } from './mixture.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const DATA = join(HERE, '..', 'data', 'bench')
const ROWS = 1_000_000
const REDIS = process.env.ARIL_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** On-CPU milliseconds of every thread of this process so far (Linux), by thread id. */
function threadCpu (): Map<string, number> {
  const out = new Map<string, number>()
  try {
    for (const tid of readdirSync('/proc/self/task')) out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6)
  } catch {
    // not Linux: no per-thread figures
  }
  return out
}

/** The two busiest threads' CPU milliseconds between two readings, divided by `passes`. */
function busiest (before: Map<string, number>, after: Map<string, number>, passes: number): number[] {
  return [...after].map(([tid, ms]) => (ms - (before.get(tid) ?? 0)) / passes).sort((a, b) => b - a).slice(0, 2)
}

const median = (values: number[]): number => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!

function labelled10 (): Batch {
  const random = new Random(2024)
  const data = new Float64Array(ROWS * 10)
  const labels = new Float64Array(ROWS)
  for (let r = 0; r < ROWS; r++) {
    const c = Math.min(2, Math.floor(random.uniform() * 3))
    labels[r] = c
    for (let j = 0; j < 10; j++) data[r * 10 + j] = c + j / 10 + (1 + c / 2) * random.normal()
  }
  return { data, rows: ROWS, cols: 10, labels }
}

const identity = (s: number): number[][] => Array.from({ length: 5 }, (_, j) => Array.from({ length: 5 }, (_, k) => (j === k ? s : 0)))
const gmm1 = (): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(-3, 1), new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)], { weights: [0.3, 0.3, 0.4] })

interface EmCase { name: string; batch: Batch; make: () => GeneralMixtureModel | Kmeans; iterations: number }

/** One line of (1). */
export interface BothCoresResult { name: string; oneMs: number; twoMs: number; oneCpu: number; twoCpu: number[] }

/**
 * Epochs of the warm-up fit before the measured one. A thread compiles its model copy's code as
 * it runs: the 5-D mixture's passes on two threads took 47, 48, 43, 38 ms, then 32-36 from the
 * sixth on, so a warm-up of one epoch left the measured median on the threads' warm-up.
 */
const WARM_EPOCHS = 8

async function emPass (c: EmCase, executor: Executor, source: unknown): Promise<{ ms: number; cpu: number[] }> {
  await c.make().trainStream(source as never, { maxIterations: WARM_EPOCHS, stopThreshold: -Infinity, executor })
  const before = threadCpu()
  const h = await c.make().trainStream(source as never, { maxIterations: c.iterations, stopThreshold: -Infinity, executor })
  return { ms: median(h.epochs.map(e => e.duration)), cpu: busiest(before, threadCpu(), c.iterations + 1) }
}

export async function bothCores (two: Executor): Promise<BothCoresResult[]> {
  const one = inProcessExecutor()
  const x1 = oneDimensional()
  const x5 = fiveDimensional()
  await mkdir(DATA, { recursive: true })
  const files = { x1: join(DATA, 'executors-x1.npy'), x5: join(DATA, 'executors-x5.npy') }
  await pipeline(Readable.from([x1]), writeNpy(files.x1))
  await pipeline(Readable.from([x5]), writeNpy(files.x5))
  const cases: EmCase[] = [
    { name: '1-D mixture, 3 Normals, 10^6', batch: x1, make: gmm1, iterations: 8 },
    {
      name: '5-D mixture, 3 full-covariance Gaussians, 10^6 × 5',
      batch: x5,
      iterations: 8,
      make: () => new GeneralMixtureModel([
        new MultivariateGaussianDistribution([0.5, 0.5, 0.5, 0.5, 0.5], identity(1)),
        new MultivariateGaussianDistribution([2.5, 2.5, 2.5, 2.5, 2.5], identity(2)),
        new MultivariateGaussianDistribution([2, -2, 0.5, 1.5, -0.5], identity(1.5))
      ], { weights: [0.4, 0.3, 0.3] })
    },
    { name: 'Kmeans k = 8, 10^6 × 5', batch: x5, iterations: 8, make: () => new Kmeans(8).setCentroids(Array.from({ length: 8 }, (_, j) => Array.from(x5.data.subarray(j * 5, j * 5 + 5)))) }
  ]
  const results: BothCoresResult[] = []
  const line = (r: BothCoresResult): void => {
    console.log(`  ${r.name}: 1 thread ${r.oneMs.toFixed(1)} ms, workers: 2 ${r.twoMs.toFixed(1)} ms: ${(r.oneMs / r.twoMs).toFixed(2)}x (goal >= 1.8);` +
      ` CPU per pass ${r.oneCpu.toFixed(1)} ms vs ${r.twoCpu.map(v => v.toFixed(1)).join(' + ')} ms (${(r.oneCpu / Math.max(...r.twoCpu)).toFixed(2)}x on an idle machine)`)
    results.push(r)
  }
  console.log('(1) workers: 2 vs one thread, ms per pass (median epoch; wall clock, then CPU time per thread)')
  for (const c of cases) {
    const file = c.batch === x1 ? files.x1 : files.x5
    for (const [where, source] of [['in memory', [c.batch]], ['streamed from .npy', () => readNpy(file)]] as const) {
      const a = await emPass(c, one, source)
      const b = await emPass(c, two, source)
      line({ name: `${c.name}, ${where}`, oneMs: a.ms, twoMs: b.ms, oneCpu: a.cpu[0]!, twoCpu: b.cpu })
    }
  }
  const labelled = labelled10()
  const fit = async (executor: Executor, rows: Batch): Promise<{ ms: number; cpu: number[] }> => {
    let ms = Infinity
    let cpu: number[] = []
    for (let i = 0; i < 6; i++) {
      const before = threadCpu()
      const started = performance.now()
      await new NaiveBayes(NormalDistribution, 3).fitStream([rows], { executor })
      const took = performance.now() - started
      if (i > 0 && took < ms) {
        ms = took
        cpu = busiest(before, threadCpu(), 1)
      }
    }
    return { ms, cpu }
  }
  const a = await fit(one, labelled)
  const b = await fit(two, labelled)
  line({ name: 'NaiveBayes fit, 10^6 × 10, 3 classes, in memory', oneMs: a.ms, twoMs: b.ms, oneCpu: a.cpu[0]!, twoCpu: b.cpu })
  const shared = shareBatch(labelled)
  const c = await fit(two, shared)
  line({ name: 'NaiveBayes fit, the rows in shared memory (shareBatch)', oneMs: a.ms, twoMs: c.ms, oneCpu: a.cpu[0]!, twoCpu: c.cpu })
  return results
}

async function npyThroughput (two: Executor, rows: number): Promise<{ oneGBs: number; twoGBs: number }> {
  const file = await ensureFile(rows)
  const gb = rows * 8 / 1e9
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    let s = Infinity
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      await f()
      s = Math.min(s, (performance.now() - started) / 1000)
    }
    return s
  }
  await pipeline(readNpy(file), new NormalDistribution().sink()) // page cache and JIT
  const a = await time(async () => await pipeline(readNpy(file), new NormalDistribution().sink()))
  const b = await time(async () => await new NormalDistribution().fitStream(file, { executor: two }))
  console.log(`(2) readNpy → NormalDistribution, ${rows} rows (${(gb * 1000).toFixed(0)} MB) from the page cache:`)
  console.log(`  one thread (pipeline into a sink): ${(gb / a).toFixed(2)} GB/s; workers: 2 (fitStream(file)): ${(gb / b).toFixed(2)} GB/s (goal >= 8); ${(a / b).toFixed(2)}x`)
  const bare1 = await pageCacheGBs(file, 1)
  const bare2 = await pageCacheGBs(file, 2)
  console.log(`  the ceiling, a bare readSync loop into one 1 MiB buffer touching nothing (bench/page-cache.ts): ${bare1.toFixed(2)} GB/s on one thread, ${bare2.toFixed(2)} GB/s on 2 threads each reading half`)
  return { oneGBs: gb / a, twoGBs: gb / b }
}

/** Forks `aril-worker` from the sources on `prefix`; resolves once it listens. */
async function forkWorker (prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, '..', 'lib', 'cli', 'aril-worker.ts'), '--redis', REDIS, '--prefix', prefix, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let text = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('listening')) resolve()
    })
    child.once('exit', code => reject(new Error(`aril-worker exited with ${String(code)}: ${text}`)))
  })
  return child
}

async function stopWorkers (workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map(async w => await new Promise<void>(resolve => {
    w.once('exit', () => resolve())
    w.kill('SIGTERM')
  })))
}

async function machines (two: Executor, rows: number): Promise<void> {
  try {
    const client = await openClient(connectionOptions(REDIS), 2000)
    client.disconnect()
  } catch {
    console.log(`(3), (4) BullMQ: no Redis at ${REDIS}, skipped`)
    return
  }
  const file = await ensureFile(rows)
  const list = await npyShards(file, { shards: 16 })
  const prefix = `aril-bench-${process.pid}`
  const epochRate = async (executor: Executor): Promise<number> => {
    const h = await gmm1().trainStream(list, { maxIterations: 1, stopThreshold: -Infinity, executor })
    return rows / (h.epochs[0]!.duration / 1000)
  }
  console.log(`(3) one EM epoch of the 1-D mixture over ${rows} rows in 16 shards, rows/s:`)
  const threads = await epochRate(two)
  console.log(`  thread executor, 2 threads: ${(threads / 1e6).toFixed(1)} M rows/s`)
  const workers: ChildProcess[] = []
  try {
    for (const n of [1, 2]) {
      while (workers.length < n) workers.push(await forkWorker(prefix))
      const bull = await epochRate(bullmqExecutor({ connection: REDIS, prefix }))
      console.log(`  BullMQ, ${n} aril-worker process${n === 1 ? '' : 'es'}: ${(bull / 1e6).toFixed(1)} M rows/s (${(bull / threads).toFixed(2)}x the thread executor${n === 2 ? '; goal >= 0.9' : ''})`)
    }
    const tiny = shards((await npyShards(join(DATA, 'executors-x1.npy'), { rowsPerShard: 1024 })).specs.slice(0, 16))
    const h = await gmm1().trainStream(tiny, { maxIterations: 20, stopThreshold: -Infinity, executor: bullmqExecutor({ connection: REDIS, prefix }) })
    const local = await gmm1().trainStream(tiny, { maxIterations: 20, stopThreshold: -Infinity })
    const ms = median(h.epochs.map(e => e.duration))
    const here = median(local.epochs.map(e => e.duration))
    console.log(`(4) BullMQ, 16 shards of 1024 rows, 2 worker processes: ${ms.toFixed(1)} ms per epoch (goal < 50); the same epoch on one thread ${here.toFixed(1)} ms, so ${(ms - here).toFixed(1)} ms of overhead`)
  } finally {
    await stopWorkers(workers)
  }
}

/** Runs every part and prints its lines. */
export async function run (options: { rows?: number } = {}): Promise<void> {
  const rows = options.rows ?? 1e8
  const two = threadExecutor({ threads: 2 })
  try {
    await two.ready()
    await bothCores(two)
    await npyThroughput(two, rows)
    await machines(two, rows)
  } finally {
    await two.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  const rowsAt = args.indexOf('--rows')
  await run({ rows: rowsAt >= 0 ? Number(args[rowsAt + 1]) : undefined })
}

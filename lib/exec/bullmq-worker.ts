/**
 * A worker of the BullMQ executor (bullmq.ts): it takes shard jobs from Redis, summarizes each
 * shard on a summarizing thread (thread-pool.ts) so that this thread stays free to renew the job's
 * lock however long the shard takes, and returns the shard's summary (stored under a key of the
 * run when it is large; written only while the job's lock is still this attempt's). A worker
 * serves every run on its prefix, one job per thread at a time, until it is closed; closing waits
 * for the jobs in progress (the `aril-worker` command closes on SIGTERM).
 */
import type { EventEmitter } from 'node:events'
import type { Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { encodeNumber } from '../core/accumulate.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys, numberOption } from '../core/options.js'
import { stringifyJSON } from '../core/serialize.js'
import type { MapJobData, MapJobResult } from './bullmq.js'
import { bullConnection, checkRunId, connectionOptions, DEFAULT_PREFIX, load, MAP_QUEUE, openClient, runKeys, shardJobId, store, withTimeout } from './redis.js'
import type { RedisConnection } from './redis-types.js'
import { ThreadPool } from './thread-pool.js'

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Redis: a URL or ioredis options (default `ARIL_REDIS_URL`, else `redis://127.0.0.1:6379`). */
  connection?: RedisConnection | undefined
  /** BullMQ's key prefix, the same as the driver's (default `aril`). */
  prefix?: string | undefined
  /** Shards summarized at once, each on its own thread (default 1). */
  concurrency?: number | undefined
  /** Modules the threads import first (paths or URLs): they register openers (`registerOpener`) and model kinds. */
  modules?: readonly string[] | undefined
  /** How long a job's lock lasts without renewal (default 30000 ms; renewed every half of it). */
  lockDuration?: number | undefined
  /** How often this worker looks for jobs whose worker died (default 30000 ms). */
  stalledInterval?: number | undefined
  /** Times a job may lose its lock (its worker died or stalled) and be redone before it fails (default 1). */
  maxStalledCount?: number | undefined
  /** Fail with `ERR_EXECUTOR` when Redis does not answer within this at start (default 10000 ms). */
  connectTimeout?: number | undefined
  /** Receives a line for every job done or failed, and for errors (default: nothing). */
  log?: ((line: string) => void) | undefined
}

/** The keys of {@link WorkerOptions}. */
export const WORKER_OPTION_KEYS = ['connection', 'prefix', 'concurrency', 'modules', 'lockDuration', 'stalledInterval', 'maxStalledCount', 'connectTimeout', 'log'] as const

/** A running worker. */
export interface ArilWorker {
  /**
   * The BullMQ worker, for its events (`active`, `completed`, `failed`, `error`; typed as an
   * EventEmitter so that aril's declarations need none of BullMQ's).
   */
  readonly worker: EventEmitter
  /** Threads summarizing shards. */
  readonly threads: number
  /** Stops taking jobs, waits for the jobs in progress, then ends the threads and connections (idempotent). */
  close: () => Promise<void>
}

/**
 * Starts a worker that summarizes the shard jobs of every BullMQ fit on `prefix`.
 *
 * @throws ArilError `ERR_INVALID_OPTION` naming a bad option, `ERR_EXECUTOR` when Redis does not
 *   answer, and a thread's error when a module cannot be loaded
 * @example
 * ```ts
 * const worker = await startWorker({ connection: 'redis://10.0.0.5:6379', concurrency: 2, modules: ['./openers.js'] })
 * process.once('SIGTERM', () => { void worker.close() })
 * ```
 */
export async function startWorker (options: WorkerOptions = {}): Promise<ArilWorker> {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  checkKeys(options, WORKER_OPTION_KEYS, 'startWorker')
  const connection = connectionOptions(options.connection)
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.{}-]{1,100}$/.test(prefix)) invalidOption('prefix', 'a key prefix of letters, digits, _ . - { }', prefix)
  const concurrency = numberOption(options, 'concurrency', 1, 1)
  if (!Number.isInteger(concurrency)) invalidOption('concurrency', 'a whole number >= 1', concurrency)
  const modules = options.modules ?? []
  if (!Array.isArray(modules) || !modules.every(m => typeof m === 'string' && m !== '')) invalidOption('modules', 'an array of module paths or URLs', modules)
  const lockDuration = numberOption(options, 'lockDuration', 30000, 100)
  const stalledInterval = numberOption(options, 'stalledInterval', 30000, 100)
  const maxStalledCount = numberOption(options, 'maxStalledCount', 1, 0)
  if (!Number.isInteger(maxStalledCount)) invalidOption('maxStalledCount', 'a whole number >= 0', maxStalledCount)
  const connectTimeout = numberOption(options, 'connectTimeout', 10000, 1)
  const log = options.log ?? (() => {})
  if (typeof log !== 'function') invalidOption('log', 'a function', log)

  const client = await openClient(connection, connectTimeout)
  let pool: ThreadPool | undefined
  let worker: Worker | undefined
  try {
    pool = await ThreadPool.open(concurrency, modules)
    pool.ref()
    const { Worker: BullWorker } = await import('bullmq')
    const threads = pool
    worker = new BullWorker(MAP_QUEUE, async (job: Job, token?: string) => await summarizeJob(job, token, threads, client, prefix),
      { connection: bullConnection(connection), prefix, concurrency, lockDuration, stalledInterval, maxStalledCount })
    worker.on('completed', (job: Job) => log(`done ${String(job.id)}`))
    worker.on('failed', (job: Job | undefined, err: Error) => log(`failed ${String(job?.id)} (attempt ${job?.attemptsMade ?? '?'}): ${err.message}`))
    worker.on('error', (err: Error) => log(`error: ${err.message}`))
    await withTimeout(worker.waitUntilReady(), connectTimeout, () => new ArilError('ERR_EXECUTOR', `The worker could not reach Redis within ${connectTimeout} ms`))
  } catch (err) {
    await worker?.close(true).catch(() => {})
    await pool?.close()
    client.disconnect()
    throw err
  }
  const running = worker
  const threads = pool
  let closing: Promise<void> | undefined
  return {
    worker: running,
    threads: concurrency,
    close: async () => {
      closing ??= (async () => {
        await running.close()
        await threads.close()
        client.disconnect()
      })()
      await closing
    }
  }
}

/** Checks a map job's data before any work. */
function checkJob (job: Job): MapJobData {
  const d = job.data as Partial<MapJobData>
  if (typeof d !== 'object' || d === null || typeof d.run !== 'string' || !Number.isInteger(d.epoch) || !Number.isInteger(d.shard) ||
      typeof d.spec !== 'object' || d.spec === null || typeof d.model !== 'object' || !Number.isFinite(d.inlineBytes)) {
    throw new ArilError('ERR_EXECUTOR', `Job ${String(job.id)} is not an aril shard job: ${show(d)}`)
  }
  checkRunId(d.run)
  if (job.id !== shardJobId(d.run, d.epoch!, d.shard!)) throw new ArilError('ERR_EXECUTOR', `Job ${String(job.id)} does not carry its own shard (${d.run}, epoch ${String(d.epoch)}, shard ${String(d.shard)})`)
  return d as MapJobData
}

/**
 * A map job: the shard summarized on a thread, the summary returned (or stored). An error is
 * tagged with its code (`[ERR_X] message`) so that the driver reports it as it was.
 */
async function summarizeJob (job: Job, token: string | undefined, pool: ThreadPool, client: Redis, prefix: string): Promise<MapJobResult> {
  try {
    const data = checkJob(job)
    const model = { json: await load(client, data.model), mode: data.mode }
    const result = await pool.shard(model, data.spec)
    const lock = token === undefined ? undefined : { key: `${prefix}:${MAP_QUEUE}:${String(job.id)}:lock`, token }
    const summary = await store(client, `${runKeys(prefix, data.run)}e${data.epoch}:s${data.shard}`, stringifyJSON(result.summary), data.inlineBytes, lock)
    return {
      run: data.run,
      epoch: data.epoch,
      shard: data.shard,
      rows: result.rows,
      batches: result.batches,
      logProbability: result.logProbability === undefined ? null : encodeNumber(result.logProbability),
      summary
    }
  } catch (err) {
    const e = err instanceof ArilError ? err : new ArilError('ERR_SOURCE', String((err as Error)?.message ?? err), {}, { cause: err })
    e.message = `[${e.code}] ${e.message}`
    throw e
  }
}

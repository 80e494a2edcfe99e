/**
 * The BullMQ executor: every pass of a fit is one BullMQ flow over Redis, its shards summarized by
 * worker processes on any number of machines (bullmq-worker.ts, the `aril-worker` command). This
 * process, the driver, never reads the data.
 *
 * An epoch is a parent "reduce" job `{run}-e{epoch}` with one child "map" job `{run}-e{epoch}-s{shard}`
 * per shard. Job ids are unique, so adding a flow again is a no-op, and only the attempt that holds
 * a job's lock can complete it: a crashed worker's shard (its lock expires) or a stalled one is
 * redone by another worker and counted once, and a late result is refused. When every child has
 * answered, BullMQ hands the parent to the driver's own worker on the run's reduce queue, which
 * checks that exactly shards 0..N-1 of this run and epoch answered and merges their summaries in
 * shard order (exact sums: the bits of one machine); the trainer's Loop then runs the M-step and
 * decides convergence here, so callbacks, History, checkpoints and AbortSignal work as on one
 * machine.
 *
 * Resume: the parent job of a finished epoch keeps the merged summary until the run ends. A driver
 * restarted with the same `run` id replays the finished epochs from Redis (the M-steps are redone
 * from the stored summaries, which is cheap and gives the same bits; no shard is read again), after
 * checking that each epoch was summarized with the parameters it has now, then continues. When the
 * fit ends (done, failed or aborted) the run's keys are removed.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { FlowProducer, Job, Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { decodeNumber, type EncodedNumber } from '../core/accumulate.js'
import { ArilError, invalidOption, show, type ArilErrorCode } from '../core/errors.js'
import { checkKeys, numberOption } from '../core/options.js'
import { parseJSON, stringifyJSON } from '../core/serialize.js'
import type { Executor, FitRequest, Session } from './executor.js'
import {
  bullConnection, checkRunId, connectionOptions, DEFAULT_PREFIX, describeConnection, epochJobId, load, MAP_QUEUE, openClient,
  reduceQueue, runKeys, shardJobId, store, unlinkMatching, withTimeout
} from './redis.js'
import type { RedisConnection, Stored } from './redis-types.js'
import { isShardList, shards as shardList, type ShardList, type ShardSpec } from './shards.js'
import { modelCopy, modelText } from './summarize.js'

/** Options of {@link bullmqExecutor}. */
export interface BullmqExecutorOptions {
  /** Redis: a URL or ioredis options (default `ARIL_REDIS_URL`, else `redis://127.0.0.1:6379`). */
  connection?: RedisConnection | undefined
  /** BullMQ's key prefix, the same as the workers' (default `aril`). */
  prefix?: string | undefined
  /**
   * The run's id (default: a fresh UUID per fit). A driver restarted with the id of a run that did
   * not end resumes it from Redis.
   */
  run?: string | undefined
  /** Attempts per shard before the run fails (default 3). */
  attempts?: number | undefined
  /** Wait before a retry: milliseconds, or BullMQ's `{ type: 'fixed' | 'exponential', delay }` (default exponential from 1000 ms). */
  backoff?: number | { type: 'fixed' | 'exponential'; delay: number } | undefined
  /** Fail with `ERR_NO_WORKERS` when no worker listens for this long while shards wait (default 60000 ms). */
  noWorkerTimeout?: number | undefined
  /** Fail with `ERR_EXECUTOR` when Redis does not answer within this (default 10000 ms). */
  connectTimeout?: number | undefined
  /** Values (models, summaries) larger than this many bytes go under keys of the run instead of into jobs (default 256 KiB). */
  inlineBytes?: number | undefined
}

/** The keys of {@link BullmqExecutorOptions}. */
export const BULLMQ_EXECUTOR_OPTION_KEYS = ['connection', 'prefix', 'run', 'attempts', 'backoff', 'noWorkerTimeout', 'connectTimeout', 'inlineBytes'] as const

interface Settings {
  connection: ReturnType<typeof connectionOptions>
  prefix: string
  run: string | undefined
  attempts: number
  backoff: { type: 'fixed' | 'exponential'; delay: number }
  noWorkerTimeout: number
  connectTimeout: number
  inlineBytes: number
}

/** What a map job carries. */
export interface MapJobData {
  run: string
  epoch: number
  shard: number
  shards: number
  spec: ShardSpec
  model: Stored
  mode: unknown
  inlineBytes: number
}

/** What a map job returns. */
export interface MapJobResult {
  run: string
  epoch: number
  shard: number
  rows: number
  batches: number
  logProbability: EncodedNumber | null
  summary: Stored
}

/** What an epoch's parent job carries. */
interface ReduceJobData {
  run: string
  epoch: number
  shards: number
  fingerprint: string
  model: Stored
  mode: unknown
}

/** What an epoch's parent job returns (kept until the run ends, for a restarted driver). */
interface ReduceJobResult {
  run: string
  epoch: number
  rows: number[]
  logProbability: Array<EncodedNumber | null>
  summary: Stored
}

/** How often the driver looks at an epoch that is not done (failures, workers); completion itself is an event. */
const POLL_MS = 250

function settings (options: BullmqExecutorOptions): Settings {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.{}-]{1,100}$/.test(prefix)) invalidOption('prefix', 'a key prefix of letters, digits, _ . - { }', prefix)
  const attempts = numberOption(options, 'attempts', 3, 1)
  if (!Number.isInteger(attempts)) invalidOption('attempts', 'a whole number >= 1', attempts)
  const backoff = options.backoff ?? { type: 'exponential', delay: 1000 }
  if (typeof backoff === 'number' ? !(backoff >= 0) : typeof backoff !== 'object' || backoff === null || !['fixed', 'exponential'].includes(backoff.type) || !(backoff.delay >= 0)) {
    invalidOption('backoff', "milliseconds, or { type: 'fixed' | 'exponential', delay }", backoff)
  }
  return {
    connection: connectionOptions(options.connection),
    prefix,
    run: options.run === undefined ? undefined : checkRunId(options.run),
    attempts,
    backoff: typeof backoff === 'number' ? { type: 'fixed', delay: backoff } : { type: backoff.type, delay: backoff.delay },
    noWorkerTimeout: numberOption(options, 'noWorkerTimeout', 60000, 1),
    connectTimeout: numberOption(options, 'connectTimeout', 10000, 1),
    inlineBytes: numberOption(options, 'inlineBytes', 256 * 1024, 0)
  }
}

/**
 * An executor that runs every pass as a BullMQ flow: the shards are summarized by `aril-worker`
 * processes (or {@link startWorker}) on any machine that reaches the same Redis and can open the
 * shards (shared storage, or a registered opener), with the bits of one machine. The source of a
 * fit must be shards (`shards()`, `npyShards()`) or one file path. See the README, "Training on
 * many machines".
 *
 * @throws ArilError `ERR_INVALID_OPTION` naming a bad option; a fit on it throws `ERR_SOURCE` (not
 *   shards), `ERR_EXECUTOR` (Redis unreachable), `ERR_NO_WORKERS`, `ERR_SHARD_FAILED` (a shard
 *   failed every attempt, named with the worker's error), `ERR_CHECKPOINT` (a run id whose epochs
 *   were summarized with other parameters), `ERR_ABORTED`
 * @example
 * ```ts
 * const executor = bullmqExecutor({ connection: process.env.ARIL_REDIS_URL, run: 'gmm-2024-06' })
 * await mixture.fitStream(await npyShards('/shared/big.npy', { shards: 64 }), { executor, maxIterations: 50 })
 * ```
 */
export function bullmqExecutor (options: BullmqExecutorOptions = {}): Executor {
  checkKeys(options, BULLMQ_EXECUTOR_OPTION_KEYS, 'bullmqExecutor')
  const config = settings(options)
  let turn: Promise<void> = Promise.resolve()
  let closed = false
  return {
    kind: 'bullmq',
    start: async (fit: FitRequest): Promise<Session> => {
      if (closed) throw new ArilError('ERR_EXECUTOR', 'The BullMQ executor is closed')
      let release!: () => void
      const previous = turn
      turn = new Promise(resolve => { release = resolve })
      await previous
      try {
        return await BullmqSession.open(config, fit, release)
      } catch (err) {
        release()
        throw err
      }
    },
    close: async () => { closed = true }
  }
}

/** A fit's source as shards: a shard list, or one file (its extension names the reader). */
function sourceShards (source: FitRequest['source']): ShardList {
  if (isShardList(source)) return source
  if (typeof source === 'string') {
    const ext = /\.(npy|csv|ndjson|jsonl|json)$/i.exec(source)?.[1]?.toLowerCase()
    if (ext !== undefined) return shardList([ext === 'jsonl' ? { ndjson: source } : ext === 'csv' ? { csv: source, options: { columns: true } } : { [ext]: source } as ShardSpec])
  }
  throw new ArilError('ERR_SOURCE', `A BullMQ fit reads shards that every worker opens (shards(), npyShards(), or a file path); got ${show(source)}`)
}

/** The file a shard reads, if it names one. */
function shardFile (spec: ShardSpec): string | undefined {
  const s = spec as Partial<Record<'npy' | 'csv' | 'ndjson' | 'json', string>>
  return s.npy ?? s.csv ?? s.ndjson ?? s.json
}

/** A shard as a short text for messages. */
function describeShard (spec: ShardSpec): string {
  return JSON.stringify(spec).slice(0, 200)
}

class BullmqSession implements Session {
  readonly source: [] = []
  private readonly waiters = new Map<string, { resolve: (value: unknown) => void; reject: (err: unknown) => void }>()
  private lastEpoch = -1
  private ended = false

  private constructor (
    readonly shards: ShardList,
    private readonly config: Settings,
    private readonly fit: FitRequest,
    private readonly run: string,
    private readonly client: Redis,
    private readonly bull: typeof import('bullmq'),
    private readonly mapQueue: Queue,
    private readonly epochQueue: Queue,
    private readonly flow: FlowProducer,
    private readonly reducer: Worker,
    private readonly release: () => void
  ) {
    reducer.on('completed', (job: Job, result: unknown) => this.waiters.get(job.id!)?.resolve(result))
    reducer.on('failed', (job: Job | undefined, err: Error) => { if (job?.id !== undefined) this.waiters.get(job.id)?.reject(err) })
    reducer.on('error', () => {}) // connection trouble: the driver's polls report it
  }

  static async open (config: Settings, fit: FitRequest, release: () => void): Promise<BullmqSession> {
    const list = sourceShards(fit.source)
    const run = config.run ?? randomUUID()
    const client = await openClient(config.connection, config.connectTimeout)
    try {
      const bull = await import('bullmq')
      const base = { connection: bullConnection(config.connection), prefix: config.prefix }
      const mapQueue = new bull.Queue(MAP_QUEUE, base)
      const epochQueue = new bull.Queue(reduceQueue(run), base)
      const flow = new bull.FlowProducer(base)
      // connection trouble is reported by the driver's own calls and polls
      mapQueue.on('error', () => {})
      epochQueue.on('error', () => {})
      flow.on('error', () => {})
      let session: BullmqSession | undefined
      const reducer = new bull.Worker(reduceQueue(run), async (job: Job) => await session!.reduce(job), { ...base, concurrency: 1 })
      session = new BullmqSession(list, config, fit, run, client, bull, mapQueue, epochQueue, flow, reducer, release)
      await withTimeout(Promise.all([mapQueue.waitUntilReady(), epochQueue.waitUntilReady(), flow.waitUntilReady(), reducer.waitUntilReady()]), config.connectTimeout,
        () => new ArilError('ERR_EXECUTOR', `BullMQ could not connect to Redis at ${describeConnection(config.connection)} within ${config.connectTimeout} ms`))
      return session
    } catch (err) {
      client.disconnect()
      throw err
    }
  }

  async begin (): Promise<void> {}

  async add (): Promise<void> {
    throw new ArilError('ERR_SOURCE', 'A BullMQ fit reads shards; the driver never reads the data')
  }

  async flush (): Promise<void> {}

  async explain (err: unknown): Promise<unknown> {
    return err
  }

  /** The parent job's processor (on this process): checks and merges the epoch's answers. */
  private async reduce (job: Job): Promise<ReduceJobResult> {
    const data = job.data as ReduceJobData
    const values = await job.getChildrenValues() as Record<string, MapJobResult>
    const keys = Array.from({ length: data.shards }, (_, i) => `${this.config.prefix}:${MAP_QUEUE}:${shardJobId(data.run, data.epoch, i)}`)
    const got = Object.keys(values)
    if (got.length !== data.shards || !keys.every(k => k in values)) {
      throw new ArilError('ERR_EXECUTOR', `Run ${data.run}, epoch ${data.epoch}: expected the answers of shards 0..${data.shards - 1}, got ${got.length} answers (${got.slice(0, 5).join(', ')})`)
    }
    const copy = modelCopy({ json: await load(this.client, data.model), mode: data.mode })
    const rows: number[] = []
    const logProbability: Array<EncodedNumber | null> = []
    for (let i = 0; i < data.shards; i++) {
      const value = values[keys[i]!]!
      if (value.run !== data.run || value.epoch !== data.epoch || value.shard !== i) {
        throw new ArilError('ERR_EXECUTOR', `Run ${data.run}, epoch ${data.epoch}: the answer of shard ${i} is for ${show(value.run)}, epoch ${show(value.epoch)}, shard ${show(value.shard)}`)
      }
      copy.mergeSummary(parseJSON(await load(this.client, value.summary)) as never)
      rows.push(value.rows)
      logProbability.push(value.logProbability)
    }
    const summary = await store(this.client, `${runKeys(this.config.prefix, data.run)}e${data.epoch}:reduce`, stringifyJSON(copy.summary()), this.config.inlineBytes)
    return { run: data.run, epoch: data.epoch, rows, logProbability, summary }
  }

  async pass (epoch: number): Promise<void> {
    const { model } = this.fit
    const text = modelText(model)
    if (text === undefined) {
      throw new ArilError('ERR_NOT_FITTED', `${model.name}: the model builds its components from the first batch, which a BullMQ fit does not read here; give it fitted components`)
    }
    const specs = this.shards.specs
    const fingerprint = createHash('sha256').update(text.json).update('\n').update(JSON.stringify(text.mode ?? null)).update('\n').update(JSON.stringify(specs)).digest('hex')
    const id = epochJobId(this.run, epoch)
    this.lastEpoch = Math.max(this.lastEpoch, epoch)
    const existing = await this.bull.Job.fromId(this.epochQueue, id)
    if (existing !== undefined) {
      if ((existing.data as ReduceJobData).fingerprint !== fingerprint) {
        throw new ArilError('ERR_CHECKPOINT', `Run ${this.run} in Redis summarized epoch ${epoch} with other parameters or shards than this fit's; use another run id, or remove the run (removeRun)`)
      }
    } else {
      const keys = runKeys(this.config.prefix, this.run)
      const stored = await store(this.client, `${keys}e${epoch}:model`, text.json, this.config.inlineBytes)
      const { attempts, backoff, inlineBytes } = this.config
      await this.flow.add({
        name: 'reduce',
        queueName: reduceQueue(this.run),
        data: { run: this.run, epoch, shards: specs.length, fingerprint, model: stored, mode: text.mode } satisfies ReduceJobData,
        opts: { jobId: id },
        children: specs.map((spec, shard) => ({
          name: 'map',
          queueName: MAP_QUEUE,
          data: { run: this.run, epoch, shard, shards: specs.length, spec, model: stored, mode: text.mode, inlineBytes } satisfies MapJobData,
          opts: { jobId: shardJobId(this.run, epoch, shard), attempts, backoff, failParentOnFailure: true, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } }
        }))
      })
    }
    const result = await this.waitFor(id, epoch) as ReduceJobResult
    model.mergeSummary(parseJSON(await load(this.client, result.summary)) as never)
    result.rows.forEach((rows, i) => this.fit.done(rows, result.logProbability[i] === null ? undefined : decodeNumber(result.logProbability[i])))
  }

  /** Waits for the epoch's parent job: its completion (an event), its failure, or no worker (polls). */
  private async waitFor (id: string, epoch: number): Promise<unknown> {
    const { signal } = this.fit
    let settled = false
    const done = new Promise<unknown>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject })
    }).finally(() => { settled = true })
    done.catch(() => {})
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(new ArilError('ERR_ABORTED', `Training aborted in epoch ${epoch}`, {}, { cause: signal?.reason }))
      if (signal?.aborted === true) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
    aborted.catch(() => {})
    let lastSign = performance.now()
    let processed = -1
    try {
      for (;;) {
        const tick = new Promise<void>(resolve => setTimeout(resolve, POLL_MS).unref())
        await Promise.race([done.then(() => {}, () => {}), aborted, tick])
        if (settled) {
          try {
            return await done
          } catch (err) {
            // BullMQ fails the parent of a child that failed every attempt (its deferred failure)
            if (err instanceof ArilError) throw err
            const job = await this.bull.Job.fromId(this.epochQueue, id)
            throw job === undefined ? err : await this.failure(job, epoch)
          }
        }
        const poll = this.poll(id, epoch)
        const state = await withTimeout(poll, this.config.noWorkerTimeout + this.config.connectTimeout,
          () => new ArilError('ERR_EXECUTOR', `Redis at ${describeConnection(this.config.connection)} stopped answering`))
        if (state.result !== undefined) return state.result
        if (state.processed !== processed || state.workers > 0 || state.unprocessed === 0) {
          processed = state.processed
          lastSign = performance.now()
        } else if (performance.now() - lastSign > this.config.noWorkerTimeout) {
          throw new ArilError('ERR_NO_WORKERS', `No worker took a shard of run ${this.run}, epoch ${epoch} for ${this.config.noWorkerTimeout} ms (${state.unprocessed} shards waiting): ` +
            `start workers with \`aril-worker --redis ${describeConnection(this.config.connection)} --prefix ${this.config.prefix}\``)
        }
      }
    } finally {
      this.waiters.delete(id)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
  }

  /** One look at an epoch: done (its result), failed (throws), or how far along and how many workers listen. */
  private async poll (id: string, epoch: number): Promise<{ result?: unknown; processed: number; unprocessed: number; workers: number }> {
    const job = await this.bull.Job.fromId(this.epochQueue, id)
    if (job === undefined) throw new ArilError('ERR_EXECUTOR', `The job ${id} of run ${this.run} disappeared from Redis (was the run removed by another process?)`)
    const state = await job.getState()
    // read again: the job may have completed between reading it and reading its state
    if (state === 'completed') return { result: (await this.bull.Job.fromId(this.epochQueue, id))?.returnvalue, processed: 0, unprocessed: 0, workers: 0 }
    if (state === 'failed') throw await this.failure(job, epoch)
    const counts = await job.getDependenciesCount({ processed: true, unprocessed: true })
    // CLIENT LIST may be refused by a managed Redis: then only progress shows that workers listen.
    const workers = await this.mapQueue.getWorkersCount().catch(() => 0)
    return { processed: counts.processed ?? 0, unprocessed: counts.unprocessed ?? 0, workers }
  }

  /** The error of a failed epoch: the first shard (in shard order) that failed every attempt, or the reducer's error. */
  private async failure (job: Job, epoch: number): Promise<ArilError> {
    const specs = this.shards.specs
    for (let shard = 0; shard < specs.length; shard++) {
      const child = await this.bull.Job.fromId(this.mapQueue, shardJobId(this.run, epoch, shard))
      if (child === undefined || !(await child.isFailed())) continue
      const reason = child.failedReason ?? 'unknown error'
      const tagged = /^\[(ERR_[A-Z_]+)\] ([\s\S]*)$/.exec(reason)
      const cause = new ArilError((tagged?.[1] ?? 'ERR_SOURCE') as ArilErrorCode, tagged?.[2] ?? reason)
      const file = shardFile(specs[shard]!)
      return new ArilError('ERR_SHARD_FAILED', `Shard ${shard} of run ${this.run} (epoch ${epoch}, ${describeShard(specs[shard]!)}) failed ${child.attemptsMade} time${child.attemptsMade === 1 ? '' : 's'}; the worker's last error: ${reason}`, file === undefined ? {} : { file }, { cause })
    }
    return new ArilError('ERR_EXECUTOR', `Epoch ${epoch} of run ${this.run} failed: ${job.failedReason}`)
  }

  async end (): Promise<void> {
    if (this.ended) return
    this.ended = true
    try {
      await this.reducer.close(true)
      // Finished epochs left nothing in the shared queue (their jobs are removed on completion);
      // the last one may have left failed or waiting jobs. They go first: removing a child
      // updates its parent, which would bring keys of the run's queue back.
      for (let epoch = Math.max(0, this.lastEpoch); epoch <= this.lastEpoch + 1; epoch++) {
        await Promise.all(this.shards.specs.map(async (_, shard) => await this.mapQueue.remove(shardJobId(this.run, epoch, shard)).catch(() => 0)))
      }
      await this.epochQueue.obliterate({ force: true }).catch(() => {})
      await unlinkMatching(this.client, `${runKeys(this.config.prefix, this.run)}*`).catch(() => 0)
    } finally {
      await Promise.allSettled([this.flow.close(), this.mapQueue.close(), this.epochQueue.close()])
      this.client.disconnect()
      this.release()
    }
  }
}

/**
 * Removes every key of a run from Redis (its epochs, their waiting or failed shard jobs, stored
 * values): for a run whose driver died and will not be restarted. Jobs a worker is running finish
 * and remove themselves.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, `ERR_EXECUTOR` when Redis does not answer
 * @example
 * ```ts
 * await removeRun({ connection: 'redis://10.0.0.5:6379', run: 'gmm-2024-06' })
 * ```
 */
export async function removeRun (options: { connection?: RedisConnection; prefix?: string; run: string; connectTimeout?: number }): Promise<void> {
  const config = settings({ ...options, run: options.run })
  const run = config.run ?? checkRunId(options.run)
  const client = await openClient(config.connection, config.connectTimeout)
  try {
    const bull = await import('bullmq')
    const base = { connection: bullConnection(config.connection), prefix: config.prefix }
    const epochs = new bull.Queue(reduceQueue(run), base)
    const map = new bull.Queue(MAP_QUEUE, base)
    try {
      const ids = (await map.getJobs(['wait', 'delayed', 'failed', 'waiting-children', 'prioritized'])).map(j => j?.id).filter((j): j is string => j?.startsWith(`${run}-e`) === true)
      await Promise.all(ids.map(async jobId => await map.remove(jobId).catch(() => 0)))
      await epochs.obliterate({ force: true })
    } finally {
      await Promise.allSettled([epochs.close(), map.close()])
    }
    await unlinkMatching(client, `${runKeys(config.prefix, run)}*`)
  } finally {
    client.disconnect()
  }
}

/**
 * What the BullMQ driver (bullmq.ts) and its workers (bullmq-worker.ts) share about Redis: the
 * connection option, the names of queues, jobs and keys, values too large for a job stored under
 * deterministic keys ("blobs"), and the removal of a run's keys. BullMQ and ioredis are loaded
 * on first use: importing them costs most of a second, which no fit on one machine should pay.
 *
 * Names, under the BullMQ prefix P (default `aril`):
 *  - queue `aril-map`: one job per shard and epoch, id `{run}-e{epoch}-s{shard}` (shared by runs);
 *  - queue `aril-reduce-{run}`: the parent job of each epoch, id `{run}-e{epoch}` (one queue per run);
 *  - keys `P:aril-run:{run}:...`: the run's blobs (models, summaries too large for a job).
 */
import type { ConnectionOptions } from 'bullmq'
import type { Redis, RedisOptions } from 'ioredis'
import { ArilError, invalidOption, show } from '../core/errors.js'
import type { RedisConnection, Stored } from './redis-types.js'

/** A normalized connection option: ioredis options, with the URL apart. */
export type RedisSettings = RedisOptions & { url?: string }

/** The connection as BullMQ's classes take it (its options type is its own, wider than ioredis's). */
export function bullConnection (settings: RedisSettings): ConnectionOptions {
  return { ...settings } as ConnectionOptions
}

/** The BullMQ prefix by default. */
export const DEFAULT_PREFIX = 'aril'
/** The queue of the shard jobs. */
export const MAP_QUEUE = 'aril-map'

/** The queue of a run's epoch (parent) jobs. */
export function reduceQueue (run: string): string {
  return `aril-reduce-${run}`
}

/** The id of an epoch's parent job. */
export function epochJobId (run: string, epoch: number): string {
  return `${run}-e${epoch}`
}

/** The id of a shard's job in an epoch. */
export function shardJobId (run: string, epoch: number, shard: number): string {
  return `${run}-e${epoch}-s${shard}`
}

/** The prefix of every blob key of a run. */
export function runKeys (prefix: string, run: string): string {
  return `${prefix}:aril-run:${run}:`
}

/**
 * Normalizes the `connection` option: a URL, or ioredis options; by default `ARIL_REDIS_URL`,
 * else `redis://127.0.0.1:6379`.
 * @throws ArilError `ERR_INVALID_OPTION` for anything else
 * @example
 * ```ts
 * connectionOptions('redis://10.0.0.5:6379') // => { url: 'redis://10.0.0.5:6379' }
 * ```
 */
export function connectionOptions (value: unknown, name = 'connection'): RedisSettings {
  const given = value ?? process.env.ARIL_REDIS_URL ?? 'redis://127.0.0.1:6379'
  if (typeof given === 'string') {
    if (!/^rediss?:\/\//.test(given)) invalidOption(name, 'a redis:// or rediss:// URL, or ioredis options', given)
    return { url: given }
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given) || typeof (given as { connect?: unknown }).connect === 'function') {
    invalidOption(name, 'a redis:// URL or ioredis options (host, port, password ...)', given)
  }
  return { ...(given as RedisSettings) }
}

/** Where a connection points, for messages (never the password). */
export function describeConnection (options: RedisSettings): string {
  if (options.url !== undefined) return options.url.replace(/\/\/[^@/]*@/, '//')
  return `redis://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`
}

/**
 * Checks a run id: it names jobs, a queue and keys, so letters, digits, `_`, `.` and `-`, not
 * only digits (BullMQ refuses numeric job ids).
 * @throws ArilError `ERR_INVALID_OPTION`
 */
export function checkRunId (run: unknown): string {
  if (typeof run !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(run) || /^\d+$/.test(run)) {
    invalidOption('run', 'an id of 1 to 100 letters, digits, _ . - (not only digits)', run)
  }
  return run
}

/**
 * Opens an ioredis client (for blobs and cleanup) and waits until it answers, at most `timeoutMs`.
 * @throws ArilError `ERR_EXECUTOR` when Redis does not answer in time
 */
export async function openClient (options: RedisSettings, timeoutMs: number): Promise<Redis> {
  const { Redis: Client } = await import('ioredis')
  const { url, ...rest } = options
  const client = url === undefined ? new Client({ ...rest, lazyConnect: true }) : new Client(url, { ...rest, lazyConnect: true })
  client.on('error', () => {}) // reported through the commands that fail
  try {
    await withTimeout(client.connect(), timeoutMs, () => new ArilError('ERR_EXECUTOR', `Redis at ${describeConnection(options)} did not answer within ${timeoutMs} ms; start it (redis-server) or set ARIL_REDIS_URL`))
  } catch (err) {
    client.disconnect()
    if (err instanceof ArilError) throw err
    throw new ArilError('ERR_EXECUTOR', `Cannot connect to Redis at ${describeConnection(options)}: ${(err as Error).message}`, {}, { cause: err })
  }
  return client
}

/** Rejects with `error()` when `work` takes longer than `ms`. */
export async function withTimeout<T> (work: Promise<T>, ms: number, error: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(error()), ms) })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Sets KEYS[2] only while KEYS[1] (a job's lock) still holds ARGV[1] (the token of the attempt). */
const SET_IF_LOCKED = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`

/** How long a blob lives at most, should its run never end (a driver that died and is not restarted). */
export const BLOB_TTL_MS = 7 * 24 * 3600 * 1000

/**
 * Stores a text inline when it is at most `inlineBytes` long, else under `key` (with a time to
 * live). With `lock`, the key is written only while the job's lock still belongs to this attempt,
 * so a worker that lost its job (a zombie) cannot write after the run's keys were removed.
 * @throws ArilError `ERR_EXECUTOR` when the lock was lost
 */
export async function store (client: Redis, key: string, text: string, inlineBytes: number, lock?: { key: string; token: string }): Promise<Stored> {
  if (Buffer.byteLength(text) <= inlineBytes) return { inline: text }
  if (lock === undefined) {
    await client.set(key, text, 'PX', BLOB_TTL_MS)
  } else if (await client.eval(SET_IF_LOCKED, 2, lock.key, key, lock.token, text, BLOB_TTL_MS) !== 1) {
    throw new ArilError('ERR_EXECUTOR', `The job's lock was lost before its result was stored under ${key}; another worker redoes the shard`)
  }
  return { key }
}

/**
 * Reads a value written by {@link store}.
 * @throws ArilError `ERR_EXECUTOR` when the key is gone (the run was removed) or the value is not one
 */
export async function load (client: Redis, stored: unknown): Promise<string> {
  const s = stored as Partial<{ inline: unknown; key: unknown }>
  if (typeof stored === 'object' && stored !== null && typeof s.inline === 'string') return s.inline
  if (typeof stored === 'object' && stored !== null && typeof s.key === 'string') {
    const text = await client.get(s.key)
    if (text === null) throw new ArilError('ERR_EXECUTOR', `The value stored under ${s.key} is gone (was the run removed?)`)
    return text
  }
  throw new ArilError('ERR_EXECUTOR', `Expected a stored value ({ inline } or { key }), got ${show(stored)}`)
}

/** Removes every key under a pattern (SCAN, then UNLINK in groups). */
export async function unlinkMatching (client: Redis, pattern: string): Promise<number> {
  let cursor = '0'
  let removed = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) removed += await client.unlink(...keys)
  } while (cursor !== '0')
  return removed
}

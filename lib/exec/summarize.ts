/**
 * Summarizing one shard into a model, wherever it runs: on this thread (in-process.ts), on a
 * worker thread (thread-entry.ts) or on a BullMQ worker (through its threads). The shard's reader
 * is piped into a Writable that summarizes each batch and hands it back to the reader, so
 * `readNpy` reuses its buffers as it does for a model's sink (core/sink.ts); unlike that sink,
 * this one counts rows and batches and keeps the exact sum of what `summarizeBatch` returned.
 * A worker thread reads a `.npy` shard synchronously instead (io/npy-sync.ts), batch by batch
 * into the same memory, with the same counts.
 */
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ExactSum } from '../core/accumulate.js'
import { RELEASES_BATCHES, releaseBatch, type BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { unitCount } from '../core/sequence.js'
import type { Model } from '../core/model.js'
import { fromJSON, stringifyJSON } from '../core/serialize.js'
import type { TrainableModel } from '../train/em.js'
import { eachNpyBatchSync } from '../io/npy-sync.js'
import { openShard, type ShardSpec } from './shards.js'

/** What summarizing a shard (or a piece) reports besides the statistics. */
export interface PieceResult {
  rows: number
  batches: number
  /** The exact sum of what `summarizeBatch` returned, or undefined when it returned nothing. */
  logProbability: number | undefined
}

/** What summarizing a shard counts: rows, batches, and the exact sum of what `summarizeBatch` returned. */
class ShardCounts {
  rows = 0
  batches = 0
  private readonly logs = new ExactSum()
  private returned = false

  constructor (private readonly model: Model) {}

  /** Summarizes one batch of the shard. */
  add (chunk: unknown): void {
    const batch = this.model.toBatch(chunk as BatchInput)
    const units = unitCount(batch)
    if (units === 0) return
    const logp = this.model.summarizeBatch(batch)
    if (logp !== undefined) {
      this.logs.add(logp)
      this.returned = true
    }
    this.rows += units
    this.batches++
  }

  result (): PieceResult {
    return { rows: this.rows, batches: this.batches, logProbability: this.returned ? this.logs.value() : undefined }
  }
}

class ShardSink extends Writable {
  readonly [RELEASES_BATCHES] = true
  readonly counts: ShardCounts

  constructor (model: Model) {
    super({ objectMode: true, highWaterMark: 4 })
    this.counts = new ShardCounts(model)
  }

  override _write (chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.counts.add(chunk)
      releaseBatch(chunk)
      callback()
    } catch (err) {
      callback(err as Error)
    }
  }
}

/**
 * Summarizes every batch of a shard into `model` (whose statistics should be empty, so that the
 * shard's blocks start at its first row).
 * @throws ArilError the reader's and the model's errors; `ERR_ABORTED` when `signal` aborts
 * @example
 * ```ts
 * const { rows } = await summarizeShard(copy, { npy: 'x.npy', start: 0, end: 65536 })
 * model.mergeSummary(copy.summary())
 * ```
 */
export async function summarizeShard (model: Model, spec: ShardSpec, signal?: AbortSignal): Promise<PieceResult> {
  const sink = new ShardSink(model)
  try {
    const readable = await openShard(spec, signal)
    await (signal === undefined ? pipeline(readable, sink) : pipeline(readable, sink, { signal }))
  } catch (err) {
    if (signal?.aborted === true && !(err instanceof ArilError && err.code === 'ERR_ABORTED')) {
      throw new ArilError('ERR_ABORTED', 'Summarizing a shard was aborted', {}, { cause: signal.reason })
    }
    throw err
  }
  return sink.counts.result()
}

/**
 * {@link summarizeShard} on a summarizing thread: a `.npy` shard is read synchronously
 * (io/npy-sync.ts; the thread has nothing else to do meanwhile, and reading each batch just
 * before summing it halves the CPU time per GB), any other shard as a stream. The same
 * statistics, rows and batches.
 * @throws ArilError the reader's and the model's errors
 * @example
 * ```ts
 * const { rows } = await summarizeShardHere(copy, { npy: 'x.npy', start: 0, end: 65536 })
 * ```
 */
export async function summarizeShardHere (model: Model, spec: ShardSpec): Promise<PieceResult> {
  if (!('npy' in spec)) return await summarizeShard(model, spec)
  const counts = new ShardCounts(model)
  eachNpyBatchSync(spec.npy, { start: spec.start, end: spec.end }, batch => counts.add(batch))
  return counts.result()
}

/**
 * The model's JSON as text for another thread or machine (NaN kept), with its pass mode; undefined
 * while the model cannot be written yet (`ERR_NOT_FITTED`: a classifier that builds its
 * components from the first batch).
 * @example
 * ```ts
 * const copy = modelCopy(modelText(model)!)
 * ```
 */
export function modelText (model: TrainableModel<any>): ModelText | undefined {
  let json: string
  try {
    json = stringifyJSON(model.toJSON())
  } catch (err) {
    if (err instanceof ArilError && err.code === 'ERR_NOT_FITTED') return undefined
    throw err
  }
  return { json, mode: model.passMode?.() }
}

/** A model as it travels: its JSON text and its pass mode (not in the JSON). */
export interface ModelText {
  json: string
  mode: unknown
}

/**
 * A fresh model from {@link modelText}: the same parameters and pass mode, empty statistics.
 * @throws ArilError `ERR_UNKNOWN_MODEL` for a kind not registered here, `ERR_INVALID_JSON_MODEL`
 * @example
 * ```ts
 * const copy = modelCopy(modelText(model)!)
 * ```
 */
export function modelCopy (text: ModelText): TrainableModel<any> {
  const model = fromJSON<TrainableModel<any>>(text.json)
  if (text.mode !== undefined) model.setPassMode?.(text.mode)
  model.clearSummaries()
  return model
}

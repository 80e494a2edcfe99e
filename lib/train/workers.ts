/**
 * Passes over the data on several threads (design: statistics are "mergeable across workers and
 * machines"). The main thread reads the source and re-cuts it into batches whose row counts are
 * multiples of BLOCK_ROWS (all but the last of a pass); each worker rebuilds the model from its
 * JSON at the start of a pass, summarizes the batches it is sent in the order it receives them,
 * and hands back `summary()` at the end. Because every batch but the pass's last covers whole
 * blocks, each worker's row counter stays on block boundaries, so its blocks hold exactly the rows
 * of blocks of the one-thread pass, and merging the workers' summaries (exact sums, in any order)
 * gives the bits of a one-thread pass.
 *
 * Batches are handed over with their buffers transferred when this module built them (the usual
 * case: re-cut batches are fresh copies) and copied otherwise, so the source's arrays are never
 * detached; rows held in a SharedArrayBuffer are read by the workers in place, without a copy.
 * At most {@link IN_FLIGHT} batches wait per worker, and the workers give the buffers back for the
 * next batches, so memory stays flat however large the source is.
 */
import { Worker } from 'node:worker_threads'
import { BLOCK_ROWS } from '../core/accumulate.js'
import { sliceBatch, type Batch } from '../core/batch.js'
import { ArilError, type ArilErrorCode, type ErrorLocation } from '../core/errors.js'
import type { Model, Summary } from '../core/model.js'
import type { TrainableModel } from './em.js'
import { concatBatches } from './rebatch.js'

/** Batches sent to a worker and not yet summarized, at most (one being summarized, one waiting). */
export const IN_FLIGHT = 2

/** Values per re-cut batch by default (512 KiB of doubles): small enough to balance, large enough that messages cost nothing. */
const BATCH_VALUES = 1 << 16

/** What the main thread sends a worker. */
export type ToWorker =
  | { type: 'pass'; model: object; mode: unknown }
  | { type: 'batch'; id: number; batch: Batch }
  | { type: 'end' }

/** What a worker sends back. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; rows: number; logProbability: number | undefined; buffers: ArrayBuffer[] }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'summary'; summary: Summary | undefined }

/** An error as it crosses threads (structured clone keeps neither the class nor the location). */
export interface SerializedError extends ErrorLocation {
  name: string
  message: string
  stack: string | undefined
  code: string | undefined
}

/**
 * An error flattened for postMessage.
 * @example
 * ```ts
 * parentPort.postMessage({ type: 'error', id, error: serializeError(err) })
 * ```
 */
export function serializeError (err: unknown): SerializedError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Partial<ArilError>
  return {
    name: String(e.name ?? 'Error'),
    message: String(e.message),
    stack: e.stack,
    code: typeof e.code === 'string' ? e.code : undefined,
    file: e.file,
    row: e.row,
    column: e.column,
    line: e.line,
    byteOffset: e.byteOffset,
    limit: e.limit
  }
}

/** The ArilError a worker reported (its message already names the location). */
function rebuildError (e: SerializedError): ArilError {
  const { name: _name, message, stack, code, ...location } = e
  const err = new ArilError((code ?? 'ERR_SOURCE') as ArilErrorCode, code === undefined ? `A summarizing worker failed: ${message}` : '', location)
  if (code !== undefined) err.message = message
  if (stack !== undefined) err.stack = stack
  return err
}

/**
 * A failed parallel pass: a worker could not summarize a batch, or reading the source failed.
 * The trainer replays the pass on the main thread to report the very error a one-thread pass
 * would have met first; `cause` is what was seen here.
 * @example
 * ```ts
 * try { await pool.pass(model, batches, hooks) } catch (err) { if (err instanceof PassFailure) throw err.cause }
 * ```
 */
export class PassFailure extends ArilError {
  constructor (cause: unknown) {
    super(cause instanceof ArilError ? cause.code : 'ERR_SOURCE', `A parallel pass failed: ${cause instanceof Error ? cause.message : String(cause)}`, {}, { cause })
  }
}

/**
 * Rows per re-cut batch: `batchSize` (or about 2^16 values) rounded up to a multiple of BLOCK_ROWS.
 * @example
 * ```ts
 * workerBatchRows(1) // => 65536
 * workerBatchRows(5, 3000) // => 3072
 * ```
 */
export function workerBatchRows (cols: number, batchSize?: number): number {
  const rows = batchSize ?? Math.floor(BATCH_VALUES / Math.max(1, cols))
  return Math.max(1, Math.ceil(rows / BLOCK_ROWS)) * BLOCK_ROWS
}

/** True when every array of the batch lives in a SharedArrayBuffer (workers then read it in place). */
function isShared (batch: Batch): boolean {
  return [batch.data, batch.weights, batch.labels].every(a => a === undefined || a.buffer instanceof SharedArrayBuffer)
}

/** Returns an array of n doubles, reusing a buffer a worker gave back when one of the right size is free. */
type Allocate = (n: number) => Float64Array

/** A batch that owns compact copies of its arrays (so they can be transferred), or the batch itself when its arrays are shared. */
function ownedCopy (batch: Batch, allocate: Allocate): Batch {
  if (isShared(batch)) return batch
  const copy = (a: Float64Array): Float64Array => {
    const out = allocate(a.length)
    out.set(a)
    return out
  }
  return {
    data: copy(batch.data),
    rows: batch.rows,
    cols: batch.cols,
    weights: batch.weights === undefined ? undefined : copy(batch.weights),
    labels: batch.labels === undefined ? undefined : copy(batch.labels),
    categories: batch.categories?.map(c => c?.slice())
  }
}

/**
 * Re-cuts a stream of batches into batches of `rows(cols)` rows (a multiple of BLOCK_ROWS; the
 * last may be shorter), each owning its arrays: glued parts are new arrays, a batch taken whole or
 * sliced from one part is copied.
 */
async function * blockBatches (source: AsyncIterable<Batch>, batchSize: number | undefined, allocate: Allocate): AsyncGenerator<Batch> {
  let parts: Batch[] = []
  let held = 0
  let size = 0
  const emit = (): Batch => {
    const out = parts.length === 1 ? ownedCopy(parts[0]!, allocate) : concatBatches(parts)
    parts = []
    held = 0
    return out
  }
  for await (let batch of source) {
    if (size === 0) size = workerBatchRows(batch.cols, batchSize)
    while (held + batch.rows >= size) {
      const take = size - held
      parts.push(take === batch.rows ? batch : sliceBatch(batch, 0, take))
      yield emit()
      batch = take === batch.rows ? { ...batch, rows: 0 } : sliceBatch(batch, take, batch.rows)
    }
    if (batch.rows > 0) {
      parts.push(batch)
      held += batch.rows
    }
  }
  if (held > 0) yield emit()
}

/**
 * The buffers of a batch built by {@link blockBatches}: distinct, whole and transferable (the
 * worker gives them back after summarizing, for the next batches).
 * @example
 * ```ts
 * worker.postMessage({ type: 'batch', id, batch }, transferList(batch))
 * ```
 */
export function transferList (batch: Batch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const a of isShared(batch) ? [] : [batch.data, batch.weights, batch.labels]) {
    if (a !== undefined && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer)
  }
  return [...buffers]
}

/**
 * Starts the worker entry next to this file: the .js in dist/, or the .ts source when running from
 * source (tsx, tap). Node 20 does not apply the main thread's loader hooks inside workers, so from
 * source the worker registers tsx before importing its entry.
 */
function startWorker (): Worker {
  const source = import.meta.url.endsWith('.ts')
  const entry = new URL(source ? './summarize-worker.ts' : './summarize-worker.js', import.meta.url)
  if (!source) return new Worker(entry)
  const tsx = import.meta.resolve('tsx/esm/api')
  // Only tsx is needed: the parent's own preloads (a test runner's, say) are not inherited.
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`, { eval: true, execArgv: [] })
}

/** What a parallel pass tells the trainer. */
export interface PassHooks {
  /** A worker finished a batch of `rows` rows; `logProbability` is what its summarizeBatch returned. */
  done: (rows: number, logProbability: number | undefined) => void
  /** Awaited after every batch handed out (the trainer's callbacks, and yields to the event loop). */
  settle: () => Promise<void>
  /** Stops the pass between batches. */
  signal?: AbortSignal | undefined
  /** Rows per re-cut batch (rounded up to a multiple of BLOCK_ROWS); default about 2^16 values. */
  batchSize?: number | undefined
}

interface Slot {
  worker: Worker
  inFlight: number
  /** Resolves the pending wait for this worker's summary. */
  onSummary: ((s: Summary | undefined) => void) | undefined
}

/**
 * A fixed set of worker threads that summarize passes of a model in parallel (created once per
 * fit, closed at its end).
 *
 * @example
 * ```ts
 * const pool = await WorkerPool.open(2)
 * try {
 *   const summaries = await pool.pass(model, batches, { done: () => {}, settle: async () => {} })
 *   model.clearSummaries()
 *   for (const s of summaries) model.mergeSummary(s)
 * } finally {
 *   await pool.close()
 * }
 * ```
 */
export class WorkerPool {
  private readonly slots: Slot[]
  private wake: (() => void) | undefined
  private failure: { id: number; error: ArilError } | undefined
  private closed = false
  /** Buffers given back by the workers, reused for the next batches (at most a few per worker, so memory stays flat). */
  private spare: ArrayBuffer[] = []
  /** A worker died: no summary will come from it. */
  private broken = false
  /** The trainer's hooks during a pass. */
  private hooks: PassHooks | undefined

  private constructor (workers: Worker[]) {
    this.slots = workers.map(worker => ({ worker, inFlight: 0, onSummary: undefined }))
    this.slots.forEach((slot, i) => {
      slot.worker.on('message', (message: FromWorker) => this.receive(i, message))
      slot.worker.on('error', err => this.crash(err))
      slot.worker.on('exit', code => { if (!this.closed) this.crash(new ArilError('ERR_SOURCE', `A summarizing worker exited with code ${code}`)) })
    })
  }

  /**
   * Starts `n` workers and waits until each has loaded every model kind.
   * @throws ArilError `ERR_INVALID_OPTION` unless n is a whole number >= 1; a worker's startup error
   */
  static async open (n: number): Promise<WorkerPool> {
    if (!Number.isInteger(n) || n < 1) throw new ArilError('ERR_INVALID_OPTION', `Expected workers to be a whole number >= 1, got ${String(n)}`)
    const workers: Worker[] = []
    try {
      for (let i = 0; i < n; i++) workers.push(startWorker())
      await Promise.all(workers.map(async worker => await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown): void => reject(err instanceof Error ? err : new ArilError('ERR_SOURCE', `A summarizing worker exited with code ${String(err)} while starting`))
        worker.once('error', fail)
        worker.once('exit', fail)
        worker.once('message', () => {
          worker.off('error', fail)
          worker.off('exit', fail)
          resolve()
        })
      })))
    } catch (err) {
      await Promise.all(workers.map(async w => await w.terminate()))
      throw err
    }
    return new WorkerPool(workers)
  }

  private receive (i: number, message: FromWorker): void {
    const slot = this.slots[i]!
    switch (message.type) {
      case 'summary':
        slot.onSummary?.(message.summary)
        slot.onSummary = undefined
        break
      case 'error':
        if (this.failure === undefined || message.id < this.failure.id) this.failure = { id: message.id, error: rebuildError(message.error) }
        slot.inFlight--
        break
      case 'done':
        for (const buffer of message.buffers) if (this.spare.length < this.slots.length * (IN_FLIGHT + 1)) this.spare.push(buffer)
        slot.inFlight--
        this.hooks?.done(message.rows, message.logProbability)
        break
    }
    this.wake?.()
  }

  private crash (err: unknown): void {
    this.broken = true
    if (this.failure === undefined) this.failure = { id: -1, error: err instanceof ArilError ? err : new ArilError('ERR_SOURCE', `A summarizing worker failed: ${String((err as Error)?.message ?? err)}`) }
    for (const slot of this.slots) {
      slot.onSummary?.(undefined)
      slot.onSummary = undefined
    }
    this.wake?.()
  }

  /** Waits until a message arrives or the signal aborts. */
  private async waitForMessage (signal: AbortSignal | undefined): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => {
        this.wake = undefined
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.wake = done
      signal?.addEventListener('abort', done)
    })
  }

  private checkAbort (signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw new ArilError('ERR_ABORTED', 'Training aborted', {}, { cause: signal.reason })
  }

  /**
   * One pass: every worker rebuilds `model` from its JSON, the batches are re-cut, handed out
   * (each to the least busy worker, waiting while all are full) and summarized; resolves with the
   * workers' summaries, to be merged into the model. The model itself is not touched.
   *
   * @throws PassFailure when a worker failed on a batch or the source failed (the cause inside);
   *   ArilError `ERR_ABORTED` when the signal aborts
   */
  async pass (model: Model<unknown, any>, batches: AsyncIterable<Batch>, hooks: PassHooks): Promise<Summary[]> {
    const { signal } = hooks
    this.hooks = hooks
    if (!this.broken) this.failure = undefined
    const json = model.toJSON()
    const mode = (model as TrainableModel).passMode?.()
    for (const slot of this.slots) this.post(slot, { type: 'pass', model: json, mode })
    let id = 0
    try {
      try {
        for await (const batch of blockBatches(batches, hooks.batchSize, n => this.allocate(n))) {
          let slot = this.leastBusy()
          while (slot.inFlight >= IN_FLIGHT && this.failure === undefined) {
            this.checkAbort(signal)
            await this.waitForMessage(signal)
            slot = this.leastBusy()
          }
          this.checkAbort(signal)
          if (this.failure !== undefined) break
          slot.inFlight++
          slot.worker.postMessage({ type: 'batch', id: id++, batch } satisfies ToWorker, transferList(batch))
          await hooks.settle()
        }
      } catch (err) {
        if (err instanceof ArilError && err.code === 'ERR_ABORTED') throw err
        throw new PassFailure(err)
      }
      const summaries = await Promise.all(this.slots.map(async slot => await new Promise<Summary | undefined>(resolve => {
        if (this.broken) return resolve(undefined)
        slot.onSummary = resolve
        this.post(slot, { type: 'end' })
      })))
      const failure = this.failure as { error: ArilError } | undefined // set by messages while awaiting
      if (failure !== undefined) throw new PassFailure(failure.error)
      await hooks.settle()
      return summaries as Summary[]
    } finally {
      this.hooks = undefined
    }
  }

  private allocate (n: number): Float64Array {
    const i = this.spare.findIndex(b => b.byteLength === n * Float64Array.BYTES_PER_ELEMENT)
    return i < 0 ? new Float64Array(n) : new Float64Array(this.spare.splice(i, 1)[0]!)
  }

  private leastBusy (): Slot {
    return this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a))
  }

  private post (slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message)
  }

  /** Terminates every worker (idempotent). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const slot of this.slots) {
      slot.onSummary?.(undefined)
      slot.onSummary = undefined
    }
    await Promise.all(this.slots.map(async slot => await slot.worker.terminate()))
  }
}

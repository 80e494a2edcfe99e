/**
 * A fixed set of summarizing threads (thread-entry.ts) and the messages they exchange with this
 * thread. The pool knows nothing of passes, alignment or training: it sets a model on every
 * thread, sends pieces to the least busy thread (at most {@link IN_FLIGHT} waiting per thread, so
 * memory stays flat), collects the threads' statistics, and runs whole shards on idle threads.
 * Rows in a SharedArrayBuffer are read by the threads in place; other pieces are sent with their
 * buffers transferred, and the threads give the buffers back for the next pieces (or, for a batch
 * moved whole from its reader, to the reader).
 *
 * Idle, the threads do not keep the process alive (they are unreferenced); a session holds them.
 */
import { Worker } from 'node:worker_threads'
import { resolve as resolvePath } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Batch } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import type { Summary } from '../core/model.js'
import { rebuildError, type SerializedError } from './errors.js'
import { unpackSummary } from './packed-summary.js'
import type { ShardSpec } from './shards.js'
import type { ModelText, PieceResult } from './summarize.js'

/** Pieces sent to a thread and not yet summarized, at most (one being summarized, one waiting). */
export const IN_FLIGHT = 2

/** What this thread sends a summarizing thread. */
export type ToThread =
  | { type: 'model'; model: ModelText }
  | PieceMessage
  | { type: 'collect' }
  | { type: 'shard'; id: number; model: ModelText; spec: ShardSpec }
  | ClaimsMessage

/**
 * Rows to summarize: the whole batch, or units [start, end) of it (a batch moved whole from a
 * reader, of which only whole blocks are the thread's). The thread gives every buffer of the
 * batch back with its answer.
 */
export interface PieceMessage {
  type: 'piece'
  id: number
  batch: Batch
  start?: number | undefined
  end?: number | undefined
}

/**
 * Rows in shared memory cut into pieces that the threads claim one after the other through a
 * shared counter (`Atomics.add`), so every thread works until no piece is left.
 */
export interface ClaimsMessage {
  type: 'claims'
  id: number
  batch: Batch
  /** Rows [start, end) of the batch, in pieces of `pieceRows` rows (the last may be shorter). */
  start: number
  end: number
  pieceRows: number
  /** One Int32 in a SharedArrayBuffer: the next piece to claim. */
  counter: Int32Array
}

/** A piece summarized by claim: its index, rows and what `summarizeBatch` returned. */
export type ClaimedPiece = [index: number, rows: number, logProbability: number | undefined]

/** What a summarizing thread sends back. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'done'; id: number; rows: number; logProbability: number | undefined; buffers: ArrayBuffer[] }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'summary'; summary: Summary | undefined }
  | ({ type: 'shard-done'; id: number; summary: Summary } & PieceResult)
  | { type: 'claims-done'; id: number; pieces: ClaimedPiece[]; failed: { index: number; error: SerializedError } | undefined }

/** A shard summarized by a thread: its statistics and counts. */
export type ShardSummary = PieceResult & { summary: Summary }

/**
 * The typed arrays of a batch (data, weights, labels, and any other array a batch kind carries),
 * found generically so that every field travels.
 */
export function batchArrays (batch: Batch): Float64Array[] {
  return Object.values(batch).filter((v): v is Float64Array => ArrayBuffer.isView(v) && !(v instanceof DataView)) as Float64Array[]
}

/** True when every array of the batch lives in a SharedArrayBuffer (threads then read it in place). */
export function isShared (batch: Batch): boolean {
  return batchArrays(batch).every(a => a.buffer instanceof SharedArrayBuffer)
}

/**
 * Every distinct buffer of a batch that is not shared: what a thread gives back (it owns what it
 * was sent), and what a moved batch transfers (see `movableBatch`).
 */
export function ownBuffers (batch: Batch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const a of batchArrays(batch)) if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer)
  return [...buffers]
}

/**
 * The buffers of a batch that can be transferred: distinct, whole, not shared.
 * @example
 * ```ts
 * worker.postMessage({ type: 'piece', id, batch }, transferList(batch))
 * ```
 */
export function transferList (batch: Batch): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const a of batchArrays(batch)) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer)
  }
  return [...buffers]
}

/** A module specifier as a thread can import it: relative and absolute paths become file URLs. */
export function moduleSpecifier (specifier: string): string {
  return /^[./]/.test(specifier) || /^[A-Za-z]:[\\/]/.test(specifier) ? pathToFileURL(resolvePath(specifier)).href : specifier
}

/**
 * Starts the thread entry next to this file: the .js in dist/, or the .ts source when running from
 * source (tsx, tap). Node 20 does not apply the main thread's loader hooks inside workers, so from
 * source the thread registers tsx before importing its entry.
 */
function startThread (modules: readonly string[]): Worker {
  const source = import.meta.url.endsWith('.ts')
  const entry = new URL(source ? './thread-entry.ts' : './thread-entry.js', import.meta.url)
  const workerData = { modules }
  if (!source) return new Worker(entry, { workerData })
  const tsx = import.meta.resolve('tsx/esm/api')
  // Only tsx is needed: the parent's own preloads (a test runner's, say) are not inherited.
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`, { eval: true, execArgv: [], workerData })
}

interface Deferred<T> {
  resolve: (value: T) => void
  reject: (err: unknown) => void
}

interface Slot {
  worker: Worker
  /** Pieces and shards sent and not answered. */
  busy: number
  /** Answers expected for `collect`, in order. */
  summaries: Array<Deferred<Summary | undefined>>
}

/**
 * Summarizing threads: started once, used by pass after pass (and fit after fit), then closed.
 *
 * @example
 * ```ts
 * const pool = await ThreadPool.open(2, [])
 * pool.setModel(modelText(model)!)
 * const { done } = await pool.piece(batch)
 * await done
 * for (const s of await pool.collect()) model.mergeSummary(s!)
 * await pool.close()
 * ```
 */
export class ThreadPool {
  private readonly slots: Slot[]
  private readonly pieces = new Map<number, Deferred<PieceResult> & { keep?: (buffers: ArrayBuffer[]) => void }>()
  private readonly shards = new Map<number, Deferred<ShardSummary>>()
  private readonly claimed = new Map<number, { replies: number; pieces: ClaimedPiece[]; failed: { index: number; error: SerializedError } | undefined; done: Deferred<PieceResult[]> }>()
  private nextId = 0
  private wake: Array<() => void> = []
  private closed = false
  /** Set when a thread died: the pool cannot be used any more. */
  broken: ArilError | undefined
  /** Buffers given back by the threads, reused for the next pieces (a few per thread, so memory stays flat). */
  private spare: ArrayBuffer[] = []

  private constructor (workers: Worker[]) {
    this.slots = workers.map(worker => ({ worker, busy: 0, summaries: [] }))
    this.slots.forEach(slot => {
      slot.worker.on('message', (message: FromThread) => this.receive(slot, message))
      slot.worker.on('error', err => this.crash(err))
      slot.worker.on('exit', code => { if (!this.closed) this.crash(new ArilError('ERR_SOURCE', `A summarizing thread exited with code ${code}`)) })
    })
    this.unref()
  }

  /**
   * Starts `n` threads, each loading every model kind and `modules` (paths or URLs of modules that
   * register openers or model kinds), and waits until all are ready.
   * @throws ArilError `ERR_INVALID_OPTION` unless n is a whole number >= 1; a thread's startup error
   */
  static async open (n: number, modules: readonly string[] = []): Promise<ThreadPool> {
    if (!Number.isInteger(n) || n < 1) throw new ArilError('ERR_INVALID_OPTION', `Expected threads to be a whole number >= 1, got ${String(n)}`)
    const workers: Worker[] = []
    try {
      for (let i = 0; i < n; i++) workers.push(startThread(modules.map(moduleSpecifier)))
      await Promise.all(workers.map(async worker => await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown): void => reject(err instanceof Error ? err : new ArilError('ERR_SOURCE', `A summarizing thread exited with code ${String(err)} while starting`))
        worker.once('error', fail)
        worker.once('exit', fail)
        worker.once('message', (message: FromThread) => {
          worker.off('error', fail)
          worker.off('exit', fail)
          if (message.type === 'failed') reject(rebuildError(message.error, 'ERR_SOURCE', 'A summarizing thread could not load its modules'))
          else resolve()
        })
      })))
    } catch (err) {
      await Promise.all(workers.map(async w => await w.terminate()))
      throw err
    }
    return new ThreadPool(workers)
  }

  /** Threads in the pool. */
  get size (): number {
    return this.slots.length
  }

  /** The threads keep the process alive (while a fit uses them). */
  ref (): void {
    for (const slot of this.slots) slot.worker.ref()
  }

  /** The threads no longer keep the process alive (idle). */
  unref (): void {
    for (const slot of this.slots) slot.worker.unref()
  }

  private receive (slot: Slot, message: FromThread): void {
    switch (message.type) {
      case 'done': {
        slot.busy--
        const waiting = this.pieces.get(message.id)
        this.pieces.delete(message.id)
        if (waiting?.keep !== undefined) waiting.keep(message.buffers)
        else for (const buffer of message.buffers) if (this.spare.length < this.slots.length * (IN_FLIGHT + 1)) this.spare.push(buffer)
        waiting?.resolve({ rows: message.rows, batches: 1, logProbability: message.logProbability })
        break
      }
      case 'shard-done': {
        slot.busy--
        const waiting = this.shards.get(message.id)
        this.shards.delete(message.id)
        waiting?.resolve({ rows: message.rows, batches: message.batches, logProbability: message.logProbability, summary: unpackSummary(message.summary) as Summary })
        break
      }
      case 'error': {
        slot.busy--
        const error = rebuildError(message.error, 'ERR_SOURCE', 'A summarizing thread failed')
        const waiting = this.pieces.get(message.id) ?? this.shards.get(message.id)
        this.pieces.delete(message.id)
        this.shards.delete(message.id)
        waiting?.reject(error)
        break
      }
      case 'summary':
        slot.summaries.shift()?.resolve(unpackSummary(message.summary) as Summary | undefined)
        break
      case 'claims-done': {
        const job = this.claimed.get(message.id)
        if (job === undefined) break
        job.pieces.push(...message.pieces)
        if (message.failed !== undefined && (job.failed === undefined || message.failed.index < job.failed.index)) job.failed = message.failed
        if (++job.replies < this.slots.length) break
        this.claimed.delete(message.id)
        if (job.failed !== undefined) {
          job.done.reject(rebuildError(job.failed.error, 'ERR_SOURCE', 'A summarizing thread failed'))
          break
        }
        const results: PieceResult[] = []
        for (const [index, rows, logProbability] of job.pieces) results[index] = { rows, batches: 1, logProbability }
        job.done.resolve(results)
        break
      }
    }
    this.notify()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = []
    for (const w of wake) w()
  }

  private crash (err: unknown): void {
    if (this.closed) return
    this.broken ??= err instanceof ArilError ? err : new ArilError('ERR_SOURCE', `A summarizing thread failed: ${String((err as Error)?.message ?? err)}`, {}, { cause: err })
    const broken = this.broken
    for (const waiting of [...this.pieces.values(), ...this.shards.values()]) waiting.reject(broken)
    for (const job of this.claimed.values()) job.done.reject(broken)
    this.pieces.clear()
    this.shards.clear()
    this.claimed.clear()
    for (const slot of this.slots) for (const s of slot.summaries.splice(0)) s.reject(broken)
    this.notify()
  }

  /** Waits until a thread answers or the signal aborts. */
  private async waitForMessage (signal: AbortSignal | undefined): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => {
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.wake.push(done)
      signal?.addEventListener('abort', done)
    })
  }

  private check (signal: AbortSignal | undefined): void {
    if (this.broken !== undefined) throw this.broken
    if (signal?.aborted === true) throw new ArilError('ERR_ABORTED', 'Training aborted', {}, { cause: signal.reason })
  }

  /** Sets the parameters of the pieces that follow on every thread (their statistics are cleared). */
  setModel (model: ModelText): void {
    for (const slot of this.slots) this.post(slot, { type: 'model', model })
  }

  /**
   * Sends a piece to the least busy thread, first waiting while every thread has IN_FLIGHT
   * pieces; resolves once it is sent, with `done`: the piece's result (which rejects with the
   * thread's error). With `moved`, the batch is a lent batch whose buffers move to the thread
   * whole, of which the thread summarizes units [start, end), and `moved.back` gets the buffers
   * when they come back (not when the piece fails: its memory is then lost to the lender).
   * @throws ArilError `ERR_ABORTED`, or the error of a thread that died
   */
  async piece (batch: Batch, signal?: AbortSignal, moved?: { start: number; end: number; back: (buffers: ArrayBuffer[]) => void }): Promise<{ done: Promise<PieceResult> }> {
    let slot = this.leastBusy()
    while (slot.busy >= IN_FLIGHT) {
      this.check(signal)
      await this.waitForMessage(signal)
      slot = this.leastBusy()
    }
    this.check(signal)
    const id = this.nextId++
    const done = new Promise<PieceResult>((resolve, reject) => this.pieces.set(id, { resolve, reject, keep: moved?.back }))
    done.catch(() => {}) // the session awaits it; an early failure must not count as unhandled
    slot.busy++
    if (moved === undefined) slot.worker.postMessage({ type: 'piece', id, batch } satisfies ToThread, transferList(batch))
    else slot.worker.postMessage({ type: 'piece', id, batch, start: moved.start, end: moved.end } satisfies ToThread, ownBuffers(batch))
    return { done }
  }

  /**
   * Summarizes rows [start, end) of a batch in shared memory on every thread: the threads claim
   * pieces of `pieceRows` rows until none is left. Resolves with each piece's result, in order,
   * once every thread is done; rejects with the error of the first failing piece.
   * @throws ArilError the error of a thread that died
   */
  async claims (batch: Batch, start: number, end: number, pieceRows: number): Promise<PieceResult[]> {
    if (this.broken !== undefined) throw this.broken
    const id = this.nextId++
    const done = new Promise<PieceResult[]>((resolve, reject) => this.claimed.set(id, { replies: 0, pieces: [], failed: undefined, done: { resolve, reject } }))
    const counter = new Int32Array(new SharedArrayBuffer(4))
    for (const slot of this.slots) this.post(slot, { type: 'claims', id, batch, start, end, pieceRows, counter })
    return await done
  }

  /**
   * The statistics every thread gathered since the last `setModel` or `collect` (each thread
   * answers after its pieces), then cleared; undefined for a thread whose pieces failed.
   * @throws ArilError the error of a thread that died
   */
  async collect (): Promise<Array<Summary | undefined>> {
    if (this.broken !== undefined) throw this.broken
    return await Promise.all(this.slots.map(async slot => await new Promise<Summary | undefined>((resolve, reject) => {
      slot.summaries.push({ resolve, reject })
      this.post(slot, { type: 'collect' })
    })))
  }

  /**
   * Summarizes a shard on an idle thread (waiting for one) into a fresh copy of `model`.
   * @throws ArilError the shard's error, `ERR_ABORTED`, or the error of a thread that died
   */
  async shard (model: ModelText, spec: ShardSpec, signal?: AbortSignal): Promise<ShardSummary> {
    let slot = this.slots.find(s => s.busy === 0)
    while (slot === undefined) {
      this.check(signal)
      await this.waitForMessage(signal)
      slot = this.slots.find(s => s.busy === 0)
    }
    this.check(signal)
    const id = this.nextId++
    const done = new Promise<ShardSummary>((resolve, reject) => this.shards.set(id, { resolve, reject }))
    slot.busy++
    this.post(slot, { type: 'shard', id, model, spec })
    return await done
  }

  /** An array of n doubles, reusing a buffer a thread gave back when one of the right size is free. */
  allocate (n: number): Float64Array {
    const i = this.spare.findIndex(b => b.byteLength === n * Float64Array.BYTES_PER_ELEMENT)
    return i < 0 ? new Float64Array(n) : new Float64Array(this.spare.splice(i, 1)[0]!)
  }

  private leastBusy (): Slot {
    return this.slots.reduce((a, b) => (b.busy < a.busy ? b : a))
  }

  private post (slot: Slot, message: ToThread): void {
    slot.worker.postMessage(message)
  }

  /** Terminates every thread (idempotent); work in progress fails. */
  async close (): Promise<void> {
    if (this.closed) return
    this.crash(new ArilError('ERR_SOURCE', 'The summarizing threads were closed'))
    this.closed = true
    await Promise.all(this.slots.map(async slot => await slot.worker.terminate()))
  }
}

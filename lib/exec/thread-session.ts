/**
 * How a fit's passes are split between this thread and the summarizing threads of a thread
 * executor (threads.ts), with the bits of one thread.
 *
 * Streams: this thread reads the source and hands the rows over; the threads summarize them. The
 * bits are those of one thread because of one rule: **a thread only ever gets whole blocks of the
 * epoch's row index** (BLOCK_ROWS rows starting on a multiple of BLOCK_ROWS, counted from the
 * rows already in the model's statistics). Each thread's own block counter therefore stays on
 * block boundaries and its blocks are blocks of the one-thread pass, which merge exactly in any
 * order (accumulate.ts). The rows of a block that is cut (a mini-batch, a checkpoint) are
 * summarized here, into the model, which continues its partial block exactly as one thread does.
 * The cut block at the end of a full pass goes to a thread with the pass's last piece: it is the
 * pass's last block, which a merge adds as a block of its own, as one thread's M-step adds its
 * unfinished block (and this thread, whose kernels run only a few sequences per pass, stays free
 * to merge). Full passes re-cut the stream into pieces of whole blocks; mini-batch epochs hand each
 * batch over at once, so the epoch's batches are counted as one thread counts them. A batch whose
 * reader lent it and lets it move (readNpy's, core/batch.ts) is not re-cut: its whole blocks go
 * to a thread in the batch's own memory (transferred, then handed back to the reader), and only
 * the rows of the blocks cut by its ends are copied, so this thread does little more than read.
 *
 * In-memory batches are copied once per fit into SharedArrayBuffers, whose pieces the threads
 * claim in place (no copy, one message per thread); a `.npy` file path is split into
 * block-aligned row ranges that the threads read themselves, so this thread reads nothing. Shard
 * lists go to idle threads whole.
 *
 * A SequenceBatch is handed over in whole sequences: positions, blocks and pieces count its
 * sequences through `unitCount`, `blockUnits` (BLOCK_SEQUENCES sequences per block of a sequence
 * model's sums) and `sliceUnits`, so a sequence is never cut and the threads' blocks are those of
 * the one-thread pass.
 */
import { stat } from 'node:fs/promises'
import { BLOCK_ROWS } from '../core/accumulate.js'
import { isBatch, movableBatch, releaseBatch, type Batch } from '../core/batch.js'
import { BLOCK_SEQUENCES, blockUnits, isSequenceBatch, sliceUnits, unitCount } from '../core/sequence.js'
import { ArilError } from '../core/errors.js'
import { concatUnits } from '../train/rebatch.js'
import type { FitRequest, PassSource, Session } from './executor.js'
import { inProcessPass } from './in-process.js'
import { isShardList, npyShards, type ShardList } from './shards.js'
import { modelCopy, modelText, summarizeShard, type PieceResult } from './summarize.js'
import { isShared, type ShardSummary, type ThreadPool } from './thread-pool.js'

/** Values per re-cut piece by default (512 KiB of doubles): small enough to balance, large enough that messages cost nothing. */
const PIECE_VALUES = 1 << 16
/** A lent batch moves to a thread whole when it holds at most this many re-cut pieces (else it is re-cut, so the threads stay balanced). */
const MOVE_PIECES = 8
/** Values per piece claimed from shared memory (no message per piece, so smaller pieces balance better). */
const CLAIM_VALUES = 1 << 15
/**
 * Row ranges of a `.npy` path per thread: small enough that a thread slowed by a loaded machine
 * holds up the pass by little (a thread reads its ranges into the same memory, so more ranges cost
 * only a message and an open each).
 */
const RANGES_PER_THREAD = 16

/** `threads: 'auto'` uses threads for work of at least this many values (about 4 MB)... */
export const AUTO_VALUES = 1 << 19
/** ... or, when the size is unknown, once this thread has spent this long summarizing in one fit. */
export const AUTO_MS = 200

/** What a session needs from its executor: the pool, and when to start it. */
export interface PoolOwner {
  readonly threads: number
  readonly auto: boolean
  /** Starts the threads unless they are starting or started. */
  startPool: () => void
  /** The pool if it is ready, else undefined (throws the error that stopped it from starting). */
  readyPool: () => ThreadPool | undefined
  /** Waits for the pool (it must have been started). */
  waitPool: () => Promise<ThreadPool>
}

/**
 * Rows per re-cut piece: `batchSize` (or about 2^16 values) rounded up to a multiple of BLOCK_ROWS.
 * @example
 * ```ts
 * pieceRows(1) // => 65536
 * pieceRows(5, 3000) // => 3072
 * ```
 */
export function pieceRows (cols: number, batchSize?: number): number {
  const rows = batchSize ?? Math.floor(PIECE_VALUES / Math.max(1, cols))
  return Math.max(1, Math.ceil(rows / BLOCK_ROWS)) * BLOCK_ROWS
}

/**
 * Units per re-cut piece of a batch: {@link pieceRows} for rows; for a SequenceBatch, `batchSize`
 * sequences or about 2^16 values' worth of sequences of its mean length, rounded up to a multiple
 * of BLOCK_SEQUENCES.
 * @example
 * ```ts
 * pieceUnits(toSequenceBatch([[1, 2], [3, 4]])) // => 32768 (2^16 values of sequences of 2 steps)
 * ```
 */
export function pieceUnits (batch: Batch, batchSize?: number): number {
  if (!isSequenceBatch(batch)) return pieceRows(batch.cols, batchSize)
  const values = Math.max(1, batch.cols * batch.rows / Math.max(1, unitCount(batch)))
  const units = batchSize ?? Math.floor(PIECE_VALUES / values)
  return Math.max(1, Math.ceil(units / BLOCK_SEQUENCES)) * BLOCK_SEQUENCES
}

/**
 * A failed parallel pass: a thread could not summarize a piece. The session replays the pass on
 * this thread to report the very error one thread meets first; `cause` is what was seen.
 * @example
 * ```ts
 * if (err instanceof PassFailure) console.error(err.cause)
 * ```
 */
export class PassFailure extends ArilError {
  constructor (cause: unknown) {
    super(cause instanceof ArilError ? cause.code : 'ERR_SOURCE', `A parallel pass failed: ${cause instanceof Error ? cause.message : String(cause)}`, {}, { cause })
  }
}

/** Values in an in-memory source, or in a file (bytes / 8); undefined when unknown. */
async function sourceValues (source: PassSource): Promise<number | undefined> {
  if (typeof source === 'string') {
    try {
      return (await stat(source)).size / 8
    } catch {
      return undefined
    }
  }
  if (Array.isArray(source)) {
    let values = 0
    for (const item of source) values += isBatch(item) ? item.data.length : ArrayBuffer.isView(item) ? (item as unknown as ArrayLike<number>).length : Array.isArray(item) ? item.length * (Array.isArray(item[0]) ? (item[0] as unknown[]).length : 1) : 0
    return values
  }
  return undefined
}

/** A copy of a batch whose arrays live in SharedArrayBuffers (the batch itself if they already do). */
export function sharedCopy (batch: Batch): Batch {
  if (isShared(batch)) return batch
  const out: Record<string, unknown> = { ...batch }
  for (const [key, value] of Object.entries(batch)) {
    if (!ArrayBuffer.isView(value) || value instanceof DataView) continue
    const a = value as Float64Array
    const Kind = a.constructor as new (buffer: SharedArrayBuffer) => Float64Array
    const copy = new Kind(new SharedArrayBuffer(a.byteLength))
    copy.set(a)
    out[key] = copy
  }
  return out as unknown as Batch
}

export class ThreadSession implements Session {
  shards: ShardList | undefined
  source: Exclude<PassSource, ShardList>
  /** The segment of work since the last `begin` runs on the threads. */
  private onThreads = false
  private pool: ThreadPool | undefined
  /** Units (rows, or sequences) in the model's statistics this epoch, including units held for the next piece. */
  private pos = 0
  private held: Batch[] = []
  private heldRows = 0
  private rowsPerPiece = 0
  private inFlight: Array<Promise<void>> = []
  private failure: { id: number; error: unknown } | undefined
  private pieceId = 0
  private ended = false
  /** Milliseconds this thread spent summarizing (for `'auto'` on a source of unknown size). */
  private hereMs = 0
  private wantsThreads: boolean | undefined

  private constructor (private readonly executor: PoolOwner, private readonly fit: FitRequest, private readonly release: () => void) {
    this.shards = isShardList(fit.source) ? fit.source : undefined
    this.source = isShardList(fit.source) ? [] : fit.source
  }

  static async open (executor: PoolOwner, fit: FitRequest, release: () => void): Promise<ThreadSession> {
    const session = new ThreadSession(executor, fit, release)
    const { source } = fit
    if (executor.auto) {
      const values = isShardList(source) ? (source.specs.length > 1 ? Infinity : 0) : await sourceValues(source)
      session.wantsThreads = values === undefined ? undefined : values >= AUTO_VALUES
      if (session.wantsThreads === true) executor.startPool()
    } else {
      session.wantsThreads = true
    }
    if (session.wantsThreads !== false) {
      // Copied once for the passes of a fit; a single pass copies as it goes (overlapping the threads' work).
      if (Array.isArray(source) && fit.passes === 'many') session.source = source.map(item => sharedCopy(fit.model.toBatch(item)))
      if (typeof source === 'string' && source.toLowerCase().endsWith('.npy') && !fit.miniBatch && !fit.cutsPasses) {
        const { size } = await stat(source).catch(() => ({ size: 0 }))
        session.shards = await npyShards(source, { shards: Math.max(1, Math.min(RANGES_PER_THREAD * executor.threads, Math.floor(size / 2 ** 20))) })
      }
    }
    return session
  }

  /** Starts the threads for a source of unknown size once this thread has worked long enough. */
  private considerThreads (): void {
    if (this.wantsThreads === undefined && this.hereMs >= AUTO_MS) {
      this.wantsThreads = true
      this.executor.startPool()
    }
  }

  /** Moves the work to the threads when they are ready and the model can be written. */
  private tryThreads (): void {
    if (this.onThreads || this.wantsThreads !== true || this.ended) return
    const pool = this.executor.readyPool()
    if (pool === undefined) return
    const text = modelText(this.fit.model)
    if (text === undefined) return
    if (this.pool === undefined) {
      this.pool = pool
      pool.ref()
    }
    pool.setModel(text)
    this.onThreads = true
  }

  async begin (rowsInStatistics: number): Promise<void> {
    this.pos = rowsInStatistics
    this.held = []
    this.heldRows = 0
    this.failure = undefined
    this.onThreads = false
    this.tryThreads()
  }

  /** Summarizes rows on this thread, into the model (which continues its partial block). */
  private here (part: Batch): number | undefined {
    const started = performance.now()
    const logp = this.fit.model.summarizeBatch(part)
    this.hereMs += performance.now() - started
    return logp
  }

  private checkFailure (): void {
    if (this.failure !== undefined) throw new PassFailure(this.failure.error)
  }

  /** Tracks a piece: `after` runs with its result; the first failure (in stream order) is kept. */
  private track<T> (id: number, piece: Promise<T>, after: (result: T) => void): void {
    this.inFlight.push(piece.then(result => {
      if (!this.ended) after(result)
    }, err => {
      if (this.failure === undefined || id < this.failure.id) this.failure = { id, error: err }
    }))
  }

  private async send (piece: Batch, after: (result: PieceResult) => void): Promise<void> {
    const id = this.pieceId++
    this.track(id, (await this.pool!.piece(piece, this.fit.signal)).done, after)
  }

  async add (batch: Batch): Promise<void> {
    const given = batch
    this.checkFailure()
    this.tryThreads()
    if (!this.onThreads && !this.fit.miniBatch && this.wantsThreads === true && this.executor.readyPool() !== undefined && modelText(this.fit.model) === undefined) {
      // A model that cannot be written yet (a classifier building its components from the first
      // batch) summarizes the rest of its first block here, then can be sent to the threads.
      const units = unitCount(batch)
      const block = blockUnits(batch)
      const head = Math.min(units, block - this.pos % block)
      this.pos += head
      this.fit.done(head, this.here(sliceUnits(batch, 0, head)))
      batch = sliceUnits(batch, head, units)
      this.tryThreads()
    }
    if (!this.onThreads) {
      const units = unitCount(batch)
      this.pos += units
      if (units > 0) this.fit.done(units, this.here(batch))
      releaseBatch(given)
      this.considerThreads()
      return
    }
    if (this.fit.miniBatch) await this.addWhole(batch)
    else if (batch === given && movableBatch(batch) && !isShared(batch) && unitCount(batch) <= MOVE_PIECES * this.pieceSize(batch)) await this.move(batch)
    else await this.addRecut(batch)
  }

  /** Units per re-cut piece (fixed by the first batch that is re-cut). */
  private pieceSize (batch: Batch): number {
    return (this.rowsPerPiece ||= pieceUnits(batch, this.fit.batchSize))
  }

  /**
   * A full pass, a batch its reader lent and lets move (readNpy's): its whole blocks go to a
   * thread in the batch's own memory, which comes back to the reader afterwards, so this thread
   * copies nothing but the rows of the blocks cut by the batch's ends (at most a block each).
   * Those are held, as copies, and finish the block with the next batch.
   */
  private async move (batch: Batch): Promise<void> {
    const n = unitCount(batch)
    const block = blockUnits(batch)
    let at = 0
    if (this.heldRows === 0 && this.pos % block !== 0) {
      at = Math.min(n, block - this.pos % block)
      this.pos += at
      this.fit.done(at, this.here(sliceUnits(batch, 0, at)))
    }
    if (this.heldRows % block !== 0) {
      const fill = Math.min(n - at, block - this.heldRows % block)
      this.hold(this.owned([sliceUnits(batch, at, at + fill)]))
      at += fill
    }
    if (this.heldRows % block === 0) while (this.heldRows > 0) await this.emit(Math.min(this.heldRows, this.pieceSize(batch)))
    const whole = Math.floor((n - at) / block) * block
    if (at + whole < n) this.hold(this.owned([sliceUnits(batch, at + whole, n)]))
    if (whole === 0) {
      releaseBatch(batch)
      return
    }
    this.pos += whole
    const id = this.pieceId++
    const { done } = await this.pool!.piece(batch, this.fit.signal, { start: at, end: at + whole, back: buffers => releaseBatch(batch, buffers) })
    this.track(id, done, r => this.fit.done(r.rows, r.logProbability))
  }

  /** Holds units for the next piece. */
  private hold (part: Batch): void {
    const units = unitCount(part)
    this.held.push(part)
    this.heldRows += units
    this.pos += units
  }

  /** A mini-batch: its whole blocks go to a thread at once; the rows of cut blocks are summarized here. */
  private async addWhole (batch: Batch): Promise<void> {
    const n = unitCount(batch)
    const block = blockUnits(batch)
    const head = Math.min(n, (block - this.pos % block) % block)
    const whole = Math.floor((n - head) / block) * block
    // Here: the head finishes the model's partial block, the tail starts the next one.
    const headLogp = head > 0 ? this.here(sliceUnits(batch, 0, head)) : undefined
    const tailLogp = head + whole < n ? this.here(sliceUnits(batch, head + whole, n)) : undefined
    this.pos += n
    if (whole === 0) {
      this.fit.done(n, sum(headLogp, tailLogp))
      return
    }
    const middle = this.owned([sliceUnits(batch, head, head + whole)])
    if (!isShared(batch)) releaseBatch(batch)
    await this.send(middle, r => this.fit.done(n, sum(sum(headLogp, r.logProbability), tailLogp)))
  }

  /** A full pass: rows are held until they fill a piece of whole blocks. */
  private async addRecut (batch: Batch): Promise<void> {
    let rest = batch
    let units = unitCount(rest)
    const block = blockUnits(batch)
    if (this.heldRows === 0 && this.pos % block !== 0) {
      const head = Math.min(units, block - this.pos % block)
      const part = sliceUnits(rest, 0, head)
      this.pos += head
      this.fit.done(head, this.here(part))
      rest = sliceUnits(rest, head, units)
      units -= head
    }
    if (this.heldRows === 0 && units >= block && isShared(rest)) {
      // Rows in shared memory: the threads claim pieces of them in place, one message per thread.
      const whole = Math.floor(units / block) * block
      this.pos += whole
      const claimRows = isSequenceBatch(rest) || this.fit.batchSize !== undefined ? pieceUnits(rest, this.fit.batchSize) : pieceRows(rest.cols, Math.floor(CLAIM_VALUES / Math.max(1, rest.cols)))
      this.track(this.pieceId++, this.pool!.claims(rest, 0, whole, claimRows), results => {
        for (const r of results) this.fit.done(r.rows, r.logProbability)
      })
      rest = sliceUnits(rest, whole, units)
      units -= whole
    }
    if (units === 0) return
    this.hold(rest)
    while (this.heldRows >= this.pieceSize(rest)) await this.emit(this.rowsPerPiece)
  }

  /** The first `rows` held units (rows or sequences), removed from the hold. */
  private take (rows: number): Batch[] {
    const parts: Batch[] = []
    let need = rows
    while (need > 0) {
      const first = this.held[0]!
      const units = unitCount(first)
      if (units <= need) {
        parts.push(this.held.shift()!)
        need -= units
      } else {
        parts.push(sliceUnits(first, 0, need))
        this.held[0] = sliceUnits(first, need, units)
        need = 0
      }
    }
    this.heldRows -= rows
    return parts
  }

  /** Sends the first `rows` held rows (whole blocks) to a thread. */
  private async emit (rows: number): Promise<void> {
    const piece = this.owned(this.take(rows))
    await this.send(piece, r => this.fit.done(r.rows, r.logProbability))
  }

  /**
   * One batch of the parts that owns its arrays (so they can be transferred), or the part itself
   * when its rows are in shared memory (the threads read them in place).
   */
  private owned (parts: Batch[]): Batch {
    if (parts.length === 1 && isShared(parts[0]!)) return parts[0]!
    if (parts.length > 1) return concatUnits(parts)
    const part = parts[0]!
    const out: Record<string, unknown> = { ...part }
    for (const [key, value] of Object.entries(part)) {
      if (!ArrayBuffer.isView(value) || value instanceof DataView) continue
      const a = value as Float64Array
      const copy = value instanceof Float64Array ? this.pool!.allocate(a.length) : new (a.constructor as new (n: number) => Float64Array)(a.length)
      copy.set(a)
      out[key] = copy
    }
    if (part.categories !== undefined) out.categories = part.categories.map(c => c?.slice())
    return out as unknown as Batch
  }

  async flush (passEnd = false): Promise<void> {
    if (!this.onThreads) return
    if (this.heldRows > 0) {
      const block = blockUnits(this.held[0]!)
      // held units start on a block boundary (addRecut), so the pass's last piece keeps the blocks of one thread
      const whole = passEnd ? this.heldRows : Math.floor(this.heldRows / block) * block
      if (whole > 0) await this.emit(whole)
      if (this.heldRows > 0) {
        const part = concatUnits(this.take(this.heldRows))
        this.fit.done(unitCount(part), this.here(part))
      }
    }
    await this.settle()
    this.checkFailure()
    const summaries = await this.pool!.collect()
    for (const summary of summaries) this.fit.model.mergeSummary(summary!)
  }

  private async settle (): Promise<void> {
    const inFlight = this.inFlight
    this.inFlight = []
    await Promise.all(inFlight)
  }

  /**
   * A pass over shards: idle threads take the next shard; until the threads are ready, this
   * thread takes shards too. The statistics are merged in shard order once all are done, and the
   * first failing shard (in shard order) is reported, as one thread would.
   */
  async pass (): Promise<void> {
    const { model, signal } = this.fit
    const specs = this.shards!.specs
    const text = this.wantsThreads === true ? modelText(model) : undefined
    if (text === undefined) {
      await inProcessPass(this.fit, specs)
      return
    }
    const results: Array<ShardSummary | undefined> = new Array(specs.length)
    const errors: unknown[] = new Array(specs.length)
    let next = 0
    const run = async (i: number, summarize: () => Promise<ShardSummary>): Promise<void> => {
      try {
        const result = await summarize()
        results[i] = result
        if (!this.ended) this.fit.done(result.rows, result.logProbability)
      } catch (err) {
        errors[i] = err
      }
    }
    const onThreads = async (): Promise<void> => {
      const pool = await this.executor.waitPool()
      if (this.pool === undefined) {
        this.pool = pool
        pool.ref()
      }
      await Promise.all(Array.from({ length: pool.size }, async () => {
        for (let i = next++; i < specs.length; i = next++) await run(i, async () => await pool.shard(text, specs[i]!))
      }))
    }
    const here = async (): Promise<void> => {
      for (let i = next; i < specs.length && this.executor.readyPool() === undefined; i = next) {
        next++
        await run(i, async () => {
          const copy = modelCopy(text)
          return { ...await summarizeShard(copy, specs[i]!, signal), summary: copy.summary() }
        })
      }
    }
    const work = Promise.all([onThreads(), here()]).then(() => {})
    this.inFlight.push(work)
    await abortable(work, signal)
    const first = errors.findIndex(e => e !== undefined)
    if (first >= 0) throw errors[first]
    for (const result of results) model.mergeSummary(result!.summary)
  }

  async explain (err: unknown): Promise<unknown> {
    if (!(err instanceof PassFailure) || this.fit.signal?.aborted === true) return err
    return await this.fit.replay(err.cause)
  }

  async end (): Promise<void> {
    if (this.ended) return
    this.ended = true
    await Promise.allSettled(this.inFlight)
    this.inFlight = []
    if (this.pool !== undefined) {
      // statistics left on the threads by a failed pass are dropped by the next setModel
      this.pool.unref()
    }
    this.release()
  }
}

/** a + b where undefined means nothing was returned. */
function sum (a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b
}

/** Waits for `work`, or throws ERR_ABORTED as soon as the signal aborts. */
async function abortable (work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return await work
  if (signal.aborted) throw new ArilError('ERR_ABORTED', 'Training aborted', {}, { cause: signal.reason })
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new ArilError('ERR_ABORTED', 'Training aborted', {}, { cause: signal.reason }))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}


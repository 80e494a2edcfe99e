/**
 * The worker-thread executor: each pass is summarized by a pool of threads (thread-pool.ts) that
 * is started once and serves every pass of a fit, and of later fits while the executor is open
 * (how a pass is split between this thread and the threads: thread-session.ts). Until the threads
 * are ready (starting them costs about as much as a pass) the work is done here, and moves to the
 * threads as soon as they are; `threads: 'auto'` starts them only for work large enough to pay
 * for it.
 */
import { availableParallelism } from 'node:os'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import type { Executor, FitRequest, Session } from './executor.js'
import { sharedCopy, ThreadSession, type PoolOwner } from './thread-session.js'
import { ThreadPool } from './thread-pool.js'

export { AUTO_MS, AUTO_VALUES, PassFailure, pieceRows, pieceUnits } from './thread-session.js'

/** Options of {@link threadExecutor}. */
export interface ThreadExecutorOptions {
  /** Summarizing threads (default `'auto'`: one per core, up to 8, and only for work large enough). */
  threads?: number | 'auto' | undefined
  /** Modules every thread imports first (paths or URLs): they may register openers and model kinds. */
  modules?: readonly string[] | undefined
}

/** The keys of {@link ThreadExecutorOptions}. */
export const THREAD_EXECUTOR_OPTION_KEYS = ['threads', 'modules'] as const

/** The number of threads `'auto'` means here. */
function autoThreads (): number {
  return Math.max(1, Math.min(8, availableParallelism()))
}

/**
 * An executor that summarizes passes on worker threads of this process, with the bits of one
 * thread. The threads start at once (in the background; `'auto'` waits for work that needs them)
 * and serve fit after fit until {@link Executor.close}; idle, they do not keep the process alive.
 * The `workers: n` option of a fit makes one and keeps it for the next such fits (choose.ts).
 *
 * @throws ArilError `ERR_INVALID_OPTION` for a thread count that is not a whole number >= 1 or
 *   `'auto'`, or modules that are not strings
 * @example
 * ```ts
 * const executor = threadExecutor({ threads: 2 })
 * try {
 *   for (const k of [2, 3, 4]) await GeneralMixtureModel.fromStream(NormalDistribution, k, 'big.npy', { executor })
 * } finally {
 *   await executor.close()
 * }
 * ```
 */
export function threadExecutor (options: ThreadExecutorOptions = {}): ThreadExecutor {
  checkKeys(options, THREAD_EXECUTOR_OPTION_KEYS, 'threadExecutor')
  return new Threads(options)
}

/** The executor {@link threadExecutor} returns. */
export interface ThreadExecutor extends Executor {
  /** Threads in its pool. */
  readonly threads: number
  /**
   * Starts the threads if they are not started and waits until they are ready (to keep their
   * start-up out of a measurement, say).
   * @throws ArilError the error that stopped them from starting
   */
  ready: () => Promise<void>
}

/**
 * True when a thread executor can serve another fit: open, its threads not failed to start, none
 * of them dead.
 * @example
 * ```ts
 * if (!usable(executor)) await executor.close()
 * ```
 */
export function usable (executor: ThreadExecutor): boolean {
  return executor instanceof Threads && executor.usable()
}

class Threads implements ThreadExecutor, PoolOwner {
  readonly kind = 'threads'
  readonly threads: number
  readonly auto: boolean
  private readonly modules: readonly string[]
  private starting: Promise<ThreadPool> | undefined
  private pool: ThreadPool | undefined
  private startError: unknown
  private closed = false
  /** Sessions run one after the other: each waits for the previous one's end. */
  private turn: Promise<void> = Promise.resolve()

  constructor (options: ThreadExecutorOptions) {
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
    const threads = options.threads ?? 'auto'
    if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) invalidOption('threads', "a whole number >= 1 or 'auto'", threads)
    const modules = options.modules ?? []
    if (!Array.isArray(modules) || !modules.every(m => typeof m === 'string' && m !== '')) invalidOption('modules', 'an array of module paths or URLs', modules)
    this.auto = threads === 'auto'
    this.threads = threads === 'auto' ? autoThreads() : threads
    this.modules = modules.slice()
    if (!this.auto) this.startPool()
  }

  /** Starts the threads unless they are starting or started; a startup error is reported by the session that needs them. */
  startPool (): void {
    if (this.starting !== undefined || this.closed) return
    this.starting = ThreadPool.open(this.threads, this.modules)
    this.starting.then(pool => {
      if (this.closed) void pool.close()
      else this.pool = pool
    }, (err: unknown) => { this.startError = err })
  }

  /**
   * The pool if it is ready (and no thread of it died), else undefined.
   * @throws the error that stopped the threads from starting
   */
  readyPool (): ThreadPool | undefined {
    if (this.startError !== undefined) throw this.startError
    return this.pool !== undefined && this.pool.broken === undefined ? this.pool : undefined
  }

  usable (): boolean {
    return !this.closed && this.startError === undefined && this.pool?.broken === undefined
  }

  /** Waits for the pool to be ready (it must have been started). */
  async waitPool (): Promise<ThreadPool> {
    return await this.starting!
  }

  async ready (): Promise<void> {
    if (this.closed) throw new ArilError('ERR_EXECUTOR', 'The thread executor is closed')
    this.startPool()
    await this.starting
  }

  /** A pool whose thread died is replaced by a fresh one for the next fit. */
  private replaceBroken (): void {
    if (this.pool?.broken === undefined) return
    void this.pool.close()
    this.pool = undefined
    this.starting = undefined
    if (!this.auto) this.startPool()
  }

  async start (fit: FitRequest): Promise<Session> {
    if (this.closed) throw new ArilError('ERR_EXECUTOR', 'The thread executor is closed')
    let release!: () => void
    const previous = this.turn
    this.turn = new Promise(resolve => { release = resolve })
    await previous
    try {
      this.replaceBroken()
      return await ThreadSession.open(this, fit, release)
    } catch (err) {
      release()
      throw err
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    const pool = this.pool ?? await this.starting?.catch(() => undefined)
    await pool?.close()
  }
}

/**
 * A copy of rows whose arrays live in SharedArrayBuffers (the batch itself if they already do):
 * thread executors read such rows in place, without copying them for every fit. (EM fits over
 * in-memory batches make this copy once per fit themselves; a single-pass fit copies as it goes.)
 *
 * @throws ArilError the errors of `toBatch` (`ERR_INVALID_INPUT`, `ERR_RAGGED_ROWS` ...)
 * @example
 * ```ts
 * const X = shareBatch(toBatch(rows, { labels }))
 * await new NaiveBayes(NormalDistribution, 3).fitStream([X], { executor })
 * ```
 */
export function shareBatch (input: BatchInput): Batch {
  return sharedCopy(toBatch(input, { categorical: true }))
}


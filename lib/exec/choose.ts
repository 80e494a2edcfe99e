/**
 * The `executor` and `workers` options of every fit, normalized once: an executor object the
 * caller owns, or a thread count for which the fit takes a thread executor of its own.
 *
 * Starting threads costs as much as several passes (each thread loads the library and compiles
 * its kernels afresh), so the thread executor of a `workers: n` fit is not closed when the fit
 * ends: it waits, idle and unreferenced, for the next fit with as many threads, and closes after
 * {@link IDLE_MS} without one. A fit that finds none idle (the first, or one running beside
 * another) starts its own.
 */
import { invalidOption } from '../core/errors.js'
import { isExecutor, type Executor } from './executor.js'
import { inProcessExecutor } from './in-process.js'
import { threadExecutor, usable, type ThreadExecutor } from './threads.js'

/** Where a fit runs: an executor given by the caller, or a number of threads (see openExecutor). */
export interface ExecutorChoice {
  /** The caller's executor (not closed by the fit). */
  executor: Executor | undefined
  /** Threads for this fit (1: this thread). */
  workers: number | 'auto'
}

/**
 * Reads `executor` (an {@link Executor}) and `workers` (a whole number >= 1 or `'auto'`; not both).
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 * @example
 * ```ts
 * executorChoice({ workers: 2 }) // => { executor: undefined, workers: 2 }
 * ```
 */
export function executorChoice (options: { executor?: unknown; workers?: unknown }): ExecutorChoice {
  const { executor, workers = 1 } = options
  if (workers !== 'auto' && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1)) invalidOption('workers', "a whole number >= 1 or 'auto'", workers)
  if (executor !== undefined) {
    if (!isExecutor(executor)) invalidOption('executor', 'an executor (inProcessExecutor(), threadExecutor(), bullmqExecutor())', executor)
    if (options.workers !== undefined) invalidOption('workers', 'no value when an executor is given (give the executor its threads)', workers)
  }
  return { executor: executor as Executor | undefined, workers: workers as number | 'auto' }
}

/** Milliseconds an idle `workers: n` executor waits for the next fit before its threads close. */
export const IDLE_MS = 30_000

/** Idle thread executors of finished `workers: n` fits, by thread count, with their closing timers. */
const idle = new Map<number | 'auto', Array<{ executor: ThreadExecutor; timer: ReturnType<typeof setTimeout> }>>()
/** The thread count each executor taken from here was made for. */
const made = new WeakMap<Executor, number | 'auto'>()

/**
 * The executor of a fit and whether the fit must give it back ({@link releaseExecutor}) when it ends.
 * @example
 * ```ts
 * const { executor, owned } = openExecutor(choice)
 * try { ... } finally { if (owned) await releaseExecutor(executor) }
 * ```
 */
export function openExecutor (choice: ExecutorChoice): { executor: Executor; owned: boolean } {
  if (choice.executor !== undefined) return { executor: choice.executor, owned: false }
  if (choice.workers === 1) return { executor: inProcessExecutor(), owned: false }
  const waiting = idle.get(choice.workers)?.pop()
  if (waiting !== undefined) {
    clearTimeout(waiting.timer)
    return { executor: waiting.executor, owned: true }
  }
  const executor = threadExecutor({ threads: choice.workers })
  made.set(executor, choice.workers)
  return { executor, owned: true }
}

/**
 * Gives back an executor that {@link openExecutor} made for a fit: it waits for the next fit with
 * as many threads, or is closed at once if its threads could not start or died.
 * @example
 * ```ts
 * await releaseExecutor(executor) // its threads serve the next `workers: 2` fit
 * ```
 */
export async function releaseExecutor (executor: Executor): Promise<void> {
  const workers = made.get(executor)
  if (workers === undefined || !usable(executor as ThreadExecutor)) return await executor.close()
  const list = idle.get(workers) ?? []
  idle.set(workers, list)
  const entry = {
    executor: executor as ThreadExecutor,
    timer: setTimeout(() => {
      list.splice(list.indexOf(entry), 1)
      void executor.close()
    }, IDLE_MS)
  }
  entry.timer.unref()
  list.push(entry)
}

/**
 * The `executor` and `workers` options of every fit, normalized once: an executor object the
 * caller owns, or a thread count for which the fit makes (and closes) its own thread executor.
 */
import { invalidOption } from '../core/errors.js'
import { isExecutor, type Executor } from './executor.js'
import { inProcessExecutor } from './in-process.js'
import { threadExecutor } from './threads.js'

/** Where a fit runs: an executor given by the caller, or threads for this fit alone. */
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

/**
 * The executor of a fit and whether the fit must close it.
 * @example
 * ```ts
 * const { executor, owned } = openExecutor(choice)
 * try { ... } finally { if (owned) await executor.close() }
 * ```
 */
export function openExecutor (choice: ExecutorChoice): { executor: Executor; owned: boolean } {
  if (choice.executor !== undefined) return { executor: choice.executor, owned: false }
  if (choice.workers === 1) return { executor: inProcessExecutor(), owned: false }
  return { executor: threadExecutor({ threads: choice.workers }), owned: true }
}

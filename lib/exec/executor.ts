/**
 * Where a fit's passes run (design.md, "Executors"). A pass is "summarize these rows with these
 * parameters and merge their statistics into the model"; the trainer (train/em.ts) and the
 * single-pass fit (train/single-pass.ts) ask an executor for every pass and never know where it
 * ran: on this thread (in-process.ts, the default), on worker threads (threads.ts), or on other
 * machines through BullMQ (bullmq.ts). Summaries merge exactly, so every executor gives the bits
 * of one thread.
 *
 * A fit holds a {@link Session} from start to end. Its passes go either over a stream that this
 * process reads (the session summarizes each batch, or hands it to a thread) or over a
 * {@link ShardList} that the executor's workers open themselves.
 */
import type { Batch } from '../core/batch.js'
import type { StreamLike } from '../core/source.js'
import type { TrainableModel } from '../train/em.js'
import type { ShardList } from './shards.js'

/** Something a pass can read again: a file path, a function opening a fresh source, in-memory batches, or shards. */
export type PassSource = string | (() => StreamLike | string | Promise<StreamLike | string>) | readonly unknown[] | ShardList

/** What a fit tells its executor when it starts. */
export interface FitRequest {
  /** The trainer's model: its parameters are those of every pass; statistics are merged into it. */
  model: TrainableModel<any>
  source: PassSource
  /** `many` for EM (the same source again and again), `one` for a single-pass fit. */
  passes: 'one' | 'many'
  /** Rows per batch of a stream (the trainer's option). */
  batchSize: number | undefined
  /** Mini-batch EM: every batch is a unit of the epoch (a thread gets each batch whole, not re-cut). */
  miniBatch: boolean
  /** Checkpoints or a resume may cut a pass: a path is read as a stream, not split into shards. */
  cutsPasses: boolean
  signal: AbortSignal | undefined
  /** Called on this thread for every piece summarized: its rows and what `summarizeBatch` returned. */
  done: (rows: number, logProbability: number | undefined) => void
  /**
   * Runs the pass again on this thread, batch after batch as one thread cuts them, and returns
   * the first error met (or `seen` when none is): what a failed parallel pass reports.
   */
  replay: (seen: unknown) => Promise<unknown>
}

/** The passes of one fit on an executor. */
export interface Session {
  /** Set when the passes go over shards (read by the workers), else undefined. */
  readonly shards: ShardList | undefined
  /** The stream to read when `shards` is undefined (in-memory batches may have been moved to shared memory). */
  readonly source: Exclude<PassSource, ShardList>
  /**
   * New parameters for what follows (the start of a pass, or after an M-step). `rowsInStatistics`
   * is how many rows the model's statistics already hold (a resumed epoch), for block alignment.
   */
  begin: (rowsInStatistics: number) => Promise<void>
  /**
   * Summarizes one batch of the stream here, or hands it over; `done` is called when it is
   * summarized. A lent batch (core/batch.ts) is released once nothing refers to it any more.
   */
  add: (batch: Batch) => Promise<void>
  /**
   * Waits until everything handed over is summarized and its statistics merged into the model.
   * `passEnd`: a full pass is over and its statistics go straight to an M-step, so the cut block
   * at its end may be summarized elsewhere and merged as a block of its own.
   */
  flush: (passEnd?: boolean) => Promise<void>
  /** One pass over `shards` (the `epoch`-th, counting the initial pass as 0), merged into the model. */
  pass: (epoch: number) => Promise<void>
  /** The error to report for a failed pass (a parallel pass is replayed to find the error one thread meets first). */
  explain: (err: unknown) => Promise<unknown>
  /** Ends the fit's use of the executor (closes what was opened for it). */
  end: () => Promise<void>
}

/**
 * Where passes run. An executor serves one fit at a time (a second waits for the first) and is
 * closed by its owner; the `workers` option makes one for a single fit and closes it after.
 *
 * @example
 * ```ts
 * const executor = threadExecutor({ threads: 2 })
 * try {
 *   await mixture.fitStream([X], { executor, maxIterations: 20 })
 *   await kmeans.fitStream([X], { executor })
 * } finally {
 *   await executor.close()
 * }
 * ```
 */
export interface Executor {
  /** `in-process`, `threads` or `bullmq`. */
  readonly kind: string
  /** Starts the passes of one fit. */
  start: (fit: FitRequest) => Promise<Session>
  /** Releases the executor's threads or connections (idempotent). */
  close: () => Promise<void>
}

/**
 * True for an object that implements {@link Executor}.
 * @example
 * ```ts
 * isExecutor(threadExecutor({ threads: 2 })) // => true
 * ```
 */
export function isExecutor (value: unknown): value is Executor {
  const e = value as Partial<Executor>
  return typeof value === 'object' && value !== null && typeof e.kind === 'string' && typeof e.start === 'function' && typeof e.close === 'function'
}

/**
 * What the training loop takes: the model's hooks it may use, its options and their normalized
 * settings, the epoch log and progress it reports, and what a stream fit can re-open.
 */
import { invalidOption } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { checkKeys, numberOption, type UpdateOptions } from '../core/options.js'
import type { ProgressCallback } from '../core/progress.js'
import type { StreamLike } from '../core/source.js'
import { executorChoice, type ExecutorChoice } from '../exec/choose.js'
import type { Executor } from '../exec/executor.js'
import type { ShardList } from '../exec/shards.js'
import type { History } from './callbacks.js'
import { CHECKPOINT_OPTION_KEYS, checkTrainState, type CheckpointOptions, type TrainState } from './checkpoint.js'

/** What the trainer needs from a model (every aril model has it; EM models return a log-likelihood). */
export type TrainableModel<U extends UpdateOptions = UpdateOptions> = Model<unknown, U> & {
  /**
   * Optional: the exact total log-likelihood of the rows summarized since the statistics were
   * last cleared. When present the trainer reads it instead of adding up what `summarizeBatch`
   * returned, so the reported log-likelihoods are the same bits for any chunking too.
   */
  summaryLogProbability?: () => number
  /**
   * Optional: how the model summarizes, when that is not in its JSON (a BayesModel's
   * semi-supervised E-step). A worker rebuilt from the JSON gets it back with `setPassMode`.
   */
  passMode?: () => unknown
  setPassMode?: (mode: unknown) => void
  /**
   * Optional: a note for the first epoch's log once the first pass has counted the rows (e.g. that
   * the initialization looked at fewer rows than a pass holds), or undefined.
   */
  noteAfterPass?: (passRows: number) => string | undefined
  /** Optional: rows (sequences) of the pass just summarized that the model skipped as impossible. */
  skippedInPass?: () => number
}

/** One epoch's log (pomegranate's vocabulary, in camelCase). */
export interface EpochLog {
  /** M-steps done before this epoch's pass (1 for the first logged epoch). */
  epoch: number
  /** `logProbability − lastLogProbability`. */
  improvement: number
  /** `logProbability − initialLogProbability`. */
  totalImprovement: number
  /** Total weighted log-likelihood of the epoch's rows under the parameters of this M-step. */
  logProbability: number
  lastLogProbability: number
  initialLogProbability: number
  /** Milliseconds spent on the epoch (M-step and pass). */
  duration: number
  /** Wall-clock times (ms since the epoch of `Date.now()`). */
  epochStartTime: number
  epochEndTime: number
  /** Rows (sequences, for a sequence model) and batches summarized in this epoch. */
  rows: number
  batches: number
  /** The inertia used by this epoch's M-step (pomegranate logs it as `learning_rate`). */
  inertia: number
  /** True when the log-likelihood went down. */
  decreased: boolean
  /** Something the user should know about this fit, on the first epoch's log (e.g. how it was initialized). */
  note?: string
  /** Sequences of this epoch's pass that the model skipped as impossible (log-probability −Infinity); absent when none. */
  skipped?: number
}

/** Progress inside a pass, after every batch. */
export interface BatchProgress {
  /** M-steps done (0 during the initial pass). */
  epoch: number
  /** Batches and rows of the current epoch so far. */
  batches: number
  rows: number
  /** Rows summarized since training began (including passes before a resume). */
  totalRows: number
  /** Rows of one full pass, once known (-1 during the first pass). */
  passRows: number
}

/** Hooks called by the trainer; a promise returned from a hook is awaited by `trainStream`. */
export interface TrainCallback {
  onTrainingBegin?: (model: TrainableModel<any>) => void | Promise<void>
  onBatchEnd?: (progress: BatchProgress) => void | Promise<void>
  onEpochEnd?: (log: EpochLog) => void | Promise<void>
  onTrainingEnd?: (history: History) => void | Promise<void>
}

/** Options of the training loop (the model's own update options go alongside). */
export interface TrainOptions {
  /** Stop when the improvement is at most this (default 0.1, as pomegranate's mixtures). */
  stopThreshold?: number
  /** At most this many M-steps (a whole number or Infinity; 0 does nothing). Default Infinity. */
  maxIterations?: number
  /** At least this many M-steps before `stopThreshold` may stop the loop (a whole number; default 0). */
  minIterations?: number
  /** Rows per batch: slices of the in-memory data, or the stream re-cut (default: the source's chunks; in memory, all rows). */
  batchSize?: number
  /** Mini-batch (stepwise) EM: batches summarized per M-step, advancing through the data and wrapping around. */
  batchesPerEpoch?: number
  /** Inertia at M-step k is `1 − (1 − inertia)·(2 + k)^(−lrDecay)` (default 0: the inertia as given). */
  lrDecay?: number
  /** Weight of the old parameters in every M-step (before `lrDecay`). */
  inertia?: number
  callbacks?: readonly TrainCallback[]
  /** Aborting stops between batches; the model keeps the parameters of its last M-step. */
  signal?: AbortSignal
  /** Hand the state over every few batches (see checkpoint.ts). */
  checkpoint?: CheckpointOptions
  /** Continue a fit from a checkpointed state (the model must hold the state's parameters: `resumeModel(state)`). */
  resume?: TrainState
  /**
   * Threads that summarize each pass of `trainStream` (default 1: this thread does it all;
   * `'auto'`: one per core when the work is large enough to pay for starting them). The threads
   * are started once, by the first such fit, and serve the next fits with as many threads (idle,
   * they close after 30 s; see lib/exec/choose.ts; or give a `threadExecutor()` as `executor`
   * and close it yourself). Same bits as one thread, with every option (mini-batches,
   * checkpoints, resume); see lib/exec/threads.ts. In-memory batches are shared with the threads,
   * a `.npy` path is read by the threads themselves. `onBatchEnd` reports the pieces the threads
   * summarize. In-memory `fit`/`trainBatch` stay on one thread (they are synchronous).
   */
  workers?: number | 'auto'
  /**
   * Where the passes run: `inProcessExecutor()` (the default), `threadExecutor({ threads })`, or
   * `bullmqExecutor({ connection })` (other machines; the source must then be shards). Not with `workers`.
   */
  executor?: Executor
  /** Called after every batch with the pass's rows, bytes and share done (see `sink({ onProgress })`), and `epoch`. */
  onProgress?: ProgressCallback
}

/**
 * Something `trainStream` can open again for every pass: a file path, a function returning a
 * fresh source, an array of batches, or shards (read where the pass runs; see lib/exec/shards.ts).
 */
export type Opener = string | (() => StreamLike | string | Promise<StreamLike | string>) | readonly unknown[] | ShardList

/** The keys of {@link TrainOptions} and the rows' `weights` and `labels` (a fit takes the model's update options besides). */
export const TRAIN_OPTION_KEYS = ['stopThreshold', 'maxIterations', 'minIterations', 'batchSize', 'batchesPerEpoch', 'lrDecay', 'inertia', 'callbacks', 'signal', 'checkpoint', 'resume', 'workers', 'executor', 'weights', 'labels', 'onProgress'] as const

const TRAIN_KEYS = new Set<string>(TRAIN_OPTION_KEYS)

/** The training options, checked and with their defaults. */
export interface Settings {
  stopThreshold: number
  maxIterations: number
  minIterations: number
  batchSize: number | undefined
  batchesPerEpoch: number
  lrDecay: number
  inertia: number
  callbacks: TrainCallback[]
  signal: AbortSignal | undefined
  checkpoint: CheckpointOptions | undefined
  resume: TrainState | undefined
  executor: ExecutorChoice
  onProgress: ProgressCallback | undefined
  update: Record<string, unknown>
}

function wholeOption (options: object, name: string, fallback: number, min: number): number {
  const value = numberOption(options, name, fallback, min)
  if (!Number.isInteger(value) && value !== Infinity) invalidOption(name, `a whole number >= ${min} or Infinity`, value)
  return value
}

/** Normalizes the training options once. */
export function trainSettings (options: TrainOptions & UpdateOptions): Settings {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  const callbacks = options.callbacks ?? []
  if (!Array.isArray(callbacks) || !callbacks.every(c => typeof c === 'object' && c !== null)) {
    invalidOption('callbacks', 'an array of callback objects', callbacks)
  }
  const batchSize = options.batchSize === undefined ? undefined : wholeOption(options, 'batchSize', 1, 1)
  if (batchSize === Infinity) invalidOption('batchSize', 'a whole number >= 1', batchSize)
  const { signal, checkpoint } = options
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', signal)
  if (checkpoint !== undefined) {
    if (typeof checkpoint !== 'object' || checkpoint === null || typeof checkpoint.save !== 'function') {
      invalidOption('checkpoint', 'an object with a save(state) function', checkpoint)
    }
    checkKeys(checkpoint, CHECKPOINT_OPTION_KEYS, 'checkpoint')
    wholeOption(checkpoint, 'everyBatches', 1, 1)
    numberOption(checkpoint, 'everyMs', 0, 0)
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') invalidOption('onProgress', 'a function', options.onProgress)
  const executor = executorChoice(options)
  const update: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (!TRAIN_KEYS.has(key)) update[key] = value
  const stopThreshold = numberOption(options, 'stopThreshold', 0.1)
  const maxIterations = wholeOption(options, 'maxIterations', Infinity, 0)
  // Improvements of 0 would never stop a loop without an iteration bound.
  if (stopThreshold < 0 && maxIterations === Infinity) invalidOption('stopThreshold', 'a number >= 0 (or a finite maxIterations)', stopThreshold)
  const minIterations = wholeOption(options, 'minIterations', 0, 0)
  if (minIterations === Infinity) invalidOption('minIterations', 'a whole number >= 0', minIterations)
  return {
    stopThreshold,
    maxIterations,
    minIterations,
    batchSize,
    batchesPerEpoch: wholeOption(options, 'batchesPerEpoch', Infinity, 1),
    lrDecay: numberOption(options, 'lrDecay', 0, 0),
    inertia: numberOption(options, 'inertia', 0, 0, 1),
    callbacks: [...callbacks],
    signal,
    checkpoint,
    resume: options.resume === undefined ? undefined : checkTrainState(options.resume),
    executor,
    onProgress: options.onProgress,
    update
  }
}


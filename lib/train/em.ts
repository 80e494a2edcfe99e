/**
 * Multi-pass training (expectation–maximization and its relatives) for any model whose
 * `summarizeBatch` returns the batch's log-likelihood: pomegranate 0.14.8's loop (reference
 * section 2.2) with its bugs fixed. One epoch is `fromSummaries` (the M-step; nothing at epoch 0)
 * followed by one pass of `summarize` over the data (the E-step), repeated until the improvement
 * of the total log-likelihood is at most `stopThreshold` or `maxIterations` M-steps are done.
 *
 * The same loop serves `trainBatch` (in memory, synchronous) and `trainStream` (out of core,
 * re-opening the source for every pass), so both give the same bits on the same rows: statistics
 * are summed in blocks aligned to the row index (accumulate.ts), whatever the chunking. For the
 * same reason `trainStream` can run each pass on an executor (worker threads, other machines; see
 * lib/exec/ and passes.ts) and merge its statistics, still with the same bits.
 *
 * Differences from pomegranate: `maxIterations: 0` does nothing (pomegranate crashes); a decrease
 * of the log-likelihood stops the loop but is reported as such (`decreased`, `stopReason`), not
 * as convergence; mini-batch epochs (`batchesPerEpoch`) advance through the data and wrap around
 * instead of re-reading the first rows; statistics present before training are dropped. A
 * log-likelihood that becomes NaN or ±Infinity (pomegranate loops forever: its improvement is NaN)
 * stops the loop with `stopReason: 'nonFinite'` and undoes the M-step that led there.
 */
import { statSync } from 'node:fs'
import { ExactSum, decodeNumber, encodeNumber } from '../core/accumulate.js'
import type { Batch } from '../core/batch.js'
import { sliceUnits, unitCount } from '../core/sequence.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys, optionKeys, type UpdateOptions } from '../core/options.js'
import { ProgressCounter } from '../core/progress.js'
import { parseJSON, stringifyJSON } from '../core/serialize.js'
import { assertNotBusy } from '../core/sink.js'
import { isShardList } from '../exec/shards.js'
import { History, type StopReason } from './callbacks.js'
import { canonicalJSON, stateChecksum, TRAIN_STATE_FORMAT, type TrainState } from './checkpoint.js'
import { SourceHasher, type SourceId } from './source-identity.js'
import { snapshotParameters } from './parameter-snapshot.js'
import { runPasses, settle } from './passes.js'
import { TRAIN_OPTION_KEYS, trainSettings, type BatchProgress, type EpochLog, type Opener, type Settings, type TrainableModel, type TrainCallback, type TrainOptions } from './train-options.js'

export { History, type StopReason }
export { TRAIN_OPTION_KEYS, trainSettings, type BatchProgress, type EpochLog, type Opener, type TrainableModel, type TrainCallback, type TrainOptions } from './train-options.js'

/**
 * The loop's state and steps, fed batches by the two drivers (`trainBatch` below, and the passes
 * of passes.ts). Nothing in here knows where the batches come from or where they are summarized.
 */
export class Loop<U extends UpdateOptions> {
  readonly history = new History()
  private readonly callbacks: TrainCallback[]
  private readonly miniBatch: boolean
  /** Promises returned by callbacks, awaited by the stream driver. */
  pending: Array<Promise<unknown>> = []
  iteration = 0
  sourceRows = 0
  private passRows = -1
  /** Rows and batches summarized since the last M-step (what the model's statistics hold). */
  epochRows = 0
  epochBatches = 0
  private totalRows = 0
  private totalBatches = 0
  private epochLog = new ExactSum()
  private last = NaN
  private initial = NaN
  private stepInertia = 0
  private epochStart = performance.now()
  private epochStartTime = Date.now()
  private batchesSinceSave = 0
  /** Progress of the current opening of the source (see `onProgress`). */
  progress: ProgressCounter | undefined
  private lastSave = performance.now()
  /** The model's note after the first pass, for the next epoch's log. */
  private note: string | undefined
  /** Puts back the parameters from before the last M-step (undefined before the first, or after a resume). */
  private undo: (() => void) | undefined
  /** Hashes the first rows of this run's first opening of the source, for checkpoints. */
  private hasher = new SourceHasher()
  private identified = false
  /** The source a resumed state was taken on. */
  private checkpointed: SourceId | undefined

  /** @param sourceBytes the size of the source file, when the source is a file path */
  constructor (private readonly model: TrainableModel<U>, readonly settings: Settings, private readonly sourceBytes?: number) {
    this.callbacks = [this.history, ...settings.callbacks]
    this.miniBatch = settings.batchesPerEpoch !== Infinity
  }

  /** Starts training; false when there is nothing to do (frozen model, `maxIterations: 0`). */
  begin (): boolean {
    const { model, settings } = this
    assertNotBusy(model, 'Training')
    if (model.frozen || settings.maxIterations === 0) {
      this.finish(model.frozen ? 'frozen' : 'maxIterations')
      return false
    }
    if (settings.resume === undefined) model.clearSummaries()
    else this.restore(settings.resume)
    this.call(c => c.onTrainingBegin?.(model))
    return true
  }

  /**
   * Sees every batch of the first opening, before rows are skipped or summarized, and `undefined`
   * when it ends: the first rows make the source's identity, which a resumed fit checks.
   * @throws ArilError `ERR_CHECKPOINT` when a resumed fit reads other rows than its checkpoint's
   */
  identify (batch: Batch | undefined): void {
    if (this.identified) return
    if (batch !== undefined) this.hasher.add(batch)
    if (batch !== undefined && !this.hasher.full) return
    this.identified = true
    const known = this.checkpointed
    if (known === undefined) return
    const found = this.hasher.id()
    if (found.rows !== known.rows || found.hash !== known.hash) {
      throw new ArilError('ERR_CHECKPOINT', `The source is not the one the checkpoint was taken on: its first ${known.rows} rows differ (hash ${found.hash.slice(0, 12)}…, expected ${known.hash.slice(0, 12)}…)`)
    }
  }

  /** Summarizes one batch (after checking for an abort). */
  add (batch: Batch): void {
    this.checkAbort()
    this.counted(unitCount(batch), this.model.summarizeBatch(batch))
  }

  /** Counts a batch summarized (here or by a worker) that returned `logp`. */
  counted (rows: number, logp: number | undefined): void {
    if (logp !== undefined) this.epochLog.add(logp)
    this.sourceRows += rows
    this.epochRows += rows
    this.totalRows += rows
    this.epochBatches++
    this.totalBatches++
    this.batchesSinceSave++
    this.progress?.count(rows)
    const progress: BatchProgress = { epoch: this.iteration, batches: this.epochBatches, rows: this.epochRows, totalRows: this.totalRows, passRows: this.passRows }
    this.call(c => c.onBatchEnd?.(progress))
  }

  /** True when a mini-batch epoch has all its batches. */
  get epochComplete (): boolean {
    return this.epochBatches >= this.settings.batchesPerEpoch
  }

  /** The source is exhausted: ends the epoch (full passes) or wraps around (mini-batches). False when training is over. */
  sourceEnded (): boolean {
    if (this.miniBatch && this.sourceRows === 0) throw new ArilError('ERR_SOURCE', 'Mini-batch training needs rows, but the source gave none')
    if (this.passRows === -1) {
      this.passRows = this.sourceRows
      this.note = this.model.noteAfterPass?.(this.passRows)
    } else if (this.passRows !== this.sourceRows) {
      throw new ArilError('ERR_SOURCE', `Every opening of the source must give the same rows: expected ${this.passRows} rows, got ${this.sourceRows}`)
    }
    this.sourceRows = 0
    return this.miniBatch || this.endEpoch()
  }

  /** Logs the finished epoch and either stops (false) or runs the next M-step (true). */
  endEpoch (): boolean {
    this.checkAbort()
    const { model, settings } = this
    const logp = model.summaryLogProbability?.() ?? this.epochLog.value()
    const stop = nonFinite(logp, this.iteration)
    let improvement = Infinity
    if (this.iteration === 0) {
      this.initial = logp
    } else {
      improvement = logp - this.last
      const skipped = model.skippedInPass?.() ?? 0
      const end = performance.now()
      const log: EpochLog = {
        epoch: this.iteration,
        improvement,
        totalImprovement: logp - this.initial,
        logProbability: logp,
        lastLogProbability: this.last,
        initialLogProbability: this.initial,
        duration: end - this.epochStart,
        epochStartTime: this.epochStartTime,
        epochEndTime: this.epochStartTime + (end - this.epochStart),
        rows: this.epochRows,
        batches: this.epochBatches,
        inertia: this.stepInertia,
        decreased: improvement < 0,
        ...(this.note === undefined ? {} : { note: this.note }),
        ...(skipped > 0 ? { skipped } : {})
      }
      this.note = undefined
      // Undone before the callbacks run, so a model checkpoint writes the parameters kept.
      if (stop) this.undo?.()
      this.call(c => c.onEpochEnd?.(log))
    }
    if (stop) {
      // The M-step that led here is taken back: its parameters score the data as NaN or ±Infinity.
      model.clearSummaries()
      if (this.undo !== undefined) this.iteration--
      else this.last = logp
      this.finish('nonFinite')
      return false
    }
    this.last = logp
    const reason: StopReason | undefined = this.iteration >= settings.maxIterations
      ? 'maxIterations'
      : improvement <= settings.stopThreshold && this.iteration >= settings.minIterations ? (improvement < 0 ? 'decreased' : 'converged') : undefined
    if (reason !== undefined) {
      model.clearSummaries()
      this.finish(reason)
      return false
    }
    this.epochStart = performance.now()
    this.epochStartTime = Date.now()
    this.stepInertia = this.inertiaAt(this.iteration + 1)
    this.undo = snapshotParameters(model)
    model.fromSummaries({ ...settings.update, inertia: this.stepInertia } as unknown as U)
    this.iteration++
    this.epochLog = new ExactSum()
    this.epochRows = 0
    this.epochBatches = 0
    return true
  }

  /** pomegranate's stepwise schedule; with `lrDecay: 0` the inertia is passed on untouched. */
  private inertiaAt (k: number): number {
    const { inertia, lrDecay } = this.settings
    return lrDecay === 0 ? inertia : 1 - (1 - inertia) * Math.pow(2 + k, -lrDecay)
  }

  /** True when a checkpoint is due (by batches or by time). */
  get checkpointDue (): boolean {
    const checkpoint = this.settings.checkpoint
    if (checkpoint === undefined || this.batchesSinceSave === 0) return false
    const byBatches = this.batchesSinceSave >= (checkpoint.everyBatches ?? (checkpoint.everyMs === undefined ? 1 : Infinity))
    const byTime = checkpoint.everyMs !== undefined && performance.now() - this.lastSave >= checkpoint.everyMs
    return byBatches || byTime
  }

  /** Hands the state to the checkpoint option when one is due. */
  maybeCheckpoint (): void {
    if (!this.checkpointDue) return
    const checkpoint = this.settings.checkpoint!
    this.batchesSinceSave = 0
    this.lastSave = performance.now()
    const state = this.state()
    // once, not once per callback (call() visits every callback)
    const saved = checkpoint.save(state)
    if (saved instanceof Promise) this.pending.push(saved)
  }

  /** The resumable state (see checkpoint.ts). */
  state (): TrainState {
    const state: Omit<TrainState, 'checksum'> = {
      format: TRAIN_STATE_FORMAT,
      version: 2,
      model: parseJSON(stringifyJSON(this.model.toJSON())) as object,
      summary: this.model.summary(),
      iteration: this.iteration,
      epochRows: this.epochRows,
      epochBatches: this.epochBatches,
      sourceRows: this.sourceRows,
      passRows: this.passRows,
      logSum: this.epochLog.toJSON(),
      lastLogProbability: encodeNumber(this.last),
      initialLogProbability: encodeNumber(this.initial),
      totalRows: this.totalRows,
      totalBatches: this.totalBatches,
      epochs: this.history.epochs.slice(),
      source: this.checkpointed ?? this.hasher.id(this.sourceBytes)
    }
    return { ...state, checksum: stateChecksum(state) }
  }

  private restore (state: TrainState): void {
    const { model } = this
    if (canonicalJSON(model.toJSON()) !== canonicalJSON(state.model)) {
      throw new ArilError('ERR_CHECKPOINT', `The model's parameters differ from the checkpoint's; build the model with resumeModel(state)`)
    }
    const { bytes } = state.source
    if (bytes !== undefined && this.sourceBytes !== undefined && bytes !== this.sourceBytes) {
      throw new ArilError('ERR_CHECKPOINT', `The source is not the one the checkpoint was taken on: a file of ${this.sourceBytes} bytes, expected ${bytes}`)
    }
    this.checkpointed = state.source
    this.hasher = new SourceHasher(state.source.rows)
    model.clearSummaries()
    model.mergeSummary(state.summary)
    this.iteration = state.iteration
    this.epochRows = state.epochRows
    this.epochBatches = state.epochBatches
    this.sourceRows = state.sourceRows
    this.passRows = state.passRows
    this.epochLog = ExactSum.from(state.logSum)
    this.last = decodeNumber(state.lastLogProbability)
    this.initial = decodeNumber(state.initialLogProbability)
    this.totalRows = state.totalRows
    this.totalBatches = state.totalBatches
    this.history.epochs = state.epochs.slice()
    this.stepInertia = this.inertiaAt(this.iteration)
  }

  private finish (reason: StopReason): void {
    const h = this.history
    h.stopReason = reason
    h.iterations = this.iteration
    h.initialLogProbability = this.initial
    h.logProbability = this.last
    h.decreased = h.epochs.some(e => e.decreased)
    h.rows = this.totalRows
    h.batches = this.totalBatches
    this.call(c => c.onTrainingEnd?.(h))
  }

  /** Drops the statistics of the unfinished epoch (the parameters are those of the last M-step). */
  fail (err: unknown): never {
    this.model.clearSummaries()
    throw err
  }

  checkAbort (): void {
    const signal = this.settings.signal
    if (signal?.aborted === true) {
      throw new ArilError('ERR_ABORTED', `Training aborted after ${this.iteration} M-steps`, {}, { cause: signal.reason })
    }
  }

  private call (hook: (c: TrainCallback) => void | Promise<void> | undefined): void {
    for (const c of this.callbacks) {
      const result = hook(c)
      if (result instanceof Promise) this.pending.push(result)
    }
  }
}

/**
 * Trains a model on rows in memory (synchronous): the same loop and the same bits as
 * {@link trainStream} on the same rows.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, `ERR_ABORTED`, and whatever the model throws; on error
 *   the model keeps the parameters of its last M-step
 * @example
 * ```ts
 * const history = trainBatch(mixture, toBatch(X), { maxIterations: 100, stopThreshold: 1e-6 })
 * history.epochs.at(-1)?.logProbability
 * ```
 */
export function trainBatch<U extends UpdateOptions> (model: TrainableModel<U>, batch: Batch, options: U & TrainOptions = {} as U & TrainOptions): History {
  checkKeys(options, optionKeys(TRAIN_OPTION_KEYS, model.updateOptionKeys), `${model.name}.fit`)
  const loop = new Loop(model, trainSettings(options))
  const data = model.toBatch(batch)
  if (!loop.begin()) return checkSync(loop).history
  const units = unitCount(data)
  const size = loop.settings.batchSize ?? Math.max(1, units)
  try {
    loop.identify(data)
    loop.identify(undefined)
    let at = loop.sourceRows
    for (;;) {
      if (at >= units) {
        at = 0
        if (!checkSync(loop).sourceEnded()) break
        continue
      }
      const end = Math.min(units, at + size)
      loop.add(end - at === units ? data : sliceUnits(data, at, end))
      at = end
      if (loop.epochComplete && !loop.endEpoch()) break
      checkSync(loop).maybeCheckpoint()
    }
  } catch (err) {
    loop.fail(err)
  }
  return checkSync(loop).history
}

/** The synchronous driver cannot wait for callbacks. */
function checkSync<U extends UpdateOptions> (loop: Loop<U>): Loop<U> {
  if (loop.pending.length > 0) {
    loop.pending = []
    invalidOption('callbacks', 'synchronous callbacks in an in-memory fit (use fitStream for asynchronous ones)', 'a Promise')
  }
  return loop
}

/**
 * Trains a model out of core: every pass re-opens the source with `open()` (or goes over its
 * shards) and summarizes its batches on the fit's executor (this thread by default; `workers`,
 * `executor`). Resolves with the {@link History}.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, `ERR_SOURCE` (the source changed between passes),
 *   `ERR_ABORTED`, `ERR_CHECKPOINT` (a resume state that does not fit the model), the executor's
 *   errors (`ERR_EXECUTOR`, `ERR_NO_WORKERS`, `ERR_SHARD_FAILED`), and whatever the source or the
 *   model throws; on error the model keeps the parameters of its last M-step
 * @example
 * ```ts
 * const history = await trainStream(mixture, () => readNpy('big.npy'), { maxIterations: 20, callbacks: [progress()] })
 * ```
 */
export async function trainStream<U extends UpdateOptions> (model: TrainableModel<U>, open: Opener, options: U & TrainOptions = {} as U & TrainOptions): Promise<History> {
  if (typeof open !== 'function' && typeof open !== 'string' && !Array.isArray(open) && !isShardList(open)) {
    throw new ArilError('ERR_SOURCE', `Multi-pass training needs a file path or a function that opens the source again (or an array of batches, or shards), got ${show(open)}`)
  }
  checkKeys(options, optionKeys(TRAIN_OPTION_KEYS, model.updateOptionKeys), `${model.name}.fitStream`)
  const loop = new Loop(model, trainSettings(options), typeof open === 'string' ? fileSize(open) : undefined)
  const started = loop.begin()
  await settle(loop)
  if (!started) return loop.history
  await runPasses(model, open, loop)
  return loop.history
}

/** The size of a file (part of a checkpoint's source identity), or undefined when it cannot be read (opening it will say why). */
function fileSize (path: string): number | undefined {
  try {
    return statSync(path).size
  } catch {
    return undefined
  }
}

/**
 * A log-likelihood that stops training: NaN or +Infinity (a component collapsed onto repeated
 * values: a zero standard deviation), or −Infinity after an M-step (rows the new parameters call
 * impossible). The initial parameters may score −Infinity: the first M-step can repair them.
 */
function nonFinite (logp: number, iteration: number): boolean {
  return logp !== logp || logp === Infinity || (logp === -Infinity && iteration > 0)
}

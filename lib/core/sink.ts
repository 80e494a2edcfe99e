/**
 * The one bridge from streams to models: a Writable that summarizes every chunk synchronously in
 * `write()` (so backpressure is natural) and updates the parameters in `final()`.
 *
 * One sink at a time per model: from its first chunk until it finishes or is destroyed a sink
 * holds its model, and another sink's first chunk (or `fit`, or training) is `ERR_MODEL_BUSY`.
 * A failed sink puts the statistics back as they were before its first chunk, which would wipe
 * the rows a second sink had added meanwhile; refusing the second one keeps every row accounted.
 */
import { Writable } from 'node:stream'
import { RELEASES_BATCHES, releaseBatch, type BatchInput } from './batch.js'
import { ArilError, show } from './errors.js'
import type { Model, Summary } from './model.js'
import { booleanOption } from './options.js'
import type { UpdateOptions } from './options.js'
import { chunkRows, ProgressCounter, type ProgressCallback } from './progress.js'
import { rejectRawBytes } from './raw-bytes.js'
import { inSourceFile } from './source-file.js'

/** Options of `model.sink()`: the model's update options plus stream options. */
export type SinkOptions<U extends UpdateOptions> = U & {
  /** Call `fromSummaries` before `'finish'` (default true); false leaves the statistics for later. */
  update?: boolean | undefined
  /** Aborting destroys the sink and restores the model. */
  signal?: AbortSignal | undefined
  /** Called after every batch with the rows so far and, from an aril reader piped in, its bytes and the share done. */
  onProgress?: ProgressCallback | undefined
}

/** The keys of {@link SinkOptions} besides the model's update options. */
export const SINK_OPTION_KEYS = ['update', 'signal', 'onProgress'] as const

/** Work between two yields to the event loop, so a synchronous source cannot starve timers. */
const YIELD_EVERY_MS = 4

/** The sink that holds each model, from its first chunk until it finishes or is destroyed. */
const holders = new WeakMap<Model<any, any>, ModelSink<any>>()

/**
 * Throws `ERR_MODEL_BUSY` when a sink holds the model: its statistics belong to that stream until
 * it ends. `what` says what was refused.
 */
export function assertNotBusy (model: Model<any, any>, what: string): void {
  if (holders.has(model)) {
    throw new ArilError('ERR_MODEL_BUSY', `${what}: a sink of this ${model.name} is still summarizing a stream; wait for it to finish (one sink at a time per model)`)
  }
}

export class ModelSink<U extends UpdateOptions> extends Writable {
  /** Models keep statistics, never rows: each batch is released after it is summarized. */
  readonly [RELEASES_BATCHES] = true
  /** The statistics before the first chunk (taken then, so rows summarized before it are kept). */
  private snapshot: Summary | undefined
  private readonly update: boolean
  private readonly progress: ProgressCounter | undefined
  private lastYield = performance.now()
  private completed = false
  /** The stream piped in, whose file a column-count error names. */
  private source: unknown

  constructor (private readonly model: Model<unknown, U>, private readonly options: SinkOptions<U>) {
    super({ objectMode: true, highWaterMark: 4, ...(options.signal === undefined ? {} : { signal: options.signal }) })
    this.update = booleanOption(options, 'update', true)
    this.on('pipe', source => { this.source = source })
    if (options.onProgress !== undefined) {
      const progress = this.progress = new ProgressCounter(options.onProgress)
      this.on('pipe', source => progress.attach(source))
    }
  }

  override _write (chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      if (typeof chunk === 'number' || typeof chunk === 'string') {
        throw new ArilError('ERR_INVALID_INPUT', `A model sink takes batches of rows, got a single value ${show(chunk)}; group rows with toBatches()`)
      }
      rejectRawBytes(chunk, 'A model sink')
      const rows = this.progress === undefined ? 0 : chunkRows(chunk)
      if (this.snapshot === undefined) {
        assertNotBusy(this.model, 'A second sink')
        this.snapshot = this.model.summary()
        holders.set(this.model, this)
      }
      this.model.summarize(chunk as BatchInput)
      releaseBatch(chunk)
      this.progress?.count(rows)
    } catch (err) {
      callback(inSourceFile(err, this.source) as Error)
      return
    }
    const now = performance.now()
    if (now - this.lastYield > YIELD_EVERY_MS) {
      this.lastYield = now
      setImmediate(callback)
    } else {
      callback()
    }
  }

  override _final (callback: (error?: Error | null) => void): void {
    try {
      if (this.update) {
        const { update: _update, signal: _signal, onProgress: _onProgress, ...rest } = this.options
        this.model.fromSummaries(rest as unknown as U)
      }
      this.completed = true
      this.release()
      callback()
    } catch (err) {
      callback(err as Error)
    }
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.completed && this.snapshot !== undefined && holders.get(this.model) === this) this.model.restoreSummary(this.snapshot)
    this.release()
    callback(error)
  }

  private release (): void {
    if (holders.get(this.model) === this) holders.delete(this.model)
  }
}

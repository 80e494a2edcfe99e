/**
 * The one bridge from streams to models: a Writable that summarizes every chunk synchronously in
 * `write()` (so backpressure is natural) and updates the parameters in `final()`.
 */
import { Writable } from 'node:stream'
import { RELEASES_BATCHES, releaseBatch, type BatchInput } from './batch.js'
import { ArilError, show } from './errors.js'
import type { Model, Summary } from './model.js'
import { booleanOption } from './options.js'
import type { UpdateOptions } from './options.js'
import { chunkRows, ProgressCounter, type ProgressCallback } from './progress.js'
import { rejectRawBytes } from './raw-bytes.js'

/** Options of `model.sink()`: the model's update options plus stream options. */
export type SinkOptions<U extends UpdateOptions> = U & {
  /** Call `fromSummaries` before `'finish'` (default true); false leaves the statistics for later. */
  update?: boolean | undefined
  /** Aborting destroys the sink and restores the model. */
  signal?: AbortSignal | undefined
  /** Called after every batch with the rows so far and, from an aril reader piped in, its bytes and the share done. */
  onProgress?: ProgressCallback | undefined
}

/** Work between two yields to the event loop, so a synchronous source cannot starve timers. */
const YIELD_EVERY_MS = 4

export class ModelSink<U extends UpdateOptions> extends Writable {
  /** Models keep statistics, never rows: each batch is released after it is summarized. */
  readonly [RELEASES_BATCHES] = true
  private readonly snapshot: Summary
  private readonly update: boolean
  private lastYield = performance.now()
  private completed = false
  private readonly progress: ProgressCounter | undefined

  constructor (private readonly model: Model<unknown, U>, private readonly options: SinkOptions<U>) {
    super({ objectMode: true, highWaterMark: 4, ...(options.signal === undefined ? {} : { signal: options.signal }) })
    this.update = booleanOption(options, 'update', true)
    this.snapshot = model.summary()
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
      this.model.summarize(chunk as BatchInput)
      releaseBatch(chunk)
      this.progress?.count(rows)
    } catch (err) {
      callback(err as Error)
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
      callback()
    } catch (err) {
      callback(err as Error)
    }
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.completed) this.model.restoreSummary(this.snapshot)
    callback(error)
  }
}

/**
 * The model contract (design.md, "The model contract") as a base class: input checking, weights,
 * `fit`, `sink`, `fitStream`, freezing and failure rollback live here once, so a model file only
 * holds its statistics and formulas.
 */
import type { Writable } from 'node:stream'
import { getHeapStatistics } from 'node:v8'
import { forEachBatch, toBatch, type Batch, type BatchInput, type Key, type ToBatchOptions } from './batch.js'
import { ArilError, show } from './errors.js'
import { checkKeys, optionKeys, UPDATE_OPTION_KEYS, type UpdateOptions } from './options.js'
import { Random } from './random.js'
import { assertNotBusy, ModelSink, SINK_OPTION_KEYS, type SinkOptions } from './sink.js'
import { openSource, sourceError, type Source } from './source.js'
import { deepCopy } from './copy.js'
import { readableSummary, type Statistics } from './statistics.js'
import { pipeline } from 'node:stream/promises'
import { isShardList } from '../exec/shards.js'
import type { SinglePassOptions } from '../train/single-pass.js'

/** What one sampled row costs beyond its values: an array object and its header, as V8 lays them out. */
const ROW_OVERHEAD_BYTES = 64

/** Options of `summarize`. */
export interface SummarizeOptions {
  /** One frequency weight per row (finite, >= 0). */
  weights?: ArrayLike<number> | undefined
  /** One label per row, for supervised models. */
  labels?: ArrayLike<number> | undefined
}

/** The keys of {@link SummarizeOptions}. */
export const SUMMARIZE_OPTION_KEYS = ['weights', 'labels'] as const

/** The keys of a plain model's `fit`: {@link UPDATE_OPTION_KEYS} and {@link SUMMARIZE_OPTION_KEYS}. */
export const FIT_OPTION_KEYS = optionKeys(UPDATE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS)

/** Options of `sample`. */
export interface SampleOptions {
  /** Any integer; the same seed gives the same samples. */
  seed?: number | undefined
}

/** The keys of {@link SampleOptions}. */
export const SAMPLE_OPTION_KEYS = ['seed'] as const

/**
 * Options of `fitStream`: the update options plus an abort signal, and where the pass runs
 * (`workers`, `executor`, `batchSize`: see lib/train/single-pass.ts).
 */
export type FitStreamOptions<U extends UpdateOptions> = SinkOptions<U> & Omit<SinglePassOptions, 'update' | 'signal'>

/**
 * The keys of {@link FitStreamOptions} besides the model's update options (kept here, not beside
 * `SinglePassOptions`, so that a fit on a sink does not load the executors).
 */
export const FIT_STREAM_OPTION_KEYS = optionKeys(SINK_OPTION_KEYS, ['workers', 'executor', 'batchSize'])

/** A model's statistics as plain JSON, tagged with the model's name. */
export interface Summary {
  model: string
  [statistic: string]: unknown
}

/**
 * The base class of every aril model: input checking, `fit`, `sink`, `fitStream`, freezing and
 * rollback on failure are here; a model implements its statistics and formulas.
 *
 * @example
 * ```ts
 * const d: Model = new NormalDistribution()
 * await pipeline(readNpy('x.npy'), d.sink())
 * d.toJSON() // => { class: 'Distribution', name: 'NormalDistribution', parameters: [...], frozen: false }
 * ```
 *
 * @typeParam P the parameters, in pomegranate's order
 * @typeParam U the options of `fromSummaries`
 * @typeParam S what `sample` returns
 */
export abstract class Model<P = unknown, U extends UpdateOptions = UpdateOptions, S = unknown> {
  /** A frozen model ignores `summarize`, `fromSummaries` and `mergeSummary`. */
  frozen = false

  /** The pomegranate class name, e.g. `NormalDistribution`. */
  abstract readonly name: string

  /** Columns the model reads (undefined: any number). */
  abstract readonly dimension: number | undefined

  /**
   * The keys `fromSummaries` accepts: {@link UPDATE_OPTION_KEYS}, and more for a model whose
   * update takes more (`minCovar`) or hands its options on to its parts (a mixture's components).
   */
  get updateOptionKeys (): readonly string[] {
    return UPDATE_OPTION_KEYS
  }

  /** The keys `sample` accepts: {@link SAMPLE_OPTION_KEYS}, and more for a model that can draw given some values. */
  get sampleOptionKeys (): readonly string[] {
    return SAMPLE_OPTION_KEYS
  }

  /** Whether string categories are accepted as input (Discrete, tables, and models holding them). */
  get categorical (): boolean {
    return false
  }

  /** Checks any accepted input (design.md, "Accepted inputs") against this model's shape. */
  toBatch (X: BatchInput, options: SummarizeOptions = {}): Batch {
    return toBatch(X, this.batchOptions(options))
  }

  /** What `toBatch` checks an input against: this model's shape, and the rows' weights and labels. */
  protected batchOptions (options: SummarizeOptions = {}): ToBatchOptions {
    return { cols: this.dimension, categorical: this.categorical, weights: options.weights, labels: options.labels }
  }

  /**
   * Adds the statistics of a batch of rows. NaN (or null) values are missing and add nothing.
   * @returns what the model reports for the batch (the log-likelihood for EM models)
   */
  summarize (X: BatchInput, options?: SummarizeOptions): number | undefined {
    checkKeys(options, SUMMARIZE_OPTION_KEYS, `${this.name}.summarize`)
    const batch = this.toBatch(X, options)
    if (this.frozen || batch.rows === 0) return undefined
    return this.summarizeBatch(batch)
  }

  /** Adds the statistics of a checked batch. */
  abstract summarizeBatch (batch: Batch): number | undefined

  /**
   * Replaces the parameters with the estimate from the statistics (blended by `inertia`), then
   * clears the statistics. With zero total weight the parameters stay as they are.
   */
  fromSummaries (options?: U): this {
    checkKeys(options, this.updateOptionKeys, `${this.name}.fromSummaries`)
    if (this.frozen) return this
    this.update(options ?? {} as U)
    this.clearSummaries()
    return this
  }

  /** Computes the new parameters from the statistics and assigns them (throwing before any assignment). */
  protected abstract update (options: U): void

  /** Drops the statistics. */
  abstract clearSummaries (): void

  /** The statistics as a plain JSON-serializable value (for workers, machines and checkpoints). */
  abstract summary (): Summary

  /**
   * Adds another model's statistics (see `summary()`) into this one's.
   * @throws ArilError `ERR_SUMMARY_MISMATCH` when the summary belongs to another kind or shape of model
   */
  mergeSummary (summary: Summary): this {
    if (typeof summary !== 'object' || summary === null || summary.model !== this.name) {
      throw new ArilError('ERR_SUMMARY_MISMATCH', `Expected a summary of a ${this.name}, got ${summary?.model === undefined ? show(summary) : `one of a ${String(summary.model)}`}`)
    }
    if (this.frozen) return this
    const problem = this.summaryProblem(summary)
    if (problem !== undefined) throw new ArilError('ERR_SUMMARY_MISMATCH', `Summary of a ${this.name} does not fit this one: ${problem}`)
    this.mergeChecked(summary)
    return this
  }

  /** What makes a summary of the right model unusable here (wrong dimension ...), or undefined. */
  protected abstract summaryProblem (summary: Summary): string | undefined

  /** Adds a checked summary. */
  protected abstract mergeChecked (summary: Summary): void

  /**
   * Adds the statistics of `other`, a model of the same kind and shape (a copy of this one), and
   * clears them from it: `mergeSummary(other.summary())`, then `other.clearSummaries()`. A
   * sequence model closes every block of sequences this way on each of its distributions, many
   * times per pass, so the models whose statistics are cheap to move override it to skip the
   * plain-JSON form; the totals are the same bits either way.
   */
  absorbSummaries (other: this): void {
    this.mergeSummary(other.summary())
    other.clearSummaries()
  }

  /** Puts the statistics back to a snapshot taken with `summary()`. */
  restoreSummary (snapshot: Summary): void {
    this.clearSummaries()
    this.mergeChecked(snapshot)
  }

  /**
   * In memory: `summarize(X)` then `fromSummaries(options)`. On error the model is unchanged. An
   * input that needs converting (arrays, typed arrays other than Float64Array) is converted and
   * summarized a few thousand rows at a time (`forEachBatch`): the same statistics, without a
   * second copy of the data.
   * @throws ArilError `ERR_MODEL_BUSY` while a sink of the model is summarizing a stream
   */
  fit (X: BatchInput, options?: U & SummarizeOptions): this {
    assertNotBusy(this, 'fit')
    checkKeys(options, optionKeys(this.updateOptionKeys, SUMMARIZE_OPTION_KEYS), `${this.name}.fit`)
    const { weights: _weights, labels: _labels, ...update } = options ?? {} as U & SummarizeOptions
    if (this.frozen) {
      this.toBatch(X, options)
      return this
    }
    const snapshot = this.summary()
    try {
      forEachBatch(X, this.batchOptions(options), batch => {
        if (batch.rows > 0) this.summarizeBatch(batch)
      })
      return this.fromSummaries(update as unknown as U)
    } catch (err) {
      this.restoreSummary(snapshot)
      throw err
    }
  }

  /**
   * A Writable (object mode) that summarizes every chunk written to it and, before `'finish'`,
   * calls `fromSummaries(options)` (unless `update: false`). If the stream fails, the statistics
   * and parameters are left as they were before the first chunk.
   */
  sink (options?: SinkOptions<U>): Writable {
    checkKeys(options, optionKeys(this.updateOptionKeys, SINK_OPTION_KEYS), `${this.name}.sink`)
    return new ModelSink(this, options ?? ({} as SinkOptions<U>))
  }

  /**
   * Fits from a stream: a Readable, an async iterable, a Web ReadableStream, a file path, a
   * function that returns one, or shards. Resolves with the model after its parameters are
   * updated. With `workers` or `executor` (or shards) the pass runs on an executor (lib/exec/),
   * with the same bits.
   * @throws ArilError `ERR_ABORTED` when `signal` aborts (the model is left as it was),
   *   `ERR_SOURCE` for an error of the source (the original as `cause`), any error of `summarize`,
   *   and the executor's errors
   */
  async fitStream (source: Source, options?: FitStreamOptions<U>): Promise<this> {
    checkKeys(options, optionKeys(this.updateOptionKeys, FIT_STREAM_OPTION_KEYS), `${this.name}.fitStream`)
    if (options?.executor !== undefined || options?.workers !== undefined || options?.batchSize !== undefined || isShardList(source)) {
      // loaded on demand: a fit on a sink never needs the executors
      const { fitOnce } = await import('../train/single-pass.js')
      await fitOnce(this, source, options ?? {} as FitStreamOptions<U>)
      return this
    }
    const readable = await openSource(source)
    const signal = options?.signal
    try {
      await (signal === undefined ? pipeline(readable, this.sink(options)) : pipeline(readable, this.sink(options), { signal }))
    } catch (err) {
      // Every reader and the trainer report an abort as ERR_ABORTED; so does a single pass.
      if (signal?.aborted === true && !(err instanceof ArilError)) throw new ArilError('ERR_ABORTED', 'fitStream was aborted', {}, { cause: signal.reason })
      throw sourceError(err)
    }
    return this
  }

  /** The log-probability (log-density) of each row; missing values have log-probability 0. */
  logProbability (X: BatchInput): Float64Array {
    return this.logProbabilityBatch(toBatch(X, { cols: this.dimension, categorical: this.categorical }))
  }

  /** The log-probability of each row of a checked batch. */
  abstract logProbabilityBatch (batch: Batch): Float64Array

  /** `exp(logProbability(X))`, per row. */
  probability (X: BatchInput): Float64Array {
    return this.logProbability(X).map(Math.exp)
  }

  /** `n` reproducible draws from the model. */
  sample (n: number, options: SampleOptions = {}): S {
    checkKeys(options, this.sampleOptionKeys, `${this.name}.sample`)
    if (!Number.isInteger(n) || n < 0) throw new ArilError('ERR_INVALID_ARGUMENT', `sample: expected a whole number of samples, got ${show(n)}`)
    // Rows of several values are objects on the heap: past its limit V8 aborts the process, which no catch can turn into an error.
    const d = this.dimension ?? 1
    const heap = getHeapStatistics().heap_size_limit
    if (d > 1 && n * (d * 8 + ROW_OVERHEAD_BYTES) > heap) {
      throw new ArilError('ERR_INVALID_ARGUMENT', `sample: ${n} rows of ${d} values need about ${Math.ceil(n * (d * 8 + ROW_OVERHEAD_BYTES) / 2 ** 20)} MiB, more than the ${Math.floor(heap / 2 ** 20)} MiB heap; draw them in parts, with a seed each`)
    }
    try {
      return this.sampleWith(n, new Random(options.seed))
    } catch (err) {
      // How many values an array may hold is the engine's to say: a draw past it fails where it is allocated.
      if (err instanceof RangeError && /array length/i.test(err.message)) {
        throw new ArilError('ERR_INVALID_ARGUMENT', `sample: ${n} samples do not fit in one array (${err.message}); draw them in parts, with a seed each`, {}, { cause: err })
      }
      throw err
    }
  }

  /** `n` draws using a given random source. */
  abstract sampleWith (n: number, random: Random): S

  freeze (): this {
    this.frozen = true
    return this
  }

  thaw (): this {
    this.frozen = false
    return this
  }

  /** The parameters, in pomegranate's order. */
  abstract get parameters (): P

  /** pomegranate 0.14.8's JSON shape (a plain object; `JSON.stringify(model)` works). */
  abstract toJSON (): object

  /**
   * A deep, independent copy (pomegranate's `copy()`): the parameters, and also what the JSON
   * lacks (options such as `minStd`, the frozen flag, the statistics gathered so far).
   * @example
   * ```ts
   * const b = a.copy()
   * b.fit(X) // a is unchanged
   * ```
   */
  copy (): this {
    return deepCopy(this)
  }

  /**
   * The statistics gathered since the last clear, as named totals for people to read (e.g. a
   * NormalDistribution's `{ wSum, xwSum, xxwSum }`, pomegranate's `summaries`); `summary()` is
   * the exact, mergeable form.
   * @example
   * ```ts
   * const d = new NormalDistribution()
   * d.summarize([1, 2, 3])
   * d.statistics // => { wSum: 3, xwSum: 6, xxwSum: 14 }
   * ```
   */
  get statistics (): Statistics {
    return readableSummary(this.summary())
  }
}

export type { Statistics }

export type { Key }

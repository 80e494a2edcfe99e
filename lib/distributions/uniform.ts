/**
 * The continuous uniform distribution on [start, end].
 */
import { blockedSumsProblem, BlockedSums, decodeNumber, encodeNumber, type BlockedSumsSummary } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { FIT_OPTION_KEYS, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'

/** Options of the {@link UniformDistribution} constructor. */
export interface UniformOptions {
  frozen?: boolean
}

/** The keys of {@link UniformOptions}. */
export const UNIFORM_OPTION_KEYS = ['frozen'] as const

/**
 * The [continuous uniform distribution](https://en.wikipedia.org/wiki/Continuous_uniform_distribution)
 * on [start, end], fitted by maximum likelihood: the smallest and largest value seen.
 *
 * Statistics: the minimum and maximum over rows with weight > 0 (as pomegranate 0.14.8), and
 * `Σw` summed exactly. Minimum and maximum do not depend on the order of rows, chunks or merged
 * summaries. With inertia, start and end are each blended. NaN is missing (log-probability 0);
 * infinite values are rejected, since no uniform distribution reaches them.
 *
 * start > end is accepted, as pomegranate (whose `blank()` and inertia can produce it, so its
 * JSON may hold it): the interval is empty, every observed value has log-probability −Infinity,
 * and a fit replaces (or blends) the ends as usual. `sample` refuses it (pomegranate draws from
 * [end, start], values its own density gives probability 0).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` unless start and end are finite;
 *   `ERR_INVALID_INPUT` (with row and column) for an infinite value in `summarize`/`fit`
 * @example
 * ```ts
 * const d = new UniformDistribution(0, 1)
 * d.fit([2, 5, 3])
 * d.parameters // => [2, 5]
 * d.logProbability([4, 6]) // => Float64Array [-1.0986122886681096, -Infinity]
 * ```
 */
export class UniformDistribution extends UnivariateDistribution<[start: number, end: number]> {
  readonly name = 'UniformDistribution'
  /** `[Σw]` over observed values. */
  protected readonly sums = new BlockedSums(1)
  /** The smallest observed value with weight > 0 (Infinity before any). */
  private min = Infinity
  /** The largest observed value with weight > 0 (−Infinity before any). */
  private max = -Infinity
  private start: number
  private end: number

  constructor (start = 0, end = 1, options: UniformOptions = {}) {
    super()
    checkKeys(options, UNIFORM_OPTION_KEYS, 'UniformDistribution')
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `UniformDistribution: expected finite start and end, got ${String(start)} and ${String(end)}`)
    }
    this.start = start
    this.end = end
    this.frozen = options.frozen === true
  }

  get parameters (): [start: number, end: number] {
    return [this.start, this.end]
  }

  summarizeColumn (batch: Batch, column: number): void {
    const { data, cols, weights } = batch
    let min = this.min
    let max = this.max
    // Check every value first, so a bad row leaves the statistics untouched.
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) continue
      if (x === Infinity || x === -Infinity) {
        throw new ArilError('ERR_INVALID_INPUT', `UniformDistribution: expected a finite value (NaN for missing), got ${x}`, { row: r, column })
      }
      if (weights === undefined || weights[r]! > 0) {
        if (x < min) min = x
        if (x > max) max = x
      }
    }
    const sums = this.sums
    sums.runs(batch.rows, (start, end) => {
      let wSum = sums.partial[0]!
      for (let r = start; r < end; r++) {
        if (data[r * cols + column]! === data[r * cols + column]!) wSum += weights === undefined ? 1 : weights[r]!
      }
      sums.partial[0] = wSum
    })
    this.min = min
    this.max = max
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [wSum] = this.sums.values() as [number]
    if (!(wSum > 0)) return
    this.start = blend(this.start, this.min, inertia)
    this.end = blend(this.end, this.max, inertia)
  }

  override clearSummaries (): void {
    this.sums.clear()
    this.min = Infinity
    this.max = -Infinity
  }

  override summary (): Summary {
    return { model: this.name, sums: this.sums.summary(), min: encodeNumber(this.min), max: encodeNumber(this.max) }
  }

  protected override summaryProblem (summary: Summary): string | undefined {
    for (const key of ['min', 'max']) {
      const value = summary[key]
      if (Number.isNaN(decodeNumber(value))) return `expected ${key} to be a number, got ${String(value)}`
    }
    return blockedSumsProblem(summary.sums, 1, false)
  }

  protected override mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
    this.min = Math.min(this.min, decodeNumber(summary.min))
    this.max = Math.max(this.max, decodeNumber(summary.max))
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { start, end } = this
    const inside = -Math.log(end - start)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      out[r] = x !== x ? 0 : x >= start && x <= end ? inside : -Infinity
    }
  }

  /** @throws ArilError `ERR_INVALID_PARAMETER` when start > end (an empty interval has nothing to draw) */
  sampleWith (n: number, random: Random): Float64Array {
    if (this.start > this.end) {
      throw new ArilError('ERR_INVALID_PARAMETER', `UniformDistribution: cannot sample from the empty interval [${this.start}, ${this.end}] (start > end)`)
    }
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = this.start + (this.end - this.start) * random.uniform()
    return out
  }

  /** pomegranate's `blank()`: U(0, 1) (pomegranate: U(0, 0)), to be fitted. */
  static blank (): UniformDistribution {
    return new UniformDistribution()
  }

  /** The statistics: Σw, and the smallest and largest value of weight > 0. */
  override get statistics (): Statistics {
    return { wSum: this.sums.values()[0], min: this.min, max: this.max }
  }

  /** A UniformDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: UniformOptions & UpdateOptions & SummarizeOptions): UniformDistribution {
    const [own, fit] = splitOptions(options, UNIFORM_OPTION_KEYS, FIT_OPTION_KEYS, 'UniformDistribution.fromSamples')
    return new UniformDistribution(0, 1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"UniformDistribution","parameters":[start, end],...}`. */
  static fromJSON (json: Record<string, unknown>): UniformDistribution {
    const [start, end] = distributionParameters(json, 'UniformDistribution', 2)
    return new UniformDistribution(jsonNumber(start, 'start'), jsonNumber(end, 'end'), { frozen: json.frozen === true })
  }
}

registerModel('UniformDistribution', UniformDistribution.fromJSON)

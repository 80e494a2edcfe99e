/**
 * The exponential distribution with density rate·exp(−rate·x) on x ≥ 0.
 */
import { BlockedSums } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { checkPositive, checkSupport, UnivariateDistribution } from '../core/univariate.js'
import { overflow } from '../core/finite.js'

/** Options of the {@link ExponentialDistribution} constructor. */
export interface ExponentialOptions {
  frozen?: boolean
}

/** The keys of {@link ExponentialOptions}. */
export const EXPONENTIAL_OPTION_KEYS = ['frozen'] as const

/** pomegranate's smoothing of the rate estimate, `(W + 1e-7) / (Σw·x + 1e-7)`, kept so fits match it. */
const SMOOTHING = 1e-7

/**
 * The [exponential distribution](https://en.wikipedia.org/wiki/Exponential_distribution) with
 * parameter `rate` (mean 1/rate), fitted by maximum likelihood.
 *
 * Statistics: `[Σw, Σw·x]`, summed exactly (see accumulate.ts). The estimate is pomegranate's
 * smoothed `rate = (Σw + 1e-7) / (Σw·x + 1e-7)`, so fits agree with pomegranate (all-zero data
 * gives a large finite rate instead of Infinity). Unlike pomegranate, `inertia` is applied.
 * Values must be finite and ≥ 0; a negative value is an error (`ERR_INVALID_INPUT`, with its row
 * and column) and adds nothing. Zero total weight keeps the rate.
 *
 * @example
 * ```ts
 * const d = new ExponentialDistribution(1)
 * d.fit([1, 2, 3])
 * d.parameters // => [0.5000000083333331]
 * ```
 */
export class ExponentialDistribution extends UnivariateDistribution<[rate: number]> {
  readonly name = 'ExponentialDistribution'
  protected readonly sums = new BlockedSums(2)
  protected override readonly statisticNames = ['wSum', 'xwSum']
  private rate: number

  /**
   * @param rate the rate, finite and > 0 (default 1)
   * @throws ArilError `ERR_INVALID_PARAMETER` for a rate that is not finite and positive
   */
  constructor (rate = 1, options: ExponentialOptions = {}) {
    super()
    checkKeys(options, EXPONENTIAL_OPTION_KEYS, 'ExponentialDistribution')
    checkPositive(rate, 'rate', 'ExponentialDistribution')
    this.rate = rate
    this.frozen = options.frozen === true
  }

  get parameters (): [rate: number] {
    return [this.rate]
  }

  summarizeColumn (batch: Batch, column: number): void {
    checkSupport(batch, column, 'ExponentialDistribution', 0, false)
    const { data, cols, weights } = batch
    this.sums.runs(batch.rows, (start, end) => {
      const partial = this.sums.partial
      let wSum = partial[0]!
      let xwSum = partial[1]!
      for (let r = start; r < end; r++) {
        const x = data[r * cols + column]!
        if (x !== x) continue
        const w = weights === undefined ? 1 : weights[r]!
        wSum += w
        xwSum += w * x
      }
      partial[0] = wSum
      partial[1] = xwSum
    })
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [wSum, xwSum] = this.sums.values() as [number, number]
    if (!(wSum > 0)) return
    if (!Number.isFinite(xwSum)) overflow('ExponentialDistribution', 'the weighted sum of the values')
    this.rate = blend(this.rate, (wSum + SMOOTHING) / (xwSum + SMOOTHING), inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { rate } = this
    const logRate = Math.log(rate)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) out[r] = 0
      else if (x < 0) out[r] = -Infinity
      else out[r] = logRate - rate * x
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = random.exponential() / this.rate
    return out
  }

  /** An ExponentialDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: ExponentialOptions & UpdateOptions & SummarizeOptions): ExponentialDistribution {
    const [own, fit] = splitOptions(options, EXPONENTIAL_OPTION_KEYS, FIT_OPTION_KEYS, 'ExponentialDistribution.fromSamples')
    return new ExponentialDistribution(1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"ExponentialDistribution","parameters":[rate],...}`. */
  /** pomegranate's `blank()`: rate 1, to be fitted. */
  static blank (): ExponentialDistribution {
    return new ExponentialDistribution()
  }

  static fromJSON (json: Record<string, unknown>): ExponentialDistribution {
    const [rate] = distributionParameters(json, 'ExponentialDistribution', 1)
    return new ExponentialDistribution(jsonNumber(rate, 'rate'), { frozen: json.frozen === true })
  }
}


registerModel('ExponentialDistribution', ExponentialDistribution.fromJSON)

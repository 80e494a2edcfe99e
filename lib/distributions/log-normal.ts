/**
 * The log-normal distribution: log x ~ N(mu, sigma²).
 */
import { BlockedSums, meanVariance, sumMoments } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, numberOption, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { checkSupport, UnivariateDistribution } from '../core/univariate.js'
import { checkNormal } from './normal.js'

const LOG_SQRT_2PI = 0.9189385332046727

/** Options of the {@link LogNormalDistribution} constructor. */
export interface LogNormalOptions {
  /** Lower bound of the fitted sigma (default 0). */
  minStd?: number
  frozen?: boolean
}

/** The keys of {@link LogNormalOptions}. */
export const LOG_NORMAL_OPTION_KEYS = ['minStd', 'frozen'] as const

/**
 * The [log-normal distribution](https://en.wikipedia.org/wiki/Log-normal_distribution): `mu` and
 * `sigma` are the mean and standard deviation of log x, fitted by maximum likelihood (the
 * weighted mean and biased, ddof = 0, standard deviation of log x, floored at `minStd`).
 *
 * Statistics: the moments `[Σw, Σw·log x, Σw·(log x)²]`, summed exactly around a shift (see
 * accumulate.ts), so any chunking gives the same bits and constant data gives sigma exactly 0.
 * Values must be finite and > 0: pomegranate turns 0 into mu = −Infinity and sigma = NaN, aril
 * rejects the batch (`ERR_INVALID_INPUT`, with row and column) before adding any of it.
 *
 * @example
 * ```ts
 * const d = new LogNormalDistribution(0, 1)
 * d.fit([1, Math.E, Math.E ** 2])
 * d.parameters // => [1, 0.816496580927726]
 * ```
 */
export class LogNormalDistribution extends UnivariateDistribution<[mu: number, sigma: number]> {
  readonly name = 'LogNormalDistribution'
  protected readonly sums = new BlockedSums(3, true)
  protected override readonly statisticNames = ['wSum', 'logXwSum', 'logXlogXwSum']
  readonly minStd: number
  private mu: number
  private sigma: number

  /**
   * @param mu mean of log x (finite)
   * @param sigma standard deviation of log x (finite, ≥ 0; 0 is a point mass at exp(mu))
   * @throws ArilError `ERR_INVALID_PARAMETER`, `ERR_INVALID_OPTION`
   */
  constructor (mu = 0, sigma = 1, options: LogNormalOptions = {}) {
    super()
    checkKeys(options, LOG_NORMAL_OPTION_KEYS, 'LogNormalDistribution')
    this.minStd = numberOption(options, 'minStd', 0, 0)
    checkNormal(mu, sigma, 'LogNormalDistribution')
    this.mu = mu
    this.sigma = sigma
    this.frozen = options.frozen === true
  }

  get parameters (): [mu: number, sigma: number] {
    return [this.mu, this.sigma]
  }

  summarizeColumn (batch: Batch, column: number): void {
    checkSupport(batch, column, 'LogNormalDistribution', 0, true)
    const { data, cols, weights } = batch
    const logs = new Float64Array(batch.rows)
    for (let r = 0; r < batch.rows; r++) logs[r] = Math.log(data[r * cols + column]!)
    this.sums.runs(batch.rows, (start, end) => sumMoments(this.sums, 0, logs, 1, 0, weights, start, end))
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const moments = meanVariance(this.sums, 0)
    if (moments === undefined) return
    const sigma = Math.max(Math.sqrt(moments.variance), this.minStd)
    this.mu = blend(this.mu, moments.mean, inertia)
    this.sigma = blend(this.sigma, sigma, inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { mu, sigma } = this
    const logNorm = -Math.log(sigma) - LOG_SQRT_2PI
    const half = 0.5 / (sigma * sigma)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) {
        out[r] = 0
        continue
      }
      const y = x > 0 ? Math.log(x) : -Infinity
      if (y === -Infinity) out[r] = -Infinity
      else if (sigma === 0) out[r] = y === mu ? Infinity : -Infinity
      else out[r] = logNorm - y - (y - mu) * (y - mu) * half
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = Math.exp(this.mu + this.sigma * random.normal())
    return out
  }

  /** pomegranate's `blank()`: LogNormal(0, 1), to be fitted. */
  static blank (): LogNormalDistribution {
    return new LogNormalDistribution()
  }

  /** A LogNormalDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: LogNormalOptions & UpdateOptions & SummarizeOptions): LogNormalDistribution {
    const [own, fit] = splitOptions(options, LOG_NORMAL_OPTION_KEYS, FIT_OPTION_KEYS, 'LogNormalDistribution.fromSamples')
    return new LogNormalDistribution(0, 1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"LogNormalDistribution","parameters":[mu, sigma],...}`. */
  static fromJSON (json: Record<string, unknown>): LogNormalDistribution {
    const [mu, sigma] = distributionParameters(json, 'LogNormalDistribution', 2)
    return new LogNormalDistribution(jsonNumber(mu, 'mu'), jsonNumber(sigma, 'sigma'), { frozen: json.frozen === true })
  }
}

registerModel('LogNormalDistribution', LogNormalDistribution.fromJSON)

/**
 * The normal (Gaussian) distribution N(mean, std²).
 */
import { BlockedSums, meanVariance, sumMoments } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { ArilError } from '../core/errors.js'
import { blend, checkKeys, numberOption, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import { overflow, rejectInfinite } from '../core/finite.js'
import type { NormalTerms } from '../models/normal-mixture-wasm.js'

const LOG_SQRT_2PI = 0.9189385332046727

/** Options of the {@link NormalDistribution} constructor. */
export interface NormalOptions {
  /** Lower bound of the fitted standard deviation (default 0). */
  minStd?: number
  frozen?: boolean
}

/** The keys of {@link NormalOptions}. */
export const NORMAL_OPTION_KEYS = ['minStd', 'frozen'] as const

/**
 * The [normal distribution](https://en.wikipedia.org/wiki/Normal_distribution), fitted by maximum
 * likelihood: the weighted mean and the biased (ddof = 0) standard deviation, floored at `minStd`.
 *
 * Statistics: `[Σw, Σw·x, Σw·x²]`, summed exactly (see accumulate.ts), so any chunking gives the
 * same bits. Unlike pomegranate, the variance stays exact for constant data or data far from 0,
 * and `logProbability` uses the blended parameters after an update with inertia.
 *
 * @example
 * ```ts
 * const d = new NormalDistribution(1, 1)
 * d.fit([1, 2, 3, 4])
 * d.parameters // => [2.5, 1.118033988749895]
 * ```
 */
export class NormalDistribution extends UnivariateDistribution<[mean: number, std: number]> {
  readonly name = 'NormalDistribution'
  protected readonly sums = new BlockedSums(3, true)
  protected override readonly statisticNames = ['wSum', 'xwSum', 'xxwSum']
  readonly minStd: number
  private mean: number
  private std: number

  constructor (mean = 0, std = 1, options: NormalOptions = {}) {
    super()
    checkKeys(options, NORMAL_OPTION_KEYS, 'NormalDistribution')
    this.minStd = numberOption(options, 'minStd', 0, 0)
    checkNormal(mean, std, 'NormalDistribution')
    this.mean = mean
    this.std = std
    this.frozen = options.frozen === true
  }

  get parameters (): [mean: number, std: number] {
    return [this.mean, this.std]
  }

  /**
   * @throws ArilError `ERR_INVALID_INPUT` (row, column) for ±Infinity in a row of weight > 0,
   *   `ERR_OVERFLOW` for finite values whose squares overflow (|x| beyond about 1e154); the sums
   *   then hold part of the batch (a sink, `fit` and the trainer put them back)
   */
  summarizeColumn (batch: Batch, column: number): void {
    const { data, cols, weights } = batch
    this.sums.runs(batch.rows, (start, end) => sumMoments(this.sums, 0, data, cols, column, weights, start, end))
    // Checked once per batch on the sums, not per value: the hot loop stays as it is.
    if (!this.sums.finite()) {
      rejectInfinite(batch, this.name, column)
      overflow(this.name, 'the sums of the values and of their squares')
    }
  }

  /** @throws ArilError `ERR_OVERFLOW` when merged statistics overflow */
  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const moments = meanVariance(this.sums, 0)
    if (moments === undefined) return
    if (!Number.isFinite(moments.mean) || !Number.isFinite(moments.variance)) overflow('NormalDistribution', 'the sums of the values and of their squares')
    const std = Math.max(Math.sqrt(moments.variance), this.minStd)
    this.mean = blend(this.mean, moments.mean, inertia)
    this.std = blend(this.std, std, inertia)
  }

  /**
   * For the WebAssembly kernels that summarize Normals in bulk (models/normal-mixture-wasm.ts,
   * models/naive-bayes-wasm.ts): the terms of the log-density as
   * {@link NormalDistribution.logProbabilityColumn} computes them (1/(2σ²) may overflow to ∞), and
   * the statistics; undefined when frozen.
   */
  kernelTerms (): NormalTerms | undefined {
    if (this.frozen) return undefined
    const { mean, logNorm, half } = this.densityTerms()
    // an object literal, not a spread of densityTerms(): the spread object has another shape, and
    // the loops that read it per row ran 1.7x slower (NaiveBayes fit, 10^6 × 10: 35 → 60 ms)
    return { mean, logNorm, half, sums: this.sums }
  }

  /**
   * The terms of the log-density `logNorm − (x − mean)²·half` that
   * {@link NormalDistribution.logProbabilityColumn} uses when std > 0 (for loops that compute it
   * in bulk, such as the HMM's emissions, with the same bits).
   */
  densityTerms (): { mean: number; logNorm: number; half: number } {
    const { mean, std } = this
    return { mean, logNorm: -Math.log(std) - LOG_SQRT_2PI, half: 0.5 / (std * std) }
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols, rows } = batch
    const { mean, std } = this
    if (std === 0) {
      for (let r = 0; r < rows; r++) {
        const x = data[r * cols + column]!
        out[r] = x !== x ? 0 : x === mean ? Infinity : -Infinity
      }
      return
    }
    const { logNorm, half } = this.densityTerms()
    for (let r = 0, i = column; r < rows; r++, i += cols) {
      const d = data[i]! - mean
      const v = logNorm - d * d * half
      out[r] = v === v ? v : 0 // NaN only from a missing value: log 1
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = this.mean + this.std * random.normal()
    return out
  }

  /** pomegranate's `blank()`: N(0, 1), to be fitted. */
  static blank (): NormalDistribution {
    return new NormalDistribution()
  }

  /** A NormalDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: NormalOptions & UpdateOptions & SummarizeOptions): NormalDistribution {
    const [own, fit] = splitOptions(options, NORMAL_OPTION_KEYS, FIT_OPTION_KEYS, 'NormalDistribution.fromSamples')
    return new NormalDistribution(0, 1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"NormalDistribution","parameters":[mean, std],...}`. */
  static fromJSON (json: Record<string, unknown>): NormalDistribution {
    const [mean, std] = distributionParameters(json, 'NormalDistribution', 2)
    return new NormalDistribution(jsonNumber(mean, 'mean'), jsonNumber(std, 'std'), { frozen: json.frozen === true })
  }
}

/** Checks a location/scale pair: finite location, scale >= 0. */
export function checkNormal (mean: number, std: number, name: string): void {
  if (typeof mean !== 'number' || !Number.isFinite(mean)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a finite mean, got ${String(mean)}`)
  }
  if (typeof std !== 'number' || !(std >= 0) || std === Infinity) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a finite standard deviation >= 0, got ${String(std)}`)
  }
}

registerModel('NormalDistribution', NormalDistribution.fromJSON)

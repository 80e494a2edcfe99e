/**
 * The multivariate normal distribution N(μ, Σ) with a full covariance matrix.
 */
import { CrossProductSums, crossProductSumsProblem, pairwiseCovariance, type CrossProductSumsSummary, type ResidentRows } from '../core/accumulate.js'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { overflow, rejectInfinite } from '../core/finite.js'
import { cholesky, logDeterminant, solveLower, squaredNorm, symmetricEigenvalues } from '../core/linear-algebra.js'
import { mahalanobisKernel, type MahalanobisKernel } from './mahalanobis.js'
import { Model, SUMMARIZE_OPTION_KEYS, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { blend, checkKeys, numberOption, optionKeys, splitOptions, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, registerModel } from '../core/serialize.js'
import type { GaussianTerms } from '../models/gaussian-mixture-wasm.js'

const LOG_2PI = 1.8378770664093453
/** What pomegranate adds above the smallest eigenvalue when it repairs a covariance. */
const EIGENVALUE_FLOOR = 1e-8

/** Options of the {@link MultivariateGaussianDistribution} constructor. */
export interface MultivariateGaussianOptions {
  /** Added to the diagonal when a fitted covariance is all zeros (default 1e-5, as pomegranate). */
  minCovar?: number
  frozen?: boolean
}

/** The keys of {@link MultivariateGaussianOptions}. */
export const MULTIVARIATE_GAUSSIAN_OPTION_KEYS = ['minCovar', 'frozen'] as const

/** Options of `fromSummaries`: inertia, and `minCovar` for this update only. */
export interface MultivariateGaussianUpdateOptions extends UpdateOptions {
  minCovar?: number
}

/** The keys of {@link MultivariateGaussianUpdateOptions}. */
export const MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS = optionKeys(UPDATE_OPTION_KEYS, ['minCovar'])

/** How a fitted covariance that was not positive definite was made so. */
export interface CovarianceRepair {
  /** `'minCovar'`: the covariance was all zeros and got minCovar·I; `'eigenvalue'`: it got (1e-8 − λmin)·I. */
  kind: 'minCovar' | 'eigenvalue'
  /** What was added to every diagonal entry. */
  added: number
  /** The smallest eigenvalue before the repair. */
  minEigenvalue: number
}

/**
 * The [multivariate normal distribution](https://en.wikipedia.org/wiki/Multivariate_normal_distribution)
 * with a full covariance, fitted by maximum likelihood: per-column weighted means and the biased
 * (ddof = 0) weighted covariance, as pomegranate's `MultivariateGaussianDistribution`.
 *
 * Missing values (NaN) are handled pairwise-complete: each mean uses its column's observed values
 * and each covariance entry the rows where both columns are observed; `logProbability` of a row
 * with missing values is the density of its observed sub-vector (the marginal).
 *
 * Statistics: Σw, Σw·x per column and Σw·x·xᵀ, summed around per-block shifts and combined exactly
 * (see `CrossProductSums` in accumulate.ts), so the covariance of data with mean 1e6 is accurate
 * and any chunking or merge order gives the same bits.
 *
 * When a fitted covariance is not positive definite it is repaired as pomegranate does (all zeros:
 * + minCovar·I; otherwise + (1e-8 − λmin)·I), and the repair is reported in `repairs` and
 * `lastRepair`.
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for wrong shapes or non-finite values,
 *   `ERR_NOT_POSITIVE_DEFINITE` for a covariance that is not positive definite
 * @example
 * ```ts
 * const d = MultivariateGaussianDistribution.fromSamples([[1, 2], [3, 5], [2, 2]])
 * d.parameters // => [[2, 3], [[0.6666666666666666, 1], [1, 2]]]
 * d.logProbability([[2, 3], [NaN, 3]]) // => Float64Array [-1.2885709220752908, -1.2655121234846454]
 * ```
 */
export class MultivariateGaussianDistribution extends Model<[means: number[], covariance: number[][]], MultivariateGaussianUpdateOptions, Float64Array[]> {
  readonly name = 'MultivariateGaussianDistribution'

  override get updateOptionKeys (): readonly string[] {
    return MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS
  }
  readonly dimension: number
  readonly minCovar: number
  /** How many times a fitted covariance had to be repaired to be positive definite. */
  repairs = 0
  /** The most recent repair, if any. */
  lastRepair: CovarianceRepair | undefined
  private readonly sums: CrossProductSums
  private mean: Float64Array
  private covariance: Float64Array
  /** Cached from the covariance: its lower Cholesky factor, the factor's diagonal's reciprocals, and the log-determinant. */
  private factor: Float64Array
  private inverseDiagonal: Float64Array
  private logDet: number
  private readonly mahalanobis: MahalanobisKernel

  constructor (means: ArrayLike<number>, covariance: ArrayLike<ArrayLike<number>>, options: MultivariateGaussianOptions = {}) {
    super()
    checkKeys(options, MULTIVARIATE_GAUSSIAN_OPTION_KEYS, 'MultivariateGaussianDistribution')
    this.minCovar = numberOption(options, 'minCovar', 1e-5, 0)
    const { mean, cov, d } = checkParameters(means, covariance)
    const factor = cholesky(cov, d)
    if (factor === undefined) {
      throw new ArilError('ERR_NOT_POSITIVE_DEFINITE', 'MultivariateGaussianDistribution: expected a positive definite covariance matrix, got one whose Cholesky factorization fails')
    }
    this.dimension = d
    this.mean = mean
    this.covariance = cov
    this.factor = this.inverseDiagonal = new Float64Array(0)
    this.logDet = 0
    this.setFactor(factor)
    this.mahalanobis = mahalanobisKernel(d)
    this.sums = new CrossProductSums(d)
    this.frozen = options.frozen === true
  }

  get parameters (): [means: number[], covariance: number[][]] {
    const d = this.dimension
    return [Array.from(this.mean), Array.from({ length: d }, (_, j) => Array.from(this.covariance.subarray(j * d, (j + 1) * d)))]
  }

  /**
   * @throws ArilError `ERR_INVALID_INPUT` (row, column) for ±Infinity, `ERR_OVERFLOW` for values
   *   whose cross-products overflow; both found on the sums after the batch (checked once per
   *   batch, so the hot loop stays as it is), which then hold part of it (fits put them back)
   */
  summarizeBatch (batch: Batch): undefined {
    this.sums.add(batch.data, batch.weights, batch.rows)
    return this.checkSums(batch)
  }

  /**
   * {@link summarizeBatch} for rows that a mixture's E-step kernel also holds in its memory
   * (gaussian-mixture-wasm.ts): its cross-products run there, on those rows, without a copy.
   * The same bits as `summarizeBatch`.
   */
  summarizeResident (batch: Batch, at: ResidentRows): undefined {
    this.sums.addResident(batch.data, batch.weights, batch.rows, at)
    return this.checkSums(batch)
  }

  private checkSums (batch: Batch): undefined {
    if (!this.sums.finite()) {
      rejectInfinite(batch, this.name)
      overflow(this.name, 'the sums of the values and of their cross-products')
    }
    return undefined
  }

  protected update (options: MultivariateGaussianUpdateOptions): void {
    const { inertia } = updateOptions(options)
    const minCovar = numberOption(options, 'minCovar', this.minCovar, 0)
    const d = this.dimension
    const estimate = pairwiseCovariance(this.sums)
    if (!(estimate.weights.reduce((a, b) => a + b, 0) > 0)) return
    // Entries without any weight (a column never observed, a pair never observed together) keep their value.
    const mean = this.mean.map((old, j) => estimate.weights[j]! > 0 ? blend(old, estimate.means[j]!, inertia) : old)
    const cov = this.covariance.map((old, i) => estimate.pairWeights[i]! > 0 ? blend(old, estimate.covariance[i]!, inertia) : old)
    if (!cov.every(Number.isFinite) || !mean.every(Number.isFinite)) overflow('MultivariateGaussianDistribution', 'the sums of the values and of their cross-products')
    let factor = cholesky(cov, d)
    let repair: CovarianceRepair | undefined
    if (factor === undefined) {
      const minEigenvalue = symmetricEigenvalues(cov, d)[0]!
      repair = cov.every(v => v === 0)
        ? { kind: 'minCovar', added: minCovar, minEigenvalue }
        : { kind: 'eigenvalue', added: Math.max(EIGENVALUE_FLOOR - minEigenvalue, 0), minEigenvalue }
      // Rounding can leave the repaired matrix short of positive definite (a shift of 1e-8 vanishes
      // next to variances of 1e20): grow the shift, from the largest variance's rounding error on,
      // until it is not. Adding more than every eigenvalue's size always succeeds.
      let largest = 0
      for (let j = 0; j < d; j++) largest = Math.max(largest, Math.abs(cov[j * d + j]!))
      for (let attempt = 0; attempt < 60 && factor === undefined; attempt++) {
        if (attempt > 0) repair.added = Math.max(repair.added * 10, largest * Number.EPSILON * d, EIGENVALUE_FLOOR)
        const repaired = cov.slice()
        for (let j = 0; j < d; j++) repaired[j * d + j] += repair.added
        factor = cholesky(repaired, d)
        if (factor !== undefined) cov.set(repaired)
      }
      if (factor === undefined) {
        throw new ArilError('ERR_NOT_POSITIVE_DEFINITE', `MultivariateGaussianDistribution: the fitted covariance cannot be made positive definite (smallest eigenvalue ${minEigenvalue})`)
      }
    }
    this.mean = mean
    this.covariance = cov
    this.setFactor(factor)
    if (repair !== undefined) {
      this.repairs++
      this.lastRepair = repair
    }
  }

  private setFactor (factor: Float64Array): void {
    const d = this.dimension
    this.factor = factor
    this.inverseDiagonal = Float64Array.from({ length: d }, (_, i) => 1 / factor[i * d + i]!)
    this.logDet = logDeterminant(factor, d)
  }

  clearSummaries (): void {
    this.sums.clear()
  }

  summary (): Summary {
    return { model: this.name, sums: this.sums.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return crossProductSumsProblem(summary.sums, this.dimension)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as CrossProductSumsSummary)
  }

  /** Moves the cross-products without the plain-JSON form. */
  override absorbSummaries (other: this): void {
    if (this.frozen || other.dimension !== this.dimension) {
      super.absorbSummaries(other)
      return
    }
    this.sums.absorb(other.sums)
  }

  /**
   * For the mixture E-step kernel (models/gaussian-mixture-wasm.ts): the terms of the log-density
   * as {@link MultivariateGaussianDistribution.logProbabilityBatch} uses them.
   */
  mixtureTerms (): GaussianTerms {
    return { mean: this.mean, factor: this.factor, inverseDiagonal: this.inverseDiagonal, full: -0.5 * (this.dimension * LOG_2PI + this.logDet) }
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    const d = this.dimension
    const { data, rows } = batch
    const out = new Float64Array(rows)
    this.mahalanobis(data, rows, this.mean, this.factor, this.inverseDiagonal, out)
    const full = -0.5 * (d * LOG_2PI + this.logDet)
    const marginals = new Map<string, Marginal>()
    const z = new Float64Array(d)
    const y = new Float64Array(d)
    for (let r = 0; r < rows; r++) {
      const q = out[r]!
      if (q === q) {
        out[r] = full - 0.5 * q
        continue
      }
      // The kernel marks rows with a missing or an infinite value.
      let observed = 0
      for (let j = 0; j < d; j++) {
        const x = data[r * d + j]!
        if (x === x) observed++
        z[j] = x - this.mean[j]!
      }
      if (observed === d) out[r] = full - 0.5 * squaredNorm(solveLower(this.factor, d, z))
      else if (observed > 0) out[r] = this.logMarginal(z, y, marginals)
      else out[r] = 0
    }
    return out
  }

  /**
   * Log-density of the observed entries of a centred row `z` (NaN where missing) under their
   * marginal; `y` is scratch space of length d.
   */
  private logMarginal (z: Float64Array, y: Float64Array, cache: Map<string, Marginal>): number {
    const d = this.dimension
    let key = ''
    for (let j = 0; j < d; j++) key += z[j] === z[j] ? '1' : '0'
    let m = cache.get(key)
    if (m === undefined) {
      const index: number[] = []
      for (let j = 0; j < d; j++) if (z[j] === z[j]) index.push(j)
      const e = index.length
      const sub = new Float64Array(e * e)
      for (let a = 0; a < e; a++) for (let b = 0; b < e; b++) sub[a * e + b] = this.covariance[index[a]! * d + index[b]!]!
      // A principal submatrix of a positive definite matrix is positive definite.
      const factor = cholesky(sub, e)!
      m = { index, factor, constant: -0.5 * (e * LOG_2PI + logDeterminant(factor, e)) }
      cache.set(key, m)
    }
    const e = m.index.length
    for (let a = 0; a < e; a++) y[a] = z[m.index[a]!]!
    return m.constant - 0.5 * squaredNorm(solveLower(m.factor, e, y), e)
  }

  /** Rows x = μ + L·z with z standard normal and L the Cholesky factor of the covariance. */
  sampleWith (n: number, random: Random): Float64Array[] {
    const d = this.dimension
    const z = new Float64Array(d)
    const out: Float64Array[] = []
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) z[j] = random.normal()
      const x = new Float64Array(d)
      for (let j = 0; j < d; j++) {
        let s = this.mean[j]!
        for (let k = 0; k <= j; k++) s += this.factor[j * d + k]! * z[k]!
        x[j] = s
      }
      out.push(x)
    }
    return out
  }

  toJSON (): { class: 'Distribution'; name: string; parameters: [number[], number[][]]; frozen: boolean } {
    return { class: 'Distribution', name: this.name, parameters: this.parameters, frozen: this.frozen }
  }

  /**
   * The statistics (pomegranate's summaries, named): per column Σw and Σw·x over its observed
   * values, and d×d tables of Σw·x_j·x_k and Σw over the rows where both columns are observed.
   */
  override get statistics (): Statistics {
    const d = this.dimension
    const totals = this.sums.totals()
    const missW = 2 * d + (d * (d + 1)) / 2
    const xxwSum = Array.from({ length: d }, () => new Array<number>(d))
    const pairWSum = Array.from({ length: d }, () => new Array<number>(d))
    for (let j = 0, at = 2 * d; j < d; j++) {
      for (let k = j; k < d; k++, at++) {
        xxwSum[j]![k] = xxwSum[k]![j] = totals[at]!.value()
        const w = totals[j]!.clone()
        if (k !== j) w.addSum(totals[missW + j * d + k]!, -1)
        pairWSum[j]![k] = pairWSum[k]![j] = w.value()
      }
    }
    return { wSum: totals.slice(0, d).map(t => t.value()), xwSum: totals.slice(d, 2 * d).map(t => t.value()), xxwSum, pairWSum }
  }

  /** pomegranate's `blank(d)`: zero means and the identity covariance in d dimensions (default 2), to be fitted. */
  static blank (d = 2): MultivariateGaussianDistribution {
    if (!Number.isInteger(d) || d < 1) throw new ArilError('ERR_INVALID_ARGUMENT', `MultivariateGaussianDistribution.blank: expected a whole number of dimensions >= 1, got ${show(d)}`)
    return new MultivariateGaussianDistribution(new Array<number>(d).fill(0), Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => j === k ? 1 : 0)))
  }

  /**
   * A MultivariateGaussianDistribution fitted to X (pomegranate's `from_samples`); the dimension is
   * the number of columns of X.
   */
  static fromSamples (X: BatchInput, options: MultivariateGaussianOptions & MultivariateGaussianUpdateOptions & SummarizeOptions = {}): MultivariateGaussianDistribution {
    const [own, fit] = splitOptions(options, MULTIVARIATE_GAUSSIAN_OPTION_KEYS, optionKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), 'MultivariateGaussianDistribution.fromSamples')
    const batch = toBatch(X, { weights: options.weights })
    const d = batch.cols
    const identity = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => j === k ? 1 : 0))
    return new MultivariateGaussianDistribution(new Array<number>(d).fill(0), identity, own)
      .fit(batch, { ...fit, weights: undefined })
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"MultivariateGaussianDistribution","parameters":[[means],[[cov]]],...}`. */
  static fromJSON (json: Record<string, unknown>): MultivariateGaussianDistribution {
    const [means, covariance] = distributionParameters(json, 'MultivariateGaussianDistribution', 2)
    if (!Array.isArray(means) || !Array.isArray(covariance) || !covariance.every(Array.isArray)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected MultivariateGaussianDistribution parameters [[means], [[covariance]]], got ${show(means)} and ${show(covariance)}`)
    }
    return new MultivariateGaussianDistribution(means as number[], covariance as number[][], { frozen: json.frozen === true })
  }
}

interface Marginal {
  index: number[]
  factor: Float64Array
  constant: number
}

/** Checks shapes and values of means and covariance; returns them as row-major Float64Arrays. */
function checkParameters (means: ArrayLike<number>, covariance: ArrayLike<ArrayLike<number>>): { mean: Float64Array; cov: Float64Array; d: number } {
  const name = 'MultivariateGaussianDistribution'
  if (typeof means !== 'object' || means === null || typeof means.length !== 'number' || means.length < 1) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a non-empty list of means, got ${show(means)}`)
  }
  const d = means.length
  const mean = new Float64Array(d)
  for (let j = 0; j < d; j++) {
    const m = means[j]
    if (typeof m !== 'number' || !Number.isFinite(m)) throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected finite means, got ${show(m)} at index ${j}`)
    mean[j] = m
  }
  if (typeof covariance !== 'object' || covariance === null || covariance.length !== d) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a ${d}×${d} covariance matrix (one row per mean), got ${show(covariance)}`)
  }
  // Every row's length first: d·d values are allocated only when d·d values were given.
  for (let j = 0; j < d; j++) {
    const row = covariance[j]
    if (typeof row !== 'object' || row === null || row.length !== d) {
      throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected covariance row ${j} to have ${d} entries, got ${show(row)}`)
    }
  }
  const cov = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    const row = covariance[j]!
    for (let k = 0; k < d; k++) {
      const c = row[k]
      if (typeof c !== 'number' || !Number.isFinite(c)) {
        throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected finite covariance entries, got ${show(c)} at [${j}][${k}]`)
      }
      cov[j * d + k] = c
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) {
      const a = cov[j * d + k]!
      const b = cov[k * d + j]!
      if (Math.abs(a - b) > 1e-9 * Math.sqrt(Math.abs(cov[j * d + j]! * cov[k * d + k]!))) {
        throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a symmetric covariance matrix, got ${a} at [${j}][${k}] and ${b} at [${k}][${j}]`)
      }
    }
  }
  return { mean, cov, d }
}

registerModel('MultivariateGaussianDistribution', MultivariateGaussianDistribution.fromJSON)

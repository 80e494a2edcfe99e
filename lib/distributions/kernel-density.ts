/**
 * What the three kernel densities share (pomegranate's `KernelDensity`): weighted points and a
 * bandwidth, pomegranate's fit rule, its JSON, and the binned form that fits out of core. A kernel
 * file only says what its kernel is.
 */
import { BlockedSums, blockedSumsProblem, ExactSum, type BlockedSumsSummary } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { FIT_OPTION_KEYS, FIT_STREAM_OPTION_KEYS, type FitStreamOptions, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { blend, checkKeys, optionKeys, splitOptions, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber } from '../core/serialize.js'
import type { Source } from '../core/source.js'
import { UnivariateDistribution } from '../core/univariate.js'
import { eachBatch } from '../train/pass.js'
import { DEFAULT_BINS, KernelGrid, type GridSpec } from './kernel-grid.js'

/** A kernel of bandwidth 1: a density in u = (x − point)/bandwidth. */
export interface Kernel {
  /** K(u), integrating to 1. */
  density: (u: number) => number
  /** |u| beyond which K is 0 (Infinity for none). */
  radius: number
  /** log K(u), for a sum of densities that underflows (kernels with unbounded support). */
  logDensity?: (u: number) => number
  /** A draw from K. */
  draw: (random: Random) => number
}

/** Options of the kernel density constructors. */
export interface KernelDensityOptions {
  frozen?: boolean
  /**
   * Fit out of core on a fixed grid (linear binning): `{ min, max, bins }`, or `true` / `{ bins }`
   * to let the data choose min and max (the in-memory rows, or a first pass of `fitStream`).
   * Default: exact (every point is kept).
   */
  binned?: boolean | Partial<GridSpec> | undefined
}

/** The keys of {@link KernelDensityOptions}. */
export const KERNEL_DENSITY_OPTION_KEYS = ['frozen', 'binned'] as const

/** Options of a kernel density's `fromSamples`: the bandwidth (default 1), the constructor's and the fit's options. */
export interface KernelDensityFromSamplesOptions extends KernelDensityOptions, UpdateOptions, SummarizeOptions {
  bandwidth?: number
}

/** The parameters: pomegranate's `[points, bandwidth, weights]` (weights normalized). */
export type KernelDensityParameters = [points: number[], bandwidth: number, weights: number[]]

/** The statistics of the exact form: the points and weights summarized since the last clear. */
class StoredPoints {
  values: Float64Array = new Float64Array(16)
  weights: Float64Array = new Float64Array(16)
  count = 0

  push (x: number, w: number): void {
    if (this.count === this.values.length) {
      this.values = grow(this.values)
      this.weights = grow(this.weights)
    }
    this.values[this.count] = x
    this.weights[this.count++] = w
  }
}

function grow (a: Float64Array): Float64Array {
  const b = new Float64Array(2 * a.length)
  b.set(a)
  return b
}

/**
 * The base of {@link GaussianKernelDensity}, {@link UniformKernelDensity} and
 * {@link TriangleKernelDensity}: p(x) = Σ_j w_j K((x − p_j)/b)/b over points p_j with weights w_j
 * (normalized to sum to 1) and bandwidth b.
 *
 * Exact form (the default, as pomegranate): the statistics are the summarized points themselves,
 * so memory grows with the data. `fromSummaries` follows pomegranate's rule: with inertia 0 the
 * points are replaced by the new ones (weights normalized); with inertia i the old and new points
 * are concatenated, the old weights times i and the new ones times 1 − i. Rows are stored in row
 * order, so any chunking gives the same bits; merged summaries are appended in merge order.
 *
 * Binned form (`binned`): the weights are linearly binned onto a fixed grid (kernel-grid.ts), so
 * the statistics are `bins` exact sums: constant memory, the same bits for any chunking and merge
 * order, and the density evaluated from the binned weights is within a stated bound of the exact
 * one (Gaussian: δ²/(8·√(2π)·b³), triangle: δ/(2b²), uniform: 1/(2b) times the weight within δ of
 * the window's edges; δ the grid spacing). The parameters are then the grid points and their
 * weights, a kernel density pomegranate reads as it is.
 *
 * Differences from pomegranate 0.14.8: the kernels are normalized (pomegranate leaves out the
 * 1/b, 1/(2b) and 1/b² factors, so its values are densities only for one bandwidth; its own
 * `sample` draws from the normalized density); a fit with inertia keeps every point (pomegranate
 * then scores with the first n points only); NaN is a missing value (not stored, log-probability
 * 0), rows of weight 0 are not stored; an empty `fromSummaries` keeps the parameters (pomegranate
 * raises TypeError); inertia on a density without points replaces it (so it sums to 1).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` (constructor), `ERR_INVALID_OPTION` (`binned`),
 *   `ERR_INVALID_INPUT` for an infinite value or (binned) a value off the grid, with its row
 * @example
 * ```ts
 * // a kernel of your own: the Epanechnikov kernel 3/4·(1 − u²) on [−1, 1]
 * class EpanechnikovKernelDensity extends KernelDensity {
 *   readonly name = 'EpanechnikovKernelDensity'
 *   protected readonly kernel = { density: (u: number) => Math.max(0, 0.75 * (1 - u * u)), radius: 1, draw: (r: Random) => ... }
 * }
 * ```
 */
export abstract class KernelDensity extends UnivariateDistribution<KernelDensityParameters> {
  /** The kernel (of bandwidth 1). */
  protected abstract readonly kernel: Kernel
  /** The grid points' weight sums (binned form; no slots until the grid is chosen). */
  protected sums = new BlockedSums(0)
  readonly bandwidth: number
  private points: Float64Array
  private weights: Float64Array
  /** The grid (binned form, once chosen); undefined for the exact form. */
  private grid: KernelGrid | undefined
  private readonly binned: boolean
  /** Bins of a grid still to be chosen from the data. */
  private readonly bins: number
  private stored = new StoredPoints()

  /**
   * @param points the points (one value each)
   * @param bandwidth b > 0
   * @param weights one weight >= 0 per point (normalized to sum to 1); default equal weights
   * @throws ArilError `ERR_INVALID_PARAMETER` for non-finite points, a bandwidth that is not finite
   *   and > 0, weights of the wrong length, negative or summing to 0; `ERR_INVALID_OPTION` for a bad `binned`
   */
  constructor (points: ArrayLike<number> = [], bandwidth = 1, weights?: ArrayLike<number> | null, options: KernelDensityOptions = {}) {
    super()
    const name = new.target.name
    checkKeys(options, KERNEL_DENSITY_OPTION_KEYS, name)
    if (typeof bandwidth !== 'number' || !(bandwidth > 0) || bandwidth === Infinity) {
      throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a finite bandwidth > 0, got ${show(bandwidth)}`)
    }
    this.bandwidth = bandwidth
    const values = checkPoints(points, name)
    const w = normalizedWeights(weights ?? undefined, values.length, name)
    const binned = options.binned ?? false
    if (typeof binned !== 'boolean' && (typeof binned !== 'object' || binned === null)) invalidOption('binned', 'true, or { min, max, bins }', binned)
    this.binned = binned !== false
    const spec = typeof binned === 'object' ? binned : {}
    this.bins = spec.bins ?? DEFAULT_BINS
    if (!Number.isInteger(this.bins) || this.bins < 2) invalidOption('binned.bins', 'a whole number >= 2', this.bins)
    this.frozen = options.frozen === true
    this.points = values
    this.weights = w
    if (!this.binned) return
    if (spec.min !== undefined || spec.max !== undefined) this.setGrid(new KernelGrid({ min: spec.min!, max: spec.max!, bins: this.bins }))
    else this.setGrid(this.gridOver(observedRange(values, 1, 0, undefined, values.length)))
    if (this.grid !== undefined) [this.points, this.weights] = [Float64Array.from(this.grid.points()), binWeights(this.grid, values, w)]
  }

  get parameters (): KernelDensityParameters {
    return [Array.from(this.points), this.bandwidth, Array.from(this.weights)]
  }

  /** The grid of the binned form (undefined for the exact form, or before the data chose it). */
  get binnedGrid (): GridSpec | undefined {
    return this.grid?.toJSON()
  }

  private setGrid (grid: KernelGrid | undefined): void {
    this.grid = grid
    this.sums = new BlockedSums(grid?.bins ?? 0)
    if (grid !== undefined && this.points.length !== grid.bins) {
      this.points = Float64Array.from(grid.points())
      this.weights = new Float64Array(grid.bins)
    }
  }

  /** The grid over [min, max] (one bandwidth either side of a single value; none without values). */
  private gridOver ([min, max]: [number, number]): KernelGrid | undefined {
    if (min > max) return undefined
    if (min === max) return new KernelGrid({ min: min - this.bandwidth, max: max + this.bandwidth, bins: this.bins })
    return new KernelGrid({ min, max, bins: this.bins })
  }

  summarizeColumn (batch: Batch, column: number): void {
    const { data, cols, weights, rows } = batch
    checkFinite(batch, column, this.name)
    if (!this.binned) {
      for (let r = 0; r < rows; r++) {
        const x = data[r * cols + column]!
        const w = weights === undefined ? 1 : weights[r]!
        if (x === x && w !== 0) this.stored.push(x, w)
      }
      return
    }
    const grid = this.grid
    if (grid === undefined) {
      invalidOption('binned', `min and max for summarize and sink (or fit in memory, or fitStream a path or a function that opens the data again, so that a first pass chooses them)`, 'none')
    }
    grid.check(data, cols, column, weights, rows, this.name)
    this.sums.runs(rows, (start, end) => grid.bin(this.sums.partial, data, cols, column, weights, start, end))
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    if (this.binned) {
      const mass = this.sums.values()
      const sum = totalWeight(mass, mass.length)
      if (!(sum > 0)) return
      const keep = this.weights.some(w => w > 0) ? inertia : 0
      this.weights = Float64Array.from(mass, (m, i) => blend(this.weights[i]!, m / sum, keep))
      return
    }
    const { values, weights, count } = this.stored
    const sum = totalWeight(weights, count)
    if (!(sum > 0)) return
    const fresh = weights.slice(0, count).map(w => w / sum)
    if (inertia === 0 || this.points.length === 0) {
      this.points = values.slice(0, count)
      this.weights = fresh
      return
    }
    const points = new Float64Array(this.points.length + count)
    points.set(this.points)
    points.set(values.subarray(0, count), this.points.length)
    const blended = new Float64Array(points.length)
    this.weights.forEach((w, j) => { blended[j] = w * inertia })
    fresh.forEach((w, j) => { blended[this.points.length + j] = w * (1 - inertia) })
    this.points = points
    this.weights = blended
  }

  override clearSummaries (): void {
    this.sums.clear()
    this.stored = new StoredPoints()
  }

  override summary (): Summary {
    if (this.binned) return { model: this.name, grid: this.grid?.toJSON() ?? null, sums: this.sums.summary() }
    const { values, weights, count } = this.stored
    return { model: this.name, points: Array.from(values.subarray(0, count)), weights: Array.from(weights.subarray(0, count)) }
  }

  /** The statistics: the points and weights summarized so far, or (binned) the weight binned onto each grid point. */
  override get statistics (): Statistics {
    if (this.binned) return { points: this.grid?.points() ?? [], wSum: this.sums.values() }
    const { values, weights, count } = this.stored
    return { points: Array.from(values.subarray(0, count)), weights: Array.from(weights.subarray(0, count)) }
  }

  protected override summaryProblem (summary: Summary): string | undefined {
    if (this.binned) {
      const grid = summary.grid as GridSpec | null | undefined
      const mine = this.grid?.toJSON() ?? null
      if (JSON.stringify(grid) !== JSON.stringify(mine)) return `expected the grid ${JSON.stringify(mine)}, got ${JSON.stringify(grid)}`
      return blockedSumsProblem(summary.sums, this.sums.slots, false)
    }
    const { points, weights } = summary
    if (!Array.isArray(points) || !Array.isArray(weights) || points.length !== weights.length) return 'expected lists of points and weights of one length'
    if (!points.every(x => typeof x === 'number' && Number.isFinite(x))) return 'expected finite points'
    if (!weights.every(w => typeof w === 'number' && w >= 0 && w < Infinity)) return 'expected finite weights >= 0'
    return undefined
  }

  protected override mergeChecked (summary: Summary): void {
    if (this.binned) {
      this.sums.merge(summary.sums as BlockedSumsSummary)
      return
    }
    const weights = summary.weights as number[]
    ;(summary.points as number[]).forEach((x, j) => this.stored.push(x, weights[j]!))
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols, rows } = batch
    const { kernel, bandwidth: b, points, weights, grid } = this
    const scale = 1 / b
    for (let r = 0; r < rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) {
        out[r] = 0
        continue
      }
      const [from, to] = grid === undefined ? [0, points.length] : grid.window(x, kernel.radius * b)
      let sum = 0
      for (let j = from; j < to; j++) {
        const w = weights[j]!
        if (w !== 0) sum += w * kernel.density((x - points[j]!) * scale)
      }
      out[r] = sum > 0 || kernel.logDensity === undefined || points.length === 0 ? Math.log(sum * scale) : this.logSumExp(x)
    }
  }

  /** log p(x) where the plain sum underflows (far in the tails of an unbounded kernel). */
  private logSumExp (x: number): number {
    const { points, weights, bandwidth: b } = this
    const logDensity = this.kernel.logDensity!
    let max = -Infinity
    for (let j = 0; j < points.length; j++) if (weights[j]! > 0) max = Math.max(max, Math.log(weights[j]!) + logDensity((x - points[j]!) / b))
    if (max === -Infinity) return max
    let sum = 0
    for (let j = 0; j < points.length; j++) if (weights[j]! > 0) sum += Math.exp(Math.log(weights[j]!) + logDensity((x - points[j]!) / b) - max)
    return max + Math.log(sum) - Math.log(b)
  }

  /** Draws a point by its weight, then a value from the kernel around it. */
  sampleWith (n: number, random: Random): Float64Array {
    const { points, weights, bandwidth, kernel } = this
    const cumulative = new Float64Array(points.length)
    let total = 0
    weights.forEach((w, j) => { cumulative[j] = total += w })
    if (!(total > 0)) throw new ArilError('ERR_NOT_FITTED', `${this.name}: cannot sample without points of positive weight`)
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const u = random.uniform() * total
      let lo = 0
      let hi = points.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (cumulative[mid]! > u) hi = mid
        else lo = mid + 1
      }
      while (weights[lo] === 0) lo-- // u fell on the rounding slack past the last positive weight
      out[i] = points[lo]! + bandwidth * kernel.draw(random)
    }
    return out
  }

  /** In memory; the binned form first chooses its grid from X when it has none. */
  override fit (X: BatchInput, options?: UpdateOptions & SummarizeOptions): this {
    checkKeys(options, FIT_OPTION_KEYS, `${this.name}.fit`)
    if (this.frozen || !this.binned || this.grid !== undefined) return super.fit(X, options)
    const batch = this.toBatch(X, options)
    checkFinite(batch, 0, this.name)
    this.setGrid(this.gridOver(observedRange(batch.data, batch.cols, 0, batch.weights, batch.rows)))
    if (this.grid === undefined) return this
    try {
      return super.fit(batch, { ...options, weights: undefined })
    } catch (err) {
      this.setGrid(undefined)
      throw err
    }
  }

  /**
   * Fits from a stream. The binned form without a grid reads the data twice: a first pass finds
   * the range, so `source` must be a path or a function that opens it again.
   * @throws ArilError `ERR_INVALID_OPTION` (`binned`) when the grid must be chosen from a
   *   one-shot stream; and what `fitStream` throws
   */
  override async fitStream (source: Source, options?: FitStreamOptions<UpdateOptions>): Promise<this> {
    checkKeys(options, optionKeys(UPDATE_OPTION_KEYS, FIT_STREAM_OPTION_KEYS), `${this.name}.fitStream`)
    if (this.frozen || !this.binned || this.grid !== undefined) return await super.fitStream(source, options)
    if (typeof source !== 'function' && typeof source !== 'string' && !Array.isArray(source)) {
      invalidOption('binned', 'min and max when fitting from a one-shot stream (or pass a path or a function that opens the data again)', 'none')
    }
    const range: [number, number] = [Infinity, -Infinity]
    await eachBatch(source as string, X => this.toBatch(X), batch => {
      checkFinite(batch, 0, this.name)
      const [min, max] = observedRange(batch.data, batch.cols, 0, batch.weights, batch.rows)
      range[0] = Math.min(range[0], min)
      range[1] = Math.max(range[1], max)
    }, options?.signal)
    this.setGrid(this.gridOver(range))
    if (this.grid === undefined) return this
    try {
      return await super.fitStream(source, options)
    } catch (err) {
      this.setGrid(undefined)
      throw err
    }
  }

  override toJSON (): { class: 'Distribution'; name: string; parameters: unknown[]; frozen: boolean; binned?: GridSpec } {
    const json = super.toJSON()
    return this.grid === undefined ? json : { ...json, binned: this.grid.toJSON() }
  }

  /** Reads pomegranate's `{"class":"Distribution","name":...,"parameters":[points, bandwidth, weights],...}` (and aril's `binned`). */
  protected static readJSON<K extends KernelDensity> (
    Kind: new (points: ArrayLike<number>, bandwidth: number, weights?: ArrayLike<number> | null, options?: KernelDensityOptions) => K,
    json: Record<string, unknown>, name: string
  ): K {
    const [points, bandwidth, weights] = distributionParameters(json, name, 2)
    if (!Array.isArray(points) || (weights !== undefined && weights !== null && !Array.isArray(weights))) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} parameters [points, bandwidth, weights], got ${show(points)} and ${show(weights)}`)
    }
    const frozen = json.frozen === true
    const grid = json.binned as GridSpec | undefined
    if (grid === undefined) return new Kind(points as number[], jsonNumber(bandwidth, 'bandwidth'), weights as number[] | undefined, { frozen })
    const model = new Kind([], jsonNumber(bandwidth, 'bandwidth'), undefined, { frozen, binned: grid })
    const w = weights as unknown[] | undefined
    if (w === undefined || w.length !== model.points.length || !w.every(v => typeof v === 'number' && v >= 0 && v < Infinity)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} JSON with ${model.points.length} weights >= 0 (one per grid point), got ${show(weights)}`)
    }
    model.weights = Float64Array.from(w as number[])
    return model
  }
}

/** A kernel density of a kind fitted to X (pomegranate's `from_samples`). */
export function kernelFromSamples<K extends KernelDensity> (
  Kind: new (points: ArrayLike<number>, bandwidth: number, weights?: ArrayLike<number> | null, options?: KernelDensityOptions) => K,
  X: BatchInput, options: KernelDensityFromSamplesOptions
): K {
  const [{ bandwidth, binned }, fit] = splitOptions(options, [...KERNEL_DENSITY_OPTION_KEYS, 'bandwidth'], FIT_OPTION_KEYS, `${Kind.name}.fromSamples`)
  return new Kind([], bandwidth ?? 1, null, { binned }).fit(X, fit)
}

function checkPoints (points: ArrayLike<number>, name: string): Float64Array {
  if (points === null || typeof points !== 'object' || typeof points.length !== 'number') {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a list of points, got ${show(points)}`)
  }
  const values = Float64Array.from(points, Number)
  const bad = values.findIndex(x => !Number.isFinite(x))
  if (bad >= 0) throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected finite points, got ${show(points[bad])} at ${bad}`)
  return values
}

/** The exact sum of the first n weights, rounded once. */
function totalWeight (weights: ArrayLike<number>, n: number): number {
  const total = new ExactSum()
  for (let j = 0; j < n; j++) total.add(weights[j]!)
  return total.value()
}

/**
 * Weights divided by their exact sum (kept bit for bit when they already sum to 1 within 1e-12,
 * so JSON round-trips); equal weights when none are given.
 */
function normalizedWeights (weights: ArrayLike<number> | undefined, n: number, name: string): Float64Array {
  if (weights === undefined) return new Float64Array(n).fill(1 / n)
  if (typeof weights !== 'object' || weights.length !== n || !Array.from(weights).every(w => typeof w === 'number' && w >= 0 && w < Infinity)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected ${n} finite weights >= 0 (one per point), got ${show(weights)}`)
  }
  const sum = totalWeight(weights, n)
  if (!(sum > 0) && n > 0) throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected weights with a positive sum`)
  return Float64Array.from(weights, w => Math.abs(sum - 1) <= 1e-12 ? w : w / sum)
}

/** The smallest and largest observed value of a column among rows of weight > 0 ([∞, −∞] for none). */
function observedRange (data: Float64Array, cols: number, column: number, weights: Float64Array | undefined, rows: number): [number, number] {
  let min = Infinity
  let max = -Infinity
  for (let r = 0; r < rows; r++) {
    const x = data[r * cols + column]!
    if (x !== x || (weights !== undefined && weights[r] === 0)) continue
    if (x < min) min = x
    if (x > max) max = x
  }
  return [min, max]
}

/** The binned weights of points (normalized by their exact total). */
function binWeights (grid: KernelGrid, points: Float64Array, weights: Float64Array): Float64Array {
  const mass = new Float64Array(grid.bins)
  grid.check(points, 1, 0, weights, points.length, 'binned points')
  grid.bin(mass, points, 1, 0, weights, 0, points.length)
  const sum = totalWeight(mass, mass.length)
  return sum > 0 ? mass.map(m => m / sum) : mass
}

/** Kernel densities take finite values; NaN is missing. */
function checkFinite (batch: Batch, column: number, name: string): void {
  const { data, cols } = batch
  for (let r = 0; r < batch.rows; r++) {
    const x = data[r * cols + column]!
    if (x === Infinity || x === -Infinity) throw new ArilError('ERR_INVALID_INPUT', `${name}: expected a finite value (NaN for missing), got ${x}`, { row: r, column })
  }
}

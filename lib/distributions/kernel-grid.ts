/**
 * The fixed grid of a binned kernel density: linear binning (Wand 1994, "Fast computation of
 * multivariate kernel estimators"; Hall & Wand 1996, "On the accuracy of binned kernel density
 * estimators"). A point x of weight w between grid points g_i ≤ x ≤ g_{i+1} gives w·(1 − t) to
 * g_i and w·t to g_{i+1}, t = (x − g_i)/δ, so the statistics are `bins` weight sums whatever the
 * number of rows: a fixed-size summary that is summed exactly (accumulate.ts) and merges in any
 * order with the same bits.
 *
 * The density is then the kernel density of the grid points with the binned weights. For each
 * point the binned kernel is the linear interpolation, between the two grid points, of the
 * kernel as a function of the point, so the error at any x is at most the interpolation error:
 * δ²/8 · max|K_b''| for a smooth kernel (Gaussian: δ²/(8·√(2π)·b³)), Δslope·δ/4 at each kink of
 * a piecewise-linear one (triangle: δ/(2b²) when δ < b), and, for the uniform kernel, whose
 * window has jumps, 1/(2b) times the weight of the points within δ of the window's edges x ± b.
 */
import { ArilError, invalidOption } from '../core/errors.js'

/** A grid as it is written in options and JSON: `bins` points from `min` to `max`. */
export interface GridSpec {
  min: number
  max: number
  bins: number
}

/** Grid points by default when a first pass (or the in-memory data) chooses the range. */
export const DEFAULT_BINS = 1024

/**
 * `bins` equally spaced points from `min` to `max` (both included), and the linear binning of
 * values onto them.
 * @example
 * ```ts
 * const grid = new KernelGrid({ min: 0, max: 4, bins: 5 })
 * const mass = new Float64Array(5)
 * grid.bin(mass, Float64Array.of(1.25), 1, 0, undefined, 0, 1)
 * mass // => Float64Array [0, 0.75, 0.25, 0, 0]
 * ```
 */
export class KernelGrid implements GridSpec {
  readonly min: number
  readonly max: number
  readonly bins: number
  /** δ, the distance between neighbouring grid points. */
  readonly spacing: number
  private readonly perSpacing: number

  /** @throws ArilError `ERR_INVALID_OPTION` (option `binned`) unless min < max are finite and bins is a whole number >= 2 */
  constructor (spec: GridSpec) {
    const { min, max, bins } = spec
    if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
      invalidOption('binned', 'finite min < max', `min ${String(min)} and max ${String(max)}`)
    }
    if (!Number.isInteger(bins) || bins < 2) invalidOption('binned.bins', 'a whole number >= 2', bins)
    this.min = min
    this.max = max
    this.bins = bins
    this.spacing = (max - min) / (bins - 1)
    this.perSpacing = (bins - 1) / (max - min)
  }

  /** Grid point i (the last one is `max` itself). */
  point (i: number): number {
    return i === this.bins - 1 ? this.max : this.min + i * this.spacing
  }

  /** Every grid point, in order. */
  points (): number[] {
    return Array.from({ length: this.bins }, (_, i) => this.point(i))
  }

  /**
   * Checks that every observed value of a column with weight > 0 lies on the grid, before
   * anything is added.
   * @throws ArilError `ERR_INVALID_INPUT` with the row and column of the first value outside
   */
  check (data: Float64Array, cols: number, column: number, weights: Float64Array | undefined, rows: number, name: string): void {
    for (let r = 0; r < rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x || (weights !== undefined && weights[r] === 0) || (x >= this.min && x <= this.max)) continue
      throw new ArilError('ERR_INVALID_INPUT', `${name}: expected values on the binned grid [${this.min}, ${this.max}], got ${x}; widen binned.min/max, or leave them out so that a first pass chooses them`, { row: r, column })
    }
  }

  /**
   * Adds rows start…end−1 of a checked column into `mass` (one slot per grid point), in row
   * order; NaN and weight 0 add nothing.
   */
  bin (mass: Float64Array, data: Float64Array, cols: number, column: number, weights: Float64Array | undefined, start: number, end: number): void {
    const { min, perSpacing } = this
    const last = this.bins - 2
    for (let r = start; r < end; r++) {
      const x = data[r * cols + column]!
      const w = weights === undefined ? 1 : weights[r]!
      if (x !== x || w === 0) continue
      const t = (x - min) * perSpacing
      const i = Math.min(Math.floor(t), last)
      const f = Math.min(1, t - i)
      mass[i] += w * (1 - f)
      mass[i + 1] += w * f
    }
  }

  /** The first and one past the last grid point within `radius` of x. */
  window (x: number, radius: number): [number, number] {
    if (radius === Infinity) return [0, this.bins]
    const from = Math.max(0, Math.ceil((x - radius - this.min) / this.spacing) - 1)
    const to = Math.min(this.bins, Math.floor((x + radius - this.min) / this.spacing) + 2)
    return [from, Math.max(from, to)]
  }

  toJSON (): GridSpec {
    return { min: this.min, max: this.max, bins: this.bins }
  }
}

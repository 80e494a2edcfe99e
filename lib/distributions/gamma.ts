/**
 * The gamma distribution with shape alpha and rate beta: density β^α x^(α−1) e^(−βx) / Γ(α), x > 0.
 */
import { BlockedSums } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { logGamma, trigamma } from '../core/special.js'
import { checkPositive, checkSupport, UnivariateDistribution } from '../core/univariate.js'
import { overflow } from '../core/finite.js'

/** Options of the {@link GammaDistribution} constructor. */
export interface GammaOptions {
  frozen?: boolean
}

/** The keys of {@link GammaOptions}. */
export const GAMMA_OPTION_KEYS = ['frozen'] as const

/** Newton stops when a step moves the shape by at most this much, relative. */
const SHAPE_TOLERANCE = 1e-12
/** ... or after this many steps (from the Minka start it takes about 3 to 6). */
const MAX_ITERATIONS = 100

/**
 * The [gamma distribution](https://en.wikipedia.org/wiki/Gamma_distribution) with shape `alpha`
 * and **rate** `beta` (mean alpha/beta), as in pomegranate, fitted by maximum likelihood.
 *
 * Statistics: `[Σw·x, Σw·log x, Σw]`, summed exactly (see accumulate.ts). The shape solves
 * `log α − ψ(α) = s` with `s = log(Σw·x / W) − Σw·log x / W`, by pomegranate's Newton–Raphson
 * (start `(3 − s + √((s − 3)² + 24s)) / (12s)`, step `α −= (log α − ψ(α) − s) / (1/α − ψ′(α))`);
 * then `beta = alpha·W / Σw·x`. Unlike pomegranate, `fit` and `fromSummaries` iterate to the same
 * tolerance (a step below 1e-12 relative, at most 100 steps; Newton converges quadratically here,
 * so the result is as accurate as the statistics allow), `log α − ψ(α)` is evaluated without
 * cancellation (it matters for large shapes), and there is no random restart: a step that leaves
 * α > 0 halves α instead, so the fit is deterministic.
 *
 * Values must be finite and > 0 (`ERR_INVALID_INPUT` otherwise, before anything is added).
 * When every value is equal the maximum-likelihood shape is infinite: `fromSummaries` throws
 * `ERR_INVALID_INPUT` and keeps the parameters and statistics (pomegranate returns a shape near 3e14).
 *
 * @example
 * ```ts
 * const d = GammaDistribution.fromSamples([0.5, 1, 1.5, 3])
 * d.parameters // ≈ [2.62099, 1.74733]
 * ```
 */
export class GammaDistribution extends UnivariateDistribution<[alpha: number, beta: number]> {
  readonly name = 'GammaDistribution'
  protected readonly sums = new BlockedSums(3)
  protected override readonly statisticNames = ['xwSum', 'logXwSum', 'wSum']
  private alpha: number
  private beta: number

  /**
   * @param alpha shape, finite and > 0
   * @param beta rate (not scale), finite and > 0
   * @throws ArilError `ERR_INVALID_PARAMETER`
   */
  constructor (alpha = 1, beta = 1, options: GammaOptions = {}) {
    super()
    checkKeys(options, GAMMA_OPTION_KEYS, 'GammaDistribution')
    checkPositive(alpha, 'shape alpha', 'GammaDistribution')
    checkPositive(beta, 'rate beta', 'GammaDistribution')
    this.alpha = alpha
    this.beta = beta
    this.frozen = options.frozen === true
  }

  get parameters (): [alpha: number, beta: number] {
    return [this.alpha, this.beta]
  }

  summarizeColumn (batch: Batch, column: number): void {
    checkSupport(batch, column, 'GammaDistribution', 0, true)
    const { data, cols, weights } = batch
    this.sums.runs(batch.rows, (start, end) => {
      const partial = this.sums.partial
      let xwSum = partial[0]!
      let logxwSum = partial[1]!
      let wSum = partial[2]!
      for (let r = start; r < end; r++) {
        const x = data[r * cols + column]!
        if (x !== x) continue
        const w = weights === undefined ? 1 : weights[r]!
        xwSum += w * x
        logxwSum += w * Math.log(x)
        wSum += w
      }
      partial[0] = xwSum
      partial[1] = logxwSum
      partial[2] = wSum
    })
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [xwSum, logxwSum, wSum] = this.sums.values() as [number, number, number]
    if (!(wSum > 0)) return
    if (!Number.isFinite(xwSum)) overflow('GammaDistribution', 'the weighted sum of the values')
    const mean = xwSum / wSum
    const s = Math.log(mean) - logxwSum / wSum
    if (!(s > 0 && s < Infinity)) {
      throw new ArilError('ERR_INVALID_INPUT', `GammaDistribution: expected values that are not all equal (the shape estimate is infinite), got log(mean) − mean(log x) = ${s}`)
    }
    const alpha = gammaShape(s)
    // values near the smallest doubles give a rate (alpha / mean) beyond the largest
    if (!Number.isFinite(alpha / mean)) overflow('GammaDistribution', 'the rate (shape / mean) of values this small')
    this.alpha = blend(this.alpha, alpha, inertia)
    this.beta = blend(this.beta, alpha / mean, inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { alpha, beta } = this
    const logNorm = alpha * Math.log(beta) - logGamma(alpha)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) out[r] = 0
      else if (x > 0) out[r] = logNorm + (alpha - 1) * Math.log(x) - beta * x
      else if (x < 0) out[r] = -Infinity
      // The density at 0 is +∞ (α < 1), β (α = 1) or 0 (α > 1).
      else out[r] = alpha === 1 ? Math.log(beta) : alpha < 1 ? Infinity : -Infinity
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = random.gamma(this.alpha) / this.beta
    return out
  }

  /** pomegranate's `blank()`: Gamma(1, 1) (pomegranate's Gamma(0, 0) is no distribution), to be fitted. */
  static blank (): GammaDistribution {
    return new GammaDistribution()
  }

  /** A GammaDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: GammaOptions & UpdateOptions & SummarizeOptions): GammaDistribution {
    const [own, fit] = splitOptions(options, GAMMA_OPTION_KEYS, FIT_OPTION_KEYS, 'GammaDistribution.fromSamples')
    return new GammaDistribution(1, 1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"GammaDistribution","parameters":[alpha, beta],...}`. */
  static fromJSON (json: Record<string, unknown>): GammaDistribution {
    const [alpha, beta] = distributionParameters(json, 'GammaDistribution', 2)
    return new GammaDistribution(jsonNumber(alpha, 'alpha'), jsonNumber(beta, 'beta'), { frozen: json.frozen === true })
  }
}

/**
 * The maximum-likelihood gamma shape for `s = log(mean) − mean(log x) > 0`: the root of
 * `log α − ψ(α) − s`, a decreasing convex function (evaluated without cancellation), by Newton
 * from `start` (by default Minka's approximation, which pomegranate and scipy start from too).
 *
 * @example
 * ```ts
 * gammaShape(Math.log(2) - Math.log(Math.sqrt(3))) // ≈ 3.6343 for data [1, 3]
 * ```
 */
export function gammaShape (s: number, start = (3 - s + Math.sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s)): number {
  let alpha = start
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    let next = alpha - (logMinusDigamma(alpha) - s) / (1 / alpha - trigamma(alpha))
    // From the right of the root a Newton step can overshoot below 0; the root lies below alpha.
    if (!(next > 0 && next < Infinity)) next = alpha / 2
    const step = Math.abs(next - alpha)
    alpha = next
    if (step <= SHAPE_TOLERANCE * alpha) break
  }
  return alpha
}

/**
 * log x − ψ(x) for x > 0 without the cancellation of subtracting two nearly equal numbers (for
 * large x the difference is about 1/(2x) while both terms grow like log x, so `Math.log(x) −
 * digamma(x)` would lose the digits the shape estimate needs): the recurrence
 * ψ(x) = ψ(x + 1) − 1/x up to x ≥ 12, then the asymptotic series 1/(2x) + Σ B₂ₙ / (2n·x²ⁿ).
 */
function logMinusDigamma (x: number): number {
  let sum = 0
  for (; x < 12; x += 1) sum += 1 / x - Math.log1p(1 / x)
  const f = 1 / (x * x)
  return sum + 0.5 / x + f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))))
}

registerModel('GammaDistribution', GammaDistribution.fromJSON)

/**
 * The Beta distribution on (0, 1), fitted by maximum likelihood.
 */
import { BlockedSums } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { digamma, logGamma, trigamma } from '../core/special.js'
import { checkPositive, UnivariateDistribution } from '../core/univariate.js'

/** Options of the {@link BetaDistribution} constructor. */
export interface BetaOptions {
  frozen?: boolean
}

/** The keys of {@link BetaOptions}. */
export const BETA_OPTION_KEYS = ['frozen'] as const

/** Newton iterations before giving up. */
const MAX_ITERATIONS = 100

/**
 * The [Beta distribution](https://en.wikipedia.org/wiki/Beta_distribution) Beta(alpha, beta) of a
 * value in (0, 1), fitted by maximum likelihood (as `scipy.stats.beta.fit(X, floc=0, fscale=1)`).
 *
 * **Not pomegranate's class of this name.** pomegranate 0.14.8's `BetaDistribution` is a
 * beta-bernoulli counter: its fit sets alpha to Σw·[x = 1] and beta to Σw·[x ≠ 1]. aril keeps
 * the name and the JSON shape (`parameters: [alpha, beta]`), so pomegranate's JSON loads, and
 * the log-density (which pomegranate computes the same way), but fits the Beta density itself.
 *
 * Statistics: `[Σw, Σw·log x, Σw·log(1 − x)]`, summed exactly (see accumulate.ts). The estimate
 * solves ψ(a) − ψ(a + b) = mean log x, ψ(b) − ψ(a + b) = mean log(1 − x) by Newton's method on
 * the (concave) log-likelihood, with step halving, started from the log moments matched under
 * ψ(a) ≈ log(a − ½); it is deterministic. With inertia, alpha and beta are each blended.
 * NaN is missing. `pseudocount` does not apply.
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` unless alpha and beta are finite and > 0;
 *   `ERR_INVALID_INPUT` (with row and column) for a value outside (0, 1) in `summarize`/`fit`;
 *   `ERR_NOT_CONVERGED` when the data have no spread (every value equal: no maximum exists)
 * @example
 * ```ts
 * const d = new BetaDistribution(1, 1)
 * d.fit([0.1, 0.25, 0.4, 0.5, 0.8])
 * d.parameters // => [1.5197832818679433, 2.154392977492394] (scipy: 1.51978330, 2.15439300)
 * d.logProbability([0.3]) // => Float64Array [0.40764135062903273]
 * ```
 */
export class BetaDistribution extends UnivariateDistribution<[alpha: number, beta: number]> {
  readonly name = 'BetaDistribution'
  /** `[Σw, Σw·log x, Σw·log(1 − x)]` */
  protected readonly sums = new BlockedSums(3)
  protected override readonly statisticNames = ['wSum', 'logXwSum', 'log1mXwSum']
  private alpha: number
  private beta: number

  constructor (alpha = 1, beta = 1, options: BetaOptions = {}) {
    super()
    checkKeys(options, BETA_OPTION_KEYS, 'BetaDistribution')
    checkPositive(alpha, 'alpha', 'BetaDistribution')
    checkPositive(beta, 'beta', 'BetaDistribution')
    this.alpha = alpha
    this.beta = beta
    this.frozen = options.frozen === true
  }

  get parameters (): [alpha: number, beta: number] {
    return [this.alpha, this.beta]
  }

  summarizeColumn (batch: Batch, column: number): void {
    const { data, cols, weights } = batch
    // Check every value first, so a bad row leaves the statistics untouched.
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (!(x > 0 && x < 1) && x === x) {
        throw new ArilError('ERR_INVALID_INPUT', `BetaDistribution: expected a value in (0, 1) (NaN for missing), got ${x}`, { row: r, column })
      }
    }
    const sums = this.sums
    sums.runs(batch.rows, (start, end) => {
      const partial = sums.partial
      let wSum = partial[0]!
      let logXwSum = partial[1]!
      let log1mXwSum = partial[2]!
      for (let r = start; r < end; r++) {
        const x = data[r * cols + column]!
        if (x !== x) continue
        const w = weights === undefined ? 1 : weights[r]!
        wSum += w
        logXwSum += w * Math.log(x)
        log1mXwSum += w * Math.log1p(-x)
      }
      partial[0] = wSum
      partial[1] = logXwSum
      partial[2] = log1mXwSum
    })
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [wSum, logXwSum, log1mXwSum] = this.sums.values() as [number, number, number]
    if (!(wSum > 0)) return
    const [alpha, beta] = fitBeta(logXwSum / wSum, log1mXwSum / wSum)
    this.alpha = blend(this.alpha, alpha, inertia)
    this.beta = blend(this.beta, beta, inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { alpha, beta } = this
    const logNorm = logGamma(alpha + beta) - logGamma(alpha) - logGamma(beta)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) out[r] = 0
      else if (!(x >= 0 && x <= 1)) out[r] = -Infinity
      // (a − 1)·log x is 0 for a = 1 even at x = 0, as scipy's xlogy.
      else out[r] = logNorm + (alpha === 1 ? 0 : (alpha - 1) * Math.log(x)) + (beta === 1 ? 0 : (beta - 1) * Math.log1p(-x))
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = random.beta(this.alpha, this.beta)
    return out
  }

  /** pomegranate's `blank()`: Beta(1, 1) (pomegranate's Beta(0, 0) is no distribution), to be fitted. */
  static blank (): BetaDistribution {
    return new BetaDistribution()
  }

  /** A BetaDistribution fitted to X (the maximum-likelihood estimate). */
  static fromSamples (X: BatchInput, options?: BetaOptions & UpdateOptions & SummarizeOptions): BetaDistribution {
    const [own, fit] = splitOptions(options, BETA_OPTION_KEYS, FIT_OPTION_KEYS, 'BetaDistribution.fromSamples')
    return new BetaDistribution(1, 1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"BetaDistribution","parameters":[alpha, beta],...}`. */
  static fromJSON (json: Record<string, unknown>): BetaDistribution {
    const [alpha, beta] = distributionParameters(json, 'BetaDistribution', 2)
    return new BetaDistribution(jsonNumber(alpha, 'alpha'), jsonNumber(beta, 'beta'), { frozen: json.frozen === true })
  }
}

/**
 * The maximum-likelihood (alpha, beta) for the mean logs g1 = E log x and g2 = E log(1 − x).
 * The log-likelihood per unit weight, logΓ(a+b) − logΓ(a) − logΓ(b) + (a−1)·g1 + (b−1)·g2, is
 * concave, so Newton steps halved until they stay positive and do not lose likelihood converge.
 */
function fitBeta (g1: number, g2: number): [number, number] {
  // By Jensen, e^g1 + e^g2 <= E x + E(1 − x) = 1, with equality only for constant data.
  const e1 = Math.exp(g1)
  const e2 = Math.exp(g2)
  const spread = 1 - e1 - e2
  // Below this, the spread is rounding noise (values equal to about 1e-7 relative).
  if (!(spread > 1e-13)) {
    throw new ArilError('ERR_NOT_CONVERGED', `BetaDistribution: no maximum-likelihood estimate exists for data without spread (every value equal, to within rounding; 1 − e^E[log x] − e^E[log(1−x)] = ${spread})`)
  }
  // ψ(a) ≈ log(a − ½) turns the likelihood equations into e^g1 = (a − ½)/(s − ½), e^g2 = (b − ½)/(s − ½).
  const scale = 0.5 / spread
  let a = 0.5 + e1 * scale
  let b = 0.5 + e2 * scale
  const logLikelihood = (a: number, b: number): number => logGamma(a + b) - logGamma(a) - logGamma(b) + (a - 1) * g1 + (b - 1) * g2
  let step = Infinity
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const psiSum = digamma(a + b)
    const psiA = digamma(a)
    const psiB = digamma(b)
    const ga = psiSum - psiA + g1
    const gb = psiSum - psiB + g2
    // Done when the gradient is zero to within its rounding: for a flat likelihood (large alpha
    // and beta) further steps would only follow the noise.
    const noise = 4 * Number.EPSILON
    if (Math.abs(ga) <= noise * (Math.abs(psiSum) + Math.abs(psiA) + Math.abs(g1)) &&
        Math.abs(gb) <= noise * (Math.abs(psiSum) + Math.abs(psiB) + Math.abs(g2))) return [a, b]
    const tSum = trigamma(a + b)
    const haa = tSum - trigamma(a)
    const hbb = tSum - trigamma(b)
    const det = haa * hbb - tSum * tSum
    const da = -(hbb * ga - tSum * gb) / det
    const db = -(haa * gb - tSum * ga) / det
    // Far from the maximum, halve steps that leave the domain or lose likelihood; near it the
    // likelihood changes less than its rounding, and full Newton steps converge quadratically.
    const far = Math.max(Math.abs(da) / a, Math.abs(db) / b) > 1e-4
    const here = far ? logLikelihood(a, b) : -Infinity
    let t = 1
    while (t > 1e-10 && (!(a + t * da > 0) || !(b + t * db > 0) || logLikelihood(a + t * da, b + t * db) < here)) t /= 2
    a += t * da
    b += t * db
    step = Math.max(Math.abs(t * da) / a, Math.abs(t * db) / b)
    if (step <= 1e-15) return [a, b]
  }
  throw new ArilError('ERR_NOT_CONVERGED', `BetaDistribution: Newton's method did not converge in ${MAX_ITERATIONS} iterations (last relative step ${step})`)
}

registerModel('BetaDistribution', BetaDistribution.fromJSON)

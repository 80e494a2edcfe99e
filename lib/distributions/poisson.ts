/**
 * The Poisson distribution: P(x) = λ^x e^(−λ) / x!, for counts x ≥ 0.
 */
import { BlockedSums } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { logGamma } from '../core/special.js'
import { checkSupport, UnivariateDistribution } from '../core/univariate.js'
import { overflow } from '../core/finite.js'

/** Options of the {@link PoissonDistribution} constructor. */
export interface PoissonOptions {
  frozen?: boolean
}

/** The keys of {@link PoissonOptions}. */
export const POISSON_OPTION_KEYS = ['frozen'] as const

/**
 * The [Poisson distribution](https://en.wikipedia.org/wiki/Poisson_distribution) with mean
 * `lambda`, fitted by maximum likelihood: `lambda = Σw·x / Σw`.
 *
 * Statistics: `[Σw·x, Σw]`, summed exactly (see accumulate.ts). As in pomegranate, values need not
 * be integers (the log-probability uses log Γ(x + 1)), but they must be finite and ≥ 0
 * (`ERR_INVALID_INPUT` otherwise, before anything is added). Fixed from pomegranate: the update
 * is skipped only for zero total weight (pomegranate tests Σw·x, so all-zero data never updated
 * λ and piled up statistics); all-zero data gives λ = 0, whose log-probability is 0 at x = 0
 * (pomegranate: −Infinity) and −Infinity elsewhere.
 *
 * @example
 * ```ts
 * const d = new PoissonDistribution(1)
 * d.fit([0, 1, 1, 2, 6])
 * d.parameters // => [2]
 * ```
 */
export class PoissonDistribution extends UnivariateDistribution<[lambda: number]> {
  readonly name = 'PoissonDistribution'
  protected readonly sums = new BlockedSums(2)
  protected override readonly statisticNames = ['xwSum', 'wSum']
  private lambda: number

  /**
   * @param lambda the mean, finite and ≥ 0
   * @throws ArilError `ERR_INVALID_PARAMETER`
   */
  constructor (lambda = 1, options: PoissonOptions = {}) {
    super()
    checkKeys(options, POISSON_OPTION_KEYS, 'PoissonDistribution')
    if (typeof lambda !== 'number' || !(lambda >= 0) || lambda === Infinity) {
      throw new ArilError('ERR_INVALID_PARAMETER', `PoissonDistribution: expected a finite mean lambda >= 0, got ${String(lambda)}`)
    }
    this.lambda = lambda
    this.frozen = options.frozen === true
  }

  get parameters (): [lambda: number] {
    return [this.lambda]
  }

  summarizeColumn (batch: Batch, column: number): void {
    checkSupport(batch, column, 'PoissonDistribution', 0, false)
    const { data, cols, weights } = batch
    this.sums.runs(batch.rows, (start, end) => {
      const partial = this.sums.partial
      let xwSum = partial[0]!
      let wSum = partial[1]!
      for (let r = start; r < end; r++) {
        const x = data[r * cols + column]!
        if (x !== x) continue
        const w = weights === undefined ? 1 : weights[r]!
        xwSum += w * x
        wSum += w
      }
      partial[0] = xwSum
      partial[1] = wSum
    })
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [xwSum, wSum] = this.sums.values() as [number, number]
    if (!(wSum > 0)) return
    if (!Number.isFinite(xwSum)) overflow('PoissonDistribution', 'the weighted sum of the values')
    this.lambda = blend(this.lambda, xwSum / wSum, inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const { lambda } = this
    const logLambda = Math.log(lambda)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== x) out[r] = 0
      else if (x < 0) out[r] = -Infinity
      // λ = 0 is a point mass at 0 (0·log 0 would be NaN).
      else if (lambda === 0) out[r] = x === 0 ? 0 : -Infinity
      else out[r] = x * logLambda - lambda - logGamma(x + 1)
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = random.poisson(this.lambda)
    return out
  }

  /** pomegranate's `blank()`: Poisson(1) (pomegranate: Poisson(0)), to be fitted. */
  static blank (): PoissonDistribution {
    return new PoissonDistribution()
  }

  /** A PoissonDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: PoissonOptions & UpdateOptions & SummarizeOptions): PoissonDistribution {
    const [own, fit] = splitOptions(options, POISSON_OPTION_KEYS, FIT_OPTION_KEYS, 'PoissonDistribution.fromSamples')
    return new PoissonDistribution(1, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"PoissonDistribution","parameters":[lambda],...}`. */
  static fromJSON (json: Record<string, unknown>): PoissonDistribution {
    const [lambda] = distributionParameters(json, 'PoissonDistribution', 1)
    return new PoissonDistribution(jsonNumber(lambda, 'lambda'), { frozen: json.frozen === true })
  }
}

registerModel('PoissonDistribution', PoissonDistribution.fromJSON)

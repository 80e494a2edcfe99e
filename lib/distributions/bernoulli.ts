/**
 * The Bernoulli distribution: a value that is 1 with probability p and 0 otherwise.
 */
import { BlockedSums } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, jsonNumber, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'

/** Options of the {@link BernoulliDistribution} constructor. */
export interface BernoulliOptions {
  frozen?: boolean
}

/** The keys of {@link BernoulliOptions}. */
export const BERNOULLI_OPTION_KEYS = ['frozen'] as const

/**
 * The [Bernoulli distribution](https://en.wikipedia.org/wiki/Bernoulli_distribution) of a 0/1
 * value, fitted by maximum likelihood: `p = (S1 + pc) / (W + 2·pc)`.
 *
 * Statistics: `[Σw, Σw·[x = 1]]`, summed exactly (see accumulate.ts). NaN is missing. Differences
 * from pomegranate 0.14.8, on purpose:
 * - `pseudocount` is supported (pomegranate has none): it is added to both counts, so
 *   `p = (Σw·[x = 1] + pc) / (Σw + 2·pc)`;
 * - `logProbability` uses the blended p after an update with inertia (pomegranate keeps the
 *   unblended one in its cache);
 * - a value other than 0, 1 or NaN in `summarize` is an error that names its row, raised before
 *   anything is added (pomegranate counts it as 0); `logProbability` of such a value is −Infinity
 *   (pomegranate reads memory out of bounds);
 * - summarizing again after `clearSummaries()` works (pomegranate segfaults, which breaks every
 *   refit of a mixture or HMM with Bernoulli components).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for p outside [0, 1]; `ERR_INVALID_INPUT` (with row
 *   and column) for a value other than 0, 1 or NaN in `summarize`/`fit`
 * @example
 * ```ts
 * const d = new BernoulliDistribution(0.5)
 * d.fit([1, 0, 0, 1, 1])
 * d.parameters // => [0.6]
 * d.fit([1, 1, 1], { pseudocount: 1 }).parameters // => [0.8]
 * ```
 */
export class BernoulliDistribution extends UnivariateDistribution<[p: number]> {
  readonly name = 'BernoulliDistribution'
  /** `[Σw, Σw·[x = 1]]` */
  protected readonly sums = new BlockedSums(2)
  protected override readonly statisticNames = ['wSum', 'xwSum']
  private p: number

  constructor (p = 0.5, options: BernoulliOptions = {}) {
    super()
    checkKeys(options, BERNOULLI_OPTION_KEYS, 'BernoulliDistribution')
    checkProbability(p)
    this.p = p
    this.frozen = options.frozen === true
  }

  get parameters (): [p: number] {
    return [this.p]
  }

  summarizeColumn (batch: Batch, column: number): void {
    const { data, cols, weights } = batch
    // Check every value first, so a bad row leaves the statistics untouched.
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      if (x !== 0 && x !== 1 && x === x) {
        throw new ArilError('ERR_INVALID_INPUT', `BernoulliDistribution: expected 0 or 1 (NaN for missing), got ${x}`, { row: r, column })
      }
    }
    const sums = this.sums
    sums.runs(batch.rows, (start, end) => {
      const partial = sums.partial
      let wSum = partial[0]!
      let oneSum = partial[1]!
      for (let r = start; r < end; r++) {
        const x = data[r * cols + column]!
        if (x !== x) continue
        const w = weights === undefined ? 1 : weights[r]!
        wSum += w
        if (x === 1) oneSum += w
      }
      partial[0] = wSum
      partial[1] = oneSum
    })
  }

  protected update (options: UpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    const [wSum, oneSum] = this.sums.values() as [number, number]
    if (!(wSum > 0)) return
    this.p = blend(this.p, (oneSum + pseudocount) / (wSum + 2 * pseudocount), inertia)
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    const { data, cols } = batch
    const logOne = Math.log(this.p)
    const logZero = Math.log1p(-this.p)
    for (let r = 0; r < batch.rows; r++) {
      const x = data[r * cols + column]!
      out[r] = x === 1 ? logOne : x === 0 ? logZero : x !== x ? 0 : -Infinity
    }
  }

  sampleWith (n: number, random: Random): Float64Array {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = random.uniform() < this.p ? 1 : 0
    return out
  }

  /** pomegranate's `blank()`: Bernoulli(0.5) (pomegranate: Bernoulli(0)), to be fitted. */
  static blank (): BernoulliDistribution {
    return new BernoulliDistribution()
  }

  /** A BernoulliDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options?: BernoulliOptions & UpdateOptions & SummarizeOptions): BernoulliDistribution {
    const [own, fit] = splitOptions(options, BERNOULLI_OPTION_KEYS, FIT_OPTION_KEYS, 'BernoulliDistribution.fromSamples')
    return new BernoulliDistribution(0.5, own).fit(X, fit)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"BernoulliDistribution","parameters":[p],...}`. */
  static fromJSON (json: Record<string, unknown>): BernoulliDistribution {
    const [p] = distributionParameters(json, 'BernoulliDistribution', 1)
    return new BernoulliDistribution(jsonNumber(p, 'p'), { frozen: json.frozen === true })
  }
}

function checkProbability (p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `BernoulliDistribution: expected a probability p in [0, 1], got ${String(p)}`)
  }
}

registerModel('BernoulliDistribution', BernoulliDistribution.fromJSON)

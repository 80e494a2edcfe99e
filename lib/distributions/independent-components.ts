/**
 * A product of independent one-column distributions, one per column.
 */
import { toBatch, type Batch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { Model, SUMMARIZE_OPTION_KEYS, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS } from './multivariate-gaussian.js'
import { checkKeys, optionKeys, splitOptions, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, fromJSON, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'

/** Any one-column distribution (Normal, Exponential, Discrete, ...). */
export type AnyUnivariateDistribution = UnivariateDistribution<readonly unknown[], UpdateOptions, unknown>

/** Options of the {@link IndependentComponentsDistribution} constructor. */
export interface IndependentComponentsOptions {
  frozen?: boolean
}

/** The keys of {@link IndependentComponentsOptions}. */
export const INDEPENDENT_COMPONENTS_OPTION_KEYS = ['frozen'] as const

/** Options of {@link IndependentComponentsDistribution.fromSamples}. */
export interface IndependentComponentsFromSamplesOptions extends IndependentComponentsOptions, UpdateOptions, SummarizeOptions {
  /** One class per column, or one class for every column; each is constructed with no arguments. */
  distributions: Array<new () => AnyUnivariateDistribution> | (new () => AnyUnivariateDistribution)
  /** Per-column weights of the log-probability (default 1 each). */
  distributionWeights?: readonly number[]
}

/**
 * A multivariate distribution whose columns are independent: column j follows `distributions[j]`
 * (any one-column distribution), and
 * `log p(x) = Σ_j weights[j] · log p_j(x_j)` (pomegranate's `IndependentComponentsDistribution`;
 * the weights are not normalized, default 1).
 *
 * Each child summarizes its own column with the row weights (missing values are the child's
 * business: NaN or null add nothing and score 0); `fromSummaries` passes `inertia` and
 * `pseudocount` to every child, and the children that count (Discrete, Bernoulli) use the
 * pseudocount. The summary is the list of the children's summaries. Unlike pomegranate 0.14.8, a
 * DiscreteDistribution child is fitted in any position (pomegranate drops its statistics).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for an empty list, a child that is not a one-column
 *   distribution, or weights that do not match the children
 * @example
 * ```ts
 * const d = new IndependentComponentsDistribution([new NormalDistribution(0, 1), new DiscreteDistribution({ a: 0.5, b: 0.5 })])
 * d.fit([[1.5, 'a'], [2.5, 'b'], [2, 'b']], { pseudocount: 1 })
 * d.logProbability([[2, 'a']]) // => Float64Array [-0.9393495304648002]
 * ```
 */
export class IndependentComponentsDistribution extends Model<[distributions: AnyUnivariateDistribution[], weights: number[]], UpdateOptions, Key[][]> {
  readonly name = 'IndependentComponentsDistribution'
  readonly dimension: number
  /** The children, one per column (the objects themselves: fitting updates them in place). */
  readonly distributions: readonly AnyUnivariateDistribution[]
  private readonly weights: Float64Array

  constructor (distributions: readonly AnyUnivariateDistribution[], weights?: readonly number[], options: IndependentComponentsOptions = {}) {
    super()
    const name = 'IndependentComponentsDistribution'
    checkKeys(options, INDEPENDENT_COMPONENTS_OPTION_KEYS, name)
    if (!Array.isArray(distributions) || distributions.length === 0) {
      throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a non-empty list of distributions, got ${show(distributions)}`)
    }
    distributions.forEach((child, j) => {
      if (!(child instanceof UnivariateDistribution)) {
        throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a one-column distribution for column ${j}, got ${show(child)}`)
      }
    })
    const d = distributions.length
    if (weights !== undefined && (!Array.isArray(weights) || weights.length !== d || !weights.every(w => typeof w === 'number' && Number.isFinite(w)))) {
      throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected ${d} finite weights (one per distribution), got ${show(weights)}`)
    }
    this.dimension = d
    this.distributions = distributions.slice()
    this.weights = weights === undefined ? new Float64Array(d).fill(1) : Float64Array.from(weights)
    this.frozen = options.frozen === true
  }

  /** Its own update options and its children's, which it hands them. */
  override get updateOptionKeys (): readonly string[] {
    return optionKeys(UPDATE_OPTION_KEYS, ...this.distributions.map(d => d.updateOptionKeys))
  }

  get parameters (): [distributions: AnyUnivariateDistribution[], weights: number[]] {
    return [this.distributions.slice(), Array.from(this.weights)]
  }

  /** String categories are accepted when some child reads them (a DiscreteDistribution). */
  override get categorical (): boolean {
    return this.distributions.some(child => child.categorical)
  }

  summarizeBatch (batch: Batch): undefined {
    this.checkCategories(batch)
    this.distributions.forEach((child, j) => {
      if (!child.frozen) child.summarizeColumn(batch, j)
    })
    return undefined
  }

  /** A string in a column whose child reads numbers only is an error, not a missing value. */
  private checkCategories (batch: Batch): void {
    batch.categories?.forEach((raw, column) => {
      if (raw === undefined || this.distributions[column]!.categorical) return
      const row = raw.findIndex(v => typeof v === 'string' || typeof v === 'boolean')
      throw new ArilError('ERR_NOT_NUMERIC', `Expected a number for the ${this.distributions[column]!.name} of column ${column}, got ${show(raw[row])}`, { row, column })
    })
  }

  protected update (options: UpdateOptions): void {
    updateOptions(options)
    // Update copies first, so a child that fails leaves every child as it was (the contract: throw
    // before anything is assigned); then the children themselves, which then cannot fail.
    for (const child of this.distributions) {
      if (child.frozen) continue
      const copy = copyOf(child)
      if (copy === undefined) continue
      copy.restoreSummary(child.summary())
      copy.fromSummaries(options)
    }
    for (const child of this.distributions) child.fromSummaries(options)
  }

  clearSummaries (): void {
    for (const child of this.distributions) child.clearSummaries()
  }

  summary (): Summary {
    return { model: this.name, distributions: this.distributions.map(child => child.summary()) }
  }

  /** The statistics of each column's distribution. */
  override get statistics (): Statistics {
    return { distributions: this.distributions.map(child => child.statistics) }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    const children = summary.distributions
    if (!Array.isArray(children) || children.length !== this.dimension) {
      return `expected ${this.dimension} summaries (one per distribution), got ${show(children)}`
    }
    const wrong = children.findIndex((s, j) => (s as Summary | null)?.model !== this.distributions[j]!.name)
    if (wrong >= 0) return `expected a summary of a ${this.distributions[wrong]!.name} for column ${wrong}, got ${show((children[wrong] as Summary | null)?.model)}`
    return undefined
  }

  protected mergeChecked (summary: Summary): void {
    const snapshots = this.distributions.map(child => child.summary())
    try {
      (summary.distributions as Summary[]).forEach((s, j) => this.distributions[j]!.mergeSummary(s))
    } catch (err) {
      this.distributions.forEach((child, j) => child.restoreSummary(snapshots[j]!))
      throw err
    }
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    this.checkCategories(batch)
    const out = new Float64Array(batch.rows)
    const column = new Float64Array(batch.rows)
    this.distributions.forEach((child, j) => {
      child.logProbabilityColumn(batch, j, column)
      const w = this.weights[j]!
      for (let r = 0; r < batch.rows; r++) out[r] += column[r]! * w
    })
    return out
  }

  /** Rows of independent draws, column j from child j. */
  sampleWith (n: number, random: Random): Key[][] {
    const columns = this.distributions.map(child => child.sampleWith(n, random) as ArrayLike<Key>)
    return Array.from({ length: n }, (_, i) => columns.map(c => c[i]!))
  }

  toJSON (): { class: 'Distribution'; name: string; parameters: [object[], number[]]; frozen: boolean } {
    return { class: 'Distribution', name: this.name, parameters: [this.distributions.map(child => child.toJSON()), Array.from(this.weights)], frozen: this.frozen }
  }

  /**
   * An IndependentComponentsDistribution fitted to X (pomegranate's `from_samples`): each column's
   * distribution is constructed with no arguments, then the whole is fitted.
   */
  static fromSamples (X: BatchInput, options: IndependentComponentsFromSamplesOptions): IndependentComponentsDistribution {
    // the children's update options are known once they are built: the fit checks those
    const [own, rest] = splitOptions(options, [...INDEPENDENT_COMPONENTS_OPTION_KEYS, 'distributions', 'distributionWeights'], optionKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), 'IndependentComponentsDistribution.fromSamples')
    const { distributions: kinds, distributionWeights, ...constructorOptions } = own
    if (Array.isArray(kinds)) {
      return new IndependentComponentsDistribution(kinds.map(Kind => new Kind()), distributionWeights, constructorOptions).fit(X, rest)
    }
    if (typeof kinds !== 'function') {
      throw new ArilError('ERR_INVALID_OPTION', `Option distributions: expected a distribution class or one per column, got ${show(kinds)}`)
    }
    const Kind = kinds as new () => AnyUnivariateDistribution
    const children = Array.from({ length: toBatch(X, { categorical: true }).cols }, () => new Kind())
    return new IndependentComponentsDistribution(children, distributionWeights, constructorOptions).fit(X, rest)
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"IndependentComponentsDistribution","parameters":[[children],[weights]],...}`. */
  static fromJSON (json: Record<string, unknown>): IndependentComponentsDistribution {
    const [children, weights] = distributionParameters(json, 'IndependentComponentsDistribution', 1)
    if (!Array.isArray(children) || (weights !== undefined && !Array.isArray(weights))) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected IndependentComponentsDistribution parameters [[distributions], [weights]], got ${show(children)} and ${show(weights)}`)
    }
    const distributions = children.map((child: unknown, j) => {
      const d = fromJSON(child as object)
      if (!(d instanceof UnivariateDistribution)) {
        throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a one-column distribution for column ${j} of an IndependentComponentsDistribution, got a ${d.name}`)
      }
      return d as AnyUnivariateDistribution
    })
    return new IndependentComponentsDistribution(distributions, weights as number[] | undefined, { frozen: json.frozen === true })
  }
}

/**
 * A copy of a child through its JSON, or undefined when it cannot be copied (a kind fromJSON does
 * not know); such a child is then updated without the dry run.
 */
function copyOf (child: AnyUnivariateDistribution): AnyUnivariateDistribution | undefined {
  try {
    return fromJSON<AnyUnivariateDistribution>(child.toJSON())
  } catch {
    return undefined
  }
}

registerModel('IndependentComponentsDistribution', IndependentComponentsDistribution.fromJSON)

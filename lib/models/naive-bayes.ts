/**
 * The naive Bayes classifier: one model per class, features independent given the class.
 */
import { isBatch, toBatch, type BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { Model } from '../core/model.js'
import { registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import { IndependentComponentsDistribution, type AnyUnivariateDistribution } from '../distributions/independent-components.js'
import { classCount, readModelsJSON, readWeightsJSON } from './bayes-arguments.js'
import { BayesModel, labelArguments, type BayesFitOptions, type BayesOptions, type BlankComponents, type Component } from './bayes.js'

/** A one-column distribution class whose `new Dist()` is blank (e.g. `NormalDistribution`: N(0, 1)). */
export type DistributionClass = new () => AnyUnivariateDistribution

/**
 * A [naive Bayes classifier](https://en.wikipedia.org/wiki/Naive_Bayes_classifier):
 * `P(class = i | x) ∝ π_i · Π_j p_ij(x_j)`, pomegranate's `NaiveBayes`.
 *
 * Built from fitted models (`new NaiveBayes([m0, m1], { weights })`) or from a distribution class
 * and a number of classes (`new NaiveBayes(NormalDistribution, 3)`): then the components are built
 * from the first batch, one per class: the distribution itself for one column, an
 * IndependentComponentsDistribution of one distribution per column for more. A list of classes
 * means, as in pomegranate, one class per column on several columns and one class per class on
 * one column. Supervised fits take one pass; unlabeled rows (label −1 or NaN) make the fit
 * semi-supervised (see {@link BayesModel.fit}).
 *
 * @example
 * ```ts
 * const nb = new NaiveBayes(NormalDistribution, 2).fit([0, 2, 0, 1, 0, 5, 6, 5, 7, 6], { labels: [0, 0, 0, 0, 0, 1, 1, 0, 1, 1] })
 * nb.predictProba([6]) // => [[0.0197..., 0.9802...]] (pomegranate's docstring example)
 * ```
 */
export class NaiveBayes extends BayesModel {
  readonly name = 'NaiveBayes'

  constructor (models: readonly Component[], options?: BayesOptions)
  constructor (distribution: DistributionClass | readonly DistributionClass[], k: number, options?: BayesOptions)
  constructor (models: readonly Component[] | DistributionClass | readonly DistributionClass[], k?: number | BayesOptions, options?: BayesOptions) {
    super(...naiveArguments(models, k, options))
  }

  /** `{"class":"NaiveBayes","models":[...],"weights":[linear priors]}`, as pomegranate writes it. */
  toJSON (): { class: 'NaiveBayes'; models: object[]; weights: number[] } {
    return { class: 'NaiveBayes', models: this.modelsJSON(), weights: this.weights }
  }

  /**
   * A NaiveBayes fitted to X with labels (pomegranate's `NaiveBayes.from_samples(distributions, X,
   * y, weights)`): `fromSamples(Dist, X, y, options)`, `fromSamples(Dist, X, y, weights)` or
   * `fromSamples(Dist, X, { labels: y, ... })`; the number of classes is the largest label + 1.
   * @throws ArilError `ERR_LABEL` without labels or without a labelled row, `ERR_INVALID_ARGUMENT`
   *   for labels given twice
   * @example
   * ```ts
   * const nb = NaiveBayes.fromSamples(NormalDistribution, X, y)
   * ```
   */
  static fromSamples (distribution: DistributionClass | readonly DistributionClass[], X: BatchInput, options?: BayesFitOptions): NaiveBayes
  static fromSamples (distribution: DistributionClass | readonly DistributionClass[], X: BatchInput, y: ArrayLike<number>, options?: BayesFitOptions | ArrayLike<number>): NaiveBayes
  static fromSamples (distribution: DistributionClass | readonly DistributionClass[], X: BatchInput, y?: ArrayLike<number> | BayesFitOptions, more?: BayesFitOptions | ArrayLike<number>): NaiveBayes {
    const options = labelArguments<BayesFitOptions>(y, more, 'NaiveBayes.fromSamples')
    if (options.labels !== undefined && !isBatch(X)) {
      // The classes come from the labels alone; `fit` then converts the rows piece by piece.
      return new NaiveBayes(distribution, classCount(options.labels, 'NaiveBayes.fromSamples')).fit(X, options)
    }
    const batch = toBatch(X, { categorical: true, weights: options.weights, labels: options.labels })
    const { weights: _weights, labels: _labels, ...rest } = options
    return new NaiveBayes(distribution, classCount(batch.labels, 'NaiveBayes.fromSamples')).fit(batch, rest)
  }

  /** Reads pomegranate's NaiveBayes JSON (linear weights). */
  static fromJSON (json: Record<string, unknown>): NaiveBayes {
    const models = readModelsJSON(json, 'NaiveBayes') as Component[]
    return new NaiveBayes(models, { weights: readWeightsJSON(json, models.length, 'NaiveBayes') })
  }
}

function naiveArguments (
  models: readonly Component[] | DistributionClass | readonly DistributionClass[], k: number | BayesOptions | undefined, options: BayesOptions | undefined
): [number, readonly Component[] | BlankComponents, BayesOptions | undefined] {
  if (Array.isArray(models) && models.every(m => m instanceof Model)) return [models.length, models as readonly Component[], k as BayesOptions | undefined]
  const classes = Array.isArray(models) ? models as readonly DistributionClass[] : [models as DistributionClass]
  if (classes.length === 0 || !classes.every(c => typeof c === 'function' && c.prototype instanceof UnivariateDistribution)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `NaiveBayes: expected fitted models, or a distribution class (or one per column) and a number of classes, got ${show(models)}`)
  }
  const categorical = classes.some(Dist => new Dist().categorical)
  return [k as number, { build: (dimension: number) => blankComponents(classes, k as number, dimension), categorical }, options]
}

function blankComponents (classes: readonly DistributionClass[], k: number, dimension: number): Component[] {
  if (dimension === 1 && classes.length > 1) {
    // pomegranate's list on one column: one distribution class per class
    if (classes.length !== k) throw new ArilError('ERR_INVALID_PARAMETER', `NaiveBayes: on one column a list of distribution classes gives one per class: expected ${k}, got ${classes.length}`)
    return classes.map(Dist => new Dist())
  }
  if (classes.length !== 1 && classes.length !== dimension) {
    throw new ArilError('ERR_COLUMN_COUNT', `NaiveBayes: expected one distribution class per column (${classes.length}), got ${dimension} columns`)
  }
  if (dimension === 1) return Array.from({ length: k }, () => new classes[0]!())
  const perColumn = classes.length === 1 ? new Array<DistributionClass>(dimension).fill(classes[0]!) : classes
  return Array.from({ length: k }, () => new IndependentComponentsDistribution(perColumn.map(Dist => new Dist())))
}

registerModel('NaiveBayes', NaiveBayes.fromJSON)

/**
 * The Bayes classifier: one model of any kind per class (a multivariate Gaussian, a mixture ...).
 */
import { toBatch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import type { SequenceInput } from '../core/sequence.js'
import { Model } from '../core/model.js'
import { registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import { IndependentComponentsDistribution, type AnyUnivariateDistribution } from '../distributions/independent-components.js'
import { rejectSequenceKind } from './sequence-stack.js'
import { HiddenMarkovModel } from './hmm/hmm.js'
import { hmmClasses, type HmmClassOptions } from './bayes-hmm-samples.js'
import { classCount, readModelsJSON, readWeightsJSON } from './bayes-arguments.js'
import { BayesModel, labelArguments, type BayesFitOptions, type BayesOptions, type Component } from './bayes.js'

/**
 * How `BayesClassifier.fromSamples` builds a blank component for d columns: a function
 * `(d) => model`, a class with a static `blank(d)` (`MultivariateGaussianDistribution.blank(d)`:
 * zero means, identity covariance), or a class whose `new Dist()` is blank. A one-column
 * distribution on d > 1 columns gives an IndependentComponentsDistribution of d of them.
 */
export type ComponentFactory = ((dimension: number) => Component) | (abstract new (...args: never[]) => Component)

/**
 * A [Bayes classifier](https://en.wikipedia.org/wiki/Bayes_classifier): `P(class = i | x) ∝ π_i · p_i(x)`
 * with any model `p_i`, pomegranate's `BayesClassifier`. A component that is itself a mixture runs
 * its own E-step on the rows of its class, so a supervised fit is one EM step for it (as pomegranate).
 *
 * Components that are HiddenMarkovModels classify sequences (pomegranate's `is_vl_`): the input
 * is a list of sequences or a SequenceBatch, with one label (and one weight) per sequence; class
 * i's HMM summarizes the sequences labelled i, in blocks of BLOCK_SEQUENCES sequences (see
 * bayes-sequences.ts). Sequences labelled −1 (or NaN) make the fit semi-supervised, as for rows:
 * each EM step adds the labelled sequences' statistics and the unlabeled ones' class
 * responsibilities (pomegranate's semi-supervised `fit`, which needs a custom generator there).
 *
 * JSON: aril writes linear priors in `weights`. pomegranate 0.14.8 writes the log priors there
 * but reads them as linear, so its own round trip is broken ([.25, .75] comes back as
 * [.828, .172]); `fromJSON` reads weights with a negative entry as pomegranate's log priors and
 * non-negative weights as linear priors (valid priors of two or more classes cannot be both).
 *
 * @example
 * ```ts
 * const clf = new BayesClassifier([new NormalDistribution(0, 1), new NormalDistribution(3, 1)], { weights: [0.25, 0.75] })
 * clf.predict([0, 3]) // => Float64Array [0, 1]
 * ```
 */
export class BayesClassifier extends BayesModel {
  readonly name = 'BayesClassifier'

  constructor (models: readonly Component[], options?: BayesOptions) {
    super(Array.isArray(models) ? models.length : 0, models, options)
  }

  /** `{"class":"BayesClassifier","models":[...],"weights":[linear priors]}` (see the class notes). */
  toJSON (): { class: 'BayesClassifier'; models: object[]; weights: number[] } {
    return { class: 'BayesClassifier', models: this.modelsJSON(), weights: this.weights }
  }

  /**
   * A BayesClassifier fitted to X with labels (pomegranate's `BayesClassifier.from_samples`): one
   * blank component per class (largest label + 1 classes), then `fit`. The labels go in third
   * place, as pomegranate (`fromSamples(Dist, X, y, options or weights)`), or in `options.labels`;
   * a list of factories gives one per class, as pomegranate.
   *
   * With `HiddenMarkovModel` as the factory, X is sequences (one label per sequence, −1 for
   * unlabeled) and `options.hmm` says how to build each class's HMM: class j's is
   * `HiddenMarkovModel.fromSamples(hmm.distribution, hmm.nComponents, <the sequences labelled j>,
   * <the rest of hmm>)` (trained on them by its own options); then `fit` over all the sequences
   * sets the priors and runs one more M-step, and the semi-supervised EM when some are unlabeled.
   * @throws ArilError `ERR_LABEL` without a labelled row (or a class without a labelled sequence),
   *   `ERR_INVALID_PARAMETER` for a factory that does not build models or a list of the wrong
   *   length, `ERR_INVALID_ARGUMENT` for labels given twice, `ERR_INVALID_OPTION` for HMMs without `hmm`
   * @example
   * ```ts
   * const clf = BayesClassifier.fromSamples(MultivariateGaussianDistribution, X, y)
   * const calls = BayesClassifier.fromSamples(HiddenMarkovModel, sequences, y, { hmm: { distribution: NormalDistribution, nComponents: 3, seed: 1 } })
   * ```
   */
  static fromSamples (factory: ComponentFactory | readonly ComponentFactory[], X: BatchInput | readonly SequenceInput[], options?: BayesFitOptions & { hmm?: HmmClassOptions }): BayesClassifier
  static fromSamples (factory: ComponentFactory | readonly ComponentFactory[], X: BatchInput | readonly SequenceInput[], y: ArrayLike<number>, options?: (BayesFitOptions & { hmm?: HmmClassOptions }) | ArrayLike<number>): BayesClassifier
  static fromSamples (factory: ComponentFactory | readonly ComponentFactory[], X: BatchInput | readonly SequenceInput[], y?: ArrayLike<number> | BayesFitOptions, more?: BayesFitOptions | ArrayLike<number>): BayesClassifier {
    const { hmm, ...options } = labelArguments<BayesFitOptions & { hmm?: HmmClassOptions }>(y, more, 'BayesClassifier.fromSamples')
    if (factory === HiddenMarkovModel) {
      const { weights, labels, ...rest } = options
      const { batch, models } = hmmClasses(X, labels, weights, hmm, 'BayesClassifier.fromSamples')
      return new BayesClassifier(models).fit(batch, rest)
    }
    if (hmm !== undefined) invalidOption('hmm', 'no hmm option unless the factory is HiddenMarkovModel', hmm)
    rejectSequenceKind(factory, 'BayesClassifier.fromSamples')
    const batch = toBatch(X as BatchInput, { categorical: true, weights: options.weights, labels: options.labels })
    const k = classCount(batch.labels, 'BayesClassifier.fromSamples')
    if (Array.isArray(factory) && factory.length !== k) {
      throw new ArilError('ERR_INVALID_PARAMETER', `BayesClassifier.fromSamples: expected one factory per class (${k}), got ${factory.length}`)
    }
    const models = Array.from({ length: k }, (_, i) => blank(Array.isArray(factory) ? factory[i] as ComponentFactory : factory as ComponentFactory, batch.cols))
    const { weights: _weights, labels: _labels, ...rest } = options
    return new BayesClassifier(models).fit(batch, rest)
  }

  /** Reads a BayesClassifier's JSON: pomegranate's (log priors) or aril's (linear priors). */
  static fromJSON (json: Record<string, unknown>): BayesClassifier {
    const models = readModelsJSON(json, 'BayesClassifier') as Component[]
    const weights = readWeightsJSON(json, models.length, 'BayesClassifier')
    return new BayesClassifier(models, { weights: weights.some(w => w < 0) ? weights.map(Math.exp) : weights })
  }
}

function blank (factory: ComponentFactory, dimension: number): Component {
  const made = blankOf(factory, dimension)
  if (!(made instanceof Model)) throw new ArilError('ERR_INVALID_PARAMETER', `BayesClassifier.fromSamples: expected the factory to build a model, got ${show(made)}`)
  if (made instanceof UnivariateDistribution && dimension > 1) {
    // as pomegranate: a one-column distribution on d columns is d independent copies of it
    return new IndependentComponentsDistribution(Array.from({ length: dimension }, (_, j) => j === 0 ? made as AnyUnivariateDistribution : blankOf(factory, dimension) as AnyUnivariateDistribution))
  }
  return made
}

function blankOf (factory: ComponentFactory, dimension: number): unknown {
  if (typeof factory !== 'function') return factory
  const withBlank = factory as unknown as { blank?: (d: number) => unknown }
  if (typeof withBlank.blank === 'function') return withBlank.blank(dimension)
  if (factory.prototype instanceof Model) return new (factory as unknown as new () => Component)()
  return (factory as (d: number) => unknown)(dimension)
}

registerModel('BayesClassifier', BayesClassifier.fromJSON)

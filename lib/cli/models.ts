/**
 * `--model` on the command line: a name, and for the models that need it a number
 * (`gmm:3`, `kmeans:8`, `naive-bayes:2`), mapped onto the library's classes, and the fit that
 * each needs (one pass for distributions and supervised classifiers, EM passes for mixtures and
 * k-means). The data's column count picks the shape: a univariate distribution over several
 * columns is one per column (IndependentComponents), a mixture of several columns has full-
 * covariance Gaussian components.
 */
import type { Batch } from '../core/batch.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError } from '../core/errors.js'
import type { Model } from '../core/model.js'
import type { ProgressCallback } from '../core/progress.js'
import { BernoulliDistribution } from '../distributions/bernoulli.js'
import { BetaDistribution } from '../distributions/beta.js'
import { DiscreteDistribution } from '../distributions/discrete.js'
import { ExponentialDistribution } from '../distributions/exponential.js'
import { GammaDistribution } from '../distributions/gamma.js'
import { IndependentComponentsDistribution, type AnyUnivariateDistribution } from '../distributions/independent-components.js'
import { LogNormalDistribution } from '../distributions/log-normal.js'
import { MultivariateGaussianDistribution } from '../distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../distributions/normal.js'
import { PoissonDistribution } from '../distributions/poisson.js'
import { UniformDistribution } from '../distributions/uniform.js'
import { BayesClassifier } from '../models/bayes-classifier.js'
import { Kmeans } from '../models/kmeans.js'
import { GeneralMixtureModel } from '../models/mixture.js'
import { NaiveBayes } from '../models/naive-bayes.js'
import type { History } from '../train/callbacks.js'
import type { TrainCallback } from '../train/em.js'

const UNIVARIATE: Record<string, new () => AnyUnivariateDistribution> = {
  normal: NormalDistribution,
  lognormal: LogNormalDistribution,
  exponential: ExponentialDistribution,
  gamma: GammaDistribution,
  poisson: PoissonDistribution,
  bernoulli: BernoulliDistribution,
  beta: BetaDistribution,
  uniform: UniformDistribution,
  discrete: DiscreteDistribution
}

/** Every `--model`, for `--help` and messages. */
export const MODEL_NAMES = [...Object.keys(UNIVARIATE), 'mvn', 'gmm:K', 'kmeans:K', 'naive-bayes[:K]', 'bayes[:K]']

/** A parsed `--model`. */
export interface ModelSpec {
  kind: 'univariate' | 'mvn' | 'gmm' | 'kmeans' | 'naive-bayes' | 'bayes'
  name: string
  /** Components, clusters or classes (undefined: classes counted from the labels). */
  k: number | undefined
}

/**
 * Parses `--model`; undefined when the text names no model (the caller reports a usage error).
 * @example
 * ```ts
 * parseModel('gmm:3') // => { kind: 'gmm', name: 'gmm', k: 3 }
 * ```
 */
export function parseModel (text: string): ModelSpec | undefined {
  const match = /^([a-z-]+)(?::(\d+))?$/.exec(text.trim().toLowerCase())
  if (match === null) return undefined
  const [, name, count] = match as unknown as [string, string, string | undefined]
  const k = count === undefined ? undefined : Number(count)
  if (k !== undefined && k < 1) return undefined
  if (name in UNIVARIATE) return k === undefined ? { kind: 'univariate', name, k } : undefined
  if (name === 'mvn' || name === 'multivariate-gaussian') return k === undefined ? { kind: 'mvn', name: 'mvn', k } : undefined
  if (name === 'gmm' || name === 'mixture') return k === undefined ? undefined : { kind: 'gmm', name: 'gmm', k }
  if (name === 'kmeans') return k === undefined ? undefined : { kind: 'kmeans', name, k }
  if (name === 'naive-bayes' || name === 'naivebayes') return { kind: 'naive-bayes', name: 'naive-bayes', k }
  if (name === 'bayes' || name === 'bayes-classifier') return { kind: 'bayes', name: 'bayes', k }
  return undefined
}

/** What a fit needs besides the model. */
export interface FitSettings {
  open: () => BatchReadable
  /** The first batch of the data (its columns and whether it has labels). */
  head: Batch
  seed: number | undefined
  maxIterations: number | undefined
  stopThreshold: number | undefined
  workers: number | undefined
  initRows: number | undefined
  signal: AbortSignal
  onProgress: ProgressCallback
  callbacks: TrainCallback[]
  /** A pass counting the classes (when `naive-bayes`/`bayes` has no `:K`). */
  countClasses: () => Promise<number>
}

function univariate (name: string, cols: number): Model {
  const Dist = UNIVARIATE[name]!
  return cols === 1 ? new Dist() : new IndependentComponentsDistribution(Array.from({ length: cols }, () => new Dist()))
}

function blankGaussian (cols: number): MultivariateGaussianDistribution {
  return new MultivariateGaussianDistribution(new Array<number>(cols).fill(0), Array.from({ length: cols }, (_, i) => Array.from({ length: cols }, (_, j) => i === j ? 1 : 0)))
}

/**
 * Fits the model `spec` names to the data; resolves with the model and, for EM models, the History.
 * @throws ArilError `ERR_LABEL` for a classifier without `--label`, and whatever the fit throws
 */
export async function fitModel (spec: ModelSpec, s: FitSettings): Promise<{ model: Model; history: History | undefined }> {
  const cols = s.head.cols
  const train = {
    signal: s.signal,
    onProgress: s.onProgress,
    callbacks: s.callbacks,
    ...(s.maxIterations === undefined ? {} : { maxIterations: s.maxIterations }),
    ...(s.stopThreshold === undefined ? {} : { stopThreshold: s.stopThreshold }),
    ...(s.workers === undefined ? {} : { workers: s.workers })
  }
  const init = { ...(s.seed === undefined ? {} : { seed: s.seed }), ...(s.initRows === undefined ? {} : { initRows: s.initRows }) }
  switch (spec.kind) {
    case 'univariate':
    case 'mvn': {
      const em = (['maxIterations', 'stopThreshold', 'workers', 'initRows', 'seed'] as const).find(name => s[name] !== undefined)
      if (em !== undefined) {
        const flag = '--' + em.replace(/[A-Z]/g, c => '-' + c.toLowerCase())
        throw new ArilError('ERR_INVALID_OPTION', `Option ${flag}: --model ${spec.name} is fitted in one pass; ${flag} is for EM models (gmm:K, kmeans:K, semi-supervised naive-bayes and bayes)`)
      }
      const model = spec.kind === 'mvn' ? blankGaussian(cols) : univariate(spec.name, cols)
      return { model: await model.fitStream(s.open(), { signal: s.signal, onProgress: s.onProgress }), history: undefined }
    }
    case 'gmm': {
      let history: History | undefined
      const options = { ...init, ...train, callbacks: [...s.callbacks, { onTrainingEnd: (h: History) => { history = h } }] }
      const model = cols === 1
        ? await GeneralMixtureModel.fromStream(NormalDistribution, spec.k!, s.open, options)
        : await GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, spec.k!, s.open, options)
      return { model, history }
    }
    case 'kmeans': {
      const model = new Kmeans(spec.k!, init)
      const history = await model.trainStream(s.open, train)
      return { model, history }
    }
    case 'naive-bayes':
    case 'bayes': {
      if (s.head.labels === undefined) throw new ArilError('ERR_LABEL', `--model ${spec.name} is a classifier: name the column of the classes with --label`)
      const k = spec.k ?? await s.countClasses()
      const model = spec.kind === 'naive-bayes'
        ? new NaiveBayes(NormalDistribution, k)
        : new BayesClassifier(Array.from({ length: k }, () => blankGaussian(cols)))
      await model.fitStream(s.open, train)
      return { model, history: model.history }
    }
  }
}

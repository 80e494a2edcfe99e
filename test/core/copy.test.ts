import t from 'tap'
import { deepCopy } from '../../lib/core/copy.js'
import type { Model } from '../../lib/core/model.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { LogNormalDistribution } from '../../lib/distributions/log-normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { GammaDistribution } from '../../lib/distributions/gamma.js'
import { PoissonDistribution } from '../../lib/distributions/poisson.js'
import { BernoulliDistribution } from '../../lib/distributions/bernoulli.js'
import { BetaDistribution } from '../../lib/distributions/beta.js'
import { UniformDistribution } from '../../lib/distributions/uniform.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { DirichletDistribution } from '../../lib/distributions/dirichlet.js'
import { ConditionalProbabilityTable } from '../../lib/distributions/conditional-probability-table.js'
import { JointProbabilityTable } from '../../lib/distributions/joint-probability-table.js'
import { GaussianKernelDensity } from '../../lib/distributions/gaussian-kernel-density.js'
import { UniformKernelDensity } from '../../lib/distributions/uniform-kernel-density.js'
import { TriangleKernelDensity } from '../../lib/distributions/triangle-kernel-density.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { BayesClassifier } from '../../lib/models/bayes-classifier.js'

const X1 = [0.5, 1.5, 2, 3.5, 0.25]
const X2 = [[0.1, 0.2], [0.3, 0.9], [0.8, 0.4], [0.6, 0.7]]

/** Every model class, fitted (so the copy has parameters) and holding statistics of one more batch. */
function models (): Array<[string, Model<unknown, any, unknown>, unknown]> {
  const a = new DiscreteDistribution({ x: 0.4, y: 0.6 })
  return [
    ['Normal', new NormalDistribution(0, 1, { minStd: 0.5 }).fit(X1), X1],
    ['LogNormal', new LogNormalDistribution(0, 1, { minStd: 0.5 }).fit(X1), X1],
    ['Exponential', new ExponentialDistribution().fit(X1), X1],
    ['Gamma', new GammaDistribution().fit(X1), X1],
    ['Poisson', new PoissonDistribution().fit([1, 2, 5]), [3, 4]],
    ['Bernoulli', new BernoulliDistribution().fit([0, 1, 1]), [1, 1]],
    ['Beta', new BetaDistribution().fit([0.2, 0.5, 0.7]), [0.3, 0.9]],
    ['Uniform', new UniformDistribution().fit(X1), X1],
    ['Discrete', new DiscreteDistribution().fit(['a', 'b', 'b']), ['c', 'a']],
    ['MultivariateGaussian', MultivariateGaussianDistribution.fromSamples(X2, { minCovar: 0.5 }), X2],
    ['IndependentComponents', new IndependentComponentsDistribution([new NormalDistribution(0, 1, { minStd: 0.5 }), new ExponentialDistribution()]).fit(X2), X2],
    ['Dirichlet', DirichletDistribution.fromSamples([[0.2, 0.8], [0.5, 0.5], [0.6, 0.4]]), [[0.3, 0.7], [0.9, 0.1]]],
    ['ConditionalProbabilityTable', new ConditionalProbabilityTable([['x', 'r', 0.5], ['x', 's', 0.5], ['y', 'r', 0.5], ['y', 's', 0.5]], [a]).fit([['x', 'r'], ['y', 's']]), [['x', 's']]],
    ['JointProbabilityTable', JointProbabilityTable.fromSamples([['x', 'r'], ['y', 's']]), [['x', 's']]],
    ['GaussianKernelDensity', new GaussianKernelDensity([1, 2], 0.5).fit(X1), X1],
    ['UniformKernelDensity', new UniformKernelDensity([], 0.5, null, { binned: { min: 0, max: 4, bins: 9 } }).fit(X1), X1],
    ['TriangleKernelDensity', new TriangleKernelDensity([1], 2).fit(X1), X1],
    ['GeneralMixtureModel', new GeneralMixtureModel([new NormalDistribution(0, 1, { minStd: 0.4 }), new NormalDistribution(3, 1, { minStd: 0.4 })]).fit(X1, { maxIterations: 2 }), X1],
    ['Kmeans', new Kmeans(2, { init: 'random', nInit: 3, seed: 4 }).fit(X2, { maxIterations: 2 }), X2],
    ['NaiveBayes', new NaiveBayes(NormalDistribution, 2).fit(X2, { labels: [0, 0, 1, 1] }), X2],
    ['BayesClassifier', BayesClassifier.fromSamples(MultivariateGaussianDistribution, X2, { labels: [0, 1, 0, 1] }), X2]
  ]
}

t.test('copy(): an independent copy with the same parameters, statistics and options', async t => {
  for (const [name, model, more] of models()) {
    if (name === 'NaiveBayes' || name === 'BayesClassifier') model.summarize(more as never, { labels: [0, 1, 1, 0] })
    else model.summarize(more as never)
    const json = stringifyJSON(model.toJSON())
    const summary = JSON.stringify(model.summary())
    const copy = model.copy()
    t.not(copy, model, name)
    t.equal(Object.getPrototypeOf(copy), Object.getPrototypeOf(model), `${name}: the same class`)
    t.equal(stringifyJSON(copy.toJSON()), json, `${name}: the same JSON`)
    t.equal(JSON.stringify(copy.summary()), summary, `${name}: the same statistics`)
    copy.fromSummaries()
    copy.freeze()
    t.equal(stringifyJSON(model.toJSON()), json, `${name}: updating the copy leaves the original's parameters`)
    t.equal(JSON.stringify(model.summary()), summary, `${name}: and its statistics`)
    t.equal(model.frozen, false)
  }
})

t.test('copy() keeps what the JSON lacks', async t => {
  const normal = new NormalDistribution(0, 1, { minStd: 0.5 }).copy()
  t.same(normal.fit([2, 2, 2]).parameters, [2, 0.5], 'minStd (pomegranate\'s copy through JSON loses it)')
  const mixture = new GeneralMixtureModel([new NormalDistribution(0, 1, { minStd: 0.25 }), new NormalDistribution(5, 1, { minStd: 0.25 })]).copy()
  mixture.fit([0, 0, 0, 5, 5, 5], { maxIterations: 1 })
  t.same(mixture.distributions.map(d => (d.parameters as number[])[1]), [0.25, 0.25], 'in components too')
  const km = new Kmeans(3, { init: 'kmeans||', nInit: 2, seed: 9, initRows: 50 }).copy()
  t.same([km.init, km.nInit, km.initRows], ['kmeans||', 2, 50], 'the initialization options')
  const unfitted = new NaiveBayes(NormalDistribution, 2).copy()
  t.same(unfitted.fit([1, 2, 8, 9], { labels: [0, 0, 1, 1] }).parameters[0], [[1.5, 0.5], [8.5, 0.5]], 'a model without components yet (its JSON cannot be written)')
  const frozen = new ExponentialDistribution(2).freeze().copy()
  t.equal(frozen.frozen, true, 'the frozen flag')
  const binned = new GaussianKernelDensity([], 1, null, { binned: { bins: 16 } }).copy()
  t.same(binned.fit([1, 2, 3]).binnedGrid, { min: 1, max: 3, bins: 16 }, 'a binned density\'s options')
  const parent = new DiscreteDistribution({ x: 0.5, y: 0.5 })
  const table = new ConditionalProbabilityTable([['x', 'r', 1], ['y', 'r', 1]], [parent])
  const copied = table.copy()
  t.not(copied.parents[0], parent, 'parents are copied with the table')
  t.same((copied.parents[0] as DiscreteDistribution).parameters, parent.parameters)
})

t.test('deepCopy keeps shared references shared and cycles', async t => {
  const shared = { n: 1 }
  const value: { a: typeof shared; b: typeof shared; self?: unknown; map: Map<string, typeof shared>; set: Set<number>; view: DataView; f: () => number } = {
    a: shared, b: shared, map: new Map([['k', shared]]), set: new Set([1, 2]), view: new DataView(new ArrayBuffer(4)), f: () => 1
  }
  value.self = value
  const copy = deepCopy(value)
  t.not(copy.a, shared)
  t.equal(copy.a, copy.b, 'shared inside the copy')
  t.equal(copy.map.get('k'), copy.a)
  t.equal(copy.self, copy, 'the cycle points at the copy')
  t.same([...copy.set], [1, 2])
  t.not(copy.set, value.set)
  t.not(copy.view.buffer, value.view.buffer)
  t.equal(copy.f, value.f, 'functions are shared')
})

t.test('Class.blank(): pomegranate\'s blank models, to be fitted', async t => {
  t.same(NormalDistribution.blank().parameters, [0, 1])
  t.same(LogNormalDistribution.blank().parameters, [0, 1])
  t.same(ExponentialDistribution.blank().parameters, [1])
  t.same(DiscreteDistribution.blank().keys, [])
  t.same(MultivariateGaussianDistribution.blank().parameters, [[0, 0], [[1, 0], [0, 1]]], 'd = 2 by default, as pomegranate')
  t.same(MultivariateGaussianDistribution.blank(3).dimension, 3)
  t.same(DirichletDistribution.blank(3).parameters, [[1, 1, 1]])
  t.same(GaussianKernelDensity.blank().parameters, [[], 1, []])
  t.same(UniformKernelDensity.blank().fit([1, 2]).parameters, [[1, 2], 1, [0.5, 0.5]])
  t.same(TriangleKernelDensity.blank().bandwidth, 1)
  t.same(UniformDistribution.blank().fit([2, 5]).parameters, [2, 5])
  for (const Kind of [GammaDistribution, PoissonDistribution, BernoulliDistribution, BetaDistribution]) {
    t.same(Kind.blank().parameters, new Kind().parameters, `${Kind.name}: the default parameters`)
  }
  t.throws(() => MultivariateGaussianDistribution.blank(0), { code: 'ERR_INVALID_ARGUMENT' })
})

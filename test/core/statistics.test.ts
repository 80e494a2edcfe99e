import t from 'tap'
import { readableSummary } from '../../lib/core/statistics.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { LogNormalDistribution } from '../../lib/distributions/log-normal.js'
import { GammaDistribution } from '../../lib/distributions/gamma.js'
import { UniformDistribution } from '../../lib/distributions/uniform.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { DirichletDistribution } from '../../lib/distributions/dirichlet.js'
import { JointProbabilityTable } from '../../lib/distributions/joint-probability-table.js'
import { GaussianKernelDensity } from '../../lib/distributions/gaussian-kernel-density.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { ToyMean } from '../train/toy-model.js'
import { assertClose } from '../helpers.js'

// Every expected total below is a closed form of the data it sums.

t.test('named totals of one-column distributions (pomegranate\'s summaries)', async t => {
  const normal = new NormalDistribution()
  normal.summarize([1, 2, 3], { weights: [1, 1, 2] })
  t.same(normal.statistics, { wSum: 4, xwSum: 9, xxwSum: 23 })
  normal.fromSummaries()
  t.same(normal.statistics, { wSum: 0, xwSum: 0, xxwSum: 0 }, 'cleared by fromSummaries')
  const logNormal = new LogNormalDistribution()
  logNormal.summarize([1, Math.E])
  t.same(logNormal.statistics, { wSum: 2, logXwSum: 1, logXlogXwSum: 1 })
  const gamma = new GammaDistribution()
  gamma.summarize([1, Math.E])
  t.same(gamma.statistics, { xwSum: 1 + Math.E, logXwSum: 1, wSum: 2 })
  const uniform = new UniformDistribution()
  uniform.summarize([4, 1, NaN, 9], { weights: [1, 1, 1, 0] })
  t.same(uniform.statistics, { wSum: 2, min: 1, max: 4 })
  const discrete = new DiscreteDistribution({ a: 1 })
  discrete.summarize(['b', 'a', 'b', null as never])
  t.same(discrete.statistics, { wSum: 3, counts: new Map([['a', 1], ['b', 2]]) })
  const exponential = new ExponentialDistribution()
  exponential.summarize([0.5, 1.5])
  t.same(exponential.statistics, { wSum: 2, xwSum: 2 })
})

t.test('multivariate and composite models', async t => {
  const mvg = MultivariateGaussianDistribution.blank(2)
  mvg.summarize([[1, 2], [3, NaN], [5, 6]])
  t.same(mvg.statistics, { wSum: [3, 2], xwSum: [9, 8], xxwSum: [[35, 32], [32, 40]], pairWSum: [[3, 2], [2, 2]] })
  const icd = new IndependentComponentsDistribution([new NormalDistribution(), new ExponentialDistribution()])
  icd.summarize([[1, 2], [3, 4]])
  t.same(icd.statistics, { distributions: [{ wSum: 2, xwSum: 4, xxwSum: 10 }, { wSum: 2, xwSum: 6 }] })
  const dirichlet = DirichletDistribution.blank(2)
  dirichlet.summarize([[Math.exp(-1), 1 - Math.exp(-1)]])
  assertClose(t, (dirichlet.statistics.logXwSum as number[])[0]!, -1, 1e-15)
  const table = new JointProbabilityTable([], [[], []])
  table.summarize([['x', 1], ['y', 2], ['x', 1]], { weights: [1, 2, 0.5] })
  t.same(table.statistics, { counts: [['x', 1, 1.5], ['y', 2, 2]] })
  const kde = new GaussianKernelDensity()
  kde.summarize([1, 2], { weights: [3, 0] })
  t.same(kde.statistics, { points: [1], weights: [3] }, 'rows of weight 0 are not kept')
  const binned = new GaussianKernelDensity([], 1, null, { binned: { min: 0, max: 2, bins: 3 } })
  binned.summarize([0.5, 2])
  t.same(binned.statistics, { points: [0, 1, 2], wSum: [0.5, 0.5, 1] })
})

t.test('mixtures, k-means and Bayes models nest their components\' statistics', async t => {
  const gmm = new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(10, 1)])
  gmm.summarize([0, 10])
  const s = gmm.statistics as { wSum: number[]; logProbability: number; distributions: Array<{ wSum: number }> }
  assertClose(t, s.wSum, [1, 1], 1e-15, 'each row belongs to one component')
  assertClose(t, s.distributions.map(d => d.wSum), [1, 1], 1e-15)
  assertClose(t, s.logProbability, gmm.logProbability([0, 10]).reduce((a, b) => a + b, 0), 1e-15)
  const km = new Kmeans(2).setCentroids([[0], [10]])
  km.summarize([[1], [2], [9]])
  t.same(km.statistics, { wSum: [[2], [1]], xwSum: [[3], [9]], inertia: 1 + 4 + 1 })
  t.same(new Kmeans(2).statistics, { wSum: [], xwSum: [], inertia: 0 }, 'before the centroids are set')
  const nb = new NaiveBayes(NormalDistribution, 2)
  nb.summarize([1, 2, 8], { labels: [0, 0, 1] })
  t.same(nb.statistics, { wSum: [2, 1], logProbability: 0, components: [{ wSum: 2, xwSum: 3, xxwSum: 5 }, { wSum: 1, xwSum: 8, xxwSum: 64 }] })
})

t.test('a model without named statistics reads its summary with the sums rounded', async t => {
  const toy = new ToyMean(0)
  toy.summarize([1, 2])
  t.same(toy.statistics, { sums: [2, 3, -2.5] })
  t.same(readableSummary({ model: 'X', a: 1, nested: { b: [1, 'c'] } }), { a: 1, nested: { b: [1, 'c'] } })
})

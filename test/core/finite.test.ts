import t from 'tap'
import { checkFinite, overflow, rejectInfinite } from '../../lib/core/finite.js'
import { toBatch } from '../../lib/core/batch.js'
import type { Model } from '../../lib/core/model.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { LogNormalDistribution } from '../../lib/distributions/log-normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { GammaDistribution } from '../../lib/distributions/gamma.js'
import { PoissonDistribution } from '../../lib/distributions/poisson.js'
import { UniformDistribution } from '../../lib/distributions/uniform.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { assertArilError } from '../helpers.js'

t.test('checkFinite: ±Infinity in a numeric column is an error with its row and column; NaN and categorical columns pass', async t => {
  checkFinite(toBatch([[1, NaN], [2, 3]]), 'M')
  checkFinite(toBatch([['a', 1], [Infinity, 2]], { categorical: true }), 'M')
  assertArilError(t, () => checkFinite(toBatch([[1, 2], [3, -Infinity]]), 'M'), { code: 'ERR_INVALID_INPUT', row: 1, column: 1, message: /M: expected finite values \(NaN for missing\), got -Infinity/ })
  assertArilError(t, () => overflow('M', 'the sums'), { code: 'ERR_OVERFLOW', message: /M: the sums cannot be represented in double precision/ })
})

t.test('rejectInfinite: the first ±Infinity of one column or of any, else nothing (the sums overflowed)', async t => {
  const batch = toBatch([[1, Infinity], [-Infinity, 2]])
  assertArilError(t, () => rejectInfinite(batch, 'M'), { code: 'ERR_INVALID_INPUT', row: 0, column: 1 })
  assertArilError(t, () => rejectInfinite(batch, 'M', 0), { code: 'ERR_INVALID_INPUT', row: 1, column: 0 })
  rejectInfinite(toBatch([[1e308, NaN]]), 'M')
})

/** Every model that reads numbers, with data of one and of two columns. */
const models: Array<[string, () => Model, 1 | 2]> = [
  ['NormalDistribution', () => new NormalDistribution(), 1],
  ['LogNormalDistribution', () => new LogNormalDistribution(), 1],
  ['ExponentialDistribution', () => new ExponentialDistribution(), 1],
  ['GammaDistribution', () => new GammaDistribution(), 1],
  ['PoissonDistribution', () => new PoissonDistribution(), 1],
  ['UniformDistribution', () => new UniformDistribution(), 1],
  ['MultivariateGaussianDistribution', () => new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]), 2],
  ['IndependentComponentsDistribution', () => new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution()]), 2],
  ['GeneralMixtureModel', () => new GeneralMixtureModel([new NormalDistribution(), new NormalDistribution(5, 1)]), 1],
  ['Kmeans', () => new Kmeans(2).setCentroids([[0, 0], [5, 5]]), 2],
  ['NaiveBayes', () => new NaiveBayes([new NormalDistribution(), new NormalDistribution(5, 1)]), 1]
]
const fitOf = (m: Model, rows: number[][]): unknown => m instanceof NaiveBayes
  ? m.fit(rows, { labels: rows.map((_, i) => i % 2) })
  : m instanceof GeneralMixtureModel || m instanceof Kmeans ? m.fit(rows, { maxIterations: 5 }) : m.fit(rows)

t.test('every model that reads numbers: ±Infinity is ERR_INVALID_INPUT at its row and column, and the model is unchanged', async t => {
  for (const [name, make, cols] of models) {
    for (const bad of [Infinity, -Infinity]) {
      const rows = [[1, 2], [3, 4], [2, 5], [4, 1]].map(r => r.slice(0, cols))
      rows[2]![cols - 1] = bad
      const m = make()
      const before = stringifyJSON(m)
      assertArilError(t, () => fitOf(m, rows), { code: 'ERR_INVALID_INPUT', row: 2, column: cols - 1 }, `${name}: ${bad}`)
      t.equal(stringifyJSON(m), before, `${name}: unchanged`)
    }
  }
})

t.test('every model: finite data whose sums overflow is ERR_OVERFLOW, or a fit that serializes and reads back', async t => {
  const data = [[1e308, 1.5e308], [1e200, -1e200], [1e200, 1e200], [1e300, 0], [5e-324, 1e-320], [-1e308, 1e308]]
  for (const [name, make, cols] of models) {
    for (const values of data) {
      const rows = values.map(x => Array.from({ length: cols }, () => x)).concat([values.slice(0, cols).reverse()])
      const m = make()
      try {
        fitOf(m, rows)
      } catch (err) {
        t.ok(['ERR_OVERFLOW', 'ERR_INVALID_INPUT', 'ERR_NOT_CONVERGED'].includes((err as { code: string }).code), `${name} on ${values.join(', ')}: ${String(err)}`)
        continue
      }
      const text = stringifyJSON(m)
      t.equal(stringifyJSON(fromJSON(text)), text, `${name} on ${values.join(', ')}: ${text.slice(0, 90)}… reads back`)
    }
  }
})

t.test('NormalDistribution: right where representable, coded where not', async t => {
  // exact sums of squares up to about 1e300 (accumulate.ts splits products with Dekker's constant 2^27 + 1)
  t.same(new NormalDistribution().fit([1e140, 1e140]).parameters, [1e140, 0])
  t.same(new NormalDistribution().fit([-3e149, 3e149]).parameters, [0, 3e149], 'a sum of squares of 1.8e299')
  assertArilError(t, () => new NormalDistribution().fit([1e150, 1e150]), { code: 'ERR_OVERFLOW' })
  assertArilError(t, () => new NormalDistribution().fit([-1e155, 1e155]), { code: 'ERR_OVERFLOW' })
  // a row of weight 0 is not read, whatever its value
  t.same(new NormalDistribution().fit([1, Infinity, 3], { weights: [1, 0, 1] }).parameters, [2, 1])
  // merged summaries that overflow: the update refuses them
  const d = new NormalDistribution()
  d.summarize([3e149, -3e149])
  for (let i = 0; i < 4; i++) d.mergeSummary(d.summary())
  assertArilError(t, () => d.fromSummaries(), { code: 'ERR_OVERFLOW' })
  t.same(d.parameters, [0, 1], 'unchanged')
})

t.test('a Discrete key of ±Infinity is a category, not an error, and round-trips', async t => {
  const d = DiscreteDistribution.fromSamples([Infinity, -Infinity, 1])
  t.equal(d.probabilityOf(Infinity), 1 / 3)
  t.equal(stringifyJSON(fromJSON(stringifyJSON(d))), stringifyJSON(d))
})

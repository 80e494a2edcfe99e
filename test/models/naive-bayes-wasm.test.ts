import t from 'tap'
import { Random } from '../../lib/core/random.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { BayesClassifier } from '../../lib/models/bayes-classifier.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { MAX_COLUMNS } from '../../lib/models/naive-bayes-wasm.js'
import { assertSameBitsWithoutWasm } from '../helpers.js'

function data (rows: number, cols: number, variant: string): { data: Float64Array; labels: Float64Array; weights: Float64Array } {
  const random = new Random(7)
  const out = new Float64Array(rows * cols)
  const labels = new Float64Array(rows)
  const weights = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(random.uniform() * 3)
    labels[r] = variant === 'semi' && r % 5 === 0 ? (r % 10 === 0 ? -1 : NaN) : c
    weights[r] = r % 9 === 0 ? 0 : random.uniform() * 2
    for (let j = 0; j < cols; j++) {
      const missing = variant === 'missing' && (r * cols + j) % 13 === 0
      out[r * cols + j] = missing ? NaN : variant === 'infinite' && r === 777 ? Infinity : 1e3 + c + j / 10 + random.normal()
    }
  }
  return { data: out, labels, weights }
}

t.test('NaiveBayes over Normal columns: the kernel has the bits of the general path', async t => {
  const rows = 9000
  for (const cols of [1, 3, 10]) {
    for (const variant of ['plain', 'missing', 'weights', 'semi', 'infinite']) {
      const { data: X, labels, weights } = data(rows, cols, variant)
      const w = variant === 'weights' ? weights : undefined
      assertSameBitsWithoutWasm(t, () => {
        const summarized = new NaiveBayes(NormalDistribution, 3)
        for (let s = 0; s < rows; s += 3001) {
          const end = Math.min(rows, s + 3001)
          summarized.summarize({ data: X.subarray(s * cols, end * cols), shape: [end - s, cols] }, { labels: labels.subarray(s, end), weights: w?.subarray(s, end) })
        }
        const fitted = new NaiveBayes(NormalDistribution, 3).fit({ data: X, shape: [rows, cols] }, { labels, weights: w, maxIterations: 3 })
        return { summary: summarized.summary(), fitted: fitted.toJSON(), history: fitted.history?.epochs.map(e => e.logProbability) }
      }, `${cols} columns, ${variant}`)
    }
  }
})

t.test('models the kernel does not take go the general path, unchanged', async t => {
  const rows = 3000
  const { data: X, labels } = data(rows, 4, 'plain')
  const batch = { data: X, rows, cols: 4, labels }
  assertSameBitsWithoutWasm(t, () => new NaiveBayes([NormalDistribution, ExponentialDistribution, NormalDistribution, NormalDistribution], 3).fit(batch).toJSON(), 'an Exponential column')
  assertSameBitsWithoutWasm(t, () => {
    const frozen = new IndependentComponentsDistribution([0, 1, 2, 3].map(() => new NormalDistribution(1e3, 1)))
    return new NaiveBayes([frozen.freeze(), ...[0, 1].map(() => new IndependentComponentsDistribution([0, 1, 2, 3].map(() => new NormalDistribution(1e3, 1))))]).fit(batch).toJSON()
  }, 'a frozen class')
  const eye = [0, 1, 2, 3].map(a => [0, 1, 2, 3].map(b => (a === b ? 1 : 0)))
  assertSameBitsWithoutWasm(t, () => new BayesClassifier([0, 1, 2].map(() => new MultivariateGaussianDistribution([1e3, 1e3, 1e3, 1e3], eye))).fit(batch).toJSON(), 'a BayesClassifier')
  const wide = data(200, MAX_COLUMNS + 1, 'plain')
  assertSameBitsWithoutWasm(t, () => new NaiveBayes(NormalDistribution, 3).fit({ data: wide.data, rows: 200, cols: MAX_COLUMNS + 1, labels: wide.labels }).toJSON(), `${MAX_COLUMNS + 1} columns`)
})

import t from 'tap'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { readNpy } from '../../lib/io/npy.js'
import { DirichletDistribution } from '../../lib/distributions/dirichlet.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { logGamma } from '../../lib/core/special.js'
import { assertArilError, assertClose, fixture, assertSameBitsAnyChunking } from '../helpers.js'

interface Case {
  name: string
  trueAlpha: number[]
  X: number[][]
  weights: number[] | null
  wSum: number
  logXwSum: number[]
  alphas: number[]
  probe: number[][]
  logpdf: number[]
}
const { cases } = fixture<{ cases: Case[] }>('dirichlet')
const ones = (k: number): DirichletDistribution => new DirichletDistribution(new Array(k).fill(1))

t.test('the fit is the maximum-likelihood estimate of scipy.optimize on the same statistics (scripts/fixtures/dirichlet.py)', async t => {
  for (const c of cases) {
    const d = ones(c.trueAlpha.length).fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters[0], c.alphas, 1e-6, `${c.name}: alphas`)
    assertClose(t, d.logProbability(c.probe), c.logpdf, 1e-6, `${c.name}: scipy.stats.dirichlet.logpdf`)
    // With the reference alphas themselves, the log-density agrees to rounding.
    assertClose(t, new DirichletDistribution(c.alphas).logProbability(c.probe), c.logpdf, 1e-12, `${c.name}: logpdf at the same alphas`, 1e-13)
    // The estimate is near the alphas the data were drawn with.
    assertClose(t, d.parameters[0], c.trueAlpha, 0.1, `${c.name}: near the true alphas`)
  }
})

t.test('closed forms: the uniform Dirichlet has density Γ(K); Dir(1,1) is Beta(1,1)', async t => {
  assertClose(t, ones(3).logProbability([[0.2, 0.3, 0.5], [0.01, 0.01, 0.98]]), [Math.log(2), Math.log(2)], 1e-15)
  const d = new DirichletDistribution([2, 3])
  // Beta(2, 3) density at x: x (1 − x)² / B(2, 3), B(2, 3) = 1/12.
  assertClose(t, d.logProbability([[0.4, 0.6]]), [Math.log(12 * 0.4 * 0.36)], 1e-14)
  t.equal(logGamma(5), Math.log(24))
})

t.test('JSON: pomegranate shape, round trip', async t => {
  const json = '{"class":"Distribution","name":"DirichletDistribution","parameters":[[1.0,2.0]],"frozen":false}'
  const d = fromJSON<DirichletDistribution>(json)
  t.ok(d instanceof DirichletDistribution)
  t.same(JSON.parse(JSON.stringify(d)), JSON.parse(json))
  const fitted = ones(4).fit(cases[0]!.X)
  t.same(fromJSON<DirichletDistribution>(JSON.stringify(fitted)).parameters, fitted.parameters)
  t.equal(fromJSON<DirichletDistribution>({ ...JSON.parse(json), frozen: true }).frozen, true)
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"DirichletDistribution","parameters":[1]}'), { code: 'ERR_INVALID_JSON_MODEL' })
})

t.test('chunk invariance and merge order are bit-exact', async t => {
  const X = cases[0]!.X
  await assertSameBitsAnyChunking(t, () => ones(4), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
})

t.test('weights: frequency semantics; zero total weight keeps the parameters', async t => {
  const X = [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]]
  const a = ones(2).fit([X[0]!, X[1]!, X[1]!, X[2]!])
  const b = ones(2).fit(X, { weights: [1, 2, 1] })
  t.same(b.parameters, a.parameters)
  t.same(new DirichletDistribution([3, 4]).fit(X, { weights: [0, 0, 0] }).parameters, [[3, 4]])
  t.same(new DirichletDistribution([3, 4]).fit([]).parameters, [[3, 4]])
})

t.test('missing values: a row with NaN adds nothing and has log-probability 0', async t => {
  const X = [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]]
  t.same(ones(2).fit([...X, [NaN, 0.5], [NaN, NaN]]).parameters, ones(2).fit(X).parameters)
  t.same(Array.from(ones(2).logProbability([[NaN, 0.3]])), [0])
})

t.test('inertia blends each alpha', async t => {
  const X = cases[0]!.X
  const estimate = ones(4).fit(X).parameters[0]
  const d = new DirichletDistribution([1, 2, 3, 4]).fit(X, { inertia: 0.25 })
  assertClose(t, d.parameters[0], estimate.map((a, j) => 0.25 * (j + 1) + 0.75 * a), 1e-15)
  const lp = d.logProbability([[0.1, 0.2, 0.3, 0.4]])
  t.same(lp, new DirichletDistribution(d.parameters[0]).logProbability([[0.1, 0.2, 0.3, 0.4]]))
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new DirichletDistribution([2, 2]).freeze()
  d.fit([[0.2, 0.8], [0.4, 0.6]])
  d.thaw().fromSummaries()
  t.same(d.parameters, [[2, 2]])
})

t.test('sample is reproducible and on the simplex; fromSamples infers the dimension', async t => {
  const d = new DirichletDistribution([2, 5, 0.7])
  t.same(d.sample(3, { seed: 5 }), d.sample(3, { seed: 5 }))
  const x = d.sample(20000, { seed: 6 })
  t.ok(x.every(row => Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12))
  const fitted = DirichletDistribution.fromSamples(x)
  assertClose(t, fitted.parameters[0], [2, 5, 0.7], 0.05)
  assertClose(t, DirichletDistribution.fromSamples(x, { weights: new Array(20000).fill(3) }).parameters[0], fitted.parameters[0], 1e-12, 'uniform weights: the same estimate up to rounding of the means')
})

t.test('bad input: rows off the simplex, wrong dimension, degenerate data', async t => {
  const d = ones(2)
  d.summarize([[0.5, 0.5]])
  const before = JSON.stringify(d.summary())
  const rows: Array<[string, number[][], Record<string, unknown>]> = [
    ['sum above 1', [[0.5, 0.5], [0.6, 0.5]], { row: 1 }],
    ['sum below 1', [[0.5, 0.4999]], { row: 0 }],
    ['zero', [[0.5, 0.5], [0.5, 0.5], [0, 1]], { row: 2, column: 0 }],
    ['negative', [[-0.5, 1.5]], { row: 0, column: 0 }],
    ['infinite', [[Infinity, 1]], { row: 0, column: 0 }]
  ]
  for (const [name, X, where] of rows) {
    assertArilError(t, () => d.summarize(X), { code: 'ERR_INVALID_INPUT', ...where }, name)
    assertArilError(t, () => d.logProbability(X), { code: 'ERR_INVALID_INPUT', ...where }, `${name}: logProbability`)
  }
  t.same(ones(2).logProbability([[0.5, 0.5 + 1e-10]]), ones(2).logProbability([[0.5, 0.5]]), 'within 1e-9 of the simplex is accepted')
  assertArilError(t, () => d.summarize([[0.2, 0.3, 0.5]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.mergeSummary(ones(3).summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  t.equal(JSON.stringify(d.summary()), before, 'nothing was added')
  assertArilError(t, () => new DirichletDistribution([1, 1]).fit([[0.3, 0.7], [0.3, 0.7]]), { code: 'ERR_NOT_CONVERGED' }, 'no spread: no maximum')
  const bad: Array<[string, () => unknown]> = [
    ['one alpha', () => new DirichletDistribution([1])],
    ['not a list', () => new DirichletDistribution(2 as never)],
    ['zero alpha', () => new DirichletDistribution([1, 0])],
    ['infinite alpha', () => new DirichletDistribution([1, Infinity])]
  ]
  for (const [name, fn] of bad) assertArilError(t, fn, { code: 'ERR_INVALID_PARAMETER' }, name)
})

t.test('fitting from an .npy file through sink() (numpy.save in scripts/fixtures/dirichlet.py)', async t => {
  const c = cases[0]!
  const file = fileURLToPath(new URL('../fixtures/dirichlet.npy', import.meta.url))
  const d = ones(4)
  await pipeline(readNpy(file, { rowsPerBatch: 300 }), d.sink())
  t.same(d.parameters, ones(4).fit(c.X).parameters, 'the same bits as fit() in memory')
  assertClose(t, d.parameters[0], c.alphas, 1e-6, 'the scipy reference')
})

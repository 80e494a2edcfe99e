import t from 'tap'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { readNpy } from '../../lib/io/npy.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { BetaDistribution } from '../../lib/distributions/beta.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { Random } from '../../lib/core/random.js'
import type { Key } from '../../lib/core/batch.js'
import { assertArilError, assertClose, fixture, assertSameBitsAnyChunking } from '../helpers.js'

interface Case {
  name: string
  X: number[][]
  weights: number[]
  childWeights: number[]
  pseudocount: number
  children: [number[], number[] | Array<[number, number]>]
  json: string
  probe: number[][]
  logProbability: number[]
}
const { cases } = fixture<{ cases: Case[] }>('independent-components')

const table = (d: DiscreteDistribution): Array<[Key, number]> => [...d.probabilities].sort((a, b) => Number(a[0]) - Number(b[0]))

t.test('two normals match pomegranate 0.14.8 (scripts/fixtures/independent-components.py)', async t => {
  const c = cases[0]!
  const d = new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution()], c.childWeights)
  d.fit(c.X, { weights: c.weights })
  d.distributions.forEach((child, j) => assertClose(t, child.parameters as number[], c.children[j] as number[], 1e-12, `child ${j}`))
  assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, 'weighted sum of the children\'s log-probabilities', 1e-12)
  const json = JSON.parse(c.json)
  t.same(JSON.parse(JSON.stringify(d)).parameters[1], json.parameters[1], 'child weights in the JSON')
})

t.test('a DiscreteDistribution in position 2 is fitted (pomegranate drops its statistics)', async t => {
  for (const c of cases.slice(1)) {
    const discrete = new DiscreteDistribution()
    const d = new IndependentComponentsDistribution([new NormalDistribution(), discrete], c.childWeights)
    d.fit(c.X, { weights: c.weights, pseudocount: c.pseudocount })
    assertClose(t, d.distributions[0]!.parameters as number[], c.children[0] as number[], 1e-12, `${c.name}: normal`)
    const expected = (c.children[1] as Array<[number, number]>).slice().sort((a, b) => a[0] - b[0])
    t.same(table(discrete).map(e => e[0]), expected.map(e => e[0]), `${c.name}: keys`)
    assertClose(t, table(discrete).map(e => e[1]), expected.map(e => e[1]), 1e-12, `${c.name}: probabilities`)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`, 1e-12)
  }
})

t.test('pomegranate JSON loads through fromJSON and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<IndependentComponentsDistribution>(c.json)
    t.ok(d instanceof IndependentComponentsDistribution)
    t.equal(d.dimension, 2)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability of the loaded model`, 1e-12)
  }
  const noWeights = fromJSON<IndependentComponentsDistribution>({ class: 'Distribution', name: 'IndependentComponentsDistribution', parameters: [[{ class: 'Distribution', name: 'NormalDistribution', parameters: [0, 1], frozen: false }]], frozen: true })
  t.same(noWeights.parameters[1], [1], 'weights default to 1')
  t.equal(noWeights.frozen, true)
  const mvg = new MultivariateGaussianDistribution([0], [[1]]).toJSON()
  assertArilError(t, () => fromJSON({ class: 'Distribution', name: 'IndependentComponentsDistribution', parameters: [[mvg], [1]] }), { code: 'ERR_INVALID_JSON_MODEL' }, 'a multivariate child')
  assertArilError(t, () => fromJSON({ class: 'Distribution', name: 'IndependentComponentsDistribution', parameters: [{}, 1] }), { code: 'ERR_INVALID_JSON_MODEL' }, 'malformed parameters')
})

t.test('categorical columns: strings go to a Discrete child, a Normal child rejects them', async t => {
  const d = new IndependentComponentsDistribution([new NormalDistribution(), new DiscreteDistribution({ a: 0.5, b: 0.5 })])
  d.fit([[1.5, 'a'], [2.5, 'b'], [2, 'b'], [NaN, 'c'], [3, null]], { pseudocount: 1 })
  t.same(d.distributions[0]!.parameters, [2.25, Math.sqrt(0.3125)])
  // (c + 1) / (W + 3): a 1, b 2, c 1 over W = 4 with keys a, b, c.
  t.same([...(d.distributions[1] as DiscreteDistribution).probabilities], [['a', 2 / 7], ['b', 3 / 7], ['c', 2 / 7]])
  const lp = d.logProbability([[2, 'b'], [NaN, 'z'], [NaN, null]])
  const normal = new NormalDistribution(2.25, Math.sqrt(0.3125)).logProbability([2])[0]!
  t.same(Array.from(lp), [normal + Math.log(3 / 7), -Infinity, 0])
  assertArilError(t, () => d.summarize([[1, 'a'], ['x', 'b']]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([[1, true], [false, 'b']]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0, message: /got false/ }, 'a boolean is a category, not a number')
  assertArilError(t, () => d.logProbability([['x', 'b']]), { code: 'ERR_NOT_NUMERIC', row: 0, column: 0 })
  const numeric = new IndependentComponentsDistribution([new NormalDistribution()])
  assertArilError(t, () => numeric.summarize(['a']), { code: 'ERR_NOT_NUMERIC', row: 0, column: 0 })
})

/** 5000 rows: a normal column with gaps, an integer-valued column read by a Discrete child. */
function data (): { X: number[][], w: number[] } {
  const random = new Random(3)
  const X = Array.from({ length: 5000 }, () => [random.uniform() < 0.05 ? NaN : 10 + random.normal(), Math.floor(random.uniform() * 4)])
  const w = X.map((_, i) => (i % 5) / 2)
  return { X, w }
}
const model = (): IndependentComponentsDistribution => new IndependentComponentsDistribution([new NormalDistribution(), new DiscreteDistribution()], [1, 0.5])
const state = (d: IndependentComponentsDistribution): unknown => [d.distributions[0]!.parameters, table(d.distributions[1] as DiscreteDistribution)]

t.test('chunk invariance and merge order are bit-exact', async t => {
  const { X, w } = data()
  await assertSameBitsAnyChunking(t, model, X, Float64Array.from(w), { update: { pseudocount: 0.5 }, state })
})

t.test('weights: frequency semantics; zero total weight keeps the parameters', async t => {
  const a = model().fit([[1, 0], [2, 1], [2, 1], [4, 0]])
  const b = model().fit([[1, 0], [2, 1], [4, 0]], { weights: [1, 2, 1] })
  t.same(state(b), state(a))
  const c = new IndependentComponentsDistribution([new NormalDistribution(3, 2)]).fit([[1], [2]], { weights: [0, 0] })
  t.same(c.distributions[0]!.parameters, [3, 2])
})

t.test('inertia goes to every child; logProbability is the weighted sum', async t => {
  const d = new IndependentComponentsDistribution([new NormalDistribution(0, 1), new NormalDistribution(10, 1)], [2, 3])
  d.fit([[2, 12], [4, 14]], { inertia: 0.5 })
  t.same(d.distributions.map(c => c.parameters), [[1.5, 1], [11.5, 1]])
  const lp = d.logProbability([[1, 11]])[0]!
  const expected = 2 * new NormalDistribution(1.5, 1).logProbability([1])[0]! + 3 * new NormalDistribution(11.5, 1).logProbability([11])[0]!
  t.equal(lp, expected)
})

t.test('frozen: the whole model, or one child', async t => {
  const d = model().freeze()
  d.fit([[1, 0], [3, 1]])
  t.same(state(d), state(model()))
  d.thaw().fromSummaries()
  t.same(state(d), state(model()), 'nothing was kept while frozen')
  const child = new NormalDistribution(5, 5).freeze()
  const partly = new IndependentComponentsDistribution([child, new NormalDistribution()])
  partly.fit([[1, 1], [3, 3]])
  t.same(child.parameters, [5, 5], 'a frozen child stays')
  t.same(partly.distributions[1]!.parameters, [2, 1], 'its sibling is fitted')
  const other = new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution()])
  other.summarize([[7, 7]])
  partly.mergeSummary(other.summary())
  partly.fromSummaries()
  t.same(partly.parameters[0].map(c => c.parameters), [[5, 5], [7, 0]], 'a frozen child merges nothing')
})

t.test('a child that fails to update leaves every child as it was', async t => {
  const d = new IndependentComponentsDistribution([new NormalDistribution(), new BetaDistribution(2, 3)])
  assertArilError(t, () => d.fit([[1, 0.5], [3, 0.5]]), { code: 'ERR_NOT_CONVERGED' })
  t.same(d.parameters[0].map(c => c.parameters), [[0, 1], [2, 3]])
  t.same(d.summary(), new IndependentComponentsDistribution([new NormalDistribution(), new BetaDistribution(2, 3)]).summary(), 'statistics restored')
  /** A kind fromJSON does not know cannot be copied for the dry run; it is updated directly. */
  class Shifted extends NormalDistribution {
    override readonly name = 'ShiftedNormal' as 'NormalDistribution'
  }
  const custom = new IndependentComponentsDistribution([new Shifted()]).fit([[1], [3]])
  t.same(custom.distributions[0]!.parameters, [2, 1])
})

t.test('sample is reproducible, one column per child', async t => {
  const d = new IndependentComponentsDistribution([new NormalDistribution(2, 0.5), new DiscreteDistribution({ x: 0.25, y: 0.75 })])
  t.same(d.sample(4, { seed: 1 }), d.sample(4, { seed: 1 }))
  const rows = d.sample(20000, { seed: 2 })
  t.equal(rows[0]!.length, 2)
  const fitted = new IndependentComponentsDistribution([new NormalDistribution(), new DiscreteDistribution()]).fit(rows)
  const [mean, std] = fitted.distributions[0]!.parameters as number[]
  t.ok(Math.abs(mean! - 2) < 0.02 && Math.abs(std! - 0.5) < 0.02, `${mean} ${std}`)
  t.ok(Math.abs((fitted.distributions[1] as DiscreteDistribution).probabilityOf('y') - 0.75) < 0.02)
})

t.test('fromSamples takes one class per column, or one class', async t => {
  const X = [[1, 0], [2, 1], [4, 1]]
  const a = IndependentComponentsDistribution.fromSamples(X, { distributions: [NormalDistribution, DiscreteDistribution], distributionWeights: [1, 2] })
  t.same(a.distributions[0]!.parameters, new NormalDistribution().fit([1, 2, 4]).parameters)
  t.same([...(a.distributions[1] as DiscreteDistribution).probabilities], [[0, 1 / 3], [1, 2 / 3]])
  t.same(a.parameters[1], [1, 2])
  const b = IndependentComponentsDistribution.fromSamples(X, { distributions: NormalDistribution })
  t.equal(b.dimension, 2)
  t.same(b.distributions[1]!.parameters, new NormalDistribution().fit([0, 1, 1]).parameters)
  assertArilError(t, () => IndependentComponentsDistribution.fromSamples(X, { distributions: 3 as never }), { code: 'ERR_INVALID_OPTION' })
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = model()
  d.summarize([[1, 0], [2, 1]])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([[1, 0, 3]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([[1, 0]], { weights: [-1] }), { code: 'ERR_INVALID_WEIGHTS', row: 0 })
  assertArilError(t, () => d.fit([[1, 0]], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => d.mergeSummary({ model: d.name, distributions: [] }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary({ model: d.name, distributions: [{ model: 'NormalDistribution' }, { model: 'NormalDistribution' }] }), { code: 'ERR_SUMMARY_MISMATCH' })
  const good = model()
  good.summarize([[5, 2]])
  const broken = { model: d.name, distributions: [(good.summary().distributions as unknown[])[0], { model: 'DiscreteDistribution', keys: 'x' }] }
  assertArilError(t, () => d.mergeSummary(broken as never), { code: 'ERR_SUMMARY_MISMATCH' }, 'a child rejects its summary: nothing merged')
  t.equal(JSON.stringify(d.summary()), before)
  const bad: Array<[string, () => unknown]> = [
    ['no children', () => new IndependentComponentsDistribution([])],
    ['not a list', () => new IndependentComponentsDistribution(3 as never)],
    ['a multivariate child', () => new IndependentComponentsDistribution([new MultivariateGaussianDistribution([0], [[1]]) as never])],
    ['wrong number of weights', () => new IndependentComponentsDistribution([new NormalDistribution()], [1, 2])],
    ['non-finite weight', () => new IndependentComponentsDistribution([new NormalDistribution()], [NaN])]
  ]
  for (const [name, fn] of bad) assertArilError(t, fn, { code: 'ERR_INVALID_PARAMETER' }, name)
})

t.test('fitting from an .npy file through sink() (numpy.save in scripts/fixtures/independent-components.py)', async t => {
  const c = cases[2]!
  const file = fileURLToPath(new URL('../fixtures/independent-components.npy', import.meta.url))
  const discrete = new DiscreteDistribution()
  const d = new IndependentComponentsDistribution([new NormalDistribution(), discrete], c.childWeights)
  await pipeline(readNpy(file, { rowsPerBatch: 50 }), d.sink({ pseudocount: c.pseudocount }))
  const inMemory = new IndependentComponentsDistribution([new NormalDistribution(), new DiscreteDistribution()], c.childWeights).fit(c.X, { pseudocount: c.pseudocount })
  t.same(state(d), state(inMemory), 'the same bits as fit() in memory')
  assertClose(t, d.logProbability(c.probe), inMemory.logProbability(c.probe), 0, 'the same log-probabilities')
})

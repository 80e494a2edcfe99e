import t from 'tap'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, assertMissingIgnored, assertSameBitsAnyChunking, fixture } from '../helpers.js'

interface Case { name: string; init: [number]; X: number[]; weights: number[] | null; parameters: [number]; json: string; probe: number[]; logProbability: number[] }
const { cases } = fixture<{ cases: Case[] }>('exponential')
const X = Float64Array.from(cases[0]!.X)

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/univariate-a.py)', async t => {
  for (const c of cases) {
    const d = new ExponentialDistribution(c.init[0]).fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters, c.parameters, 1e-12, c.name)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`)
  }
})

t.test('the estimate is pomegranate\'s smoothed (W + 1e-7) / (Σwx + 1e-7)', async t => {
  t.equal(new ExponentialDistribution().fit([1, 2, 3]).parameters[0], (3 + 1e-7) / (6 + 1e-7))
  t.equal(new ExponentialDistribution().fit([0, 0]).parameters[0], (2 + 1e-7) / 1e-7, 'all-zero data: a large finite rate')
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<ExponentialDistribution>(c.json)
    t.ok(d instanceof ExponentialDistribution)
    t.same(d.parameters, c.parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  t.equal(ExponentialDistribution.fromJSON({ class: 'Distribution', name: 'ExponentialDistribution', parameters: [2], frozen: true }).frozen, true)
  assertArilError(t, () => ExponentialDistribution.fromJSON({ name: 'ExponentialDistribution', parameters: [] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"ExponentialDistribution","parameters":[-1]}'), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('batches, streams, any chunking and merge order give the same bits', async t => {
  await assertSameBitsAnyChunking(t, () => new ExponentialDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  t.same(ExponentialDistribution.fromSamples(X).parameters, new ExponentialDistribution().fit(X).parameters, 'fromSamples')
})

t.test('weights: frequency semantics, zero total weight keeps the rate', async t => {
  const a = new ExponentialDistribution().fit([1, 2, 2, 3])
  const b = new ExponentialDistribution().fit([1, 2, 3], { weights: [1, 2, 1] })
  t.same(b.parameters, a.parameters)
  t.same(new ExponentialDistribution(4).fit([1, 2, 3], { weights: [0, 0, 0] }).parameters, [4])
  t.same(new ExponentialDistribution(4).fit([]).parameters, [4])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new ExponentialDistribution(), [1, 2, 4])
})

t.test('inertia is applied (pomegranate ignores it)', async t => {
  const d = new ExponentialDistribution(1)
  d.summarize([1, 2, 3])
  d.fromSummaries({ inertia: 0.5 })
  // pomegranate 0.14.8 gives 0.5000000083333331 here whatever the inertia.
  t.same(d.parameters, [0.5 * 1 + 0.5 * ((3 + 1e-7) / (6 + 1e-7))])
  t.same(d.logProbability([0, 1, 2]), new ExponentialDistribution(d.parameters[0]).logProbability([0, 1, 2]))
  t.same(new ExponentialDistribution(3).fit([1, 2], { inertia: 1 }).parameters, [3])
})

t.test('log-probability: log(rate) − rate·x on x ≥ 0, −Infinity below', async t => {
  // scipy.stats.expon(scale=1/2).logpdf([0, 1.5, -1]) = [0.6931471805599453, -2.3068528194400546, -inf]
  assertClose(t, new ExponentialDistribution(2).logProbability([0, 1.5, -1]), [0.6931471805599453, -2.3068528194400546, -Infinity], 1e-15)
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new ExponentialDistribution(2, { frozen: true })
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [2])
  d.thaw().fromSummaries()
  t.same(d.parameters, [2], 'nothing was kept while frozen')
  t.same(d.fit([1, 3]).parameters, new ExponentialDistribution().fit([1, 3]).parameters)
})

t.test('sample is reproducible and has the right moments', async t => {
  const d = new ExponentialDistribution(4)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(200000, { seed: 7 })
  let mean = 0
  for (const v of x) mean += v / x.length
  let variance = 0
  for (const v of x) variance += (v - mean) * (v - mean) / x.length
  // mean 1/rate = 0.25 (sd of the estimate 0.00056), variance 1/rate² = 0.0625
  t.ok(Math.abs(mean - 0.25) < 0.003 && Math.abs(variance - 0.0625) < 0.002, `${mean} ${variance}`)
  t.ok(x.every(v => v >= 0))
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new ExponentialDistribution(2)
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([1, 0, -2, 4]), { code: 'ERR_INVALID_INPUT', row: 2, column: 0 })
  assertArilError(t, () => d.summarize([1, -Infinity]), { code: 'ERR_INVALID_INPUT', row: 1 })
  assertArilError(t, () => d.fit([1, 2, 3, -1]), { code: 'ERR_INVALID_INPUT', row: 3 })
  assertArilError(t, () => d.summarize([[1, 2]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' })
  assertArilError(t, () => d.fit([1, 2], { inertia: -0.5 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [2])
  for (const rate of [0, -1, NaN, Infinity, '1' as unknown as number]) {
    assertArilError(t, () => new ExponentialDistribution(rate), { code: 'ERR_INVALID_PARAMETER' }, `rate ${String(rate)}`)
  }
})

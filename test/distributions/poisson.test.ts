import t from 'tap'
import { PoissonDistribution } from '../../lib/distributions/poisson.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, assertMissingIgnored, assertSameBitsAnyChunking, fixture } from '../helpers.js'

interface Case { name: string; init: [number]; X: number[]; weights: number[] | null; parameters: [number]; json: string; probe: number[]; logProbability: number[] }
const { cases } = fixture<{ cases: Case[] }>('poisson')
const X = Float64Array.from(cases[0]!.X)

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/univariate-a.py)', async t => {
  for (const c of cases) {
    const d = new PoissonDistribution(c.init[0]).fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters, c.parameters, 1e-12, c.name)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`)
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<PoissonDistribution>(c.json)
    t.ok(d instanceof PoissonDistribution)
    t.same(d.parameters, c.parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  t.equal(PoissonDistribution.fromJSON({ class: 'Distribution', name: 'PoissonDistribution', parameters: [2], frozen: true }).frozen, true)
  assertArilError(t, () => PoissonDistribution.fromJSON({ name: 'PoissonDistribution', parameters: ['2'] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"PoissonDistribution","parameters":[-1]}'), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('batches, streams, any chunking and merge order give the same bits', async t => {
  await assertSameBitsAnyChunking(t, () => new PoissonDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  t.same(PoissonDistribution.fromSamples(X).parameters, new PoissonDistribution().fit(X).parameters, 'fromSamples')
})

t.test('weights: frequency semantics, zero total weight keeps lambda', async t => {
  const a = new PoissonDistribution().fit([1, 2, 2, 3])
  const b = new PoissonDistribution().fit([1, 2, 3], { weights: [1, 2, 1] })
  t.same(b.parameters, a.parameters)
  t.same(new PoissonDistribution(4).fit([1, 2, 3], { weights: [0, 0, 0] }).parameters, [4])
  t.same(new PoissonDistribution(4).fit([]).parameters, [4])
})

t.test('all-zero data gives lambda 0 and clears the statistics (pomegranate never updates)', async t => {
  const d = new PoissonDistribution(3)
  d.summarize([0, 0, 0])
  d.fromSummaries()
  t.same(d.parameters, [0])
  t.same(d.summary(), new PoissonDistribution().summary(), 'statistics cleared')
  d.summarize([4])
  d.fromSummaries()
  t.same(d.parameters, [4], 'the zeros are not carried into the next update')
  // lambda 0 is a point mass at 0: pomegranate gives −inf for logp(0).
  t.same(Array.from(new PoissonDistribution(0).logProbability([0, 1, 2.5, -1, NaN])), [0, -Infinity, -Infinity, -Infinity, 0])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new PoissonDistribution(), [1, 2, 4])
})

t.test('inertia blends, and logProbability uses the blended lambda', async t => {
  const d = new PoissonDistribution(1)
  d.summarize([2, 4])
  d.fromSummaries({ inertia: 0.25 })
  t.same(d.parameters, [0.25 + 0.75 * 3])
  t.same(d.logProbability([0, 1, 5]), new PoissonDistribution(2.5).logProbability([0, 1, 5]))
})

t.test('log-probability: scipy values, non-integers, outside the support', async t => {
  // scipy.stats.poisson(3.5).logpmf([0, 1, 7, 40]) = [-3.5, -2.247237031504632, -3.2558205815978383, -63.71012097494267]
  assertClose(t, new PoissonDistribution(3.5).logProbability([0, 1, 7, 40]), [-3.5, -2.247237031504632, -3.2558205815978383, -63.71012097494267], 1e-14)
  // x·log λ − λ − gammaln(x + 1) for x = 2.5: -1.5690661811086541 (scipy.special.gammaln)
  assertClose(t, new PoissonDistribution(3.5).logProbability([2.5]), [-1.5690661811086541], 1e-14)
  t.same(Array.from(new PoissonDistribution(3.5).logProbability([-1, -0.5])), [-Infinity, -Infinity])
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new PoissonDistribution(2, { frozen: true })
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [2])
  d.thaw().fromSummaries()
  t.same(d.parameters, [2], 'nothing was kept while frozen')
  t.same(d.fit([1, 3]).parameters, [2])
})

t.test('sample is reproducible and has the right moments', async t => {
  for (const lambda of [3.5, 120]) {
    const d = new PoissonDistribution(lambda)
    t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
    const x = d.sample(100000, { seed: 7 })
    let mean = 0
    for (const v of x) mean += v / x.length
    let variance = 0
    for (const v of x) variance += (v - mean) * (v - mean) / x.length
    // mean = variance = lambda; the sd of the mean estimate is sqrt(lambda / 1e5).
    const tol = 6 * Math.sqrt(lambda / 1e5)
    t.ok(Math.abs(mean - lambda) < tol && Math.abs(variance / lambda - 1) < 0.03, `lambda ${lambda}: ${mean} ${variance}`)
    t.ok(x.every(v => Number.isInteger(v) && v >= 0), 'counts')
  }
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new PoissonDistribution(2)
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([1, 0, -2, 4]), { code: 'ERR_INVALID_INPUT', row: 2, column: 0 })
  assertArilError(t, () => d.summarize([Infinity]), { code: 'ERR_INVALID_INPUT', row: 0 })
  assertArilError(t, () => d.fit([1, 2, 3, -1]), { code: 'ERR_INVALID_INPUT', row: 3 })
  assertArilError(t, () => d.summarize([1, 'a' as unknown as number]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1, NaN] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([1, 2], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [2])
  for (const lambda of [-1, NaN, Infinity, '1' as unknown as number]) {
    assertArilError(t, () => new PoissonDistribution(lambda), { code: 'ERR_INVALID_PARAMETER' }, `lambda ${String(lambda)}`)
  }
})

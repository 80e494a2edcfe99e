import t from 'tap'
import { LogNormalDistribution } from '../../lib/distributions/log-normal.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, assertMissingIgnored, assertSameBitsAnyChunking, fixture } from '../helpers.js'

interface Case {
  name: string
  init: [number, number]
  X: number[]
  weights: number[] | null
  parameters: [number, number]
  json: string
  probe: number[]
  logProbability: number[]
  numpy: [number, number]
}
const { cases } = fixture<{ cases: Case[] }>('log-normal')
const X = Float64Array.from(cases[0]!.X)
const minStdOf = (c: Case): number => c.name.startsWith('min_std') ? 0.5 : 0

t.test('fit matches pomegranate 0.14.8 and numpy (scripts/fixtures/univariate-a.py)', async t => {
  for (const c of cases) {
    const minStd = minStdOf(c)
    const d = new LogNormalDistribution(c.init[0], c.init[1], { minStd }).fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters, [c.numpy[0], Math.max(c.numpy[1], minStd)], 1e-14, `${c.name}: numpy mean and std of log x`)
    // pomegranate's S2/W − (S1/W)² loses about (mu/sigma)² ulp: 900 in the ill-conditioned case.
    const rel = c.name.startsWith('ill') ? 1e-11 : 1e-12
    assertClose(t, d.parameters, c.parameters, rel, `${c.name}: pomegranate`)
    // pomegranate truncates sqrt(2π) to 2.50662827463, which moves its log-density by 4e-13.
    assertClose(t, d.logProbability(c.probe), c.logProbability, rel, `${c.name}: logProbability`, 1e-12)
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<LogNormalDistribution>(c.json)
    t.ok(d instanceof LogNormalDistribution)
    t.same(d.parameters, c.parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  t.equal(LogNormalDistribution.fromJSON({ class: 'Distribution', name: 'LogNormalDistribution', parameters: [0, 1], frozen: true }).frozen, true)
  assertArilError(t, () => LogNormalDistribution.fromJSON({ name: 'NormalDistribution', parameters: [0, 1] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"LogNormalDistribution","parameters":[0,-1]}'), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('batches, streams, any chunking and merge order give the same bits', async t => {
  await assertSameBitsAnyChunking(t, () => new LogNormalDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  t.same(LogNormalDistribution.fromSamples(X).parameters, new LogNormalDistribution().fit(X).parameters, 'fromSamples')
})

t.test('accurate where the textbook formula is not', async t => {
  // log of seven copies of e^0.1: pomegranate's variance formula gives sigma ≈ 1e-9, not 0.
  t.same(new LogNormalDistribution().fit(new Array(7).fill(Math.exp(0.1))).parameters, [Math.log(Math.exp(0.1)), 0])
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  const a = new LogNormalDistribution().fit([1, 2, 2, 3])
  const b = new LogNormalDistribution().fit([1, 2, 3], { weights: [1, 2, 1] })
  // Equal up to rounding: a weight of 2 adds 2·d once where duplication adds d twice.
  assertClose(t, b.parameters, a.parameters, 1e-15)
  t.same(new LogNormalDistribution(4, 2).fit([1, 2, 3], { weights: [0, 0, 0] }).parameters, [4, 2])
  t.same(new LogNormalDistribution(4, 2).fit([]).parameters, [4, 2])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new LogNormalDistribution(), [1, 2, 4])
})

t.test('inertia blends, and logProbability uses the blended parameters', async t => {
  const d = new LogNormalDistribution(0, 1)
  d.summarize([Math.E, Math.E ** 3])
  d.fromSummaries({ inertia: 0.5 })
  // log x = [1, 3]: mu 2, sigma 1; blended with (0, 1).
  t.same(d.parameters, [1, 1])
  t.same(d.logProbability([0.5, 1, 2]), new LogNormalDistribution(1, 1).logProbability([0.5, 1, 2]))
})

t.test('log-probability: scipy values, the edge of the support, point masses', async t => {
  // scipy.stats.lognorm(s=0.5, scale=exp(1)).logpdf([0.5, 3]) = [-5.266138922160965, -1.343852408265562]
  assertClose(t, new LogNormalDistribution(1, 0.5).logProbability([0.5, 3]), [-5.266138922160965, -1.343852408265562], 1e-14)
  t.same(Array.from(new LogNormalDistribution(1, 0.5).logProbability([0, -1])), [-Infinity, -Infinity])
  t.same(Array.from(new LogNormalDistribution(0, 0).logProbability([1, 2, 0])), [Infinity, -Infinity, -Infinity])
  t.same(new LogNormalDistribution(0, 1, { minStd: 0.5 }).fit([5, 5, 5]).parameters, [Math.log(5), 0.5])
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new LogNormalDistribution(0, 1, { frozen: true })
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [0, 1])
  d.thaw().fromSummaries()
  t.same(d.parameters, [0, 1], 'nothing was kept while frozen (pomegranate applies stale statistics here)')
  t.same(d.fit([1, Math.E ** 2]).parameters, [1, 1])
})

t.test('sample is reproducible and has the right moments', async t => {
  const d = new LogNormalDistribution(1, 0.5)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(200000, { seed: 7 })
  const [mu, sigma] = new LogNormalDistribution().fit(x).parameters
  t.ok(Math.abs(mu - 1) < 0.01 && Math.abs(sigma - 0.5) < 0.01, `${mu} ${sigma}`)
  let mean = 0
  for (const v of x) mean += v / x.length
  // E[x] = exp(mu + sigma²/2) = 3.0802168489180315
  t.ok(Math.abs(mean - 3.0802168489180315) < 0.03, `mean ${mean}`)
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new LogNormalDistribution(0, 1)
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([1, 2, 0, 4]), { code: 'ERR_INVALID_INPUT', row: 2, column: 0 })
  assertArilError(t, () => d.summarize([3, -1]), { code: 'ERR_INVALID_INPUT', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([Infinity]), { code: 'ERR_INVALID_INPUT', row: 0 })
  assertArilError(t, () => d.fit([1, 2, 3, 0]), { code: 'ERR_INVALID_INPUT', row: 3 })
  assertArilError(t, () => d.summarize([1, 'a' as unknown as number]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([1, 2], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [0, 1])
  assertArilError(t, () => new LogNormalDistribution(0, -1), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new LogNormalDistribution(NaN, 1), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new LogNormalDistribution(0, 1, { minStd: -1 }), { code: 'ERR_INVALID_OPTION' })
})

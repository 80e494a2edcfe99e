import t from 'tap'
import { GammaDistribution, gammaShape } from '../../lib/distributions/gamma.js'
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
  scipy?: [number, number]
  fromSummaries: [number, number]
  mle: [number, number]
}
const { cases } = fixture<{ cases: Case[] }>('gamma')
const X = Float64Array.from(cases[0]!.X)

t.test('fit matches pomegranate 0.14.8, scipy and the exact MLE (scripts/fixtures/univariate-a.py)', async t => {
  for (const c of cases) {
    const d = new GammaDistribution(c.init[0], c.init[1]).fit(c.X, { weights: c.weights ?? undefined })
    // The shape's sensitivity to s = log(mean) − mean(log x) grows like 2α, and the sums (sequential
    // inside a block, like pomegranate's) round differently from pomegranate's numpy dot products:
    // 3e-13 apart at α = 83, 2e-15 at α = 2.6.
    assertClose(t, d.parameters, c.parameters, 1e-12, `${c.name}: pomegranate fit (epsilon 1e-9)`)
    assertClose(t, d.parameters, c.mle, 1e-12, `${c.name}: mpmath MLE`)
    if (c.scipy !== undefined) assertClose(t, d.parameters, c.scipy, 1e-11, `${c.name}: scipy.stats.gamma.fit(floc=0) (brentq, xtol 2e-12)`)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`)
  }
})

t.test('fromSummaries converges as tightly as fit (pomegranate stops fromSummaries at 1e-4)', async t => {
  for (const c of cases) {
    const fitted = new GammaDistribution().fit(c.X, { weights: c.weights ?? undefined })
    const d = new GammaDistribution()
    d.summarize(c.X, { weights: c.weights ?? undefined })
    d.fromSummaries()
    t.same(d.parameters, fitted.parameters, c.name)
    assertClose(t, c.fromSummaries, c.parameters, 1e-6, `${c.name}: pomegranate's own fromSummaries is only close`)
  }
  const small = cases.find(c => c.name.startsWith('small'))!
  t.ok(Math.abs(small.fromSummaries[0] / small.parameters[0] - 1) > 1e-9, 'pomegranate: fromSummaries ≠ fit by more than 1e-9 here')
})

t.test('gammaShape: Newton from the right is kept in the domain, deterministically', async t => {
  const s = 1
  const fromMinka = gammaShape(s)
  // From 100 the first Newton step lands far below 0; halving brings it back.
  assertClose(t, gammaShape(s, 100), fromMinka, 1e-14, 'same root from a bad start')
  t.equal(gammaShape(s, 100), gammaShape(s, 100), 'deterministic')
  // log α − ψ(α) = 1 at α = 0.6155567664795944 (mpmath.findroot at 30 digits).
  assertClose(t, fromMinka, 0.6155567664795944, 1e-14, 'root')
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<GammaDistribution>(c.json)
    t.ok(d instanceof GammaDistribution)
    t.same(d.parameters, c.parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability of the loaded model`)
  }
  t.equal(GammaDistribution.fromJSON({ class: 'Distribution', name: 'GammaDistribution', parameters: [2, 3], frozen: true }).frozen, true)
  assertArilError(t, () => GammaDistribution.fromJSON({ name: 'GammaDistribution', parameters: [2] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"GammaDistribution","parameters":[0,1]}'), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('batches, streams, any chunking and merge order give the same bits', async t => {
  await assertSameBitsAnyChunking(t, () => new GammaDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  t.same(GammaDistribution.fromSamples(X).parameters, new GammaDistribution().fit(X).parameters, 'fromSamples')
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  const a = new GammaDistribution().fit([1, 2, 2, 3.5])
  const b = new GammaDistribution().fit([1, 2, 3.5], { weights: [1, 2, 1] })
  t.same(b.parameters, a.parameters)
  t.same(new GammaDistribution(4, 2).fit([1, 2, 3], { weights: [0, 0, 0] }).parameters, [4, 2])
  t.same(new GammaDistribution(4, 2).fit([]).parameters, [4, 2])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new GammaDistribution(), [1, 2, 4])
})

t.test('inertia blends both parameters, and logProbability uses the blended ones', async t => {
  const data = [0.5, 1, 1.5, 3]
  const target = new GammaDistribution().fit(data).parameters
  const d = new GammaDistribution(1, 1)
  d.summarize(data)
  d.fromSummaries({ inertia: 0.25 })
  t.same(d.parameters, [0.25 + 0.75 * target[0], 0.25 + 0.75 * target[1]])
  const fresh = new GammaDistribution(...d.parameters)
  t.same(d.logProbability([0.1, 1, 5]), fresh.logProbability([0.1, 1, 5]))
  t.same(new GammaDistribution(2, 3).fit(data, { inertia: 1 }).parameters, [2, 3], 'inertia 1 keeps the parameters')
})

t.test('log-probability outside and on the edge of the support', async t => {
  // scipy.stats.gamma(a, scale=1/b).logpdf(0): +inf for a < 1, log b for a = 1, -inf for a > 1.
  t.same(Array.from(new GammaDistribution(0.5, 2).logProbability([0, -1])), [Infinity, -Infinity])
  t.same(Array.from(new GammaDistribution(1, 2).logProbability([0])), [Math.log(2)])
  t.same(Array.from(new GammaDistribution(3, 2).logProbability([0])), [-Infinity])
  // scipy.stats.gamma(3, scale=1/2).logpdf(1.5) = -0.8027754226637805
  assertClose(t, new GammaDistribution(3, 2).logProbability([1.5]), [-0.8027754226637805], 1e-14)
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new GammaDistribution(2, 3, { frozen: true })
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [2, 3])
  d.thaw().fromSummaries()
  t.same(d.parameters, [2, 3], 'nothing was kept while frozen')
  t.same(d.fit([1, 3]).parameters, new GammaDistribution().fit([1, 3]).parameters)
  t.same(JSON.parse(JSON.stringify(d.freeze())).frozen, true)
})

t.test('sample is reproducible and has the right moments', async t => {
  const d = new GammaDistribution(2.5, 4)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(200000, { seed: 7 })
  let mean = 0
  for (const v of x) mean += v / x.length
  let variance = 0
  for (const v of x) variance += (v - mean) * (v - mean) / x.length
  // mean α/β = 0.625 (sd of the estimate 0.0009), variance α/β² = 0.15625
  t.ok(Math.abs(mean - 0.625) < 0.005 && Math.abs(variance - 0.15625) < 0.005, `${mean} ${variance}`)
  const [alpha, beta] = new GammaDistribution().fit(x).parameters
  t.ok(Math.abs(alpha - 2.5) < 0.05 && Math.abs(beta - 4) < 0.08, `refit ${alpha} ${beta}`)
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new GammaDistribution(2, 3)
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([1, 2, 0, 4]), { code: 'ERR_INVALID_INPUT', row: 2, column: 0 })
  assertArilError(t, () => d.summarize([[1], [-2]]), { code: 'ERR_INVALID_INPUT', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([1, Infinity]), { code: 'ERR_INVALID_INPUT', row: 1 })
  assertArilError(t, () => d.fit([1, 2, 3, -1]), { code: 'ERR_INVALID_INPUT', row: 3 })
  assertArilError(t, () => d.summarize([1, 'a' as unknown as number]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([1, 2], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [2, 3])
  for (const [alpha, beta] of [[0, 1], [1, 0], [-1, 1], [NaN, 1], [1, Infinity]]) {
    assertArilError(t, () => new GammaDistribution(alpha, beta), { code: 'ERR_INVALID_PARAMETER' }, `Gamma(${alpha}, ${beta})`)
  }
})

t.test('all values equal: the shape estimate is infinite, an error that changes nothing', async t => {
  const d = new GammaDistribution(2, 3)
  assertArilError(t, () => d.fit([2, 2, 2]), { code: 'ERR_INVALID_INPUT' })
  t.same(d.parameters, [2, 3])
  d.summarize([5])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.fromSummaries(), { code: 'ERR_INVALID_INPUT' })
  t.equal(JSON.stringify(d.summary()), before, 'statistics kept')
  d.summarize([6])
  t.ok(d.fromSummaries().parameters[0] > 0, 'a second value makes it fittable')
})

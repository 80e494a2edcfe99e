import t from 'tap'
import { BetaDistribution } from '../../lib/distributions/beta.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, assertMissingIgnored, assertSameBitsAnyChunking, fixture } from '../helpers.js'

interface Case {
  name: string; init: [number, number]; X: number[]; weights: number[] | null
  scipy: number[]; mle: number[]; probe: number[]; logProbability: number[]; pomegranate: number[]
}
interface Density { parameters: [number, number]; json: string; probe: number[]; scipy: number[]; pomegranate: Array<number | null> }
const { cases, density } = fixture<{ cases: Case[]; density: Density[] }>('beta')

t.test('fit is the maximum-likelihood estimate (scripts/fixtures/beta.py: scipy.stats.beta.fit, mpmath)', async t => {
  for (const c of cases) {
    const d = new BetaDistribution(c.init[0], c.init[1])
    d.fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters, c.mle, 1e-12, `${c.name}: 40-digit solution of the likelihood equations`)
    assertClose(t, d.parameters, c.scipy, 1e-8, `${c.name}: scipy.stats.beta.fit(X, floc=0, fscale=1)`)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: scipy logpdf`, 1e-12)
  }
})

t.test('not pomegranate\'s beta-bernoulli counter', async t => {
  for (const c of cases) {
    const d = new BetaDistribution(c.init[0], c.init[1]).fit(c.X, { weights: c.weights ?? undefined })
    t.notOk(Math.abs(d.parameters[0] - c.pomegranate[0]!) < 0.1, `${c.name}: pomegranate sets alpha = Σw·[x = 1] = ${c.pomegranate[0]}`)
  }
})

t.test('log-density matches scipy and pomegranate for fixed parameters', async t => {
  for (const c of density) {
    const d = new BetaDistribution(c.parameters[0], c.parameters[1])
    const lp = d.logProbability(c.probe)
    assertClose(t, lp, c.scipy, 1e-12, `Beta(${c.parameters.join(', ')}) vs scipy.stats.beta.logpdf`, 1e-12)
    const inside = c.pomegranate.flatMap((v, i) => v === null ? [] : [[lp[i]!, v]])
    assertClose(t, inside.map(p => p[0]!), inside.map(p => p[1]!), 1e-12, `Beta(${c.parameters.join(', ')}) vs pomegranate`, 1e-12)
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of density) {
    const d = fromJSON<BetaDistribution>(c.json)
    t.ok(d instanceof BetaDistribution)
    t.same(d.parameters, JSON.parse(c.json).parameters)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), 'same JSON')
  }
  t.equal(fromJSON('{"class":"Distribution","name":"BetaDistribution","parameters":[2,3],"frozen":true}').frozen, true)
  assertArilError(t, () => BetaDistribution.fromJSON({ class: 'Distribution', name: 'BetaDistribution', parameters: [2, null] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => BetaDistribution.fromJSON({ class: 'Distribution', name: 'BetaDistribution', parameters: [0, 0] }), { code: 'ERR_INVALID_PARAMETER' }, 'pomegranate\'s blank (0, 0) is no Beta distribution')
})

t.test('chunk invariance, streaming and merge order are bit-exact', async t => {
  const X = Float64Array.from(cases[0]!.X)
  await assertSameBitsAnyChunking(t, () => new BetaDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  const a = new BetaDistribution().fit([0.2, 0.5, 0.5, 0.7])
  const b = new BetaDistribution().fit([0.2, 0.5, 0.7], { weights: [1, 2, 1] })
  assertClose(t, b.parameters, a.parameters, 1e-14, 'weight 2 = a copy')
  t.same(new BetaDistribution(2, 3).fit([0.2, 0.4], { weights: [0, 0] }).parameters, [2, 3])
  t.same(new BetaDistribution(2, 3).fit([]).parameters, [2, 3])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new BetaDistribution(), [0.1, 0.3, 0.6])
})

t.test('inertia blends alpha and beta; logProbability uses them', async t => {
  const X = cases[0]!.X
  const fitted = new BetaDistribution().fit(X).parameters
  const d = new BetaDistribution(1, 1).fit(X, { inertia: 0.25 })
  t.same(d.parameters, [0.25 + 0.75 * fitted[0], 0.25 + 0.75 * fitted[1]])
  t.same(d.logProbability([0.1, 0.5]), new BetaDistribution(...d.parameters).logProbability([0.1, 0.5]))
})

t.test('extreme shapes converge (closed forms and scipy)', async t => {
  // Expected values: scipy.stats.beta.fit(X, floc=0, fscale=1) (fsolve, about 1e-8 accurate).
  // Two points x and 1 − x: the likelihood equations give a = b.
  const [a, b] = new BetaDistribution().fit([0.2, 0.8]).parameters
  assertClose(t, a, b, 1e-13, 'symmetric data, alpha = beta')
  assertClose(t, a, 1.3202144287325126, 1e-8, 'symmetric data vs scipy')
  // Points near 0 and 1 only: a U-shaped fit with alpha, beta < 1.
  const u = new BetaDistribution().fit([1e-6, 1 - 1e-6, 2e-6, 1 - 2e-6]).parameters
  assertClose(t, u, [0.07543654674601175, 0.07543654674601172], 1e-8, 'U-shaped vs scipy')
  // A narrow cluster: very large alpha and beta. The likelihood is so flat there that the float64
  // statistics fix alpha and beta only to about 1e-6; the mean is sharp.
  const narrow = new BetaDistribution().fit([0.3 - 1e-5, 0.3, 0.3 + 1e-5]).parameters
  assertClose(t, narrow, [944999999.6981097, 2204999999.2955894], 1e-5, 'narrow vs scipy')
  assertClose(t, narrow[0] / (narrow[0] + narrow[1]), 0.3, 1e-9, 'narrow: the mean')
})

t.test('logProbability at the edges of the support', async t => {
  t.same(Array.from(new BetaDistribution(1, 1).logProbability([0, 1, 0.5, -0.1, 1.1])), [0, 0, 0, -Infinity, -Infinity])
  t.same(Array.from(new BetaDistribution(0.5, 2).logProbability([0, 1])), [Infinity, -Infinity])
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new BetaDistribution(2, 3, { frozen: true })
  d.summarize([0.1, 0.2])
  d.fromSummaries()
  t.same(d.parameters, [2, 3])
  d.thaw().fromSummaries()
  t.same(d.parameters, [2, 3], 'nothing was kept while frozen')
})

t.test('sample is reproducible and fits back', async t => {
  const d = new BetaDistribution(2, 5)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(100000, { seed: 7 })
  t.ok(x.every(v => v > 0 && v < 1))
  const [a, b] = new BetaDistribution().fit(x).parameters
  t.ok(Math.abs(a - 2) < 0.05 && Math.abs(b - 5) < 0.12, `${a} ${b}`)
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new BetaDistribution(2, 3)
  d.summarize([0.5, 0.7])
  const before = JSON.stringify(d.summary())
  for (const [X, row] of [[[0.5, 0], 1], [[0.2, 0.3, 1], 2], [[1.5], 0], [[-0.1], 0], [[Infinity], 0]] as const) {
    assertArilError(t, () => d.summarize(X as unknown as number[]), { code: 'ERR_INVALID_INPUT', row, column: 0 }, `${X.join(', ')}`)
  }
  assertArilError(t, () => d.summarize([[0.1, 0.2]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([0.1, 0.2], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([0.1, 0.2], { inertia: 1.5 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [2, 3])
  const flat = new BetaDistribution(2, 3)
  flat.summarize([0.4])
  const flatBefore = JSON.stringify(flat.summary())
  assertArilError(t, () => flat.fit([0.4, 0.4, 0.4]), { code: 'ERR_NOT_CONVERGED' }, 'no spread: no maximum')
  t.same(flat.parameters, [2, 3])
  t.equal(JSON.stringify(flat.summary()), flatBefore, 'a failed fit restores the statistics')
  for (const [a, b] of [[0, 1], [1, -1], [NaN, 1], [1, Infinity], ['1', 1]]) {
    assertArilError(t, () => new BetaDistribution(a as number, b as number), { code: 'ERR_INVALID_PARAMETER' }, `${String(a)}, ${String(b)}`)
  }
})

t.test('fromSamples', async t => {
  const d = BetaDistribution.fromSamples(cases[0]!.X)
  assertClose(t, d.parameters, cases[0]!.mle, 1e-12, 'same as fit')
})

import t from 'tap'
import { BernoulliDistribution } from '../../lib/distributions/bernoulli.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, fixture, assertSameBitsAnyChunking } from '../helpers.js'

interface Case {
  name: string; init: number; X: number[]; weights: number[] | null; inertia: number; pseudocount: number
  parameters: number[]; json: string | null; probe: number[]; logProbability: number[]; expectedLogProbability: number[]
}
const { cases } = fixture<{ cases: Case[] }>('bernoulli')

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/bernoulli.py)', async t => {
  for (const c of cases) {
    const d = new BernoulliDistribution(c.init)
    d.fit(c.X, { weights: c.weights ?? undefined, inertia: c.inertia, pseudocount: c.pseudocount })
    assertClose(t, d.parameters, c.parameters, 1e-12, c.name)
    assertClose(t, d.logProbability(c.probe), c.expectedLogProbability, 1e-12, `${c.name}: logProbability`)
    if (c.inertia === 0 && c.pseudocount === 0) {
      assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: pomegranate's logProbability`)
    }
  }
})

t.test('inertia: logProbability uses the blended p (pomegranate caches the unblended one)', async t => {
  const c = cases.find(c => c.inertia > 0)!
  const d = new BernoulliDistribution(c.init).fit(c.X, { inertia: c.inertia })
  t.same(d.parameters, [0.25 * 0.9 + 0.75 * (c.X.filter(x => x === 1).length / c.X.length)])
  const fresh = new BernoulliDistribution(d.parameters[0])
  t.same(d.logProbability(c.probe), fresh.logProbability(c.probe))
  t.notOk(Math.abs(d.logProbability([1])[0]! - c.logProbability[1]!) < 0.1, 'differs from pomegranate\'s cached value')
})

t.test('pseudocount: p = (S1 + pc) / (W + 2 pc), which pomegranate lacks', async t => {
  t.same(new BernoulliDistribution().fit([1, 1, 1], { pseudocount: 1 }).parameters, [4 / 5])
  t.same(new BernoulliDistribution().fit([0, 0], { pseudocount: 0.5, weights: [2, 1] }).parameters, [0.5 / 4])
  t.same(new BernoulliDistribution(0.3).fit([], { pseudocount: 1 }).parameters, [0.3], 'no data: unchanged')
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    if (c.json === null) continue
    const d = fromJSON<BernoulliDistribution>(c.json)
    t.ok(d instanceof BernoulliDistribution)
    t.same(d.parameters, JSON.parse(c.json).parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  const frozen = fromJSON<BernoulliDistribution>('{"class":"Distribution","name":"BernoulliDistribution","parameters":[0.25],"frozen":true}')
  t.equal(frozen.frozen, true)
  assertArilError(t, () => BernoulliDistribution.fromJSON({ class: 'Distribution', name: 'BernoulliDistribution', parameters: ['x'] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => BernoulliDistribution.fromJSON({ class: 'Distribution', name: 'BernoulliDistribution', parameters: [1.5] }), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('chunk invariance, streaming and merge order are bit-exact', async t => {
  const X = Float64Array.from(cases[0]!.X)
  await assertSameBitsAnyChunking(t, () => new BernoulliDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  assertArilError(t, () => new BernoulliDistribution().mergeSummary({ model: 'BernoulliDistribution', sums: { blockRows: 1024 } }), { code: 'ERR_SUMMARY_MISMATCH' })
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  t.same(new BernoulliDistribution().fit([1, 0, 1], { weights: [2, 1, 0] }).parameters, new BernoulliDistribution().fit([1, 1, 0]).parameters)
  t.same(new BernoulliDistribution(0.2).fit([1, 0], { weights: [0, 0] }).parameters, [0.2])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  const a = new BernoulliDistribution().fit([1, NaN, 0, null as unknown as number, 1])
  t.same(a.parameters, [2 / 3])
  t.same(Array.from(a.logProbability([NaN])), [0])
})

t.test('clearSummaries then summarize works: a refit (pomegranate segfaults here)', async t => {
  const d = new BernoulliDistribution(0.5)
  d.summarize([1, 1, 0, 0])
  d.clearSummaries()
  d.summarize([1, 0, 0, 0])
  d.fromSummaries()
  t.same(d.parameters, [0.25])
  d.fit([1, 1, 1, 0])
  t.same(d.parameters, [0.75], 'second fit')
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new BernoulliDistribution(0.4, { frozen: true })
  d.summarize([1, 1])
  d.fromSummaries()
  t.same(d.parameters, [0.4])
  d.thaw().fromSummaries()
  t.same(d.parameters, [0.4], 'nothing was kept while frozen')
})

t.test('sample is reproducible and has the right mean', async t => {
  const d = new BernoulliDistribution(0.3)
  t.same(d.sample(20, { seed: 42 }), d.sample(20, { seed: 42 }))
  const x = d.sample(100000, { seed: 7 })
  t.ok(x.every(v => v === 0 || v === 1))
  const p = new BernoulliDistribution().fit(x).parameters[0]
  t.ok(Math.abs(p - 0.3) < 0.01, String(p))
})

t.test('logProbability: p = 1 and values outside {0, 1}', async t => {
  t.same(Array.from(new BernoulliDistribution(1).logProbability([1, 0, 2, -1, 0.5])), [0, -Infinity, -Infinity, -Infinity, -Infinity])
  t.same(Array.from(new BernoulliDistribution(0).logProbability([0, 1])), [0, -Infinity])
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new BernoulliDistribution(0.5)
  d.summarize([1, 0])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([1, 0, 1, 2, 0]), { code: 'ERR_INVALID_INPUT', row: 3, column: 0 }, 'pomegranate counts 2 as 0')
  assertArilError(t, () => d.summarize([0.5]), { code: 'ERR_INVALID_INPUT', row: 0 })
  assertArilError(t, () => d.summarize([1, Infinity]), { code: 'ERR_INVALID_INPUT', row: 1 })
  assertArilError(t, () => d.summarize([[1, 0]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([1, 0], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([1, 0], { pseudocount: -1 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [0.5])
  for (const p of [-0.1, 1.1, NaN, '0.5']) {
    assertArilError(t, () => new BernoulliDistribution(p as number), { code: 'ERR_INVALID_PARAMETER' }, `p = ${String(p)}`)
  }
})

t.test('fromSamples', async t => {
  t.same(BernoulliDistribution.fromSamples([1, 0, 0, 0]).parameters, [0.25])
  t.same(BernoulliDistribution.fromSamples([1, 0], { weights: [3, 1], pseudocount: 1 }).parameters, [4 / 6])
})

t.test('any column of a wider batch (as IndependentComponents hands it)', async t => {
  const batch = { data: Float64Array.from([5, 1, 5, 0, 5, 1]), rows: 3, cols: 2 }
  const d = new BernoulliDistribution()
  d.summarizeColumn(batch, 1)
  d.fromSummaries()
  t.same(d.parameters, [2 / 3])
  assertArilError(t, () => d.summarizeColumn(batch, 0), { code: 'ERR_INVALID_INPUT', row: 0, column: 0 })
  const bad = { data: Float64Array.from([1, 1, 0, 3]), rows: 2, cols: 2 }
  assertArilError(t, () => d.summarizeColumn(bad, 1), { code: 'ERR_INVALID_INPUT', row: 1, column: 1 })
})

import t from 'tap'
import { UniformDistribution } from '../../lib/distributions/uniform.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, fixture, assertSameBitsAnyChunking } from '../helpers.js'

interface Case {
  name: string; init: [number, number]; X: number[]; weights: number[] | null; inertia: number
  parameters: number[]; json: string; probe: number[]; logProbability: number[]
}
const { cases } = fixture<{ cases: Case[] }>('uniform')

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/uniform.py)', async t => {
  for (const c of cases) {
    const d = new UniformDistribution(c.init[0], c.init[1])
    d.fit(c.X, { weights: c.weights ?? undefined, inertia: c.inertia })
    assertClose(t, d.parameters, c.parameters, 1e-12, c.name)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`)
  }
})

t.test('min and max skip rows with weight 0', async t => {
  const c = cases.find(c => c.name.startsWith('weighted'))!
  const [start, end] = new UniformDistribution().fit(c.X, { weights: c.weights! }).parameters
  t.ok(start > Math.min(...c.X) && end < Math.max(...c.X), 'the extremes had weight 0')
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<UniformDistribution>(c.json)
    t.ok(d instanceof UniformDistribution)
    t.same(d.parameters, JSON.parse(c.json).parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  const frozen = fromJSON<UniformDistribution>('{"class":"Distribution","name":"UniformDistribution","parameters":[1,2],"frozen":true}')
  t.equal(frozen.frozen, true)
  assertArilError(t, () => UniformDistribution.fromJSON({ class: 'Distribution', name: 'UniformDistribution', parameters: [0] }), { code: 'ERR_INVALID_JSON_MODEL' })
})

t.test('chunk invariance, streaming and merge order are bit-exact', async t => {
  const X = Float64Array.from(cases[0]!.X)
  await assertSameBitsAnyChunking(t, () => new UniformDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
  const empty = JSON.parse(JSON.stringify(new UniformDistribution().summary()))
  t.same([empty.min, empty.max], ['Infinity', '-Infinity'], 'the empty summary is JSON-safe')
  const d = new UniformDistribution(0, 1).mergeSummary(empty)
  d.fromSummaries()
  t.same(d.parameters, [0, 1], 'an empty summary changes nothing')
})

t.test('summaries of the wrong shape are rejected', async t => {
  const good = new UniformDistribution().summary()
  const d = new UniformDistribution()
  assertArilError(t, () => d.mergeSummary({ ...good, min: 'x' }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary({ ...good, max: undefined }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary({ ...good, sums: { blockRows: 1024 } }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary({ model: 'NormalDistribution' }), { code: 'ERR_SUMMARY_MISMATCH' })
})

t.test('weights: zero total weight keeps the parameters; frequency semantics', async t => {
  t.same(new UniformDistribution(4, 5).fit([1, 2, 3], { weights: [0, 0, 0] }).parameters, [4, 5])
  t.same(new UniformDistribution(4, 5).fit([]).parameters, [4, 5])
  t.same(new UniformDistribution().fit([1, 9, 3], { weights: [2, 0.5, 1] }).parameters, [1, 9])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  const a = new UniformDistribution().fit([1, NaN, 2, null as unknown as number, 4])
  t.same(a.parameters, [1, 4])
  t.same(Array.from(a.logProbability([NaN, 0, 1, 4, 5])), [0, -Infinity, -Math.log(3), -Math.log(3), -Infinity])
  t.same(new UniformDistribution(3, 4).fit([NaN, NaN]).parameters, [3, 4], 'only missing values: unchanged')
})

t.test('inertia blends start and end; logProbability uses them', async t => {
  const d = new UniformDistribution(0, 2).fit([4, 6], { inertia: 0.5 })
  t.same(d.parameters, [2, 4])
  t.same(d.logProbability([1, 3]), new UniformDistribution(2, 4).logProbability([1, 3]))
})

t.test('start = end is a point mass', async t => {
  const d = new UniformDistribution().fit([5, 5, 5])
  t.same(d.parameters, [5, 5])
  t.same(Array.from(d.logProbability([5, 5.1])), [Infinity, -Infinity])
})

t.test('frozen: summarize and fromSummaries are ignored; clearSummaries resets min and max', async t => {
  const d = new UniformDistribution(0, 1).freeze()
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [0, 1])
  d.thaw().fromSummaries()
  t.same(d.parameters, [0, 1], 'nothing was kept while frozen')
  d.summarize([-5, 50])
  d.clearSummaries()
  d.summarize([2, 3])
  d.fromSummaries()
  t.same(d.parameters, [2, 3], 'the cleared extremes are gone')
})

t.test('sample is reproducible and stays inside [start, end]', async t => {
  const d = new UniformDistribution(-2, 3)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(100000, { seed: 7 })
  const [start, end] = new UniformDistribution().fit(x).parameters
  t.ok(start >= -2 && start < -1.999 && end <= 3 && end > 2.999, `${start} ${end}`)
  const mean = x.reduce((a, b) => a + b, 0) / x.length
  t.ok(Math.abs(mean - 0.5) < 0.02, String(mean))
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new UniformDistribution(0, 1)
  d.summarize([0.5, 0.7])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([0.2, -0.5, Infinity]), { code: 'ERR_INVALID_INPUT', row: 2, column: 0 })
  assertArilError(t, () => d.summarize([-Infinity]), { code: 'ERR_INVALID_INPUT', row: 0 })
  assertArilError(t, () => d.summarize([[1, 2]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1, NaN] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit([1, 2], { inertia: -1 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [0, 1])
  for (const [start, end] of [[NaN, 1], [0, Infinity], ['0', 1]]) {
    assertArilError(t, () => new UniformDistribution(start as number, end as number), { code: 'ERR_INVALID_PARAMETER' }, `${String(start)}, ${String(end)}`)
  }
})

t.test('fromSamples', async t => {
  t.same(UniformDistribution.fromSamples([3, 1, 2]).parameters, [1, 3])
  t.same(UniformDistribution.fromSamples([3, 1, 2], { weights: [1, 0, 1] }).parameters, [2, 3])
})

t.test('start > end: an empty interval, as pomegranate (its blank and its inertia can write one)', async t => {
  // pomegranate 0.14.8: UniformDistribution(5, 1).log_probability([0, 1, 3, 5, 6]) is -inf everywhere (the fixture
  // script's checks, run by hand); NaN stays missing
  const d = new UniformDistribution(5, 1)
  t.same(Array.from(d.logProbability([0, 1, 3, 5, 6, NaN])), [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 0])
  t.same(JSON.parse(JSON.stringify(d)).parameters, [5, 1])
  t.same(fromJSON<UniformDistribution>('{"class":"Distribution","name":"UniformDistribution","parameters":[3.5,2.5],"frozen":false}').parameters, [3.5, 2.5], 'pomegranate JSON with start > end loads')
  t.same(new UniformDistribution(5, 1).fit([2, 3, 4]).parameters, [2, 4], 'a fit replaces the ends (pomegranate: [2.0, 4.0])')
  t.same(new UniformDistribution(5, 1).fit([2, 3, 4], { inertia: 0.5 }).parameters, [3.5, 2.5], 'and blends them (pomegranate: [3.5, 2.5])')
  assertArilError(t, () => d.sample(3, { seed: 1 }), { code: 'ERR_INVALID_PARAMETER' }, 'nothing to draw from (pomegranate draws from [end, start])')
})

import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, assertMissingIgnored, assertSameBitsAnyChunking, fixture } from '../helpers.js'

interface Case { name: string; init: [number, number]; X: number[]; weights: number[] | null; parameters: number[]; json: string; probe: number[]; logProbability: number[] }
const { cases } = fixture<{ cases: Case[] }>('normal')

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/normal.py)', async t => {
  for (const c of cases) {
    const minStd = c.name.startsWith('min_std') ? 0.5 : 0
    const d = new NormalDistribution(c.init[0], c.init[1], { minStd })
    d.fit(c.X, { weights: c.weights ?? undefined })
    assertClose(t, d.parameters, c.parameters, 1e-12, c.name)
    // pomegranate truncates sqrt(2π) to 2.50662827463, which moves its log-density by 4e-13.
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`, 1e-12)
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<NormalDistribution>(c.json)
    t.ok(d instanceof NormalDistribution)
    t.same(d.parameters, JSON.parse(c.json).parameters, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
})

t.test('the seed example: batches equal one-shot to the last bit', async t => {
  const X = cases[0]!.X
  const one = new NormalDistribution(1, 1).fit(X)
  const five = new NormalDistribution(1, 1)
  for (let i = 0; i < 5; i++) five.summarize(X.slice(i * 1000, (i + 1) * 1000))
  five.fromSummaries()
  t.same(five.parameters, one.parameters)
  const streamed = new NormalDistribution(1, 1)
  await pipeline(Readable.from([0, 1, 2, 3, 4].map(i => X.slice(i * 1000, (i + 1) * 1000))), streamed.sink())
  t.same(streamed.parameters, one.parameters)
})

t.test('chunk invariance and merge order are bit-exact', async t => {
  const X = Float64Array.from(cases[0]!.X)
  await assertSameBitsAnyChunking(t, () => new NormalDistribution(), X, Float64Array.from(X, (_, i) => (i % 7) / 3))
})

t.test('accurate where the textbook formula is not', async t => {
  t.same(new NormalDistribution().fit(new Array(7).fill(0.1)).parameters, [0.1, 0], 'seven copies of 0.1: std exactly 0')
  const X = Float64Array.from({ length: 10000 }, (_, i) => 1e9 + (i % 2 === 0 ? 1 : -1))
  const [mean, std] = new NormalDistribution().fit(X).parameters
  t.equal(mean, 1e9)
  assertClose(t, std, 1, 1e-9, 'std of mean-1e9 data')
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  const a = new NormalDistribution().fit([1, 2, 2, 3])
  const b = new NormalDistribution().fit([1, 2, 3], { weights: [1, 2, 1] })
  // Equal up to rounding: a weight of 2 adds 2·d once where duplication adds d twice.
  assertClose(t, b.parameters, a.parameters, 1e-15)
  const c = new NormalDistribution(4, 2).fit([1, 2, 3], { weights: [0, 0, 0] })
  t.same(c.parameters, [4, 2])
  const d = new NormalDistribution(4, 2).fit([])
  t.same(d.parameters, [4, 2])
})

t.test('missing values add nothing and have log-probability 0', async t => {
  assertMissingIgnored(t, () => new NormalDistribution(), [1, 2, 4])
})

t.test('inertia blends, and logProbability uses the blended parameters', async t => {
  const d = new NormalDistribution(0, 1)
  d.summarize([2, 4])
  d.fromSummaries({ inertia: 0.5 })
  t.same(d.parameters, [1.5, 1])
  const fresh = new NormalDistribution(1.5, 1)
  t.same(d.logProbability([0, 1, 2]), fresh.logProbability([0, 1, 2]), 'pomegranate would use the unblended std here')
})

t.test('minStd floors the standard deviation; std 0 is a point mass', async t => {
  t.same(new NormalDistribution(0, 1, { minStd: 0.5 }).fit([5, 5, 5]).parameters, [5, 0.5])
  const point = new NormalDistribution(5, 0)
  t.same(Array.from(point.logProbability([5, 6])), [Infinity, -Infinity])
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new NormalDistribution(0, 1).freeze()
  d.summarize([10, 20])
  d.fromSummaries()
  t.same(d.parameters, [0, 1])
  d.thaw().fromSummaries()
  t.same(d.parameters, [0, 1], 'nothing was kept while frozen (pomegranate applies stale statistics here)')
  t.equal(d.fit([1, 3]).parameters[0], 2)
})

t.test('sample is reproducible and has the right moments', async t => {
  const d = new NormalDistribution(3, 2)
  t.same(d.sample(5, { seed: 42 }), d.sample(5, { seed: 42 }))
  const x = d.sample(200000, { seed: 7 })
  const [mean, std] = new NormalDistribution().fit(x).parameters
  t.ok(Math.abs(mean - 3) < 0.03 && Math.abs(std - 2) < 0.03, `${mean} ${std}`)
})

t.test('bad input: clear errors, model unchanged', async t => {
  const d = new NormalDistribution(0, 1)
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([[1, 2], [3, 4]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([1, 'a' as unknown as number]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.summarize([1, 2], { weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' })
  assertArilError(t, () => d.fit([1, 2], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => new NormalDistribution(0, -1), { code: 'ERR_INVALID_PARAMETER' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [0, 1])
})

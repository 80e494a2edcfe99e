import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toBatch, sliceBatch, type Batch } from '../../lib/core/batch.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import { assertArilError, assertClose, chunked, fixture, rejectsArilError } from '../helpers.js'

interface Case {
  name: string; initial: string; X: number[] | number[][]; weights: number[] | null; pseudocount: number; json: string
  weightsAfter: number[]; logProbabilities: number[]; initialLogProbability: number
  probe: number[] | number[][]; logProbability: number[]; predictProba: number[][]; predict: number[]
}
const { cases } = fixture<{ cases: Case[] }>('mixture')
const byName = (name: string): Case => cases.find(c => c.name.startsWith(name))!

/** Every number in a JSON text, in order (to compare nested parameters with a tolerance). */
const numbers = (json: string): number[] => (json.match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? []).map(Number)

const five = { maxIterations: 5, stopThreshold: -Infinity }

t.test('5 EM steps match pomegranate 0.14.8 (scripts/fixtures/mixture.py)', async t => {
  for (const c of cases) {
    const m = fromJSON<GeneralMixtureModel>(c.initial)
    const h = m.trainBatch(c.X, { ...five, weights: c.weights ?? undefined, pseudocount: c.pseudocount })
    assertClose(t, numbers(stringifyJSON(m)), numbers(c.json), 1e-10, `${c.name}: parameters`)
    assertClose(t, m.parameters[1], c.weightsAfter, 1e-10, `${c.name}: weights`)
    // pomegranate truncates log(2π) in the densities, which moves log-likelihoods by ~2e-13 relative
    assertClose(t, h.epochs.map(e => e.logProbability), c.logProbabilities, 1e-10, `${c.name}: log-likelihood per epoch`)
    assertClose(t, h.initialLogProbability, c.initialLogProbability, 1e-10, `${c.name}: initial log-likelihood`)
    assertClose(t, m.logProbability(c.probe as number[]), c.logProbability, 1e-10, `${c.name}: logProbability`)
    assertClose(t, m.predictProba(c.probe as number[]).flat(), c.predictProba.flat(), 1e-9, `${c.name}: predictProba`, 1e-15)
    t.same(Array.from(m.predict(c.probe as number[])), c.predict, `${c.name}: predict`)
  }
})

t.test('fit(maxIterations: 5) is 5 rounds of summarize + fromSummaries, bit for bit', async t => {
  const c = byName('5-D')
  const fitted = fromJSON<GeneralMixtureModel>(c.initial).fit(c.X, five)
  const manual = fromJSON<GeneralMixtureModel>(c.initial)
  for (let i = 0; i < 5; i++) {
    manual.summarize(c.X)
    manual.fromSummaries()
  }
  t.equal(stringifyJSON(manual), stringifyJSON(fitted))
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const m = fromJSON<GeneralMixtureModel>(c.json)
    t.ok(m instanceof GeneralMixtureModel)
    t.same(JSON.parse(stringifyJSON(m)), JSON.parse(c.json), c.name)
  }
  assertArilError(t, () => fromJSON({ class: 'GeneralMixtureModel', distributions: 3 }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON({ class: 'GeneralMixtureModel', distributions: [], weights: [] }), { code: 'ERR_INVALID_PARAMETER' })
  // weights not summing to 1 are normalized
  const m = new GeneralMixtureModel([new NormalDistribution(), new NormalDistribution(1)], { weights: [1, 3] })
  t.same(m.parameters[1], [0.25, 0.75])
})

t.test('a stream fit equals the in-memory fit bit for bit, for any chunking (1-D, 5-D, nested)', async t => {
  for (const name of ['1-D, three Normals, weighted', '1-D, three Normals, 5%', '5-D', 'mixture of mixtures']) {
    const c = byName(name)
    const batch = toBatch(c.X, { weights: c.weights ?? undefined })
    const one = fromJSON<GeneralMixtureModel>(c.initial)
    const h1 = one.trainBatch(batch, { stopThreshold: 1e-6, maxIterations: 40 })
    for (const seed of [1, 2]) {
      const s = fromJSON<GeneralMixtureModel>(c.initial)
      const h = await s.trainStream(chunked(batch, seed, 700), { stopThreshold: 1e-6, maxIterations: 40 })
      t.equal(stringifyJSON(s), stringifyJSON(one), `${name}, chunking ${seed}: parameters`)
      t.same(h.epochs.map(e => e.logProbability), h1.epochs.map(e => e.logProbability), `${name}, chunking ${seed}: log-likelihoods`)
    }
    const sink = fromJSON<GeneralMixtureModel>(c.initial)
    await sink.fitStream(chunked(batch, 9, 700), { stopThreshold: 1e-6, maxIterations: 40 })
    t.equal(stringifyJSON(sink), stringifyJSON(one), `${name}: fitStream`)
  }
})

t.test('summaries of block-aligned shards merge to the one-pass statistics', async t => {
  const c = byName('mixture of mixtures')
  const X = c.X as number[]
  const batch = toBatch(X.concat(X, X, X))
  const one = fromJSON<GeneralMixtureModel>(c.initial)
  one.summarize(batch)
  const shards = [0, 1024, 2048, batch.rows]
  const merged = fromJSON<GeneralMixtureModel>(c.initial)
  for (const [i, end] of shards.slice(1).entries()) {
    const worker = fromJSON<GeneralMixtureModel>(c.initial)
    worker.summarize(sliceBatch(batch, shards[i]!, end))
    merged.mergeSummary(JSON.parse(JSON.stringify(worker.summary())))
  }
  one.fromSummaries()
  merged.fromSummaries()
  t.equal(stringifyJSON(merged), stringifyJSON(one))
  assertArilError(t, () => merged.mergeSummary({ model: 'GeneralMixtureModel', sums: one.summary().sums, distributions: [] }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => merged.mergeSummary({ ...one.summary(), distributions: [{ model: 'X' }, { model: 'Y' }] }), { code: 'ERR_SUMMARY_MISMATCH', message: /component 0/ })
})

t.test('resume after a kill mid-pass ends with the same bits (nested mixture)', async t => {
  const c = byName('mixture of mixtures')
  const batch = toBatch(c.X)
  const options = { stopThreshold: 1e-8, maxIterations: 30, batchSize: 100 }
  const whole = fromJSON<GeneralMixtureModel>(c.initial)
  const hw = await whole.trainStream(chunked(batch, 3, 700), options)
  for (const killAfter of [4, 23, 61]) {
    let state: TrainState | undefined
    let served = 0
    const open = chunked(batch, 3, 700)
    const dying = (): Readable => Readable.from((async function * () {
      for await (const b of open()) {
        if (served++ === killAfter) throw new Error('killed')
        yield b
      }
    })())
    await t.rejects(fromJSON<GeneralMixtureModel>(c.initial).trainStream(dying, { ...options, checkpoint: { everyBatches: 1, save: s => { state = JSON.parse(JSON.stringify(s)) } } }), /killed/)
    const resumed = resumeModel<GeneralMixtureModel>(state!)
    const h = await resumed.trainStream(chunked(batch, 5, 700), { ...options, resume: state })
    t.equal(stringifyJSON(resumed), stringifyJSON(whole), `killed after ${killAfter} batches`)
    t.same(h.epochs.map(e => e.logProbability), hw.epochs.map(e => e.logProbability))
  }
})

t.test('fromSamples and fromStream: seeded k-means++ initialization, then EM; the same bits', async t => {
  const c = byName('1-D, three Normals')
  const X = Float64Array.from(c.X as number[])
  const options = { seed: 3, initRows: 400, stopThreshold: 1e-9 }
  const a = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, options)
  const b = await GeneralMixtureModel.fromStream(NormalDistribution, 3, chunked(toBatch(X), 4, 700), options)
  t.equal(stringifyJSON(b), stringifyJSON(a))
  // the three generating clusters (means −4, 0, 5; scripts/fixtures/mixture.py) are found
  const means = (a.parameters[0] as number[][]).map(p => p[0]!).sort((x, y) => x - y)
  assertClose(t, means, [-4, 0, 5], 0.1, 'means', 0.1)
  // another seed starts elsewhere but ends at the same maximum
  const other = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { ...options, seed: 11 })
  assertClose(t, (other.parameters[0] as number[][]).map(p => p[0]!).sort((x, y) => x - y), means, 1e-5, 'same maximum')
  // a list of kinds, first-k initialization, weights
  const w = Float64Array.from(X, (_, i) => 1 + (i % 3))
  const d = GeneralMixtureModel.fromSamples([NormalDistribution, NormalDistribution, NormalDistribution], 3, X, { init: 'first-k', weights: w, maxIterations: 2 })
  t.equal(d.k, 3)
  const mv = byName('5-D')
  const g = GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 3, mv.X, { seed: 1, maxIterations: 100, stopThreshold: 1e-6 })
  const fitted = fromJSON<GeneralMixtureModel>(mv.initial).fit(mv.X, { maxIterations: 100, stopThreshold: 1e-6 })
  assertClose(t, g.logProbability(mv.X).reduce((s, v) => s + v, 0), fitted.logProbability(mv.X).reduce((s, v) => s + v, 0), 1e-4, '5-D: same maximum')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(NormalDistribution, 3, [1, 1, 1, 1]), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => GeneralMixtureModel.fromSamples({} as never, 2, X), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => GeneralMixtureModel.fromSamples(NormalDistribution, 2, X, { initRows: 2.5 }), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, GeneralMixtureModel.fromStream(NormalDistribution, 2, 'x.npy' as never), { code: 'ERR_SOURCE' })
})

t.test('weights act as frequencies; missing rows take the priors', async t => {
  const c = byName('1-D, three Normals')
  const X = (c.X as number[]).slice(0, 200)
  const w = X.map((_, i) => i % 3)
  const weighted = fromJSON<GeneralMixtureModel>(c.initial).fit(X, { ...five, weights: w })
  const repeated = fromJSON<GeneralMixtureModel>(c.initial).fit(X.flatMap((x, i) => new Array(w[i]).fill(x)), five)
  assertClose(t, numbers(stringifyJSON(weighted)), numbers(stringifyJSON(repeated)), 1e-12, 'weight 2 = two copies')
  const m = fromJSON<GeneralMixtureModel>(c.json)
  assertClose(t, m.predictProba([NaN])[0]!, m.parameters[1], 1e-15, 'posterior of a missing row = priors')
  t.same(Array.from(m.logProbability([NaN])), [0])
  // a row impossible under every component: log-probability −∞, posterior = priors, no responsibility
  const z = new GeneralMixtureModel([new NormalDistribution(0, 0), new NormalDistribution(1, 0)])
  t.same(Array.from(z.logProbability([0.5, 0])), [-Infinity, Infinity])
  t.same(z.predictProba([0.5, 0]), [[0.5, 0.5], [1, 0]])
  t.equal(z.summarize([0.5]), -Infinity)
  z.fromSummaries()
  t.same(z.parameters, [[[0, 0], [1, 0]], [0.5, 0.5]], 'nothing to learn from it')
})

t.test('inertia blends the weights too (pomegranate ignores it for the weights)', async t => {
  const c = byName('1-D, three Normals')
  const start = fromJSON<GeneralMixtureModel>(c.initial)
  const full = fromJSON<GeneralMixtureModel>(c.initial).fit(c.X, { maxIterations: 1, stopThreshold: -Infinity })
  const half = fromJSON<GeneralMixtureModel>(c.initial).fit(c.X, { maxIterations: 1, stopThreshold: -Infinity, inertia: 0.25 })
  const expected = start.parameters[1].map((w, j) => 0.25 * w + 0.75 * full.parameters[1][j]!)
  t.same(half.parameters[1], expected)
  const n0 = (start.parameters[0] as number[][])[0]!
  const n1 = (full.parameters[0] as number[][])[0]!
  t.same((half.parameters[0] as number[][])[0], [0.25 * n0[0]! + 0.75 * n1[0]!, 0.25 * n0[1]! + 0.75 * n1[1]!])
})

t.test('frozen mixtures and components', async t => {
  const c = byName('1-D, three Normals')
  const frozen = fromJSON<GeneralMixtureModel>(c.initial).freeze()
  frozen.fit(c.X, five)
  t.equal(stringifyJSON(frozen.toJSON().distributions), stringifyJSON(JSON.parse(c.initial).distributions))
  const m = fromJSON<GeneralMixtureModel>(c.initial)
  m.distributions[1]!.freeze()
  m.fit(c.X, five)
  t.same(m.distributions[1]!.parameters, [0.5, 1], 'the frozen component keeps its parameters')
  t.not((m.distributions[0]!.parameters as number[])[0], -3, 'the others move')
})

t.test('a failing component update leaves the mixture as it was', async t => {
  const c = byName('1-D, three Normals')
  const m = fromJSON<GeneralMixtureModel>(c.initial)
  const before = stringifyJSON(m)
  m.summarize(c.X)
  const third = m.distributions[2]! as unknown as { update: () => void }
  third.update = () => { throw new Error('boom') }
  t.throws(() => m.fromSummaries(), /boom/)
  t.equal(stringifyJSON(m), before)
  assertArilError(t, () => m.fromSummaries({ inertia: 3 }), { code: 'ERR_INVALID_OPTION' })
})

t.test('predictions: log-probabilities, classes, and as a stream', async t => {
  const c = byName('5-D')
  const m = fromJSON<GeneralMixtureModel>(c.json)
  const probe = c.probe as number[][]
  const logp = m.predictLogProba(probe)
  assertClose(t, logp.flat().map(Math.exp), c.predictProba.flat(), 1e-9, 'exp(predictLogProba)', 1e-15)
  const out: Batch[] = []
  await pipeline(Readable.from([toBatch(probe.slice(0, 3)), toBatch(probe.slice(3))]), m.predictStream({ output: 'class' }), async function * (s) {
    for await (const b of s) out.push(b as Batch)
  })
  t.same(out.flatMap(b => Array.from(b.data)), c.predict)
})

t.test('sampling', async t => {
  const m = new GeneralMixtureModel([new NormalDistribution(-5, 1), new NormalDistribution(5, 2)], { weights: [0.25, 0.75] })
  const s = m.sample(20000, { seed: 1 }) as Float64Array
  t.same(Array.from(m.sample(20000, { seed: 1 }) as Float64Array), Array.from(s), 'reproducible')
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  // E[x] = 0.25·(−5) + 0.75·5 = 2.5; sd of the mean ≈ 4.6/√20000 ≈ 0.033
  t.ok(Math.abs(mean - 2.5) < 0.15, `sample mean ${mean}`)
  const mv = fromJSON<GeneralMixtureModel>(byName('5-D').json)
  const rows = mv.sample(10, { seed: 2 }) as Float64Array[]
  t.equal(rows.length, 10)
  t.equal(rows[0]!.length, 5)
  t.same(Array.from(new GeneralMixtureModel([new NormalDistribution()]).sample(0) as Float64Array), [])
})

t.test('constructor checks', async t => {
  const bad: unknown[][] = [[[]], [[1, 2]], [[new NormalDistribution(), new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]])]]]
  for (const [d] of bad) assertArilError(t, () => new GeneralMixtureModel(d as never), { code: 'ERR_INVALID_PARAMETER' })
  for (const weights of [[1], [1, -1], [0, 0], [1, NaN]]) {
    assertArilError(t, () => new GeneralMixtureModel([new NormalDistribution(), new NormalDistribution()], { weights }), { code: 'ERR_INVALID_PARAMETER' })
  }
  const m = new GeneralMixtureModel([new NormalDistribution(), new NormalDistribution(2)], { frozen: true })
  t.equal(m.frozen, true)
  t.equal(m.k, 2)
})

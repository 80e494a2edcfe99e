import t from 'tap'
import { Readable } from 'node:stream'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import { sliceBatch, toBatch, type Batch } from '../../lib/core/batch.js'
import { assertArilError, assertClose, fixture, randomChunks, rejectsArilError } from '../helpers.js'

interface Case {
  name: string; kind: string; X: number[] | number[][]; y: number[]; weights: number[] | null; pseudocount: number
  priors: number[]; components: Array<{ parameters: unknown }>; probe: number[] | number[][]
  predictProba: number[][]; predict: number[]; logProbability: number[]; json: string
  maxIterations?: number; history?: { logProbability: number[]; improvement: number[] }
}
const { cases, roundTrip } = fixture<{ cases: Case[]; roundTrip: { naiveJson: string } }>('bayes')
const naive = cases.filter(c => c.kind === 'NaiveBayes')

/** Every number inside a (nested) parameter list, in order. */
function numbers (value: unknown): number[] {
  if (typeof value === 'number') return [value]
  if (Array.isArray(value)) return value.flatMap(numbers)
  if (typeof value === 'object' && value !== null && 'parameters' in value) return numbers((value as { parameters: unknown }).parameters)
  return []
}

function fitCase (c: Case): NaiveBayes {
  return NaiveBayes.fromSamples(NormalDistribution, c.X, {
    labels: c.y, weights: c.weights ?? undefined, pseudocount: c.pseudocount, maxIterations: c.maxIterations, stopThreshold: -Infinity
  })
}

/** X, labels and weights of a three-class data set with some rows unlabeled. */
function dataset (n: number, cols: number, unlabeledEvery = 0): Batch {
  const data = new Float64Array(n * cols)
  const labels = new Float64Array(n)
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const y = (i * 7 + (i >> 3)) % 3
    labels[i] = unlabeledEvery > 0 && i % unlabeledEvery === 0 ? -1 : y
    weights[i] = 0.25 + (i % 5) / 4
    for (let j = 0; j < cols; j++) data[i * cols + j] = 2 * y + j + Math.sin(i * 1.7 + j) * (1 + y / 2)
  }
  return { data, rows: n, cols, labels, weights }
}

t.test('supervised and semi-supervised fits match pomegranate 0.14.8 (scripts/fixtures/bayes.py)', async t => {
  for (const c of naive) {
    const nb = fitCase(c)
    assertClose(t, nb.weights, c.priors, 1e-10, `${c.name}: priors`)
    assertClose(t, numbers(nb.toJSON().models), numbers(c.components), 1e-10, `${c.name}: component parameters`)
    assertClose(t, nb.predictProba(c.probe).flat(), c.predictProba.flat(), 1e-10, `${c.name}: predictProba`, 1e-300)
    t.same(Array.from(nb.predict(c.probe)), c.predict, `${c.name}: predict`)
    assertClose(t, nb.logProbability(c.probe), c.logProbability, 1e-10, `${c.name}: logProbability`)
    if (c.history !== undefined) {
      t.equal(nb.history?.epochs.length, c.maxIterations, `${c.name}: ${c.maxIterations} EM steps`)
      assertClose(t, nb.history!.epochs.map(e => e.logProbability), c.history.logProbability, 1e-10, `${c.name}: log-likelihood per epoch`)
      assertClose(t, nb.history!.epochs.map(e => e.improvement), c.history.improvement, 1e-6, `${c.name}: improvement per epoch`)
    } else {
      t.equal(nb.history, undefined, `${c.name}: supervised, no EM`)
    }
  }
})

t.test('categorical columns: IndependentComponents of Discretes match pomegranate', async t => {
  const c = cases.find(c => c.kind === 'NaiveBayesDiscrete')!
  const nb = NaiveBayes.fromSamples(DiscreteDistribution, c.X, { labels: c.y })
  assertClose(t, nb.weights, c.priors, 1e-12, 'priors')
  assertClose(t, nb.predictProba(c.probe).flat(), c.predictProba.flat(), 1e-12, 'predictProba')
  // Each Discrete's probabilities in key order (pomegranate writes keys as "0.0", aril as "0").
  const probabilities = (models: unknown): number[] => (models as Array<{ parameters: [Array<{ parameters: [Record<string, number>] }>] }>)
    .flatMap(m => m.parameters[0].flatMap(d => Object.entries(d.parameters[0]).sort((a, b) => Number(a[0]) - Number(b[0])).map(e => e[1])))
  assertClose(t, probabilities(nb.toJSON().models), probabilities(c.components), 1e-12, 'category probabilities')
  const strings = new NaiveBayes(DiscreteDistribution, 2).fit((c.X as number[][]).map(row => row.map(v => 'abc'[v]!)), { labels: c.y })
  assertClose(t, strings.predictProba([['a', 'a'], ['c', 'b']]).flat(), [c.predictProba[0]!, c.predictProba[5]!].flat(), 1e-12, 'string categories (which pomegranate cannot summarize)')
})

t.test("pomegranate's docstring example", async t => {
  const nb = new NaiveBayes(NormalDistribution, 2).fit([0, 2, 0, 1, 0, 5, 6, 5, 7, 6], { labels: [0, 0, 0, 0, 0, 1, 1, 0, 1, 1] })
  assertClose(t, nb.predictProba([6])[0]!, [0.01973451, 0.98026549], 0, 'predict_proba([6]) from the docstring (8 digits)', 5e-9)
  const given = new NaiveBayes([new NormalDistribution(1, 2), new NormalDistribution(0, 1)])
  const expected = [[-1.1836569, -0.36550972], [-0.79437677, -0.60122959], [-0.26751248, -1.4493653], [-1.09861229, -0.40546511]]
  assertClose(t, given.predictLogProba([0, 1, 2, -1]).flat(), expected.flat(), 0, 'predict_log_proba from the docstring (8 digits)', 5e-9)
})

t.test('pomegranate JSON loads and round-trips (linear weights)', async t => {
  for (const c of naive) {
    const nb = fromJSON<NaiveBayes>(c.json)
    t.ok(nb instanceof NaiveBayes)
    t.same(JSON.parse(stringifyJSON(nb)), JSON.parse(c.json), `${c.name}: same JSON`)
    assertClose(t, nb.predictProba(c.probe).flat(), c.predictProba.flat(), 1e-12, `${c.name}: loaded model predicts the same`, 1e-300)
  }
  const nb = fromJSON<NaiveBayes>(roundTrip.naiveJson)
  assertClose(t, nb.weights, [0.25, 0.75], 1e-15, 'priors [.25, .75]')
  assertArilError(t, () => NaiveBayes.fromJSON({ class: 'NaiveBayes', models: 3, weights: [] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => NaiveBayes.fromJSON({ class: 'NaiveBayes', models: JSON.parse(roundTrip.naiveJson).models, weights: [1] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).toJSON(), { code: 'ERR_NOT_FITTED' })
})

t.test('supervised fit: any chunking and any merge order give the same bits', async t => {
  const all = dataset(5000, 3)
  const one = new NaiveBayes(NormalDistribution, 3).fit(all)
  for (const seed of [1, 2, 3]) {
    const nb = new NaiveBayes(NormalDistribution, 3)
    let at = 0
    for (const k of randomChunks(all.rows, seed, 1700)) {
      nb.summarize(sliceBatch(all, at, at + k))
      at += k
    }
    nb.fromSummaries()
    t.same(nb.toJSON(), one.toJSON(), `chunking ${seed}`)
  }
  const bounds = [0, 1024, 3072, 4096, all.rows]
  const summaries = bounds.slice(1).map((end, i) => {
    const nb = new NaiveBayes(NormalDistribution, 3)
    nb.summarize(sliceBatch(all, bounds[i]!, end))
    return JSON.parse(JSON.stringify(nb.summary()))
  })
  for (const order of [[0, 1, 2, 3], [3, 1, 0, 2]]) {
    const nb = new NaiveBayes(NormalDistribution, 3)
    for (const i of order) nb.mergeSummary(summaries[i])
    nb.fromSummaries()
    t.same(nb.toJSON(), one.toJSON(), `merge order ${order.join('')}`)
  }
  const streamed = await new NaiveBayes(NormalDistribution, 3).fitStream(Readable.from(randomChunks(all.rows, 9, 900).map((k, i, a) => {
    const at = a.slice(0, i).reduce((s, x) => s + x, 0)
    return sliceBatch(all, at, at + k)
  })))
  t.same(streamed.toJSON(), one.toJSON(), 'fitStream')
})

t.test('semi-supervised fit: stream fit equals the in-memory fit bit for bit', async t => {
  const all = dataset(4000, 2, 3)
  const one = new NaiveBayes(NormalDistribution, 3).fit(all, { maxIterations: 4, stopThreshold: -Infinity })
  t.equal(one.history?.epochs.length, 4)
  const epochs: number[] = []
  const chunks = (seed: number): Batch[] => {
    let at = 0
    return randomChunks(all.rows, seed, 1500).map(k => sliceBatch(all, at, (at += k)))
  }
  let seed = 0
  const streamed = await new NaiveBayes(NormalDistribution, 3).fitStream(() => Readable.from(chunks(++seed)), {
    maxIterations: 4, stopThreshold: -Infinity, callbacks: [{ onEpochEnd: log => { epochs.push(log.logProbability) } }]
  })
  t.same(streamed.toJSON(), one.toJSON(), 'same parameters, different chunking on every pass')
  t.same(epochs, one.history!.epochs.map(e => e.logProbability), 'same log-likelihoods')
  const fromArray = await new NaiveBayes(NormalDistribution, 3).fitStream(chunks(5), { maxIterations: 4, stopThreshold: -Infinity })
  t.same(fromArray.toJSON(), one.toJSON(), 'an array of batches is re-read')
  const converged = new NaiveBayes(NormalDistribution, 3).fit(all, { stopThreshold: 1e-9 })
  t.ok(['converged', 'decreased'].includes(converged.history!.stopReason!), `stops by itself (${String(converged.history!.stopReason)})`)
  const labels = Float64Array.from(all.labels!, y => (y === -1 ? NaN : y))
  t.same(new NaiveBayes(NormalDistribution, 3).fit({ ...all, labels }, { maxIterations: 4, stopThreshold: -Infinity }).toJSON(), one.toJSON(), 'NaN labels are unlabeled too')
})

t.test('semi-supervised fit resumed from a mid-pass checkpoint ends with the same bits', async t => {
  const all = dataset(5000, 2, 2)
  const open = (): Readable => {
    let at = 0
    return Readable.from(randomChunks(all.rows, 7, 600).map(k => sliceBatch(all, at, (at += k))))
  }
  const options = { maxIterations: 5, stopThreshold: -Infinity }
  const states: TrainState[] = []
  const whole = await new NaiveBayes(NormalDistribution, 3).fitStream(open, { ...options, checkpoint: { everyBatches: 4, save: s => { states.push(JSON.parse(JSON.stringify(s))) } } })
  const state = states.find(s => s.iteration === 2 && s.sourceRows > 0)!
  t.ok(state !== undefined, 'a checkpoint taken mid-pass')
  const resumed = await resumeModel<NaiveBayes>(state).fitStream(open, { ...options, resume: state })
  t.same(resumed.toJSON(), whole.toJSON(), 'stream resume')
  t.same(resumed.history!.epochs.map(e => e.logProbability), whole.history!.epochs.map(e => e.logProbability))
  const inMemory = resumeModel<NaiveBayes>(state).fit(all, { ...options, resume: state })
  t.same(inMemory.toJSON(), whole.toJSON(), 'in-memory resume')
})

t.test('semi-supervised fitStream needs a source it can open again', async t => {
  const all = dataset(300, 1, 4)
  const nb = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(1, 1), new NormalDistribution(2, 1)])
  const before = nb.toJSON()
  await rejectsArilError(t, nb.fitStream(Readable.from([all])), { code: 'ERR_SOURCE' })
  t.same(nb.toJSON(), before, 'parameters unchanged')
  t.same(nb.summary().classes, new NaiveBayes(NormalDistribution, 3).summary().classes, 'statistics unchanged')
})

t.test('weights are frequencies; priors take the pseudocount, not the inertia', async t => {
  const X = [1, 2, 3, 10, 11, 12, 13]
  const y = [0, 0, 0, 1, 1, 1, 1]
  const a = new NaiveBayes(NormalDistribution, 2).fit([...X, 1, 13], { labels: [...y, 0, 1] })
  const b = new NaiveBayes(NormalDistribution, 2).fit(X, { labels: y, weights: [2, 1, 1, 1, 1, 1, 2] })
  assertClose(t, b.weights, a.weights, 1e-15, 'duplicated rows = weight 2')
  assertClose(t, numbers(b.toJSON().models), numbers(a.toJSON().models), 1e-14, 'duplicated rows = weight 2: components')
  t.same(new NaiveBayes(NormalDistribution, 2).fit(X, { labels: y, pseudocount: 1 }).weights.map(w => +w.toFixed(12)), [4 / 9, 5 / 9].map(w => +w.toFixed(12)), '(count + 1) / (7 + 2)')
  const start = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(10, 2)], { weights: [0.9, 0.1] })
  start.fit(X, { labels: y, inertia: 0.5 })
  t.same(start.weights.map(w => +w.toFixed(12)), [3 / 7, 4 / 7].map(w => +w.toFixed(12)), 'priors ignore inertia (pomegranate)')
  const fresh = new NormalDistribution(0, 1).fit([1, 2, 3])
  assertClose(t, start.models![0]!.parameters as number[], [0.5 * 0 + 0.5 * 2, 0.5 * 1 + 0.5 * (fresh.parameters[1])], 1e-15, 'components blend with inertia')
  const unchanged = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(10, 2)], { weights: [0.9, 0.1] })
  unchanged.fit(X, { labels: y, weights: new Array(7).fill(0) })
  assertClose(t, unchanged.weights, [0.9, 0.1], 1e-15, 'zero total weight keeps the priors')
  t.same(unchanged.models!.map(m => m.parameters), [[0, 1], [10, 2]], 'and the components')
  t.equal(new NaiveBayes(NormalDistribution, 2).fit([1, 2], { labels: [-1, -1], weights: [0, 0] }).models!.length, 2, 'only zero-weight unlabeled rows: nothing to train')
})

t.test('frozen models and frozen components', async t => {
  const nb = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(5, 1)]).freeze()
  nb.fit([1, 2, 3, 4], { labels: [0, 0, 1, 1] })
  t.same(nb.models!.map(m => m.parameters), [[0, 1], [5, 1]], 'frozen model ignores fit')
  t.equal(await nb.fitStream(Readable.from([[1, 2]])), nb)
  const mixed = new NaiveBayes([new NormalDistribution(0, 1).freeze(), new NormalDistribution(5, 1)])
  mixed.fit([1, 2, 3, 4], { labels: [0, 0, 1, 1] })
  t.same(mixed.models![0]!.parameters, [0, 1], 'frozen component kept')
  t.same(mixed.models![1]!.parameters, [3.5, 0.5], 'other component fitted')
  assertClose(t, mixed.weights, [0.5, 0.5], 1e-15)
})

t.test('Dist-class models build their components from the first batch', async t => {
  const nb = new NaiveBayes(NormalDistribution, 3)
  t.equal(nb.models, undefined)
  t.equal(nb.dimension, undefined)
  assertArilError(t, () => nb.predict([1]), { code: 'ERR_NOT_FITTED' })
  assertArilError(t, () => nb.sample(2), { code: 'ERR_NOT_FITTED' })
  t.same(nb.parameters, [[], [1 / 3, 1 / 3, 1 / 3]])
  const all = dataset(100, 4)
  nb.fit(all)
  t.equal(nb.dimension, 4)
  t.ok(nb.models!.every(m => m instanceof IndependentComponentsDistribution), 'IndependentComponents per class')
  const perColumn = new NaiveBayes([NormalDistribution, ExponentialDistribution], 2)
  perColumn.fit([[0, 1], [1, 2], [5, 0.5], [6, 0.25]], { labels: [0, 0, 1, 1] })
  t.same(JSON.parse(JSON.stringify(perColumn)).models[1].parameters[0].map((d: { name: string }) => d.name), ['NormalDistribution', 'ExponentialDistribution'])
  assertArilError(t, () => new NaiveBayes([NormalDistribution, ExponentialDistribution], 2).fit([[1, 2, 3]], { labels: [0] }), { code: 'ERR_COLUMN_COUNT' })
  const failed = new NaiveBayes(NormalDistribution, 2)
  assertArilError(t, () => failed.fit([1, 2], { labels: [0, 2] }), { code: 'ERR_LABEL', row: 1 })
  t.equal(failed.models, undefined, 'a failed first fit leaves the model unbuilt')
  const merged = new NaiveBayes(NormalDistribution, 3)
  const source = new NaiveBayes(NormalDistribution, 3)
  source.summarize(all)
  merged.mergeSummary(JSON.parse(JSON.stringify(source.summary())))
  merged.fromSummaries()
  t.same(merged.toJSON(), new NaiveBayes(NormalDistribution, 3).fit(all).toJSON(), 'a summary builds an unbuilt model')
  merged.mergeSummary(new NaiveBayes(NormalDistribution, 3).summary())
  t.ok(merged.models !== undefined, 'merging an empty summary keeps the components')
})

t.test('sample draws classes by the priors', async t => {
  const nb = new NaiveBayes([new NormalDistribution(-100, 0), new NormalDistribution(100, 0)], { weights: [1, 3] })
  const a = nb.sample(4000, { seed: 3 }) as Float64Array
  t.same(nb.sample(4000, { seed: 3 }), a, 'seeded')
  t.ok(a.every(x => x === -100 || x === 100))
  const share = a.filter(x => x === 100).length / a.length
  t.ok(Math.abs(share - 0.75) < 0.03, `share of class 1: ${share}`)
  const wide = new NaiveBayes(NormalDistribution, 2).fit([[0, 0], [0, 0], [5, 5], [5, 5]], { labels: [0, 0, 1, 1] })
  const rows = wide.sample(10, { seed: 1 }) as number[][]
  t.ok(rows.every(r => r.length === 2 && (r.every(x => x === 0) || r.every(x => x === 5))), 'rows of 2 columns')
  t.same(new NaiveBayes([new NormalDistribution(), new NormalDistribution()]).sample(0), new Float64Array(0))
})

t.test('raises', async t => {
  assertArilError(t, () => new NaiveBayes([new NormalDistribution()]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 1), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes([new NormalDistribution(), new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution()])]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes([new NormalDistribution(), new NormalDistribution()], { weights: [1, -1] }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes([new NormalDistribution(), new NormalDistribution()], { weights: [0, 0] }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes([new NormalDistribution(), new NormalDistribution()], { weights: [1] }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new NaiveBayes('NormalDistribution' as never, 2), { code: 'ERR_INVALID_PARAMETER' })
  const nb = new NaiveBayes([new NormalDistribution(), new NormalDistribution()])
  assertArilError(t, () => nb.fit([1, 2]), { code: 'ERR_LABEL' })
  assertArilError(t, () => nb.summarize([1, 2], { labels: [0, 1.5] }), { code: 'ERR_LABEL', row: 1 })
  assertArilError(t, () => nb.fit([1, 2], { labels: [0] }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => nb.fit([1, 2], { labels: [0, -1], maxIterations: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => NaiveBayes.fromSamples(NormalDistribution, [1, 2], { labels: [-1, -1] }), { code: 'ERR_LABEL' })
  assertArilError(t, () => NaiveBayes.fromSamples(NormalDistribution, [1, 2]), { code: 'ERR_LABEL' })
  assertArilError(t, () => nb.mergeSummary({ model: 'BayesClassifier' }), { code: 'ERR_SUMMARY_MISMATCH' })
  const good = nb.summary()
  for (const bad of [
    { ...good, classes: { ...good.classes, partial: [0] } },
    { ...good, logProbability: null },
    { ...good, components: [good.components[0]] },
    { ...good, components: [{ model: 'GammaDistribution' }, good.components[1]] },
    { ...new NaiveBayes(NormalDistribution, 2).fit([[1, 2], [3, 4]], { labels: [0, 1] }).summary() }
  ]) assertArilError(t, () => nb.mergeSummary(bad), { code: 'ERR_SUMMARY_MISMATCH' })
  const unbuilt = new NaiveBayes(NormalDistribution, 2)
  assertArilError(t, () => unbuilt.mergeSummary({ ...good, dimension: null }), { code: 'ERR_SUMMARY_MISMATCH' })
  const broken = { ...good, components: [good.components[0], { ...good.components[1], sums: null }] }
  const withStats = new NaiveBayes([new NormalDistribution(), new NormalDistribution()])
  withStats.summarize([1, 2], { labels: [0, 1] })
  const before = withStats.summary()
  assertArilError(t, () => withStats.mergeSummary(broken), { code: 'ERR_SUMMARY_MISMATCH' })
  t.same(withStats.summary(), before, 'a refused component summary rolls the others back')
  t.same(toBatch([1]).cols, 1)
})

t.test('pomegranate\'s positional labels: fromSamples(Dist, X, y, weights) and fit(X, y)', async t => {
  const X = [[0, 1], [1, 0], [5, 6], [6, 5], [0.5, 0.5]]
  const y = [0, 0, 1, 1, 0]
  const w = [1, 2, 1, 1, 3]
  const named = NaiveBayes.fromSamples(NormalDistribution, X, { labels: y, weights: w, pseudocount: 1 })
  t.same(NaiveBayes.fromSamples(NormalDistribution, X, y, { weights: w, pseudocount: 1 }).toJSON(), named.toJSON(), 'fromSamples(Dist, X, y, options)')
  t.same(NaiveBayes.fromSamples(NormalDistribution, X, y, w).toJSON(), NaiveBayes.fromSamples(NormalDistribution, X, { labels: y, weights: w }).toJSON(), 'fromSamples(Dist, X, y, weights)')
  t.same(new NaiveBayes(NormalDistribution, 2).fit(X, y).toJSON(), new NaiveBayes(NormalDistribution, 2).fit(X, { labels: y }).toJSON(), 'fit(X, y)')
  t.same(new NaiveBayes(NormalDistribution, 2).fit(X, Float64Array.from(y), w).toJSON(), new NaiveBayes(NormalDistribution, 2).fit(X, { labels: y, weights: w }).toJSON(), 'fit(X, y, weights), typed labels')
  const summed = new NaiveBayes(NormalDistribution, 2)
  summed.summarize(X, y, w)
  const named2 = new NaiveBayes(NormalDistribution, 2)
  named2.summarize(X, { labels: y, weights: w })
  t.same(summed.summary(), named2.summary(), 'summarize(X, y, weights)')
  const err = assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).fit(X), { code: 'ERR_LABEL' })
  t.match(err?.message, /fit\(X, y\), fit\(X, \{ labels: y \}\)/, 'the error says what to pass')
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).fit(X, y, { labels: y }), { code: 'ERR_INVALID_ARGUMENT' }, 'labels twice')
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).fit(X, 'y' as never), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).fit(X, y, 5 as never), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => new NaiveBayes(NormalDistribution, 2).fit(X, {} as never, y as never), { code: 'ERR_INVALID_ARGUMENT' }, 'options before the labels')
})

t.test('pomegranate\'s list semantics: on one column a list of classes is one per class', async t => {
  const X = [0.5, 1, 1.5, 4, 5, 6]
  const y = [0, 0, 0, 1, 1, 1]
  const nb = NaiveBayes.fromSamples([NormalDistribution, ExponentialDistribution], X, y)
  t.same(nb.models!.map(m => m.name), ['NormalDistribution', 'ExponentialDistribution'])
  // closed forms: class 0 ~ N(1, sqrt(1/6)); class 1 ~ Exp(rate (3 + 1e-7)/(15 + 1e-7)), pomegranate's smoothing
  t.same(nb.models![0]!.parameters, [1, Math.sqrt(1 / 6)])
  t.same(nb.models![1]!.parameters, [(3 + 1e-7) / (15 + 1e-7)])
  assertArilError(t, () => NaiveBayes.fromSamples([NormalDistribution, ExponentialDistribution, NormalDistribution], X, y), { code: 'ERR_INVALID_PARAMETER' })
  const columns = NaiveBayes.fromSamples([NormalDistribution, ExponentialDistribution], X.map(x => [x, x]), y)
  t.same((columns.models![0] as IndependentComponentsDistribution).distributions.map(d => d.name), ['NormalDistribution', 'ExponentialDistribution'], 'on two columns: one per column')
})

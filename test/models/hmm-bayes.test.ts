/**
 * BayesClassifier over HiddenMarkovModels (one class per sequence): against pomegranate 0.14.8
 * (scripts/fixtures/hmm-stacks.py → test/fixtures/hmm-stacks.json), and the exactness properties.
 */
import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toBatch } from '../../lib/core/batch.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, sliceSequences, toSequenceBatch } from '../../lib/core/sequence.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { BayesClassifier } from '../../lib/models/bayes-classifier.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { assertArilError, assertClose, bitsOf, fixture } from '../helpers.js'
import { assertHmmParams, type HmmParams } from './hmm-params.js'

interface BayesCase {
  sequences: number[][]; labels: number[]; weights: number[]; priors: number[]; predictProba: number[][]; predict: number[]
  priorsAfter: number[]; components: HmmParams[]; predictProbaAfter: number[][]; json: string
}
const c = fixture<Record<string, BayesCase>>('hmm-stacks').bayesNormal!
const REL = 1e-12

/** The classifier of the fixture, as the script builds it. */
function classifier (): BayesClassifier {
  const hmm = (name: string, m1: number, m2: number): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.2, 0.8]], [new NormalDistribution(m1, 1), new NormalDistribution(m2, 1.5)], [0.5, 0.5], undefined, { stateNames: ['lo', 'hi'], name })
  return new BayesClassifier([hmm('c0', -1, 1), hmm('c1', 0, 3)], { weights: c.priors })
}

t.test('posterior per sequence, as pomegranate', async t => {
  const model = classifier()
  t.ok(model.sequential, 'HMM components classify sequences')
  assertClose(t, model.predictProba(c.sequences).flat(), c.predictProba.flat(), REL, 'predictProba', 1e-300)
  t.same(Array.from(model.predict(c.sequences)), c.predict, 'predict')
  const lse = model.logProbability(c.sequences)
  const each = model.models!.map(m => m.logProbability(c.sequences))
  assertClose(t, lse, c.sequences.map((_, s) => Math.log(c.priors[0]! * Math.exp(each[0]![s]!) + c.priors[1]! * Math.exp(each[1]![s]!))), 1e-12, 'log p = log Σ π_i P_i(sequence)')
})

t.test('a supervised fit with labels and weights, as pomegranate', async t => {
  const model = classifier().fit(c.sequences, c.labels, c.weights)
  assertClose(t, model.weights, c.priorsAfter, REL, 'priors')
  model.models!.forEach((m, j) => assertHmmParams(t, m as HiddenMarkovModel, c.components[j]!, `class ${j}`))
  assertClose(t, model.predictProba(c.sequences).flat(), c.predictProbaAfter.flat(), REL, 'predictProba after', 1e-300)
  // the same through summarize + fromSummaries, and through the options form
  const parts = classifier()
  parts.summarize(c.sequences, c.labels, c.weights)
  parts.fromSummaries()
  t.equal(bitsOf(parts.toJSON()), bitsOf(model.toJSON()), 'summarize + fromSummaries')
  t.equal(bitsOf(classifier().fit(c.sequences, { labels: c.labels, weights: c.weights }).toJSON()), bitsOf(model.toJSON()), 'fit(X, { labels, weights })')
})

t.test('predictStream over SequenceBatch chunks: one class per sequence', async t => {
  const model = classifier()
  const all = toSequenceBatch(c.sequences)
  const classes: number[] = []
  await pipeline(Readable.from([sliceSequences(all, 0, 11), sliceSequences(all, 11, 30)]), model.predictStream(), async (source: AsyncIterable<{ data: Float64Array; rows: number }>) => { for await (const b of source) { t.equal(b.data.length, b.rows); classes.push(...b.data) } })
  t.same(classes, c.predict)
})

t.test('without weights, the priors are the class shares (closed form)', async t => {
  const model = classifier().fit(c.sequences, c.labels)
  const ones = c.labels.filter(y => y === 1).length
  assertClose(t, model.weights, [1 - ones / c.labels.length, ones / c.labels.length], 1e-15, 'priors')
  const summed = classifier()
  summed.summarize(c.sequences, c.labels)
  t.same(summed.statistics.wSum, [c.labels.length - ones, ones], 'class weights summed per sequence')
})

t.test('JSON: pomegranate\'s (log priors) reads; a round trip keeps every bit', async t => {
  const fromPomegranate = BayesClassifier.fromJSON(JSON.parse(c.json))
  assertClose(t, fromPomegranate.weights, c.priorsAfter, 1e-15, 'priors from pomegranate\'s log weights')
  fromPomegranate.models!.forEach((m, j) => assertHmmParams(t, m as HiddenMarkovModel, c.components[j]!, `class ${j}`))
  const json = JSON.parse(c.json)
  // the models as pomegranate wrote them; the priors linear (pomegranate writes logs it cannot read back)
  t.equal(JSON.stringify(fromPomegranate.toJSON().models), JSON.stringify(json.models), 'the HMMs written back key for key')
  const model = classifier()
  const back = fromJSON<BayesClassifier>(JSON.parse(JSON.stringify(model)))
  t.equal(bitsOf(back.toJSON()), bitsOf(model.toJSON()))
})

t.test('any batching of the sequences, and merges in any order, give the same bits', async t => {
  const sequences = classifier().sample(2500, { seed: 5 }) as unknown as number[][]
  t.equal(sequences.length, 2500)
  t.ok(sequences.every(s => Array.isArray(s)), 'sample draws whole sequences')
  const labels = sequences.map((_, i) => (i * 7) % 3 === 0 ? 0 : 1)
  const weights = sequences.map((_, i) => 0.5 + (i % 5) / 3)
  const one = classifier()
  one.summarize(sequences, labels, weights)
  const all = toSequenceBatch(sequences, { weights })
  const cuts = [0, 333, 1024, 1500, 2048, 2500]
  const chunked = classifier()
  cuts.slice(1).forEach((end, i) => chunked.summarize(sliceSequences(all, cuts[i]!, end), labels.slice(cuts[i], end)))
  t.equal(bitsOf(chunked.summary()), bitsOf(one.summary()), 'summarized in chunks')
  // shards on block boundaries (multiples of BLOCK_SEQUENCES) merge in any order
  const blocks = [[0, 7 * BLOCK_SEQUENCES], [7 * BLOCK_SEQUENCES, 100 * BLOCK_SEQUENCES], [100 * BLOCK_SEQUENCES, 2500]].map(([a, b]) => { const m = classifier(); m.summarize(sliceSequences(all, a!, b!), labels.slice(a, b)); return m.summary() })
  const reversed = classifier()
  for (const s of blocks.reverse()) reversed.mergeSummary(s)
  t.equal(bitsOf(reversed.statistics), bitsOf(one.statistics), 'blocks merged in reverse')
  t.equal(bitsOf(reversed.fromSummaries().toJSON()), bitsOf(one.fromSummaries().toJSON()), 'the same update')
})

t.test('bad input: coded errors, model unchanged', async t => {
  const m = classifier()
  const before = bitsOf(m.toJSON())
  assertArilError(t, () => m.fit(c.sequences, c.labels.map(y => y === 0 ? 0.5 : y)), { code: 'ERR_LABEL', sequence: 0 }, 'a label that is not a class (nor -1/NaN: unlabeled, hmm-semi.test.ts)')
  assertArilError(t, () => m.fit(c.sequences, [0, 1]), { code: 'ERR_LABEL', message: /one per sequence/ }, 'labels of the wrong length')
  assertArilError(t, () => m.fit(c.sequences, {}), { code: 'ERR_LABEL', message: /got none/ }, 'no labels')
  assertArilError(t, () => m.fit(c.sequences, c.labels.map(() => 2)), { code: 'ERR_LABEL' }, 'a class out of range')
  assertArilError(t, () => m.predict(toBatch([1, 2])), { code: 'ERR_INVALID_INPUT', message: /sequence boundaries/ }, 'a Batch of rows')
  assertArilError(t, () => m.predictBatch(toBatch([1, 2])), { code: 'ERR_INVALID_INPUT', message: /SequenceBatch/ }, 'a Batch of rows to predictBatch')
  assertArilError(t, () => new BayesClassifier([m.models![0]!, new NormalDistribution(0, 1)]), { code: 'ERR_INVALID_PARAMETER' }, 'HMMs and distributions mixed')
  assertArilError(t, () => BayesClassifier.fromSamples(HiddenMarkovModel, c.sequences, c.labels), { code: 'ERR_INVALID_OPTION', message: /hmm/ }, 'fromSamples(HiddenMarkovModel) without the hmm option')
  assertArilError(t, () => BayesClassifier.fromSamples([HiddenMarkovModel, HiddenMarkovModel], c.sequences, c.labels), { code: 'ERR_INVALID_OPTION', message: /pass the list to the constructor/ }, 'a list of HiddenMarkovModel factories')
  t.equal(bitsOf(m.toJSON()), before)
})

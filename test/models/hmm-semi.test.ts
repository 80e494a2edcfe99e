/**
 * Semi-supervised BayesClassifier (and NaiveBayes) over HiddenMarkovModels: sequences labelled −1
 * or NaN are unlabeled. Against pomegranate 0.14.8's own semi-supervised fit
 * (scripts/fixtures/hmm-semi.py → test/fixtures/hmm-semi.json), and the exactness properties
 * (streamed chunks, workers, batch sizes, a resumed checkpoint give the in-memory bits).
 */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { readCsv } from '../../lib/io/csv.js'
import { groupSequences } from '../../lib/io/sequences-group.js'
import { readSequences } from '../../lib/io/sequences-ndjson.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { sliceSequences, toSequenceBatch, type SequenceBatch } from '../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { BayesClassifier } from '../../lib/models/bayes-classifier.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import { assertArilError, assertClose, bitsOf, fixture, randomChunks, rejectsArilError } from '../helpers.js'
import { assertHmmParams, type HmmParams } from './hmm-params.js'

interface SemiCase {
  sequences: Array<Array<string | number>>; labels: number[]; weights: number[]; json: string
  firstPriors: number[]; firstComponents: HmmParams[]; iterations: number; epochs: number[]; logProbabilities: number[]
  priors: number[]; components: HmmParams[]; predictProba: number[][]
}
const cases = fixture<Record<string, SemiCase>>('hmm-semi')
// the HMM fixtures match to 1e-12 (the Normal case's log-likelihoods differ by 2e-13 relative)
const REL = 1e-12

const load = (c: SemiCase): BayesClassifier => BayesClassifier.fromJSON(JSON.parse(c.json))

for (const [name, c] of Object.entries(cases)) {
  t.test(`${name}: the first M-step uses the labelled sequences only, as pomegranate`, async t => {
    t.ok(c.labels.some(y => y === -1) && c.labels.some(y => y >= 0), 'labelled and unlabeled sequences')
    const model = load(c).fit(c.sequences, c.labels, { weights: c.weights, maxIterations: 0 })
    assertClose(t, model.weights, c.firstPriors, REL, 'priors')
    model.models!.forEach((m, j) => assertHmmParams(t, m as HiddenMarkovModel, c.firstComponents[j]!, `class ${j}`))
    t.equal(model.history?.iterations, 0, 'no EM step')
  })

  t.test(`${name}: ${c.iterations} EM steps, as pomegranate's fit(max_iterations=${c.iterations})`, async t => {
    const model = load(c).fit(c.sequences, c.labels, { weights: c.weights, maxIterations: c.iterations, stopThreshold: -Infinity })
    const history = model.history!
    t.equal(history.iterations, c.iterations)
    t.equal(history.stopReason, 'maxIterations')
    t.same(history.epochs.map(e => e.epoch), c.epochs, 'epochs')
    assertClose(t, history.epochs.map(e => e.logProbability), c.logProbabilities, REL, 'log-likelihood of the unlabeled sequences, per epoch')
    t.ok(history.epochs.every(e => e.rows === c.sequences.length), 'each epoch reads every sequence')
    assertClose(t, model.weights, c.priors, REL, 'priors')
    model.models!.forEach((m, j) => assertHmmParams(t, m as HiddenMarkovModel, c.components[j]!, `class ${j}`))
    assertClose(t, model.predictProba(c.sequences).flat(), c.predictProba.flat(), REL, 'predictProba', 1e-300)
    const nan = load(c).fit(c.sequences, c.labels.map(y => y === -1 ? NaN : y), { weights: c.weights, maxIterations: c.iterations, stopThreshold: -Infinity })
    t.equal(bitsOf(nan.toJSON()), bitsOf(model.toJSON()), 'NaN labels are unlabeled too')
    const naive = new NaiveBayes(load(c).models!.slice(), { weights: load(c).weights }).fit(c.sequences, c.labels, { weights: c.weights, maxIterations: c.iterations, stopThreshold: -Infinity })
    t.equal(bitsOf(naive.toJSON().models), bitsOf(model.toJSON().models), 'NaiveBayes of HMMs: the same EM')
  })

  t.test(`${name}: streamed in uneven chunks, and on workers: 2, the in-memory bits`, async t => {
    const options = { maxIterations: c.iterations, stopThreshold: -Infinity }
    const model = load(c).fit(c.sequences, c.labels, { weights: c.weights, ...options })
    const all: SequenceBatch = { ...toSequenceBatch(c.sequences, { categorical: true, weights: c.weights }), labels: Float64Array.from(c.labels) }
    const cuts = [0, 7, 20, 33, c.sequences.length]
    const chunks = cuts.slice(1).map((end, i) => sliceSequences(all, cuts[i]!, end))
    t.equal(bitsOf((await load(c).fitStream(chunks, options)).toJSON()), bitsOf(model.toJSON()), 'fitStream')
    t.equal(bitsOf((await load(c).fitStream(chunks, { ...options, workers: 2 })).toJSON()), bitsOf(model.toJSON()), 'workers: 2')
  })
}

/** A classifier of two Normal HMMs, and sequences drawn from it with a quarter labelled. */
function normalClassifier (): BayesClassifier {
  const hmm = (m1: number, m2: number, stay: number): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[stay, 1 - stay], [1 - stay, stay]], [new NormalDistribution(m1, 1), new NormalDistribution(m2, 1.5)], [0.5, 0.5], [0.05, 0.05])
  return new BayesClassifier([hmm(-1, 1, 0.9), hmm(0, 3, 0.7)], { weights: [0.4, 0.6] })
}
const sequences = normalClassifier().sample(1500, { seed: 9 }) as unknown as number[][]
const truth = normalClassifier().predict(sequences)
const labels = Float64Array.from(truth, (y, i) => i % 4 === 0 ? y : i % 7 === 1 ? NaN : -1)
const weights = Float64Array.from(sequences, (_, i) => 0.5 + (i % 5) / 3)
const all: SequenceBatch = { ...toSequenceBatch(sequences, { weights }), labels }
const options = { maxIterations: 3, stopThreshold: -Infinity }

t.test('streamed chunks, workers: 2 and batch sizes give the in-memory bits', async t => {
  const one = normalClassifier().fit(sequences, labels, { weights, ...options })
  t.equal(one.history?.iterations, 3)
  t.equal(bitsOf(normalClassifier().fit(all, options).toJSON()), bitsOf(one.toJSON()), 'a SequenceBatch with its labels')
  t.equal(bitsOf(normalClassifier().fit(all, { ...options, batchSize: 77 }).toJSON()), bitsOf(one.toJSON()), 'batchSize: 77')
  const chunks = (seed: number): SequenceBatch[] => {
    let at = 0
    return randomChunks(sequences.length, seed, 400).map(k => sliceSequences(all, at, (at += k)))
  }
  let seed = 0
  const logs: number[] = []
  const streamed = await normalClassifier().fitStream(() => Readable.from(chunks(++seed)), { ...options, callbacks: [{ onEpochEnd: log => { logs.push(log.logProbability) } }] })
  t.equal(bitsOf(streamed.toJSON()), bitsOf(one.toJSON()), 'fitStream, other chunks on every pass')
  t.same(logs, one.history!.epochs.map(e => e.logProbability), 'the same log-likelihoods')
  const threads = await normalClassifier().fitStream(chunks(5), { ...options, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(one.toJSON()), 'workers: 2')
  t.same(threads.history!.epochs.map(e => e.logProbability), logs, 'workers: 2, the same log-likelihoods')
})

t.test('sequence files with a class per sequence: NDJSON "class" and CSV rows grouped with a label column', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-hmm-semi-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const n = 400
  // the first 20 sequences unlabeled: the first batches of 16 have no "class" at all
  const y = labels.map((label, i) => i < 20 ? -1 : label).subarray(0, n)
  const one = normalClassifier().fit(sequences.slice(0, n), y, { weights: weights.subarray(0, n), ...options })
  const ndjson = join(dir, 'labelled.ndjson')
  // unlabeled as null, -1 or no "class" at all
  writeFileSync(ndjson, sequences.slice(0, n).map((s, i) => JSON.stringify({ sequence: s, weight: weights[i], ...(y[i]! >= 0 ? { class: y[i] } : i % 3 === 0 || i < 20 ? {} : { class: i % 2 === 0 ? null : -1 }) })).join('\n') + '\n')
  const fromNdjson = await normalClassifier().fitStream(() => readSequences(ndjson, { maxSequences: 16 }), options)
  t.equal(bitsOf(fromNdjson.toJSON()), bitsOf(one.toJSON()), 'NDJSON (batches without a class are all unlabeled)')
  const threads = await normalClassifier().fitStream(() => readSequences(ndjson), { ...options, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(one.toJSON()), 'NDJSON, workers: 2')
  const csv = join(dir, 'labelled.csv')
  const lines = ['id,x,y,w']
  sequences.slice(0, n).forEach((s, i) => { for (const x of s) lines.push(`${i},${x},${Number.isNaN(y[i]) ? '' : y[i]},${weights[i]}`) })
  writeFileSync(csv, lines.join('\n') + '\n')
  const open = (): NodeJS.ReadableStream => readCsv(csv, { columns: true, select: ['id', 'x'], label: 'y', weight: 'w' }).pipe(groupSequences({ by: 0 }))
  const fromCsv = await normalClassifier().fitStream(open as never, options)
  t.equal(bitsOf(fromCsv.toJSON()), bitsOf(one.toJSON()), 'CSV grouped by id, with a label column')
  const bad = join(dir, 'bad.ndjson')
  writeFileSync(bad, '{"sequence":[1,2],"class":"a"}\n')
  await rejectsArilError(t, pipeline(readSequences(bad), normalClassifier().sink()), { code: 'ERR_LABEL', line: 1 }, 'a class that is not a number')
  const mixed = join(dir, 'mixed.csv')
  writeFileSync(mixed, 'id,x,y\n0,1,0\n0,2,1\n')
  await rejectsArilError(t, pipeline(readCsv(mixed, { columns: true, select: ['id', 'x'], label: 'y' }), groupSequences({ by: 0 }), normalClassifier().sink()), { code: 'ERR_LABEL', row: 1, sequence: 0 }, 'rows of one sequence with two labels')
})

t.test('a semi-supervised fit resumed from a mid-pass checkpoint ends with the same bits', async t => {
  const open = (): Readable => {
    let at = 0
    return Readable.from(randomChunks(sequences.length, 3, 200).map(k => sliceSequences(all, at, (at += k))))
  }
  const states: TrainState[] = []
  const whole = await normalClassifier().fitStream(open, { ...options, checkpoint: { everyBatches: 5, save: s => { states.push(JSON.parse(JSON.stringify(s))) } } })
  const state = states.find(s => s.iteration === 2 && s.sourceRows > 0)!
  t.ok(state !== undefined, 'a checkpoint taken mid-pass')
  const resumed = await resumeModel<BayesClassifier>(state).fitStream(open, { ...options, resume: state })
  t.equal(bitsOf(resumed.toJSON()), bitsOf(whole.toJSON()), 'stream resume')
  t.same(resumed.history!.epochs.map(e => e.logProbability), whole.history!.epochs.map(e => e.logProbability))
  const inMemory = resumeModel<BayesClassifier>(state).fit(all, { ...options, resume: state })
  t.equal(bitsOf(inMemory.toJSON()), bitsOf(whole.toJSON()), 'in-memory resume')
})

t.test('summarize ignores unlabeled sequences, as pomegranate; fromJSON round trip', async t => {
  const labelled = Array.from(labels).map((y, i) => [y, i] as const).filter(([y]) => y >= 0).map(([, i]) => i)
  const a = normalClassifier()
  a.summarize(all)
  const b = normalClassifier()
  b.summarize(labelled.map(i => sequences[i]!), labelled.map(i => labels[i]!), labelled.map(i => weights[i]!))
  t.same(a.statistics.wSum, b.statistics.wSum, 'the class weights of the labelled sequences only')
  assertClose(t, a.fromSummaries().weights, b.fromSummaries().weights, 1e-15, 'the same priors')
  const back = fromJSON<BayesClassifier>(JSON.parse(JSON.stringify(a)))
  t.equal(bitsOf(back.toJSON()), bitsOf(a.toJSON()))
})

t.test('an unlabeled sequence impossible under every class adds nothing and is counted in the epoch log', async t => {
  const make = (): BayesClassifier => {
    const hmm = (p: number): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.7, 0.3], [0.4, 0.6]], [new DiscreteDistribution({ A: p, B: 1 - p }), new DiscreteDistribution({ A: 1 - p, B: p })], [0.5, 0.5])
    return new BayesClassifier([hmm(0.8), hmm(0.3)])
  }
  const X = [['A', 'A', 'B'], ['B', 'B'], ['A', 'B', 'A', 'A'], ['B', 'A', 'B'], ['A'], ['B', 'B', 'B', 'A']]
  const y = [0, 1, -1, -1, -1, -1]
  const plain = make().fit(X, y, options)
  const withImpossible = make().fit([...X, ['C', 'A']], [...y, -1], options)
  t.same(withImpossible.history!.epochs.map(e => e.skipped), [1, 1, 1], 'skipped in every epoch')
  t.equal(plain.history!.epochs[0]!.skipped, undefined, 'absent when none')
  t.same(withImpossible.history!.epochs.map(e => e.logProbability), plain.history!.epochs.map(e => e.logProbability), 'the same log-likelihoods')
  t.same(withImpossible.weights, plain.weights, 'the same priors')
  withImpossible.models!.forEach((m, j) => t.same((m as HiddenMarkovModel).denseTransitionMatrix(), (plain.models![j] as HiddenMarkovModel).denseTransitionMatrix(), `class ${j}: the same transitions`))
  const counted = make()
  counted.setPassMode({ semiSupervised: true })
  counted.summarize([['C'], ['A', 'B']], [-1, -1])
  t.equal(counted.statistics.impossible, 1, 'statistics.impossible')
})

t.test('fromSamples(HiddenMarkovModel, sequences, y, { hmm }): each class\'s HMM from its own sequences, then fit', async t => {
  const n = 300
  const X = sequences.slice(0, n)
  const y = labels.subarray(0, n)
  const w = weights.subarray(0, n)
  const hmm = { distribution: NormalDistribution, nComponents: 2, seed: 4, maxIterations: 5, stopThreshold: -Infinity }
  const built = BayesClassifier.fromSamples(HiddenMarkovModel, X, y, { weights: w, hmm, ...options })
  // by hand, with the public API: HiddenMarkovModel.fromSamples on each class's sequences and weights, then fit
  const own = (j: number): number[] => X.map((_, i) => i).filter(i => y[i] === j)
  const { distribution, nComponents, ...rest } = hmm
  const models = [0, 1].map(j => HiddenMarkovModel.fromSamples(distribution, nComponents, own(j).map(i => X[i]!), { ...rest, weights: own(j).map(i => w[i]!) }))
  const byHand = new BayesClassifier(models).fit(X, y, { weights: w, ...options })
  t.equal(bitsOf(built.toJSON()), bitsOf(byHand.toJSON()), 'the same bits')
  t.equal(built.history?.iterations, 3, 'semi-supervised: the unlabeled sequences took part')
  const labelled = own(0).concat(own(1)).sort((a, b) => a - b)
  const supervised = BayesClassifier.fromSamples(HiddenMarkovModel, labelled.map(i => X[i]!), { labels: labelled.map(i => y[i]!), hmm })
  const ones = labelled.filter(i => y[i] === 1).length
  assertClose(t, supervised.weights, [1 - ones / labelled.length, ones / labelled.length], 1e-15, 'all labelled: the priors are the class shares')
  t.equal(supervised.history, undefined, 'all labelled: no EM')
  assertArilError(t, () => BayesClassifier.fromSamples(HiddenMarkovModel, X.slice(0, 3), [0, 2, -1], { hmm }), { code: 'ERR_LABEL', message: /class 1 has no labelled sequence/ }, 'a class without sequences')
  assertArilError(t, () => BayesClassifier.fromSamples(HiddenMarkovModel, X.slice(0, 3), [-1, -1, -1], { hmm }), { code: 'ERR_LABEL', message: /none labelled/ }, 'no labelled sequence')
  assertArilError(t, () => BayesClassifier.fromSamples(NormalDistribution, [1, 2], [0, 1], { hmm }), { code: 'ERR_INVALID_OPTION' }, 'hmm with another factory')
})

t.test('frozen: a frozen classifier ignores the fit; a frozen HMM keeps its parameters while the other class learns', async t => {
  const X = sequences.slice(0, 200)
  const y = labels.subarray(0, 200)
  const frozen = normalClassifier().freeze()
  const before = bitsOf(frozen.toJSON())
  frozen.fit(X, y, options)
  t.equal(bitsOf(frozen.toJSON()), before, 'classifier unchanged')
  const part = normalClassifier()
  part.models![0]!.freeze()
  const hmm0 = bitsOf(part.models![0]!.toJSON())
  const hmm1 = bitsOf(part.models![1]!.toJSON())
  part.fit(X, y, options)
  t.equal(bitsOf(part.models![0]!.toJSON()), hmm0, 'the frozen HMM')
  t.not(bitsOf(part.models![1]!.toJSON()), hmm1, 'the other HMM learns')
  t.equal(part.history?.iterations, 3)
})

t.test('bad input: coded errors, model unchanged', async t => {
  const m = normalClassifier()
  const before = bitsOf(m.toJSON())
  assertArilError(t, () => m.fit(sequences.slice(0, 3), [0, 0.5, 1]), { code: 'ERR_LABEL', sequence: 1 }, 'a label that is not a class, -1 or NaN')
  assertArilError(t, () => m.fit(sequences.slice(0, 3), [0, 2, 1]), { code: 'ERR_LABEL', sequence: 1 }, 'a class out of range')
  assertArilError(t, () => m.fit({ ...all, labels: labels.subarray(1) }), { code: 'ERR_LABEL', message: /one per sequence/ }, 'SequenceBatch labels of the wrong length')
  assertArilError(t, () => m.fit({ ...all, labels: undefined }), { code: 'ERR_LABEL', message: /got none/ }, 'no labels in memory')
  assertArilError(t, () => m.summarize(sequences.slice(0, 3)), { code: 'ERR_LABEL', message: /got none/ }, 'summarize without labels')
  await rejectsArilError(t, m.fitStream(Readable.from([all]), options), { code: 'ERR_SOURCE' }, 'unlabeled sequences from a source that cannot be opened again')
  t.equal(bitsOf(m.toJSON()), before)
})

/**
 * GeneralMixtureModel over HiddenMarkovModels: against pomegranate 0.14.8
 * (scripts/fixtures/hmm-stacks.py → test/fixtures/hmm-stacks.json), and the exactness properties
 * (any batching of sequences, streamed chunks, workers, merge order give the same bits).
 */
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { toBatch } from '../../lib/core/batch.js'
import { readSequences } from '../../lib/io/sequences-ndjson.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, sliceSequences, toSequenceBatch, type SequenceBatch } from '../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { GeneralMixtureModel, type Component } from '../../lib/models/mixture.js'
import { assertArilError, assertClose, bitsOf, fixture, randomChunks, rejectsArilError } from '../helpers.js'
import { assertHmmParams, type HmmParams } from './hmm-params.js'

interface MixtureCase {
  sequences: Array<Array<string | number>>; weights: number[]; json: string; logProbability: number[]; predictProba: number[][]; predict: number[]
  iterations: number; logProbabilities: number[]; mixtureWeights: number[]; components: HmmParams[]; predictProbaAfter: number[][]
}
const cases = fixture<Record<string, MixtureCase>>('hmm-stacks')
const mixtures = { mixtureDiscrete: cases.mixtureDiscrete!, mixtureNormal: cases.mixtureNormal! }

// the HMM fixtures match to 1e-12; a mixture adds one log-sum-exp per sequence
const REL = 1e-12
const load = (c: MixtureCase): GeneralMixtureModel<HiddenMarkovModel> => GeneralMixtureModel.fromJSON(JSON.parse(c.json)) as GeneralMixtureModel<HiddenMarkovModel>

for (const [name, c] of Object.entries(mixtures)) {
  t.test(`${name}: log-probability and posterior per sequence, as pomegranate`, async t => {
    const model = load(c)
    t.ok(model.sequential, 'HMM components make a mixture of sequences')
    assertClose(t, model.logProbability(c.sequences), c.logProbability, REL, 'logProbability')
    assertClose(t, model.predictProba(c.sequences).flat(), c.predictProba.flat(), REL, 'predictProba', 1e-300)
    t.same(Array.from(model.predict(c.sequences)), c.predict, 'predict')
    const logs = model.predictLogProba(c.sequences)
    assertClose(t, logs.flat().map(Math.exp), c.predictProba.flat(), REL, 'predictLogProba', 1e-300)
  })

  t.test(`${name}: ${c.iterations} EM steps by summarize + fromSummaries, as pomegranate`, async t => {
    const model = load(c)
    const logps: number[] = []
    for (let i = 0; i < c.iterations; i++) {
      logps.push(model.summarize(c.sequences, { weights: c.weights })!)
      model.fromSummaries()
    }
    assertClose(t, logps, c.logProbabilities, REL, 'log-probability of each E-step')
    assertClose(t, model.parameters[1], c.mixtureWeights, REL, 'mixture weights')
    model.distributions.forEach((d, j) => assertHmmParams(t, d, c.components[j]!, `component ${j}`))
    assertClose(t, model.predictProba(c.sequences).flat(), c.predictProbaAfter.flat(), REL, 'predictProba after', 1e-300)
  })

  t.test(`${name}: fit with maxIterations k is k M-steps (pomegranate's fit does k + 1)`, async t => {
    const model = load(c).fit(c.sequences, { weights: c.weights, maxIterations: c.iterations, stopThreshold: -Infinity })
    assertClose(t, model.parameters[1], c.mixtureWeights, REL, 'mixture weights')
    model.distributions.forEach((d, j) => assertHmmParams(t, d, c.components[j]!, `component ${j}`))
  })

  t.test(`${name}: JSON round trip keeps every bit; pomegranate's JSON reads`, async t => {
    const model = load(c)
    const json = JSON.parse(c.json)
    const back = fromJSON<GeneralMixtureModel>(JSON.parse(JSON.stringify(model)))
    t.equal(bitsOf(back.toJSON()), bitsOf(model.toJSON()))
    t.equal(JSON.stringify(model.toJSON()), JSON.stringify(json), 'pomegranate\'s JSON written back key for key')
  })
}

/** Two Normal HMMs in a mixture, and many sequences drawn from it. */
function normalMixture (): GeneralMixtureModel<HiddenMarkovModel> {
  const a = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.2, 0.8]], [new NormalDistribution(-1, 1), new NormalDistribution(2, 1.5)], [0.5, 0.5], [0.05, 0.05])
  const b = HiddenMarkovModel.fromMatrix([[0.7, 0.3], [0.3, 0.7]], [new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)], [0.5, 0.5], [0.1, 0.1])
  return new GeneralMixtureModel([a, b], { weights: [0.4, 0.6] })
}
const sequences = normalMixture().sample(2600, { seed: 3 }) as unknown as number[][]
const weights = sequences.map((_, i) => 0.5 + (i % 7) / 4)

t.test('sample draws whole sequences', async t => {
  t.equal(sequences.length, 2600)
  t.ok(sequences.every(s => Array.isArray(s)), 'each draw a sequence')
  t.ok(sequences.some(s => s.length > 1))
})

t.test('any batching of the sequences gives the bits of one summarize (blocks of BLOCK_SEQUENCES sequences)', async t => {
  const one = normalMixture()
  one.summarize(sequences, { weights })
  const all = toSequenceBatch(sequences, { weights })
  for (const seed of [1, 2]) {
    const m = normalMixture()
    let at = 0
    for (const size of randomChunks(sequences.length, seed, 700)) { m.summarize(sliceSequences(all, at, at + size)); at += size }
    t.equal(bitsOf(m.summary()), bitsOf(one.summary()), `chunks seed ${seed}`)
  }
  // shards on block boundaries merged in any order
  const shards = [[0, 7 * BLOCK_SEQUENCES], [7 * BLOCK_SEQUENCES, 100 * BLOCK_SEQUENCES], [100 * BLOCK_SEQUENCES, 2600]].map(([a, b]) => { const m = normalMixture(); m.summarize(sliceSequences(all, a!, b!)); return m.summary() })
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const m = normalMixture()
    for (const i of order) m.mergeSummary(shards[i]!)
    // (the exact sums' partials may be listed differently; their values are the same bits)
    t.equal(bitsOf(m.statistics), bitsOf(one.statistics), `merged in order ${order.join(',')}`)
    m.fromSummaries()
    const o = normalMixture()
    o.mergeSummary(one.summary()).fromSummaries()
    t.equal(bitsOf(m.toJSON()), bitsOf(o.toJSON()), 'same update')
  }
})

t.test('fitStream over SequenceBatch chunks, and workers: 2, give the in-memory bits', async t => {
  const a = normalMixture().fit(sequences, { weights, maxIterations: 3, stopThreshold: -Infinity })
  const all = toSequenceBatch(sequences, { weights })
  const cuts = [0, 300, 1100, 2050, 2600]
  const chunks: SequenceBatch[] = cuts.slice(1).map((end, i) => sliceSequences(all, cuts[i]!, end))
  const streamed = await normalMixture().fitStream(chunks, { maxIterations: 3, stopThreshold: -Infinity })
  t.equal(bitsOf(streamed.toJSON()), bitsOf(a.toJSON()), 'streamed chunks')
  const threads = await normalMixture().fitStream(chunks, { maxIterations: 3, stopThreshold: -Infinity, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(a.toJSON()), 'workers: 2')
  const history = normalMixture().trainBatch(sequences, { weights, maxIterations: 3, stopThreshold: -Infinity })
  t.equal(history.iterations, 3)
  t.ok(history.epochs.every((e, i) => i === 0 || e.logProbability >= history.epochs[i - 1]!.logProbability - 1e-9), 'EM does not go down')
})

t.test('an NDJSON sequence file: fitStream (one thread and workers: 2) and a sink give the in-memory bits', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-hmm-mixture-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'sequences.ndjson')
  writeFileSync(file, sequences.map(s => JSON.stringify(s)).join('\n') + '\n')
  const a = normalMixture().fit(sequences, { maxIterations: 2, stopThreshold: -Infinity })
  const streamed = await normalMixture().fitStream(() => readSequences(file), { maxIterations: 2, stopThreshold: -Infinity })
  t.equal(bitsOf(streamed.toJSON()), bitsOf(a.toJSON()), 'fitStream from the file')
  const threads = await normalMixture().fitStream(() => readSequences(file), { maxIterations: 2, stopThreshold: -Infinity, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(a.toJSON()), 'workers: 2 from the file')
  const sunk = normalMixture()
  await pipeline(readSequences(file), sunk.sink())
  const once = normalMixture()
  once.summarize(sequences)
  once.fromSummaries()
  t.equal(bitsOf(sunk.toJSON()), bitsOf(once.toJSON()), 'sink: one E-step, then the M-step')
  // predictions as a stream: one per sequence, as predict/predictProba in memory
  const classes: number[] = []
  const probas: number[] = []
  await pipeline(readSequences(file), once.predictStream(), async (source: AsyncIterable<{ data: Float64Array }>) => { for await (const b of source) classes.push(...b.data) })
  await pipeline(readSequences(file), once.predictStream({ output: 'proba' }), async (source: AsyncIterable<{ data: Float64Array; cols: number }>) => { for await (const b of source) { t.equal(b.cols, 2); probas.push(...b.data) } })
  t.same(classes, Array.from(once.predict(sequences)), 'predictStream: a class per sequence')
  t.same(probas, once.predictProba(sequences).flat(), 'predictStream proba: a posterior per sequence')
})

t.test('a sequence impossible under every component adds nothing; frozen components stay', async t => {
  const make = (): GeneralMixtureModel<HiddenMarkovModel> => {
    const hmm = (p: number): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.5, 0.5], [0.5, 0.5]], [new DiscreteDistribution({ A: p, B: 1 - p }), new DiscreteDistribution({ A: 1 - p, B: p })], [0.5, 0.5])
    return new GeneralMixtureModel([hmm(0.7), hmm(0.2)])
  }
  const m = make()
  const possible = m.summarize([['A', 'B'], ['B', 'B', 'A']])
  const n = make()
  const withImpossible = n.summarize([['A', 'B'], ['C'], ['B', 'B', 'A']])
  t.equal(withImpossible, possible, 'the same log-likelihood')
  t.same(n.statistics.wSum, m.statistics.wSum, 'the same responsibilities')
  t.equal(n.logProbability([['C']])[0], -Infinity)
  assertClose(t, n.predictProba([['C']])[0]!, [0.5, 0.5], 1e-15, 'the priors for an impossible sequence')
  const f = make()
  f.distributions[0]!.freeze()
  const before = bitsOf(f.distributions[0]!.toJSON())
  f.fit([['A', 'B'], ['B', 'B', 'A']], { maxIterations: 2 })
  t.equal(bitsOf(f.distributions[0]!.toJSON()), before, 'a frozen HMM keeps its parameters')
})

t.test('bad input: coded errors, model unchanged', async t => {
  const m = normalMixture()
  const before = bitsOf(m.toJSON())
  assertArilError(t, () => m.summarize(toBatch([1, 2, 3])), { code: 'ERR_INVALID_INPUT', message: /sequence boundaries/ }, 'a Batch of rows')
  assertArilError(t, () => m.summarizeBatch(toBatch([1, 2, 3])), { code: 'ERR_INVALID_INPUT', message: /SequenceBatch/ }, 'a Batch of rows to summarizeBatch')
  assertArilError(t, () => m.logProbabilityBatch(toBatch([1, 2, 3])), { code: 'ERR_INVALID_INPUT' }, 'a Batch of rows to logProbabilityBatch')
  assertArilError(t, () => m.fit([[1, 2], [3]], { weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' }, 'one weight per sequence')
  assertArilError(t, () => m.fit([[1, 2], [[3, 4]]] as unknown as number[][]), { code: 'ERR_COLUMN_COUNT' }, 'observations of another width')
  assertArilError(t, () => new GeneralMixtureModel([normalMixture().distributions[0]!, new NormalDistribution(0, 1)]), { code: 'ERR_INVALID_PARAMETER', message: /HiddenMarkovModel or none/ }, 'HMMs and distributions mixed')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, {} as never), { code: 'ERR_INVALID_OPTION', message: /hmm/ }, 'fromSamples(HiddenMarkovModel) without the hmm option')
  assertArilError(t, () => GeneralMixtureModel.fromSamples([HiddenMarkovModel, HiddenMarkovModel] as never, 2, sequences), { code: 'ERR_INVALID_OPTION', message: /HiddenMarkovModel components/ }, 'a list of HiddenMarkovModel kinds')
  await rejectsArilError(t, GeneralMixtureModel.fromStream([HiddenMarkovModel, HiddenMarkovModel] as never, 2, [toSequenceBatch(sequences)]), { code: 'ERR_INVALID_OPTION' }, 'fromStream(HiddenMarkovModel)')
  t.equal(bitsOf(m.toJSON()), before)
})

/** HiddenMarkovModel: exactness across batchings and shards, JSON, construction, errors, long sequences. */
import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toBatch } from '../../../lib/core/batch.js'
import { Random } from '../../../lib/core/random.js'
import { fromJSON, stringifyJSON } from '../../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, sliceSequences, toSequenceBatch, type SequenceBatch } from '../../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../../../lib/models/mixture.js'
import { IndependentComponentsDistribution } from '../../../lib/distributions/independent-components.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import { State } from '../../../lib/models/state.js'
import { resumeModel, type TrainState } from '../../../lib/train/checkpoint.js'
import { progress } from '../../../lib/train/callbacks.js'
import { assertArilError, assertClose, bitsOf, fixture, randomChunks } from '../../helpers.js'

function casino (): HiddenMarkovModel {
  const fair = new State(new DiscreteDistribution({ H: 0.5, T: 0.5 }), 'fair')
  const loaded = new State(new DiscreteDistribution({ H: 0.8, T: 0.2 }), 'loaded')
  const m = new HiddenMarkovModel('casino')
  m.addStates(fair, loaded)
  m.addTransition(m.start, fair, 0.6).addTransition(m.start, loaded, 0.4)
  m.addTransition(fair, fair, 0.9).addTransition(fair, loaded, 0.1)
  m.addTransition(loaded, loaded, 0.85).addTransition(loaded, fair, 0.15)
  return m.bake()
}

function normal3 (): HiddenMarkovModel {
  return HiddenMarkovModel.fromMatrix([[0.8, 0.15, 0], [0.1, 0.7, 0.15], [0.05, 0.05, 0.8]],
    [new NormalDistribution(-2, 1), new NormalDistribution(0, 0.5), new NormalDistribution(3, 1.5)], [0.5, 0.3, 0.2], [0.05, 0.05, 0.1],
    { stateNames: ['low', 'mid', 'high'], name: 'n3' })
}

/** Sequences drawn from the model itself (so none is impossible); without an end state, of lengths 1 … 9. */
function draws (model: HiddenMarkovModel, count: number, seed: number): Array<Array<number | string>> {
  if (model.toJSON().end_index !== -1 && model.denseTransitionMatrix().some(row => row[model.toJSON().end_index]! > 0)) return model.sample(count, { seed }) as Array<Array<number | string>>
  return (model.sample(count, { seed, length: 9 }) as Array<Array<number | string>>).map((s, i) => s.slice(0, 1 + i % 9))
}

t.test('built through the API, the model writes the JSON pomegranate writes', async t => {
  const ours = JSON.parse(stringifyJSON(casino().toJSON()))
  const theirs = JSON.parse(fixture<Record<string, { json: string }>>('hmm').casino!.json)
  t.same(ours.states.map((s: { name: string }) => s.name), theirs.states.map((s: { name: string }) => s.name))
  t.same([ours.start_index, ours.end_index, ours.silent_index], [theirs.start_index, theirs.end_index, theirs.silent_index])
  t.same(ours.edges.map((e: number[]) => [e[0], e[1], e[4]]), theirs.edges.map((e: number[]) => [e[0], e[1], e[4]]))
  assertClose(t, ours.edges.map((e: number[]) => e[2]), theirs.edges.map((e: number[]) => e[2]), 1e-15, 'edge probabilities')
  const n3 = JSON.parse(fixture<Record<string, { json: string }>>('hmm').normal3!.json)
  t.same(JSON.parse(stringifyJSON(normal3().toJSON())).edges.map((e: number[]) => [e[0], e[1]]), n3.edges.map((e: number[]) => [e[0], e[1]]), 'fromMatrix edges')
})

t.test('JSON round trip through the model registry, ties and groups kept', async t => {
  const profile = HiddenMarkovModel.fromJSON(JSON.parse(fixture<Record<string, { json: string }>>('hmm').profile!.json))
  const back = fromJSON<HiddenMarkovModel>(stringifyJSON(profile))
  t.equal(stringifyJSON(back), stringifyJSON(profile))
  const inserts = back.states.filter(s => s.name.startsWith('I')).map(s => s.distribution)
  t.ok(inserts.every(d => d === inserts[0]), 'tied insert states share one distribution object')
  const seq = ['A', 'C', 'G', 'T', 'T']
  t.equal(back.logProbability([seq])[0], profile.logProbability([seq])[0])
  for (const c of Object.values(fixture<Record<string, { json: string }>>('hmm'))) {
    const json = JSON.parse(c.json)
    const edges = (HiddenMarkovModel.fromJSON(json).toJSON().edges as number[][])
    t.same(edges.map(e => [e[0], e[1], e[3], e[4]]), json.edges.map((e: number[]) => [e[0], e[1], e[3], e[4]]), `${json.name}: pomegranate's edges written back in its order`)
  }
  const copy = profile.copy()
  t.equal(stringifyJSON(copy), stringifyJSON(profile), 'copy')
})

t.test('summarize in any batching of sequences gives the same bits as one call', async t => {
  for (const make of [normal3, casino]) {
    const seqs = draws(make(), 2600, 7)
    const weights = Array.from({ length: seqs.length }, (_, i) => 0.5 + (i % 7) / 4)
    const one = make()
    one.summarize(seqs, { weights })
    const all = one.toBatch(seqs, { weights })
    const expected = bitsOf(one.summary())
    for (const seed of [1, 2]) {
      const m = make()
      let at = 0
      for (const size of randomChunks(seqs.length, seed, 900)) {
        m.summarize(sliceSequences(all, at, at + size))
        at += size
      }
      t.equal(bitsOf(m.summary()), expected, `${one.states[0]!.name}: chunking ${seed}`)
      t.equal(bitsOf(m.fromSummaries().toJSON()), bitsOf(one.copy().fromSummaries().toJSON()), 'parameters after the M-step')
    }
  }
})

t.test('summaries of shards split at multiples of BLOCK_SEQUENCES sequences merge to the one-pass bits, in any order', async t => {
  const seqs = draws(normal3(), 3000, 3)
  const one = normal3()
  one.summarize(seqs)
  const expected = bitsOf(one.copy().fromSummaries().toJSON())
  const shard = (a: number, b: number): ReturnType<HiddenMarkovModel['summary']> => {
    const m = normal3()
    m.summarize(seqs.slice(a, b))
    return m.summary()
  }
  const parts = [shard(0, 7 * BLOCK_SEQUENCES), shard(7 * BLOCK_SEQUENCES, 100 * BLOCK_SEQUENCES), shard(100 * BLOCK_SEQUENCES, 3000)]
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const m = normal3()
    for (const i of order) m.mergeSummary(parts[i]!)
    t.equal(bitsOf(m.fromSummaries().toJSON()), expected, `order ${order.join(',')}`)
  }
  t.equal(one.statistics.sequences, 3000)
})

t.test('fit in memory and fitStream over SequenceBatch chunks give the same bits', async t => {
  const seqs = draws(casino(), 1500, 11)
  const a = casino()
  const history = a.trainBatch(seqs, { maxIterations: 3, stopThreshold: -Infinity })
  t.equal(history.iterations, 3)
  const all = a.toBatch(seqs)
  const chunks: SequenceBatch[] = []
  let at = 0
  for (const size of randomChunks(seqs.length, 5, 400)) { chunks.push(sliceSequences(all, at, at + size)); at += size }
  const b = casino()
  const streamed = await b.trainStream(chunks, { maxIterations: 3, stopThreshold: -Infinity })
  t.equal(bitsOf(b.toJSON()), bitsOf(a.toJSON()))
  t.same(streamed.epochs.map(e => e.logProbability), history.epochs.map(e => e.logProbability))
})

t.test('emissions: MultivariateGaussian and a GeneralMixtureModel train and score', async t => {
  const mvn = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.2, 0.8]], [
    new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]),
    new MultivariateGaussianDistribution([3, 3], [[1, 0.2], [0.2, 1]])
  ], [0.5, 0.5])
  const seqs = (mvn.sample(200, { seed: 4, length: 6 }) as Float64Array[][]).map(s => s.map(r => Array.from(r)))
  const before = mvn.logProbability(seqs).reduce((a, b) => a + b, 0)
  mvn.fit(seqs, { maxIterations: 5 })
  const after = mvn.logProbability(seqs).reduce((a, b) => a + b, 0)
  t.ok(after >= before - 1e-9, `EM does not decrease the log-likelihood (${before} → ${after})`)
  const gmm = (mu: number): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(mu, 1), new NormalDistribution(mu + 1, 1)])
  const mix = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [gmm(0), gmm(5)], [0.5, 0.5])
  const xs = draws(mix, 100, 2)
  mix.fit(xs, { maxIterations: 3 })
  t.ok(Number.isFinite(mix.logProbability(xs)[0]!))
})

t.test('a sequence of 10^6 steps neither underflows nor loses precision', async t => {
  // two states with the same emission: P(sequence) is the product of the densities
  const model = HiddenMarkovModel.fromMatrix([[0.7, 0.3], [0.4, 0.6]], [new NormalDistribution(0, 1), new NormalDistribution(0, 1)], [0.5, 0.5])
  const random = new Random(1)
  const x = Float64Array.from({ length: 1e6 }, () => random.normal())
  const logp = model.logProbability(toSequenceBatch([x]))[0]!
  const exact = new NormalDistribution(0, 1).logProbability(x).reduce((a, b) => a + b, 0)
  assertClose(t, logp, exact, 1e-10, 'log-probability')
})

t.test('impossible sequences are skipped and counted', async t => {
  const m = casino()
  m.summarize([['H', 'T'], ['X'], ['T']])
  t.equal(m.statistics.impossible, 1)
  t.equal(m.statistics.sequences, 3)
  t.equal(m.logProbability([['X']])[0], -Infinity)
  t.same(m.viterbi(['X']), { logProbability: -Infinity, path: [] })
  const history = casino().trainBatch([['H', 'T'], ['X'], ['T', 'T']], { maxIterations: 2 })
  t.match(history.epochs[0]!.note, /^1 of 3 sequences are impossible/, 'noted in the first epoch\'s log')
  t.same(history.epochs.map(e => e.skipped), [1, 1], 'counted in every epoch\'s log')
  const clean = casino().trainBatch([['H', 'T']], { maxIterations: 1 }).epochs[0]!
  t.equal(clean.note, undefined)
  t.notOk('skipped' in clean, 'no count when none was skipped')
  const lines: string[] = []
  casino().trainBatch([['H', 'T'], ['X']], { maxIterations: 1, callbacks: [progress({ write: line => { lines.push(line) } })] })
  t.match(lines.at(-1), /, 1 impossible sequences skipped, \d+ ms$/, 'the progress callback says so')
  t.equal(m.forwardBackward(['X']), undefined)
})

t.test('a sequence of weight 0 adds nothing, whatever it holds, and is not counted impossible', async t => {
  // (a Discrete distribution learns every symbol it is handed, weight 0 or not, so both casino sequences hold X)
  for (const [make, odd, plain] of [[casino, ['X', 'H'], ['X', 'T']], [normal3, [1e6, -1e6], [0.5, 1]]] as const) {
    const seqs = draws(make(), 40, 5)
    // after every third sequence one of weight 0: an odd one (impossible under the casino), or another
    const between = (extra: ReadonlyArray<number | string>): Array<ReadonlyArray<number | string>> => seqs.flatMap((q, i) => (i % 3 === 0 ? [q, extra] : [q]))
    const weights = seqs.flatMap((_, i) => (i % 3 === 0 ? [1 + (i % 2), 0] : [1 + (i % 2)]))
    const a = make()
    a.summarize(between(odd) as Array<Array<number | string>>, { weights })
    const b = make()
    b.summarize(between(plain) as Array<Array<number | string>>, { weights })
    t.equal(a.statistics.impossible, 0, `${a.name}: not counted impossible`)
    t.equal(bitsOf(a.summary()), bitsOf(b.summary()), `${a.name}: the statistics of any other weight-0 sequences`)
  }
})

t.test('freeze, freezeDistributions, sample', async t => {
  const seqs = draws(casino(), 50, 1)
  const frozen = casino().freeze()
  frozen.fit(seqs, { maxIterations: 2 })
  t.equal(bitsOf(frozen.toJSON()), bitsOf(casino().freeze().toJSON()), 'a frozen model is unchanged')
  const m = casino().freezeDistributions()
  m.fit(seqs, { maxIterations: 2 })
  t.same(m.parameters[1], casino().parameters[1], 'distributions kept')
  t.not(bitsOf(m.parameters[0]), bitsOf(casino().parameters[0]), 'transitions trained')
  m.thawDistributions()
  t.same(casino().sample(3, { seed: 4, length: 5 }), casino().sample(3, { seed: 4, length: 5 }), 'seeded')
  const withPath = normal3().sample(2, { seed: 1, path: true }) as Array<{ sequence: number[]; path: string[] }>
  for (const s of withPath) {
    t.equal(s.path[0], 'n3-start')
    t.equal(s.path.at(-1), 'n3-end')
    t.equal(s.path.length, s.sequence.length + 2)
  }
  t.equal((casino().sample(1, { length: 7 })[0] as unknown[]).length, 7)
})

t.test('errors', async t => {
  const a = new State(new NormalDistribution(0, 1), 'a')
  const b = new State(new NormalDistribution(1, 1), 'b')
  const s1 = new State(null, 's1')
  const s2 = new State(null, 's2')
  const cyc = new HiddenMarkovModel()
  cyc.addStates(a, b, s1, s2)
  cyc.addTransition(cyc.start, a, 1).addTransition(a, s1, 0.5).addTransition(a, b, 0.5).addTransition(s1, s2, 1).addTransition(s2, s1, 0.5).addTransition(s2, b, 0.5).addTransition(b, b, 1)
  assertArilError(t, () => cyc.bake(), { code: 'ERR_INVALID_MODEL', message: /cycle/ }, 'silent cycle')
  const unreachable = new HiddenMarkovModel()
  const ua = new State(new NormalDistribution(0, 1), 'a')
  const uz = new State(new NormalDistribution(0, 1), 'z')
  unreachable.addStates(ua, uz)
  unreachable.addTransition(unreachable.start, ua, 1).addTransition(ua, ua, 1).addTransition(uz, uz, 1)
  assertArilError(t, () => unreachable.bake(), { code: 'ERR_INVALID_MODEL' }, 'unreachable state')
  const m = new HiddenMarkovModel()
  assertArilError(t, () => m.addTransition(m.start, a, 1), { code: 'ERR_INVALID_MODEL', message: /not in the model/ }, 'transition to a state not added')
  assertArilError(t, () => m.logProbability([[1]]), { code: 'ERR_NOT_FITTED' }, 'un-baked use')
  assertArilError(t, () => m.addState(m.start), { code: 'ERR_INVALID_ARGUMENT' }, 'duplicate name')
  const c = casino()
  assertArilError(t, () => c.summarize([['H']], { algorithm: 'labeled', labels: [['nobody']] }), { code: 'ERR_LABEL', sequence: 0, row: 0 }, 'unknown label')
  assertArilError(t, () => c.summarize([['H']], { algorithm: 'labeled', labels: [['casino-start']] }), { code: 'ERR_LABEL' }, 'silent label')
  assertArilError(t, () => c.summarize([['H']], { algorithm: 'labeled' }), { code: 'ERR_LABEL' }, 'no labels')
  assertArilError(t, () => c.summarize([['H', 'T']], { algorithm: 'labeled', labels: [['fair']] }), { code: 'ERR_INVALID_INPUT' }, 'labels of the wrong length')
  assertArilError(t, () => c.summarize([['H', 'T']], { algorithm: 'labeled', labels: [['fair', null]] }), { code: 'ERR_LABEL', sequence: 0, row: 1 }, 'labels partly missing')
  assertArilError(t, () => normal3().summarize([[-2, 3]], { algorithm: 'labeled', labels: [['low', 'high']] }), { code: 'ERR_LABEL', message: /no transition from "low" to "high"/ }, 'labels along a missing edge')
  const halfOpen = HiddenMarkovModel.fromMatrix([[0.5, 0.5], [0.5, 0.5]], [new NormalDistribution(0, 1), new NormalDistribution(1, 1)], [1, 0], [0.1, 0])
  assertArilError(t, () => halfOpen.summarize([[0, 1]], { algorithm: 'labeled', labels: [['s0', 's1']] }), { code: 'ERR_LABEL', message: /"s1" to "None-end"/ }, 'no edge into end')
  t.equal(c.statistics.sequences, 0, 'nothing added by a failed summarize')
  const empty = HiddenMarkovModel.fromMatrix([[0.5]], [new NormalDistribution(0, 1)], [1], [0.5])
  empty.addTransition(empty.start, empty.end, 0.25).bake()
  empty.summarize([[], [0.5]])
  t.equal(empty.statistics.sequences, 2, 'an empty sequence counts (start → end)')
  assertClose(t, empty.logProbability([[]])[0]!, Math.log(0.2), 1e-15, 'P(empty) = P(start → end), normalized')
  assertArilError(t, () => normal3().summarize([[[1, 2], [3, 4]]]), { code: 'ERR_COLUMN_COUNT' }, 'wrong column count')
  assertArilError(t, () => normal3().summarizeBatch(toBatch([1, 2, 3])), { code: 'ERR_INVALID_INPUT', message: /SequenceBatch/ }, 'a plain Batch')
  assertArilError(t, () => normal3().toBatch(toBatch([1, 2, 3])), { code: 'ERR_INVALID_INPUT' }, 'a plain Batch to toBatch')
  assertArilError(t, () => normal3().fit([[1]], { edgeInertai: 0.5 } as never), { code: 'ERR_INVALID_OPTION' }, 'unknown option')
  assertArilError(t, () => normal3().summarize([[1]], { algorithm: 'em' as never }), { code: 'ERR_INVALID_OPTION' }, 'unknown algorithm')
  assertArilError(t, () => normal3().predict([1], { algorithm: 'posterior' as never }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => HiddenMarkovModel.fromJSON({ class: 'HiddenMarkovModel', states: 3 }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => normal3().mergeSummary(casino().summary()), { code: 'ERR_SUMMARY_MISMATCH' }, 'a summary of another model')
  const twoNormals = HiddenMarkovModel.fromMatrix([[1]], [new NormalDistribution(0, 1)], [1])
  const oneDiscrete = HiddenMarkovModel.fromMatrix([[1]], [new DiscreteDistribution({ a: 1 })], [1])
  assertArilError(t, () => twoNormals.mergeSummary(oneDiscrete.summary()), { code: 'ERR_SUMMARY_MISMATCH', message: /NormalDistribution/ }, 'a summary of other emissions')
  assertArilError(t, () => HiddenMarkovModel.fromMatrix([[1]], [new NormalDistribution(0, 1), null], [1, 0]), { code: 'ERR_INVALID_ARGUMENT' })
})

t.test('Viterbi and the forward probability agree with enumerating every path', async t => {
  // normal3 in state order high, low, mid: start, transition and end probabilities by hand
  const names = ['high', 'low', 'mid']
  const byName: Record<string, number> = { low: 0, mid: 1, high: 2 }
  const T = [[0.8, 0.15, 0], [0.1, 0.7, 0.15], [0.05, 0.05, 0.8]]
  const start = [0.5, 0.3, 0.2]
  const end = [0.05, 0.05, 0.1]
  const d = [new NormalDistribution(-2, 1), new NormalDistribution(0, 0.5), new NormalDistribution(3, 1.5)]
  const x = [-2, -1.5, 0.2, 3, 2.5]
  let best = -Infinity
  let bestPath: number[] = []
  let total = 0
  const visit = (path: number[]): void => {
    if (path.length === x.length) {
      let p = start[path[0]!]! * end[path.at(-1)!]!
      path.forEach((s, i) => { p *= Math.exp(d[s]!.logProbability([x[i]!])[0]!) * (i > 0 ? T[path[i - 1]!]![s]! : 1) })
      total += p
      if (Math.log(p) > best) { best = Math.log(p); bestPath = path }
      return
    }
    for (let s = 0; s < 3; s++) visit([...path, s])
  }
  visit([])
  const model = normal3()
  const v = model.viterbi(x)
  assertClose(t, v.logProbability, best, 1e-12, 'Viterbi log-probability')
  t.same(model.predict(x, { algorithm: 'viterbi' }).map(i => byName[names[i]!]), bestPath, 'Viterbi path')
  t.equal(v.path.length, x.length + 2, 'path from start to end')
  assertClose(t, model.logProbability([x])[0]!, Math.log(total), 1e-12, 'forward log-probability')
})

t.test('fromSamples: seeded k-means start on the concatenated rows, then Baum-Welch', async t => {
  const truth = normal3()
  const seqs = draws(truth, 300, 8) as number[][]
  const a = HiddenMarkovModel.fromSamples(NormalDistribution, 3, seqs, { seed: 3, maxIterations: 0, endState: true })
  // the start is the mixture initialization of the same rows (itself checked against sklearn and pomegranate)
  const gmm = GeneralMixtureModel.fromSamples(NormalDistribution, 3, seqs.flat(), { seed: 3, maxIterations: 0 })
  t.same(a.parameters[1], gmm.parameters[0], 'distributions of the k-means clusters')
  assertClose(t, a.denseTransitionMatrix()[0]!, [0.25, 0.25, 0.25, 0, 0.25], 1e-15, 'uniform transitions and end, normalized')
  const b = HiddenMarkovModel.fromSamples(NormalDistribution, 3, seqs, { seed: 3, maxIterations: 30, endState: true, stateNames: ['x', 'y', 'z'] })
  const c = HiddenMarkovModel.fromSamples(NormalDistribution, 3, seqs, { seed: 3, maxIterations: 30, endState: true, stateNames: ['x', 'y', 'z'] })
  t.equal(bitsOf(b.toJSON()), bitsOf(c.toJSON()), 'same seed, same model')
  const means = (b.parameters[1] as number[][]).map(p => p[0]!).sort((u, v) => u - v)
  assertClose(t, means, [-2, 0, 3], 0.25, 'recovers the means', 0.25)
  const sum = (m: HiddenMarkovModel): number => m.logProbability(seqs).reduce((u, v) => u + v, 0)
  t.ok(sum(b) > sum(a), 'training raised the log-likelihood')
  const coins = HiddenMarkovModel.fromSamples(DiscreteDistribution, 2, draws(casino(), 100, 2) as string[][], { seed: 1, maxIterations: 3 })
  t.same((coins.parameters[1] as Array<[Map<string, number>]>).map(([table]) => [...table.keys()]), [['H', 'T'], ['H', 'T']], 'Discrete tables over the symbols seen')
})

t.test('sink: one E-step over streamed SequenceBatch chunks, then the M-step, as summarize + fromSummaries', async t => {
  const seqs = draws(casino(), 1300, 12)
  const one = casino()
  one.summarize(seqs, { algorithm: 'viterbi' })
  one.fromSummaries()
  const all = one.toBatch(seqs)
  const chunks: SequenceBatch[] = []
  let at = 0
  for (const size of randomChunks(seqs.length, 9, 300)) { chunks.push(sliceSequences(all, at, at + size)); at += size }
  const m = casino()
  await pipeline(Readable.from(chunks), m.sink({ algorithm: 'viterbi' }))
  t.equal(bitsOf(m.toJSON()), bitsOf(one.toJSON()))
})

t.test('labeled training: unlabeled sequences get Baum-Welch (pomegranate semi-supervised)', async t => {
  const seqs = [['H', 'H', 'T'], ['T', 'H']]
  const mixed = casino()
  mixed.summarize(seqs, { algorithm: 'labeled', labels: [['fair', 'loaded', 'loaded'], [null, null]] })
  const parts = casino()
  parts.summarize([seqs[0]!], { algorithm: 'labeled', labels: [['fair', 'loaded', 'loaded']] })
  const bw = casino()
  bw.summarize([seqs[1]!])
  const counts = mixed.statistics.transitions as number[]
  const expected = (parts.statistics.transitions as number[]).map((x, i) => x + (bw.statistics.transitions as number[])[i]!)
  assertClose(t, counts, expected, 1e-15, 'transition counts add up')
  const fit = casino().trainBatch(seqs, { algorithm: 'labeled', labels: [['fair', 'loaded', 'loaded'], [null, null]], maxIterations: 2 })
  t.equal(fit.iterations, 2)
})

t.test('the trainer: workers: 2, checkpoints, and a resume mid-epoch give the in-memory bits', async t => {
  const make = (): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.8, 0.2], [0.3, 0.7]], [new NormalDistribution(0, 1), new NormalDistribution(3, 1)], [0.5, 0.5], [0.1, 0.1])
  const seqs = draws(make(), 3000, 1)
  const all = make().toBatch(seqs)
  const cuts = [0, 700, 1500, 2400, 3000]
  const chunks = cuts.slice(1).map((end, i) => sliceSequences(all, cuts[i]!, end))
  const a = make().fit(seqs, { maxIterations: 3 })
  const threads = await make().fitStream(chunks, { maxIterations: 3, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(a.toJSON()), 'workers: 2')
  const states: TrainState[] = []
  const saved = await make().fitStream(chunks, { maxIterations: 3, checkpoint: { save: s => { states.push(s) }, everyBatches: 1 } })
  t.equal(bitsOf(saved.toJSON()), bitsOf(a.toJSON()), 'with checkpoints')
  const mid = states[5]!
  t.ok(mid.epochBatches > 0 && mid.epochBatches < chunks.length, 'a state taken inside an epoch')
  const resumed = await (resumeModel(mid) as HiddenMarkovModel).fitStream(chunks, { maxIterations: 3, resume: mid })
  t.equal(bitsOf(resumed.toJSON()), bitsOf(a.toJSON()), 'resumed')
})

t.test('copy keeps tied states tied and trains independently; IndependentComponents emissions', async t => {
  const profile = HiddenMarkovModel.fromJSON(JSON.parse(fixture<Record<string, { json: string }>>('hmm').profile!.json))
  for (const c of Object.values(fixture<Record<string, { json: string }>>('hmm'))) {
    const json = JSON.parse(c.json)
    const edges = (HiddenMarkovModel.fromJSON(json).toJSON().edges as number[][])
    t.same(edges.map(e => [e[0], e[1], e[3], e[4]]), json.edges.map((e: number[]) => [e[0], e[1], e[3], e[4]]), `${json.name}: pomegranate's edges written back in its order`)
  }
  const copy = profile.copy()
  const inserts = copy.states.filter(s => s.name.startsWith('I')).map(s => s.distribution)
  t.ok(inserts.every(d => d === inserts[0]), 'tied in the copy')
  t.not(inserts[0], profile.states[0]!.distribution, 'not shared with the original')
  const before = stringifyJSON(profile)
  copy.fit([['A', 'C', 'T'], ['A', 'G', 'C', 'T']], { maxIterations: 2 })
  t.equal(stringifyJSON(profile), before, 'the original is unchanged')
  t.not(stringifyJSON(copy), before, 'the copy trained')
  const ic = (a: number, b: number): IndependentComponentsDistribution => new IndependentComponentsDistribution([new NormalDistribution(a, 1), new NormalDistribution(b, 1)])
  const two = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [ic(0, 0), ic(3, -3)], [0.5, 0.5])
  const seq = [[0, 0.2], [3.1, -2.9], [2.8, -3.2]]
  const direct = Math.log(0.5) + ic(0, 0).logProbability([seq[0]!])[0]! + Math.log(0.1) + ic(3, -3).logProbability([seq[1]!])[0]! + Math.log(0.9) + ic(3, -3).logProbability([seq[2]!])[0]!
  assertClose(t, two.viterbi(seq).logProbability, direct, 1e-12, 'Viterbi log-probability by hand')
  const data = (two.sample(100, { seed: 2, length: 20 }) as Float64Array[][]).map(s => s.map(r => Array.from(r)))
  const total = (m: HiddenMarkovModel): number => m.logProbability(data).reduce((u, v) => u + v, 0)
  const start = total(two)
  two.fit(data, { maxIterations: 3 })
  t.ok(total(two) >= start, `EM does not decrease the log-likelihood (${start} → ${total(two)})`)
})

t.test('long runs are cut into pieces of whole sequences without changing a bit', async t => {
  const seqs = casino().sample(300, { seed: 5, length: 400 }) as string[][]
  const one = casino()
  one.summarize(seqs)
  const all = one.toBatch(seqs)
  const m = casino()
  for (let at = 0; at < seqs.length; at += 37) m.summarize(sliceSequences(all, at, Math.min(seqs.length, at + 37)))
  t.equal(bitsOf(m.summary()), bitsOf(one.summary()))
  // logProbability scores the pieces too (120,000 rows: two pieces of PIECE_ROWS), each sequence with the bits it has alone
  const whole = casino().logProbability(seqs)
  const alone = seqs.map(s => casino().logProbability([s])[0]!)
  t.equal(bitsOf(Array.from(whole)), bitsOf(alone), 'logProbability: the bits of each sequence scored alone')
  const normal = draws(normal3(), 200, 6) as number[][]
  t.equal(bitsOf(Array.from(normal3().logProbability(normal))), bitsOf(normal.map(s => normal3().logProbability([s])[0]!)), 'Normal emissions too')
})

t.test('every sequence impossible: fromSummaries and fit refuse, the model unchanged', async t => {
  // Keys "1", "2" (an object's keys are strings) and observations 1, 2 (numbers) are different symbols.
  const hmm = HiddenMarkovModel.fromMatrix([[0.5, 0.5], [0.5, 0.5]], [new DiscreteDistribution({ 1: 0.5, 2: 0.5 }), new DiscreteDistribution({ 1: 0.2, 2: 0.8 })], [0.5, 0.5])
  const before = JSON.stringify(hmm)
  hmm.summarize([[1, 2, 1], [2, 2]])
  assertArilError(t, () => hmm.fromSummaries(), { code: 'ERR_INVALID_INPUT', message: /every one of the 2 sequences summarized is impossible/ })
  t.equal(JSON.stringify(hmm), before)
  assertArilError(t, () => hmm.fit([[1, 2, 1], [2, 2]], { maxIterations: 5 }), { code: 'ERR_INVALID_INPUT' })
  t.equal(JSON.stringify(hmm), before)
  // one possible sequence among impossible ones: it trains on that one
  hmm.clearSummaries()
  hmm.fit([[1, 2, 1], ['1', '2']], { maxIterations: 1 })
  t.not(JSON.stringify(hmm), before)
})

/**
 * GeneralMixtureModel.fromSamples(HiddenMarkovModel, ...): the per-sequence features against
 * their closed forms, the clusters it finds against the HMMs that drew the sequences, and its
 * errors.
 */
import t from 'tap'
import { sliceSequences, toSequenceBatch, type SequenceBatch } from '../../lib/core/sequence.js'
import { passesInMemory, passesOverStream } from '../../lib/train/pass.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { sequenceFeatures, sequenceSample } from '../../lib/models/hmm-mixture-samples.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { assertArilError, assertClose, bitsOf, randomChunks, rejectsArilError } from '../helpers.js'

const zscores = (values: number[]): number[] => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
  return values.map(v => (sd > 0 ? (v - mean) / sd : 0))
}

t.test('features: mean, standard deviation and mean absolute step per number column, symbol shares and change rate, standardized', async t => {
  const numbers = [[1, 3, 2], [4, NaN, 4, 8], [5]]
  const f = sequenceFeatures(toSequenceBatch(numbers))
  t.same([f.rows, f.cols], [3, 3])
  const expected = [
    zscores([2, 16 / 3, 5]),
    zscores([Math.sqrt(2 / 3), Math.sqrt(((4 - 16 / 3) ** 2 * 2 + (8 - 16 / 3) ** 2) / 3), 0]),
    zscores([(2 + 1) / 2, (0 + 4) / 2, 0])
  ]
  for (let c = 0; c < 3; c++) assertClose(t, [0, 1, 2].map(s => f.data[s * 3 + c]!), expected[c]!, 1e-14, `feature ${c}`, 1e-15)

  const symbols = [['A', 'B', 'B', 'A'], ['C', 'C'], ['A', null, 'A', 'C']]
  const g = sequenceFeatures(toSequenceBatch(symbols as never, { categorical: true }))
  t.same([g.rows, g.cols], [3, 4], 'one share per symbol (A, B, C) and the change rate')
  const shares = [[2 / 4, 2 / 4, 0], [0, 0, 1], [2 / 3, 0, 1 / 3]]
  const changes = [2 / 3, 0, 1 / 2]
  for (let c = 0; c < 3; c++) assertClose(t, [0, 1, 2].map(s => g.data[s * 4 + c]!), zscores(shares.map(r => r[c]!)), 1e-14, `share of symbol ${c}`, 1e-15)
  assertClose(t, [0, 1, 2].map(s => g.data[s * 4 + 3]!), zscores(changes), 1e-14, 'change rate', 1e-15)
})

/** n sequences of `length` from each of two HMMs, alternating, with the index of the HMM that drew each. */
function drawn (a: HiddenMarkovModel, b: HiddenMarkovModel, n: number, length: number): { sequences: unknown[][]; truth: number[] } {
  const fromA = a.sample(n, { length, seed: 11 }) as unknown[][]
  const fromB = b.sample(n, { length, seed: 12 }) as unknown[][]
  return { sequences: fromA.flatMap((s, i) => [s, fromB[i]!]), truth: fromA.flatMap(() => [0, 1]) }
}

/** The share of sequences put with the HMM that drew them, under the better of the two labelings. */
function agreement (predicted: ArrayLike<number>, truth: readonly number[]): number {
  let same = 0
  truth.forEach((y, i) => { if (predicted[i] === y) same++ })
  return Math.max(same, truth.length - same) / truth.length
}

t.test('two Normal HMMs with the same states but other transitions: told apart by their step sizes', async t => {
  const states = (): NormalDistribution[] => [new NormalDistribution(0, 1), new NormalDistribution(5, 1)]
  const sticky = HiddenMarkovModel.fromMatrix([[0.95, 0.05], [0.05, 0.95]], states(), [0.5, 0.5])
  const jumpy = HiddenMarkovModel.fromMatrix([[0.1, 0.9], [0.9, 0.1]], states(), [0.5, 0.5])
  const { sequences, truth } = drawn(sticky, jumpy, 60, 80)
  const options = { hmm: { distribution: NormalDistribution, nComponents: 2, seed: 3, maxIterations: 5 }, seed: 1, maxIterations: 10 }
  const model = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences as number[][], options)
  t.equal(model.distributions.length, 2)
  t.ok(agreement(model.predict(sequences as number[][]), truth) >= 0.95, 'at least 95% of the sequences with the HMM that drew them')
  const stay = model.distributions.map(h => h.denseTransitionMatrix()[0]![0]!)
  t.ok(Math.max(...stay) > 0.8 && Math.min(...stay) < 0.3, `one sticky and one jumpy component (self-transitions ${stay.map(p => p.toFixed(2)).join(', ')})`)
  t.equal(bitsOf(GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences as number[][], options).toJSON()), bitsOf(model.toJSON()), 'the same seeds give the same bits')
})

t.test('two Discrete HMMs over other symbols, weighted sequences', async t => {
  const tables = (p: number[]): DiscreteDistribution => new DiscreteDistribution(new Map(['A', 'C', 'G', 'T'].map((k, i) => [k, p[i]!])))
  const a = HiddenMarkovModel.fromMatrix([[0.8, 0.2], [0.2, 0.8]], [tables([0.7, 0.1, 0.1, 0.1]), tables([0.1, 0.7, 0.1, 0.1])], [0.5, 0.5])
  const b = HiddenMarkovModel.fromMatrix([[0.8, 0.2], [0.2, 0.8]], [tables([0.1, 0.1, 0.7, 0.1]), tables([0.1, 0.1, 0.1, 0.7])], [0.5, 0.5])
  const { sequences, truth } = drawn(a, b, 40, 50)
  const weights = truth.map((y, i) => (y === 0 ? 2 : 1) + (i % 3))
  const model = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences as string[][], { hmm: { distribution: DiscreteDistribution, nComponents: 2, seed: 5 }, seed: 2, weights, maxIterations: 5 })
  t.equal(agreement(model.predict(sequences as string[][]), truth), 1, 'every sequence with the HMM that drew it')
  const fromA = weights.reduce((sum, w, i) => sum + (truth[i] === 0 ? w : 0), 0) / weights.reduce((a, b) => a + b, 0)
  const weightOfA = model.parameters[1][model.predict([sequences[0] as string[]])[0]!]!
  assertClose(t, weightOfA, fromA, 1e-3, 'the mixture weight of A is its share of the sequence weights')
})

t.test('errors: coded, before any work', async t => {
  const sequences = [[1, 2, 3], [2, 3], [9, 8, 9, 8]]
  const hmm = { distribution: NormalDistribution, nComponents: 1 }
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, {} as never), { code: 'ERR_INVALID_OPTION', message: /hmm/ }, 'no hmm option')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm, seeds: 1 } as never), { code: 'ERR_INVALID_OPTION', message: /seeds/ }, 'an unknown option')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 4, sequences, { hmm }), { code: 'ERR_INVALID_INPUT', message: /between 1 and the number of sampled sequences of weight > 0 \(3\)/ }, 'more components than sequences')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, [[1, 2], [1, 2], [1, 2]], { hmm }), { code: 'ERR_INVALID_INPUT' }, 'sequences that all look the same')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm, weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' }, 'one weight per sequence')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm, initSequences: 0 }), { code: 'ERR_INVALID_OPTION', message: /initSequences/ }, 'a sample of no sequences')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm, seed: 1.5 }), { code: 'ERR_INVALID_OPTION', message: /seed/ }, 'a seed that is not an integer')
  await rejectsArilError(t, GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, [toSequenceBatch(sequences)], { hmm, weights: [1, 1, 1] }), { code: 'ERR_INVALID_OPTION', message: /weights/ }, 'weights beside a stream')
  await rejectsArilError(t, GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, [toSequenceBatch(sequences)], {} as never), { code: 'ERR_INVALID_OPTION', message: /hmm/ }, 'fromStream without the hmm option')
  const one = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 1, sequences, { hmm, maxIterations: 2 })
  t.same(one.parameters[1], [1], 'k = 1: one component, all the weight')
})

/** A SequenceBatch cut into chunks of random numbers of sequences. */
function chunks (batch: SequenceBatch, seed: number, most: number): SequenceBatch[] {
  const out: SequenceBatch[] = []
  let start = 0
  for (const size of randomChunks(batch.offsets.length - 1, seed, most)) {
    out.push(sliceSequences(batch, start, start + size))
    start += size
  }
  return out
}

t.test('the sample of sequences: uniform by index, the same in memory and for any chunking; fromStream has the bits of fromSamples', async t => {
  const sequences = Array.from({ length: 40 }, (_, s) => (s % 9 === 4 ? [] : Array.from({ length: 1 + (s % 5) }, (_, i) => s * 10 + i)))
  const weights = sequences.map((_, s) => (s % 7 === 3 ? 0 : 1 + (s % 2)))
  const batch = toSequenceBatch(sequences, { weights })
  const kept = sequences.filter((q, s) => q.length > 0 && weights[s]! > 0)
  const all = passesInMemory(sequenceSample(100, 5), batch)
  t.same(Array.from(all.data), kept.flat(), 'a sample larger than the data: every non-empty sequence of weight > 0, in order')
  t.same(Array.from(all.weights!), weights.filter((w, s) => sequences[s]!.length > 0 && w > 0))
  const some = passesInMemory(sequenceSample(10, 5), batch)
  t.equal(some.offsets.length - 1, 10, 'ten sequences')
  t.not(bitsOf(Array.from(passesInMemory(sequenceSample(10, 6), batch).data)), bitsOf(Array.from(some.data)), 'another seed, another sample')
  for (const seed of [1, 2, 3]) {
    const streamed = chunks(batch, seed, 6)
    const sample = passesInMemory(sequenceSample(10, 5), streamed[0]!)
    t.ok(sample.rows <= streamed[0]!.rows, 'one chunk alone gives a sample of its own')
    const fromChunks = await passesOverStream(sequenceSample(10, 5), streamed, X => X as SequenceBatch)
    t.equal(bitsOf([Array.from(fromChunks.data), Array.from(fromChunks.offsets), Array.from(fromChunks.weights!)]), bitsOf([Array.from(some.data), Array.from(some.offsets), Array.from(some.weights!)]), `chunking ${seed}: the same sample`)
  }

  const states = (): NormalDistribution[] => [new NormalDistribution(0, 1), new NormalDistribution(4, 1)]
  const a = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], states(), [0.5, 0.5])
  const b = HiddenMarkovModel.fromMatrix([[0.2, 0.8], [0.8, 0.2]], states(), [0.5, 0.5])
  const drawnSequences = drawn(a, b, 30, 40).sequences as number[][]
  const options = { hmm: { distribution: NormalDistribution, nComponents: 2, seed: 3, maxIterations: 3 }, seed: 4, initSequences: 20, maxIterations: 4 }
  const inMemory = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, drawnSequences, options)
  for (const seed of [7, 8]) {
    const streamed = await GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, chunks(toSequenceBatch(drawnSequences), seed, 9), options)
    t.equal(bitsOf(streamed.toJSON()), bitsOf(inMemory.toJSON()), `fromStream, chunking ${seed}: the bits of fromSamples`)
  }
})

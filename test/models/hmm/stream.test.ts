/** HiddenMarkovModel out of core: fromStream == fromSamples bit for bit, predictStream == predict per sequence, from every sequence source. */
import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toSequenceBatch, type SequenceBatch } from '../../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { readCsv } from '../../../lib/io/csv.js'
import { writeNpy } from '../../../lib/io/npy.js'
import { groupSequences } from '../../../lib/io/sequences-group.js'
import { readSequences } from '../../../lib/io/sequences-ndjson.js'
import { readNpySequences } from '../../../lib/io/sequences-npy.js'
import { formatNdjson, writeNdjson } from '../../../lib/io/write-text.js'
import { HiddenMarkovModel, type HmmPathBatch } from '../../../lib/index.js'
import { assertArilError, bitsOf } from '../../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-hmm-stream-'))

function generator (): HiddenMarkovModel {
  return HiddenMarkovModel.fromMatrix([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.05, 0.15, 0.8]],
    [new NormalDistribution(-2, 1), new NormalDistribution(0, 0.5), new NormalDistribution(3, 1.5)], [0.5, 0.3, 0.2])
}

/** Sequences of lengths 1 … 40 drawn from the generator (1500 of them: more than one 1024-sequence block). */
const sequences = (generator().sample(1500, { seed: 4, length: 40 }) as number[][]).map((s, i) => s.slice(0, 1 + (i * 7) % 40))
const symbols = sequences.map(s => s.map(x => (x < -1 ? 'a' : x < 1 ? 'b' : x < 2.5 ? 'c' : 'd')))

const ndjson = join(dir, 'x.ndjson')
const words = join(dir, 'words.ndjson')
const npy = join(dir, 'x.npy')
const lengths = join(dir, 'lengths.npy')
const csv = join(dir, 'x.csv')
writeFileSync(ndjson, sequences.map(s => JSON.stringify(s)).join('\n') + '\n')
writeFileSync(words, symbols.map(s => JSON.stringify(s)).join('\n') + '\n')
writeFileSync(csv, 'id,x\n' + sequences.flatMap((s, i) => s.map(x => `${i},${x}`)).join('\n') + '\n')
const flat = Float64Array.from(sequences.flat())
await pipeline(Readable.from([{ data: flat, rows: flat.length, cols: 1 }]), writeNpy(npy))
await pipeline(Readable.from([{ data: Float64Array.from(sequences, s => s.length), rows: sequences.length, cols: 1 }]), writeNpy(lengths))

/** Every source of the same sequences, cut into chunks of `maxSequences` sequences. */
const sources = (maxSequences: number): Array<[string, () => Readable | Transform]> => [
  ['readSequences', () => readSequences(ndjson, { maxSequences })],
  ['readNpySequences', () => readNpySequences(npy, { lengths, maxSequences })],
  ['groupSequences', () => readCsv(csv, { columns: true, rowsPerBatch: 333 }).pipe(groupSequences({ by: 0, maxSequences }))]
]

async function collect<T> (stream: AsyncIterable<unknown>): Promise<T[]> {
  const out: T[] = []
  for await (const x of stream) out.push(x as T)
  return out
}

t.test('fromStream has the bits of fromSamples on the same sequences, from every source, with workers: 2', async t => {
  const options = { seed: 7, maxIterations: 3, stopThreshold: -Infinity }
  const memory = HiddenMarkovModel.fromSamples(NormalDistribution, 3, sequences, options)
  const started = HiddenMarkovModel.fromSamples(NormalDistribution, 3, sequences, { ...options, maxIterations: 0 })
  t.not(bitsOf(memory.toJSON()), bitsOf(started.toJSON()), 'the fit moved the model (the comparison is not of starts alone)')
  for (const [name, open] of sources(100)) {
    const streamed = await HiddenMarkovModel.fromStream(NormalDistribution, 3, open, options)
    t.equal(bitsOf(streamed.toJSON()), bitsOf(memory.toJSON()), name)
  }
  const [, open] = sources(256)[1]!
  const threads = await HiddenMarkovModel.fromStream(NormalDistribution, 3, open, { ...options, workers: 2 })
  t.equal(bitsOf(threads.toJSON()), bitsOf(memory.toJSON()), 'workers: 2')
  // the sample is drawn from ALL rows: a start from the first rows alone differs
  const head = HiddenMarkovModel.fromSamples(NormalDistribution, 3, sequences.slice(0, 20), { ...options, maxIterations: 0 })
  t.not(bitsOf(head.toJSON()), bitsOf(started.toJSON()), 'the initialization reads past the first sequences')
})

t.test('fromStream with Discrete emissions: the symbols of one pass over every sequence', async t => {
  const options = { seed: 2, maxIterations: 2, stopThreshold: -Infinity, endState: true, stateNames: ['x', 'y'] }
  const memory = HiddenMarkovModel.fromSamples(DiscreteDistribution, 2, symbols, options)
  const streamed = await HiddenMarkovModel.fromStream(DiscreteDistribution, 2, () => readSequences(words, { maxSequences: 9 }), options)
  t.equal(bitsOf(streamed.toJSON()), bitsOf(memory.toJSON()))
  t.same(streamed.states.slice(0, 2).map(s => s.name), ['x', 'y'])
  const table = (streamed.states[0]!.distribution as DiscreteDistribution).parameters[0] as Map<string, number>
  t.same([...table.keys()].sort(), ['a', 'b', 'c', 'd'], 'every symbol of the file, including the later ones')
})

t.test('fromStream checks its options before reading', async t => {
  let opened = 0
  const open = (): Readable => { opened++; return readSequences(ndjson) }
  await t.rejects(HiddenMarkovModel.fromStream(NormalDistribution, 3, open, { maxIteration: 3 } as never), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(HiddenMarkovModel.fromStream(NormalDistribution, 0, open), { code: 'ERR_INVALID_ARGUMENT' })
  t.equal(opened, 0)
  t.throws(() => HiddenMarkovModel.fromSamples(NormalDistribution, 3, sequences, { seeds: 1 } as never), { code: 'ERR_INVALID_OPTION' })
})

t.test('predictStream gives predict\'s path of every sequence, from every source and chunking', async t => {
  const model = generator()
  for (const algorithm of ['viterbi', 'map'] as const) {
    const expected = sequences.map(s => model.predict(s, { algorithm }))
    const logs = algorithm === 'viterbi' ? sequences.map(s => model.viterbi(s).logProbability) : Array.from(model.logProbability(sequences))
    for (const maxSequences of [1, 37, 1024]) {
      for (const [name, open] of sources(maxSequences)) {
        const chunks = await collect<HmmPathBatch>(open().pipe(model.predictStream({ algorithm, logProbability: true })))
        const paths: number[][] = []
        const lp: number[] = []
        t.ok(chunks.every(c => c.cols === 1), 'one column of states')
        for (const c of chunks) {
          for (let s = 0; s + 1 < c.offsets.length; s++) paths.push(Array.from(c.data.subarray(c.offsets[s], c.offsets[s + 1])))
          lp.push(...c.logProbability!)
        }
        t.equal(bitsOf(paths), bitsOf(expected), `${algorithm}, ${name}, ${maxSequences} sequences per chunk: paths`)
        t.equal(bitsOf(lp), bitsOf(logs), `${algorithm}, ${name}, ${maxSequences}: log-probabilities`)
      }
    }
  }
  const [first] = await collect<HmmPathBatch>(Readable.from([sequences.slice(0, 3)]).pipe(model.predictStream()))
  t.equal(first!.logProbability, undefined, 'no log-probabilities unless asked')
  t.same(Array.from(first!.data), sequences.slice(0, 3).flatMap(s => model.predict(s)), "'map' by default, lists of sequences accepted")
})

t.test('readSequences → predictStream → writeNdjson writes one path per line', async t => {
  const model = generator()
  const out = join(dir, 'paths.ndjson')
  await pipeline(readSequences(ndjson, { maxSequences: 100 }), model.predictStream({ algorithm: 'viterbi' }), writeNdjson(out))
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n')
  t.same(lines.map(l => JSON.parse(l)), sequences.map(s => model.predict(s, { algorithm: 'viterbi' })))
  const withLog = join(dir, 'paths-log.ndjson')
  await pipeline(readSequences(ndjson), model.predictStream({ algorithm: 'viterbi', logProbability: true }), writeNdjson(withLog))
  const first = JSON.parse(readFileSync(withLog, 'utf8').split('\n')[0]!)
  t.same(first, { path: model.predict(sequences[0]!, { algorithm: 'viterbi' }), logProbability: model.viterbi(sequences[0]!).logProbability })
  // the paths file is a sequence file again
  const back = await collect<SequenceBatch>(readSequences(out))
  t.equal(back.reduce((n, b) => n + b.offsets.length - 1, 0), sequences.length)
})

t.test('an impossible sequence: an empty Viterbi path, state 0 everywhere by the posterior (as predict), −Infinity', async t => {
  const model = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [new NormalDistribution(0, 0), new NormalDistribution(5, 0)], [0.5, 0.5])
  const seqs = [[0, 5], [1, 2], [5]]
  for (const algorithm of ['viterbi', 'map'] as const) {
    const [out] = await collect<HmmPathBatch>(Readable.from([toSequenceBatch(seqs)]).pipe(model.predictStream({ algorithm, logProbability: true })))
    const paths = seqs.map((_, s) => Array.from(out!.data.subarray(out!.offsets[s], out!.offsets[s + 1])))
    t.same(paths, seqs.map(s => model.predict(s, { algorithm })), algorithm)
    t.equal(out!.logProbability![1], -Infinity)
  }
  t.same(model.predict([1, 2], { algorithm: 'viterbi' }), [])
  t.same(model.predict([1, 2]), [0, 0])
})

t.test('predictStream errors: options at once, raw bytes, rows without sequences, a bad sequence with its place in the stream', async t => {
  const model = generator()
  assertArilError(t, () => model.predictStream({ algorithm: 'baum-welch' } as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => model.predictStream({ logProbabilities: true } as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => model.predictStream({ logProbability: 1 } as never), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(pipeline(Readable.from([Buffer.from('[1, 2]\n')]), model.predictStream(), writeNdjson(join(dir, 'bytes.ndjson'))), { code: 'ERR_RAW_BYTES', message: /parseJson/ })
  await t.rejects(collect(Readable.from([{ data: Float64Array.of(1, 2), rows: 2, cols: 1 }]).pipe(model.predictStream())), { code: 'ERR_INVALID_INPUT' })
  await t.rejects(collect(Readable.from([7]).pipe(model.predictStream())), { code: 'ERR_INVALID_INPUT' })
  await t.rejects(collect(Readable.from([[[1, 2], [3]], [[4], [5, 6], ['x']]]).pipe(model.predictStream())), { code: 'ERR_NOT_NUMERIC', sequence: 4, message: /sequence 4 of the stream/ })
  await t.rejects(collect(Readable.from([[[1, 2], [3]], [[[4, 4]]]]).pipe(model.predictStream())), { code: 'ERR_COLUMN_COUNT', sequence: 2 })
  const badOffsets = { data: Float64Array.of(1, 2), rows: 2, cols: 1, offsets: Float64Array.of(0, 3, 2) }
  await t.rejects(collect(Readable.from([[[1]], badOffsets]).pipe(model.predictStream())), { code: 'ERR_INVALID_INPUT', sequence: 2 })
  const failing = new Readable({ objectMode: true, read () { this.destroy(new Error('disk gone')) } })
  await t.rejects(pipeline(failing, model.predictStream(), writeNdjson(join(dir, 'fail.ndjson'))), { message: /disk gone/ })
})

t.test('formatNdjson writes a SequenceBatch one sequence per line, observations as rows', async t => {
  const batch = toSequenceBatch([[[1, 2], [3, 4]], [], [[5, NaN]]])
  const text = async (options: { columns?: string[] }): Promise<string> => (await collect<Buffer | string>(Readable.from([batch]).pipe(formatNdjson(options)))).join('')
  t.equal(await text({}), '[[1,2],[3,4]]\n[]\n[[5,null]]\n')
  t.equal(await text({ columns: ['a', 'b'] }), '[{"a":1,"b":2},{"a":3,"b":4}]\n[]\n[{"a":5,"b":null}]\n')
  await t.rejects(text({ columns: ['a'] }), { code: 'ERR_COLUMN_COUNT' })
  const paths = { ...toSequenceBatch([[0, 1], [1]]), logProbability: Float64Array.of(-1.5, -Infinity) }
  t.equal((await collect<string>(Readable.from([paths]).pipe(formatNdjson()))).join(''), '{"path":[0,1],"logProbability":-1.5}\n{"path":[1],"logProbability":null}\n')
})

import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sequenceCount, sliceSequences, toSequenceBatch, type SequenceBatch } from '../../lib/core/sequence.js'
import { writeNpy } from '../../lib/io/npy.js'
import { readNpySequences, type ReadNpySequencesOptions } from '../../lib/io/sequences-npy.js'
import { MarkovChain } from '../../lib/models/markov-chain.js'
import { Random } from '../../lib/core/random.js'
import { assertArilError, bitsOf } from '../helpers.js'
import { collect, rejection } from './sources.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-npyseq-'))

async function write (name: string, values: number[] | number[][], dtype = 'f8'): Promise<string> {
  const file = join(dir, name)
  await pipeline(Readable.from([values]), writeNpy(file, { dtype: dtype as 'f8' }))
  return file
}

/** Sequences of a stream, as lists of rows. */
function unpack (batches: SequenceBatch[]): number[][][] {
  return batches.flatMap(b => Array.from({ length: sequenceCount(b) }, (_, i) => {
    const out: number[][] = []
    for (let r = b.offsets[i]!; r < b.offsets[i + 1]!; r++) out.push(Array.from(b.data.subarray(r * b.cols, (r + 1) * b.cols)))
    return out
  }))
}

const r = new Random(6)
const lengths = Array.from({ length: 2600 }, (_, i) => i % 97 === 0 ? 0 : 1 + Math.floor(r.uniform() * 30))
const seqs = lengths.map(n => Array.from({ length: n }, () => [Math.floor(r.uniform() * 4), r.uniform()]))
const offsets = lengths.reduce((o, n) => [...o, o[o.length - 1]! + n], [0])

t.test('observations + lengths or offsets; sequences spanning read chunks; bounded batches', async t => {
  const x = await write('x.npy', seqs.flat())
  const len = await write('len.npy', lengths, 'i8')
  const off = await write('off.npy', offsets, 'i4')
  const read = async (o: ReadNpySequencesOptions): Promise<SequenceBatch[]> => await collect(readNpySequences(x, o)) as SequenceBatch[]
  const whole = await read({ lengths: len })
  const counted = readNpySequences(x, { lengths: len })
  await collect(counted)
  t.equal(counted.rowsRead, seqs.flat().length, 'rowsRead counts the observations handed on')
  t.equal(bitsOf(unpack(whole)), bitsOf(seqs))
  t.ok(whole.every(b => sequenceCount(b) <= 1024 && b.cols === 2))
  for (const rowsPerBatch of [7, 1000]) {
    t.equal(bitsOf(await read({ lengths: len, rowsPerBatch })), bitsOf(whole), `rowsPerBatch ${rowsPerBatch}: the same batches`)
    t.equal(bitsOf(await read({ offsets: off, rowsPerBatch })), bitsOf(whole), `offsets, rowsPerBatch ${rowsPerBatch}`)
  }
  const small = await read({ lengths: len, maxSequences: 8, maxObservations: 50 })
  t.equal(bitsOf(unpack(small)), bitsOf(seqs))
  t.ok(small.every(b => sequenceCount(b) <= 8 && b.rows < 50 + 30), 'bounded in sequences and rows')
  // a range of sequences, as a shard reads it
  for (const [s, e] of [[0, 1024], [1024, 2048], [2048, 2600], [5, 5], [97, 98]] as Array<[number, number]>) {
    t.equal(bitsOf(unpack(await read({ lengths: len, sequences: [s, e], rowsPerBatch: 13 }))), bitsOf(seqs.slice(s, e)), `lengths, sequences [${s}, ${e})`)
    t.equal(bitsOf(unpack(await read({ offsets: off, sequences: [s, e] }))), bitsOf(seqs.slice(s, e)), `offsets, sequences [${s}, ${e})`)
  }
  // chains from shards merged == chain from the whole file == chain in memory
  const symbols = seqs.map(s => s.map(row => row[0]!))
  const xs = await write('symbols.npy', symbols.flat())
  const memory = MarkovChain.fromSamples(symbols, { k: 2 })
  const streamed = await MarkovChain.fromStream(() => readNpySequences(xs, { lengths: len, rowsPerBatch: 9 }), { k: 2 })
  t.same(streamed.toJSON(), memory.toJSON(), 'fitStream == fit in memory')
  const merged = MarkovChain.blank(2)
  for (const [s, e] of [[2048, 2600], [0, 1024], [1024, 2048]] as Array<[number, number]>) {
    const part = MarkovChain.blank(2)
    for await (const b of readNpySequences(xs, { offsets: off, sequences: [s, e] })) part.summarize(b as SequenceBatch)
    merged.mergeSummary(part.summary())
  }
  merged.fromSummaries()
  t.same(merged.toJSON(), memory.toJSON(), 'shards merged out of order == fit in memory')
  t.ok(sliceSequences(toSequenceBatch([[1]]), 0, 1))
})

t.test('errors: bad lengths and offsets, mismatched totals, ranges, limits, abort, options', async t => {
  const x = await write('e.npy', [1, 2, 3, 4, 5])
  const run = async (o: ReadNpySequencesOptions): Promise<unknown> => rejection(collect(readNpySequences(x, o)))
  t.match(await run({ lengths: await write('l1.npy', [2, 1.5, 2]) }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  t.match(await run({ lengths: await write('l2.npy', [2, -1]) }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  t.match(await run({ lengths: await write('l3.npy', [2, 2]) }), { code: 'ERR_INVALID_INPUT', message: /add up to 4 rows/ })
  t.match(await run({ lengths: await write('l4.npy', [2, 4]) }), { code: 'ERR_INVALID_INPUT', sequence: 1, message: /past the end/ })
  t.match(await run({ lengths: await write('l5.npy', [[1, 2], [2, 0]]) }), { code: 'ERR_INVALID_INPUT', message: /one number per sequence/ })
  t.match(await run({ offsets: await write('o1.npy', [1, 5]) }), { code: 'ERR_INVALID_INPUT', message: /start at 0/ })
  t.match(await run({ offsets: await write('o2.npy', [0, 3, 2, 5]) }), { code: 'ERR_INVALID_INPUT', sequence: 1, message: /decrease/ })
  const l = await write('ok.npy', [2, 3])
  t.match(await run({ lengths: l, sequences: [1, 3] }), { code: 'ERR_NPY_RANGE' })
  t.match(await run({ offsets: await write('o3.npy', [0, 2, 5]), sequences: [3, 4] }), { code: 'ERR_NPY_RANGE' })
  t.match(await run({ lengths: l, maxSequenceLength: 2 }), { code: 'ERR_LIMIT', limit: 'maxSequenceLength', sequence: 1 })
  t.match(await run({ lengths: join(dir, 'missing.npy') }), { code: 'ERR_SOURCE' })
  const controller = new AbortController()
  controller.abort()
  t.match(await run({ lengths: l, signal: controller.signal }), { code: 'ERR_ABORTED' })
  t.same(unpack(await collect(readNpySequences(x, { lengths: l })) as SequenceBatch[]), [[[1], [2]], [[3], [4], [5]]])
  assertArilError(t, () => readNpySequences(x, {}), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => readNpySequences(x, { lengths: l, offsets: l }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => readNpySequences(x, { lengths: l, sequences: [2, 1] }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => readNpySequences(x, { lengths: l, sequence: [0, 1] } as ReadNpySequencesOptions), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => readNpySequences(x, { lengths: 3 as unknown as string }), { code: 'ERR_INVALID_OPTION' })
})

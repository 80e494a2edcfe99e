import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Batch } from '../../lib/core/batch.js'
import { sequenceCount, toSequenceBatch, type SequenceBatch } from '../../lib/core/sequence.js'
import { parseCsv } from '../../lib/io/csv.js'
import { parseSequences, readSequences, type SequencesOptions } from '../../lib/io/sequences-ndjson.js'
import { groupSequences } from '../../lib/io/sequences-group.js'
import { MarkovChain } from '../../lib/models/markov-chain.js'
import { Random } from '../../lib/core/random.js'
import { assertArilError, bitsOf, randomChunks } from '../helpers.js'
import { collect, parseText, rejection } from './sources.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-seq-'))
const parse = async (text: string, options?: SequencesOptions, lengths?: number[]): Promise<SequenceBatch[]> => await parseText(text, parseSequences(options), lengths) as SequenceBatch[]

/** Batches as plain sequences (symbols or numbers, rows for several columns), weights and labels. */
function unpack (batches: Batch[]): { sequences: unknown[][]; weights: number[] | undefined; labels: unknown[] | undefined } {
  const sequences: unknown[][] = []
  let weights: number[] | undefined
  let labels: unknown[] | undefined
  for (const b of batches as SequenceBatch[]) {
    for (let i = 0; i < sequenceCount(b); i++) {
      const s: unknown[] = []
      for (let r = b.offsets[i]!; r < b.offsets[i + 1]!; r++) {
        const row = Array.from({ length: b.cols }, (_, c) => b.categories?.[c]?.[r] ?? (Number.isNaN(b.data[r * b.cols + c]!) ? null : b.data[r * b.cols + c]))
        s.push(b.cols === 1 ? row[0] : row)
      }
      sequences.push(s)
    }
    if (b.weights !== undefined) (weights ??= []).push(...b.weights)
    if (b.stateLabels !== undefined) (labels ??= []).push(...b.stateLabels)
  }
  return { sequences, weights, labels }
}

function randomText (n: number, seed: number): { text: string; sequences: string[][] } {
  const r = new Random(seed)
  const sequences = Array.from({ length: n }, () => Array.from({ length: Math.floor(r.uniform() * 40) }, () => 'ACGT'[Math.floor(r.uniform() * 4)]!))
  return { text: sequences.map(s => JSON.stringify(s)).join('\n') + '\n', sequences }
}

t.test('NDJSON: symbols, numbers, rows, objects with weights and labels', async t => {
  const text = '["A", "B", null]\n\n[1, 2.5]\r\n{"sequence": [true, "x"], "weight": 2, "labels": ["s1", null]}\n[]\n'
  const out = unpack(await parse(text))
  t.same(out.sequences, [['A', 'B', null], [1, 2.5], [true, 'x'], []])
  t.same(out.weights, [1, 1, 2, 1])
  t.same(out.labels, [null, null, null, null, null, 's1', null])
  const rows = unpack(await parse('[[1, 2], [3, null]]\n[[5, "a"]]\n'))
  t.same(rows.sequences, [[[1, 2], [3, null]], [[5, 'a']]], 'multivariate rows')
  const batch = (await parse('[1,2]\n'))[0]!
  t.same(Array.from(batch.offsets), [0, 2])
  t.equal(batch.weights, undefined)
  t.equal(batch.categories, undefined, 'numbers only: no categories')
})

t.test('NDJSON: any chunking gives the same batches; batches bounded in sequences and observations', async t => {
  const { text, sequences } = randomText(3000, 1)
  const whole = await parse(text)
  t.equal(bitsOf(unpack(whole).sequences), bitsOf(sequences))
  t.ok(whole.every(b => sequenceCount(b) <= 1024), 'at most 1024 sequences per batch')
  t.same(whole.map(sequenceCount).slice(0, 2), [1024, 1024])
  for (const seed of [1, 2]) t.equal(bitsOf(await parse(text, {}, randomChunks(Buffer.byteLength(text), seed, 7))), bitsOf(whole), `random chunks ${seed}`)
  t.same(unpack(await parse(text, { sequences: [1000, 1003] })).sequences, sequences.slice(1000, 1003), 'a range of sequences')
  t.match(await rejection(parse(text, { sequences: [3, 1] })), { code: 'ERR_INVALID_OPTION' })
  const small = await parse(text, { maxSequences: 10, maxObservations: 100 })
  t.equal(bitsOf(unpack(small).sequences), bitsOf(sequences))
  // flat memory: no batch grows with the number of sequences
  t.ok(small.every(b => sequenceCount(b) <= 10 && b.rows < 100 + 40), 'bounded batches')
  const many = randomText(20000, 2)
  const big = await parse(many.text, { maxSequences: 10, maxObservations: 100 })
  t.equal(big.length > 6 * small.length, true, 'more sequences, more batches')
  t.ok(Math.max(...big.map(b => b.rows)) < 140, 'seven times the sequences, the same bound per batch')
})

t.test('NDJSON: errors with line, sequence and step; limits', async t => {
  t.match(await rejection(parse('["A"]\n["B"\n')), { code: 'ERR_NDJSON_PARSE', line: 2 })
  t.match(await rejection(parse('["A"]\n\n5\n')), { code: 'ERR_INVALID_INPUT', line: 3, sequence: 1 })
  t.match(await rejection(parse('["A", {"x": 1}]\n')), { code: 'ERR_INVALID_INPUT', line: 1, sequence: 0, row: 1 })
  t.match(await rejection(parse('[[1, 2]]\n[[1, 2], [3]]\n')), { code: 'ERR_COLUMN_COUNT', line: 2, sequence: 1, row: 1 })
  t.match(await rejection(parse('{"sequence": [1], "weight": -1}\n')), { code: 'ERR_INVALID_WEIGHTS', line: 1 })
  t.match(await rejection(parse('{"sequence": [1], "weight": "2"}\n')), { code: 'ERR_INVALID_WEIGHTS', line: 1 })
  t.match(await rejection(parse('{"sequence": [1], "labels": ["a", "b"]}\n')), { code: 'ERR_INVALID_INPUT', line: 1 })
  t.match(await rejection(parse('{"seq": [1]}\n')), { code: 'ERR_INVALID_INPUT', line: 1 })
  t.match(await rejection(parse('[1, 2, 3, 4]\n', { maxSequenceLength: 3 })), { code: 'ERR_LIMIT', limit: 'maxSequenceLength', line: 1, row: 3 })
  t.match(await rejection(parse('[1, 2, 3, 4]\n', { maxLineLength: 5 })), { code: 'ERR_LIMIT', limit: 'maxLineLength' })
  assertArilError(t, () => parseSequences({ maxSequence: 3 } as SequencesOptions), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => parseSequences({ maxSequences: 0 }), { code: 'ERR_INVALID_OPTION' })
  // raw bytes into a model sink are refused, as for every sink
  await t.rejects(pipeline(Readable.from([Buffer.from('["A"]\n')]), MarkovChain.blank(1).sink()), { code: 'ERR_RAW_BYTES' })
})

t.test('readSequences: a file, its errors name it; abort', async t => {
  const { text, sequences } = randomText(2500, 3)
  const path = join(dir, 'seqs.ndjson')
  writeFileSync(path, text)
  t.same(unpack(await collect(readSequences(path))).sequences, sequences)
  writeFileSync(join(dir, 'bad.ndjson'), '["A"]\n[1, [2, 3]]\n')
  t.match(await rejection(collect(readSequences(join(dir, 'bad.ndjson')))), { code: 'ERR_COLUMN_COUNT', line: 2, file: join(dir, 'bad.ndjson') })
  const controller = new AbortController()
  controller.abort()
  t.match(await rejection(collect(readSequences(path, { signal: controller.signal }))), { code: 'ERR_ABORTED' })
  // the chain fitted from the file equals the chain fitted in memory
  const streamed = await MarkovChain.fromStream(() => readSequences(path), { k: 2 })
  const memory = MarkovChain.fromSamples(sequences, { k: 2 })
  t.same(streamed.toJSON(), memory.toJSON(), 'fitStream from readSequences == fit in memory')
})

t.test('groupSequences: consecutive ids, across chunk boundaries; CSV', async t => {
  const csv = 'id,x\n1,A\n1,B\n2,C\n2,C\n2,A\n7,B\n1,A\n'
  for (const lengths of [undefined, Array.from(Buffer.from(csv), () => 1)]) {
    const bytes = Buffer.from(csv)
    const chunks = lengths === undefined ? [bytes] : lengths.map((_, i) => bytes.subarray(i, i + 1))
    const batches = await collect(Readable.from(chunks).pipe(parseCsv({ columns: true, categorical: ['x'], rowsPerBatch: 2 })).pipe(groupSequences({ by: 0 })))
    t.same(unpack(batches).sequences, [['A', 'B'], ['C', 'C', 'A'], ['B'], ['A']], `rows per batch 2 ${lengths === undefined ? '' : '(bytes one by one)'}`)
  }
  const wide = await collect(Readable.from([{ data: Float64Array.of(0, 1, 9, 5, 2, 9, 5, 3, 8), rows: 3, cols: 3 }]).pipe(groupSequences({ by: 2 })))
  t.same(unpack(wide).sequences, [[[0, 1], [5, 2]], [[5, 3]]], 'the id column is taken out, rows of the rest')
  const weighted = await collect(Readable.from([{ data: Float64Array.of(1, 1, 1, 2, 2, 3), rows: 3, cols: 2, weights: Float64Array.of(2, 2, 0.5) }]).pipe(groupSequences({ by: 0 })))
  t.same(unpack(weighted).weights, [2, 0.5])
  // the same chain from grouped rows as from the sequences
  const r = new Random(4)
  const seqs = Array.from({ length: 1500 }, () => Array.from({ length: 1 + Math.floor(r.uniform() * 20) }, () => Math.floor(r.uniform() * 3)))
  const flat: number[] = []
  seqs.forEach((s, i) => s.forEach(x => flat.push(i, x)))
  const rows = { data: Float64Array.from(flat), rows: flat.length / 2, cols: 2 }
  const pieces = (): Readable => {
    const out: Batch[] = []
    let at = 0
    for (const k of randomChunks(rows.rows, 5, 300)) {
      out.push({ data: rows.data.subarray(2 * at, 2 * (at + k)), rows: k, cols: 2 })
      at += k
    }
    return Readable.from(out)
  }
  const grouped = await MarkovChain.fromStream(() => pieces().pipe(groupSequences({ by: 0 })), { k: 1 })
  t.same(grouped.toJSON(), MarkovChain.fromSamples(seqs, { k: 1 }).toJSON(), 'fitStream of groupSequences == fit in memory')
})

t.test('groupSequences: errors and limits', async t => {
  const run = async (chunks: unknown[], by = 0, more = {}): Promise<unknown> => rejection(collect(Readable.from(chunks).pipe(groupSequences({ by, ...more }))))
  t.match(await run([Buffer.from('id,x\n')]), { code: 'ERR_RAW_BYTES' })
  t.match(await run([{ a: 1 }]), { code: 'ERR_INVALID_INPUT' })
  t.match(await run([{ data: Float64Array.of(1, 2), rows: 1, cols: 2 }], 2), { code: 'ERR_COLUMN_COUNT' })
  t.match(await run([{ data: Float64Array.of(1, 2, NaN, 3), rows: 2, cols: 2 }]), { code: 'ERR_INVALID_INPUT', row: 1 })
  t.match(await run([{ data: Float64Array.of(1, 2, 1, 3), rows: 2, cols: 2, weights: Float64Array.of(1, 2) }]), { code: 'ERR_INVALID_WEIGHTS', row: 1, sequence: 0 })
  t.match(await run([{ data: Float64Array.of(1, 2, 1, 3, 1, 4), rows: 3, cols: 2 }], 0, { maxSequenceLength: 2 }), { code: 'ERR_LIMIT', limit: 'maxSequenceLength', row: 2 })
  assertArilError(t, () => groupSequences({} as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => groupSequences({ by: 0, bye: 1 } as never), { code: 'ERR_INVALID_OPTION' })
  t.ok(toSequenceBatch([[1]]))
})

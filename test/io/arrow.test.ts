import t from 'tap'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Bool, Dictionary, Float16, Float32, Float64, Int32, List, Field, Utf8, makeVector, tableFromArrays, tableToIPC, vectorFromArray, RecordBatchFileReader, RecordBatchStreamWriter, Table } from 'apache-arrow'
import { GeneralMixtureModel, NormalDistribution, openFile, readArrow } from '../../lib/index.js'
import { assertArilError, columnOf, readAll, rejectsArilError } from '../helpers.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-arrow-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

const n = 3000
const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10)
const f = Float32Array.from({ length: n }, (_, i) => i / 8)
const k = Array.from({ length: n }, (_, i) => i % 7 === 0 ? null : i % 5)
const big = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n)
const flag = Array.from({ length: n }, (_, i) => i % 3 === 0 ? null : i % 2 === 0)
const color = Array.from({ length: n }, (_, i) => i % 11 === 0 ? null : ['red', 'green', 'blue'][i % 3]!)
const name = Array.from({ length: n }, (_, i) => `row${i % 4}`)
const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 4))

// Written by apache-arrow itself: record batches of 1000 rows, as an IPC file and an IPC stream.
function table (): Table {
  const whole = new Table({
    x: makeVector(x),
    f: makeVector(f),
    k: vectorFromArray(k, new Int32()),
    big: makeVector(big),
    flag: vectorFromArray(flag, new Bool()),
    color: vectorFromArray(color, new Dictionary(new Utf8(), new Int32())),
    name: vectorFromArray(name, new Utf8()),
    w: makeVector(w)
  })
  return new Table([0, 1000, 2000].flatMap(s => whole.slice(s, s + 1000).batches))
}
const arrowFile = join(dir, 'data.arrow')
const arrowStream = join(dir, 'data.arrows')
await writeFile(arrowFile, tableToIPC(table(), 'file'))
await writeFile(arrowStream, tableToIPC(table(), 'stream'))

t.test('an IPC file, an IPC stream from a path and from a byte stream give the same Batches', async t => {
  t.equal(table().batches.length, 3, 'three record batches')
  const fromFile = await readAll(readArrow(arrowFile))
  t.same(fromFile.map(b => b.rows), [1000, 1000, 1000])
  t.same(await readAll(readArrow(arrowStream)), fromFile)
  t.same(await readAll(readArrow(createReadStream(arrowStream))), fromFile)
  t.same(await readAll(readArrow(Readable.toWeb(createReadStream(arrowStream)) as ReadableStream<Uint8Array>)), fromFile, 'a Web ReadableStream')
  t.same(await readAll(readArrow(createReadStream(arrowFile))), fromFile, 'an IPC file as a byte stream (held whole by apache-arrow)')
})

t.test('every column type: floats, nullable ints, 64-bit ints, booleans, (dictionary) strings', async t => {
  const batches = await readAll(readArrow(arrowFile, { rowsPerBatch: 600 }))
  t.same(batches.map(b => b.rows), [600, 400, 600, 400, 600, 400], 'cut inside each record batch')
  t.same(columnOf(batches, 0), Array.from(x))
  t.same(columnOf(batches, 1), Array.from(f))
  t.same(columnOf(batches, 2), k.map(v => v ?? NaN))
  t.same(columnOf(batches, 3), Array.from(big, Number))
  t.same(columnOf(batches, 4), flag.map(v => v === null ? NaN : Number(v)))
  t.same(batches.flatMap(b => b.categories![5]), color)
  t.same(batches.flatMap(b => b.categories![6]), name)
})

t.test('columns, weight, and the counters', async t => {
  const reader = readArrow(arrowFile, { columns: ['f', 'x'], weight: 'w' })
  const batches = await readAll(reader)
  t.same(columnOf(batches, 0), Array.from(f))
  t.same(columnOf(batches, 1), Array.from(x))
  t.same(batches.flatMap(b => Array.from(b.weights!)), Array.from(w))
  t.equal(reader.rowsRead, n)
  t.ok(reader.bytesRead > 0 && reader.bytesRead <= reader.totalBytes!)
  const streamed = readArrow(createReadStream(arrowStream), { columns: ['x'] })
  await readAll(streamed)
  t.equal(streamed.totalBytes, undefined)
  t.ok(streamed.bytesRead > n * 8, 'a byte stream counts the bytes it took')
})

t.test('models fit from Arrow equal the in-memory fits; fitStream picks it by extension', async t => {
  const d = await new NormalDistribution().fitStream(readArrow(arrowFile, { columns: ['x'], weight: 'w' }))
  t.same(d.parameters, new NormalDistribution().fit(x, { weights: w }).parameters)
  const make = (): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(-5, 1), new NormalDistribution(5, 1)])
  const single = join(dir, 'x.feather')
  await writeFile(single, tableToIPC(tableFromArrays({ x }), 'file'))
  const streamed = await make().fitStream(single, { maxIterations: 3 })
  t.same(streamed.parameters, make().fit(x, { maxIterations: 3 }).parameters)
  t.equal((await readAll(openFile(arrowStream))).length, 3)
})

t.test('errors', async t => {
  assertArilError(t, () => readArrow(5 as never), { code: 'ERR_INVALID_OPTION', message: /source/ })
  assertArilError(t, () => readArrow(arrowFile, { columns: 'x' as never }), { code: 'ERR_INVALID_OPTION', message: /columns/ })
  await rejectsArilError(t, readAll(readArrow(join(dir, 'nope.arrow'))), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, readAll(readArrow(arrowFile, { label: 'nope' })), { code: 'ERR_INVALID_OPTION', message: /label/ })
  const junk = join(dir, 'junk.arrow')
  await writeFile(junk, 'not arrow at all, just text that goes on for a while\n'.repeat(4))
  await rejectsArilError(t, readAll(readArrow(junk)), { code: 'ERR_ARROW', file: junk })
  await rejectsArilError(t, readAll(readArrow(Readable.from([Buffer.from('garbage bytes here')]))), { code: 'ERR_ARROW' })
  const nested = join(dir, 'nested.arrow')
  await writeFile(nested, tableToIPC(new Table({ l: vectorFromArray([[1], [2, 3]], new List(new Field('item', new Float64()))) }), 'file'))
  await rejectsArilError(t, readAll(readArrow(nested)), { code: 'ERR_ARROW', column: 'l', message: /nested/ })
  const half = join(dir, 'half.arrow')
  await writeFile(half, tableToIPC(new Table({ h: vectorFromArray([0.5, 2], new Float16()), g: vectorFromArray([1.5, 3], new Float32()), i: makeVector(BigInt64Array.of(1n, 2n)) }), 'file'))
  const [h] = await readAll(readArrow(half))
  t.same(Array.from(h!.data), [0.5, 1.5, 1, 2, 3, 2], 'half floats are decoded, not taken as their bits')
  const controller = new AbortController()
  controller.abort()
  await rejectsArilError(t, readAll(readArrow(arrowFile, { signal: controller.signal })), { code: 'ERR_ABORTED' })
  // a footer that lists a record batch beyond the end of the file
  const bytes0 = tableToIPC(table(), 'file')
  const footerAt = bytes0.length - 10 - new DataView(bytes0.buffer, bytes0.byteOffset + bytes0.length - 10).getInt32(0, true)
  const offset = RecordBatchFileReader.from(bytes0).open().footer!.getRecordBatch(2)!.offset
  const footer = Buffer.from(bytes0.subarray(footerAt))
  const at = footer.indexOf(Buffer.from(BigInt64Array.of(BigInt(offset)).buffer))
  t.ok(at >= 0, 'the block offset is in the footer')
  footer.writeBigInt64LE(BigInt(offset) + 2n ** 30n, at)
  const beyond = join(dir, 'beyond.arrow')
  await writeFile(beyond, Buffer.concat([bytes0.subarray(0, footerAt), footer]))
  await rejectsArilError(t, readAll(readArrow(beyond)), { code: 'ERR_ARROW', file: beyond, message: /outside the file/ })
  const writer = RecordBatchStreamWriter.writeAll(table())
  const bytes = await writer.toUint8Array()
  await rejectsArilError(t, readAll(readArrow(Readable.from([bytes.subarray(0, bytes.length - 5000)]))), { code: 'ERR_ARROW' }, 'a stream cut short')
})

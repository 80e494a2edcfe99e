import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Dictionary, Float64, Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow'
import { MultivariateGaussianDistribution, readArrow, readParquet, type Batch } from '../../lib/index.js'
import { RELEASES_BATCHES, releaseBatch } from '../../lib/core/batch.js'
import { mapBatches } from '../../lib/io/map-batches.js'
import { writeParquetFiles, x, y } from './parquet-files.js'
import { columnOf, readAll } from '../helpers.js'

// The transpose of columns into rows, and the memory of the Batches, for both columnar readers.

const dir = await mkdtemp(join(tmpdir(), 'aril-columnar-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

const n = 3000
const sine = (i: number, scale: number): number => Math.round(Math.sin(i * 0.37) * scale)
/** One column of every typed-array kind apache-arrow hands out, and columns value by value (nulls, dictionary strings). */
const kinds = {
  f64: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10),
  f32: Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 3),
  i8: Int8Array.from({ length: n }, (_, i) => sine(i, 120)),
  i16: Int16Array.from({ length: n }, (_, i) => sine(i, 30000)),
  i32: Int32Array.from({ length: n }, (_, i) => sine(i, 2e9)),
  u8: Uint8Array.from({ length: n }, (_, i) => i % 256),
  u16: Uint16Array.from({ length: n }, (_, i) => (i * 37) % 65536),
  u32: Uint32Array.from({ length: n }, (_, i) => 4e9 - i * 1000),
  g64: Float64Array.from({ length: n }, (_, i) => i / 7)
}
const names = Object.keys(kinds) as Array<keyof typeof kinds>
const nullable = Array.from({ length: n }, (_, i) => i % 9 === 0 ? null : i * 0.5)
const color = Array.from({ length: n }, (_, i) => i % 13 === 0 ? null : ['red', 'green', 'blue'][i % 3]!)
const wide = join(dir, 'wide.arrow')
const wideStream = join(dir, 'wide.arrows')
{
  const whole = new Table({
    ...Object.fromEntries(names.map(name => [name, makeVector(kinds[name])])),
    nullable: vectorFromArray(nullable, new Float64()),
    color: vectorFromArray(color, new Dictionary(new Utf8(), new Int32()))
  })
  const table = new Table([0, 1100, 2200].flatMap(s => whole.slice(s, Math.min(n, s + 1100)).batches))
  await writeFile(wide, tableToIPC(table, 'file'))
  await writeFile(wideStream, tableToIPC(table, 'stream'))
}
/** Each column as the numbers a Batch must hold (the written values, converted by Number). */
const expected: Record<string, number[]> = {
  ...Object.fromEntries(names.map(name => [name, Array.from(kinds[name], Number)])),
  nullable: nullable.map(v => v ?? NaN),
  color: color.map(() => NaN)
}

t.test('every typed-array kind, in every column count the transpose groups (1 to 11 columns)', async t => {
  const every = [...names, 'nullable', 'color']
  for (let cols = 1; cols <= every.length; cols++) {
    // a rotating choice of columns, so every kind lands at every position of a group of four
    const columns = Array.from({ length: cols }, (_, i) => every[(i + cols) % every.length]!)
    for (const rowsPerBatch of [700, 8192]) {
      const batches = await readAll(readArrow(wide, { columns, rowsPerBatch }))
      t.same(batches.map(b => b.cols), batches.map(() => cols))
      t.equal(batches.reduce((s, b) => s + b.rows, 0), n)
      const got = columns.map((_, c) => columnOf(batches, c))
      t.same(got, columns.map(name => expected[name]), `${columns.join(', ')} in Batches of ${rowsPerBatch} rows`)
      const at = columns.indexOf('color')
      if (at >= 0) t.same(batches.flatMap(b => b.categories![at]), color, 'the categories beside their NaNs')
    }
  }
})

t.test('weights and labels of every kind come beside the rows', async t => {
  const batches = await readAll(readArrow(wide, { columns: ['f64', 'i8'], weight: 'u8', label: 'i16', rowsPerBatch: 1000 }))
  t.same(batches.flatMap(b => Array.from(b.weights!)), expected.u8)
  t.same(batches.flatMap(b => Array.from(b.labels!)), expected.i16)
  t.same(columnOf(batches, 1), expected.i8)
})

/** A Writable that copies every batch's rows and then hands the batch back, as a model sink does. */
/** Whether no two of the arrays share a byte of memory. */
function disjoint (arrays: readonly Float64Array[]): boolean {
  const spans = arrays.map(a => ({ buffer: a.buffer, from: a.byteOffset, to: a.byteOffset + a.byteLength }))
  return spans.every((s, i) => spans.every((o, j) => i === j || s.buffer !== o.buffer || s.to <= o.from || o.to <= s.from))
}

interface Seen { rows: number[][]; buffers: Set<ArrayBufferLike>; arrays?: Float64Array[] }

function releasing (seen: Seen): Writable {
  const sink = new Writable({
    objectMode: true,
    write (batch: Batch, _encoding, callback) {
      seen.rows.push(Array.from(batch.data))
      seen.buffers.add(batch.data.buffer)
      seen.arrays?.push(batch.data)
      batch.data.fill(-1)
      releaseBatch(batch)
      callback()
    }
  })
  Object.assign(sink, { [RELEASES_BATCHES]: true })
  return sink
}

t.test('batches lent to a sink that releases them are made in the same few buffers, and are right', async t => {
  for (const columns of [['f64', 'f32'], ['i32', 'nullable', 'color', 'u16', 'g64']]) {
    const seen = { rows: [] as number[][], buffers: new Set<ArrayBufferLike>() }
    await pipeline(readArrow(wide, { columns, rowsPerBatch: 100 }), releasing(seen))
    t.equal(seen.rows.length, 30)
    t.ok(seen.buffers.size <= 4, `${columns.join(', ')}: 30 batches in ${seen.buffers.size} buffers (written over with -1 by the sink after use)`)
    const kept = await readAll(readArrow(wide, { columns, rowsPerBatch: 100 }))
    t.same(seen.rows, kept.map(b => Array.from(b.data)), 'the same rows as batches not lent')
  }
  const model = MultivariateGaussianDistribution.blank(3)
  await pipeline(readArrow(wide, { columns: ['f64', 'f32', 'i16'], rowsPerBatch: 64 }), model.sink())
  const rows = Array.from({ length: n }, (_, i) => [expected.f64![i]!, expected.f32![i]!, expected.i16![i]!])
  t.same(model.parameters, MultivariateGaussianDistribution.blank(3).fit(rows).parameters, 'a model sink fits the rows it was lent')
})

t.test('weights and labels of lent batches are made in reused memory too, and are right', async t => {
  const seen: Array<[number[], number[]]> = []
  const buffers = new Set<ArrayBufferLike>()
  const sink = new Writable({
    objectMode: true,
    write (batch: Batch, _encoding, callback) {
      seen.push([Array.from(batch.weights!), Array.from(batch.labels!)])
      buffers.add(batch.weights!.buffer).add(batch.labels!.buffer)
      releaseBatch(batch)
      callback()
    }
  })
  Object.assign(sink, { [RELEASES_BATCHES]: true })
  // one Float64 column: the rows are a view of Arrow's memory, only the weights and labels are lent
  await pipeline(readArrow(wide, { columns: ['f64'], weight: 'u16', label: 'nullable', rowsPerBatch: 100 }), sink)
  t.ok(buffers.size <= 8, `30 batches' weights and labels in ${buffers.size} buffers`)
  t.same(seen.flatMap(([w]) => w), expected.u16)
  t.same(seen.flatMap(([, l]) => l), expected.nullable)
})

t.test('readParquet lends to a releasing sink too', async t => {
  await writeParquetFiles(dir)
  const file = join(dir, 'data.parquet')
  const seen = { rows: [] as number[][], buffers: new Set<ArrayBufferLike>() }
  await pipeline(readParquet(file, { columns: ['x', 'y'], rowsPerBatch: 100 }), releasing(seen))
  t.equal(seen.rows.length, 25)
  t.ok(seen.buffers.size <= 4, `25 batches in ${seen.buffers.size} buffers`)
  t.same(seen.rows.flat(), Array.from(x).flatMap((v, i) => [v, y[i]!]))
})

t.test('readParquet: kept batches never share memory and hold the file\'s values', async t => {
  await writeParquetFiles(dir)
  const file = join(dir, 'data.parquet')
  const kept = await readAll(readParquet(file, { columns: ['x', 'y'], rowsPerBatch: 100 }))
  t.equal(kept.length, 25)
  t.ok(disjoint(kept.map(b => b.data)), 'memory of its own for every batch')
  t.same(kept.flatMap(b => Array.from(b.data)), Array.from(x).flatMap((v, i) => [v, y[i]!]))
  const one = await readAll(readParquet(file, { columns: ['x'], rowsPerBatch: 100 }))
  t.ok(disjoint(one.map(b => b.data)), 'one column: memory of its own for every batch')
  t.same(one.flatMap(b => Array.from(b.data)), Array.from(x))
})

t.test('a batch a consumer may keep is never written over', async t => {
  const columns = ['f64', 'i32', 'f32']
  const truth = (await readAll(readArrow(wide, { columns, rowsPerBatch: 100 }))).map(b => Array.from(b.data))
  // another 'data' listener besides the releasing sink keeps every batch
  const listened: Batch[] = []
  const source = readArrow(wide, { columns, rowsPerBatch: 100 })
  source.on('data', (batch: Batch) => listened.push(batch))
  const seen: Seen = { rows: [], buffers: new Set(), arrays: [] }
  await pipeline(source, releasing(seen))
  t.equal(seen.arrays!.length, 30)
  t.ok(disjoint(seen.arrays!), 'memory of its own for every batch')
  // the releasing sink wrote -1 over what it was given: the listener's batches are those very arrays
  t.ok(listened.every(b => b.data.every(v => v === -1)), 'the sink wrote over the batches it was given, and no other batch')
  // two sinks on one reader: nothing is lent
  const a: Seen = { rows: [], buffers: new Set(), arrays: [] }
  const b: Seen = { rows: [], buffers: new Set(), arrays: [] }
  const shared = readArrow(wide, { columns, rowsPerBatch: 100 })
  const sinks = [releasing(a), releasing(b)]
  await Promise.all(sinks.map(sink => pipeline(shared, sink)))
  t.ok(a.arrays!.length === 30 && disjoint(a.arrays!), 'two sinks: memory of its own for every batch')
  // a transform in between may keep what it passes on
  const passed: Batch[] = []
  const through: Seen = { rows: [], buffers: new Set(), arrays: [] }
  await pipeline(readArrow(wide, { columns, rowsPerBatch: 100 }), mapBatches((batch: Batch) => { passed.push({ ...batch, data: batch.data.slice() }); return batch }), releasing(through))
  t.ok(through.arrays!.length === 30 && disjoint(through.arrays!), 'through a transform: memory of its own for every batch')
  t.same(passed.map(p => Array.from(p.data)), truth)
  // read with for await and kept: every batch intact after the read, though an IPC file's record
  // batches are all read into one region
  const kept = await readAll(readArrow(wide, { columns, rowsPerBatch: 100 }))
  t.ok(disjoint(kept.map(k => k.data)), 'kept batches: memory of its own for every batch')
  t.same(kept.map(k => Array.from(k.data)), truth)
  // one Float64 column of an IPC file is copied, not a view of memory read into again
  const one = await readAll(readArrow(wide, { columns: ['f64'], rowsPerBatch: 100 }))
  t.ok(disjoint(one.map(k => k.data)), 'one column: memory of its own for every batch')
  t.same(one.flatMap(k => Array.from(k.data)), expected.f64)
  // an IPC stream from a path: apache-arrow reads each record batch into memory of its own, and
  // kept batches are written into the memory of record batches already read
  const fromStream = await readAll(readArrow(wideStream, { columns, rowsPerBatch: 100 }))
  t.ok(disjoint(fromStream.map(k => k.data)), 'an IPC stream, kept batches: memory of its own for every batch')
  t.ok(new Set(fromStream.map(k => k.data.buffer)).size < 30, 'an IPC stream, kept batches: written into the memory of record batches already read')
  t.same(fromStream.map(k => Array.from(k.data)), truth)
  const oneFromStream = await readAll(readArrow(wideStream, { columns: ['f64'], rowsPerBatch: 100 }))
  t.same(oneFromStream.flatMap(k => Array.from(k.data)), expected.f64, 'an IPC stream, one column (views of its record batches)')
})

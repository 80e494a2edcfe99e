import t from 'tap'
import { readFileSync, existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { parse as npyjsParse } from 'npyjs'
import type { Batch } from '../../lib/core/batch.js'
import { loadNpy, parseNpy, readNpy, writeNpy, type ReadNpyOptions } from '../../lib/io/npy.js'
import { eachNpyBatchSync } from '../../lib/io/npy-sync.js'
import { formatHeader } from '../../lib/io/npy-header.js'
import { fixture, rejectsArilError, assertArilError } from '../helpers.js'

interface FixtureFile { file: string; descr: string | null; shape: number[]; version: number[]; values?: Array<number | string>; code?: string; row?: number; column?: number; byteOffset?: number }
const { files, rounding } = fixture<{ files: FixtureFile[]; rounding: Record<string, string> & { values: Array<number | string> } }>('npy')
const DIR = fileURLToPath(new URL('../fixtures/npy/', import.meta.url))

/** The batches of the synchronous reader (io/npy-sync.ts), copied (it reuses its memory). */
function collectSync (file: string, options: ReadNpyOptions = {}): Batch[] {
  const batches: Batch[] = []
  eachNpyBatchSync(file, options, batch => batches.push({ ...batch, data: batch.data.slice() }))
  return batches
}
const decode = (v: number | string): number => typeof v === 'number' ? v : Number(v)
const good = files.filter(f => f.code === undefined)
const bad = files.filter(f => f.code !== undefined)
const bytesOf = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)))

/** Every value of a list of batches, in order, and the batches' row counts. */
function concat (batches: Batch[]): { data: number[]; rows: number[]; cols: number[] } {
  return { data: batches.flatMap(b => Array.from(b.data)), rows: batches.map(b => b.rows), cols: batches.map(b => b.cols) }
}

async function collect (readable: AsyncIterable<unknown>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of readable) out.push(b as Batch)
  return out
}

/** Feeds bytes through parseNpy in chunks of `size` bytes. */
async function parseInChunks (bytes: Uint8Array, size: number, options = {}): Promise<Batch[]> {
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size))
  return collect(Readable.from(chunks).pipe(parseNpy(options)))
}

/** Bit-exact equality of float64 lists (NaN equals NaN, 0 and −0 differ), with the first difference. */
function sameBits (t: Tap.Test, actual: ArrayLike<number>, expected: ArrayLike<number>, message: string): void {
  const a = Array.from(actual)
  const e = Array.from(expected)
  const at = a.length !== e.length ? -2 : a.findIndex((x, i) => !Object.is(x, e[i]))
  t.equal(at, -1, `${message}${at >= 0 ? `: at ${at}, ${a[at]} vs ${e[at]}` : at === -2 ? `: ${a.length} vs ${e.length} values` : ''}`)
}
declare namespace Tap { type Test = import('tap').Test }

t.test('every dtype × byte order × header version reads as numpy reads it (scripts/fixtures/npy.py)', async t => {
  t.ok(good.length >= 70, `${good.length} fixture files`)
  for (const f of good) {
    const batch = loadNpy(bytesOf(f.file))
    const cols = f.shape.slice(1).reduce((a, b) => a * b, 1)
    t.equal(batch.cols, cols, `${f.file}: cols`)
    t.equal(batch.rows, f.shape[0], `${f.file}: rows`)
    sameBits(t, batch.data, f.values!.map(decode), f.file)
  }
})

t.test('chunk boundaries: 1-, 3- and 7-byte chunks through parseNpy split values and rows', async t => {
  for (const f of good) {
    const bytes = bytesOf(f.file)
    const expected = f.values!.map(decode)
    for (const size of [1, 3, 7]) {
      const batches = await parseInChunks(bytes, size, { rowsPerBatch: 2 })
      sameBits(t, concat(batches).data, expected, `${f.file} in ${size}-byte chunks`)
      if (f.shape[0]! > 0 && f.shape.slice(1).every(n => n > 0)) {
        t.same(concat(batches).rows, Array.from({ length: Math.ceil(f.shape[0]! / 2) }, (_, i) => Math.min(2, f.shape[0]! - 2 * i)), `${f.file}: batches of 2 rows`)
      }
    }
  }
  // A whole file in one chunk, and in chunks far larger than a batch.
  const bytes = bytesOf('chunks.npy')
  const whole = concat(await parseInChunks(bytes, bytes.length, { rowsPerBatch: 100 }))
  t.same(whole.rows, [100, 100, 100, 1])
  t.same(whole.cols, [3, 3, 3, 3])
  sameBits(t, whole.data, loadNpy(bytes).data, 'one chunk')
  t.same(concat(await parseInChunks(bytes, 1000)).rows, [301], 'default batch holds about 2 MiB')
})

t.test('shape (n, 0) gives its rows without values in one batch; shape (0, d) gives no batch', async t => {
  t.same(concat(await parseInChunks(bytesOf('shape-3x0.npy'), 5, { rowsPerBatch: 2 })), { data: [], rows: [3], cols: [0] })
  t.same(concat(await collect(readNpy(join(DIR, 'shape-3x0.npy'), { rowsPerBatch: 2 }))), { data: [], rows: [3], cols: [0] })
  t.same(concat(await collect(readNpy(join(DIR, 'shape-3x0.npy'), { start: 1 }))), { data: [], rows: [2], cols: [0] }, 'a row range')
  t.same(await parseInChunks(bytesOf('shape-0x3.npy'), 7), [])
  t.same(loadNpy(bytesOf('shape-0x3.npy')), { data: new Float64Array(0), rows: 0, cols: 3 })
  t.same(await collect(readNpy(join(DIR, 'shape-0x3.npy'))), [])
})

t.test('npyjs reads the same values (little-endian fixtures; npyjs has no big-endian support)', async t => {
  let checked = 0
  for (const f of good) {
    if (f.descr!.startsWith('>')) continue
    const bytes = readFileSync(join(DIR, f.file))
    const theirs = npyjsParse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer)
    const values = Array.from(theirs.data as unknown as ArrayLike<number | bigint>, Number)
    sameBits(t, loadNpy(bytes).data, values, `${f.file} vs npyjs`)
    checked++
  }
  t.ok(checked >= 40, `${checked} files cross-checked`)
})

t.test('readNpy reads every fixture, in any batch size, and row ranges of it', async t => {
  for (const f of good) {
    const expected = f.values!.map(decode)
    sameBits(t, concat(await collect(readNpy(join(DIR, f.file), { rowsPerBatch: 2 }))).data, expected, `readNpy ${f.file}`)
    sameBits(t, concat(collectSync(join(DIR, f.file), { rowsPerBatch: 2 })).data, expected, `eachNpyBatchSync ${f.file}`)
  }
  const file = join(DIR, 'chunks.npy')
  const all = loadNpy(bytesOf('chunks.npy'))
  for (const [start, end, rowsPerBatch] of [[0, 301, 7], [5, 290, 100], [300, 301, 1], [17, 17, 5], [0, 0, 1], [301, 301, 2], [undefined, 10, 4], [290, undefined, 4]] as const) {
    const got = concat(await collect(readNpy(file, { start, end, rowsPerBatch })))
    t.same(concat(collectSync(file, { start, end, rowsPerBatch })), got, `eachNpyBatchSync: the batches of readNpy, [${start}, ${end}) by ${rowsPerBatch}`)
    const s = start ?? 0
    const e = end ?? 301
    sameBits(t, got.data, all.data.subarray(s * 3, e * 3), `rows [${s}, ${e}) in batches of ${rowsPerBatch}`)
    t.ok(got.rows.every((n, i) => n === (i < got.rows.length - 1 ? rowsPerBatch : e - s - rowsPerBatch * i)), `[${s}, ${e}): full batches then the rest`)
  }
  await rejectsArilError(t, collect(readNpy(file, { start: 0, end: 302 })), { code: 'ERR_NPY_RANGE', file })
  await rejectsArilError(t, collect(readNpy(file, { start: 400 })), { code: 'ERR_NPY_RANGE', file })
  await rejectsArilError(t, collect(readNpy(file, { start: 10, end: 5 })), { code: 'ERR_NPY_RANGE', file })
  // the synchronous reader reuses its memory from read to read, but not while a read is in use
  const nested: number[] = []
  eachNpyBatchSync(file, { end: 2 }, outer => {
    eachNpyBatchSync(file, { start: 299 }, inner => nested.push(...inner.data))
    nested.push(...outer.data)
  })
  t.same(nested, [...all.data.subarray(299 * 3), ...all.data.subarray(0, 6)], 'a read inside a read: both intact')
  assertArilError(t, () => collectSync(file, { start: 0, end: 302 }), { code: 'ERR_NPY_RANGE', file })
  assertArilError(t, () => collectSync(file, { rowsPerBatch: 0 }), { code: 'ERR_INVALID_OPTION', message: /rowsPerBatch/ })
  t.throws(() => collectSync(join(DIR, 'no-such-file.npy')), { code: 'ERR_SOURCE', file: join(DIR, 'no-such-file.npy'), cause: { code: 'ENOENT' } })
  assertArilError(t, () => readNpy(file, { start: -1 }), { code: 'ERR_INVALID_OPTION', message: /start/ })
  assertArilError(t, () => readNpy(file, { end: 1.5 }), { code: 'ERR_INVALID_OPTION', message: /end/ })
  assertArilError(t, () => readNpy(file, { rowsPerBatch: 0 }), { code: 'ERR_INVALID_OPTION', message: /rowsPerBatch/ })
  assertArilError(t, () => parseNpy({ maxHeaderSize: -1 }), { code: 'ERR_INVALID_OPTION', message: /maxHeaderSize/ })
  await t.rejects(collect(readNpy(join(DIR, 'no-such-file.npy'))), { code: 'ERR_SOURCE', file: join(DIR, 'no-such-file.npy'), cause: { code: 'ENOENT' } })
})

t.test('refused arrays: Fortran order, 0-d, structured, object, strings, complex, dates, int64 beyond 2^53', async t => {
  t.ok(bad.length >= 10)
  for (const f of bad) {
    const bytes = bytesOf(f.file)
    const file = join(DIR, f.file)
    const expected = { code: f.code!, ...(f.byteOffset === undefined ? {} : { byteOffset: f.byteOffset, row: f.row, column: f.column }) }
    assertArilError(t, () => loadNpy(bytes, { file: f.file }), { ...expected, file: f.file }, `loadNpy ${f.file}`)
    await rejectsArilError(t, parseInChunks(bytes, 3), expected, `parseNpy ${f.file}`)
    await rejectsArilError(t, collect(readNpy(file, { rowsPerBatch: 1 })), { ...expected, file }, `readNpy ${f.file}`)
    assertArilError(t, () => collectSync(file, { rowsPerBatch: 1 }), { ...expected, file }, `eachNpyBatchSync ${f.file}`)
  }
  t.match(String(assertArilError(t, () => loadNpy(bytesOf('fortran-2x3.npy')), { code: 'ERR_NPY_FORTRAN_ORDER' })?.message), /numpy\.ascontiguousarray/)
})

t.test('malformed files: a table of inputs, each error with its code and byte offset, in every reader', async t => {
  const valid = bytesOf('le-f8-v10.npy') // shape (5, 3), header 128 bytes, 120 bytes of data
  const withLength = (n: number): Uint8Array => { const b = valid.slice(); new DataView(b.buffer).setUint16(8, n, true); return b }
  const cases: Array<[string, Uint8Array, Record<string, unknown> & { code: string }]> = [
    ['empty input', new Uint8Array(0), { code: 'ERR_NPY_TRUNCATED', byteOffset: 0 }],
    ['bad magic', Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x00, ...valid.subarray(6)), { code: 'ERR_NPY_MAGIC', byteOffset: 5 }],
    ['a CSV file', new TextEncoder().encode('a,b\n1,2\n'), { code: 'ERR_NPY_MAGIC', byteOffset: 0 }],
    ['ends inside the preamble', valid.slice(0, 9), { code: 'ERR_NPY_TRUNCATED', byteOffset: 9 }],
    ['ends inside the header', valid.slice(0, 100), { code: 'ERR_NPY_TRUNCATED', byteOffset: 100 }],
    ['header length lies (too short)', withLength(40), { code: 'ERR_NPY_HEADER', byteOffset: 50 }],
    ['header length lies (too long)', withLength(126), { code: 'ERR_NPY_HEADER', byteOffset: 128 }],
    ['header length beyond maxHeaderSize', withLength(20000), { code: 'ERR_LIMIT', limit: 'maxHeaderSize', byteOffset: 8 }],
    ['unparsable header', (() => { const b = valid.slice(); b[20] = 0x28; return b })(), { code: 'ERR_NPY_HEADER' }],
    ['data one byte short', valid.slice(0, valid.length - 1), { code: 'ERR_NPY_TRUNCATED', byteOffset: 247 }],
    ['data one row short', valid.slice(0, valid.length - 24), { code: 'ERR_NPY_TRUNCATED', byteOffset: 224 }],
    ['no data at all', valid.slice(0, 128), { code: 'ERR_NPY_TRUNCATED', byteOffset: 128 }],
    ['one trailing byte', Uint8Array.of(...valid, 0), { code: 'ERR_NPY_TRAILING_BYTES', byteOffset: 248 }],
    ['a trailing row', Uint8Array.of(...valid, ...valid.subarray(128, 152)), { code: 'ERR_NPY_TRAILING_BYTES', byteOffset: 248 }]
  ]
  const dir = t.testdir()
  for (const [name, bytes, expected] of cases) {
    assertArilError(t, () => loadNpy(bytes), expected, `loadNpy: ${name}`)
    await rejectsArilError(t, parseInChunks(bytes, Math.max(1, bytes.length)), expected, `parseNpy, one chunk: ${name}`)
    await rejectsArilError(t, parseInChunks(bytes, 1), expected, `parseNpy, 1-byte chunks: ${name}`)
    await rejectsArilError(t, parseInChunks(bytes, 7), expected, `parseNpy, 7-byte chunks: ${name}`)
    const file = join(dir, 'bad.npy')
    writeFileSync(file, bytes)
    await rejectsArilError(t, collect(readNpy(file, { rowsPerBatch: 1 })), { ...expected, file }, `readNpy: ${name}`)
    assertArilError(t, () => collectSync(file, { rowsPerBatch: 1 }), { ...expected, file }, `eachNpyBatchSync: ${name}`)
  }
  // The header may be longer than the first read of readNpy.
  const bigHeader = Uint8Array.of(...formatHeader('<f8', [2], 8192), ...new Uint8Array(Float64Array.of(1.5, -2).buffer))
  writeFileSync(join(dir, 'big-header.npy'), bigHeader)
  t.same(concat(await collect(readNpy(join(dir, 'big-header.npy')))).data, [1.5, -2])
  t.same(concat(await collect(readNpy(join(dir, 'big-header.npy'), { maxHeaderSize: 8192 }))).data, [1.5, -2])
  t.same(concat(collectSync(join(dir, 'big-header.npy'), { maxHeaderSize: 8192 })).data, [1.5, -2])
})

t.test('parseNpy emits the header first, and works after a Web stream', async t => {
  const parser = parseNpy()
  const headers: unknown[] = []
  parser.on('header', h => headers.push(h))
  const batches = await collect(Readable.from([bytesOf('shape-nab.npy')]).pipe(parser))
  t.match(headers, [{ shape: [4, 2, 3], rows: 4, cols: 6, dtype: { descr: '<f8' }, fortranOrder: false, version: [1, 0] }])
  t.equal(batches[0]!.cols, 6)
  const web = Readable.toWeb(Readable.from([bytesOf('chunks.npy')])) as unknown as ReadableStream<Uint8Array>
  const fromWeb = await collect(Readable.fromWeb(web as never).pipe(parseNpy({ rowsPerBatch: 150 })))
  t.same(concat(fromWeb).rows, [150, 150, 1])
})

t.test('batches are fresh: a consumer may keep every one', async t => {
  const batches = await collect(readNpy(join(DIR, 'chunks.npy'), { rowsPerBatch: 10 }))
  const buffers = new Set(batches.map(b => b.data.buffer))
  t.equal(buffers.size, batches.length, 'readNpy: one buffer per batch')
  const parsed = await parseInChunks(bytesOf('chunks.npy'), 4096, { rowsPerBatch: 10 })
  t.equal(new Set(parsed.map(b => b.data.buffer)).size, parsed.length, 'parseNpy: one buffer per batch')
  sameBits(t, concat(batches).data, loadNpy(bytesOf('chunks.npy')).data, 'kept batches are intact')
})

t.test('a model sink hands batches back to readNpy, which reuses their memory only then', async t => {
  const { NormalDistribution } = await import('../../lib/distributions/normal.js')
  const { Writable } = await import('node:stream')
  const dir = t.testdir()
  const x = Float64Array.from({ length: 20000 }, (_, i) => Math.sin(i) * 1e3)
  const file = join(dir, 'x.npy')
  const f4 = join(dir, 'x4.npy')
  await pipeline(Readable.from([x]), writeNpy(file))
  await pipeline(Readable.from([x]), writeNpy(f4, { dtype: 'f4' }))
  const memory = new NormalDistribution().fit(x)
  const memory4 = new NormalDistribution().fit(Float64Array.from(Float32Array.from(x)))
  /** A sink that records the buffers it sees, in front of a model's sink. */
  const watched = (model: InstanceType<typeof NormalDistribution>, buffers: Set<ArrayBufferLike>): InstanceType<typeof Writable> => {
    const sink = model.sink()
    const write = sink._write.bind(sink)
    sink._write = (batch: Batch, encoding, callback) => { buffers.add(batch.data.buffer); write(batch, encoding, callback) }
    return sink
  }
  for (const [path, expected] of [[file, memory], [f4, memory4]] as const) {
    const buffers = new Set<ArrayBufferLike>()
    const model = new NormalDistribution()
    await pipeline(readNpy(path, { rowsPerBatch: 100 }), watched(model, buffers))
    t.same(model.parameters, expected.parameters, `${path}: the same fit as in memory`)
    t.ok(buffers.size < 20, `${path}: 200 batches in ${buffers.size} buffers`)
  }
  // Two sinks on one reader, or another 'data' listener: every batch gets memory of its own.
  const a = new Set<ArrayBufferLike>()
  const b = new Set<ArrayBufferLike>()
  const [ma, mb] = [new NormalDistribution(), new NormalDistribution()]
  const source = readNpy(file, { rowsPerBatch: 100 })
  await Promise.all([ma, mb].map((m, i) => pipeline(source, watched(m, [a, b][i]!))))
  t.same([ma.parameters, mb.parameters], [memory.parameters, memory.parameters], 'two sinks on one reader both fit every row')
  t.equal(a.size, 200, 'and see 200 buffers')
  // A transform in between might keep what it passes on: nothing is lent through it.
  const { mapBatches } = await import('../../lib/io/map-batches.js')
  const passed: Batch[] = []
  const through = new Set<ArrayBufferLike>()
  const md = new NormalDistribution()
  await pipeline(readNpy(file, { rowsPerBatch: 100 }), mapBatches((batch: Batch) => { passed.push(batch); return batch }), watched(md, through))
  t.same(md.parameters, memory.parameters)
  t.equal(through.size, 200, 'through a transform: 200 buffers')
  sameBits(t, concat(passed).data, x, 'batches a transform kept stay intact')
  const kept: Batch[] = []
  const listened = readNpy(file, { rowsPerBatch: 100 }).on('data', (batch: Batch) => kept.push(batch))
  const mc = new NormalDistribution()
  await pipeline(listened, mc.sink())
  t.same(mc.parameters, memory.parameters)
  sameBits(t, concat(kept).data, x, 'batches seen by another listener stay intact')
})

t.test('a reader that releases its batches (the passes of a fit) borrows them; moved buffers come back; the next reader reuses them', async t => {
  const { movableBatch, releaseBatch, releasesBatchesOf } = await import('../../lib/core/batch.js')
  const dir = t.testdir()
  const x = Float64Array.from({ length: 20000 }, (_, i) => Math.cos(i))
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([x]), writeNpy(file))
  const read = async (release: (batch: Batch) => void, mark = true): Promise<{ values: number[]; buffers: Set<ArrayBufferLike>; movable: boolean[] }> => {
    const readable = readNpy(file, { rowsPerBatch: 100 })
    if (mark) releasesBatchesOf(readable)
    const values: number[] = []
    const buffers = new Set<ArrayBufferLike>()
    const movable: boolean[] = []
    for await (const batch of readable as AsyncIterable<Batch>) {
      values.push(...batch.data)
      buffers.add(batch.data.buffer)
      movable.push(movableBatch(batch))
      release(batch)
    }
    return { values, buffers, movable }
  }
  const plain = await read(() => {}, false)
  t.same(plain.values, Array.from(x), 'not marked: every row')
  t.equal(plain.buffers.size, 200, 'not marked: a buffer per batch')
  t.ok(plain.movable.every(m => !m), 'not marked: nothing lent')
  const released = await read(batch => releaseBatch(batch))
  t.same(released.values, Array.from(x), 'marked: every row')
  t.ok(released.movable.every(m => m), 'marked: every batch lent, and movable (alone in its buffer)')
  t.ok(released.buffers.size < 20, `marked and released: 200 batches in ${released.buffers.size} buffers`)
  // a buffer moved away (transferred) comes back as another ArrayBuffer over the same memory
  const handedBack = new Set<ArrayBufferLike>()
  let reused = 0
  const moved = await read(batch => {
    if (handedBack.has(batch.data.buffer)) reused++
    const back = structuredClone(batch.data.buffer as ArrayBuffer, { transfer: [batch.data.buffer as ArrayBuffer] })
    handedBack.add(back)
    releaseBatch(batch, [back])
  })
  t.same(moved.values, Array.from(x), 'moved and handed back: every row intact')
  t.ok(reused > 180, `moved and handed back: ${reused} of 200 batches read into memory handed back`)
  // released after the reader ended: the next reader starts with that memory
  const late: Batch[] = []
  await read(batch => late.push(batch))
  for (const batch of late) releaseBatch(batch)
  const next = await read(batch => releaseBatch(batch))
  t.ok([...next.buffers].some(b => late.some(batch => batch.data.buffer === b)), 'the next reader reuses memory released after its reader ended')
})

t.test('writeNpy round trips every dtype, read by aril and npyjs bit-exactly', async t => {
  const dir = t.testdir()
  const ints: Record<string, number[]> = {
    i1: [-128, 127, 0, -1, 5, 6], i2: [-32768, 32767, 0, -1, 5, 6], i4: [-(2 ** 31), 2 ** 31 - 1, 0, -1, 5, 6],
    i8: [-(2 ** 53), 2 ** 53 - 1, 0, -1, -(2 ** 32) - 1, 2 ** 53], u1: [0, 255, 1, 2, 3, 4], u2: [0, 65535, 1, 2, 3, 4],
    u4: [0, 2 ** 32 - 1, 1, 2, 3, 4], u8: [0, 2 ** 53, 1, 2, 3, 4], b1: [0, 1, 1, 0, 0, 1]
  }
  const floats = [0.1, -0, Infinity, NaN, 1e300, -3.5]
  for (const order of ['<', '>', '']) {
    for (const kind of ['f8', 'f4', 'f2', ...Object.keys(ints)]) {
      const values = ints[kind] ?? floats
      const dtype = order + kind
      const file = join(dir, `${kind}-${order === '>' ? 'be' : 'le'}.npy`)
      // Three batches in three accepted shapes: a Batch, rows of numbers, a { data, shape }.
      await pipeline(Readable.from([
        { data: Float64Array.from(values.slice(0, 2)), rows: 1, cols: 2 },
        [values.slice(2, 4)],
        { data: values.slice(4), shape: [1, 2] }
      ]), writeNpy(file, { dtype }))
      const expected = kind === 'f4' ? values.map(Math.fround) : kind === 'f2' ? [0.0999755859375, -0, Infinity, NaN, Infinity, -3.5] : values
      const bytes = readFileSync(file)
      const batch = loadNpy(bytes)
      t.match(batch, { rows: 3, cols: 2 }, dtype)
      sameBits(t, batch.data, expected, `${dtype} read by aril`)
      if (order !== '>') {
        const theirs = npyjsParse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer)
        t.same(theirs.shape, [3, 2], `${dtype} shape read by npyjs`)
        sameBits(t, Array.from(theirs.data as unknown as ArrayLike<number | bigint>, Number), expected, `${dtype} read by npyjs`)
      }
    }
  }
  // i8 −2^63 is exact in a float64 but beyond ±2^53, so aril refuses to read it back.
  await pipeline(Readable.from([[[-(2 ** 63)]]]), writeNpy(join(dir, 'min.npy'), { dtype: 'i8' }))
  assertArilError(t, () => loadNpy(readFileSync(join(dir, 'min.npy'))), { code: 'ERR_NPY_PRECISION', row: 0, column: 0, byteOffset: 128 })
})

t.test('writeNpy rounds to f4 and f2 exactly as numpy does', async t => {
  const dir = t.testdir()
  const values = rounding.values.map(decode)
  for (const dtype of ['<f2', '>f2', '<f4', '>f4']) {
    const file = join(dir, 'r.npy')
    await pipeline(Readable.from([Float64Array.from(values)]), writeNpy(file, { dtype }))
    const bytes = readFileSync(file)
    t.equal(bytes.subarray(128).toString('hex'), rounding[dtype], `${dtype}: same bytes as numpy astype`)
    t.equal(bytes.subarray(0, 128).toString('latin1').includes(`'descr': '${dtype}'`), true)
  }
})

t.test('writeNpy: shapes, header rewritten with the final count, empty streams', async t => {
  const dir = t.testdir()
  const one = join(dir, 'one.npy')
  await pipeline(Readable.from([[1, 2, 3], Float64Array.of(4, 5)]), writeNpy(one))
  t.match(loadNpy(readFileSync(one)), { rows: 5, cols: 1 })
  t.match(readFileSync(one).subarray(0, 128).toString('latin1'), "'shape': (5,), }")
  const wide = join(dir, 'wide.npy')
  const rows = Array.from({ length: 2500 }, (_, i) => [i, -i, i / 7])
  await pipeline(Readable.from([rows.slice(0, 1000), rows.slice(1000), []]), writeNpy(wide, { cols: 3 }))
  const back = loadNpy(readFileSync(wide))
  t.match(back, { rows: 2500, cols: 3 })
  sameBits(t, back.data, rows.flat(), 'wide values')
  t.equal(readFileSync(wide).length, 128 + 2500 * 24, 'header space reserved once')
  const empty = join(dir, 'empty.npy')
  await pipeline(Readable.from([]), writeNpy(empty))
  t.same(loadNpy(readFileSync(empty)), { data: new Float64Array(0), rows: 0, cols: 1 })
  const empty3 = join(dir, 'empty3.npy')
  await pipeline(Readable.from([]), writeNpy(empty3, { cols: 3, dtype: 'u2' }))
  t.same(loadNpy(readFileSync(empty3)), { data: new Float64Array(0), rows: 0, cols: 3 })
})

t.test('writeNpy errors: bad options, values a dtype cannot hold, wrong column counts; the file is removed', async t => {
  const dir = t.testdir()
  assertArilError(t, () => writeNpy(join(dir, 'x.npy'), { dtype: 'c16' }), { code: 'ERR_INVALID_OPTION', message: /dtype/ })
  assertArilError(t, () => writeNpy(join(dir, 'x.npy'), { dtype: '|f8' }), { code: 'ERR_INVALID_OPTION', message: /dtype/ })
  assertArilError(t, () => writeNpy(join(dir, 'x.npy'), { dtype: 8 as never }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => writeNpy(join(dir, 'x.npy'), { cols: 0 }), { code: 'ERR_INVALID_OPTION', message: /cols/ })
  const cases: Array<[string, unknown[], Record<string, unknown> & { code: string }]> = [
    ['i1', [[[1], [2]], [[300]]], { code: 'ERR_INVALID_INPUT', row: 2, column: 0 }],
    ['u2', [[[1, -1]]], { code: 'ERR_INVALID_INPUT', row: 0, column: 1 }],
    ['i4', [[[1.5]]], { code: 'ERR_INVALID_INPUT', row: 0, column: 0 }],
    ['i8', [[[NaN]]], { code: 'ERR_INVALID_INPUT' }],
    ['i8', [[[2 ** 63]]], { code: 'ERR_INVALID_INPUT', message: /2\^63|9223372036854775807|\)/ }],
    ['u8', [[[2 ** 64]]], { code: 'ERR_INVALID_INPUT' }],
    ['b1', [[[2]]], { code: 'ERR_INVALID_INPUT', message: /boolean/ }],
    ['f8', [[[1, 2]], [[1, 2, 3]]], { code: 'ERR_COLUMN_COUNT' }]
  ]
  for (const [dtype, batches, expected] of cases) {
    const file = join(dir, `${dtype}.npy`)
    await rejectsArilError(t, pipeline(Readable.from(batches), writeNpy(file, { dtype })), expected, `${dtype}: ${JSON.stringify(batches)}`)
    t.notOk(existsSync(file), `${dtype}: partial file removed`)
  }
  await t.rejects(pipeline(Readable.from([[1]]), writeNpy(join(dir, 'no', 'such', 'dir.npy'))), { code: 'ERR_SOURCE', cause: { code: 'ENOENT' } })
})

t.test('a NormalDistribution fitted through readNpy equals the one fitted in memory, bit for bit', async t => {
  const { NormalDistribution } = await import('../../lib/distributions/normal.js')
  const { Random } = await import('../../lib/core/random.js')
  const dir = t.testdir()
  const random = new Random(7)
  const x = Float64Array.from({ length: 30000 }, () => 1e6 + 3 * random.normal())
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([x.subarray(0, 12345), x.subarray(12345)]), writeNpy(file))
  const memory = new NormalDistribution().fit(x)
  for (const rowsPerBatch of [undefined, 1000, 777]) {
    const streamed = new NormalDistribution()
    await pipeline(readNpy(file, { rowsPerBatch }), streamed.sink())
    t.same(streamed.parameters, memory.parameters, `rowsPerBatch ${rowsPerBatch}`)
  }
  const piped = new NormalDistribution()
  await new Promise((resolve, reject) => readNpy(file).pipe(piped.sink()).on('finish', resolve).on('error', reject))
  t.same(piped.parameters, memory.parameters, '.pipe(model.sink())')
  // Shards on block boundaries, summarized apart and merged.
  const shards = [0, 4096, 10240, 30000]
  const merged = new NormalDistribution()
  for (let i = 0; i < 3; i++) {
    const part = new NormalDistribution()
    await pipeline(readNpy(file, { start: shards[i], end: shards[i + 1] }), part.sink({ update: false }))
    merged.mergeSummary(part.summary())
  }
  merged.fromSummaries()
  t.same(merged.parameters, memory.parameters, 'merged shards')
  const web = new NormalDistribution()
  await web.fitStream(Readable.toWeb(readNpy(file, { rowsPerBatch: 999 })) as never)
  t.same(web.parameters, memory.parameters, 'through a Web ReadableStream')
  const parsed = new NormalDistribution()
  await pipeline(Readable.from([readFileSync(file)]), parseNpy({ rowsPerBatch: 500 }), parsed.sink())
  t.same(parsed.parameters, memory.parameters, 'parseNpy')
})

/** Resolves once a stream has emitted 'close' (its file descriptor released). */
const closed = async (stream: Readable): Promise<void> => { if (!stream.closed) await new Promise(resolve => stream.once('close', resolve)) }
const openDescriptors = (): number => readdirSync('/proc/self/fd').length

t.test('an AbortSignal stops the read promptly and closes the file', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc' }, async t => {
  const dir = t.testdir()
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([new Float64Array(100000)]), writeNpy(file))
  const before = openDescriptors()
  const controller = new AbortController()
  const reader = readNpy(file, { rowsPerBatch: 100, signal: controller.signal })
  let seen = 0
  const reading = (async () => {
    for await (const _ of reader) {
      if (++seen === 3) controller.abort(new Error('enough'))
    }
  })()
  await rejectsArilError(t, reading, { code: 'ERR_ABORTED', file })
  t.ok(seen <= 4, `stopped after ${seen} batches`)
  await closed(reader)
  t.equal(openDescriptors(), before, 'file closed')
  // Already aborted: nothing is read.
  const early = readNpy(file, { signal: AbortSignal.abort() })
  await rejectsArilError(t, collect(early), { code: 'ERR_ABORTED' })
  // pipeline's own signal, and the model's sink restores its statistics.
  const { NormalDistribution } = await import('../../lib/distributions/normal.js')
  const model = new NormalDistribution(5, 2)
  const c2 = new AbortController()
  const r2 = readNpy(file, { rowsPerBatch: 10, signal: c2.signal })
  const p = pipeline(r2, model.sink())
  setImmediate(() => c2.abort())
  await t.rejects(p)
  t.same(model.parameters, [5, 2], 'parameters untouched')
  await closed(r2)
  t.equal(openDescriptors(), before, 'file closed after pipeline abort')
  // Breaking out of for await closes the file too.
  const r3 = readNpy(file, { rowsPerBatch: 10 })
  for await (const _ of r3) break
  await closed(r3)
  t.equal(openDescriptors(), before, 'file closed after break')
})

t.test('a file that shrinks while it is read fails instead of reading short', async t => {
  const dir = t.testdir()
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([new Float64Array(100000)]), writeNpy(file))
  let seen = 0
  await rejectsArilError(t, (async () => {
    for await (const _ of readNpy(file, { rowsPerBatch: 10 })) {
      if (++seen === 1) truncateSync(file, 128 + 800)
    }
  })(), { code: 'ERR_NPY_TRUNCATED', file, byteOffset: 128 + 800 })
  t.ok(seen < 100000 / 10, `stopped after ${seen} batches`)
  await pipeline(Readable.from([new Float64Array(100000)]), writeNpy(file))
  let visited = 0
  assertArilError(t, () => eachNpyBatchSync(file, { rowsPerBatch: 10 }, () => { if (++visited === 1) truncateSync(file, 128 + 800) }),
    { code: 'ERR_NPY_TRUNCATED', file, byteOffset: 128 + 800 }, 'the synchronous reader too')
  t.equal(visited, 10, 'after the rows that were there')
})

t.test('backpressure: an unread readNpy stops reading', async t => {
  const dir = t.testdir()
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([new Float64Array(100000)]), writeNpy(file))
  const reader = readNpy(file, { rowsPerBatch: 100 })
  reader.pause()
  reader.on('data', () => {})
  reader.pause()
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(reader.readableLength <= reader.readableHighWaterMark + 1, `buffered ${reader.readableLength} batches, not 1000`)
  reader.destroy()
  const parser = parseNpy({ rowsPerBatch: 100 })
  const source = Readable.from((function * () { const b = readFileSync(file); for (let i = 0; i < b.length; i += 800) yield b.subarray(i, i + 800) })())
  source.pipe(parser)
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(parser.readableLength <= 20, `parseNpy buffered ${parser.readableLength} batches`)
  t.equal(source.readableEnded, false, 'the byte source waits')
  source.destroy()
  parser.destroy()
})

t.test('loadNpy takes an ArrayBuffer', async t => {
  const bytes = bytesOf('le-i2-v20.npy')
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
  t.same(loadNpy(copy as ArrayBuffer), loadNpy(bytes))
})

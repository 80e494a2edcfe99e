import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { Batch } from '../../lib/core/batch.js'
import { loadNpy, parseNpy, readNpy, type ReadNpyOptions } from '../../lib/io/npy.js'
import { batchRows } from '../../lib/io/npy-decoder.js'
import { formatHeader } from '../../lib/io/npy-header.js'
import { assertArilError, rejectsArilError } from '../helpers.js'
import { watched } from '../watchdog.js'
import { collect } from './sources.js'

/** An `.npy` file whose header is `dict` (version 1.0, padded as numpy pads it), followed by `data`. */
function crafted (dict: string, data: ArrayLike<number> = []): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64
  const out = new Uint8Array(total + data.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
  new DataView(out.buffer).setUint16(8, total - 10, true)
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i)
  out.fill(0x20, 10 + dict.length, total - 1)
  out[total - 1] = 0x0a
  out.set(data, total)
  return out
}

const dict = (shape: string, descr = '<f8'): string => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`

/** Feeds bytes through parseNpy in chunks of `size` bytes. */
async function parseInChunks (bytes: Uint8Array, size: number, options: ReadNpyOptions = {}): Promise<Batch[]> {
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size))
  return collect(Readable.from(chunks).pipe(parseNpy(options)))
}

/** The same error from loadNpy, parseNpy (whole and in 1-byte chunks) and readNpy. */
async function everyReader (t: Tap.Test, bytes: Uint8Array, expected: Record<string, unknown> & { code: string }, name: string, options: ReadNpyOptions = {}): Promise<void> {
  assertArilError(t, () => loadNpy(bytes, options), expected, `loadNpy: ${name}`)
  await rejectsArilError(t, parseInChunks(bytes, bytes.length, options), expected, `parseNpy: ${name}`)
  await rejectsArilError(t, parseInChunks(bytes, 1, options), expected, `parseNpy, 1-byte chunks: ${name}`)
  const file = join(t.testdir(), 'crafted.npy')
  writeFileSync(file, bytes)
  await rejectsArilError(t, collect(readNpy(file, options)), { ...expected, file }, `readNpy: ${name}`)
}
declare namespace Tap { type Test = import('tap').Test }

t.test('shape (2^53 − 1, 0) in 128 bytes: one batch of rows without values, no hang, timers still fire (issue 9)', async t => {
  const bytes = formatHeader('<f8', [Number.MAX_SAFE_INTEGER, 0])
  t.equal(bytes.length, 128)
  const file = join(t.testdir(), 'zero.npy')
  // In a worker under a deadline: parseNpy once emitted 3.4e10 empty batches in one synchronous call.
  const got = await watched<Record<string, unknown>>(new URL('./watched.ts', import.meta.url), 'zeroWidthNpy', [bytes, file], 60_000)
  const one = [[Number.MAX_SAFE_INTEGER, 0, 0]]
  t.same(got, { parsed: one, read: one, loaded: one[0], timerFired: true })
})

t.test('a header nested 9,850 deep is ERR_LIMIT (maxHeaderDepth), not a stack overflow (issue 9)', async t => {
  const deep = crafted("{'descr': " + '['.repeat(9850))
  t.ok(deep.length < 10000, 'within the default maxHeaderSize')
  // The 33rd open bracket, at byte 10 (preamble) + 41.
  await everyReader(t, deep, { code: 'ERR_LIMIT', limit: 'maxHeaderDepth', byteOffset: 51, message: /Limit maxHeaderDepth = 32 exceeded .*raise it with the option maxHeaderDepth/ }, '9,850 deep')
  await everyReader(t, deep, { code: 'ERR_LIMIT', limit: 'maxHeaderDepth', byteOffset: 10 + 10 + 999 }, 'the largest limit allowed', { maxHeaderDepth: 1000 })
  // Raised, a 40-deep header gets as far as its (refused) dtype.
  const structured = crafted(`{'descr': ${'['.repeat(39)}${']'.repeat(39)}, 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(8))
  await everyReader(t, structured, { code: 'ERR_LIMIT', limit: 'maxHeaderDepth' }, '40 deep')
  await everyReader(t, structured, { code: 'ERR_NPY_DTYPE' }, '40 deep with maxHeaderDepth 64', { maxHeaderDepth: 64 })
  for (const bad of [0, 1001, 1.5, '32']) assertArilError(t, () => parseNpy({ maxHeaderDepth: bad as number }), { code: 'ERR_INVALID_OPTION', message: /maxHeaderDepth/ }, String(bad))
})

t.test('sizes the bytes do not hold: a coded error, nothing allocated from the header (issue 9)', async t => {
  const eight = new Uint8Array(8)
  await everyReader(t, crafted(dict('(1, 1000000000000)'), eight), { code: 'ERR_LIMIT', limit: 'maxColumns', byteOffset: 10, message: /rows of 1000000000000 values/ }, '(1, 1e12)')
  await everyReader(t, crafted(dict('(5000000000,)'), eight), { code: 'ERR_NPY_TRUNCATED', byteOffset: 136, message: /expected 40000000000 bytes of data/ }, '(5e9,)')
  await everyReader(t, crafted(dict('(1, 16777216)'), eight), { code: 'ERR_NPY_TRUNCATED', byteOffset: 136 }, '(1, 2^24) with maxColumns 2^24', { maxColumns: 2 ** 24 })
  await everyReader(t, crafted(dict('(3, 1048577)', '|u1'), eight), { code: 'ERR_LIMIT', limit: 'maxColumns' }, 'a row one value over the default maxColumns')
  await everyReader(t, crafted(dict('(2, 3)', '|u1'), new Uint8Array(6)), { code: 'ERR_LIMIT', limit: 'maxColumns', message: /Limit maxColumns = 2 exceeded by rows of 3 values/ }, 'maxColumns 2', { maxColumns: 2 })
  // Sizes whose product is not finite are one error, not NaN.
  await everyReader(t, crafted(dict(`(1, ${'9007199254740991, '.repeat(20)}1)`), eight), { code: 'ERR_NPY_HEADER', message: /too large/ }, 'an infinite product')
  const empty = loadNpy(crafted(dict(`(2, ${'9007199254740991, '.repeat(20)}0)`)))
  t.same([empty.rows, empty.cols], [2, 0], 'a 0 among huge sizes is rows of no values')
  for (const bad of [0, 2 ** 24 + 1, 2.5]) assertArilError(t, () => readNpy('x.npy', { maxColumns: bad }), { code: 'ERR_INVALID_OPTION', message: /maxColumns/ }, String(bad))
})

t.test('a batch grows with the bytes that arrive and keeps every bit', async t => {
  const values = Float64Array.from({ length: 300001 }, (_, i) => Math.sin(i) * 1e300)
  const bytes = Buffer.concat([formatHeader('<f8', [values.length]), new Uint8Array(values.buffer)])
  for (const size of [65536, 1_000_003]) {
    const batches = await parseInChunks(bytes, size, { rowsPerBatch: 1e6 })
    t.same(batches.map(b => b.rows), [values.length], `${size}-byte chunks: one batch past the first 2 MiB`)
    t.ok(batches[0]!.data.every((x, i) => Object.is(x, values[i])), 'same bits')
  }
  t.ok(loadNpy(bytes).data.every((x, i) => Object.is(x, values[i])), 'loadNpy: the same')
})

t.test('batchRows: about 2 MiB by default, at most 2^24 values, all rows of no values at once', async t => {
  t.equal(batchRows(3, undefined), 87381)
  t.equal(batchRows(2 ** 22, 10), 4, 'rowsPerBatch 10 of 2^22 values would be 2^25.3 values')
  t.equal(batchRows(2 ** 24, 10), 1, 'at least one row')
  t.equal(batchRows(5, 1000), 1000)
  t.equal(batchRows(0, 2), Number.MAX_SAFE_INTEGER, 'shape (n, 0): one batch, whatever rowsPerBatch says')
  assertArilError(t, () => batchRows(0, 0), { code: 'ERR_INVALID_OPTION', message: /rowsPerBatch/ })
})

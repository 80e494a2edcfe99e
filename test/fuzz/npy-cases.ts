/**
 * The `.npy` fuzz suite, run in a worker by npy.test.ts: generated files (every dtype, byte order,
 * version, header spelling and shape, including sizes the bytes do not hold), half of them then
 * mutated (bytes set, inserted, deleted, the file cut). Each file goes through loadNpy, parseNpy
 * (random chunks) and, for one in eight, readNpy. The property: every reader ends, throws only
 * ArilErrors, all of them accept or all refuse, and what they accept is what a plain reference
 * decoder written here (numpy's rules, its own header parser, a DataView per value) reads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import type { Batch } from '../../lib/core/batch.js'
import { ArilError } from '../../lib/core/errors.js'
import { loadNpy, parseNpy, readNpy } from '../../lib/io/npy.js'
import type { FuzzReport } from './settings.js'

const DESCRS = ['<f8', '>f8', '<f4', '>f4', '<f2', '>f2', '|i1', '<i2', '>i2', '<i4', '>i4', '<i8', '>i8', '|u1', '<u2', '>u2',
  '<u4', '>u4', '<u8', '>u8', '|b1', 'f8', '=f4', 'i2', '|f8', '<c16', '|O', '<U3', '<f1', '|b2', '<f16']

interface Spec {
  descr: string
  fortran: boolean
  dims: number[]
  version: number
  quote: string
  space: string
  order: number
  trailingComma: boolean
  long: boolean
  body: Uint8Array
  lengthDelta: number
}

const spec: fc.Arbitrary<Spec> = fc.record({
  descr: fc.constantFrom(...DESCRS),
  fortran: fc.boolean(),
  // Mostly small sizes, some that the bytes cannot hold; now and then no dimension at all (a 0-d array).
  dims: fc.oneof(
    { weight: 12, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 20 + 1, 2 ** 53 - 1, 1e12, 5e9, 65536) }), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constant<number[]>([]) }),
  version: fc.constantFrom(1, 1, 2, 3),
  quote: fc.constantFrom("'", '"'),
  space: fc.constantFrom(' ', '', '  ', '\t'),
  order: fc.integer({ min: 0, max: 5 }),
  trailingComma: fc.boolean(),
  long: fc.boolean().chain(b => b ? fc.boolean() : fc.constant(false)),
  body: fc.uint8Array({ maxLength: 512 }),
  lengthDelta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -9, max: 9 }) })
})

type Mutation = { kind: 'set' | 'insert' | 'delete' | 'cut'; at: number; byte: number }
const BYTES = [0x5b, 0x28, 0x29, 0x2c, 0x27, 0x20, 0x0a, 0x30, 0x37, 0x39, 0x4c, 0x2d, 0x7b, 0x7d, 0x00, 0xff]
const mutations: fc.Arbitrary<Mutation[]> = fc.array(fc.record({
  kind: fc.constantFrom('set', 'set', 'insert', 'delete', 'cut'),
  at: fc.nat(),
  byte: fc.oneof(fc.constantFrom(...BYTES), fc.integer({ min: 0, max: 255 }))
}), { maxLength: 3 })

/** The bytes of a file as `s` describes it: numpy's layout, with the header spelled as `s` says. */
function build (s: Spec): Uint8Array {
  const q = s.quote
  const dims = s.dims.map(n => `${n}${s.long ? 'L' : ''}`)
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(`,${s.space}`)})`
  const items = [`${q}descr${q}:${s.space}${q}${s.descr}${q}`, `${q}fortran_order${q}:${s.space}${s.fortran ? 'True' : 'False'}`, `${q}shape${q}:${s.space}${shape}`]
  const order = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]][s.order]!
  const dict = `{${order.map(i => items[i]).join(`,${s.space}`)}${s.trailingComma ? ',' : ''}}`
  const preamble = s.version === 1 ? 10 : 12
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64
  const item = Number(/\d+$/.exec(s.descr)?.[0] ?? 8)
  const count = s.dims.reduce((a, b) => a * b, 1)
  // The data the header announces when it is small; otherwise (sizes the bytes do not hold) the random body.
  const nominal = Number.isSafeInteger(count * item) && count * item <= 4096 ? count * item : s.body.length
  const length = Math.max(0, nominal + s.lengthDelta)
  const out = new Uint8Array(total + length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, s.version, 0])
  const view = new DataView(out.buffer)
  if (preamble === 10) view.setUint16(8, total - 10, true)
  else view.setUint32(8, total - 12, true)
  out.set(new TextEncoder().encode(dict), preamble)
  out.fill(0x20, preamble + dict.length, total - 1)
  out[total - 1] = 0x0a
  for (let i = 0; i < length; i++) out[total + i] = s.body[i % Math.max(1, s.body.length)] ?? i
  return out
}

function mutate (bytes: Uint8Array, list: Mutation[]): Uint8Array {
  let b = Array.from(bytes)
  for (const m of list) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' ? 1 : 0))
    if (m.kind === 'set' && b.length > 0) b[at] = m.byte
    else if (m.kind === 'insert') b.splice(at, 0, m.byte)
    else if (m.kind === 'delete') b.splice(at, 1)
    else if (m.kind === 'cut') b = b.slice(0, at)
  }
  return Uint8Array.from(b)
}

/** What numpy reads, by a decoder of its own: rows, columns and values, or why aril must refuse it. */
type Reference = { rows: number; cols: number; values: number[] } | 'refused' | 'fortran' | 'precision'

/** The Python literals of a numpy header: a dict of strings, True/False and tuples of integers. */
function literal (text: string, long: boolean): Map<string, unknown> | undefined {
  const tokens = text.match(/'[^'\\\n]*'|"[^"\\\n]*"|-?(?:0+|[1-9]\d*)L?(?![\w.])|True|False|[{}():,]|[ \t\r\n]+|./g) ?? []
  const list = tokens.filter(s => !/^[ \t\r\n]+$/.test(s))
  let i = 0
  const int = (s: string | undefined): number | undefined => s !== undefined && /^-?\d+L?$/.test(s) && (long || !s.endsWith('L')) ? Number(s.replace('L', '')) + 0 : undefined
  const value = (): unknown => {
    const s = list[i++]
    if (s === undefined) return undefined
    if (/^['"]/.test(s)) return s.slice(1, -1)
    if (s === 'True' || s === 'False') return s === 'True'
    if (s !== '(') return undefined
    const items: number[] = []
    let commas = 0
    while (list[i] !== ')') {
      const n = int(list[i++])
      if (n === undefined) return undefined
      items.push(n)
      if (list[i] === ',') { i++; commas++ } else if (list[i] !== ')') return undefined
    }
    i++
    return items.length === 1 && commas === 0 ? undefined : items
  }
  if (list[i++] !== '{') return undefined
  const out = new Map<string, unknown>()
  while (list[i] !== '}') {
    const key = list[i++]
    if (key === undefined || !/^['"]/.test(key) || list[i++] !== ':') return undefined
    const v = value()
    if (v === undefined) return undefined
    out.set(key.slice(1, -1), v)
    if (list[i] === ',') i++
    else if (list[i] !== '}') return undefined
  }
  return i === list.length - 1 ? out : undefined
}

function half (h: number): number {
  const sign = h >> 15 === 1 ? -1 : 1
  const e = (h >> 10) & 31
  const f = h & 1023
  if (e === 31) return f === 0 ? sign * Infinity : NaN
  return e === 0 ? sign * f / 2 ** 24 : sign * (1 + f / 1024) * 2 ** (e - 15)
}

function reference (bytes: Uint8Array): Reference {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
  if (bytes.length < 12 || magic.some((m, i) => bytes[i] !== m) || ![1, 2, 3].includes(bytes[6]!) || bytes[7] !== 0) return 'refused'
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = bytes[6]!
  const start = version === 1 ? 10 : 12
  const length = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  if (length > 10000 || start + length > bytes.length) return 'refused'
  const raw = bytes.subarray(start, start + length)
  const text = version === 3 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw)
  const dict = literal(text, version < 3)
  if (dict === undefined || dict.size !== 3) return 'refused'
  const descr = dict.get('descr')
  const fortran = dict.get('fortran_order')
  const shape = dict.get('shape')
  const dtype = typeof descr === 'string' ? /^([<>|=]?)([fiub])([1248])$/.exec(descr) : null
  if (dtype === null || typeof fortran !== 'boolean' || !Array.isArray(shape) || shape.length === 0 || shape.some(n => n < 0)) return 'refused'
  const [, order, kind, sizeText] = dtype
  const size = Number(sizeText)
  if ((kind === 'f' && size === 1) || (kind === 'b' && size !== 1)) return 'refused'
  const count = (shape as number[]).reduce((a, b) => a * b, 1)
  const data = start + length
  if (count * size !== bytes.length - data) return 'refused'
  if (fortran && (shape as number[]).filter(n => n > 1).length > 1) return 'fortran'
  const le = order !== '>'
  const values: number[] = []
  for (let k = 0; k < count; k++) {
    const at = data + k * size
    let x: number
    if (kind === 'b') x = bytes[at] === 0 ? 0 : 1
    else if (kind === 'f') x = size === 8 ? view.getFloat64(at, le) : size === 4 ? view.getFloat32(at, le) : half(view.getUint16(at, le))
    else if (size === 8) {
      const big = kind === 'i' ? view.getBigInt64(at, le) : view.getBigUint64(at, le)
      if (big > 2n ** 53n || big < -(2n ** 53n)) return 'precision'
      x = Number(big)
    } else if (size === 1) x = kind === 'i' ? view.getInt8(at) : view.getUint8(at)
    else if (size === 2) x = kind === 'i' ? view.getInt16(at, le) : view.getUint16(at, le)
    else x = kind === 'i' ? view.getInt32(at, le) : view.getUint32(at, le)
    values.push(x)
  }
  const rest = (shape as number[]).slice(1)
  return { rows: shape[0] as number, cols: rest.includes(0) ? 0 : rest.reduce((a, b) => a * b, 1), values }
}

type Outcome = { rows: number; cols: number; values: number[] } | { code: string }

async function outcome (read: () => Promise<Batch[]> | Batch[]): Promise<Outcome> {
  try {
    const batches = await read()
    return { rows: batches.reduce((n, b) => n + b.rows, 0), cols: batches[0]?.cols ?? -1, values: batches.flatMap(b => Array.from(b.data)) }
  } catch (err) {
    if (!(err instanceof ArilError)) throw new Error(`not an ArilError: ${String(err)}`, { cause: err })
    return { code: err.code }
  }
}

async function collect (stream: AsyncIterable<unknown>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of stream) out.push(b as Batch)
  return out
}

const sameValues = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (x !== x && b[i] !== b[i]))

/** Runs `runs` cases; throws fast-check's counterexample when the property fails. */
export async function fuzzNpy (runs: number, seed: number, progress: (note: string) => void): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'aril-fuzz-npy-'))
  const outcomes: Record<string, number> = {}
  let n = 0
  try {
    await fc.assert(fc.asyncProperty(spec, fc.oneof(fc.constant([] as Mutation[]), mutations), fc.integer({ min: 1, max: 97 }), async (s, list, chunk) => {
      const bytes = mutate(build(s), list)
      progress(`case ${n}: ${Buffer.from(bytes.subarray(0, 200)).toString('latin1')} (${bytes.length} bytes, chunks of ${chunk})`)
      const loaded = await outcome(() => {
        const b = loadNpy(bytes)
        return b.rows === 0 ? [] : [b]
      })
      const parsed = await outcome(async () => {
        const chunks: Uint8Array[] = []
        for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.slice(at, at + chunk))
        return collect(Readable.from(chunks).pipe(parseNpy({ rowsPerBatch: 1 + (chunk % 5) })))
      })
      const all = [loaded, parsed]
      if (n++ % 8 === 0) {
        const file = join(dir, 'case.npy')
        writeFileSync(file, bytes)
        all.push(await outcome(() => collect(readNpy(file, { rowsPerBatch: 1 + (chunk % 3) }))))
      }
      const accepted = all.filter(o => !('code' in o))
      const key = 'code' in loaded ? loaded.code : 'accepted'
      outcomes[key] = (outcomes[key] ?? 0) + 1
      if (accepted.length === 0) return true
      if (accepted.length !== all.length) throw new Error(`readers disagree: ${JSON.stringify(all.map(o => 'code' in o ? o.code : 'accepted'))}`)
      const ref = reference(bytes)
      if (typeof ref === 'string') throw new Error(`accepted what numpy's rules refuse (${ref})`)
      for (const o of accepted as Array<{ rows: number; cols: number; values: number[] }>) {
        // A reader emits no batch for zero rows, so the column count is then unknown.
        if (o.rows !== ref.rows || (ref.rows > 0 && o.cols !== ref.cols) || !sameValues(o.values, ref.values)) {
          throw new Error(`read ${o.rows}×${o.cols} ${JSON.stringify(o.values.slice(0, 8))}, numpy ${ref.rows}×${ref.cols} ${JSON.stringify(ref.values.slice(0, 8))}`)
        }
      }
      return true
    }), { numRuns: runs, seed, includeErrorInReport: true })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { runs: n, outcomes }
}

/**
 * The `.npy` header: reading and writing it, nothing else.
 *
 * Format (numpy's `numpy/lib/format.py`, NEP 1): the 6 magic bytes `\x93NUMPY`, a major and a
 * minor version byte, then the header length as a little-endian uint16 (version 1.0) or uint32
 * (2.0 and 3.0), then the header: a Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 3), }` padded with spaces and a final
 * newline so that the data starts on a multiple of 64 bytes. Version 3.0 only differs by allowing
 * UTF-8 in the header. The data follows: `prod(shape)` items of `descr`, in C order unless
 * `fortran_order` is True.
 *
 * aril reads every simple numeric dtype (`f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1`, any byte order)
 * and maps an array of shape (n, a, b, ...) onto n rows of a·b·… columns.
 */
import { ArilError, invalidOption, limitExceeded, show, type ErrorLocation } from '../core/errors.js'
import { MAX_COLUMNS, MAX_HEADER_DEPTH, MAX_HEADER_SIZE } from './limits.js'

/** The 6 bytes every `.npy` file starts with. */
export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)

/** The numeric dtypes aril reads and writes. */
export type NpyKind = 'f' | 'i' | 'u' | 'b'

/** A simple numeric dtype, decoded from a `descr` string such as `'<f8'`. */
export interface NpyDtype {
  /** The `descr` string as found in the header. */
  readonly descr: string
  readonly kind: NpyKind
  /** Bytes per item: 1, 2, 4 or 8. */
  readonly itemSize: number
  /** Byte order of the items (always true for one-byte items). */
  readonly littleEndian: boolean
}

/** Everything a reader needs from the preamble and header of a `.npy` file. */
export interface NpyHeader {
  readonly version: readonly [major: number, minor: number]
  readonly dtype: NpyDtype
  readonly fortranOrder: boolean
  readonly shape: readonly number[]
  /** `shape[0]`. */
  readonly rows: number
  /** The product of the remaining dimensions (1 for a one-dimensional array). */
  readonly cols: number
  /** Byte offset of the first data byte (preamble plus header). */
  readonly dataOffset: number
  /** Bytes of data the header announces: rows · cols · itemSize. */
  readonly dataBytes: number
}

/** The limits that apply to a header (see limits.ts); each defaults to its safe value. */
export interface HeaderLimits {
  /** Nesting of lists, tuples and dicts (default 32). */
  readonly maxHeaderDepth?: number | undefined
  /** Values per row: the product of the dimensions after the first (default 2^20). */
  readonly maxColumns?: number | undefined
}

/** The fixed-size start of a file: version and header length. */
export interface NpyPreamble {
  readonly version: readonly [major: number, minor: number]
  readonly headerLength: number
  readonly dataOffset: number
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/**
 * Reads the magic, the version and the header length from the first bytes of a file.
 *
 * @returns the preamble, or `undefined` when `bytes` is too short to hold it yet
 * @throws ArilError `ERR_NPY_MAGIC` (not an .npy file), `ERR_NPY_HEADER` (unknown version),
 *   `ERR_LIMIT` (a header longer than `maxHeaderSize`; `limit: 'maxHeaderSize'`)
 * @example
 * ```ts
 * readPreamble(bytes) // => { version: [1, 0], headerLength: 118, dataOffset: 128 }
 * ```
 */
export function readPreamble (bytes: Uint8Array, location: ErrorLocation = {}, maxHeaderSize = MAX_HEADER_SIZE): NpyPreamble | undefined {
  for (let i = 0; i < Math.min(bytes.length, NPY_MAGIC.length); i++) {
    if (bytes[i] !== NPY_MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, Math.min(bytes.length, 6)), b => b.toString(16).padStart(2, '0')).join(' ')
      throw new ArilError('ERR_NPY_MAGIC', `Not an .npy file: expected the magic bytes 93 4e 55 4d 50 59 ("\\x93NUMPY"), got ${got}`, { ...location, byteOffset: i })
    }
  }
  if (bytes.length < 8) return undefined
  const major = bytes[6]!
  const minor = bytes[7]!
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new ArilError('ERR_NPY_HEADER', `Unsupported .npy format version: expected 1.0, 2.0 or 3.0, got ${major}.${minor}`, { ...location, byteOffset: 6 })
  }
  const lengthBytes = major === 1 ? 2 : 4
  if (bytes.length < 8 + lengthBytes) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  if (headerLength > maxHeaderSize) limitExceeded('maxHeaderSize', maxHeaderSize, `an .npy header of ${headerLength} bytes`, { ...location, byteOffset: 8 })
  return { version: [major, minor], headerLength, dataOffset: 8 + lengthBytes + headerLength }
}

/**
 * Parses the header that follows the preamble. `bytes` holds at least `preamble.dataOffset` bytes
 * from the start of the file.
 *
 * @throws ArilError `ERR_NPY_HEADER` (not a dict literal with exactly `descr`, `fortran_order` and
 *   `shape`; a 0-d array), `ERR_NPY_DTYPE` (structured, object, string, complex ... dtypes),
 *   `ERR_NPY_FORTRAN_ORDER` (Fortran order whose layout differs from C order), `ERR_LIMIT` (nesting
 *   deeper than `maxHeaderDepth`, rows of more than `maxColumns` values)
 * @example
 * ```ts
 * const pre = readPreamble(bytes)!
 * parseHeader(bytes, pre).shape // => [1000, 3]
 * ```
 */
export function parseHeader (bytes: Uint8Array, preamble: NpyPreamble, location: ErrorLocation = {}, limits: HeaderLimits = {}): NpyHeader {
  const start = preamble.dataOffset - preamble.headerLength
  const raw = bytes.subarray(start, preamble.dataOffset)
  const text = preamble.version[0] === 3 ? new TextDecoder('utf-8').decode(raw) : latin1(raw)
  const fail = (message: string, at: number): never => {
    throw new ArilError('ERR_NPY_HEADER', `Invalid .npy header: ${message}`, { ...location, byteOffset: start + at })
  }
  const depth = limits.maxHeaderDepth ?? MAX_HEADER_DEPTH
  const tooDeep = (at: number): never => limitExceeded('maxHeaderDepth', depth, `a header nested more than ${depth} deep`, { ...location, byteOffset: start + at })
  const dict = new LiteralParser(text, fail, depth, tooDeep, preamble.version[0] < 3).document()
  if (!(dict instanceof Map)) return fail(`expected a dict literal, got ${show(text.trim())}`, 0)
  const keys = [...dict.keys()].sort().join(', ')
  if (keys !== 'descr, fortran_order, shape') {
    return fail(`expected the keys descr, fortran_order and shape, got ${keys === '' ? 'none' : keys}`, 0)
  }
  const descr = dict.get('descr')
  const fortranOrder = dict.get('fortran_order')
  const shape = dict.get('shape')
  if (typeof fortranOrder !== 'boolean') return fail(`expected fortran_order to be True or False, got ${describe(fortranOrder)}`, 0)
  if (!(shape instanceof Tuple) || !shape.items.every(n => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    return fail(`expected shape to be a tuple of sizes, got ${describe(shape)}`, 0)
  }
  const dims = shape.items as number[]
  if (typeof descr !== 'string') {
    throw new ArilError('ERR_NPY_DTYPE', `Unsupported dtype ${describe(descr)}: structured and sub-array dtypes cannot be read; save a plain numeric array instead (e.g. numpy.lib.recfunctions.structured_to_unstructured(a))`, { ...location, byteOffset: start })
  }
  const dtype = parseDtype(descr, { ...location, byteOffset: start })
  if (dims.length === 0) return fail('shape () is a 0-d array (a single scalar); expected at least one dimension (save numpy.atleast_1d(a))', 0)
  if (fortranOrder && dims.filter(n => n > 1).length > 1) {
    throw new ArilError('ERR_NPY_FORTRAN_ORDER', `Array of shape (${dims.join(', ')}) is stored in Fortran (column-major) order, which cannot be streamed by rows; save numpy.ascontiguousarray(a) instead`, { ...location, byteOffset: start })
  }
  const rows = dims[0]!
  const rest = dims.slice(1)
  // A 0 anywhere makes rows of no values, however large the other sizes (whose product may not even be finite).
  const cols = rest.includes(0) ? 0 : rest.reduce((a, b) => a * b, 1)
  const dataBytes = rows * cols * dtype.itemSize
  if (!Number.isSafeInteger(dataBytes)) return fail(`shape (${dims.join(', ')}) is too large`, 0)
  const maxColumns = limits.maxColumns ?? MAX_COLUMNS
  if (cols > maxColumns) limitExceeded('maxColumns', maxColumns, `rows of ${cols} values (shape (${dims.join(', ')}))`, { ...location, byteOffset: start })
  return { version: preamble.version, dtype, fortranOrder, shape: dims, rows, cols, dataOffset: preamble.dataOffset, dataBytes }
}

/**
 * Decodes a simple numeric `descr` such as `'<f8'`, `'>i2'`, `'|u1'`, `'|b1'` or `'=f4'`.
 *
 * @throws ArilError `ERR_NPY_DTYPE` for anything else (structured, object, strings, complex, dates)
 * @example
 * ```ts
 * parseDtype('>i4') // => { descr: '>i4', kind: 'i', itemSize: 4, littleEndian: false }
 * ```
 */
export function parseDtype (descr: string, location: ErrorLocation = {}): NpyDtype {
  const match = /^([<>|=]?)([fiub])([1248])$/.exec(descr)
  const kind = match?.[2] as NpyKind | undefined
  const itemSize = Number(match?.[3])
  if (match === null || kind === undefined || (kind === 'f' && itemSize === 1) || (kind === 'b' && itemSize !== 1)) {
    throw new ArilError('ERR_NPY_DTYPE', `Unsupported dtype ${show(descr)}: expected one of f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 with byte order <, >, | or = (convert with a.astype('<f8'))`, location)
  }
  const order = match[1]
  const littleEndian = itemSize === 1 || order === '<' || ((order === '=' || order === '' || order === '|') && LITTLE_ENDIAN_HOST)
  if (order === '|' && itemSize > 1) {
    throw new ArilError('ERR_NPY_DTYPE', `Unsupported dtype ${show(descr)}: byte order '|' (not applicable) is only valid for one-byte items`, location)
  }
  return { descr, kind, itemSize, littleEndian }
}

/**
 * Writes a preamble and header announcing `shape` with C order. The header is padded with spaces
 * to `length` bytes when given (so it can be rewritten in place with a larger row count later),
 * and always so that the data starts on a multiple of 64 bytes. Version 1.0 is used when the
 * header fits its 16-bit length, 2.0 otherwise.
 *
 * @example
 * ```ts
 * formatHeader('<f8', [10, 3]).length // => 128
 * ```
 */
export function formatHeader (descr: string, shape: readonly number[], length?: number): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`
  let total = length ?? 0
  if (total === 0) {
    const version1 = 10 + dict.length + 1
    total = Math.ceil((version1 <= 65535 + 10 ? version1 : version1 + 2) / 64) * 64
  }
  const preamble = total - 10 <= 65535 ? 10 : 12
  const pad = total - preamble - dict.length - 1
  if (pad < 0 || total % 64 !== 0) invalidOption('length', `a multiple of 64 of at least ${preamble + dict.length + 1}`, length)
  const out = new Uint8Array(total)
  out.set(NPY_MAGIC)
  out[6] = preamble === 10 ? 1 : 2
  const view = new DataView(out.buffer)
  if (preamble === 10) view.setUint16(8, total - 10, true)
  else view.setUint32(8, total - 12, true)
  for (let i = 0; i < dict.length; i++) out[preamble + i] = dict.charCodeAt(i)
  out.fill(0x20, preamble + dict.length, total - 1)
  out[total - 1] = 0x0a
  return out
}

function latin1 (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096))
  return s
}

/** A Python tuple (shape must be one; a list would be rejected by numpy too). */
class Tuple {
  constructor (readonly items: PyValue[]) {}
}

type PyValue = string | number | boolean | null | Tuple | PyValue[] | Map<string, PyValue>

function describe (value: PyValue | undefined): string {
  if (value instanceof Tuple) return `a tuple (${value.items.map(describe).join(', ')})`
  if (value instanceof Map) return 'a dict'
  if (Array.isArray(value)) return `a list of ${value.length} entries`
  if (value === null) return 'None'
  return show(value)
}

/**
 * The subset of Python literals that numpy writes into headers: dicts, tuples, lists, strings,
 * integers (with Python 2's `L` suffix), True, False and None. Like `ast.literal_eval`, nothing
 * is evaluated.
 */
class LiteralParser {
  private at = 0
  /** Lists, tuples and dicts open at `at`: the recursion is bounded by the depth limit, not by the stack. */
  private depth = 0

  constructor (
    private readonly text: string,
    private readonly fail: (message: string, at: number) => never,
    private readonly maxDepth: number,
    private readonly tooDeep: (at: number) => never,
    private readonly longSuffixes: boolean
  ) {}

  document (): PyValue {
    const value = this.value()
    this.space()
    if (this.at < this.text.length) this.fail(`unexpected ${show(this.text.slice(this.at, this.at + 10))} after the dict`, this.at)
    return value
  }

  private space (): void {
    while (this.at < this.text.length && ' \t\r\n'.includes(this.text[this.at]!)) this.at++
  }

  private value (): PyValue {
    this.space()
    const c = this.text[this.at]
    if (c === '{' || c === '(' || c === '[') {
      if (++this.depth > this.maxDepth) this.tooDeep(this.at)
      const value = c === '{' ? this.dict() : this.sequence(c === '(' ? ')' : ']')
      this.depth--
      return value
    }
    if (c === '\'' || c === '"') return this.string()
    // Integers as Python 3 writes them (no leading zeros: 007 is a syntax error, as numpy finds),
    // with Python 2's L suffix in the versions numpy filters it from (1.0 and 2.0).
    const word = /^(?:-?(?:0+|[1-9]\d*)L?|True|False|None)(?![\w.])/.exec(this.text.slice(this.at, this.at + 40))
    if (word === null || (this.longSuffixes === false && word[0].endsWith('L'))) return this.fail(`expected a value, got ${show(this.text.slice(this.at, this.at + 10))}`, this.at)
    this.at += word[0].length
    if (word[0] === 'True') return true
    if (word[0] === 'False') return false
    if (word[0] === 'None') return null
    // + 0: -0 is the size 0
    return Number(word[0].replace('L', '')) + 0
  }

  private expect (token: string): void {
    this.space()
    if (this.text[this.at] !== token) this.fail(`expected ${show(token)}, got ${show(this.text.slice(this.at, this.at + 10))}`, this.at)
    this.at++
  }

  /** Reads items up to `close`; a trailing comma is allowed, as in Python. */
  private items (close: string, item: () => void): void {
    this.space()
    while (this.text[this.at] !== close) {
      item()
      this.space()
      if (this.text[this.at] === close) break
      this.expect(',')
      this.space()
    }
    this.at++
  }

  private dict (): Map<string, PyValue> {
    this.at++
    const out = new Map<string, PyValue>()
    this.items('}', () => {
      const keyAt = this.at
      const key = this.value()
      if (typeof key !== 'string') this.fail(`expected a string key, got ${describe(key)}`, keyAt)
      if (out.has(key)) this.fail(`duplicate key ${show(key)}`, keyAt)
      this.expect(':')
      out.set(key, this.value())
    })
    return out
  }

  private sequence (close: string): PyValue {
    const open = this.at++
    const items: PyValue[] = []
    let commas = 0
    this.items(close, () => {
      items.push(this.value())
      this.space()
      if (this.text[this.at] === ',') commas++
    })
    // `(3)` is just 3 in Python, `(3,)` a tuple.
    if (close === ')') return items.length === 1 && commas === 0 ? this.fail('expected a tuple, got a parenthesized value', open) : new Tuple(items)
    return items
  }

  private string (): string {
    const quote = this.text[this.at]!
    const open = this.at++
    let out = ''
    while (this.at < this.text.length && this.text[this.at] !== quote) {
      if (this.text[this.at] === '\\' || this.text[this.at] === '\n') this.fail('escapes and newlines in strings are not supported', this.at)
      out += this.text[this.at++]
    }
    if (this.at >= this.text.length) this.fail('unterminated string', open)
    this.at++
    return out
  }
}

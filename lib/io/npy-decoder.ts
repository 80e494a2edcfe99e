/**
 * A stream-agnostic `.npy` decoder: feed it bytes in chunks of any size with `push(chunk, emit)`,
 * call `end()`, and it emits row-major Float64 {@link Batch}es of `rowsPerBatch` rows. It holds
 * the header, a value or a row cut by a chunk boundary, and the batch being filled; nothing else,
 * so memory stays at one batch whatever the file size. `parseNpy()` (a Transform), `readNpy()`
 * (a file) and `loadNpy()` (a whole buffer) are thin wrappers around it and {@link decodeValues}.
 */
import type { Batch } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { limitOption } from '../core/options.js'
import { MAX_BATCH_VALUES, MAX_COLUMNS, MAX_HEADER_DEPTH, MAX_HEADER_DEPTH_CEILING, MAX_HEADER_SIZE } from './limits.js'
import { parseHeader, readPreamble, type NpyDtype, type NpyHeader, type NpyPreamble } from './npy-header.js'

/** Values per batch by default: 2 MiB of float64 (fewer, larger reads measured faster than 1 MiB in bench/npy.ts), at least one row. */
export const VALUES_PER_BATCH = 262144

/** Options shared by the `.npy` readers. */
export interface NpyReadOptions {
  /**
   * Rows per emitted batch; default `max(1, floor(262144 / cols))` (about 2 MiB per batch). A batch
   * holds at most 2^24 values, so wider rows come in fewer per batch. Rows of no values (shape
   * (n, 0)) come in one batch of n rows, whatever this says: they hold no bytes, so a header must
   * not be able to ask for billions of batches.
   */
  rowsPerBatch?: number | undefined
  /** Limit: the longest header accepted, in bytes (numpy's `max_header_size`); default 10,000. */
  maxHeaderSize?: number | undefined
  /** Limit: nesting of lists, tuples and dicts in the header; default 32, at most 1,000. */
  maxHeaderDepth?: number | undefined
  /** Limit: values per row (the product of the dimensions after the first); default 2^20, at most 2^24. */
  maxColumns?: number | undefined
  /** File name copied into error locations. */
  file?: string | undefined
}

/** The keys of {@link NpyReadOptions}. */
export const NPY_READ_OPTION_KEYS = ['rowsPerBatch', 'maxHeaderSize', 'maxHeaderDepth', 'maxColumns', 'file'] as const

/** The limits of an `.npy` reader, checked. */
export interface NpyLimits {
  readonly maxHeaderSize: number
  readonly maxHeaderDepth: number
  readonly maxColumns: number
}

/** Where the values being decoded sit: for error locations. */
export interface DecodeContext {
  /** Byte offset of the first value in the file. */
  byteOffset: number
  /** Index (in the file, row-major) of the first value. */
  value: number
  cols: number
  file?: string | undefined
}

/**
 * The rows per batch for a given column count: the option (default about 2 MiB of float64), never
 * more than MAX_BATCH_VALUES values; all rows at once when they have no values.
 */
export function batchRows (cols: number, rowsPerBatch: number | undefined): number {
  if (rowsPerBatch !== undefined && (!Number.isSafeInteger(rowsPerBatch) || rowsPerBatch < 1)) invalidOption('rowsPerBatch', 'a whole number >= 1', rowsPerBatch)
  if (cols === 0) return Number.MAX_SAFE_INTEGER
  if (rowsPerBatch === undefined) return Math.max(1, Math.floor(VALUES_PER_BATCH / cols))
  return Math.min(rowsPerBatch, Math.max(1, Math.floor(MAX_BATCH_VALUES / cols)))
}

/** Checks the options every reader shares; returns the limits. */
export function npyLimits (options: NpyReadOptions): NpyLimits {
  const maxHeaderSize = options.maxHeaderSize ?? MAX_HEADER_SIZE
  if (!Number.isSafeInteger(maxHeaderSize) || maxHeaderSize < 0) invalidOption('maxHeaderSize', 'a whole number >= 0', maxHeaderSize)
  batchRows(1, options.rowsPerBatch)
  return {
    maxHeaderSize,
    maxHeaderDepth: limitOption(options, 'maxHeaderDepth', MAX_HEADER_DEPTH, MAX_HEADER_DEPTH_CEILING),
    maxColumns: limitOption(options, 'maxColumns', MAX_COLUMNS, MAX_BATCH_VALUES)
  }
}

type Converter = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>

/** Little-endian dtypes that a typed-array view converts natively (when aligned). */
const VIEWS: Record<string, Converter> = {
  f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array
}

const TWO_32 = 4294967296
const TWO_21 = 2097152

/**
 * Decodes `count` items of `dtype` from the start of `bytes` into `out[outStart…]` as float64.
 * Little-endian float64 is a plain byte copy; aligned little-endian items of other types convert
 * through a typed-array view; the rest goes through a DataView.
 *
 * @throws ArilError `ERR_NPY_PRECISION` for an int64/uint64 beyond ±2^53 (not exactly a float64),
 *   with its byte offset, row and column
 * @example
 * ```ts
 * const out = new Float64Array(2)
 * decodeValues(parseDtype('>i2'), Uint8Array.of(0, 1, 255, 255), 2, out, 0, { byteOffset: 128, value: 0, cols: 1 })
 * out // => Float64Array [1, -1]
 * ```
 */
export function decodeValues (dtype: NpyDtype, bytes: Uint8Array, count: number, out: Float64Array, outStart: number, at: DecodeContext): void {
  const { kind, itemSize, littleEndian } = dtype
  if (kind === 'f' && itemSize === 8 && littleEndian) {
    new Uint8Array(out.buffer, out.byteOffset + outStart * 8, count * 8).set(bytes.subarray(0, count * 8))
    return
  }
  if (kind === 'b') {
    for (let i = 0; i < count; i++) out[outStart + i] = bytes[i] === 0 ? 0 : 1
    return
  }
  const key = kind + itemSize
  const View = VIEWS[key]
  if (View !== undefined && littleEndian && (bytes.byteOffset % itemSize) === 0) {
    out.set(new View(bytes.buffer, bytes.byteOffset, count), outStart)
    return
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * itemSize)
  const le = littleEndian
  switch (key) {
    case 'f8': for (let i = 0; i < count; i++) out[outStart + i] = view.getFloat64(i * 8, le); break
    case 'f4': for (let i = 0; i < count; i++) out[outStart + i] = view.getFloat32(i * 4, le); break
    case 'f2': for (let i = 0; i < count; i++) out[outStart + i] = halfToNumber(view.getUint16(i * 2, le)); break
    case 'i2': for (let i = 0; i < count; i++) out[outStart + i] = view.getInt16(i * 2, le); break
    case 'u2': for (let i = 0; i < count; i++) out[outStart + i] = view.getUint16(i * 2, le); break
    case 'i4': for (let i = 0; i < count; i++) out[outStart + i] = view.getInt32(i * 4, le); break
    case 'u4': for (let i = 0; i < count; i++) out[outStart + i] = view.getUint32(i * 4, le); break
    case 'i8':
    case 'u8': {
      const signed = key === 'i8'
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(i * 8 + (le ? 0 : 4), le)
        const hi = signed ? view.getInt32(i * 8 + (le ? 4 : 0), le) : view.getUint32(i * 8 + (le ? 4 : 0), le)
        // |hi·2^32 + lo| <= 2^53 exactly when hi is in [−2^21, 2^21), or hi = 2^21 with lo = 0.
        if (hi >= TWO_21 || hi < -TWO_21) {
          if (!(hi === TWO_21 && lo === 0)) precisionError(view, i, signed, le, at)
        }
        out[outStart + i] = hi * TWO_32 + lo
      }
      break
    }
    // i1 and u1 always take the typed-array path above.
  }
}

function precisionError (view: DataView, i: number, signed: boolean, le: boolean, at: DecodeContext): never {
  const value = signed ? view.getBigInt64(i * 8, le) : view.getBigUint64(i * 8, le)
  const index = at.value + i
  throw new ArilError('ERR_NPY_PRECISION',
    `Integer ${value} is beyond ±2^53 and cannot be represented exactly as a float64 (convert it first, e.g. a.astype('<f8') if rounding is acceptable)`,
    { file: at.file, row: Math.floor(index / at.cols), column: index % at.cols, byteOffset: at.byteOffset + i * 8 })
}

/**
 * IEEE 754 half precision (binary16) to a double; exact.
 *
 * @example
 * ```ts
 * halfToNumber(0x3c00) // => 1
 * halfToNumber(0x7bff) // => 65504
 * ```
 */
export function halfToNumber (h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN
  return sign * (1024 + fraction) * 2 ** (exponent - 25)
}

/**
 * The streaming decoder: bytes in, Batches out. A batch's array grows with the bytes that arrive
 * for it (from 2 MiB, doubling), so a header announcing more values than the input holds (shape
 * (5e9,) over 8 bytes of data) costs no more memory than the bytes themselves.
 *
 * @example
 * ```ts
 * const decoder = new NpyDecoder({ rowsPerBatch: 1000 })
 * const batches: Batch[] = []
 * for (const chunk of chunks) decoder.push(chunk, b => batches.push(b))
 * decoder.end()
 * ```
 */
export class NpyDecoder {
  /** The parsed header, once its bytes have arrived. */
  header: NpyHeader | undefined
  /** Bytes consumed so far (the byte offset of the next byte pushed). */
  offset = 0
  private readonly limits: NpyLimits
  private readonly file: string | undefined
  private rowsPerBatch = 1
  /** Header bytes collected until the header is complete. */
  private head: Uint8Array = new Uint8Array(0)
  private preamble: NpyPreamble | undefined
  /** Bytes of an item cut by a chunk boundary. */
  private readonly carry = new Uint8Array(8)
  private carried = 0
  /** The batch being filled, how many values it holds, and how many it will hold when complete. */
  private out: Float64Array = new Float64Array(0)
  private filled = 0
  private target = 0
  /** Values decoded (and checked) so far. */
  private values = 0
  private totalValues = 0

  /**
   * @param whole the length of the whole input when it is all at hand (loadNpy): one batch then
   *   holds every row, allocated at once when the input holds all its bytes
   */
  constructor (private readonly options: NpyReadOptions = {}, private readonly whole?: number) {
    this.limits = npyLimits(options)
    this.file = options.file
  }

  /**
   * Decodes a chunk, calling `emit` for every batch it completes.
   * @throws ArilError the header errors of `readPreamble`/`parseHeader`, `ERR_NPY_PRECISION`,
   *   `ERR_NPY_TRAILING_BYTES` (bytes after the announced data), `ERR_LIMIT`
   */
  push (chunk: Uint8Array, emit: (batch: Batch) => void): void {
    let bytes = chunk
    let header = this.header
    if (header === undefined) {
      header = this.pushHeader(chunk)
      if (header === undefined) return
      bytes = chunk.subarray(chunk.length - (this.offset - header.dataOffset))
      this.offset = header.dataOffset
      // Rows of no values hold no bytes: all of them at once, as soon as the header is read.
      if (header.cols === 0 && header.rows > 0) emit({ data: new Float64Array(0), rows: header.rows, cols: 0 })
    }
    const { itemSize } = header.dtype
    if (bytes.length > 0 && this.values === this.totalValues) this.trailing(0)
    let at = 0
    if (this.carried > 0) {
      const take = Math.min(itemSize - this.carried, bytes.length)
      this.carry.set(bytes.subarray(0, take), this.carried)
      this.carried += take
      at = take
      if (this.carried < itemSize) {
        this.offset += take
        return
      }
      this.carried = 0
      this.decode(this.carry, 1, this.offset - itemSize + take, emit)
    }
    while (at < bytes.length) {
      const whole = Math.floor((bytes.length - at) / itemSize)
      const room = this.out.length - this.filled
      const remaining = this.totalValues - this.values
      if (remaining === 0) this.trailing(at)
      const count = Math.min(whole, room, remaining)
      if (count === 0) {
        // Less than one item left in the chunk: keep it for the next one.
        this.carry.set(bytes.subarray(at), 0)
        this.carried = bytes.length - at
        break
      }
      this.decode(bytes.subarray(at), count, this.offset + at, emit)
      at += count * itemSize
    }
    this.offset += bytes.length
  }

  /**
   * Ends the input (the last batch was emitted with the last value).
   * @throws ArilError `ERR_NPY_TRUNCATED` when the input stopped before the header or the data it announces
   */
  end (): void {
    const header = this.header
    if (header === undefined) {
      const what = this.preamble === undefined ? 'the preamble (magic, version, header length)' : `the header of ${this.preamble.headerLength} bytes`
      throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: the input ends after ${this.offset} bytes, inside ${what}`, { file: this.file, byteOffset: this.offset })
    }
    if (this.values < this.totalValues || this.carried > 0) {
      const got = this.offset - header.dataOffset
      throw new ArilError('ERR_NPY_TRUNCATED',
        `NPY truncated: expected ${header.dataBytes} bytes of data for shape (${header.shape.join(', ')}) ${header.dtype.descr}, got ${got}`,
        { file: this.file, byteOffset: this.offset })
    }
  }

  /** Collects header bytes; returns the header once complete (`offset` then counts all bytes seen). */
  private pushHeader (chunk: Uint8Array): NpyHeader | undefined {
    let head = chunk
    if (this.head.length > 0) {
      head = new Uint8Array(this.head.length + chunk.length)
      head.set(this.head)
      head.set(chunk, this.head.length)
    }
    this.offset = head.length
    this.preamble ??= readPreamble(head, { file: this.file }, this.limits.maxHeaderSize)
    if (this.preamble === undefined || head.length < this.preamble.dataOffset) {
      // Copied: the producer may reuse its chunk.
      this.head = head === chunk ? chunk.slice() : head
      return undefined
    }
    const header = parseHeader(head, this.preamble, { file: this.file }, this.limits)
    this.header = header
    this.head = new Uint8Array(0)
    this.rowsPerBatch = this.whole === undefined ? batchRows(header.cols, this.options.rowsPerBatch) : Math.max(1, header.rows)
    this.totalValues = header.rows * header.cols
    this.next()
    return header
  }

  private decode (bytes: Uint8Array, count: number, byteOffset: number, emit: (batch: Batch) => void): void {
    const header = this.header!
    decodeValues(header.dtype, bytes, count, this.out, this.filled, { byteOffset, value: this.values, cols: header.cols, file: this.file })
    this.filled += count
    this.values += count
    if (this.filled < this.out.length) return
    if (this.filled === this.target) {
      this.flush(emit)
      return
    }
    const grown = this.allocate(Math.min(this.target, 2 * this.out.length))
    grown.set(this.out)
    this.out = grown
  }

  private flush (emit: (batch: Batch) => void): void {
    const { cols } = this.header!
    const batch: Batch = { data: this.out, rows: this.filled / cols, cols }
    this.next()
    emit(batch)
  }

  /**
   * A fresh output array (never reused: a consumer may still hold the previous one), as large as
   * the bytes known to be there allow: 2 MiB at first, all of it for a whole input that holds it.
   */
  private next (): void {
    const { cols, dataOffset, dtype } = this.header!
    this.target = Math.min(this.rowsPerBatch * cols, this.totalValues - this.values)
    const present = this.whole === undefined ? 0 : Math.floor((this.whole - dataOffset) / dtype.itemSize)
    this.out = this.allocate(Math.min(this.target, Math.max(VALUES_PER_BATCH, present)))
    this.filled = 0
  }

  /** Only a whole input (loadNpy) can ask for more than a batch of at most MAX_BATCH_VALUES; then memory may run out. */
  private allocate (values: number): Float64Array {
    try {
      return new Float64Array(values)
    } catch (err) {
      throw new ArilError('ERR_INVALID_INPUT', `Cannot hold ${values} float64 values in memory at once (${(err as Error).message}); read the file in batches with readNpy or parseNpy`, { file: this.file }, { cause: err })
    }
  }

  private trailing (at: number): never {
    const header = this.header!
    throw new ArilError('ERR_NPY_TRAILING_BYTES',
      `NPY has trailing bytes: the header announces ${header.dataBytes} bytes of data for shape (${header.shape.join(', ')}) ${header.dtype.descr}, but more follow`,
      { file: this.file, byteOffset: this.offset + at })
  }
}

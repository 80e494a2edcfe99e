/**
 * `.npy` files as streams of {@link Batch}es: `parseNpy()` after any byte stream, `readNpy()` for
 * a file or a row range of it, `writeNpy()` to write one, `loadNpy()` for a small buffer.
 * See npy-header.ts for the format and npy-decoder.ts for the decoding.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { Readable, Writable } from 'node:stream'
import { lendBatch, readerReleases, RELEASES_BATCHES, toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import type { BatchReadable } from '../core/batch-readable.js'
import type { ReaderCounters } from '../core/progress.js'
import { checkKeys } from '../core/options.js'
import { markSourceFile } from '../core/source-file.js'
import { BatchStream } from './batches.js'
import { FileWriter } from './file-writer.js'
import { batchRows, decodeValues, NPY_READ_OPTION_KEYS, npyLimits, NpyDecoder, type NpyLimits, type NpyReadOptions } from './npy-decoder.js'
import { formatHeader, parseDtype, parseHeader, readPreamble, type NpyDtype, type NpyHeader } from './npy-header.js'

export type { NpyReadOptions } from './npy-decoder.js'
export type { NpyHeader, NpyDtype } from './npy-header.js'

/**
 * A Transform from the bytes of an `.npy` file to Batches of `rowsPerBatch` rows (Float64,
 * row-major; an array of shape (n, a, b) gives n rows of a·b columns). It emits `'header'` with
 * the parsed {@link NpyHeader} before the first batch.
 *
 * @throws ArilError (as a stream error) `ERR_NPY_MAGIC`, `ERR_NPY_HEADER`, `ERR_NPY_DTYPE`,
 *   `ERR_NPY_FORTRAN_ORDER`, `ERR_NPY_PRECISION`, `ERR_NPY_TRUNCATED`, `ERR_NPY_TRAILING_BYTES`,
 *   `ERR_LIMIT` (`limit` is `maxHeaderSize`, `maxHeaderDepth` or `maxColumns`), each with its
 *   `byteOffset`; `ERR_INVALID_OPTION` at once
 * @example
 * ```ts
 * const response = await fetch(url)
 * await pipeline(Readable.fromWeb(response.body), parseNpy(), new NormalDistribution().sink())
 * ```
 */
export function parseNpy (options: NpyReadOptions = {}): BatchStream {
  checkKeys(options, NPY_READ_OPTION_KEYS, 'parseNpy')
  const stream: BatchStream = new BatchStream(emit => {
    const decoder = new NpyDecoder(options)
    return {
      skippedRows: 0,
      write (chunk: unknown): void {
        const before = decoder.header
        // bytes, or a string written as it would be by default (UTF-8)
        decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Uint8Array, emit)
        if (before === undefined && decoder.header !== undefined) stream.emit('header', decoder.header)
      },
      end: () => decoder.end()
    }
  }, {})
  return stream
}

/** Options of {@link readNpy}. */
export interface ReadNpyOptions extends Omit<NpyReadOptions, 'file'> {
  /** First row to read (default 0). */
  start?: number | undefined
  /** One past the last row to read (default: the number of rows). */
  end?: number | undefined
  /** Aborting stops the read, closes the file and fails the stream with `ERR_ABORTED`. */
  signal?: AbortSignal | undefined
}

/** The keys of {@link ReadNpyOptions}. */
export const READ_NPY_OPTION_KEYS = [...NPY_READ_OPTION_KEYS.filter(key => key !== 'file'), 'start', 'end', 'signal'] as const

/**
 * Reads rows [start, end) of an `.npy` file as a Readable of Batches (object mode). It seeks to the
 * first row and reads whole batches with positioned reads (`FileHandle.read`, measured faster
 * than `fs.createReadStream`), a few reads ahead of the consumer; little-endian float64 data is
 * read straight into each batch's fresh buffer, with no conversion and no copy.
 * The file's size is checked against its header before any row is read, so a truncated file or
 * one with trailing bytes fails up front. Works with `pipeline`, `for await` and `Readable.toWeb`.
 *
 * @throws ArilError (as a stream error) the errors of {@link parseNpy} with `file`, and
 *   `ERR_NPY_RANGE` for a row range outside [0, rows], `ERR_ABORTED`
 * @example
 * ```ts
 * const model = new NormalDistribution()
 * await pipeline(readNpy('data/x.npy', { start: 1024, end: 4096 }), model.sink())
 * ```
 */
export function readNpy (path: string, options: ReadNpyOptions = {}): BatchReadable {
  // Checked before the stream exists: a Readable starts opening its file as soon as it is built.
  checkKeys(options, READ_NPY_OPTION_KEYS, 'readNpy')
  const limits = npyLimits(options)
  for (const name of ['start', 'end'] as const) {
    const value = options[name]
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) invalidOption(name, 'a whole number >= 0', value)
  }
  return new NpyFileReader(path, options, limits) as unknown as BatchReadable
}

/** Reads `length` bytes at `position`, failing rather than returning fewer. */
async function readFully (handle: FileHandle, buffer: Uint8Array, length: number, position: number, file: string): Promise<void> {
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done)
    if (bytesRead === 0) {
      throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: expected ${length} bytes at byte ${position}, got ${done}`, { file, byteOffset: position + done })
    }
    done += bytesRead
  }
}

/** A file's header, checked against the file's size, and the rows [start, end) to read. */
export interface NpyLayout {
  header: NpyHeader
  start: number
  end: number
}

/**
 * The layout of an `.npy` file of `size` bytes from its first bytes (`head`, at least the first
 * 4096 when the file has them), checked before any row is read: a truncated file, one with
 * trailing bytes or a row range outside it fails here. `{ need }` when the header is longer than
 * `head`: call again with that many first bytes.
 * @throws ArilError `ERR_NPY_TRUNCATED`, `ERR_NPY_TRAILING_BYTES`, `ERR_NPY_RANGE` and the header's errors
 */
export function npyLayout (head: Uint8Array, size: number, file: string, limits: NpyLimits, range: { start?: number | undefined; end?: number | undefined }): NpyLayout | { need: number } {
  const preamble = readPreamble(head, { file }, limits.maxHeaderSize)
  if (preamble === undefined || size < preamble.dataOffset) {
    throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: the file has ${size} bytes and ends inside its ${preamble === undefined ? 'preamble' : 'header'}`, { file, byteOffset: size })
  }
  if (head.length < preamble.dataOffset) return { need: preamble.dataOffset }
  const header = parseHeader(head, preamble, { file }, limits)
  const expected = header.dataOffset + header.dataBytes
  if (size < expected) {
    throw new ArilError('ERR_NPY_TRUNCATED',
      `NPY truncated: expected ${header.dataBytes} bytes of data for shape (${header.shape.join(', ')}) ${header.dtype.descr}, got ${size - header.dataOffset}`,
      { file, byteOffset: size })
  }
  if (size > expected) {
    throw new ArilError('ERR_NPY_TRAILING_BYTES',
      `NPY has ${size - expected} trailing bytes after the ${header.dataBytes} bytes of data for shape (${header.shape.join(', ')}) ${header.dtype.descr}`,
      { file, byteOffset: expected })
  }
  const start = range.start ?? 0
  const end = range.end ?? header.rows
  if (end > header.rows || start > end) {
    throw new ArilError('ERR_NPY_RANGE', `Row range [${start}, ${end}) is outside the file's ${header.rows} rows (expected 0 <= start <= end <= ${header.rows})`, { file })
  }
  return { header, start, end }
}

/**
 * Reads in flight ahead of the consumer, each into a fresh batch buffer. Measured on 2 cores with
 * bench/npy.ts: 3 keeps the copy out of the page cache off the consumer's path (1 leaves it waiting).
 */
const READ_AHEAD = 3

/**
 * Batch buffers of readers that have ended, at most RECYCLED_BYTES of them, for the next reader:
 * each pass of a fit opens its file again, and a reader that starts empty allocates (and the
 * collector then sweeps) a dozen fresh megabytes per pass. Dropped after RECYCLE_MS unused.
 */
const recycled: ArrayBuffer[] = []
const RECYCLED_BYTES = 1 << 25
const RECYCLE_MS = 1000
let recycleTimer: NodeJS.Timeout | undefined

function recycle (buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || recycled.reduce((n, b) => n + b.byteLength, buffer.byteLength) > RECYCLED_BYTES) return
  recycled.push(buffer)
  if (recycleTimer !== undefined) {
    recycleTimer.refresh()
    return
  }
  recycleTimer = setTimeout(() => {
    recycled.length = 0
    recycleTimer = undefined
  }, RECYCLE_MS)
  recycleTimer.unref()
}

class NpyFileReader extends Readable implements ReaderCounters {
  /** Rows pushed, bytes read from the file, the file's size and the rows of the range (known once the header is read). */
  rowsRead = 0
  bytesRead = 0
  readonly skippedRows = 0
  totalBytes: number | undefined
  totalRows: number | undefined
  private handle: FileHandle | undefined
  private header: NpyHeader | undefined
  private rowsPerBatch = 1
  private row = 0
  private end = 0
  private readonly inFlight: Array<Promise<Batch>> = []
  /** Buffers of batches their consumer has released, for the next reads. */
  private readonly spare: ArrayBuffer[] = []
  /** Byte buffers of dtypes that are decoded (not little-endian f8), free again after decoding. */
  private readonly spareBytes: ArrayBuffer[] = []
  private readonly destinations: NodeJS.WritableStream[] = []
  private readonly onAbort = (): void => {
    this.destroy(new ArilError('ERR_ABORTED', 'readNpy was aborted', { file: this.path }, { cause: this.options.signal?.reason }))
  }

  constructor (private readonly path: string, private readonly options: ReadNpyOptions, private readonly limits: NpyLimits) {
    super({ objectMode: true, highWaterMark: 2 })
    markSourceFile(this, path, undefined)
    const signal = options.signal
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(this.onAbort)
      else signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  override _construct (callback: (error?: Error | null) => void): void {
    this.openFile().then(() => callback(), (err: Error) => callback(asSourceError(err, 'read', this.path)))
  }

  private async openFile (): Promise<void> {
    const file = this.path
    this.handle = await open(file, 'r')
    const { size } = await this.handle.stat()
    let head = new Uint8Array(Math.min(size, 4096))
    await readFully(this.handle, head, head.length, 0, file)
    let layout = npyLayout(head, size, file, this.limits, this.options)
    if ('need' in layout) {
      head = new Uint8Array(layout.need)
      await readFully(this.handle, head, head.length, 0, file)
      layout = npyLayout(head, size, file, this.limits, this.options) as NpyLayout
    }
    const { header, start, end } = layout
    this.header = header
    this.totalBytes = size
    this.bytesRead = header.dataOffset
    this.totalRows = end - start
    this.rowsPerBatch = batchRows(header.cols, this.options.rowsPerBatch)
    this.row = start
    this.end = end
  }

  override _read (): void {
    const header = this.header!
    this.readAhead()
    const next = this.inFlight.shift()
    if (next === undefined) {
      this.push(null)
      return
    }
    next.then(batch => {
      if (this.destroyed) return
      // Keep the disk busy while the consumer works on this batch.
      this.readAhead()
      // Piped straight into a model sink and nothing else listening, or read by the passes of a
      // fit: the consumer hands the memory back, which spares allocating and faulting in fresh
      // megabytes for every batch. A batch's data is alone in its buffer, so a thread executor
      // may move it to a thread (and hands back the buffer that came back from there).
      const [only, ...others] = this.destinations
      if (readerReleases(this) || (others.length === 0 && (only as { [RELEASES_BATCHES]?: boolean } | undefined)?.[RELEASES_BATCHES] === true && this.listenerCount('data') === 1)) {
        const buffer = batch.data.buffer as ArrayBuffer
        lendBatch(batch, buffers => this.giveBack(buffers?.[0] ?? buffer), true)
      }
      this.rowsRead += batch.rows
      this.bytesRead += batch.data.length * header.dtype.itemSize
      this.push(batch)
    }, err => this.destroy(err as Error))
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.destinations.push(destination)
    return super.pipe(destination, options)
  }

  /** A released batch's memory: for this reader's next reads, or once it has ended, the next reader's. */
  private giveBack (buffer: ArrayBuffer): void {
    if (this.destroyed) recycle(buffer)
    else this.spare.push(buffer)
  }

  /** A buffer of at least `bytes` bytes: one from `spare` (or, for batches, one an ended reader left) when there is one, else a new one. */
  private buffer (bytes: number, spare = this.spare): ArrayBuffer {
    const next = (): ArrayBuffer | undefined => spare.pop() ?? (spare === this.spare ? recycled.pop() : undefined)
    for (let buffer = next(); buffer !== undefined; buffer = next()) {
      // a buffer transferred to a worker after its release comes back detached (length 0)
      if (buffer.byteLength >= bytes) return buffer
    }
    return new ArrayBuffer(bytes)
  }

  /** Starts reads until READ_AHEAD batches are in flight or every row is asked for. */
  private readAhead (): void {
    while (this.inFlight.length < READ_AHEAD) {
      const next = this.fetch()
      if (next === undefined) return
      // A failure is reported when its batch is reached; until then it must not count as unhandled.
      next.catch(() => {})
      this.inFlight.push(next)
    }
  }

  /** Starts reading the next batch, or returns undefined after the last row. */
  private fetch (): Promise<Batch> | undefined {
    const header = this.header!
    const rows = Math.min(this.rowsPerBatch, this.end - this.row)
    if (rows === 0) return undefined
    const first = this.row
    this.row += rows
    return this.readRows(header, first, rows)
  }

  private async readRows (header: NpyHeader, first: number, rows: number): Promise<Batch> {
    const { cols, dtype } = header
    const values = rows * cols
    const byteOffset = header.dataOffset + first * cols * dtype.itemSize
    const direct = dtype.kind === 'f' && dtype.itemSize === 8 && dtype.littleEndian
    const bytes = new Uint8Array(direct ? this.buffer(values * 8) : this.buffer(values * dtype.itemSize, this.spareBytes), 0, values * dtype.itemSize)
    await readFully(this.handle!, bytes, bytes.length, byteOffset, this.path)
    if (direct) return { data: new Float64Array(bytes.buffer, 0, values), rows, cols }
    const data = new Float64Array(this.buffer(values * 8), 0, values)
    decodeValues(dtype, bytes, values, data, 0, { byteOffset, value: first * cols, cols, file: this.path })
    this.spareBytes.push(bytes.buffer as ArrayBuffer)
    return { data, rows, cols }
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.options.signal?.removeEventListener('abort', this.onAbort)
    for (const buffer of this.spare.splice(0)) recycle(buffer)
    const handle = this.handle
    this.handle = undefined
    if (handle === undefined) {
      callback(error)
      return
    }
    // close() waits for a read still in flight, then releases the descriptor.
    handle.close().then(() => callback(error), closeError => callback(error ?? closeError))
  }
}

/** Options of {@link writeNpy}. */
export interface WriteNpyOptions {
  /**
   * Item type: `f8` (default), `f4`, `f2`, `i1`, `i2`, `i4`, `i8`, `u1`, `u2`, `u4`, `u8`, `b1`,
   * optionally with a byte order (`<f8`, `>i4`); without one, little-endian.
   */
  dtype?: string | undefined
  /** Columns per row; default: those of the first batch. One column gives shape (n,), more (n, cols). */
  cols?: number | undefined
}

/** The keys of {@link WriteNpyOptions}. */
export const WRITE_NPY_OPTION_KEYS = ['dtype', 'cols'] as const

/**
 * A Writable (object mode) of Batches (or anything `toBatch` accepts) that writes an `.npy` file.
 * The header's space is reserved up front and rewritten with the final row count before
 * `'finish'`; if the stream fails, the partial file is removed. Floats are rounded to the
 * nearest `f4`/`f2` value; integer and boolean dtypes take only values they hold exactly.
 *
 * @throws ArilError (as a stream error) `ERR_INVALID_OPTION`, `ERR_COLUMN_COUNT`, and
 *   `ERR_INVALID_INPUT` for a value the dtype cannot hold (with row and column)
 * @example
 * ```ts
 * await pipeline(readNpy('big.npy'), writeNpy('small.npy', { dtype: 'f4' }))
 * ```
 */
export function writeNpy (path: string, options: WriteNpyOptions = {}): Writable {
  // Checked before the stream exists: a Writable starts creating its file as soon as it is built.
  checkKeys(options, WRITE_NPY_OPTION_KEYS, 'writeNpy')
  const dtype = writeDtype(options.dtype)
  if (options.cols !== undefined && (!Number.isSafeInteger(options.cols) || options.cols < 1)) invalidOption('cols', 'a whole number >= 1', options.cols)
  return new NpyFileWriter(path, dtype, options.cols)
}

class NpyFileWriter extends FileWriter {
  private headerLength = 0
  private position = 0
  private rows = 0

  constructor (path: string, private readonly dtype: NpyDtype, private cols: number | undefined) {
    super(path, { objectMode: true, highWaterMark: 2 })
  }

  protected openError (err: Error): Error {
    return asSourceError(err, 'write', this.path)
  }

  /** The header for `rows` rows, padded to the length reserved for the largest row count. */
  private header (rows: number): Uint8Array {
    const shape = (n: number): number[] => this.cols === 1 ? [n] : [n, this.cols!]
    this.headerLength ||= formatHeader(this.dtype.descr, shape(Number.MAX_SAFE_INTEGER)).length
    return formatHeader(this.dtype.descr, shape(rows), this.headerLength)
  }

  override _write (chunk: BatchInput, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let bytes: Uint8Array
    try {
      const batch = toBatch(chunk, { cols: this.cols })
      if (batch.rows === 0) {
        callback()
        return
      }
      this.cols ??= batch.cols
      if (this.position === 0) this.position = this.header(0).length
      bytes = encodeValues(this.dtype, batch, this.rows)
      this.rows += batch.rows
    } catch (err) {
      callback(err as Error)
      return
    }
    const position = this.position
    this.position += bytes.length
    writeFully(this.handle!, bytes, position).then(() => callback(), callback)
  }

  override _final (callback: (error?: Error | null) => void): void {
    this.cols ??= 1
    const header = this.header(this.rows)
    writeFully(this.handle!, header, 0)
      .then(async () => await this.closeComplete())
      .then(() => callback(), callback)
  }
}

/** Writes all of `bytes` at `position` (a write may take fewer bytes than it is given). */
async function writeFully (handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done)
    done += bytesWritten
  }
}

/** The dtype of `writeNpy`, with an explicit byte order in its descr. */
function writeDtype (dtype: unknown): NpyDtype {
  if (dtype === undefined) return parseDtype('<f8')
  if (typeof dtype !== 'string' || !/^[<>=|]?[fiub][1248]$/.test(dtype)) {
    invalidOption('dtype', 'one of f8 f4 f2 i1 i2 i4 i8 u1 u2 u4 u8 b1, optionally prefixed by < or >', dtype)
  }
  let parsed: NpyDtype
  try {
    parsed = parseDtype(dtype)
  } catch {
    return invalidOption('dtype', 'one of f8 f4 f2 i1 i2 i4 i8 u1 u2 u4 u8 b1, optionally prefixed by < or >', dtype)
  }
  const order = parsed.itemSize === 1 ? '|' : parsed.littleEndian ? '<' : '>'
  return { ...parsed, descr: order + parsed.kind + parsed.itemSize }
}

const INTEGER_RANGES: Record<string, readonly [number, number]> = {
  i1: [-(2 ** 7), 2 ** 7 - 1],
  i2: [-(2 ** 15), 2 ** 15 - 1],
  i4: [-(2 ** 31), 2 ** 31 - 1],
  i8: [-(2 ** 63), 2 ** 63],
  u1: [0, 2 ** 8 - 1],
  u2: [0, 2 ** 16 - 1],
  u4: [0, 2 ** 32 - 1],
  u8: [0, 2 ** 64],
  b1: [0, 1]
}

/** The bytes of a batch's values in `dtype`; `firstRow` is for error locations. */
function encodeValues (dtype: NpyDtype, batch: Batch, firstRow: number): Uint8Array {
  const { data } = batch
  const { kind, itemSize, littleEndian: le } = dtype
  const out = Buffer.allocUnsafeSlow(data.length * itemSize)
  if (kind === 'f' && itemSize === 8 && le) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    return out
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  const key = kind + itemSize
  if (kind === 'f') {
    for (let i = 0; i < data.length; i++) {
      if (itemSize === 8) view.setFloat64(i * 8, data[i]!, le)
      else if (itemSize === 4) view.setFloat32(i * 4, data[i]!, le)
      else view.setUint16(i * 2, numberToHalf(data[i]!), le)
    }
    return out
  }
  const [min, max] = INTEGER_RANGES[key]!
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!
    // i8 and u8 ranges are half-open: 2^63 and 2^64 themselves do not fit.
    if (!Number.isInteger(x) || x < min || x > max || (itemSize === 8 && x === max)) {
      throw new ArilError('ERR_INVALID_INPUT', `writeNpy: ${show(x)} cannot be stored exactly as ${kind === 'b' ? 'a boolean (0 or 1)' : `${dtype.descr} (an integer in [${min}, ${max}${itemSize === 8 ? ')' : ']'})`}`,
        { row: firstRow + Math.floor(i / batch.cols), column: i % batch.cols })
    }
    switch (itemSize) {
      case 1: view.setUint8(i, x & 0xff); break
      case 2: view.setUint16(i * 2, x & 0xffff, le); break
      case 4: view.setUint32(i * 4, x >>> 0, le); break
      default: view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(x)), le)
    }
  }
  return out
}

/**
 * The bits of the nearest IEEE 754 half-precision value (ties to even), as numpy's `astype('f2')`
 * rounds; beyond 65520 in magnitude it is infinite.
 *
 * @example
 * ```ts
 * numberToHalf(1) // => 0x3c00
 * numberToHalf(0.1) // => 0x2e66 (0.0999755859375)
 * ```
 */
export function numberToHalf (x: number): number {
  if (x !== x) return 0x7e00
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0
  const a = Math.abs(x)
  if (a >= 65520) return sign | 0x7c00
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24)
  // The exponent e with 2^e <= a < 2^(e+1), found exactly (Math.log2 may round near powers of 2).
  let e = 15
  while (2 ** e > a) e--
  let m = roundHalfEven(a * 2 ** (10 - e))
  if (m === 2048) { m = 1024; e++ }
  return sign | ((e + 15) << 10) | (m - 1024)
}

function roundHalfEven (m: number): number {
  const f = Math.floor(m)
  const d = m - f
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f
}

/**
 * Decodes a whole `.npy` file held in memory into one Batch (for small files; stream big ones
 * with {@link readNpy} or {@link parseNpy}).
 *
 * @throws ArilError the errors of {@link parseNpy}, and `ERR_INVALID_INPUT` when the values do not
 *   fit in memory at once
 * @example
 * ```ts
 * const batch = loadNpy(readFileSync('x.npy'))
 * new NormalDistribution().fit(batch)
 * ```
 */
export function loadNpy (buffer: Uint8Array | ArrayBuffer, options: Omit<NpyReadOptions, 'rowsPerBatch'> = {}): Batch {
  checkKeys(options, NPY_READ_OPTION_KEYS.filter(key => key !== 'rowsPerBatch'), 'loadNpy')
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer)
  const decoder = new NpyDecoder(options, bytes.length)
  let batch: Batch | undefined
  decoder.push(bytes, b => { batch = b })
  decoder.end()
  return batch ?? { data: new Float64Array(0), rows: 0, cols: decoder.header!.cols }
}

/** A file system error (no such file, no permission ...) as `ERR_SOURCE` naming the file. */
export function asSourceError (err: Error, doing: 'read' | 'write', file: string): Error {
  return err instanceof ArilError ? err : new ArilError('ERR_SOURCE', `Cannot ${doing} the file: ${err.message}`, { file }, { cause: err })
}

/**
 * Arrow IPC data (files and streams) as streams of Batches, on apache-arrow's RecordBatchReader.
 * Record batches are read one at a time: from a path, an IPC file is read by random access (its
 * footer says where each batch is; see arrow-file.ts) and an IPC stream in order; from a byte stream, an IPC stream
 * is read as the bytes arrive (an IPC *file* given as a byte stream is held whole by apache-arrow
 * before its first batch: pass the path instead). apache-arrow is imported on first use, so
 * `import 'aril'` does not load it.
 */
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { DataType, RecordBatch, Vector, Field } from 'apache-arrow'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { ArrowFileBatches } from './arrow-file.js'
import { ColumnarReader, columnarLayout, columnarOptions, type ColumnarGroup, type ColumnarOptions, type ColumnarSettings } from './columnar.js'

/** Options of {@link readArrow}. */
export type ReadArrowOptions = ColumnarOptions

/** A byte source of Arrow IPC data: a Node Readable, an async iterable of bytes, or a Web ReadableStream. */
export type ArrowByteSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>

/**
 * Reads Arrow IPC data (a file path, or a byte stream of the IPC stream format) as a Readable of
 * Batches, one record batch after the other. Numbers, booleans (0/1), dates and timestamps
 * (milliseconds) become numbers; string and dictionary-encoded string columns are categorical;
 * null is a missing value. `columns`, `weight`, `label`, `categorical` as for {@link readParquet}.
 *
 * @throws ArilError `ERR_INVALID_OPTION` at once; through the stream `ERR_SOURCE` (no such file),
 *   `ERR_ARROW` (not Arrow IPC data, corrupt, nested or unsupported columns), `ERR_ABORTED`
 * @example
 * ```ts
 * await pipeline(readArrow('events.arrow', { columns: ['x', 'y'] }), new Kmeans(3).sink())
 * await new NormalDistribution().fitStream(readArrow(process.stdin))
 * ```
 */
export function readArrow (source: string | ArrowByteSource, options: ReadArrowOptions = {}): BatchReadable {
  if (!(typeof source === 'string' && source !== '') && !isByteSource(source)) {
    invalidOption('source', 'a file path, a Readable, an async iterable of bytes or a ReadableStream', source)
  }
  return new ArrowReader(source, columnarOptions(options, [], 'readArrow')) as unknown as BatchReadable
}

function isByteSource (value: unknown): value is ArrowByteSource {
  return typeof value === 'object' && value !== null &&
    (Symbol.asyncIterator in value || (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream))
}

function arrowError (err: unknown, file: string | undefined): Error {
  if (err instanceof ArilError) return err
  return new ArilError('ERR_ARROW', `Arrow IPC data cannot be read: ${(err as Error)?.message ?? show(err)}`, { file }, { cause: err })
}

type Arrow = typeof import('apache-arrow')

function isString (arrow: Arrow, type: DataType): boolean {
  const { DataType } = arrow
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary)))
}

function isNested (arrow: Arrow, type: DataType): boolean {
  const { DataType } = arrow
  return DataType.isList(type) || DataType.isStruct(type) || DataType.isMap(type) || DataType.isFixedSizeList(type) || DataType.isUnion(type)
}

class ArrowReader extends ColumnarReader {
  private batches: AsyncIterator<RecordBatch> | undefined
  /** An IPC file's record batches, read by its footer's blocks (from a path). */
  private fileBatches: ArrowFileBatches | undefined
  /** The rows of the record batches before the next one. */
  private rows = 0

  constructor (private readonly source: string | ArrowByteSource, settings: ColumnarSettings) {
    super('readArrow', typeof source === 'string' ? source : undefined, settings, 'ERR_ARROW')
  }

  override _construct (callback: (error?: Error | null) => void): void {
    this.start().then(() => callback(), (err: unknown) => callback(arrowError(err, this.file)))
  }

  private arrow: Arrow | undefined

  private async start (): Promise<void> {
    const arrow = this.arrow = await import('apache-arrow')
    const { RecordBatchReader } = arrow
    let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>
    if (typeof this.source === 'string') {
      try {
        this.handle = await open(this.source, 'r')
      } catch (err) {
        throw new ArilError('ERR_SOURCE', `Cannot read the file: ${(err as Error).message}`, { file: this.source }, { cause: err })
      }
      this.totalBytes = (await this.handle.stat()).size
      reader = await RecordBatchReader.from(this.handle)
    } else {
      reader = await RecordBatchReader.from(this.counted(this.source))
    }
    await reader.open()
    const fields: Field[] = reader.schema.fields
    const nested = fields.find(f => isNested(arrow, f.type))
    if (nested !== undefined) throw new ArilError('ERR_ARROW', `Arrow column ${JSON.stringify(nested.name)} is nested (${String(nested.type)}); aril reads flat columns`, { file: this.file, column: nested.name })
    this.layout = columnarLayout(this.settings, fields.map(f => f.name), fields.map(f => isString(arrow, f.type)), this.file)
    if (this.handle !== undefined && reader.isFile()) {
      this.fileBatches = await ArrowFileBatches.open(arrow, reader as never, this.handle, this.file!, this.totalBytes!)
    } else {
      this.batches = reader[Symbol.asyncIterator]()
    }
  }

  /** Counts the bytes of a byte source as apache-arrow reads them. */
  private async * counted (source: ArrowByteSource): AsyncGenerator<Uint8Array> {
    const iterable = typeof ReadableStream !== 'undefined' && source instanceof ReadableStream ? Readable.fromWeb(source as never) : source as AsyncIterable<Uint8Array>
    for await (const chunk of iterable) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      this.bytesRead += bytes.length
      yield bytes
    }
  }

  protected override async nextGroup (): Promise<ColumnarGroup | undefined> {
    const layout = this.layout!
    let batch: RecordBatch | undefined
    if (this.fileBatches !== undefined) {
      batch = await this.fileBatches.read()
      this.bytesRead = this.fileBatches.bytesRead
    } else {
      const result = await this.batches!.next()
      if (result.done !== true) batch = result.value
    }
    if (batch === undefined) return undefined
    const columns = layout.read.map(i => values(this.arrow!, batch.getChildAt(i)!))
    if (this.handle !== undefined && this.fileBatches === undefined) {
      // An IPC stream from a path: count the bytes of the batch's buffers.
      for (const i of layout.read) this.bytesRead += batch.getChildAt(i)!.byteLength
      this.bytesRead = Math.min(this.bytesRead, this.totalBytes ?? Infinity)
    }
    const firstRow = this.rows
    this.rows += batch.numRows
    if (this.fileBatches !== undefined) return { columns, rows: batch.numRows, firstRow, transient: true }
    return { columns, rows: batch.numRows, firstRow, spare: this.handle === undefined ? undefined : body(batch, layout.read) }
  }

  protected override failure (err: unknown): Error {
    return arrowError(err, this.file)
  }

  protected override async release (): Promise<void> {
    const batches = this.batches
    this.batches = undefined
    await batches?.return?.()
  }
}

/**
 * The memory of a record batch read from a file: apache-arrow reads each record batch's body from
 * the file into memory of its own (`readAt` into a new Uint8Array) and its columns' values are
 * views of it, so once they are read it is garbage, and the next Batches are written into it
 * instead of into new memory. Only when every column read is a view of one and the same buffer
 * (a compressed body, say, is not). Never from a byte source: there the bytes may be the caller's.
 */
function body (batch: RecordBatch, read: readonly number[]): ArrayBuffer[] | undefined {
  const children = batch.data.children
  const buffer = (children[read[0]!]?.values as ArrayBufferView | undefined)?.buffer
  if (!(buffer instanceof ArrayBuffer)) return undefined
  return read.every(i => (children[i]?.values as ArrayBufferView | undefined)?.buffer === buffer) ? [buffer] : undefined
}

/**
 * A column's values as numbers where it can be had per column: floats and integers as their typed
 * array (a view, no copy), 64-bit integers converted, nulls as NaN from the validity bitmap; other
 * types (half floats come as their raw bits, dates, strings, booleans) value by value.
 */
function values ({ DataType, Precision }: Arrow, vector: Vector): ArrayLike<unknown> {
  const { type } = vector
  const native = (DataType.isFloat(type) && type.precision !== Precision.HALF) || DataType.isInt(type)
  const data = vector.data[0]
  if (!native || vector.data.length !== 1 || data === undefined) return valueByValue(vector)
  const array = vector.toArray() as Float64Array | Int32Array | BigInt64Array | BigUint64Array
  if (vector.nullCount === 0 && !(array instanceof BigInt64Array || array instanceof BigUint64Array)) return array
  const out = new Float64Array(vector.length)
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    for (let i = 0; i < out.length; i++) out[i] = Number(array[i]!)
  } else {
    out.set(array)
  }
  const bitmap = data.nullBitmap
  if (vector.nullCount > 0 && bitmap !== undefined) {
    for (let i = 0, bit = data.offset; i < out.length; i++, bit++) {
      if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) out[i] = NaN
    }
  }
  return out
}

function valueByValue (vector: Vector): unknown[] {
  const out = new Array<unknown>(vector.length)
  for (let i = 0; i < vector.length; i++) out[i] = vector.get(i)
  return out
}

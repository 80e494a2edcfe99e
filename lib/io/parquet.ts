/**
 * Parquet files as streams of Batches, on [hyparquet](https://github.com/hyparam/hyparquet) (pure
 * JavaScript). A Parquet file is read from its footer, so the source is a path, not a byte stream.
 * Row groups are read one at a time, only the columns asked for, so memory is bounded by one row
 * group of those columns, whatever the file's size.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { PageArena } from './page-arena.js'
import { ColumnarReader, columnarLayout, columnarOptions, type ColumnarGroup, type ColumnarOptions, type ColumnarSettings } from './columnar.js'

/** Options of {@link readParquet}. */
export interface ReadParquetOptions extends ColumnarOptions {
  /** The row groups read, by 0-based index, in this order (default: all, in file order); the unit of a shard. */
  rowGroups?: readonly number[] | undefined
}

/** What {@link parquetInfo} tells about a file without reading its data. */
export interface ParquetInfo {
  rows: number
  rowGroups: number[]
  columns: Array<{ name: string; type: string; nullable: boolean }>
}

/**
 * Reads a Parquet file as a Readable of Batches, row group by row group. Numeric columns (ints,
 * floats, decimals), booleans (0/1), timestamps and dates (milliseconds) become numbers; string
 * columns (plain or dictionary-encoded) are categorical (their values in `batch.categories`);
 * null is a missing value. 64-bit integers beyond 2^53 lose precision. `columns` picks columns by
 * name, `rowGroups` picks row groups (for shards); `weight` and `label` name columns.
 *
 * @throws ArilError `ERR_INVALID_OPTION` at once; through the stream `ERR_SOURCE` (no such file),
 *   `ERR_PARQUET` (not Parquet, corrupt, nested or unsupported columns), `ERR_INVALID_OPTION` for
 *   a column or row group the file does not have, `ERR_ABORTED`
 * @example
 * ```ts
 * await pipeline(readParquet('trips.parquet', { columns: ['distance', 'fare'] }), new MultivariateGaussianDistribution().sink())
 * ```
 */
export function readParquet (path: string, options: ReadParquetOptions = {}): BatchReadable {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  const settings = columnarOptions(options, ['rowGroups'], 'readParquet')
  const groups = options.rowGroups
  if (groups !== undefined && (!Array.isArray(groups) || !groups.every(g => Number.isSafeInteger(g) && g >= 0))) {
    invalidOption('rowGroups', 'an array of 0-based row group indices', groups)
  }
  return new ParquetReader(path, settings, groups) as unknown as BatchReadable
}

/**
 * The rows, row groups and columns of a Parquet file, from its footer.
 * @throws ArilError `ERR_SOURCE`, `ERR_PARQUET`
 * @example
 * ```ts
 * (await parquetInfo('trips.parquet')).rows // => 1000000
 * ```
 */
export async function parquetInfo (path: string): Promise<ParquetInfo> {
  const handle = await openFile(path)
  try {
    const metadata = await readMetadata(fileBuffer(handle, (await handle.stat()).size, () => {}), path)
    return {
      rows: Number(metadata.num_rows),
      rowGroups: metadata.row_groups.map(g => Number(g.num_rows)),
      columns: leafColumns(metadata, path).map(e => ({ name: e.name, type: describe(e), nullable: e.repetition_type !== 'REQUIRED' }))
    }
  } finally {
    await handle.close()
  }
}

async function openFile (path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (err) {
    throw new ArilError('ERR_SOURCE', `Cannot read the file: ${(err as Error).message}`, { file: path }, { cause: err })
  }
}

/** hyparquet's view of a file: byte ranges read with positioned reads into memory of their own, each told to `fetched`. */
function fileBuffer (handle: FileHandle, size: number, fetched: (bytes: Uint8Array) => void): AsyncBuffer {
  return {
    byteLength: size,
    async slice (start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size)
      const bytes = new Uint8Array(Math.max(0, stop - start))
      for (let done = 0; done < bytes.length;) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      fetched(bytes)
      return bytes.buffer
    }
  }
}

async function readMetadata (file: AsyncBuffer, path: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file)
  } catch (err) {
    throw parquetError(err, path)
  }
}

function parquetError (err: unknown, path: string): Error {
  if (err instanceof ArilError) return err
  return new ArilError('ERR_PARQUET', `Parquet cannot be read: ${(err as Error).message}`, { file: path }, { cause: err })
}

/** The top-level columns; nested ones (lists, structs, maps) are refused. */
function leafColumns (metadata: FileMetaData, path: string): SchemaElement[] {
  const columns = metadata.schema.slice(1)
  const nested = columns.find(element => (element.num_children ?? 0) > 0)
  if (nested !== undefined) {
    throw new ArilError('ERR_PARQUET', `Parquet column ${JSON.stringify(nested.name)} is nested (a list, struct or map); aril reads flat columns`, { file: path, column: nested.name })
  }
  return columns
}

function describe (e: SchemaElement): string {
  const detail = e.logical_type?.type ?? e.converted_type
  return detail === undefined ? e.type ?? 'GROUP' : `${e.type ?? 'GROUP'} (${detail})`
}

function isString (e: SchemaElement): boolean {
  return e.converted_type === 'UTF8' || e.converted_type === 'ENUM' || e.logical_type?.type === 'STRING' || e.logical_type?.type === 'ENUM'
}

/**
 * When a row group's column chunks are each read by a `parquetRead` of their own: when they
 * average at least this many bytes per column of the file. A call of its own reads exactly the
 * chunk and decodes from that memory, where one call for several columns fetches neighbouring
 * chunks together (runs up to 2 MB) and copies each chunk out of its run: about 0.13 ns a byte
 * (10^6 × 4 doubles in chunks of 800 kB: 5–9% of the CPU time). But every call builds the schema
 * tree again, about 1.8 µs per column of the file (200 columns, row groups of 1000 rows: ten times
 * slower one by one), so narrow chunks of wide files are read in one call.
 */
const APART_BYTES_PER_COLUMN = 16_384

/** A row group to read: its first row, its rows, and whether its column chunks are read one by one. */
interface GroupPlan {
  first: number
  rows: number
  apart: boolean
}

class ParquetReader extends ColumnarReader {
  private buffer: AsyncBuffer | undefined
  private metadata: FileMetaData | undefined
  /** The names of the columns read, in the order of `layout.read`. */
  private wanted: string[] = []
  private plan: GroupPlan[] = []
  /**
   * Where pages are decompressed, or undefined (hyparquet's new memory per page) when the Batches
   * are views of the pages: one column of doubles needs no copy at all.
   */
  private arena: PageArena | undefined
  /** While a row group is read: the memory its column chunks are read into. */
  private fetched: ArrayBuffer[] | undefined

  constructor (private readonly path: string, settings: ColumnarSettings, private readonly groups: readonly number[] | undefined) {
    super('readParquet', path, settings, 'ERR_PARQUET')
  }

  override _construct (callback: (error?: Error | null) => void): void {
    this.start().then(() => callback(), (err: unknown) => callback(parquetError(err, this.path)))
  }

  private async start (): Promise<void> {
    this.handle = await openFile(this.path)
    const size = (await this.handle.stat()).size
    this.totalBytes = size
    this.buffer = fileBuffer(this.handle, size, bytes => {
      // the footer is read more than once, so the count is capped at the file's size
      this.bytesRead = Math.min(size, this.bytesRead + bytes.length)
      this.fetched?.push(bytes.buffer as ArrayBuffer)
    })
    const metadata = this.metadata = await readMetadata(this.buffer, this.path)
    const columns = leafColumns(metadata, this.path)
    const names = columns.map(c => c.name)
    this.layout = columnarLayout(this.settings, names, columns.map(isString), this.path)
    const wanted = this.wanted = this.layout.read.map(i => names[i]!)
    const [one, ...more] = this.layout.source
    if (more.length > 0 || this.layout.categorical[0] === true || columns[one!]!.type !== 'DOUBLE') this.arena = new PageArena()
    const starts: number[] = []
    let row = 0
    for (const group of metadata.row_groups) {
      starts.push(row)
      row += Number(group.num_rows)
    }
    const chosen = this.groups ?? starts.map((_, i) => i)
    for (const g of chosen) {
      if (g >= starts.length) invalidOption('rowGroups', `row group indices below ${starts.length} (the file's row groups)`, g)
    }
    this.plan = chosen.map(g => {
      const group = metadata.row_groups[g]!
      let bytes = 0
      for (const chunk of group.columns) {
        if (wanted.includes(chunk.meta_data?.path_in_schema[0] ?? '')) bytes += Number(chunk.meta_data!.total_compressed_size)
      }
      return { first: starts[g]!, rows: Number(group.num_rows), apart: bytes >= APART_BYTES_PER_COLUMN * wanted.length * columns.length }
    })
    this.totalRows = this.plan.reduce((n, { rows }) => n + rows, 0)
  }

  protected override async nextGroup (): Promise<ColumnarGroup | undefined> {
    const group = this.plan.shift()
    return group === undefined ? undefined : await this.readGroup(group)
  }

  protected override failure (err: unknown): Error {
    return parquetError(err, this.path)
  }

  /**
   * Decodes the needed columns of one row group. The group is transient when its pages are in
   * the arena (used again for the next group), and the memory its chunks were read into is spare
   * once its values are read: the next Batches are made in it instead of in new memory
   * (bench/columnar.ts, `for await`: +18% → +4–9% over hyparquet alone on a loaded machine).
   */
  private async readGroup ({ first, rows, apart }: GroupPlan): Promise<ColumnarGroup | undefined> {
    this.arena?.reset()
    const fetched: ArrayBuffer[] = this.fetched = []
    try {
      const columns = apart
        ? (await Promise.all(this.wanted.map(name => this.readColumns([name], first, rows)))).flat()
        : await this.readColumns(this.wanted, first, rows)
      return this.destroyed ? undefined : { columns, rows, firstRow: first, transient: this.arena !== undefined, spare: fetched }
    } finally {
      this.fetched = undefined
    }
  }

  /** The values of rows [first, first + rows) of the columns `names`, by one `parquetRead`. */
  private async readColumns (names: readonly string[], first: number, rows: number): Promise<Array<ArrayLike<unknown>>> {
    const chunks = names.map((): Chunk[] => [])
    await parquetRead({
      file: this.buffer!,
      metadata: this.metadata!,
      columns: [...names],
      rowStart: first,
      rowEnd: first + rows,
      compressors: this.arena?.compressors,
      onChunk: chunk => { chunks[names.indexOf(chunk.columnName)]?.push({ rowStart: chunk.rowStart, values: chunk.columnData as ArrayLike<unknown> }) }
    })
    return chunks.map(list => assemble(list, first, rows, this.arena))
  }
}

/** Values of a column chunk from `rowStart` on: hyparquet's decoded page, or several pages run together. */
interface Chunk {
  rowStart: number
  values: ArrayLike<unknown>
}

/**
 * The values of rows [first, first + rows) from chunks that may start before or end after them:
 * one chunk as it is; typed arrays of numbers that follow each other (a column of several pages)
 * copied into one Float64Array (in the arena, if there is one); anything else value by value into
 * an array (null where no chunk has a value).
 */
function assemble (chunks: readonly Chunk[], first: number, rows: number, arena: PageArena | undefined): ArrayLike<unknown> {
  const only = chunks[0]
  if (chunks.length === 1 && only!.rowStart === first && only!.values.length === rows) return only!.values
  if (consecutive(chunks, first, rows)) {
    const bytes = arena?.take(rows * 8) ?? new Uint8Array(rows * 8)
    const out = new Float64Array(bytes.buffer, bytes.byteOffset, rows)
    for (const { rowStart, values } of chunks) out.set(values as Float64Array, rowStart - first)
    return out
  }
  const out = new Array<unknown>(rows).fill(null)
  for (const { rowStart, values } of chunks) {
    for (let i = 0; i < values.length; i++) {
      const r = rowStart + i - first
      if (r >= 0 && r < rows) out[r] = values[i]
    }
  }
  return out
}

/** Typed arrays of numbers (not of bigints) that cover rows [first, first + rows) one after the other. */
function consecutive (chunks: readonly Chunk[], first: number, rows: number): boolean {
  let next = first
  for (const { rowStart, values } of chunks) {
    if (rowStart !== next || !isNumberArray(values)) return false
    next += values.length
  }
  return next === first + rows
}

/** A typed array whose values are numbers (64-bit integers are bigints: they go value by value). */
function isNumberArray (values: ArrayLike<unknown>): boolean {
  return ArrayBuffer.isView(values) && !(values instanceof DataView) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)
}

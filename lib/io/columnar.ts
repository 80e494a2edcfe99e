/**
 * Columnar data (a Parquet row group, an Arrow record batch) to row-major Batches, once for both
 * formats: which columns are read (`columns`), which hold the weights and the labels, which are
 * categorical (string columns always are), and how a cell becomes a number. Every column is
 * first had as float64 (a Float64Array as it is, other typed arrays converted natively, anything
 * else value by value), then the columns are interleaved into rows by monomorphic loops.
 */
import { lendBatch, RELEASES_BATCHES, type Batch, type Key } from '../core/batch.js'
import { ArilError, invalidOption, show, type ArilErrorCode } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { ROWS_PER_BATCH } from './columns.js'
import { FileReader } from './file-reader.js'

/** Options shared by the columnar readers (`readParquet`, `readArrow`). */
export interface ColumnarOptions {
  /** The columns read, by name, in this order (default: every column but the weight and label columns). */
  columns?: readonly string[] | undefined
  /** The column holding per-row weights (finite, >= 0). */
  weight?: string | undefined
  /** The column holding per-row labels (numbers; null is unlabeled). */
  label?: string | undefined
  /** Columns kept as categories besides the string columns (which always are). */
  categorical?: readonly string[] | undefined
  /** Rows per emitted Batch (default 8192); a row group or record batch is cut into such Batches. */
  rowsPerBatch?: number | undefined
  /** Aborting stops the read, closes the file and fails the stream with `ERR_ABORTED`. */
  signal?: AbortSignal | undefined
}

/** {@link ColumnarOptions} checked. */
export interface ColumnarSettings {
  readonly columns: readonly string[] | undefined
  readonly weight: string | undefined
  readonly label: string | undefined
  readonly categorical: readonly string[]
  readonly rowsPerBatch: number
  readonly signal: AbortSignal | undefined
}

/** Where each Batch column, the weights and the labels are in the file's columns. */
export interface ColumnarLayout {
  /** The file's column index of each Batch column, then of the weights and of the labels (-1: none). */
  readonly source: readonly number[]
  readonly names: readonly string[]
  readonly weight: number
  readonly label: number
  /** Per Batch column: kept as categories. */
  readonly categorical: readonly boolean[]
  /** Every file column read (Batch columns, weights, labels), for the reader to ask for. */
  readonly read: readonly number[]
}

/** The keys of {@link ColumnarOptions}. */
export const COLUMNAR_OPTION_KEYS = ['columns', 'weight', 'label', 'categorical', 'rowsPerBatch', 'signal'] as const

function nameList (value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every(n => typeof n === 'string') || new Set(value).size !== value.length) {
    invalidOption(option, 'an array of distinct column names', value)
  }
  return value as string[]
}

/**
 * Checks the columnar options; `known` are the reader's own option names.
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 * @example
 * ```ts
 * columnarOptions({ columns: ['x'] }, []).rowsPerBatch // => 8192
 * ```
 */
export function columnarOptions (options: object | undefined, known: readonly string[], where: string): ColumnarSettings {
  const o = (options ?? {}) as Record<string, unknown>
  if (typeof o !== 'object' || o === null) invalidOption('options', 'an object', options)
  checkKeys(o, [...COLUMNAR_OPTION_KEYS, ...known], where)
  const columns = nameList(o.columns, 'columns')
  if (columns?.length === 0) invalidOption('columns', 'at least one column', columns)
  for (const name of ['weight', 'label'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'string') invalidOption(name, 'a column name', o[name])
    if (o[name] !== undefined && columns?.includes(o[name] as string) === true) invalidOption('columns', `columns other than the ${name} column`, o[name])
  }
  if (o.weight !== undefined && o.weight === o.label) invalidOption('label', 'a column other than the weight column', o.label)
  const rowsPerBatch = o.rowsPerBatch ?? ROWS_PER_BATCH
  if (!Number.isInteger(rowsPerBatch) || (rowsPerBatch as number) < 1 || (rowsPerBatch as number) > 2 ** 24) invalidOption('rowsPerBatch', 'a whole number in [1, 16777216]', rowsPerBatch)
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', o.signal)
  return {
    columns,
    weight: o.weight as string | undefined,
    label: o.label as string | undefined,
    categorical: nameList(o.categorical, 'categorical') ?? [],
    rowsPerBatch: rowsPerBatch as number,
    signal: o.signal as AbortSignal | undefined
  }
}

/**
 * Resolves the options against the file's columns (`names`; `strings` marks the string columns).
 * @throws ArilError `ERR_INVALID_OPTION` for a column the file does not have
 */
export function columnarLayout (settings: ColumnarSettings, names: readonly string[], strings: readonly boolean[], file: string | undefined): ColumnarLayout {
  const index = (option: string, name: string): number => {
    const i = names.indexOf(name)
    if (i < 0) invalidOption(option, `a column of ${file ?? 'the data'} (${names.join(', ')})`, name)
    return i
  }
  const weight = settings.weight === undefined ? -1 : index('weight', settings.weight)
  const label = settings.label === undefined ? -1 : index('label', settings.label)
  const source = settings.columns === undefined
    ? names.map((_, i) => i).filter(i => i !== weight && i !== label)
    : settings.columns.map(name => index('columns', name))
  if (source.length === 0) invalidOption('columns', 'at least one column besides the weight and label', settings.columns)
  for (const name of settings.categorical) {
    if (!source.includes(index('categorical', name))) invalidOption('categorical', 'columns among the ones read', name)
  }
  return {
    source,
    names: source.map(i => names[i]!),
    weight,
    label,
    categorical: source.map(i => strings[i] === true || settings.categorical.includes(names[i]!)),
    read: [...source, ...(weight >= 0 ? [weight] : []), ...(label >= 0 ? [label] : [])]
  }
}

/** Where a reader is, for messages: the file and the row index of the first row of the columns. */
export interface ColumnarContext {
  readonly code: ArilErrorCode
  readonly file: string | undefined
  readonly firstRow: number
}


/** One row group / record batch: `columns[i]` holds the values of file column `layout.read[i]`, `rows` values each. */
export interface ColumnarGroup {
  readonly columns: ReadonlyArray<ArrayLike<unknown>>
  readonly rows: number
  /** The row index of its first row, for messages. */
  readonly firstRow: number
  /**
   * Memory that nothing refers to once the group's values are read (not even `columns`' arrays,
   * which may be views of it): the next Batches may be written into it.
   */
  readonly spare?: readonly ArrayBuffer[] | undefined
  /** The columns' memory is read into again after the group: no Batch may be a view of it. */
  readonly transient?: boolean | undefined
}

/**
 * A columnar file as a Readable of Batches: the reader fetches one row group / record batch at a
 * time (`nextGroup`), which is cut into Batches one per read. Piped straight into a model sink
 * and nothing else listening, the batches are lent: the sink hands their memory back, which
 * spares allocating (and collecting) fresh memory for every batch.
 */
export abstract class ColumnarReader extends FileReader {
  protected layout: ColumnarLayout | undefined
  private cursor: Iterator<Batch> | undefined
  private readonly buffers = new BatchBuffers()
  private readonly destinations: NodeJS.WritableStream[] = []

  constructor (reader: string, file: string | undefined, protected readonly settings: ColumnarSettings, private readonly code: ArilErrorCode) {
    super(reader, file, settings.signal)
  }

  /** The next group of rows (after `layout` is set), or undefined after the last. */
  protected abstract nextGroup (): Promise<ColumnarGroup | undefined>

  /** `err` as this reader's error. */
  protected abstract failure (err: unknown): Error

  override _read (): void {
    let next: IteratorResult<Batch> | undefined
    try {
      next = this.cursor?.next()
    } catch (err) {
      this.destroy(this.failure(err))
      return
    }
    if (next !== undefined && next.done !== true) {
      const batch = next.value
      this.buffers.handOn(batch, this.lends())
      this.rowsRead += batch.rows
      this.push(batch)
      return
    }
    this.cursor = undefined
    this.nextGroup().then(group => {
      if (this.destroyed) return
      if (group === undefined) {
        this.push(null)
        return
      }
      this.cursor = columnarBatches(group, this.layout!, this.settings.rowsPerBatch, { code: this.code, file: this.file, firstRow: group.firstRow }, this.buffers)
      this._read()
    }).catch((err: unknown) => this.destroy(this.failure(err)))
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.destinations.push(destination)
    return super.pipe(destination, options)
  }

  /** Piped into a single stream that releases what it is given, and read by nothing else. */
  private lends (): boolean {
    const [only, ...others] = this.destinations
    return others.length === 0 && (only as { [RELEASES_BATCHES]?: boolean } | undefined)?.[RELEASES_BATCHES] === true && this.listenerCount('data') === 1
  }
}

/**
 * The memory of one reader's Batches. A Batch is written into a free region taken from a pool:
 * regions handed back by a consumer (`releaseBatch` on a lent batch), or the memory of a group
 * that nothing refers to once its values are read (an Arrow record batch's body, read from the
 * file into memory of its own); only when the pool has none big enough is memory allocated.
 * A batch that is not lent keeps its memory for good.
 */
class BatchBuffers {
  /** Free regions for Batch data, and for weights and labels. */
  private readonly spare = { data: [] as Float64Array[], side: [] as Float64Array[] }
  /**
   * The batch made last and its arrays, until it is handed on (at once). Not a map from every
   * batch to how to give back its regions: a weak map's entry kept each batch's memory alive
   * through young-generation collections (`for await` over readParquet: 5% more CPU time).
   */
  private made: { batch: Batch, data: Float64Array | undefined, sides: ReadonlyArray<Float64Array | undefined> } | undefined
  /** Whether a consumer has handed a batch back. */
  private released = false
  /** Per Batch column, the column converted to float64 (never handed out: transposed at once). */
  private readonly columns: Float64Array[] = []

  /** `values` values of a free region (the rest of the region stays free), or new memory. */
  take (values: number, kind: 'data' | 'side'): Float64Array {
    const spare = this.spare[kind]
    // a buffer transferred to a worker after its release comes back detached (length 0)
    for (let region = spare.pop(); region !== undefined; region = spare.pop()) {
      if (region.length < values) continue
      if (region.length > values) spare.push(region.subarray(values))
      return region.subarray(0, values)
    }
    return new Float64Array(values)
  }

  /**
   * Takes `memory` (a group's buffers nobody refers to any more) as free data regions, unless the
   * consumer hands its batches back (it refills the pool itself, and the pool stays small) or the
   * pool already holds `values` values.
   */
  recycle (memory: readonly ArrayBuffer[], values: number): void {
    if (this.released) return
    let free = 0
    for (const region of this.spare.data) free += region.length
    for (const buffer of memory) {
      if (free >= values) return
      const region = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8))
      this.spare.data.push(region)
      free += region.length
    }
  }

  /** Scratch memory for Batch column `c`, at least `rows` values. */
  column (c: number, rows: number): Float64Array {
    const column = this.columns[c]
    if (column !== undefined && column.length >= rows) return column
    return (this.columns[c] = new Float64Array(rows))
  }

  /** Records the arrays of a batch made here, for {@link handOn}. */
  own (batch: Batch, data: Float64Array | undefined, sides: ReadonlyArray<Float64Array | undefined>): Batch {
    this.made = { batch, data, sides }
    return batch
  }

  /**
   * Hands on the batch made last: lent to its consumer (`lent`), which gives its regions back,
   * or for good (a view of the file's memory has nothing to give back either way).
   */
  handOn (batch: Batch, lent: boolean): void {
    const made = this.made
    this.made = undefined
    if (!lent || made?.batch !== batch) return
    lendBatch(batch, () => {
      this.released = true
      if (made.data !== undefined) this.spare.data.push(made.data)
      for (const side of made.sides) if (side !== undefined) this.spare.side.push(side)
    })
  }
}

/**
 * Rows transposed at a time when there are more than four columns: the tile of every column,
 * read and written, stays in cache across the passes over its columns (measured on 64 columns ×
 * 8192 rows: 0.4 ns a value, 0.8 untiled, 2.0 column by column).
 */
const TILE_ROWS = 512

/** The Batches of one group, `rowsPerBatch` rows each; the group's spare memory is recycled after the last. */
function * columnarBatches (group: ColumnarGroup, layout: ColumnarLayout, rowsPerBatch: number, context: ColumnarContext, buffers: BatchBuffers): Generator<Batch, void, undefined> {
  const { columns, rows } = group
  const cols = layout.source.length
  const at = (fileColumn: number): ArrayLike<unknown> => columns[layout.read.indexOf(fileColumn)]!
  const sources = layout.source.map(at)
  const weightValues = layout.weight >= 0 ? at(layout.weight) : undefined
  const labelValues = layout.label >= 0 ? at(layout.label) : undefined
  // One Float64 column: the Batch is a view of it, no copy at all.
  const only = cols === 1 && layout.categorical[0] !== true && sources[0] instanceof Float64Array && group.transient !== true ? sources[0] : undefined
  // Every column Float64: transposed straight from the group's arrays.
  const direct = sources.every((s, c) => s instanceof Float64Array && layout.categorical[c] !== true)
  const float64 = direct ? sources as Float64Array[] : new Array<Float64Array>(cols)
  for (let start = 0; start < rows; start += rowsPerBatch) {
    const n = Math.min(rowsPerBatch, rows - start)
    const weights = weightValues === undefined ? undefined : weightColumn(weightValues, start, n, buffers.take(n, 'side'), context)
    const labels = labelValues === undefined ? undefined : sideColumn(labelValues, start, n, buffers.take(n, 'side'), context, 'label')
    if (only !== undefined) {
      yield buffers.own({ data: only.subarray(start, start + n), rows: n, cols, weights, labels }, undefined, [weights, labels])
      continue
    }
    let categories: Array<Array<Key | null> | undefined> | undefined
    let from = start
    if (!direct) {
      from = 0
      const where = { ...context, firstRow: context.firstRow + start }
      for (let c = 0; c < cols; c++) {
        if (layout.categorical[c] === true) {
          categories ??= new Array<Array<Key | null> | undefined>(cols).fill(undefined)
          const out = buffers.column(c, n)
          categories[c] = categoryColumn(sources[c]!, start, n, out)
          float64[c] = out
        } else {
          float64[c] = float64Column(sources[c]!, start, n, buffers.column(c, n), where, layout.names[c]!)
        }
      }
    }
    const data = buffers.take(n * cols, 'data')
    interleave(float64, from, n, data)
    yield buffers.own({ data, rows: n, cols, weights, labels, categories }, data, [weights, labels])
  }
  // (after a view of the group's memory was handed out, that memory is the consumer's)
  if (group.spare !== undefined && only === undefined) buffers.recycle(group.spare, rows * cols)
}

/** Weights start … start + n − 1 into `out`, each checked finite and >= 0. */
function weightColumn (values: ArrayLike<unknown>, start: number, n: number, out: Float64Array, context: ColumnarContext): Float64Array {
  sideColumn(values, start, n, out, context, 'weight')
  for (let r = 0; r < n; r++) {
    const w = out[r]!
    if (!(w >= 0 && w < Infinity)) throw new ArilError(context.code, `Expected a finite weight >= 0, got ${show(w)}`, { file: context.file, row: context.firstRow + start + r, column: 'weight' })
  }
  return out
}

/** Values start … start + n − 1 of a weight or label column, copied into `out`. */
function sideColumn (values: ArrayLike<unknown>, start: number, n: number, out: Float64Array, context: ColumnarContext, what: string): Float64Array {
  const converted = float64Column(values, start, n, out, { ...context, firstRow: context.firstRow + start }, what)
  if (converted !== out) out.set(converted)
  return out
}

/**
 * Values start … start + n − 1 as float64, from index 0 of the result: a view of a Float64Array,
 * any other typed array of numbers converted natively into `scratch`, anything else value by
 * value into `scratch` (so the transpose reads Float64Arrays only, one monomorphic loop).
 */
function float64Column (values: ArrayLike<unknown>, start: number, n: number, scratch: Float64Array, context: ColumnarContext, name: string): Float64Array {
  if (values instanceof Float64Array) return values.subarray(start, start + n)
  if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array) && !(values instanceof DataView)) {
    scratch.set((values as unknown as Float32Array).subarray(start, start + n))
    return scratch
  }
  numberColumn(values, start, n, scratch, context, name)
  return scratch
}

/**
 * Writes rows from … from + n − 1 of the columns into rows of `data`. Up to four columns it is
 * one pass over all rows, a loop written out for each column count; more go a tile of rows at a
 * time, up to four columns per pass (the stores of a pass fill consecutive doubles of each row).
 */
function interleave (columns: readonly Float64Array[], from: number, n: number, data: Float64Array): void {
  const cols = columns.length
  if (cols === 1) {
    data.set(columns[0]!.subarray(from, from + n))
    return
  }
  if (cols === 2) return rows2(data, columns[0]!, columns[1]!, from, n)
  if (cols === 3) return rows3(data, columns[0]!, columns[1]!, columns[2]!, from, n)
  if (cols === 4) return rows4(data, columns[0]!, columns[1]!, columns[2]!, columns[3]!, from, n)
  for (let row = 0; row < n; row += TILE_ROWS) {
    const to = Math.min(n, row + TILE_ROWS)
    for (let c = 0; c < cols; c += 4) put(data, cols, c, columns, from, row, to)
  }
}

/** Columns c … c + 3 (as many as there are) of rows row … to − 1 of `data`, read from `from` + row on. */
function put (data: Float64Array, cols: number, c: number, columns: readonly Float64Array[], from: number, row: number, to: number): void {
  const left = cols - c
  if (left >= 4) put4(data, cols, c, columns[c]!, columns[c + 1]!, columns[c + 2]!, columns[c + 3]!, from, row, to)
  else if (left === 3) put3(data, cols, c, columns[c]!, columns[c + 1]!, columns[c + 2]!, from, row, to)
  else if (left === 2) put2(data, cols, c, columns[c]!, columns[c + 1]!, from, row, to)
  else put1(data, cols, c, columns[c]!, from, row, to)
}

// Whole rows of two, three and four columns: a constant stride, the stores of a row together.

function rows2 (data: Float64Array, a: Float64Array, b: Float64Array, from: number, n: number): void {
  for (let r = from, end = from + n, o = 0; r < end; r++, o += 2) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
  }
}

function rows3 (data: Float64Array, a: Float64Array, b: Float64Array, d: Float64Array, from: number, n: number): void {
  for (let r = from, end = from + n, o = 0; r < end; r++, o += 3) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
    data[o + 2] = d[r]!
  }
}

function rows4 (data: Float64Array, a: Float64Array, b: Float64Array, d: Float64Array, e: Float64Array, from: number, n: number): void {
  for (let r = from, end = from + n, o = 0; r < end; r++, o += 4) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
    data[o + 2] = d[r]!
    data[o + 3] = e[r]!
  }
}

// (`shift` is where the columns' values start relative to the rows of `data`)

function put4 (data: Float64Array, cols: number, c: number, a: Float64Array, b: Float64Array, d: Float64Array, e: Float64Array, shift: number, row: number, to: number): void {
  for (let r = row + shift, end = to + shift, o = row * cols + c; r < end; r++, o += cols) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
    data[o + 2] = d[r]!
    data[o + 3] = e[r]!
  }
}

function put3 (data: Float64Array, cols: number, c: number, a: Float64Array, b: Float64Array, d: Float64Array, shift: number, row: number, to: number): void {
  for (let r = row + shift, end = to + shift, o = row * cols + c; r < end; r++, o += cols) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
    data[o + 2] = d[r]!
  }
}

function put2 (data: Float64Array, cols: number, c: number, a: Float64Array, b: Float64Array, shift: number, row: number, to: number): void {
  for (let r = row + shift, end = to + shift, o = row * cols + c; r < end; r++, o += cols) {
    data[o] = a[r]!
    data[o + 1] = b[r]!
  }
}

function put1 (data: Float64Array, cols: number, c: number, a: Float64Array, shift: number, row: number, to: number): void {
  for (let r = row + shift, end = to + shift, o = row * cols + c; r < end; r++, o += cols) data[o] = a[r]!
}

/** Values that are not a typed array of numbers (arrays with nulls, 64-bit integers), checked one by one. */
function numberColumn (values: ArrayLike<unknown>, start: number, n: number, out: Float64Array, context: ColumnarContext, name: string): void {
  for (let r = 0; r < n; r++) {
    const v = values[start + r]
    let x: number
    if (typeof v === 'number') x = v
    else if (v === null || v === undefined) x = NaN
    else if (typeof v === 'bigint') x = Number(v)
    else if (typeof v === 'boolean') x = v ? 1 : 0
    else if (v instanceof Date) x = v.getTime()
    else {
      throw new ArilError(context.code, `Expected a number in column ${show(name)}, got ${show(v)} (read it as a category with the option categorical)`, { file: context.file, row: context.firstRow + r, column: name })
    }
    out[r] = x
  }
}

function categoryColumn (values: ArrayLike<unknown>, start: number, n: number, out: Float64Array): Array<Key | null> {
  const keys = new Array<Key | null>(n)
  for (let r = 0; r < n; r++) {
    const v = values[start + r]
    const key: Key | null = v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'bigint' ? Number(v) : String(v)
    keys[r] = key
    out[r] = typeof key === 'number' ? key : NaN
  }
  return keys
}

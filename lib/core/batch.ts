/**
 * The one shape models read: a row-major block of numbers with optional weights, labels and,
 * for categorical columns, the raw values. `toBatch` maps every accepted input onto it once, so
 * model files never look at user input.
 */
import { ArilError, show } from './errors.js'
import { checkKeys } from './options.js'
import { copyNumbers, rowCopier } from './copy-rows.js'

/** A category: a number, a string or a boolean (`1`, `"1"` and `true` are three keys). `null` (or NaN) is a missing value. */
export type Key = string | number | boolean

/**
 * A block of rows. `data[r * cols + c]` is row r, column c; NaN is missing. A categorical column
 * keeps its raw values in `categories[c]` (its `data` entries are NaN unless the value is a number).
 */
export interface Batch {
  readonly data: Float64Array
  readonly rows: number
  readonly cols: number
  /** Per-row frequency weights (finite, >= 0); absent means every weight is 1. */
  readonly weights?: Float64Array | undefined
  /** Per-row class labels for supervised models; -1 (or NaN) marks an unlabeled row. */
  readonly labels?: Float64Array | undefined
  /** Raw values of categorical columns, indexed by column; `undefined` for numeric columns. */
  readonly categories?: ReadonlyArray<ReadonlyArray<Key | null> | undefined> | undefined
}

interface Loan {
  release: (buffers?: ArrayBuffer[]) => void
  movable: boolean
}

const lent = new WeakMap<Batch, Loan>()
const borrowers = new WeakSet<object>()

/**
 * Set to true on a Writable that calls {@link releaseBatch} on every batch once it is done with
 * it and keeps none (a model sink). A producer piped into such a stream, and nothing else, may
 * lend it batches.
 */
export const RELEASES_BATCHES = Symbol.for('aril.releasesBatches')

/**
 * Marks a batch whose memory its producer wants back: `release` runs when the consumer says it
 * is done with the batch ({@link releaseBatch}). A producer lends only to a single consumer
 * marked {@link RELEASES_BATCHES} (readNpy piped straight into a model sink) or to the reader of
 * a stream marked by {@link releasesBatchesOf}. `movable`: the batch's arrays are the only
 * things in their ArrayBuffers, so the consumer may move the buffers (transfer them to a worker
 * thread) and hand them back with `releaseBatch(batch, buffers)`, which passes them to `release`.
 */
export function lendBatch (batch: Batch, release: (buffers?: ArrayBuffer[]) => void, movable = false): void {
  lent.set(batch, { release, movable })
}

/**
 * True for a lent batch whose buffers its consumer may move (see {@link lendBatch}).
 * @example
 * ```ts
 * if (movableBatch(batch)) worker.postMessage(batch, [batch.data.buffer])
 * ```
 */
export function movableBatch (batch: Batch): boolean {
  return lent.get(batch)?.movable === true
}

/**
 * Hands a lent batch's memory back to its producer (once; other batches are left alone). The
 * caller must not touch the batch's arrays afterwards. `buffers`: the batch's buffers as they
 * came back from a thread they were moved to (new ArrayBuffer objects over the same memory).
 */
export function releaseBatch (batch: unknown, buffers?: ArrayBuffer[]): void {
  if (typeof batch !== 'object' || batch === null) return
  const loan = lent.get(batch as Batch)
  if (loan === undefined) return
  lent.delete(batch as Batch)
  loan.release(buffers)
}

/**
 * Marks a stream whose reader releases every batch it is done with ({@link releaseBatch}) and
 * keeps none it released (the passes of a fit hand their batches to the executor's session), so
 * the stream may lend its batches though it is read, not piped.
 * @example
 * ```ts
 * releasesBatchesOf(readable)
 * for await (const batch of readable) { model.summarize(batch); releaseBatch(batch) }
 * ```
 */
export function releasesBatchesOf (stream: object): void {
  borrowers.add(stream)
}

/** True for a stream marked by {@link releasesBatchesOf}. */
export function readerReleases (stream: object): boolean {
  return borrowers.has(stream)
}

/** Everything `toBatch` accepts. */
export type BatchInput =
  | Batch
  | ArrayLike<number | bigint | Key | null>
  | ReadonlyArray<ArrayLike<number | Key | null>>
  | { data: ArrayLike<number | bigint>; shape: readonly number[] }

export interface ToBatchOptions {
  /** Expected number of columns; a different count is `ERR_COLUMN_COUNT`. */
  cols?: number | undefined
  /** Allow string values (kept in `categories`); otherwise a string is `ERR_NOT_NUMERIC`. */
  categorical?: boolean | undefined
  /** Per-row weights; they replace none already on a `Batch` (giving both is an error). */
  weights?: ArrayLike<number> | undefined
  /** Per-row labels (numbers; -1 or NaN is unlabeled). */
  labels?: ArrayLike<number> | undefined
}

/** The keys of {@link ToBatchOptions}. */
export const TO_BATCH_OPTION_KEYS = ['cols', 'categorical', 'weights', 'labels'] as const

/**
 * True for an object that already is a {@link Batch}.
 * @example
 * ```ts
 * isBatch({ data: new Float64Array(2), rows: 2, cols: 1 }) // => true
 * isBatch([1, 2]) // => false
 * ```
 */
export function isBatch (value: unknown): value is Batch {
  return typeof value === 'object' && value !== null && (value as Batch).data instanceof Float64Array &&
    typeof (value as Batch).rows === 'number' && typeof (value as Batch).cols === 'number'
}

/**
 * Converts any accepted input into a {@link Batch}, checking shapes, values and weights.
 *
 * Accepted: `number[]` and typed arrays (one column), `number[][]` (rows), a `Batch`, and
 * `{ data, shape }` as produced by npyjs or ndarray (trailing dimensions are flattened per row).
 * `null`, `undefined` and NaN are missing values.
 *
 * @throws ArilError `ERR_INVALID_INPUT`, `ERR_RAGGED_ROWS`, `ERR_COLUMN_COUNT`, `ERR_NOT_NUMERIC`,
 *   `ERR_INVALID_WEIGHTS`, each with the row (and column) where it was found.
 * @example
 * ```ts
 * toBatch([[1, 2], [3, 4]]) // => { data: Float64Array [1, 2, 3, 4], rows: 2, cols: 2 }
 * ```
 */
export function toBatch (input: BatchInput, options: ToBatchOptions = {}): Batch {
  checkKeys(options, TO_BATCH_OPTION_KEYS, 'toBatch')
  let batch: Batch
  if (isBatch(input)) {
    batch = checkBatch(input)
  } else if (isShaped(input)) {
    batch = fromShaped(input)
  } else if (ArrayBuffer.isView(input)) {
    batch = fromTypedArray(input as unknown as ArrayLike<number | bigint>)
  } else if (Array.isArray(input)) {
    batch = input.length > 0 && isRow(input[0]) ? fromRows(input, options) : fromColumn(input, options)
  } else {
    throw new ArilError('ERR_INVALID_INPUT', `Expected rows of numbers (an array, a typed array, a Batch or { data, shape }), got ${show(input)}`)
  }
  checkColumns(batch.cols, batch.rows, options)
  if (options.weights !== undefined && batch.weights !== undefined) throw new ArilError('ERR_INVALID_WEIGHTS', 'Weights were given twice: in the batch and as an option')
  checkOptionLengths(batch.rows, options)
  return finishBatch(batch, options, 0)
}

/** `ERR_COLUMN_COUNT` when `options.cols` asks for another number of columns. */
function checkColumns (cols: number, rows: number, options: ToBatchOptions): void {
  if (options.cols !== undefined && cols !== options.cols && rows > 0) {
    throw new ArilError('ERR_COLUMN_COUNT', `Expected ${options.cols} column${options.cols === 1 ? '' : 's'}, got ${cols}`, { row: 0, expectedColumns: options.cols, foundColumns: cols })
  }
}

/**
 * `ERR_COLUMN_COUNT` for rows of 0 columns, which no bytes back (an `.npy` of shape (n, 0) gives
 * its n rows in one Batch, n up to 2^53): a model or writer that visits rows one by one and does
 * not know its column count yet refuses them instead of looping over n empty rows.
 * @example
 * ```ts
 * requireValues(toBatch({ data: [], shape: [5, 0] }), 'Kmeans') // throws ERR_COLUMN_COUNT
 * ```
 */
export function requireValues (batch: Batch, what: string): Batch {
  if (batch.cols === 0 && batch.rows > 0) throw new ArilError('ERR_COLUMN_COUNT', `${what}: expected rows of at least 1 column, got ${batch.rows} rows of 0 columns`)
  return batch
}

/** One weight and one label per row, when given. */
function checkOptionLengths (rows: number, options: ToBatchOptions): void {
  if (options.weights !== undefined && options.weights.length !== rows) {
    throw new ArilError('ERR_INVALID_WEIGHTS', `Expected ${rows} weights (one per row), got ${options.weights.length}`)
  }
  if (options.labels !== undefined && options.labels.length !== rows) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected ${rows} labels (one per row), got ${options.labels.length}`)
  }
}

/** Reused memory for the weights and labels of {@link forEachBatch}'s pieces. */
interface OptionBuffers {
  weights?: Float64Array
  labels?: Float64Array
}

/**
 * The checks and options after a conversion, for rows `start` … of the input: a string where
 * numbers are expected, then the weights and labels of those rows (converted into `buffers` when given).
 */
function finishBatch (batch: Batch, options: ToBatchOptions, start: number, buffers?: OptionBuffers): Batch {
  if (!options.categorical && batch.categories?.some(c => c !== undefined)) {
    const column = batch.categories.findIndex(c => c !== undefined)
    const row = batch.categories[column]!.findIndex(v => typeof v === 'string' || typeof v === 'boolean')
    throw new ArilError('ERR_NOT_NUMERIC', `Expected a number, got ${show(batch.categories[column]![row])}`, { row: start + row, column })
  }
  if (options.weights !== undefined) batch = { ...batch, weights: weightValues(options.weights, batch.rows, start, buffers?.weights) }
  if (options.labels !== undefined) batch = { ...batch, labels: toLabels(options.labels, start, start + batch.rows, buffers?.labels) }
  return batch
}

/** Rows converted at a time by {@link forEachBatch}. */
export const CONVERSION_ROWS = 8192

/**
 * Converts an input like {@link toBatch} and hands it to `visit`, in consecutive pieces of
 * {@link CONVERSION_ROWS} rows converted into one reused buffer, when the input needs converting
 * (arrays, typed arrays other than Float64Array, `{ data, shape }` over them, or labels and
 * weights given as lists); as it is otherwise.
 * Converting a large input whole allocates and fills as much memory again, which took longer
 * than the fit it fed; the pieces stay in cache. A model summarized piece by piece has the same
 * statistics (the same bits) as one summarized in one go. `visit` must not keep the batches
 * (their rows, and labels and weights given as lists, are converted into memory that the next piece reuses).
 *
 * @throws ArilError as {@link toBatch}, with the row in the whole input; pieces before the bad
 *   row have been visited (Model.fit restores the statistics)
 * @example
 * ```ts
 * forEachBatch(rows, { cols: 3 }, batch => model.summarizeBatch(batch))
 * ```
 */
export function forEachBatch (input: BatchInput, options: ToBatchOptions, visit: (batch: Batch) => void): void {
  const pieces = piecewise(input, options)
  if (pieces === undefined || pieces.rows <= CONVERSION_ROWS) {
    visit(toBatch(input, options))
    return
  }
  checkColumns(pieces.cols, pieces.rows, options)
  checkOptionLengths(pieces.rows, options)
  const buffer = pieces.views ? undefined : new Float64Array(CONVERSION_ROWS * pieces.cols)
  const buffers: OptionBuffers = {}
  if (listed(options.weights)) buffers.weights = new Float64Array(CONVERSION_ROWS)
  if (listed(options.labels)) buffers.labels = new Float64Array(CONVERSION_ROWS)
  for (let start = 0; start < pieces.rows; start += CONVERSION_ROWS) {
    const end = Math.min(pieces.rows, start + CONVERSION_ROWS)
    visit(finishBatch(pieces.convert(start, end, buffer?.subarray(0, (end - start) * pieces.cols)), options, start, buffers))
  }
}

/** How {@link forEachBatch} cuts an input: rows, columns, and the piece of rows start … end − 1 (views of the input's own memory, or converted into `out`). */
interface Pieces {
  rows: number
  cols: number
  views: boolean
  convert: (start: number, end: number, out: Float64Array | undefined) => Batch
}

/** Labels or weights that need converting (anything but a Float64Array). */
function listed (list: ArrayLike<number> | undefined): boolean {
  return list !== undefined && !(list instanceof Float64Array)
}

/** How to convert an input by row ranges, or undefined when it needs no conversion (or is not valid: toBatch says why). */
function piecewise (input: BatchInput, options: ToBatchOptions): Pieces | undefined {
  // Rows already in a Float64Array are handed over as views, in pieces only when their labels or
  // weights need converting (a list of labels, say): those are then converted piece by piece too.
  const convertsOptions = listed(options.labels) || listed(options.weights)
  if (isBatch(input)) return undefined
  if (input instanceof Float64Array) {
    return convertsOptions ? { rows: input.length, cols: 1, views: true, convert: (start, end) => ({ data: input.subarray(start, end), rows: end - start, cols: 1 }) } : undefined
  }
  if (isShaped(input)) {
    const { data, shape } = input
    if ((data instanceof Float64Array && !convertsOptions) || !Array.isArray(shape) || shape.length === 0 || !shape.every(n => Number.isInteger(n) && n >= 0)) return undefined
    const rows = shape[0]!
    const cols = shape.slice(1).reduce((a, b) => a * b, 1)
    if (data.length !== rows * cols) return undefined
    if (data instanceof Float64Array) return { rows, cols, views: true, convert: (start, end) => ({ data: data.subarray(start * cols, end * cols), rows: end - start, cols }) }
    return { rows, cols, views: false, convert: (start, end, out) => ({ data: fromTypedArray(data, start * cols, end * cols, out).data, rows: end - start, cols }) }
  }
  if (ArrayBuffer.isView(input)) {
    const values = input as unknown as ArrayLike<number | bigint>
    return { rows: values.length, cols: 1, views: false, convert: (start, end, out) => fromTypedArray(values, start, end, out) }
  }
  if (!Array.isArray(input)) return undefined
  if (input.length > 0 && isRow(input[0])) {
    return { rows: input.length, cols: (input[0] as ArrayLike<unknown>).length, views: false, convert: (start, end, out) => fromRows(input, options, start, end, out) }
  }
  return { rows: input.length, cols: 1, views: false, convert: (start, end, out) => fromColumn(input, options, start, end, out) }
}

/**
 * Labels start … end − 1 as a Float64Array: a Float64Array's own memory, anything else converted
 * with `Number` in a plain loop (into `buffer` when given; `Float64Array.from(labels, Number)`
 * calls the mapping function per element, and took longer than the fit it fed).
 */
function toLabels (labels: ArrayLike<number>, start: number, end: number, buffer?: Float64Array): Float64Array {
  if (labels instanceof Float64Array) return labels.subarray(start, end)
  const out = buffer === undefined ? new Float64Array(end - start) : buffer.subarray(0, end - start)
  for (let i = start; i < end; i++) {
    const v = labels[i]
    out[i - start] = typeof v === 'number' ? v : Number(v)
  }
  return out
}

/** Checks weights: one finite, non-negative number per row. */
export function checkWeights (weights: ArrayLike<number>, rows: number): Float64Array {
  if (weights.length !== rows) {
    throw new ArilError('ERR_INVALID_WEIGHTS', `Expected ${rows} weights (one per row), got ${weights.length}`)
  }
  return weightValues(weights, rows, 0)
}

/** Weights start … start + rows − 1 checked (errors give the row in the whole list), as a Float64Array (converted into `buffer` when given). */
function weightValues (weights: ArrayLike<number>, rows: number, start: number, buffer?: Float64Array): Float64Array {
  const out = weights instanceof Float64Array ? weights.subarray(start, start + rows) : buffer?.subarray(0, rows) ?? new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const w = weights[start + i]
    if (typeof w !== 'number' || !(w >= 0) || w === Infinity) {
      throw new ArilError('ERR_INVALID_WEIGHTS', `Expected a finite weight >= 0, got ${show(w)}`, { row: start + i })
    }
    out[i] = w
  }
  return out
}

function checkBatch (batch: Batch): Batch {
  if (!Number.isInteger(batch.rows) || !Number.isInteger(batch.cols) || batch.rows < 0 || batch.cols < 0 ||
      batch.data.length !== batch.rows * batch.cols) {
    throw new ArilError('ERR_INVALID_INPUT', `Batch data has ${batch.data.length} values, expected rows × cols = ${batch.rows} × ${batch.cols}`)
  }
  if (batch.weights !== undefined) checkWeights(batch.weights, batch.rows)
  if (batch.labels !== undefined && batch.labels.length !== batch.rows) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected ${batch.rows} labels (one per row), got ${batch.labels.length}`)
  }
  return batch
}

function isShaped (input: unknown): input is { data: ArrayLike<number | bigint>; shape: readonly number[] } {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && !ArrayBuffer.isView(input) &&
    'shape' in input && 'data' in input
}

function isRow (value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
}

function fromShaped ({ data, shape }: { data: ArrayLike<number | bigint>; shape: readonly number[] }): Batch {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every(n => Number.isInteger(n) && n >= 0)) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected shape to be a non-empty list of sizes, got ${show(shape)}`)
  }
  const rows = shape[0]!
  const cols = shape.slice(1).reduce((a, b) => a * b, 1)
  if (data.length !== rows * cols) {
    throw new ArilError('ERR_INVALID_INPUT', `Shape [${shape.join(', ')}] needs ${rows * cols} values, got ${data.length}`)
  }
  const column = fromTypedArray(data)
  return { data: column.data, rows, cols }
}

/** Values start … end − 1 as one column (into `out` when given; a Float64Array's own memory otherwise). */
function fromTypedArray (values: ArrayLike<number | bigint>, start = 0, end = values.length, out?: Float64Array): Batch {
  if (values instanceof Float64Array && out === undefined) {
    const data = start === 0 && end === values.length ? values : values.subarray(start, end)
    return { data, rows: end - start, cols: 1 }
  }
  const data = out ?? new Float64Array(end - start)
  // A typed array of numbers converts element by element without checks; anything else is checked.
  if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)) {
    data.set((values as unknown as Float64Array).subarray(start, end))
  } else {
    for (let i = start; i < end; i++) {
      const v = values[i]
      data[i - start] = typeof v === 'number' ? v : toNumber(v, i, 0)
    }
  }
  return { data, rows: end - start, cols: 1 }
}

function toNumber (value: unknown, row: number, column: number): number {
  if (typeof value === 'number') return value
  if (value === null || value === undefined) return NaN
  if (typeof value === 'bigint') {
    const n = Number(value)
    if (BigInt(n) !== value) throw new ArilError('ERR_NOT_NUMERIC', `Integer ${value} cannot be represented exactly as a float64`, { row, column })
    return n
  }
  throw new ArilError('ERR_NOT_NUMERIC', `Expected a number, got ${show(value)}`, { row, column })
}

function fromColumn (values: ArrayLike<unknown>, options: ToBatchOptions, start = 0, end = values.length, out?: Float64Array): Batch {
  const rows = end - start
  const data = out ?? new Float64Array(rows)
  let raw: Array<Key | null> | undefined
  for (let i = copyNumbers(values, start, end, data, start); i < end; i = copyNumbers(values, i + 1, end, data, start)) {
    // a value the copy does not take: missing, non-numeric, or an error
    const v = values[i]
    if (isLabel(v) && options.categorical) {
      raw ??= Array.from({ length: rows }, (_, j) => categoryOf(values[start + j]))
      data[i - start] = NaN
    } else {
      data[i - start] = toNumber(v, i, 0)
    }
  }
  return raw === undefined ? { data, rows, cols: 1 } : { data, rows, cols: 1, categories: [raw] }
}

function fromRows (rowsIn: ReadonlyArray<unknown>, options: ToBatchOptions, start = 0, end = rowsIn.length, out?: Float64Array): Batch {
  const rows = end - start
  const first = rowsIn[0] as ArrayLike<unknown>
  const cols = first.length
  const data = out ?? new Float64Array(rows * cols)
  const copy = rowCopier(cols)
  let raw: Array<Array<Key | null> | undefined> | undefined
  for (let r = copy(rowsIn, start, end, data, 0); r < end; r = copy(rowsIn, r + 1, end, data, (r + 1 - start) * cols)) {
    // a row the copier does not take: a typed array, missing or non-numeric values, or an error
    const row = rowsIn[r]
    if (!isRow(row)) throw new ArilError('ERR_RAGGED_ROWS', `Expected a row (an array of ${cols} values), got ${show(row)}`, { row: r })
    if (row.length !== cols) throw new ArilError('ERR_RAGGED_ROWS', `Expected ${cols} values in every row like the first, got ${row.length}`, { row: r })
    const at = (r - start) * cols
    for (let c = 0; c < cols; c++) {
      const v = row[c]
      if (typeof v === 'number') {
        data[at + c] = v
      } else if (isLabel(v) && options.categorical) {
        raw ??= new Array(cols)
        raw[c] ??= Array.from({ length: rows }, (_, j) => categoryOf((rowsIn[start + j] as ArrayLike<unknown>)[c]))
        data[at + c] = NaN
      } else {
        data[at + c] = toNumber(v, r, c)
      }
    }
  }
  return raw === undefined ? { data, rows, cols } : { data, rows, cols, categories: Array.from(raw) }
}

/** A value only a categorical column can hold. */
function isLabel (value: unknown): value is string | boolean {
  return typeof value === 'string' || typeof value === 'boolean'
}

function categoryOf (value: unknown): Key | null {
  if (isLabel(value)) return value
  if (typeof value === 'number') return Number.isNaN(value) ? null : value
  return null
}

/**
 * The rows [start, end) of a batch (weights, labels and categories too), sharing its memory.
 * @example
 * ```ts
 * sliceBatch(toBatch([[1, 2], [3, 4], [5, 6]]), 1, 3).data // => Float64Array [3, 4, 5, 6]
 * ```
 */
export function sliceBatch (batch: Batch, start: number, end: number): Batch {
  const { cols } = batch
  return {
    data: batch.data.subarray(start * cols, end * cols),
    rows: end - start,
    cols,
    weights: batch.weights?.subarray(start, end),
    labels: batch.labels?.subarray(start, end),
    categories: batch.categories?.map(c => c?.slice(start, end))
  }
}

/**
 * The rows of a batch as plain arrays, each value passed through `map`.
 * @example
 * ```ts
 * batchRows({ data: Float64Array.of(0, 1, 2, 3), rows: 2, cols: 2 }, Math.exp) // => [[1, 2.718281828459045], [7.38905609893065, 20.085536923187668]]
 * ```
 */
export function batchRows (batch: Batch, map: (value: number) => number = v => v): number[][] {
  const { data, rows, cols } = batch
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols), map))
}

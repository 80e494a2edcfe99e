/**
 * The one shape models read: a row-major block of numbers with optional weights, labels and,
 * for categorical columns, the raw values. `toBatch` maps every accepted input onto it once, so
 * model files never look at user input.
 */
import { ArilError, show } from './errors.js'

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

const lent = new WeakMap<Batch, () => void>()

/**
 * Set to true on a Writable that calls {@link releaseBatch} on every batch once it is done with
 * it and keeps none (a model sink). A producer piped into such a stream, and nothing else, may
 * lend it batches.
 */
export const RELEASES_BATCHES = Symbol.for('aril.releasesBatches')

/**
 * Marks a batch whose memory its producer wants back: `release` runs when the consumer says it
 * is done with the batch ({@link releaseBatch}). A producer lends only to a single consumer
 * marked {@link RELEASES_BATCHES} (readNpy piped straight into a model sink).
 */
export function lendBatch (batch: Batch, release: () => void): void {
  lent.set(batch, release)
}

/**
 * Hands a lent batch's memory back to its producer (once; other batches are left alone). The
 * caller must not touch the batch's arrays afterwards.
 */
export function releaseBatch (batch: unknown): void {
  if (typeof batch !== 'object' || batch === null) return
  const release = lent.get(batch as Batch)
  if (release === undefined) return
  lent.delete(batch as Batch)
  release()
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
  if (options.cols !== undefined && batch.cols !== options.cols && batch.rows > 0) {
    throw new ArilError('ERR_COLUMN_COUNT', `Expected ${options.cols} column${options.cols === 1 ? '' : 's'}, got ${batch.cols}`, { row: 0 })
  }
  if (!options.categorical && batch.categories?.some(c => c !== undefined)) {
    const column = batch.categories.findIndex(c => c !== undefined)
    const row = batch.categories[column]!.findIndex(v => typeof v === 'string' || typeof v === 'boolean')
    throw new ArilError('ERR_NOT_NUMERIC', `Expected a number, got ${show(batch.categories[column]![row])}`, { row, column })
  }
  if (options.weights !== undefined) {
    if (batch.weights !== undefined) throw new ArilError('ERR_INVALID_WEIGHTS', 'Weights were given twice: in the batch and as an option')
    batch = { ...batch, weights: checkWeights(options.weights, batch.rows) }
  }
  if (options.labels !== undefined) {
    if (options.labels.length !== batch.rows) {
      throw new ArilError('ERR_INVALID_INPUT', `Expected ${batch.rows} labels (one per row), got ${options.labels.length}`)
    }
    batch = { ...batch, labels: Float64Array.from(options.labels, Number) }
  }
  return batch
}

/** Checks weights: one finite, non-negative number per row. */
export function checkWeights (weights: ArrayLike<number>, rows: number): Float64Array {
  if (weights.length !== rows) {
    throw new ArilError('ERR_INVALID_WEIGHTS', `Expected ${rows} weights (one per row), got ${weights.length}`)
  }
  const out = weights instanceof Float64Array ? weights : new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    const w = weights[i]
    if (typeof w !== 'number' || !(w >= 0) || w === Infinity) {
      throw new ArilError('ERR_INVALID_WEIGHTS', `Expected a finite weight >= 0, got ${show(w)}`, { row: i })
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

function fromTypedArray (values: ArrayLike<number | bigint>): Batch {
  if (values instanceof Float64Array) return { data: values, rows: values.length, cols: 1 }
  const data = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) data[i] = toNumber(values[i], i, 0)
  return { data, rows: values.length, cols: 1 }
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

function fromColumn (values: ArrayLike<unknown>, options: ToBatchOptions): Batch {
  const rows = values.length
  const data = new Float64Array(rows)
  let raw: Array<Key | null> | undefined
  for (let i = 0; i < rows; i++) {
    const v = values[i]
    if (isLabel(v) && options.categorical) {
      raw ??= Array.from({ length: rows }, (_, j) => categoryOf(values[j]))
      data[i] = NaN
    } else {
      data[i] = toNumber(v, i, 0)
    }
  }
  return raw === undefined ? { data, rows, cols: 1 } : { data, rows, cols: 1, categories: [raw] }
}

function fromRows (rowsIn: ReadonlyArray<unknown>, options: ToBatchOptions): Batch {
  const rows = rowsIn.length
  const first = rowsIn[0] as ArrayLike<unknown>
  const cols = first.length
  const data = new Float64Array(rows * cols)
  let raw: Array<Array<Key | null> | undefined> | undefined
  for (let r = 0; r < rows; r++) {
    const row = rowsIn[r]
    if (!isRow(row)) throw new ArilError('ERR_RAGGED_ROWS', `Expected a row (an array of ${cols} values), got ${show(row)}`, { row: r })
    if (row.length !== cols) throw new ArilError('ERR_RAGGED_ROWS', `Expected ${cols} values in every row like the first, got ${row.length}`, { row: r })
    for (let c = 0; c < cols; c++) {
      const v = row[c]
      if (isLabel(v) && options.categorical) {
        raw ??= new Array(cols)
        raw[c] ??= Array.from({ length: rows }, (_, j) => categoryOf((rowsIn[j] as ArrayLike<unknown>)[c]))
        data[r * cols + c] = NaN
      } else {
        data[r * cols + c] = toNumber(v, r, c)
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

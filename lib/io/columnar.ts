/**
 * Columnar data (a Parquet row group, an Arrow record batch) to row-major Batches, once for both
 * formats: which columns are read (`columns`), which hold the weights and the labels, which are
 * categorical (string columns always are), and how a cell becomes a number. A typed column
 * without missing values is copied in a tight loop; anything else goes value by value.
 */
import type { Batch, Key } from '../core/batch.js'
import { ArilError, invalidOption, show, type ArilErrorCode } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { ROWS_PER_BATCH } from './columns.js'

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

/**
 * Emits the rows of one row group / record batch as Batches of `rowsPerBatch` rows. `columns[i]`
 * holds the values of file column `layout.read[i]`, `rows` values each.
 */
export function emitColumnar (columns: ReadonlyArray<ArrayLike<unknown>>, rows: number, layout: ColumnarLayout, rowsPerBatch: number, context: ColumnarContext, emit: (batch: Batch) => void): void {
  const cols = layout.source.length
  const at = (fileColumn: number): ArrayLike<unknown> => columns[layout.read.indexOf(fileColumn)]!
  for (let start = 0; start < rows; start += rowsPerBatch) {
    const n = Math.min(rowsPerBatch, rows - start)
    const where = { ...context, firstRow: context.firstRow + start }
    const side = (fileColumn: number, what: 'weight' | 'label'): Float64Array | undefined => {
      if (fileColumn < 0) return undefined
      const out = new Float64Array(n)
      numberColumn(at(fileColumn), start, n, out, 0, 1, where, what)
      if (what === 'weight') {
        const bad = out.findIndex(w => !(w >= 0 && w < Infinity))
        if (bad >= 0) throw new ArilError(context.code, `Expected a finite weight >= 0, got ${show(out[bad])}`, { file: context.file, row: where.firstRow + bad, column: 'weight' })
      }
      return out
    }
    const weights = side(layout.weight, 'weight')
    const labels = side(layout.label, 'label')
    // One Float64 column without missing values: the Batch is a view of it, no copy at all.
    const only = cols === 1 && layout.categorical[0] !== true ? at(layout.source[0]!) : undefined
    if (only instanceof Float64Array) {
      emit({ data: only.subarray(start, start + n), rows: n, cols, weights, labels })
      continue
    }
    const data = new Float64Array(n * cols)
    let categories: Array<Array<Key | null> | undefined> | undefined
    // Column by column, with strided stores: measured faster than row by row for a few columns.
    for (let c = 0; c < cols; c++) {
      const values = at(layout.source[c]!)
      if (layout.categorical[c] === true) {
        categories ??= new Array<Array<Key | null> | undefined>(cols).fill(undefined)
        categories[c] = categoryColumn(values, start, n, data, c, cols)
      } else {
        numberColumn(values, start, n, data, c, cols, where, layout.names[c]!)
      }
    }
    emit({ data, rows: n, cols, weights, labels, categories })
  }
}

function isPlainTyped (values: ArrayLike<unknown>): values is ArrayLike<number> {
  return ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)
}

function numberColumn (values: ArrayLike<unknown>, start: number, n: number, data: Float64Array, c: number, cols: number, context: ColumnarContext, name: string): void {
  // Typed arrays of numbers (no missing values) are copied as they are.
  if (isPlainTyped(values)) {
    for (let r = 0; r < n; r++) data[r * cols + c] = values[start + r]!
    return
  }
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
    data[r * cols + c] = x
  }
}

function categoryColumn (values: ArrayLike<unknown>, start: number, n: number, data: Float64Array, c: number, cols: number): Array<Key | null> {
  const out = new Array<Key | null>(n)
  for (let r = 0; r < n; r++) {
    const v = values[start + r]
    const key: Key | null = v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'bigint' ? Number(v) : String(v)
    out[r] = key
    data[r * cols + c] = typeof key === 'number' ? key : NaN
  }
  return out
}

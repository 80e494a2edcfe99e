/**
 * Rows to Batches, once for every text source (CSV, JSON, NDJSON, `toBatches`): which columns are
 * read (`select`), which column holds the weights or the labels, which columns stay categorical,
 * and how a cell becomes a number. A reader normalizes these options with {@link columnOptions},
 * resolves them against the header (or the first row) with {@link resolveColumns}, and hands every
 * row to a {@link RowBuilder}, which fills preallocated buffers and emits a Batch every
 * `rowsPerBatch` rows.
 */
import type { Batch, Key } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded, show, type ArilErrorCode, type ErrorLocation } from '../core/errors.js'
import { checkKeys, limitOption } from '../core/options.js'
import { MAX_BATCH_VALUES, MAX_COLUMNS } from './limits.js'
import { textNumber } from './text-number.js'

/** A column: its name (from a header or an object's keys) or its 0-based index. */
export type ColumnKey = string | number

/** Options shared by every text source. */
export interface ColumnOptions {
  /** The columns read, by name or index, in this order (default: all but the weight and label columns). */
  select?: ReadonlyArray<ColumnKey> | undefined
  /** The column holding per-row weights (finite, >= 0). */
  weight?: ColumnKey | undefined
  /** The column holding per-row labels (numbers; empty is unlabeled). */
  label?: ColumnKey | undefined
  /** Selected columns whose values are kept as categories (strings or numbers) in `batch.categories`. */
  categorical?: ReadonlyArray<ColumnKey> | undefined
  /**
   * Rows per emitted Batch (default 8192); the last Batch may be shorter. A Batch holds at most
   * 2^24 values, so rows of more than 2^24 / rowsPerBatch columns come in smaller Batches (at
   * least one row each).
   */
  rowsPerBatch?: number | undefined
  /** What a non-numeric value in a numeric column does: `'error'` (default) or `'skip-row'` (counted in `skippedRows`). */
  onInvalid?: 'error' | 'skip-row' | undefined
  /**
   * Limit: the most cells a row may have (CSV cells, array entries, object fields); more is
   * `ERR_LIMIT`. Default 1,048,576 (2^20), at most 2^24.
   */
  maxColumns?: number | undefined
}

/** {@link ColumnOptions} checked and completed. */
export interface ColumnSettings {
  readonly select: ReadonlyArray<ColumnKey> | undefined
  readonly weight: ColumnKey | undefined
  readonly label: ColumnKey | undefined
  readonly categorical: ReadonlyArray<ColumnKey>
  readonly rowsPerBatch: number
  readonly skipInvalid: boolean
  readonly maxColumns: number
}

/** Default rows per Batch: large enough that per-chunk stream overhead vanishes. */
export const ROWS_PER_BATCH = 8192

/** The keys of {@link ColumnOptions}. */
export const COLUMN_OPTION_KEYS = ['select', 'weight', 'label', 'categorical', 'rowsPerBatch', 'onInvalid', 'maxColumns'] as const

/**
 * Checks the column options (and that no unknown option was given: a typo must not pass silently).
 *
 * @param known the reader's own option names, accepted besides the column options
 * @param where the reader, named in the error
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 * @example
 * ```ts
 * columnOptions({ select: ['x'], weight: 'w' }, [], 'toBatches').rowsPerBatch // => 8192
 * ```
 */
export function columnOptions (options: object | undefined, known: readonly string[], where: string): ColumnSettings {
  if (options === undefined) options = {}
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  checkKeys(options, [...COLUMN_OPTION_KEYS, ...known], where)
  const o = options as Record<string, unknown>
  const select = keyList(o, 'select')
  if (select?.length === 0) invalidOption('select', 'at least one column', select)
  const rowsPerBatch = o.rowsPerBatch ?? ROWS_PER_BATCH
  if (typeof rowsPerBatch !== 'number' || !Number.isInteger(rowsPerBatch) || rowsPerBatch < 1 || rowsPerBatch > 2 ** 24) {
    invalidOption('rowsPerBatch', 'a whole number in [1, 16777216]', rowsPerBatch)
  }
  const maxColumns = limitOption(o, 'maxColumns', MAX_COLUMNS, MAX_BATCH_VALUES)
  const onInvalid = o.onInvalid ?? 'error'
  if (onInvalid !== 'error' && onInvalid !== 'skip-row') invalidOption('onInvalid', "'error' or 'skip-row'", onInvalid)
  const weight = key(o, 'weight')
  const label = key(o, 'label')
  if (weight !== undefined && weight === label) invalidOption('label', 'a column other than the weight column', label)
  for (const name of ['weight', 'label'] as const) {
    const k = name === 'weight' ? weight : label
    if (k !== undefined && select?.includes(k) === true) invalidOption('select', `columns other than the ${name} column`, k)
  }
  return { select, weight, label, categorical: keyList(o, 'categorical') ?? [], rowsPerBatch, skipInvalid: onInvalid === 'skip-row', maxColumns }
}

/**
 * Throws `ERR_LIMIT` when a row has more cells than `maxColumns` allows.
 * @example
 * ```ts
 * checkColumns(columnOptions({ maxColumns: 2 }, []), 3, { line: 1 }) // ArilError ERR_LIMIT (limit: 'maxColumns')
 * ```
 */
export function checkColumns (settings: ColumnSettings, cells: number, location: ErrorLocation): void {
  if (cells > settings.maxColumns) limitExceeded('maxColumns', settings.maxColumns, `a row of more than ${settings.maxColumns} cells`, location)
}

function isKey (value: unknown): value is ColumnKey {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)
}

function key (o: Record<string, unknown>, name: string): ColumnKey | undefined {
  const value = o[name]
  if (value !== undefined && !isKey(value)) invalidOption(name, 'a column name or a 0-based column index', value)
  return value
}

function keyList (o: Record<string, unknown>, name: string): ColumnKey[] | undefined {
  const value = o[name]
  if (value === undefined) return undefined
  if (!Array.isArray(value)) invalidOption(name, 'an array of column names or 0-based indices', value)
  for (const k of value) {
    if (!isKey(k)) invalidOption(name, 'column names or 0-based column indices', k)
  }
  if (new Set(value).size !== value.length) invalidOption(name, 'distinct columns', value)
  return value as ColumnKey[]
}

/** Where each Batch column, the weights and the labels are read from in a row. */
export interface ColumnLayout {
  /** Per Batch column, the index of its cell in a row. */
  readonly source: Int32Array
  /** The name of each cell (the header, or the fields of object rows), for messages. */
  readonly cellNames: readonly string[] | undefined
  /** Per Batch column, 1 if it is categorical. */
  readonly categorical: Uint8Array
  /** Cell index of the weights, or -1. */
  readonly weight: number
  /** Cell index of the labels, or -1. */
  readonly label: number
  /** Cells every row must have (undefined: rows are objects, read by name). */
  readonly width: number | undefined
  /** For object rows: the field read into each cell. */
  readonly fields: readonly string[] | undefined
}

/**
 * Resolves the options against rows of `width` cells named `names` (a header, or undefined), or,
 * with `fields`, against objects: `fields` are the keys of the first object, read when no
 * `select` is given.
 *
 * @throws ArilError `ERR_INVALID_OPTION` when a column is not in the header or beyond the row
 * @example
 * ```ts
 * resolveColumns(columnOptions({ weight: 'w' }, []), { names: ['x', 'w'], width: 2 }).source // => Int32Array [0]
 * ```
 */
export function resolveColumns (settings: ColumnSettings, rows: { names?: readonly string[] | undefined; width?: number | undefined; fields?: readonly string[] | undefined }): ColumnLayout {
  const { weight, label } = settings
  if (rows.fields !== undefined) return resolveFields(settings, rows.fields)
  const width = rows.width!
  const { names } = rows
  const index = (name: string, k: ColumnKey): number => {
    if (typeof k === 'number') {
      if (k >= width) invalidOption(name, `a column index below ${width} (the number of columns)`, k)
      return k
    }
    const i = names === undefined ? -1 : names.indexOf(k)
    if (i < 0) invalidOption(name, names === undefined ? 'a column index (there is no header to name columns)' : `a column of the header ${show(names.join(','))}`, k)
    return i
  }
  const w = weight === undefined ? -1 : index('weight', weight)
  const l = label === undefined ? -1 : index('label', label)
  const source = settings.select === undefined
    ? Array.from({ length: width }, (_, i) => i).filter(i => i !== w && i !== l)
    : settings.select.map(k => index('select', k))
  if ((w >= 0 && source.includes(w)) || (l >= 0 && source.includes(l))) invalidOption('select', 'columns other than the weight and label columns', settings.select)
  if (source.length === 0) invalidOption('select', 'at least one column besides the weight and label', settings.select)
  const categorical = new Uint8Array(source.length)
  for (const k of settings.categorical) {
    const at = source.indexOf(index('categorical', k))
    if (at < 0) invalidOption('categorical', 'columns among the selected ones', k)
    categorical[at] = 1
  }
  return { source: Int32Array.from(source), cellNames: names, categorical, weight: w, label: l, width, fields: undefined }
}

function resolveFields (settings: ColumnSettings, keys: readonly string[]): ColumnLayout {
  const { weight, label } = settings
  const named = (name: string, k: ColumnKey | undefined): string | undefined => {
    if (typeof k === 'number') invalidOption(name, 'a field name (rows are objects)', k)
    return k
  }
  const w = named('weight', weight)
  const l = named('label', label)
  const selected = settings.select === undefined
    ? keys.filter(k => k !== w && k !== l)
    : settings.select.map(k => named('select', k)!)
  if (selected.length === 0) invalidOption('select', 'at least one field besides the weight and label', settings.select)
  const fields = [...selected, ...(w === undefined ? [] : [w]), ...(l === undefined ? [] : [l])]
  const categorical = new Uint8Array(selected.length)
  for (const k of settings.categorical) {
    const at = selected.indexOf(named('categorical', k)!)
    if (at < 0) invalidOption('categorical', 'fields among the selected ones', k)
    categorical[at] = 1
  }
  return {
    source: Int32Array.from(selected, (_, i) => i),
    cellNames: fields,
    categorical,
    weight: w === undefined ? -1 : selected.length,
    label: l === undefined ? -1 : fields.length - 1,
    width: undefined,
    fields
  }
}

/** How a builder reports a bad value: the error code of its source and where the reader is. */
export interface ErrorContext {
  readonly code: ArilErrorCode
  /** The reader's current position (line, byte offset, file), asked for only when an error is built. */
  readonly locate: () => ErrorLocation
  /**
   * Cells are untyped text (CSV): in a categorical column, a cell that reads as a number is that
   * number. Otherwise (JSON, NDJSON, JavaScript rows) a string stays a string there.
   */
  readonly untyped?: boolean | undefined
}

/**
 * Fills Batches row by row. Numbers are copied as they are; strings are read by the number
 * grammar of `text-number.ts` (`'1e400'`, `' inf'`; `'0x10'` is not a number); `''`, every
 * spelling of `nan`, `null` and a missing field are missing values (NaN). In a categorical column
 * a string that is not a number (or, from JSON, any string) is kept as the category; elsewhere it
 * is an error (or skips the row).
 *
 * @example
 * ```ts
 * const batches: Batch[] = []
 * const layout = resolveColumns(columnOptions({}, []), { width: 2 })
 * const b = new RowBuilder(layout, columnOptions({}, []), { code: 'ERR_CSV_VALUE', locate: () => ({}) }, x => batches.push(x))
 * b.addRow([1, '2']); b.flush() // batches[0].data => Float64Array [1, 2]
 * ```
 */
export class RowBuilder {
  /** Rows dropped by `onInvalid: 'skip-row'`. */
  skippedRows = 0
  /** Rows emitted before the current Batch. */
  private done = 0
  private rows = 0
  private data = new Float64Array(0)
  private empty = true
  private weights: Float64Array | undefined
  private labels: Float64Array | undefined
  private categories: Array<Array<Key | null> | undefined> | undefined
  private readonly cols: number
  private readonly rowsPerBatch: number
  private readonly cells: unknown[]
  /** Per field of object rows: 1 if its name is also a member of `Object.prototype` (read as an own property only). */
  private readonly inherited: Uint8Array
  private readonly hasCategorical: boolean

  constructor (
    private readonly layout: ColumnLayout,
    private readonly settings: ColumnSettings,
    private readonly context: ErrorContext,
    private readonly emit: (batch: Batch) => void
  ) {
    this.cols = layout.source.length
    this.rowsPerBatch = Math.max(1, Math.min(settings.rowsPerBatch, Math.floor(MAX_BATCH_VALUES / Math.max(1, this.cols))))
    this.cells = new Array(layout.fields?.length ?? 0)
    this.inherited = Uint8Array.from(layout.fields ?? [], field => field in Object.prototype ? 1 : 0)
    this.hasCategorical = layout.categorical.includes(1)
  }

  /** The 0-based index of the next row over the whole stream (skipped rows not counted). */
  get row (): number {
    return this.done + this.rows
  }

  private allocate (): void {
    const n = this.rowsPerBatch
    this.empty = false
    this.data = new Float64Array(n * this.cols)
    if (this.layout.weight >= 0) this.weights = new Float64Array(n)
    if (this.layout.label >= 0) this.labels = new Float64Array(n)
    if (this.hasCategorical) this.categories = Array.from(this.layout.categorical, flag => flag === 1 ? new Array<Key | null>(n) : undefined)
  }

  /** Adds a row given as an array of cells (numbers, strings, null). */
  addRow (cells: ArrayLike<unknown>): void {
    const { layout, cols } = this
    if (layout.width !== undefined && cells.length !== layout.width) {
      throw new ArilError('ERR_RAGGED_ROWS', `Expected ${layout.width} values in every row like the first, got ${cells.length}`, this.where())
    }
    const { source, categorical } = layout
    const at = this.rows * cols
    // Buffers are allocated by the first row of a Batch, so the last flush allocates nothing.
    if (this.empty) this.allocate()
    const { data } = this
    for (let c = 0; c < cols; c++) {
      const v = cells[source[c]!]
      if (categorical[c] === 0) {
        if (typeof v === 'number') {
          data[at + c] = v
          continue
        }
        if (typeof v === 'string') {
          const x = textNumber(v)
          if (x !== undefined) {
            data[at + c] = x
            continue
          }
        }
      }
      if (!this.cell(v, c, at)) return this.skip()
    }
    if (this.weights !== undefined) {
      const w = cells[layout.weight]
      const x = typeof w === 'number' ? w : typeof w === 'string' ? textNumber(w) ?? NaN : NaN
      if (!(x >= 0 && x < Infinity)) {
        if (this.settings.skipInvalid) return this.skip()
        throw new ArilError(this.context.code, `Expected a finite weight >= 0, got ${show(w)}`, this.where(this.columnName(layout.weight)))
      }
      this.weights[this.rows] = x
    }
    if (this.labels !== undefined) {
      const v = cells[layout.label]
      const x = typeof v === 'number' ? v : typeof v === 'string' ? textNumber(v) : missing(v) ? NaN : undefined
      if (x === undefined) {
        if (this.settings.skipInvalid) return this.skip()
        throw new ArilError(this.context.code, `Expected a numeric label (or an empty cell for unlabeled), got ${show(v)}`, this.where(this.columnName(layout.label)))
      }
      this.labels[this.rows] = x
    }
    if (++this.rows === this.rowsPerBatch) this.flush()
  }

  /** Adds a row given as an object, read by field name. */
  addObject (row: Record<string, unknown>): void {
    // Only a ValueRows whose first row was an object calls this, so the layout has fields.
    const fields = this.layout.fields!
    const { cells, inherited } = this
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!
      // A field named like toString or __proto__ that the row lacks is missing, not Object.prototype's.
      cells[i] = inherited[i] === 0 || Object.hasOwn(row, field) ? row[field] : undefined
    }
    this.addRow(cells)
  }

  /** Writes a cell that is not a number or a numeric string of a numeric column; false if the row must be skipped. */
  private cell (v: unknown, c: number, at: number): boolean {
    if (this.layout.categorical[c] === 1) {
      const key = this.key(v)
      if (key !== undefined) {
        this.data[at + c] = typeof key === 'number' ? key : NaN
        this.categories![c]![this.rows] = key
        return true
      }
    } else if (missing(v)) {
      this.data[at + c] = NaN
      return true
    }
    if (this.settings.skipInvalid) return false
    const column = this.columnName(this.layout.source[c]!)
    throw new ArilError(this.context.code, `Expected a number in column ${show(column)}, got ${show(v)}`, this.where(column))
  }

  /** The category of a cell (null when missing), or undefined for a value that cannot be one. */
  private key (v: unknown): Key | null | undefined {
    if (typeof v === 'string') {
      const x = textNumber(v)
      if (x !== x) return null
      return this.context.untyped === true && x !== undefined ? x : v
    }
    if (typeof v === 'number') return v === v ? v : null
    return v === null || v === undefined ? null : undefined
  }

  private columnName (cell: number): ColumnKey {
    return this.layout.cellNames?.[cell] ?? cell
  }

  private skip (): void {
    this.skippedRows++
  }

  private where (column?: ColumnKey): ErrorLocation {
    return { ...this.context.locate(), row: this.row, column }
  }

  /** Emits the rows collected so far (if any) as a Batch. */
  flush (): void {
    const { rows, cols } = this
    if (rows === 0) return
    const full = rows === this.rowsPerBatch
    const batch: Batch = {
      data: full ? this.data : this.data.subarray(0, rows * cols),
      rows,
      cols,
      weights: full ? this.weights : this.weights?.subarray(0, rows),
      labels: full ? this.labels : this.labels?.subarray(0, rows),
      categories: this.categories?.map(c => c === undefined || full ? c : c.slice(0, rows))
    }
    this.done += rows
    this.rows = 0
    this.empty = true
    this.emit(batch)
  }
}

/** `null`, an absent field and NaN are missing values (so are `''` and `nan` as text: see textNumber). */
function missing (v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && v !== v)
}

const KINDS = { value: 'a single value', array: 'an array', object: 'an object' }

/**
 * Rows given as JavaScript values (a JSON element, an NDJSON line, an object-mode chunk): a
 * single value (one column: a number, or a string for a categorical column), an array of cells,
 * or an object read by field name. The first row fixes
 * the kind and the columns; every later row must be of the same kind.
 *
 * @example
 * ```ts
 * const rows = new ValueRows(columnOptions({}, []), { code: 'ERR_JSON_VALUE', locate: () => ({}) }, b => console.log(b.data))
 * rows.write({ x: 1, y: 2 }); rows.write({ x: 3 }); rows.end() // Float64Array [1, 2, 3, NaN]
 * ```
 */
export class ValueRows {
  private builder: RowBuilder | undefined
  private kind: 'value' | 'array' | 'object' | undefined
  private readonly single: unknown[] = [0]

  constructor (
    private readonly settings: ColumnSettings,
    private readonly context: ErrorContext,
    private readonly emit: (batch: Batch) => void
  ) {}

  /** Rows dropped by `onInvalid: 'skip-row'`. */
  get skippedRows (): number {
    return this.builder?.skippedRows ?? 0
  }

  /** Rows added so far (the index of the next row). */
  get row (): number {
    return this.builder?.row ?? 0
  }

  /** Adds one row. */
  write (value: unknown): void {
    const kind = Array.isArray(value) || ArrayBuffer.isView(value) ? 'array' : typeof value === 'object' && value !== null ? 'object' : 'value'
    if (kind !== this.kind) this.start(kind, value)
    if (kind === 'array') {
      this.builder!.addRow(value as ArrayLike<unknown>)
    } else if (kind === 'value') {
      this.single[0] = value
      this.builder!.addRow(this.single)
    } else {
      this.builder!.addObject(value as Record<string, unknown>)
    }
  }

  private start (kind: 'value' | 'array' | 'object', value: unknown): void {
    if (this.kind !== undefined) {
      throw new ArilError('ERR_RAGGED_ROWS', `Expected every row to be ${KINDS[this.kind]} like the first, got ${show(value)}`, { ...this.context.locate(), row: this.row })
    }
    const fields = kind === 'object' ? Object.keys(value as object) : undefined
    checkColumns(this.settings, fields?.length ?? (kind === 'value' ? 1 : (value as ArrayLike<unknown>).length), { ...this.context.locate(), row: this.row })
    const layout = fields !== undefined
      ? resolveColumns(this.settings, { fields })
      : resolveColumns(this.settings, { width: kind === 'value' ? 1 : (value as ArrayLike<unknown>).length })
    this.kind = kind
    this.builder = new RowBuilder(layout, this.settings, this.context, this.emit)
  }

  /** Emits the last, partial Batch. */
  end (): void {
    this.builder?.flush()
  }
}

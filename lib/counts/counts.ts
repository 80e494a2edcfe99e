/**
 * The sufficient statistic of every categorical graphical model: exact weighted counts of the
 * distinct rows of a stream (pomegranate's `reduce_dataset`), with categories discovered as they
 * appear. While the distinct rows fit in `memoryBudget`, every count table of any set of columns
 * can be read from them; beyond it the summary keeps only the tables it was told it will be asked
 * for (the families of a fixed structure, all pairs for Chow-Liu, all sets up to `maxParents + 1`
 * columns for a search), and past `maxMemory` it stops with `ERR_LIMIT`.
 *
 * Every count is exact (see tuple-counts.ts) and every result lists categories in canonical order
 * (see categories.ts), so the same rows in any chunking, batch order or worker split, merged in any
 * order, give the same bits, whichever mode the summary was in.
 */
import { requireValues, type Batch } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { ColumnCategories, isCategory, MISSING, type Category } from './categories.js'
import { TupleCounts, tupleBytes, type TupleCountsSummary } from './tuple-counts.js'

/** Options of {@link CategoryCounts}. */
export interface CountsOptions {
  /** Bytes the distinct rows may use before only the planned tables are kept. Default 64 MiB. */
  memoryBudget?: number | undefined
  /** Bytes the counts may use at all; beyond it `ERR_LIMIT`. Default 1 GiB. */
  maxMemory?: number | undefined
  /** Categories one column may have; beyond it `ERR_LIMIT`. Default 65536. */
  maxCategories?: number | undefined
  /** The sets of columns whose count tables must stay available past the budget. */
  sets?: ReadonlyArray<readonly number[]> | undefined
}

/** The keys of {@link CountsOptions}. */
export const COUNTS_OPTION_KEYS = ['memoryBudget', 'maxMemory', 'maxCategories', 'sets'] as const

/** A {@link CategoryCounts} as plain JSON: categories keep their types (numbers, strings, booleans). */
export interface CountsSummary {
  columns: number
  rows: number
  keys: Category[][]
  mode: 'rows' | 'tables'
  tables: TupleCountsSummary[]
}

/** The counts of a set of columns: every tuple seen, in canonical order. */
export interface CountTable {
  /** The columns, in the order of each tuple's codes. */
  columns: number[]
  /** Every category of each column (not only those in a tuple), canonical order. */
  keys: Category[][]
  /** Tuples counted. */
  size: number
  /** Codes of each tuple (index into `keys[j]`, −1 for missing), tuple after tuple, sorted. */
  codes: Int32Array
  /** The count of each tuple. */
  counts: Float64Array
}

const MIB = 2 ** 20

/** Rows counted between two checks of the memory budget. */
const CHECK_ROWS = 8192

/**
 * Exact, mergeable counts of the distinct rows of categorical columns.
 * @example
 * ```ts
 * const counts = new CategoryCounts(2)
 * counts.add(toBatch([['a', 1], ['b', 1], ['a', 1]], { categorical: true }))
 * counts.table([0]) // => { columns: [0], keys: [['a', 'b']], size: 2, codes: Int32Array [0, 1], counts: Float64Array [2, 1] }
 * ```
 */
export class CategoryCounts {
  private categories: ColumnCategories[]
  /** The distinct rows (rows mode) or the planned tables (tables mode). */
  private tables: TupleCounts[]
  private mode: 'rows' | 'tables' = 'rows'
  /** Rows counted, merged ones included. */
  rows = 0
  private readonly memoryBudget: number
  private readonly maxMemory: number
  private readonly maxCategories: number
  private readonly sets: number[][] | undefined

  constructor (readonly columns: number, options: CountsOptions = {}) {
    checkKeys(options, COUNTS_OPTION_KEYS, 'CategoryCounts')
    this.memoryBudget = byteOption(options.memoryBudget, 'memoryBudget', 64 * MIB)
    this.maxMemory = byteOption(options.maxMemory, 'maxMemory', 1024 * MIB)
    const maxCategories = options.maxCategories ?? 65536
    if (!Number.isInteger(maxCategories) || maxCategories < 1) invalidOption('maxCategories', 'a whole number >= 1', maxCategories)
    this.maxCategories = maxCategories
    this.sets = options.sets === undefined ? undefined : maximalSets(options.sets, columns)
    this.categories = Array.from({ length: columns }, (_, c) => new ColumnCategories(c, maxCategories))
    this.tables = [this.rowTable()]
  }

  private rowTable (): TupleCounts {
    return new TupleCounts(Array.from({ length: this.columns }, (_, c) => c))
  }

  /** Whether the distinct rows are kept (any table can be read) or only the planned tables. */
  get keepsRows (): boolean {
    return this.mode === 'rows'
  }

  /** Drops every count and category. */
  clear (): void {
    this.categories = this.categories.map((_, c) => new ColumnCategories(c, this.maxCategories))
    this.tables = [this.rowTable()]
    this.mode = 'rows'
    this.rows = 0
  }

  /**
   * Counts the rows of a batch (its weights, if any). A row's missing values are counted as
   * missing; a family with a missing value skips the row when its table is read.
   * @param rowBase the row number of the batch's first row, for error locations
   * @throws ArilError `ERR_COLUMN_COUNT`, `ERR_INVALID_INPUT` for a value that is not a category,
   *   `ERR_LIMIT` past `maxCategories` (nothing is counted) or `maxMemory` (the batch is counted:
   *   a model rolls its pass back)
   */
  add (batch: Batch, rowBase = 0): void {
    if (batch.cols !== this.columns) throw new ArilError('ERR_COLUMN_COUNT', `Expected ${this.columns} columns, got ${batch.cols}`, { row: rowBase, expectedColumns: this.columns, foundColumns: batch.cols })
    if (batch.rows === 0) return
    requireValues(batch, 'Category counts')
    const sizes = this.categories.map(c => c.size)
    const codes = new Int32Array(batch.rows * this.columns)
    try {
      this.categories.forEach((c, j) => c.readColumn(batch, codes, this.columns, j, rowBase))
    } catch (err) {
      this.forgetNewCategories(sizes)
      throw err
    }
    // A large batch is counted in steps, so the budget is checked (and the planned tables taken
    // up) before the distinct rows of one batch can outgrow it.
    for (let start = 0; start < batch.rows; start += CHECK_ROWS) {
      this.count(codes, batch.weights, start, Math.min(batch.rows, start + CHECK_ROWS))
      this.checkMemory()
    }
  }

  private count (codes: Int32Array, weights: Float64Array | undefined, start: number, end: number): void {
    this.fitTables()
    for (const table of this.tables) table.addRows(codes, this.columns, table.columns, weights, start, end)
    this.rows += end - start
  }

  /** Undoes the categories a failed batch added (they are the last ones of each column). */
  private forgetNewCategories (sizes: number[]): void {
    if (this.categories.every((c, j) => c.size === sizes[j])) return
    const rebuilt = this.categories.map((c, j) => {
      const fresh = new ColumnCategories(j, this.maxCategories)
      for (const key of c.keys.slice(0, sizes[j])) fresh.code(key)
      return fresh
    })
    this.categories = rebuilt
  }

  private fitTables (): void {
    for (const table of this.tables) table.columns.forEach((c, j) => table.fit(j, this.categories[c]!.size))
  }

  private get bytes (): number {
    return this.tables.reduce((s, t) => s + t.bytes, 0)
  }

  /** Moves from distinct rows to the planned tables past the budget; stops past the hard limit. */
  private checkMemory (): void {
    if (this.mode === 'rows' && this.bytes > this.memoryBudget) {
      if (this.sets === undefined) {
        limitExceeded('memoryBudget', this.memoryBudget, `the ${this.tables[0]!.size} distinct rows counted (${this.bytes} bytes), with no smaller tables planned (give maxParents, or a fixed structure)`)
      }
      this.keepPlannedTables(this.sets)
    }
    if (this.bytes > this.maxMemory) limitExceeded('maxMemory', this.maxMemory, `count tables of ${this.bytes} bytes`)
  }

  /** Replaces the distinct rows by the planned tables, counted from them. */
  private keepPlannedTables (sets: number[][]): void {
    const rows = this.tables[0]!
    this.tables = sets.map(set => {
      const table = new TupleCounts(set)
      set.forEach((c, j) => table.fit(j, this.categories[c]!.size))
      table.addTable(rows, set, set.map(() => undefined))
      return table
    })
    this.mode = 'tables'
  }

  /** Every category of a column, in canonical order. */
  keys (column: number): Category[] {
    return this.categories[column]!.canonical().keys
  }

  /** Whether the counts of these columns can be read. */
  has (columns: readonly number[]): boolean {
    return this.source(columns) !== undefined
  }

  private source (columns: readonly number[]): TupleCounts | undefined {
    return this.tables.find(t => columns.every(c => t.columns.includes(c)))
  }

  /**
   * The counts of a set of columns (tuples in canonical order, missing values included as −1).
   * @throws ArilError `ERR_INVALID_ARGUMENT` for columns out of range, or whose counts were not
   *   kept (the distinct rows went past `memoryBudget` and no planned table covers them)
   */
  table (columns: readonly number[]): CountTable {
    if (!columns.every(c => Number.isInteger(c) && c >= 0 && c < this.columns) || new Set(columns).size !== columns.length) {
      throw new ArilError('ERR_INVALID_ARGUMENT', `Expected distinct column indices below ${this.columns}, got [${columns.join(', ')}]`)
    }
    const from = this.source(columns)
    if (from === undefined) {
      throw new ArilError('ERR_INVALID_ARGUMENT', `The counts of columns [${columns.join(', ')}] were not kept: the distinct rows went past memoryBudget = ${this.memoryBudget} bytes and no planned table covers these columns`)
    }
    const canonical = columns.map(c => this.categories[c]!.canonical())
    const table = new TupleCounts(columns)
    columns.forEach((c, j) => table.fit(j, this.categories[c]!.size))
    table.addTable(from, columns.map(c => from.columns.indexOf(c)), canonical.map(k => k.rank))
    const width = columns.length
    const order = Array.from({ length: table.size }, (_, s) => s).sort((a, b) => {
      for (let j = 0; j < width; j++) {
        const d = table.codes[a * width + j]! - table.codes[b * width + j]!
        if (d !== 0) return d
      }
      return 0
    })
    const codes = new Int32Array(table.size * width)
    const counts = new Float64Array(table.size)
    order.forEach((s, i) => {
      codes.set(table.codes.subarray(s * width, (s + 1) * width), i * width)
      counts[i] = table.value(s)
    })
    return { columns: [...columns], keys: canonical.map(k => k.keys), size: table.size, codes, counts }
  }

  summary (): CountsSummary {
    return {
      columns: this.columns,
      rows: this.rows,
      keys: this.categories.map(c => c.keys.slice()),
      mode: this.mode,
      tables: this.tables.map(t => t.summary())
    }
  }

  /**
   * Adds another summary's counts (categories matched by value, tables by columns).
   * @throws ArilError `ERR_SUMMARY_MISMATCH` when the summary is malformed or lacks tables this
   *   one keeps; `ERR_LIMIT` as {@link CategoryCounts.add}
   */
  merge (summary: CountsSummary): void {
    const problem = CategoryCounts.problem(summary, this.columns)
    if (problem !== undefined) throw new ArilError('ERR_SUMMARY_MISMATCH', `Counts summary does not fit: ${problem}`)
    const remap = summary.keys.map((keys, c) => Int32Array.from(keys, key => this.categories[c]!.code(key)))
    const theirs = summary.tables.map(s => TupleCounts.from(s, summary.keys.map(k => k.length)))
    this.fitTables()
    if (summary.mode === 'tables' && this.mode === 'rows') {
      if (this.sets === undefined) throw new ArilError('ERR_SUMMARY_MISMATCH', 'Counts summary does not fit: it kept only some tables and this one plans none')
      this.keepPlannedTables(this.sets)
    }
    for (const table of this.tables) {
      const from = theirs.find(t => table.columns.every(c => t.columns.includes(c)))
      if (from === undefined) throw new ArilError('ERR_SUMMARY_MISMATCH', `Counts summary does not fit: it has no table covering columns [${table.columns.join(', ')}]`)
      table.addTable(from, table.columns.map(c => from.columns.indexOf(c)), table.columns.map(c => remap[c]))
    }
    this.rows += summary.rows
    this.checkMemory()
  }

  /** What is wrong with a counts summary of `columns` columns, or undefined. */
  static problem (value: unknown, columns: number): string | undefined {
    if (typeof value !== 'object' || value === null) return `expected counts, got ${show(value)}`
    const s = value as Partial<CountsSummary>
    if (s.columns !== columns) return `expected ${columns} columns, got ${show(s.columns)}`
    if (!Number.isInteger(s.rows) || s.rows! < 0) return `expected a row count, got ${show(s.rows)}`
    if (s.mode !== 'rows' && s.mode !== 'tables') return `expected mode 'rows' or 'tables', got ${show(s.mode)}`
    if (!Array.isArray(s.keys) || s.keys.length !== columns) return `expected the categories of ${columns} columns`
    for (const keys of s.keys) {
      if (!Array.isArray(keys) || !keys.every(isCategory) || new Set(keys).size !== keys.length) return 'expected lists of distinct categories'
    }
    if (!Array.isArray(s.tables) || s.tables.length === 0) return 'expected count tables'
    for (const t of s.tables) {
      if (typeof t !== 'object' || t === null || !Array.isArray(t.columns) || !t.columns.every(c => Number.isInteger(c) && c >= 0 && c < columns)) return 'expected tables over the columns'
      const width = t.columns.length
      if (!Array.isArray(t.integer) || !Array.isArray(t.exact) || !Array.isArray(t.cells) || t.exact.length !== t.integer.length || t.cells.length !== width * t.integer.length) {
        return 'expected cells, integer and exact lists of matching lengths'
      }
      if (!t.integer.every(w => Number.isInteger(w) && w >= 0 && w <= 2 ** 53)) return 'expected whole, non-negative integer parts'
      if (!t.exact.every(e => e === 0 || (Array.isArray(e) && e.every(x => typeof x === 'number' || typeof x === 'string')))) return 'expected exact remainders'
      for (let i = 0; i < t.cells.length; i++) {
        const code = t.cells[i]!
        if (!Number.isInteger(code) || code < MISSING || code >= s.keys[t.columns[i % width]!]!.length) return `expected category codes, got ${show(code)}`
      }
    }
    if (s.mode === 'rows' && (s.tables.length !== 1 || s.tables[0]!.columns.length !== columns || !s.tables[0]!.columns.every((c, j) => c === j))) {
      return 'expected one table of every column in rows mode'
    }
    return undefined
  }

  /** Bytes the distinct rows of this many columns would take, per row (for sizing a budget). */
  static bytesPerRow (columns: number): number {
    return tupleBytes(columns)
  }
}

function byteOption (value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0)) invalidOption(name, 'a number of bytes > 0', value)
  return value
}

/** The sets that no other set contains, each sorted (a table of a superset answers a subset). */
function maximalSets (sets: ReadonlyArray<readonly number[]>, columns: number): number[][] {
  const sorted = sets.map((set, i) => {
    if (!Array.isArray(set) || !set.every(c => Number.isInteger(c) && c >= 0 && c < columns) || new Set(set).size !== set.length) {
      invalidOption(`sets[${i}]`, `distinct column indices below ${columns}`, set)
    }
    return [...set].sort((a, b) => a - b)
  })
  const out: number[][] = []
  for (const set of sorted.sort((a, b) => b.length - a.length)) {
    if (!out.some(kept => set.every(c => kept.includes(c)))) out.push(set)
  }
  return out.sort((a, b) => a.length - b.length || a.reduce((d, c, j) => d !== 0 ? d : c - b[j]!, 0))
}

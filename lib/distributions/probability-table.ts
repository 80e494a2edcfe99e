/**
 * What ConditionalProbabilityTable and JointProbabilityTable share: a dense table over the
 * product of each column's keys (last column fastest, as pomegranate lists it), weighted counts
 * of key combinations that grow as new keys appear in the data, and with the JSON helpers in
 * table-json.ts. A subclass only says how counts become probabilities.
 */
import { BlockedSums, blockedSumsProblem, ExactSum, type BlockedSumsSummary } from '../core/accumulate.js'
import type { Batch, Key } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded, show } from '../core/errors.js'
import { compareKeys, isKey, isMissingKey } from '../core/keys.js'
import { Model, type Statistics, type Summary } from '../core/model.js'
import { checkKeys as checkOptionKeys, numberOption, updateOptions, type UpdateOptions } from '../core/options.js'
import { JSON_LIMITS } from '../core/serialize.js'

/** One row of a table: the keys of every column, then a probability. */
export type TableRow = ReadonlyArray<Key>

/**
 * A parent of a table column: anything with `keys` (an array, an iterable or a method returning
 * one, such as a DiscreteDistribution or another ConditionalProbabilityTable), or a plain key list.
 */
export type TableParent = readonly Key[] | { readonly keys: Iterable<Key> | (() => Iterable<Key>); toJSON?: () => object }

/** Options of the table constructors. */
export interface TableOptions {
  /** Start frozen: summarize and fromSummaries are ignored. */
  frozen?: boolean
  /** Most keys of one column (default 100,000), in the table given, the data or a merged summary; beyond is `ERR_LIMIT`. */
  maxKeys?: number
  /** Most cells of the table, the product of its columns' key counts (default 4,194,304 = 2^22); beyond is `ERR_LIMIT`. */
  maxTableCells?: number
}

/** The keys of {@link TableOptions}. */
export const TABLE_OPTION_KEYS = ['frozen', 'maxKeys', 'maxTableCells'] as const

/** The limits of a table, normalized. */
export interface TableLimits {
  maxKeys: number
  maxTableCells: number
}

/** Reads `maxKeys` and `maxTableCells` of the table options. */
export function tableLimits (options: TableOptions): TableLimits {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  return {
    maxKeys: numberOption(options, 'maxKeys', JSON_LIMITS.maxKeys, 1),
    maxTableCells: numberOption(options, 'maxTableCells', JSON_LIMITS.maxTableCells, 1)
  }
}

/** Throws `ERR_LIMIT` when columns of these key counts exceed the limits (the column at fault as the location). */
export function checkTableSize (sizes: readonly number[], limits: TableLimits, name: string): void {
  let cells = 1
  sizes.forEach((size, c) => {
    if (size > limits.maxKeys) limitExceeded('maxKeys', limits.maxKeys, `${size} keys in column ${c} of a ${name}`, { column: c })
    cells *= size
  })
  if (cells > limits.maxTableCells) limitExceeded('maxTableCells', limits.maxTableCells, `a ${name} of ${sizes.join(' × ')} = ${cells} cells`)
}

/** How far a probability sum may be from 1 in a given table. */
export const TABLE_TOLERANCE = 1e-9

/** The keys of a parent, in its order. */
export function parentKeys (parent: unknown, index: number): Key[] {
  if (Array.isArray(parent)) return checkKeys(parent, index)
  if (typeof parent === 'object' && parent !== null && 'keys' in parent) {
    const keys = (parent as { keys: unknown }).keys
    const list = typeof keys === 'function' ? (keys as () => unknown).call(parent) : keys
    if (typeof list === 'object' && list !== null && Symbol.iterator in list) return checkKeys([...(list as Iterable<unknown>)], index)
  }
  throw new ArilError('ERR_INVALID_ARGUMENT', `Expected parents[${index}] to be a distribution with keys or a list of keys, got ${show(parent)}`)
}

function checkKeys (keys: readonly unknown[], index: number): Key[] {
  for (const k of keys) {
    if (!isKey(k)) throw new ArilError('ERR_INVALID_ARGUMENT', `Expected the keys of parents[${index}] to be strings, numbers or booleans (not NaN or "nan", the missing value), got ${show(k)}`)
  }
  return keys as Key[]
}

/** The strides of a row-major table of the given shape (last column fastest). */
export function strides (shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length)
  let s = 1
  for (let c = shape.length - 1; c >= 0; c--) {
    out[c] = s
    s *= shape[c]!
  }
  return out
}

/** A table read from rows: per-column keys in order of first appearance and dense probabilities. */
export interface ParsedTable {
  keys: Key[][]
  probabilities: Float64Array
  /** For each dense cell, the row of the given table it came from (for error locations). */
  rowOf: Int32Array
}

/**
 * Reads pomegranate's table: rows of `columns` keys and a probability, covering every
 * combination of the column keys exactly once. Sizes are checked against the limits and against
 * the rows actually given before the dense table is allocated.
 * @throws ArilError `ERR_INVALID_TABLE` with the row (and column) at fault, `ERR_LIMIT`
 *   (`maxKeys`, `maxTableCells`)
 */
export function parseTable (table: unknown, columns: number, name: string, limits: TableLimits): ParsedTable {
  if (!Array.isArray(table)) throw new ArilError('ERR_INVALID_TABLE', `${name}: expected a table (a list of rows), got ${show(table)}`)
  if (table.length > limits.maxTableCells) limitExceeded('maxTableCells', limits.maxTableCells, `a ${name} of ${table.length} rows`)
  const keys: Key[][] = Array.from({ length: columns }, () => [])
  const index = keys.map(() => new Map<Key, number>())
  const cells: number[][] = []
  const values: number[] = []
  table.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== columns + 1) {
      throw new ArilError('ERR_INVALID_TABLE', `${name}: expected rows of ${columns} key${columns === 1 ? '' : 's'} and a probability, got ${show(row)}`, { row: r })
    }
    const cell = new Array<number>(columns)
    for (let c = 0; c < columns; c++) {
      const key = row[c] as unknown
      if (!isKey(key)) throw new ArilError('ERR_INVALID_TABLE', `${name}: expected a key (a string, number or boolean; not NaN or "nan", the missing value), got ${show(key)}`, { row: r, column: c })
      let i = index[c]!.get(key)
      if (i === undefined) {
        i = keys[c]!.push(key) - 1
        if (i >= limits.maxKeys) limitExceeded('maxKeys', limits.maxKeys, `${i + 1} keys in column ${c} of a ${name}`, { row: r, column: c })
        index[c]!.set(key, i)
      }
      cell[c] = i
    }
    const p = row[columns] as unknown
    if (typeof p !== 'number' || !(p >= 0) || p === Infinity) {
      throw new ArilError('ERR_INVALID_TABLE', `${name}: expected a probability >= 0, got ${show(p)}`, { row: r, column: columns })
    }
    cells.push(cell)
    values.push(p)
  })
  const shape = keys.map(k => k.length)
  const stride = strides(shape)
  const size = table.length === 0 ? 0 : shape.reduce((a, b) => a * b, 1)
  const at = cells.map(cell => cell.reduce((s, i, c) => s + i * stride[c]!, 0))
  const rowAt = new Map<number, number>()
  at.forEach((cell, r) => {
    if (rowAt.has(cell)) {
      throw new ArilError('ERR_INVALID_TABLE', `${name}: expected each key combination once, got [${cells[r]!.map((i, c) => show(keys[c]![i])).join(', ')}] again`, { row: r })
    }
    rowAt.set(cell, r)
  })
  if (cells.length !== size) {
    // Distinct cells fewer than the product: some combination has no row; name the first.
    let first = 0
    while (rowAt.has(first)) first++
    const missing = new Array<string>(columns)
    for (let c = columns - 1; c >= 0; c--) {
      missing[c] = show(keys[c]![first % shape[c]!])
      first = Math.floor(first / shape[c]!)
    }
    throw new ArilError('ERR_INVALID_TABLE', `${name}: expected a row for every combination of the column keys (${shape.join(' × ')} = ${size}), got ${cells.length} rows; no row for [${missing.join(', ')}]`)
  }
  const probabilities = new Float64Array(size)
  const rowOf = new Int32Array(size)
  at.forEach((cell, r) => {
    probabilities[cell] = values[r]!
    rowOf[cell] = r
  })
  return { keys, probabilities, rowOf }
}

/** The exact sum of `values[start..end)`. */
export function exactSum (values: Float64Array, start: number, end: number): number {
  const s = new ExactSum()
  for (let i = start; i < end; i++) s.add(values[i]!)
  return s.value()
}

/** The counts' part of a table summary: keys per column, the key indices of each counted cell, the sums. */
interface CountsSummary {
  keys: Key[][]
  cells: number[][]
  sums: BlockedSumsSummary
}

/**
 * Weighted counts of key combinations. Keys and cells get numbers in order of first appearance
 * (so a summary is self-describing and shards with different keys merge); the counts go through
 * {@link BlockedSums}, growing a slot per new cell, so any chunking and merge order give the
 * same bits. New keys are checked against the table's limits (counting the keys the table already
 * has, `known`) before anything is counted.
 */
class TableCounts {
  keys: Key[][]
  private index: Array<Map<Key, number>>
  cells: number[][] = []
  /** Slot of each cell, as nested maps keyed by the keys themselves (one lookup per column). */
  private slots = new Map<Key, unknown>()
  sums = new BlockedSums(0)
  private readonly scratch: Key[]
  /** Per column: keys counted here that the table does not have yet. */
  private fresh: number[]

  constructor (readonly columns: number, private readonly table: { known: (column: number, key: Key) => boolean; sizes: () => number[]; name: string; limits: TableLimits }) {
    this.keys = Array.from({ length: columns }, () => [])
    this.index = this.keys.map(() => new Map())
    this.scratch = new Array(columns)
    this.fresh = new Array<number>(columns).fill(0)
  }

  /**
   * Counts the given columns of a batch (a row with a missing key or weight 0 is skipped).
   * @throws ArilError `ERR_LIMIT` when its new keys exceed the table's limits; nothing is counted then
   */
  add (batch: Batch, columns: readonly number[]): void {
    const { weights } = batch
    const scratch = this.scratch
    const raw = columns.map(c => batch.categories?.[c])
    const slots = new Int32Array(batch.rows)
    this.atomically(() => {
      for (let r = 0; r < batch.rows; r++) {
        slots[r] = (weights === undefined || weights[r] !== 0) && readKeys(batch, columns, raw, r, scratch) ? this.slot(scratch) : -1
      }
    })
    this.sums.runs(batch.rows, (start, end) => {
      const partial = this.sums.partial
      for (let r = start; r < end; r++) {
        const slot = slots[r]!
        if (slot >= 0) partial[slot] += weights === undefined ? 1 : weights[r]!
      }
    })
  }

  /** Runs `step`, which may add keys and cells; if it throws, they are taken back. Then grows the sums. */
  private atomically (step: () => void): void {
    const cells = this.cells.length
    const keys = this.keys.map(k => k.length)
    const fresh = this.fresh.slice()
    try {
      step()
    } catch (err) {
      for (const cell of this.cells.splice(cells)) {
        let node = this.slots
        for (let c = 0; c < cell.length - 1; c++) node = node.get(this.keys[c]![cell[c]!]!) as Map<Key, unknown>
        node.delete(this.keys[cell.length - 1]![cell.at(-1)!]!)
      }
      this.keys.forEach((k, c) => { for (const key of k.splice(keys[c]!)) this.index[c]!.delete(key) })
      this.fresh = fresh
      throw err
    }
    this.sums.grow(this.cells.length)
  }

  private keyIndex (column: number, key: Key): number {
    let i = this.index[column]!.get(key)
    if (i === undefined) {
      if (!this.table.known(column, key)) {
        this.fresh[column]!++
        checkTableSize(this.table.sizes().map((size, c) => size + this.fresh[c]!), this.table.limits, this.table.name)
      }
      i = this.keys[column]!.push(key) - 1
      this.index[column]!.set(key, i)
    }
    return i
  }

  /** The slot of a key combination, numbering its new keys and adding a cell when it is new (the caller grows the sums). */
  private slot (keys: readonly Key[]): number {
    let node = this.slots
    const last = keys.length - 1
    for (let c = 0; c < last; c++) {
      let next = node.get(keys[c]!) as Map<Key, unknown> | undefined
      if (next === undefined) node.set(keys[c]!, next = new Map())
      node = next
    }
    let s = node.get(keys[last]!) as number | undefined
    if (s === undefined) {
      s = this.cells.push(keys.map((key, c) => this.keyIndex(c, key))) - 1
      node.set(keys[last]!, s)
    }
    return s
  }

  summary (): CountsSummary {
    return { keys: this.keys.map(k => k.slice()), cells: this.cells.map(c => c.slice()), sums: this.sums.summary() }
  }

  /**
   * Adds a checked summary, renumbering its keys and cells into this one's.
   * @throws ArilError `ERR_LIMIT` when its keys exceed the table's limits; nothing is merged then
   */
  merge (s: CountsSummary): void {
    let slotMap: number[] = []
    this.atomically(() => { slotMap = s.cells.map(cell => this.slot(cell.map((i, c) => s.keys[c]![i]!))) })
    const n = this.cells.length
    const partial = new Array<BlockedSumsSummary['partial'][number]>(n).fill(0)
    const sums: BlockedSumsSummary['sums'] = Array.from({ length: n }, () => [])
    slotMap.forEach((slot, i) => {
      partial[slot] = s.sums.partial[i]!
      sums[slot] = s.sums.sums[i]!
    })
    this.sums.merge({ ...s.sums, partial, sums })
  }

  /** What is wrong with a summary of `columns` columns, or undefined. */
  static problem (value: unknown, columns: number): string | undefined {
    if (typeof value !== 'object' || value === null) return `expected counts, got ${show(value)}`
    const s = value as Partial<CountsSummary>
    if (!Array.isArray(s.keys) || s.keys.length !== columns) return `expected keys of ${columns} columns, got ${show(s.keys)}`
    for (const keys of s.keys) {
      if (!Array.isArray(keys) || !keys.every(isKey) || new Set(keys).size !== keys.length) return 'expected lists of distinct keys'
    }
    if (!Array.isArray(s.cells)) return `expected a list of cells, got ${show(s.cells)}`
    const ids = new Set<string>()
    for (const cell of s.cells) {
      if (!Array.isArray(cell) || cell.length !== columns || !cell.every((i, c) => Number.isInteger(i) && i >= 0 && i < s.keys![c]!.length)) {
        return `expected cells of ${columns} key indices, got ${show(cell)}`
      }
      ids.add(cell.join(','))
    }
    if (ids.size !== s.cells.length) return 'expected distinct cells'
    return blockedSumsProblem(s.sums, s.cells.length, false)
  }
}

/** Reads the keys of row r in the given columns into `out`; false when one is missing. */
function readKeys (batch: Batch, columns: readonly number[], raw: ReadonlyArray<ReadonlyArray<Key | null> | undefined>, r: number, out: Key[]): boolean {
  for (let c = 0; c < columns.length; c++) {
    const values = raw[c]
    let key: Key | null | undefined
    if (values === undefined) {
      const x = batch.data[r * batch.cols + columns[c]!]!
      key = x === 0 ? 0 : x // -0 and 0 are one key
    } else {
      key = values[r]
    }
    if (isMissingKey(key)) return false
    out[c] = key!
  }
  return true
}

/**
 * The base of the probability tables: parameters are per-column keys and a dense table of
 * probabilities over their product; statistics are weighted counts of the combinations seen.
 */
export abstract class ProbabilityTable<S> extends Model<[table: Key[][], parents: unknown[]], UpdateOptions, S> {
  readonly dimension: number
  /** Keys of each column, in table order. */
  protected tableKeys: Key[][] = []
  private index: Array<Map<Key, number>> = []
  /** Probabilities of every key combination, last column fastest. */
  protected probabilities: Float64Array = new Float64Array(0)
  private logProbabilities: Float64Array = new Float64Array(0)
  private counts: TableCounts
  /** `maxKeys` and `maxTableCells`: how far the data may grow the table. */
  readonly limits: TableLimits

  constructor (dimension: number, options: TableOptions) {
    super()
    checkOptionKeys(options, TABLE_OPTION_KEYS, new.target.name)
    this.dimension = dimension
    this.limits = tableLimits(options)
    this.counts = this.newCounts()
  }

  private newCounts (): TableCounts {
    const table = this
    return new TableCounts(this.dimension, {
      known: (column, key) => this.index[column]?.has(key) === true,
      sizes: () => Array.from({ length: this.dimension }, (_, c) => this.tableKeys[c]?.length ?? 0),
      // a getter: the subclass sets its name after this constructor ran
      get name () { return table.name },
      limits: this.limits
    })
  }

  override get categorical (): boolean {
    return true
  }

  /** The keys of each column, in table order. */
  get columnKeys (): Key[][] {
    return this.tableKeys.map(k => k.slice())
  }

  /** Sizes of the key sets of each column. */
  protected get shape (): number[] {
    return this.tableKeys.map(k => k.length)
  }

  /** Sets the parameters (and the log cache, rebuilt only here). */
  protected setTable (keys: Key[][], probabilities: Float64Array): void {
    this.tableKeys = keys
    this.index = keys.map(k => new Map(k.map((key, i) => [key, i])))
    this.probabilities = probabilities
    this.logProbabilities = probabilities.map(Math.log)
  }

  /** The table as pomegranate's rows `[...keys, probability]`, last column fastest. */
  protected rows (): Key[][] {
    const out: Key[][] = []
    const shape = this.shape
    const cell = new Array<number>(shape.length).fill(0)
    for (let at = 0; at < this.probabilities.length; at++) {
      out.push([...cell.map((i, c) => this.tableKeys[c]![i]!), this.probabilities[at]!])
      for (let c = shape.length - 1; c >= 0 && ++cell[c]! === shape[c]; c--) cell[c] = 0
    }
    return out
  }

  summarizeBatch (batch: Batch): undefined {
    this.summarizeColumns(batch, Array.from({ length: this.dimension }, (_, c) => c))
    return undefined
  }

  /**
   * Counts the given columns of a batch, in this table's column order (so a larger model can hand
   * a table its columns of a wider batch). A frozen table counts nothing. The string `"nan"`, like
   * null and NaN, is a missing value: the row is skipped (pomegranate's CPT skips it too).
   * @throws ArilError `ERR_LIMIT` when the batch's new keys would grow the table beyond `maxKeys`
   *   keys in a column or `maxTableCells` cells; nothing of the batch is counted then
   */
  summarizeColumns (batch: Batch, columns: readonly number[]): void {
    if (this.frozen) return
    this.counts.add(batch, columns)
  }

  protected update (options: UpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    const totals = this.counts.sums.totals()
    const total = new ExactSum()
    for (const t of totals) total.addSum(t)
    if (!(total.value() > 0)) return
    const counts = this.counts
    const keys = this.tableKeys.map((old, c) => {
      const known = new Set(old)
      return [...old, ...counts.keys[c]!.filter(k => !known.has(k)).sort(compareKeys)]
    })
    const shape = keys.map(k => k.length)
    const stride = strides(shape)
    const size = shape.reduce((a, b) => a * b, 1)
    const index = keys.map(k => new Map(k.map((key, i) => [key, i])))
    const cellCounts = new Array<ExactSum | undefined>(size)
    counts.cells.forEach((cell, slot) => {
      const at = cell.reduce((s, i, c) => s + index[c]!.get(counts.keys[c]![i]!)! * stride[c]!, 0)
      cellCounts[at] = totals[slot]
    })
    // Old keys keep their positions, so an old cell moves by re-striding its indices.
    const old = new Float64Array(size).fill(NaN)
    const oldShape = this.shape
    const cell = new Array<number>(oldShape.length).fill(0)
    for (let at = 0; at < this.probabilities.length; at++) {
      old[cell.reduce((s, i, c) => s + i * stride[c]!, 0)] = this.probabilities[at]!
      for (let c = oldShape.length - 1; c >= 0 && ++cell[c]! === oldShape[c]; c--) cell[c] = 0
    }
    this.setTable(keys, this.estimate(shape, cellCounts, old, inertia, pseudocount))
  }

  /**
   * New probabilities of the grown table from exact counts (undefined: never counted) and the old
   * probabilities (NaN for cells the old table did not have).
   */
  protected abstract estimate (shape: number[], counts: ReadonlyArray<ExactSum | undefined>, old: Float64Array, inertia: number, pseudocount: number): Float64Array

  clearSummaries (): void {
    this.counts = this.newCounts()
  }

  summary (): Summary {
    return { model: this.name, ...this.counts.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return TableCounts.problem(summary, this.dimension)
  }

  /** The statistics: the weight of each key combination seen, as rows `[...keys, Σw]` in order of first appearance. */
  override get statistics (): Statistics {
    const { keys, cells } = this.counts
    const totals = this.counts.sums.values()
    return { counts: cells.map((cell, slot) => [...cell.map((i, c) => keys[c]![i]!), totals[slot]!]) }
  }

  protected mergeChecked (summary: Summary): void {
    this.counts.merge(summary as unknown as CountsSummary)
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    const out = new Float64Array(batch.rows)
    this.logProbabilityColumns(batch, Array.from({ length: this.dimension }, (_, c) => c), out)
    return out
  }

  /**
   * Writes the log-probability of each row of the given batch columns into `out`: 0 when a key is
   * missing, −Infinity for a key the table does not have.
   */
  logProbabilityColumns (batch: Batch, columns: readonly number[], out: Float64Array): void {
    const raw = columns.map(c => batch.categories?.[c])
    const stride = strides(this.shape)
    const keys = new Array<Key>(columns.length)
    for (let r = 0; r < batch.rows; r++) {
      if (!readKeys(batch, columns, raw, r, keys)) {
        out[r] = 0
        continue
      }
      let at = 0
      for (let c = 0; c < columns.length && at >= 0; c++) {
        const i = this.index[c]!.get(keys[c]!)
        at = i === undefined ? -1 : at + i * stride[c]!
      }
      out[r] = at < 0 ? -Infinity : this.logProbabilities[at]!
    }
  }

  /** Draws a cell index from `probabilities[start..end)` (their sum need not be exactly 1). */
  protected drawCell (random: { uniform: () => number }, start: number, end: number): number {
    let total = 0
    for (let i = start; i < end; i++) total += this.probabilities[i]!
    const u = random.uniform() * total
    let cum = 0
    for (let i = start; i < end; i++) {
      cum += this.probabilities[i]!
      if (u < cum) return i
    }
    for (let i = end - 1; i > start; i--) if (this.probabilities[i]! > 0) return i
    return start
  }

  /** The keys of a dense cell. */
  protected cellKeys (at: number): Key[] {
    const shape = this.shape
    const out = new Array<Key>(shape.length)
    for (let c = shape.length - 1; c >= 0; c--) {
      out[c] = this.tableKeys[c]![at % shape[c]!]!
      at = Math.floor(at / shape[c]!)
    }
    return out
  }
}

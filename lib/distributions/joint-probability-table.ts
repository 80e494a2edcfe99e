/**
 * A joint probability table p(v_1, …, v_m) over categorical columns.
 */
import { ExactSum } from '../core/accumulate.js'
import { toBatch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { FIT_OPTION_KEYS, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { readingLimits, registerModel } from '../core/serialize.js'
import {
  checkTableSize, exactSum, parentKeys, parseTable, ProbabilityTable, TABLE_TOLERANCE, type TableOptions,
  type TableParent, type TableRow
} from './probability-table.js'
import { parentFromJSON, parentToJSON, tableFromJSON, tableToJSON } from './table-json.js'

/** A column of a joint table: its index (pomegranate's default) or a distribution or key list. */
export type JointParent = number | TableParent

/**
 * pomegranate's joint probability table: rows are `[v_1, …, v_m]` of categorical keys (strings or
 * numbers; null or NaN is missing and skips the row) and the table holds the probability of
 * every combination.
 *
 * Fitting counts each combination exactly (any chunking and merge order give the same bits) and
 * sets `p = (c + pseudocount) / (N + pseudocount·K)` with N the total weight and K the number
 * of cells, so the table sums to 1 (pomegranate uses the number of values of the last column for
 * K, and its table does not sum to 1). Keys first seen in the data grow the table with old
 * probability 0; `inertia` blends with the old table.
 *
 * @throws ArilError `ERR_INVALID_TABLE` when rows have the wrong width, a combination is missing
 *   or repeated, or the probabilities do not sum to 1 (within 1e-9)
 * @example
 * ```ts
 * const t = new JointProbabilityTable([['a', 0, 0.1], ['a', 1, 0.2], ['b', 0, 0.3], ['b', 1, 0.4]])
 * t.probability([['b', 1]]) // => Float64Array [0.4]
 * t.fit([['a', 0], ['b', 1], ['b', 1], ['c', 0]])
 * t.parameters[0].length // => 6 (key 'c' was added)
 * ```
 */
export class JointProbabilityTable extends ProbabilityTable<Key[][]> {
  readonly name = 'JointProbabilityTable'
  /** What each column is: its index (the default), a distribution or a key list. */
  readonly parents: readonly JointParent[]

  /**
   * @param table rows `[v_1, …, v_m, probability]` covering every combination once (may be empty
   *   when `parents` is given: the table then grows from the data)
   * @param parents one entry per column (default: the column indices, as pomegranate writes)
   */
  constructor (table: readonly TableRow[] = [], parents?: readonly JointParent[], options: TableOptions = {}) {
    const first = Array.isArray(table) ? table[0] : undefined
    const width = parents !== undefined ? parents.length + 1 : Array.isArray(first) ? first.length : 0
    if (width < 2) {
      throw new ArilError('ERR_INVALID_TABLE', `JointProbabilityTable: expected parents, or rows of at least one key and a probability, got ${show(first ?? table)}`, { row: 0 })
    }
    super(width - 1, options)
    const { keys, probabilities } = parseTable(table, width - 1, this.name, this.limits)
    this.parents = parents ?? keys.map((_, c) => c)
    const known = this.parents.map((p, c) => typeof p === 'number' ? undefined : parentKeys(p, c))
    if (probabilities.length === 0) known.forEach((k, c) => { if (k !== undefined) keys[c] = k.slice() })
    checkTableSize(keys.map(k => k.length), this.limits, this.name)
    const sum = exactSum(probabilities, 0, probabilities.length)
    if (probabilities.length > 0 && !(Math.abs(sum - 1) <= TABLE_TOLERANCE)) {
      throw new ArilError('ERR_INVALID_TABLE', `JointProbabilityTable: expected the probabilities to sum to 1, got ${sum}`)
    }
    this.setTable(keys, probabilities)
    this.frozen = options.frozen === true
  }

  /** `[rows, parents]`, as pomegranate: rows are `[...keys, probability]`. */
  get parameters (): [table: Key[][], parents: unknown[]] {
    return [this.rows(), [...this.parents]]
  }

  protected estimate (_shape: number[], counts: ReadonlyArray<ExactSum | undefined>, old: Float64Array, inertia: number, pseudocount: number): Float64Array {
    const size = old.length
    const total = new ExactSum()
    for (const c of counts) if (c !== undefined) total.addSum(c)
    const n = total.value()
    // A table that had no cells has nothing to blend with: it starts from the uniform one.
    const fresh = old.every(Number.isNaN)
    return old.map((before, i) => blend(fresh ? 1 / size : Number.isNaN(before) ? 0 : before, ((counts[i]?.value() ?? 0) + pseudocount) / (n + pseudocount * size), inertia))
  }

  /** `n` rows `[v_1, …, v_m]` drawn from the table. */
  sampleWith (n: number, random: Random): Key[][] {
    if (this.probabilities.length === 0) throw new ArilError('ERR_NOT_FITTED', 'JointProbabilityTable: cannot sample from an empty table')
    const out: Key[][] = []
    for (let i = 0; i < n; i++) out.push(this.cellKeys(this.drawCell(random, 0, this.probabilities.length)))
    return out
  }

  /** pomegranate's JPT dict: native keys and probabilities (text in aril's `json` columns), `dtypes`, parents as column indices. */
  toJSON (): { class: 'Distribution'; name: string; table: Key[][]; dtypes: string[]; parents: unknown[] } {
    const { table, dtypes } = tableToJSON(this.tableKeys, this.rows(), false)
    return {
      class: 'Distribution',
      name: this.name,
      table,
      dtypes,
      parents: this.parents.map((p, c) => typeof p === 'number' ? p : parentToJSON(p, this.tableKeys[c]!))
    }
  }

  /**
   * A table fitted to rows `[v_1, …, v_m]`, its keys taken from the data.
   * @example
   * ```ts
   * JointProbabilityTable.fromSamples([['a', 1], ['a', 2], ['b', 1], ['b', 1]]).parameters[0]
   * // => [['a', 1, 0.25], ['a', 2, 0.25], ['b', 1, 0.5], ['b', 2, 0]]
   * ```
   */
  static fromSamples (X: BatchInput, options: UpdateOptions & SummarizeOptions = {}): JointProbabilityTable {
    checkKeys(options, FIT_OPTION_KEYS, 'JointProbabilityTable.fromSamples')
    const { weights, ...rest } = options
    const batch = toBatch(X, { categorical: true, weights })
    return new JointProbabilityTable([], Array.from({ length: Math.max(1, batch.cols) }, (_, c) => c)).fit(batch, rest)
  }

  /** Reads pomegranate's JPT dict (native cells; parents are column indices or dicts). */
  static fromJSON (json: Record<string, unknown>): JointProbabilityTable {
    const table = tableFromJSON(json, 'JointProbabilityTable')
    if (!Array.isArray(json.parents)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected JointProbabilityTable parents to be a list, got ${show(json.parents)}`)
    const parents = json.parents.map((p: unknown, i) => Number.isInteger(p) ? p as number : parentFromJSON(p, i))
    const { maxKeys, maxTableCells } = readingLimits()
    return new JointProbabilityTable(table, parents, { frozen: json.frozen === true, maxKeys, maxTableCells })
  }
}

registerModel('JointProbabilityTable', JointProbabilityTable.fromJSON)

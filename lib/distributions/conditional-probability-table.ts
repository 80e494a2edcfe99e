/**
 * A conditional probability table p(value | parent_1 … parent_m) over categorical columns.
 */
import { ExactSum } from '../core/accumulate.js'
import { toBatch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { FIT_OPTION_KEYS, SAMPLE_OPTION_KEYS, type SampleOptions, type SummarizeOptions } from '../core/model.js'
import { blend, checkKeys, splitOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { readingLimits, registerModel } from '../core/serialize.js'
import {
  checkTableSize, exactSum, parentKeys, parseTable, ProbabilityTable, strides, TABLE_TOLERANCE,
  type TableOptions, type TableParent, type TableRow
} from './probability-table.js'
import { parentFromJSON, parentToJSON, tableFromJSON, tableToJSON } from './table-json.js'
import { DiscreteDistribution } from './discrete.js'
import { drawIndex, normalized, parentProbabilities } from './table-parents.js'

/** Options of {@link ConditionalProbabilityTable.sample}. */
export interface ConditionalSampleOptions extends SampleOptions {
  /** One key per parent: draw values from p(value | parents). Without it, each row's parents are drawn from their distributions. */
  parents?: readonly Key[] | undefined
}

/** The keys of {@link ConditionalSampleOptions}. */
export const CONDITIONAL_SAMPLE_OPTION_KEYS = [...SAMPLE_OPTION_KEYS, 'parents'] as const

/**
 * pomegranate's [conditional probability table](https://en.wikipedia.org/wiki/Conditional_probability_table):
 * rows are `[parent_1, …, parent_m, value]` of categorical keys (strings or numbers; null or NaN
 * is missing and skips the row), and the table holds p(value | parents) for every combination.
 *
 * Fitting counts each combination (exactly, so any chunking and merge order give the same bits)
 * and sets `p = (c + pseudocount) / (m + pseudocount·k)` with m the count of the parent
 * combination and k the number of values, blended with the old row by `inertia`. Keys first seen
 * in the data grow the table (old rows give a new value probability 0; a new parent combination
 * starts from the uniform row). Unlike pomegranate, a parent combination absent from the data
 * keeps its row (pomegranate resets it to uniform), and a frozen table is never updated.
 *
 * @throws ArilError `ERR_INVALID_TABLE` when rows have the wrong width, a combination is missing
 *   or repeated, or a conditional row does not sum to 1 (within 1e-9)
 * @example
 * ```ts
 * const rain = new ConditionalProbabilityTable([
 *   ['cloudy', 'rain', 0.7], ['cloudy', 'dry', 0.3],
 *   ['sunny', 'rain', 0.1], ['sunny', 'dry', 0.9]
 * ], [['cloudy', 'sunny']])
 * rain.probability([['sunny', 'dry']]) // => Float64Array [0.9]
 * rain.fit([['sunny', 'rain'], ['sunny', 'dry']])
 * rain.probability([['sunny', 'dry'], ['cloudy', 'rain']]) // => Float64Array [0.5, 0.7]
 * ```
 */
export class ConditionalProbabilityTable extends ProbabilityTable<Key[][]> {
  readonly name = 'ConditionalProbabilityTable'
  /** The parent of each parent column (distributions, or plain key lists). */
  readonly parents: readonly TableParent[]
  private sampleParents: readonly Key[] | undefined

  /**
   * @param table rows `[parent_1, …, parent_m, value, probability]` covering every combination once
   *   (may be empty when `parents` is given: the table then grows from the data)
   * @param parents the parent distributions (anything with `keys`) or key lists; default: key lists
   *   read from the table
   */
  constructor (table: readonly TableRow[] = [], parents?: readonly TableParent[], options: TableOptions = {}) {
    const first = Array.isArray(table) ? table[0] : undefined
    const width = parents !== undefined ? parents.length + 2 : Array.isArray(first) ? first.length : 0
    if (width < 2) {
      throw new ArilError('ERR_INVALID_TABLE', `ConditionalProbabilityTable: expected parents, or rows of at least a value and a probability, got ${show(first ?? table)}`, { row: 0 })
    }
    super(width - 1, options)
    const m = width - 2
    const parsed = parseTable(table, width - 1, this.name, this.limits)
    const known = parents?.map(parentKeys)
    this.parents = parents ?? parsed.keys.slice(0, m)
    const { keys, probabilities, rowOf } = parsed
    if (probabilities.length === 0 && known !== undefined) known.forEach((k, c) => { keys[c] = k.slice() })
    checkTableSize(keys.map(k => k.length), this.limits, this.name)
    const k = keys[m]!.length
    for (let start = 0; start < probabilities.length; start += k) {
      const sum = exactSum(probabilities, start, start + k)
      if (!(Math.abs(sum - 1) <= TABLE_TOLERANCE)) {
        throw new ArilError('ERR_INVALID_TABLE', `ConditionalProbabilityTable: expected the probabilities of each parent combination to sum to 1, got ${sum}`, { row: rowOf[start]! })
      }
    }
    this.setTable(keys, probabilities)
    this.frozen = options.frozen === true
  }

  /** The keys of the value column (what a child table sees when this is its parent). */
  get keys (): Key[] {
    return this.tableKeys[this.dimension - 1]!.slice()
  }

  /** `[rows, parents]`, as pomegranate: rows are `[...keys, probability]`. */
  get parameters (): [table: Key[][], parents: unknown[]] {
    return [this.rows(), [...this.parents]]
  }

  protected estimate (shape: number[], counts: ReadonlyArray<ExactSum | undefined>, old: Float64Array, inertia: number, pseudocount: number): Float64Array {
    const k = shape[shape.length - 1]!
    const out = new Float64Array(old.length)
    for (let start = 0; start < out.length; start += k) {
      let fresh = true
      let m = 0
      const seen: ExactSum[] = []
      for (let i = start; i < start + k; i++) {
        if (!Number.isNaN(old[i]!)) fresh = false
        if (counts[i] !== undefined) seen.push(counts[i]!)
      }
      if (seen.length > 0) {
        const total = seen[0]!.clone()
        for (let j = 1; j < seen.length; j++) total.addSum(seen[j]!)
        m = total.value()
      }
      for (let i = start; i < start + k; i++) {
        // A new parent combination has no row yet: it starts from the uniform one.
        const before = fresh ? 1 / k : Number.isNaN(old[i]!) ? 0 : old[i]!
        out[i] = m > 0 ? blend(before, ((counts[i]?.value() ?? 0) + pseudocount) / (m + pseudocount * k), inertia) : before
      }
    }
    return out
  }

  /**
   * The distribution of the value column with every parent drawn from its own distribution
   * (pomegranate's `marginal()`): P(v) = Σ P(v | parents) · Π P(parent_i), normalized, as a
   * DiscreteDistribution over the value keys in table order. A parent's probabilities come from
   * its distribution (a conditional table parent's own marginal; a plain key list is uniform);
   * parents are taken as independent (a Bayesian network knows better). pomegranate 0.14.8 looks
   * the result up by the last parent's keys, a KeyError when the value column's keys differ.
   * @throws ArilError `ERR_NOT_FITTED` for an empty table
   * @example
   * ```ts
   * const a = new DiscreteDistribution(new Map([[0, 0.3], [1, 0.7]]))
   * new ConditionalProbabilityTable([[0, 0, 0.9], [0, 1, 0.1], [1, 0, 0.2], [1, 1, 0.8]], [a]).marginal().probabilities
   * // => Map { 0 => 0.41, 1 => 0.59 } (0.3 · 0.9 + 0.7 · 0.2, up to rounding)
   * ```
   */
  marginal (): DiscreteDistribution {
    const k = this.shape.at(-1)!
    if (!(this.probabilities.length > 0)) throw new ArilError('ERR_NOT_FITTED', 'ConditionalProbabilityTable: an empty table has no marginal')
    const weights = this.parentWeights()
    const sums = Array.from({ length: k }, () => new ExactSum())
    for (let row = 0; row < this.probabilities.length / k; row++) {
      for (let v = 0; v < k; v++) sums[v]!.addProduct(weights[row]!, this.probabilities[row * k + v]!)
    }
    const p = normalized(Float64Array.from(sums, s => s.value()))
    return new DiscreteDistribution(new Map(this.keys.map((key, v) => [key, p[v]!])))
  }

  /** The probability of each parent combination (each row of the table), the parents taken as independent. */
  private parentWeights (): Float64Array {
    const shape = this.shape
    const m = shape.length - 1
    const perParent = this.parents.map((parent, c) => parentProbabilities(parent, this.tableKeys[c]!))
    const rows = shape.slice(0, m).reduce((a, b) => a * b, 1)
    const out = new Float64Array(rows)
    for (let row = 0; row < rows; row++) {
      let w = 1
      for (let c = m - 1, at = row; c >= 0; c--) {
        w *= perParent[c]![at % shape[c]!]!
        at = Math.floor(at / shape[c]!)
      }
      out[row] = w
    }
    return out
  }

  /**
   * `n` rows `[parent_1, …, parent_m, value]`. With `parents`, the values are drawn from
   * p(value | parents); without, each row's parents are drawn from their distributions (as for
   * {@link ConditionalProbabilityTable.marginal}), then its value. pomegranate draws the parents
   * once per call, so its n values share one parent draw, and returns the values only.
   * @throws ArilError `ERR_INVALID_ARGUMENT` for parent keys the table does not have
   */
  override get sampleOptionKeys (): readonly string[] {
    return CONDITIONAL_SAMPLE_OPTION_KEYS
  }

  override sample (n: number, options: ConditionalSampleOptions = {}): Key[][] {
    const given = options.parents
    if (given !== undefined) {
      const m = this.dimension - 1
      if (!Array.isArray(given) || given.length !== m) {
        throw new ArilError('ERR_INVALID_ARGUMENT', `sample: expected parents to be ${m} key${m === 1 ? '' : 's'}, got ${show(given)}`)
      }
      given.forEach((key, c) => {
        if (!this.tableKeys[c]!.includes(key)) throw new ArilError('ERR_INVALID_ARGUMENT', `sample: parent ${c} has no key ${show(key)}`, { column: c })
      })
    }
    // The base class checks n and seeds the generator, then calls sampleWith.
    this.sampleParents = given
    try {
      return super.sample(n, options)
    } finally {
      this.sampleParents = undefined
    }
  }

  sampleWith (n: number, random: Random): Key[][] {
    const shape = this.shape
    const k = shape[shape.length - 1]!
    const rows = this.probabilities.length / k
    if (!(rows > 0)) throw new ArilError('ERR_NOT_FITTED', 'ConditionalProbabilityTable: cannot sample from an empty table')
    const stride = strides(shape)
    const given = this.sampleParents?.reduce<number>((s, key, c) => s + this.tableKeys[c]!.indexOf(key) * stride[c]!, 0)
    const perParent = given === undefined ? this.parents.map((parent, c) => parentProbabilities(parent, this.tableKeys[c]!)) : []
    const out: Key[][] = []
    for (let i = 0; i < n; i++) {
      const start = given ?? perParent.reduce((s, p, c) => s + drawIndex(p, random) * stride[c]!, 0)
      out.push(this.cellKeys(this.drawCell(random, start, start + k)))
    }
    return out
  }

  /**
   * pomegranate's CPT dict: every table cell a string (Python's `str`), `dtypes`, and the parents
   * embedded as full dicts; no `frozen` key (pomegranate writes none).
   */
  toJSON (): { class: 'Distribution'; name: string; table: string[][]; dtypes: string[]; parents: object[] } {
    const { table, dtypes } = tableToJSON(this.tableKeys, this.rows(), true)
    return {
      class: 'Distribution',
      name: this.name,
      table: table as string[][],
      dtypes,
      parents: this.parents.map((p, c) => parentToJSON(p, this.tableKeys[c]!))
    }
  }

  /**
   * A table fitted to rows `[parent_1, …, parent_m, value]`, its keys taken from the data.
   * @example
   * ```ts
   * ConditionalProbabilityTable.fromSamples([['a', 'x'], ['a', 'y'], ['b', 'x']]).parameters[0]
   * // => [['a', 'x', 0.5], ['a', 'y', 0.5], ['b', 'x', 1], ['b', 'y', 0]]
   * ```
   */
  static fromSamples (X: BatchInput, options: UpdateOptions & SummarizeOptions & { parents?: readonly TableParent[] } = {}): ConditionalProbabilityTable {
    const [{ parents }, { weights, ...rest }] = splitOptions(options, ['parents'], FIT_OPTION_KEYS, 'ConditionalProbabilityTable.fromSamples')
    const batch = toBatch(X, { categorical: true, weights })
    const table = new ConditionalProbabilityTable([], parents ?? Array.from({ length: Math.max(0, batch.cols - 1) }, () => []))
    return table.fit(batch, rest)
  }

  /** Reads pomegranate's CPT dict (cells as strings, parents as dicts, CPT parents recursively). */
  static fromJSON (json: Record<string, unknown>): ConditionalProbabilityTable {
    const table = tableFromJSON(json, 'ConditionalProbabilityTable')
    if (!Array.isArray(json.parents)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ConditionalProbabilityTable parents to be a list, got ${show(json.parents)}`)
    const { maxKeys, maxTableCells } = readingLimits()
    return new ConditionalProbabilityTable(table, json.parents.map(parentFromJSON), { frozen: json.frozen === true, maxKeys, maxTableCells })
  }
}

registerModel('ConditionalProbabilityTable', ConditionalProbabilityTable.fromJSON)

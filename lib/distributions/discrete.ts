/**
 * The discrete (categorical) distribution over numbers and strings, with categories discovered
 * as they appear in the data.
 */
import { blockedSumsProblem, BlockedSums, ExactSum, type BlockedSumsSummary, type EncodedNumber } from '../core/accumulate.js'
import type { Batch, BatchInput, Key } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded, show } from '../core/errors.js'
import { describes, isKey, isMissingKey, kindOfDtype, kindOfKeys, keyText, readKey } from '../core/keys.js'
import { FIT_OPTION_KEYS, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { blend, checkKeys, numberOption, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { JSON_LIMITS, readingLimits, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import type { KeyCodes } from './key-codes.js'

/** Options of the {@link DiscreteDistribution} constructor. */
export interface DiscreteOptions {
  frozen?: boolean
  /**
   * Most keys the table may hold (default 100,000): a key beyond it, in the data, a merged summary
   * or the table given, is `ERR_LIMIT`, so a column of unique ids cannot exhaust memory.
   */
  maxKeys?: number
}

/** The keys of {@link DiscreteOptions}. */
export const DISCRETE_OPTION_KEYS = ['frozen', 'maxKeys'] as const

/** Options of {@link DiscreteDistribution.fromSamples}. */
export interface DiscreteFromSamplesOptions extends DiscreteOptions, UpdateOptions, SummarizeOptions {
  /** Categories known beforehand (they start uniform, so pseudocounts reach unseen ones). */
  keys?: readonly Key[]
}

/** pomegranate's JSON of a DiscreteDistribution. */
export interface DiscreteJSON {
  class: 'Distribution'
  dtype: string | null
  name: 'DiscreteDistribution'
  parameters: [Record<string, number>]
  frozen: boolean
}

/**
 * The [categorical distribution](https://en.wikipedia.org/wiki/Categorical_distribution): a
 * probability for each key, a key being a number, a string or a boolean (`1`, `"1"` and `true` are
 * three keys; see core/keys.ts).
 * Fitted by maximum likelihood with a pseudocount: `p_k = (c_k + pc) / (W + pc·K)`, where `c_k`
 * is the weight of key k, `W = Σ c_k` and K counts every known key (the old table's and the new).
 *
 * A table given as a plain object has string keys; give a `Map` for numeric keys. Data columns
 * are read as they come: numbers from numeric columns, numbers, strings and booleans from
 * categorical ones;
 * `null`, NaN and the string `"nan"` are missing (log-probability 0, as in pomegranate). A key
 * the table lacks has log-probability −Infinity; a key first seen in the data is added to the
 * table (no error, whichever batch it first appears in), up to `maxKeys` keys.
 *
 * Statistics: one exact sum per key (see accumulate.ts), in order of first appearance, plus the
 * key list in the summary; summaries with different key sets merge by key. Probabilities are the
 * same bits for any chunking and merge order; keys first seen in merged summaries are listed in
 * the order they were merged. Differences from
 * pomegranate 0.14.8, on purpose: with inertia every key is blended, a new key from old
 * probability 0 (pomegranate gives new keys their unblended estimate, so the table sums to more
 * than 1); a table with no keys (`new DiscreteDistribution()`) is allowed, as pomegranate's blank.
 *
 * JSON: pomegranate's `{"class":"Distribution","dtype":"int","name":"DiscreteDistribution",
 * "parameters":[{"0":0.5,"1":0.5}],"frozen":false}`; keys are stringified and `dtype` (`str`,
 * `int`, `float`, `bool`, and numpy's `numpy.int64`, `numpy.str_`, ...) says how to read them
 * back; `bool` keys are `True`/`False` and read back as `true`/`false` (Python's `True == 1` does
 * not hold in aril: `1` is another key). A table whose keys are of more than one type is written
 * with aril's dtype `json` (each key as its JSON text), so every key reads back as itself.
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for a negative or non-finite probability, a total
 *   that is not 1 (within 1e-9), or a NaN or `"nan"` key; `ERR_LIMIT` for more than `maxKeys` keys
 * @example
 * ```ts
 * const d = new DiscreteDistribution({ a: 0.5, b: 0.5 })
 * d.fit(['a', 'b', 'b', 'c'])
 * d.probabilities // => Map { 'a' => 0.25, 'b' => 0.5, 'c' => 0.25 }
 * d.logProbability(['c', 'z', null]) // => Float64Array [-1.3862943611198906, -Infinity, 0]
 * new DiscreteDistribution(new Map([[0, 0.9], [1, 0.1]])).sample(3, { seed: 1 }) // => [0, 0, 0]
 * ```
 */
export class DiscreteDistribution extends UnivariateDistribution<[probabilities: Map<Key, number>], UpdateOptions, Key[]> {
  readonly name = 'DiscreteDistribution'
  /** One weight sum per key of `slotKeys`. */
  protected sums = new BlockedSums(0)
  /** The keys of the statistics: the table's keys, then keys first seen in the data. */
  private slotKeys: Key[] = []
  private slotOf = new Map<Key, number>()
  private table: Map<Key, number>
  private logTable: Map<Key, number>
  /** pomegranate's dtype this table was read with, kept so its JSON round-trips. */
  private dtype: string | null = null
  readonly maxKeys: number

  constructor (probabilities: Record<string, number> | ReadonlyMap<Key, number> = new Map(), options: DiscreteOptions = {}) {
    super()
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
    checkKeys(options, DISCRETE_OPTION_KEYS, 'DiscreteDistribution')
    this.maxKeys = numberOption(options, 'maxKeys', JSON_LIMITS.maxKeys, 1)
    const entries = probabilities instanceof Map ? [...probabilities] : Object.entries(probabilities)
    if (entries.length > this.maxKeys) tooManyKeys(this.maxKeys, entries.length)
    this.table = checkTable(entries)
    this.logTable = logTable(this.table)
    this.frozen = options.frozen === true
    this.clearSummaries()
  }

  /** The categories of the table, in its order. */
  get keys (): Key[] {
    return [...this.table.keys()]
  }

  /** A copy of the table: key → probability. */
  get probabilities (): Map<Key, number> {
    return new Map(this.table)
  }

  get parameters (): [probabilities: Map<Key, number>] {
    return [this.probabilities]
  }

  override get categorical (): boolean {
    return true
  }

  /** The probability of one key: 0 for a key the table lacks, 1 for a missing value (null, NaN, `"nan"`). */
  probabilityOf (key: Key | null): number {
    return isMissingKey(key) ? 1 : this.table.get(key!) ?? 0
  }

  /** @throws ArilError `ERR_LIMIT` when the column brings the keys beyond `maxKeys` (nothing is then counted) */
  summarizeColumn (batch: Batch, column: number): void {
    const { weights } = batch
    // Slots first, so a key beyond maxKeys fails the batch before anything is counted.
    const known = this.slotKeys.length
    const slots = new Int32Array(batch.rows)
    for (let r = 0; r < batch.rows; r++) {
      const key = keyAt(batch, column, r)
      slots[r] = isMissingKey(key) ? -1 : this.slotOf.get(key!) ?? this.addSlot(key!, known)
    }
    this.countSlots(slots, batch.rows, weights)
  }

  /**
   * {@link DiscreteDistribution.summarizeColumn} of a column coded by `encodeKeys` (key-codes.ts),
   * with `weights` per row: one lookup per distinct key; the same sums, bit for bit.
   * @throws ArilError `ERR_LIMIT` as summarizeColumn
   */
  summarizeCodes (coded: KeyCodes, weights: Float64Array | undefined): void {
    const known = this.slotKeys.length
    // slot + 1 of each code + 1: code −1 (missing) lands on 0, which adds nothing
    const slotOfCode = new Int32Array(coded.keys.length + 1)
    coded.keys.forEach((key, code) => { slotOfCode[code + 1] = (this.slotOf.get(key) ?? this.addSlot(key, known)) + 1 })
    const { codes } = coded
    const sums = this.sums
    sums.grow(this.slotKeys.length)
    sums.runs(coded.rows, (start, end) => {
      const partial = sums.partial
      for (let r = start; r < end; r++) {
        const slot = slotOfCode[codes[r]! + 1]! - 1
        if (slot >= 0) partial[slot]! += weights === undefined ? 1 : weights[r]!
      }
    })
  }

  /** Adds each row's weight (1 without weights) to its slot's sum; slot −1: a missing value. */
  private countSlots (slots: Int32Array, rows: number, weights: Float64Array | undefined): void {
    const sums = this.sums
    sums.grow(this.slotKeys.length)
    sums.runs(rows, (start, end) => {
      for (let r = start; r < end; r++) {
        const slot = slots[r]!
        if (slot >= 0) sums.partial[slot]! += weights === undefined ? 1 : weights[r]!
      }
    })
  }

  /** Adds a key to the statistics (slots are grown by the caller); over `maxKeys`, the keys added since `known` are taken back. */
  private addSlot (key: Key, known: number): number {
    if (this.slotKeys.length >= this.maxKeys) {
      for (const k of this.slotKeys.splice(known)) this.slotOf.delete(k)
      tooManyKeys(this.maxKeys, this.maxKeys + 1)
    }
    const slot = this.slotKeys.length
    this.slotKeys.push(key)
    this.slotOf.set(key, slot)
    return slot
  }

  protected update (options: UpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    const totals = this.sums.totals()
    const all = new ExactSum()
    for (const t of totals) all.addSum(t)
    const wSum = all.value()
    if (!(wSum > 0)) return
    const denominator = wSum + pseudocount * this.slotKeys.length
    const table = new Map<Key, number>()
    this.slotKeys.forEach((key, slot) => {
      table.set(key, blend(this.table.get(key) ?? 0, (totals[slot]!.value() + pseudocount) / denominator, inertia))
    })
    this.table = table
    this.logTable = logTable(table)
  }

  override clearSummaries (): void {
    this.slotKeys = [...this.table.keys()]
    this.slotOf = new Map(this.slotKeys.map((key, slot) => [key, slot]))
    this.sums = new BlockedSums(this.slotKeys.length)
  }

  override summary (): Summary {
    return { model: this.name, keys: this.slotKeys.slice(), sums: this.sums.summary() }
  }

  protected override summaryProblem (summary: Summary): string | undefined {
    const keys = summary.keys
    if (!Array.isArray(keys)) return `expected a list of keys, got ${show(keys)}`
    const bad = keys.findIndex(k => !isKey(k))
    if (bad >= 0) return `expected keys to be numbers, strings or booleans, got ${show(keys[bad])}`
    if (new Set(keys).size !== keys.length) return 'expected distinct keys'
    return blockedSumsProblem(summary.sums, keys.length, false)
  }

  /** Moves the counts without the plain-JSON form when the other's keys are a prefix of these (a copy's are). */
  override absorbSummaries (other: this): void {
    const keys = other.slotKeys
    if (this.frozen || keys.length > this.slotKeys.length || keys.some((key, slot) => key !== this.slotKeys[slot])) {
      super.absorbSummaries(other)
      return
    }
    this.sums.absorb(other.sums)
    // keys the other discovered are dropped by its clear, as clearSummaries drops them
    if (keys.length !== other.table.size) other.clearSummaries()
  }

  protected override mergeChecked (summary: Summary): void {
    const keys = summary.keys as Key[]
    const known = this.slotKeys.length
    const slots = keys.map(key => this.slotOf.get(key) ?? this.addSlot(key, known))
    this.sums.grow(this.slotKeys.length)
    this.sums.merge(remap(summary.sums as BlockedSumsSummary, slots, this.slotKeys.length))
  }

  /** The statistics: Σw of each key (`counts`) and in all (`wSum`). */
  override get statistics (): Statistics {
    const totals = this.sums.totals()
    const all = new ExactSum()
    for (const t of totals) all.addSum(t)
    return { wSum: all.value(), counts: new Map(this.slotKeys.map((key, slot) => [key, totals[slot]!.value()])) }
  }

  logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    for (let r = 0; r < batch.rows; r++) {
      const key = keyAt(batch, column, r)
      out[r] = isMissingKey(key) ? 0 : this.logTable.get(key!) ?? -Infinity
    }
  }

  /** The log-probability of each key of `keys` into `out` (−Infinity for a key the table lacks): one lookup per key, for coded columns (key-codes.ts). */
  logProbabilityKeys (keys: readonly Key[], out: Float64Array): void {
    for (let i = 0; i < keys.length; i++) out[i] = this.logTable.get(keys[i]!) ?? -Infinity
  }

  sampleWith (n: number, random: Random): Key[] {
    const keys = this.keys
    const cumulative: number[] = []
    let total = 0
    for (const p of this.table.values()) cumulative.push(total += p)
    if (!(total > 0)) {
      throw new ArilError('ERR_NOT_FITTED', 'DiscreteDistribution: cannot sample from a table without probabilities; fit it first')
    }
    const out: Key[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const u = random.uniform() * total
      let k = 0
      while (k < keys.length - 1 && !(u < cumulative[k]!)) k++
      out[i] = keys[k]!
    }
    return out
  }

  override toJSON (): DiscreteJSON {
    const keys = this.keys
    // Keep the dtype the table was read with while it still describes every key.
    const stored = this.dtype !== null && describes(kindOfDtype(this.dtype), keys) ? this.dtype : null
    const kind = stored === null ? kindOfKeys(keys) : kindOfDtype(stored)
    const dtype = stored ?? (keys.length === 0 ? null : kind)
    // fromEntries defines own properties: a "__proto__" key stays a key.
    const parameters = Object.fromEntries([...this.table].map(([key, p]) => [keyText(key, kind), p])) as Record<string, number>
    return { class: 'Distribution', dtype, name: this.name, parameters: [parameters], frozen: this.frozen }
  }

  /** pomegranate's `blank()`: a table without keys, to be fitted. */
  static blank (): DiscreteDistribution {
    return new DiscreteDistribution()
  }

  /** A DiscreteDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options: DiscreteFromSamplesOptions = {}): DiscreteDistribution {
    const [own, fit] = splitOptions(options, [...DISCRETE_OPTION_KEYS, 'keys'], FIT_OPTION_KEYS, 'DiscreteDistribution.fromSamples')
    const { keys: given, ...constructorOptions } = own
    const keys = (given ?? []).filter(k => !isMissingKey(k))
    const d = new DiscreteDistribution(new Map(keys.map(k => [k, 1 / keys.length])), constructorOptions)
    return d.fit(X, fit)
  }

  /**
   * Reads pomegranate's JSON (any dtype it writes, including numpy's, and aril's `json`).
   * @throws ArilError `ERR_INVALID_JSON_MODEL`, `ERR_INVALID_PARAMETER`, `ERR_LIMIT` (`maxKeys` of `fromJSON`)
   */
  static fromJSON (json: Record<string, unknown>): DiscreteDistribution {
    const parameters = json.parameters
    const table = Array.isArray(parameters) ? parameters[0] as unknown : undefined
    if (json.name !== 'DiscreteDistribution' || typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected DiscreteDistribution JSON with parameters [{key: probability}], got ${show(json.name)} with ${show(parameters)}`)
    }
    const { maxKeys } = readingLimits()
    const texts = Object.keys(table)
    if (texts.length > maxKeys) tooManyKeys(maxKeys, texts.length)
    const dtype = typeof json.dtype === 'string' ? json.dtype : null
    const kind = kindOfDtype(dtype)
    const entries = texts.map((text): [Key, number] => {
      const p = (table as Record<string, unknown>)[text]
      if (typeof p !== 'number') throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected the probability of ${show(text)} to be a number, got ${show(p)}`)
      return [readKey(text, kind), p]
    })
    const keys = new Map(entries)
    if (keys.size !== entries.length) throw new ArilError('ERR_INVALID_JSON_MODEL', `DiscreteDistribution: two keys of dtype ${show(dtype)} read as the same key`)
    const d = new DiscreteDistribution(keys, { frozen: json.frozen === true, maxKeys })
    d.dtype = dtype
    return d
  }
}

/** The value of a column at a row: the raw category of a categorical column, else the number. */
function keyAt (batch: Batch, column: number, row: number): Key | null | undefined {
  const raw = batch.categories?.[column]
  return raw === undefined ? batch.data[row * batch.cols + column] : raw[row]
}

function checkTable (entries: Array<[unknown, unknown]>): Map<Key, number> {
  const table = new Map<Key, number>()
  const total = new ExactSum()
  for (const [key, p] of entries) {
    if (!isKey(key)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `DiscreteDistribution: expected keys to be numbers, strings or booleans other than NaN and "nan" (the missing value), got ${show(key)}`)
    }
    if (typeof p !== 'number' || !(p >= 0) || p === Infinity) {
      throw new ArilError('ERR_INVALID_PARAMETER', `DiscreteDistribution: expected the probability of ${show(key)} to be a finite number >= 0, got ${show(p)}`)
    }
    table.set(key, p)
    total.add(p)
  }
  if (table.size > 0 && !(Math.abs(total.value() - 1) <= 1e-9)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `DiscreteDistribution: expected probabilities summing to 1, got a sum of ${total.value()}`)
  }
  return table
}

function logTable (table: Map<Key, number>): Map<Key, number> {
  return new Map([...table].map(([key, p]) => [key, Math.log(p)]))
}

/** Moves a summary's slots to the slots of this model's keys (`slots[i]` for the summary's key i). */
function remap (s: BlockedSumsSummary, slots: number[], size: number): BlockedSumsSummary {
  const partial: EncodedNumber[] = new Array<EncodedNumber>(size).fill(0)
  const sums: EncodedNumber[][] = Array.from({ length: size }, () => [])
  slots.forEach((slot, i) => {
    partial[slot] = s.partial[i]!
    sums[slot] = s.sums[i]!
  })
  return { ...s, partial, sums }
}

function tooManyKeys (maxKeys: number, found: number): never {
  limitExceeded('maxKeys', maxKeys, `a DiscreteDistribution of ${found} keys`)
}

registerModel('DiscreteDistribution', DiscreteDistribution.fromJSON)

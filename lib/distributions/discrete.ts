/**
 * The discrete (categorical) distribution over numbers and strings, with categories discovered
 * as they appear in the data.
 */
import { blockedSumsProblem, BlockedSums, ExactSum, type BlockedSumsSummary, type EncodedNumber } from '../core/accumulate.js'
import type { Batch, BatchInput, Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import type { Statistics, SummarizeOptions, Summary } from '../core/model.js'
import { blend, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'

/** Options of the {@link DiscreteDistribution} constructor. */
export interface DiscreteOptions {
  frozen?: boolean
}

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

/** How pomegranate's `dtype` says to read a stringified key back. */
type KeyKind = 'str' | 'int' | 'float' | 'bool'

/**
 * The [categorical distribution](https://en.wikipedia.org/wiki/Categorical_distribution): a
 * probability for each key, a key being a number or a string (`1` and `"1"` are different keys).
 * Fitted by maximum likelihood with a pseudocount: `p_k = (c_k + pc) / (W + pc·K)`, where `c_k`
 * is the weight of key k, `W = Σ c_k` and K counts every known key (the old table's and the new).
 *
 * A table given as a plain object has string keys; give a `Map` for numeric keys. Data columns
 * are read as they come: numbers from numeric columns, numbers and strings from categorical ones;
 * `null`, NaN and the string `"nan"` are missing (log-probability 0, as in pomegranate). A key
 * the table lacks has log-probability −Infinity; a key first seen in the data is added to the
 * table (no error, whichever batch it first appears in).
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
 * back; `bool` keys read as 1 and 0 (Python's `True == 1`). A table that mixes numbers and strings
 * is written with dtype `str`, so its numbers read back as strings.
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for a negative or non-finite probability, a total
 *   that is not 1 (within 1e-9), or a NaN or `"nan"` key
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

  constructor (probabilities: Record<string, number> | ReadonlyMap<Key, number> = new Map(), options: DiscreteOptions = {}) {
    super()
    const entries = probabilities instanceof Map ? [...probabilities] : Object.entries(probabilities)
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
    return isMissing(key) ? 1 : this.table.get(key!) ?? 0
  }

  summarizeColumn (batch: Batch, column: number): void {
    const { weights } = batch
    const sums = this.sums
    sums.runs(batch.rows, (start, end) => {
      for (let r = start; r < end; r++) {
        const key = keyAt(batch, column, r)
        if (isMissing(key)) continue
        const slot = this.slotOf.get(key!) ?? this.addSlot(key!)
        sums.partial[slot]! += weights === undefined ? 1 : weights[r]!
      }
    })
  }

  private addSlot (key: Key): number {
    const slot = this.slotKeys.length
    this.slotKeys.push(key)
    this.slotOf.set(key, slot)
    this.sums.grow(slot + 1)
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
    const bad = keys.findIndex(k => (typeof k !== 'string' && typeof k !== 'number') || isMissing(k))
    if (bad >= 0) return `expected keys to be numbers or strings, got ${show(keys[bad])}`
    if (new Set(keys).size !== keys.length) return 'expected distinct keys'
    return blockedSumsProblem(summary.sums, keys.length, false)
  }

  protected override mergeChecked (summary: Summary): void {
    const keys = summary.keys as Key[]
    const slots = keys.map(key => this.slotOf.get(key) ?? this.addSlot(key))
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
      out[r] = isMissing(key) ? 0 : this.logTable.get(key!) ?? -Infinity
    }
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
    const stored = this.dtype !== null && describes(kindOf(this.dtype), keys) ? this.dtype : null
    const kind = stored === null ? inferKind(keys) : kindOf(stored)
    const dtype = stored ?? (keys.length === 0 ? null : kind)
    const parameters: Record<string, number> = {}
    for (const [key, p] of this.table) parameters[keyText(key, kind)] = p
    return { class: 'Distribution', dtype, name: this.name, parameters: [parameters], frozen: this.frozen }
  }

  /** pomegranate's `blank()`: a table without keys, to be fitted. */
  static blank (): DiscreteDistribution {
    return new DiscreteDistribution()
  }

  /** A DiscreteDistribution fitted to X (pomegranate's `from_samples`). */
  static fromSamples (X: BatchInput, options: DiscreteFromSamplesOptions = {}): DiscreteDistribution {
    const keys = (options.keys ?? []).filter(k => !isMissing(k))
    const d = new DiscreteDistribution(new Map(keys.map(k => [k, 1 / keys.length])), options)
    return d.fit(X, options)
  }

  /** Reads pomegranate's JSON (any dtype it writes, including numpy's). */
  static fromJSON (json: Record<string, unknown>): DiscreteDistribution {
    const parameters = json.parameters
    const table = Array.isArray(parameters) ? parameters[0] as unknown : undefined
    if (json.name !== 'DiscreteDistribution' || typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected DiscreteDistribution JSON with parameters [{key: probability}], got ${show(json.name)} with ${show(parameters)}`)
    }
    const dtype = typeof json.dtype === 'string' ? json.dtype : null
    const kind = kindOf(dtype)
    const entries = Object.entries(table as Record<string, unknown>).map(([text, p]): [Key, number] => {
      if (typeof p !== 'number') throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected the probability of ${show(text)} to be a number, got ${show(p)}`)
      return [readKey(text, kind), p]
    })
    const d = new DiscreteDistribution(new Map(entries), { frozen: json.frozen === true })
    d.dtype = dtype
    return d
  }
}

/** The value of a column at a row: the raw category of a categorical column, else the number. */
function keyAt (batch: Batch, column: number, row: number): Key | null | undefined {
  const raw = batch.categories?.[column]
  return raw === undefined ? batch.data[row * batch.cols + column] : raw[row]
}

function isMissing (key: unknown): boolean {
  return key === null || key === undefined || key !== key || key === 'nan'
}

function checkTable (entries: Array<[unknown, unknown]>): Map<Key, number> {
  const table = new Map<Key, number>()
  const total = new ExactSum()
  for (const [key, p] of entries) {
    if ((typeof key !== 'string' && typeof key !== 'number') || isMissing(key)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `DiscreteDistribution: expected keys to be numbers or strings other than NaN and "nan" (the missing value), got ${show(key)}`)
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

function kindOf (dtype: string | null): KeyKind {
  if (dtype === null) return 'str'
  if (dtype.includes('bool')) return 'bool'
  if (dtype.includes('int')) return 'int'
  if (dtype.includes('float')) return 'float'
  return 'str'
}

/** Whether every key can be written under a kind and read back as itself. */
function describes (kind: KeyKind, keys: Key[]): boolean {
  switch (kind) {
    case 'str': return keys.every(k => typeof k === 'string')
    case 'int': return keys.every(k => Number.isInteger(k))
    case 'float': return keys.every(k => typeof k === 'number')
    case 'bool': return keys.every(k => k === 0 || k === 1)
  }
}

function inferKind (keys: Key[]): KeyKind {
  return describes('int', keys) ? 'int' : describes('float', keys) ? 'float' : 'str'
}

function keyText (key: Key, kind: KeyKind): string {
  if (typeof key === 'string') return key
  if (kind === 'bool') return key === 1 ? 'True' : 'False'
  if (kind === 'float') return pythonFloat(key)
  return Number.isInteger(key) ? BigInt(key).toString() : String(key)
}

function readKey (text: string, kind: KeyKind): Key {
  if (kind === 'str') return text
  if (kind === 'bool') {
    if (text === 'True' || text === 'False') return text === 'True' ? 1 : 0
  } else {
    const value = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text.trim() === '' ? NaN : Number(text)
    if (kind === 'float' ? !Number.isNaN(value) : Number.isInteger(value)) return value
  }
  throw new ArilError('ERR_INVALID_JSON_MODEL', `DiscreteDistribution: key ${show(text)} is not a valid ${kind}`)
}

/** Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents −4 … 15. */
function pythonFloat (x: number): string {
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0) return '0.0' // a Map keeps −0 as 0
  const [mantissa, exponentText] = Math.abs(x).toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  const exponent = Number(exponentText)
  const sign = x < 0 ? '-' : ''
  if (exponent < -4 || exponent >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : ''
    return `${sign}${digits[0]}${rest}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
  const whole = digits.padEnd(exponent + 1, '0')
  return `${sign}${whole.slice(0, exponent + 1)}.${whole.slice(exponent + 1) || '0'}`
}

registerModel('DiscreteDistribution', DiscreteDistribution.fromJSON)

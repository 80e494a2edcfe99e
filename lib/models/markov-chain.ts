/**
 * pomegranate's MarkovChain: p(x_1 … x_n) = p(x_1) · p(x_2 | x_1) · … with a k-th order
 * dependence, held as a DiscreteDistribution and k ConditionalProbabilityTables. Its statistics
 * are exact counts of prefixes and (k+1)-grams per sequence (markov-chain-counts.ts); the tables
 * are fitted from those counts when the parameters are updated.
 */
import type { Batch, BatchInput, Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { compareKeys } from '../core/keys.js'
import { FIT_OPTION_KEYS, FIT_STREAM_OPTION_KEYS, Model, type FitStreamOptions, type SummarizeOptions, type Summary } from '../core/model.js'
import { assertNotBusy } from '../core/sink.js'
import { checkKeys, limitOption, optionKeys, UPDATE_OPTION_KEYS, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { fromJSON, JSON_LIMITS, registerModel } from '../core/serialize.js'
import { isSequenceBatch, sequenceCount, toSequenceBatch, type SequenceBatch, type SequenceInput } from '../core/sequence.js'
import type { Source } from '../core/source.js'
import { ConditionalProbabilityTable } from '../distributions/conditional-probability-table.js'
import { DiscreteDistribution } from '../distributions/discrete.js'
import { drawIndex, normalized } from '../distributions/table-parents.js'
import { ChainCounts, type ChainCountsSummary } from './markov-chain-counts.js'

/** One of a chain's distributions: p(x_1) first, then p(x_l | x_1 … x_{l−1}) up to l = k + 1. */
export type ChainDistribution = DiscreteDistribution | ConditionalProbabilityTable

/** Options of the {@link MarkovChain} constructor. */
export interface MarkovChainOptions {
  /** Most distinct symbols the statistics may hold (`ERR_LIMIT` beyond; default 100,000). */
  maxCategories?: number | undefined
}

/** Options of {@link MarkovChain.fromSamples} and {@link MarkovChain.fromStream}. */
export interface MarkovChainFitOptions extends MarkovChainOptions, UpdateOptions, SummarizeOptions {
  /** The order: how many steps back each step depends on (default 1). */
  k?: number | undefined
}

/** Sequences as a MarkovChain reads them: one sequence of symbols, a list of them, or a SequenceBatch. */
export type ChainInput = ReadonlyArray<SequenceInput> | SequenceBatch | ReadonlyArray<Key | null>

/**
 * A k-th order Markov chain over symbols, as pomegranate's `MarkovChain`: `distributions[0]` is
 * p(x_1), `distributions[l]` the table p(x_{l+1} | x_1 … x_l) for l < k, and `distributions[k]`
 * the table p(x_t | x_{t−k} … x_{t−1}) used for every later step.
 *
 * Statistics are exact weighted counts: a sequence of weight w adds w to each of its prefixes of
 * length 1 … k and to each of its (k+1)-grams, so any batching of the sequences, any worker split
 * and any merge order give the same bits. A sequence shorter than k adds its own prefixes with
 * its own weight (pomegranate applies the weight vector of all sequences to the subset long enough
 * for each prefix, so a short sequence shifts the weights of the ones after it); an empty
 * sequence adds nothing. Unlike pomegranate, `pseudocount` is accepted (added to every cell of
 * each table), and a frozen chain ignores its data.
 *
 * @example
 * ```ts
 * const chain = MarkovChain.fromSamples([['A', 'B', 'B'], ['B', 'A']], { k: 1 })
 * chain.logProbability(['A', 'B']) // => Float64Array [log(0.5) + log(1)]
 * chain.sample(5, { seed: 1 }) // => five symbols
 * ```
 */
export class MarkovChain extends Model<ChainDistribution[], UpdateOptions, Key[]> {
  readonly name = 'MarkovChain'
  readonly dimension = 1
  /** The order of the chain. */
  readonly k: number
  private chain: ChainDistribution[]
  private counts: ChainCounts
  readonly maxCategories: number

  /**
   * @param distributions p(x_1) as a DiscreteDistribution, then k ConditionalProbabilityTables of
   *   1 … k parents (empty ones are filled from the data with uniform rows, as `fromSamples` does)
   * @throws ArilError `ERR_INVALID_PARAMETER` for another list
   */
  constructor (distributions: readonly ChainDistribution[], options: MarkovChainOptions = {}) {
    super()
    checkKeys(options, ['maxCategories'], 'MarkovChain')
    if (!Array.isArray(distributions) || distributions.length === 0) {
      throw new ArilError('ERR_INVALID_PARAMETER', `MarkovChain: expected a list of distributions (a DiscreteDistribution, then k ConditionalProbabilityTables), got ${show(distributions)}`)
    }
    distributions.forEach((d, l) => {
      const fits = l === 0 ? d instanceof DiscreteDistribution : d instanceof ConditionalProbabilityTable && d.dimension === l + 1
      if (!fits) {
        throw new ArilError('ERR_INVALID_PARAMETER', `MarkovChain: distribution ${l} must be ${l === 0 ? 'a DiscreteDistribution' : `a ConditionalProbabilityTable of ${l} parent${l === 1 ? '' : 's'}`}, got ${show(d)}`)
      }
    })
    this.k = distributions.length - 1
    this.chain = [...distributions]
    this.maxCategories = limitOption(options, 'maxCategories', JSON_LIMITS.maxKeys)
    this.counts = new ChainCounts(this.k, this.maxCategories)
  }

  /** The distributions, p(x_1) first. */
  get distributions (): ChainDistribution[] {
    return [...this.chain]
  }

  get parameters (): ChainDistribution[] {
    return this.distributions
  }

  override get categorical (): boolean {
    return true
  }

  /**
   * Reads sequences: a SequenceBatch, a list of sequences, or one sequence of symbols (a list
   * whose entries are not lists). `options.weights` holds one weight per sequence.
   */
  override toBatch (X: BatchInput | ChainInput, options: SummarizeOptions = {}): SequenceBatch {
    if (options.labels !== undefined) throw new ArilError('ERR_INVALID_INPUT', 'A MarkovChain takes no labels')
    return toSequenceBatch(asSequences(X), { cols: 1, categorical: true, weights: options.weights })
  }

  override summarize (X: BatchInput | ChainInput, options?: SummarizeOptions): undefined {
    super.summarize(X as BatchInput, options)
    return undefined
  }

  summarizeBatch (batch: Batch): undefined {
    if (!isSequenceBatch(batch)) throw new ArilError('ERR_INVALID_INPUT', 'A MarkovChain summarizes sequences (a SequenceBatch), not rows')
    this.counts.add(batch)
    return undefined
  }

  /**
   * `summarize(X)` then `fromSummaries(options)`, in one piece: on error the chain is unchanged.
   * @example
   * ```ts
   * chain.fit([['A', 'B'], ['B', 'B', 'A']], { weights: [1, 2] })
   * ```
   */
  override fit (X: BatchInput | ChainInput, options: UpdateOptions & SummarizeOptions = {}): this {
    assertNotBusy(this, 'fit')
    const { weights, labels, ...update } = options
    const snapshot = this.summary()
    try {
      this.summarize(X, { weights, labels })
      return this.fromSummaries(update)
    } catch (err) {
      this.restoreSummary(snapshot)
      throw err
    }
  }

  protected update (options: UpdateOptions): void {
    if (this.counts.levels.every(level => level.size === 0)) return
    const before = this.chain
    if (before.some(d => d.keys.length === 0)) this.chain = uniformChain(this.counts.symbols.keys as Key[], this.k)
    const saved = this.chain.map(d => d.copy())
    try {
      this.chain.forEach((d, l) => {
        const rows = this.counts.rows(l, compareKeys)
        d.clearSummaries()
        if (rows.length === 0) return
        d.summarize(countBatch(rows, l + 1), { weights: rows.map(r => r.count) })
        d.fromSummaries(options)
      })
    } catch (err) {
      // Put every table back in place (the later tables keep their parents: the same objects).
      this.chain.forEach((d, l) => restoreState(d, saved[l]!))
      this.chain = before
      throw err
    }
  }

  clearSummaries (): void {
    this.counts = new ChainCounts(this.k, this.maxCategories)
  }

  summary (): Summary {
    return { model: this.name, ...this.counts.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return ChainCounts.problem(summary, this.k)
  }

  protected mergeChecked (summary: Summary): void {
    this.counts.merge(summary as unknown as ChainCountsSummary)
  }

  /**
   * The log-probability of each sequence: one sequence of symbols gives one value, a list of
   * sequences (or a SequenceBatch) one per sequence. The first min(k, n) steps are scored by the
   * prefix distributions, the rest by the last table; a missing symbol scores 0 in every term
   * it is part of, a symbol or transition the chain lacks −Infinity.
   * @example
   * ```ts
   * chain.logProbability([['A', 'B'], ['B']]) // => Float64Array [-0.69…, -0.69…] (the chain of the class example)
   * ```
   */
  override logProbability (X: BatchInput | ChainInput): Float64Array {
    return this.logProbabilityBatch(toSequenceBatch(asSequences(X), { cols: 1, categorical: true }))
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    const sequences: SequenceBatch = isSequenceBatch(batch) ? batch : { ...batch, offsets: Float64Array.of(0, batch.rows) }
    const { offsets } = sequences
    const n = sequenceCount(sequences)
    const raw = symbolsOf(sequences)
    const k = this.k
    // Every term of every sequence, level by level, scored in one call per level.
    const perLevel = this.chain.map((d, l) => {
      const rows: Array<ReadonlyArray<Key | null>> = []
      for (let i = 0; i < n; i++) {
        const start = offsets[i]!
        const length = offsets[i + 1]! - start
        if (l < k && l < length) rows.push(raw.slice(start, start + l + 1))
        if (l === k) for (let j = 0; j + k < length; j++) rows.push(raw.slice(start + j, start + j + k + 1))
      }
      return rows.length === 0 ? new Float64Array(0) : d.logProbabilityBatch(countBatch(rows.map(keys => ({ keys, count: 1 })), l + 1))
    })
    const at = new Array<number>(k + 1).fill(0)
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const length = offsets[i + 1]! - offsets[i]!
      let logp = 0
      for (let l = 0; l < Math.min(k, length); l++) logp += perLevel[l]![at[l]!++]!
      for (let j = 0; j + k < length; j++) logp += perLevel[k]![at[k]!++]!
      out[i] = logp
    }
    return out
  }

  /**
   * One sequence of `length` symbols (pomegranate's `sample(length)`), reproducible with `seed`.
   * @example
   * ```ts
   * chain.sample(10, { seed: 7 }) // => ['A', 'B', …] (10 symbols)
   * ```
   */
  override sample (length: number, options: { seed?: number | undefined } = {}): Key[] {
    return super.sample(length, options)
  }

  sampleWith (length: number, random: Random): Key[] {
    const out: Key[] = []
    const cache = new Map<string, { keys: Key[]; p: Float64Array }>()
    for (let t = 0; t < length; t++) {
      const l = Math.min(t, this.k)
      const context = out.slice(t - l, t)
      const id = JSON.stringify(context)
      let next = cache.get(id)
      if (next === undefined) cache.set(id, next = this.conditional(l, context))
      out.push(next.keys[drawIndex(next.p, random)]!)
    }
    return out
  }

  /** p(x | context) of distribution l over its value keys. */
  private conditional (l: number, context: Key[]): { keys: Key[]; p: Float64Array } {
    const d = this.chain[l]!
    const keys = d.keys
    if (keys.length === 0) throw new ArilError('ERR_NOT_FITTED', 'MarkovChain: cannot sample from an empty table')
    const logp = d.logProbabilityBatch(countBatch(keys.map(key => ({ keys: [...context, key], count: 1 })), l + 1))
    const p = normalized(logp.map(Math.exp))
    return { keys, p }
  }

  /** pomegranate 0.14.8's `{ class: 'MarkovChain', distributions: [...] }`. */
  toJSON (): { class: 'MarkovChain'; distributions: object[] } {
    return { class: 'MarkovChain', distributions: this.chain.map(d => d.toJSON()) }
  }

  /**
   * Reads pomegranate's MarkovChain JSON. Each table's parents become the chain's own earlier
   * distributions (pomegranate reads a copy of each embedded parent).
   * @throws ArilError `ERR_INVALID_JSON_MODEL`
   */
  static fromJSON (json: Record<string, unknown>): MarkovChain {
    const list = json.distributions
    if (json.class !== 'MarkovChain' || !Array.isArray(list) || list.length === 0) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected MarkovChain JSON with a list of distributions, got ${show(json.class)} with ${show(list)}`)
    }
    const chain: ChainDistribution[] = []
    list.forEach((item: unknown, l) => {
      const d = fromJSON(item as object)
      if (l === 0 && d instanceof DiscreteDistribution) {
        chain.push(d)
      } else if (l > 0 && d instanceof ConditionalProbabilityTable && d.dimension === l + 1) {
        chain.push(new ConditionalProbabilityTable(d.parameters[0], chain.slice(), { frozen: d.frozen }))
      } else {
        throw new ArilError('ERR_INVALID_JSON_MODEL', `MarkovChain: distribution ${l} must be ${l === 0 ? 'a DiscreteDistribution' : `a ConditionalProbabilityTable of ${l} parents`}, got a ${d.name}`)
      }
    })
    return new MarkovChain(chain)
  }

  /**
   * A chain of order `k` fitted to sequences (pomegranate's `from_samples`): uniform tables over
   * every symbol of X, then one fit, so a context absent from the data keeps its uniform row.
   * @example
   * ```ts
   * MarkovChain.fromSamples([['A', 'C', 'A'], ['C', 'C']], { k: 2 }).k // => 2
   * ```
   */
  static fromSamples (X: ChainInput, options: MarkovChainFitOptions = {}): MarkovChain {
    checkKeys(options, optionKeys(['k', 'maxCategories'], FIT_OPTION_KEYS), 'MarkovChain.fromSamples')
    const { k, maxCategories, ...fit } = options
    return MarkovChain.blank(orderOption(k), { maxCategories }).fit(X, fit)
  }

  /**
   * {@link MarkovChain.fromSamples} from a stream of SequenceBatches (readSequences,
   * readNpySequences, groupSequences, …) in one pass; `workers` and the other options of
   * `fitStream` apply.
   * @example
   * ```ts
   * const chain = await MarkovChain.fromStream(() => readSequences('seqs.ndjson'), { k: 2 })
   * ```
   */
  static async fromStream (source: Source, options: Omit<MarkovChainFitOptions, 'weights' | 'labels'> & FitStreamOptions<UpdateOptions> = {}): Promise<MarkovChain> {
    checkKeys(options, optionKeys(['k', 'maxCategories'], UPDATE_OPTION_KEYS, FIT_STREAM_OPTION_KEYS), 'MarkovChain.fromStream')
    const { k, maxCategories, ...rest } = options
    const chain = MarkovChain.blank(orderOption(k), { maxCategories })
    await chain.fitStream(source, rest)
    return chain
  }

  /** A chain of order k with empty tables: the first update fills them, uniform over the symbols seen, then fits them. */
  static blank (k = 1, options: MarkovChainOptions = {}): MarkovChain {
    return new MarkovChain(emptyChain(orderOption(k)), options)
  }
}

function orderOption (k: unknown): number {
  if (k === undefined) return 1
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 64) throw new ArilError('ERR_INVALID_OPTION', `Option k: expected a whole number in [0, 64], got ${show(k)}`)
  return k
}

/** One sequence (a list of symbols) is read as a list of one sequence. */
function asSequences (X: unknown): ReadonlyArray<SequenceInput> | SequenceBatch {
  if (Array.isArray(X) && X.length > 0 && !X.some(x => Array.isArray(x) || ArrayBuffer.isView(x))) return [X as SequenceInput]
  return X as ReadonlyArray<SequenceInput> | SequenceBatch
}

function emptyChain (k: number): ChainDistribution[] {
  const chain: ChainDistribution[] = [new DiscreteDistribution()]
  for (let l = 1; l <= k; l++) chain.push(new ConditionalProbabilityTable([], chain.slice()))
  return chain
}

/** pomegranate's starting point in `from_samples`: every table uniform over the symbols (sorted here, pomegranate's set order is Python's hashing). */
function uniformChain (symbols: readonly Key[], k: number): ChainDistribution[] {
  const keys = [...symbols].sort(compareKeys)
  const p = 1 / keys.length
  const chain: ChainDistribution[] = [new DiscreteDistribution(new Map(keys.map(key => [key, p])))]
  for (let l = 1; l <= k; l++) {
    const rows: Key[][] = []
    const cell = new Array<number>(l + 1).fill(0)
    for (let done = false; !done;) {
      rows.push([...cell.map(i => keys[i]!), p])
      let c = l
      for (; c >= 0 && ++cell[c]! === keys.length; c--) cell[c] = 0
      done = c < 0
    }
    chain.push(new ConditionalProbabilityTable(rows, chain.slice()))
  }
  return chain
}

/** Rows of keys as a categorical batch of `width` columns. */
function countBatch (rows: ReadonlyArray<{ keys: ReadonlyArray<Key | null> }>, width: number): Batch {
  const data = new Float64Array(rows.length * width)
  const categories = Array.from({ length: width }, (_, c) => rows.map(r => r.keys[c] ?? null))
  rows.forEach((r, i) => {
    for (let c = 0; c < width; c++) {
      const key = r.keys[c]
      data[i * width + c] = typeof key === 'number' ? key : NaN
    }
  })
  return { data, rows: rows.length, cols: width, categories }
}

/** The symbol of every step (null for a missing one). */
function symbolsOf (batch: SequenceBatch): Array<Key | null> {
  const raw = batch.categories?.[0]
  return Array.from({ length: batch.rows }, (_, r) => {
    if (raw !== undefined) return raw[r] ?? null
    const x = batch.data[r]!
    return Number.isNaN(x) ? null : x
  })
}

/** Puts a table's state back from a copy, keeping its parents (the chain's own distributions). */
function restoreState (target: ChainDistribution, saved: ChainDistribution): void {
  for (const key of Reflect.ownKeys(saved)) {
    if (key === 'parents') continue
    ;(target as unknown as Record<PropertyKey, unknown>)[key] = (saved as unknown as Record<PropertyKey, unknown>)[key]
  }
}

registerModel('MarkovChain', MarkovChain.fromJSON)

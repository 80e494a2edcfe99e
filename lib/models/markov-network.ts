/**
 * pomegranate's MarkovNetwork: an undirected graphical model of categorical variables whose
 * factors are JointProbabilityTables over cliques of columns.
 */
import type { Transform } from 'node:stream'
import { requireValues, toBatch, type Batch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { imputeStream } from '../core/impute-stream.js'
import { Model, SUMMARIZE_OPTION_KEYS, type SummarizeOptions, type Summary } from '../core/model.js'
import { checkKeys, numberOption, optionKeys, pickOptions, splitOptions, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { fromJSON, registerModel } from '../core/serialize.js'
import { compareCategories, type Category } from '../counts/categories.js'
import { completeRows } from '../counts/complete-rows.js'
import { CategoryCounts, COUNTS_OPTION_KEYS, type CountsOptions, type CountsSummary } from '../counts/counts.js'
import { JointProbabilityTable } from '../distributions/joint-probability-table.js'
import { BELIEF_OPTION_KEYS, type BeliefOptions, type Factor } from './belief-propagation.js'
import { CodedInference, imputedRows, type BeliefRow } from './coded-inference.js'
import { chowLiuPairs } from './bayesian-network/chow-liu.js'
import { FamilyScorer } from './bayesian-network/score.js'
import { logPartition } from './variable-elimination.js'

/** Options of the {@link MarkovNetwork} constructor. */
export interface MarkovNetworkOptions extends Pick<CountsOptions, 'memoryBudget' | 'maxMemory' | 'maxCategories'> {
  /** The network's name. */
  name?: string | undefined
  /** Cells the partition function's largest intermediate table may have. Default 2^24. */
  maxCells?: number | undefined
}

/** The keys of {@link MarkovNetworkOptions}. */
export const MARKOV_NETWORK_OPTION_KEYS = ['memoryBudget', 'maxMemory', 'maxCategories', 'name', 'maxCells'] as const

/** Options of {@link MarkovNetwork.fromSamples}. */
export interface MarkovFromSamplesOptions extends MarkovNetworkOptions {
  /** pomegranate 0.14.8 offers 'chow-liu' only. */
  algorithm?: 'chow-liu' | undefined
  pseudocount?: number | undefined
}

/** The keys of {@link MarkovFromSamplesOptions}. */
export const MARKOV_FROM_SAMPLES_OPTION_KEYS = [...MARKOV_NETWORK_OPTION_KEYS, 'algorithm', 'pseudocount'] as const

interface Baked {
  inference: CodedInference
  logZ: number
}

/**
 * A [Markov network](https://en.wikipedia.org/wiki/Markov_random_field): p(x) = Π_c φ_c(x_c) / Z
 * with one JointProbabilityTable φ_c per clique c of columns (its `parents` are the column
 * indices). Z, the partition function, is computed exactly by variable elimination whenever the
 * tables change. Fitting counts the distinct rows exactly (any chunking gives the same bits) and
 * refits each table to its clique's complete rows; pomegranate 0.14.8's `fit` changes nothing
 * (it swallows a KeyError), and it has no JSON (aril writes `{"class":"MarkovNetwork","name",
 * "distributions":[JPT dicts]}`, the shape pomegranate's `from_dict` reads).
 *
 * @throws ArilError `ERR_INVALID_ARGUMENT` for tables that are not JointProbabilityTables over
 *   column indices
 * @example
 * ```ts
 * const mn = MarkovNetwork.fromSamples(rows)           // a Chow-Liu tree of pairwise tables
 * mn.structure                                         // => [[7, 5], [5, 3], ...]
 * mn.logProbability(rows.slice(0, 2))                  // normalized by the partition function
 * mn.predict([[0, null, 1]])                           // the missing value, by belief propagation
 * ```
 */
export class MarkovNetwork extends Model<[structure: number[][], distributions: unknown[]], UpdateOptions, Category[][]> {
  readonly name = 'MarkovNetwork'
  networkName: string
  readonly distributions: readonly JointProbabilityTable[]
  readonly dimension: number
  private baked!: Baked
  private counts: CategoryCounts
  private readonly maxCells: number

  constructor (distributions: readonly JointProbabilityTable[], options: MarkovNetworkOptions = {}) {
    super()
    checkKeys(options, MARKOV_NETWORK_OPTION_KEYS, 'MarkovNetwork')
    if (!Array.isArray(distributions) || distributions.length === 0) {
      throw new ArilError('ERR_INVALID_ARGUMENT', 'MarkovNetwork: expected at least one JointProbabilityTable')
    }
    let d = 0
    for (const [i, t] of distributions.entries()) {
      if (!(t instanceof JointProbabilityTable) || !t.parents.every(p => Number.isInteger(p) && (p as number) >= 0)) {
        throw new ArilError('ERR_INVALID_ARGUMENT', `MarkovNetwork: distributions[${i}] must be a JointProbabilityTable whose parents are column indices, got ${show(t)}`)
      }
      for (const p of t.parents as number[]) d = Math.max(d, p + 1)
    }
    this.distributions = distributions.slice()
    this.dimension = d
    this.networkName = options.name ?? 'MarkovNetwork'
    this.maxCells = numberOption(options, 'maxCells', 2 ** 24, 1)
    this.counts = new CategoryCounts(d, { ...pickOptions(options, COUNTS_OPTION_KEYS), sets: this.structure })
    this.bake()
  }

  override get categorical (): boolean {
    return true
  }

  /** The cliques: each table's columns (pomegranate's `structure`). */
  get structure (): number[][] {
    return this.distributions.map(t => (t.parents as number[]).slice())
  }

  get parameters (): [structure: number[][], distributions: unknown[]] {
    return [this.structure, this.distributions.map(t => t.parameters)]
  }

  /** The log of the partition function Z. */
  get logPartition (): number {
    return this.baked.logZ
  }

  /** Rebuilds the code-space tables, the inference graph and the partition function. */
  private bake (): void {
    const d = this.dimension
    const sets = Array.from({ length: d }, () => new Set<Category>())
    for (const t of this.distributions) {
      const columnKeys = t.columnKeys
      ;(t.parents as number[]).forEach((c, j) => { for (const k of columnKeys[j]!) sets[c]!.add(k) })
    }
    const keys = sets.map(s => [...s].sort(compareCategories))
    const codes = keys.map(k => new Map<unknown, number>(k.map((key, i) => [key, i])))
    const factors = this.distributions.map((t): Factor => {
      const scope = (t.parents as number[]).slice()
      const table = new Float64Array(scope.reduce((n, v) => n * keys[v]!.length, 1))
      for (const row of t.parameters[0]) {
        let at = 0
        scope.forEach((v, j) => { at = at * keys[v]!.length + codes[v]!.get(row[j])! })
        table[at] = row[scope.length] as number
      }
      return { scope, table }
    })
    this.baked = { inference: new CodedInference(keys, factors, v => `Column ${v}`), logZ: logPartition(keys.map(k => k.length), factors, this.maxCells) }
  }

  summarizeBatch (batch: Batch): undefined {
    this.counts.add(batch, this.counts.rows)
    return undefined
  }

  /** Each table refitted to its clique's complete rows (blended by `inertia`, smoothed by `pseudocount`). */
  protected update (options: UpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    if (this.counts.rows === 0) return
    for (const t of this.distributions) {
      if (t.frozen) continue
      const batch = completeRows(this.counts, t.parents as number[])
      if (batch === undefined) continue
      t.summarize(batch)
      t.fromSummaries({ inertia, pseudocount })
    }
    this.bake()
  }

  clearSummaries (): void {
    this.counts.clear()
  }

  summary (): Summary {
    return { model: this.name, counts: this.counts.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return CategoryCounts.problem(summary.counts, this.dimension)
  }

  protected mergeChecked (summary: Summary): void {
    this.counts.merge(summary.counts as CountsSummary)
  }

  /** Σ_c log φ_c(x_c) − log Z per row (a clique with a missing value counts 0, as pomegranate). */
  logProbabilityBatch (batch: Batch): Float64Array {
    const out = new Float64Array(batch.rows).fill(-this.baked.logZ)
    const part = new Float64Array(batch.rows)
    for (const t of this.distributions) {
      t.logProbabilityColumns(batch, t.parents as number[], part)
      for (let r = 0; r < batch.rows; r++) out[r] += part[r]!
    }
    return out
  }

  /**
   * The belief of every missing value given the observed ones, by belief propagation (exact on a
   * tree such as Chow-Liu's): observed values as they are, missing ones as Maps category →
   * probability (pomegranate's `predict_proba`).
   */
  predictProba (X: BatchInput, options: BeliefOptions = {}): BeliefRow[] {
    checkKeys(options, BELIEF_OPTION_KEYS, 'MarkovNetwork.predictProba')
    return this.baked.inference.predictProba(this.toBatch(X), options)
  }

  /** The rows with each missing value replaced by its most probable category (pomegranate's `predict`). */
  predict (X: BatchInput, options: BeliefOptions = {}): Category[][] {
    checkKeys(options, BELIEF_OPTION_KEYS, 'MarkovNetwork.predict')
    return imputedRows(this.imputeBatch(this.toBatch(X), options))
  }

  /** A checked batch with its missing values imputed. */
  imputeBatch (batch: Batch, options: BeliefOptions = {}): Batch {
    checkKeys(options, BELIEF_OPTION_KEYS, 'MarkovNetwork.imputeBatch')
    return this.baked.inference.imputeBatch(batch, options)
  }

  /** A Transform that imputes a stream of batches with flat memory. */
  predictStream (): Transform {
    return imputeStream(this)
  }

  /** The marginal of every variable with nothing observed. */
  marginal (options: BeliefOptions = {}): Array<Map<Category, number>> {
    return this.predictProba({ data: new Float64Array(this.dimension).fill(NaN), rows: 1, cols: this.dimension }, options)[0] as Array<Map<Category, number>>
  }

  /**
   * `n` exact draws: each variable in turn from its conditional given the ones drawn before,
   * by belief propagation (exact on trees; on loopy graphs as good as loopy beliefs).
   */
  sampleWith (n: number, random: Random): Category[][] {
    const { keys, bp: engine } = this.baked.inference
    const d = this.dimension
    const codes = new Int32Array(d)
    const beliefs = new Float64Array(engine.offsets[d]!)
    const options = { maxIterations: 100, tolerance: 1e-12 }
    const out: Category[][] = []
    for (let s = 0; s < n; s++) {
      codes.fill(-1)
      for (let v = 0; v < d; v++) {
        engine.run(codes, beliefs, options)
        const at = engine.offsets[v]!
        const u = random.uniform()
        let cum = 0
        let code = keys[v]!.length - 1
        for (let i = 0; i < keys[v]!.length; i++) {
          cum += beliefs[at + i]!
          if (u < cum) { code = i; break }
        }
        codes[v] = code
      }
      out.push(Array.from(codes, (c, v) => keys[v]![c]!))
    }
    return out
  }

  /** `{"class":"MarkovNetwork","name",distributions}`: what pomegranate's `from_dict` reads. */
  toJSON (): { class: 'MarkovNetwork'; name: string; distributions: object[] } {
    return { class: 'MarkovNetwork', name: this.networkName, distributions: this.distributions.map(t => t.toJSON()) }
  }

  /** Reads the JSON of {@link MarkovNetwork.toJSON} (pomegranate's `from_dict` shape). */
  static fromJSON (json: Record<string, unknown>): MarkovNetwork {
    const { distributions, name } = json
    if (json.class !== 'MarkovNetwork' || !Array.isArray(distributions)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected MarkovNetwork JSON with distributions, got ${show(json.class)}`)
    }
    const tables = distributions.map(d => fromJSON(d as object))
    if (!tables.every(t => t instanceof JointProbabilityTable)) throw new ArilError('ERR_INVALID_JSON_MODEL', 'Expected every MarkovNetwork distribution to be a JointProbabilityTable')
    return new MarkovNetwork(tables as JointProbabilityTable[], { name: typeof name === 'string' ? name : undefined })
  }

  /**
   * pomegranate's `from_structure`: one table per clique of columns, fitted to X.
   * @example
   * ```ts
   * MarkovNetwork.fromStructure([[0, 1], [1, 1], [1, 0]], [[0, 1]]).structure // => [[0, 1]]
   * ```
   */
  static fromStructure (X: BatchInput, structure: readonly (readonly number[])[], options: MarkovNetworkOptions & SummarizeOptions & UpdateOptions = {}): MarkovNetwork {
    const [fit] = splitOptions(options, optionKeys(MARKOV_NETWORK_OPTION_KEYS, UPDATE_OPTION_KEYS), SUMMARIZE_OPTION_KEYS, 'MarkovNetwork.fromStructure')
    const batch = toBatch(X, { categorical: true, weights: options.weights })
    const counts = new CategoryCounts(batch.cols, { ...pickOptions(options, COUNTS_OPTION_KEYS), sets: structure })
    counts.add(batch)
    return MarkovNetwork.fromCounts(counts, structure, fit)
  }

  /** A network with these cliques fitted to counts. */
  static fromCounts (counts: CategoryCounts, structure: readonly (readonly number[])[], options: MarkovNetworkOptions & UpdateOptions = {}): MarkovNetwork {
    checkKeys(options, optionKeys(MARKOV_NETWORK_OPTION_KEYS, UPDATE_OPTION_KEYS), 'MarkovNetwork.fromCounts')
    if (!Array.isArray(structure) || structure.length === 0) invalidOption('structure', 'a list of cliques (lists of column indices)', structure)
    const tables = structure.map(clique => {
      if (!Array.isArray(clique) || clique.length === 0 || !clique.every(c => Number.isInteger(c) && c >= 0 && c < counts.columns) || new Set(clique).size !== clique.length) {
        invalidOption('structure', `cliques of distinct column indices below ${counts.columns}`, clique)
      }
      const keys = clique.map(c => counts.keys(c) as Key[])
      const rows: Key[][] = []
      const total = keys.reduce((n, k) => n * k.length, 1)
      const cell = keys.map(() => 0)
      for (let at = 0; at < total; at++) {
        rows.push([...cell.map((i, j) => keys[j]![i]!), 1 / total])
        for (let j = keys.length - 1; j >= 0 && ++cell[j]! === keys[j]!.length; j--) cell[j] = 0
      }
      return new JointProbabilityTable(rows, clique.slice())
    })
    const net = new MarkovNetwork(tables, pickOptions(options, MARKOV_NETWORK_OPTION_KEYS))
    if (net.dimension !== counts.columns) invalidOption('structure', `cliques covering the columns up to ${counts.columns - 1}`, structure)
    net.counts = counts
    return net.fromSummaries({ pseudocount: options.pseudocount ?? 0 })
  }

  /**
   * pomegranate's `from_samples`: the Chow-Liu tree of the columns (the only structure
   * pomegranate 0.14.8 learns for a Markov network), one pairwise table per edge.
   * @throws ArilError `ERR_INVALID_OPTION` for another algorithm
   */
  static fromSamples (X: BatchInput, options: MarkovFromSamplesOptions & SummarizeOptions = {}): MarkovNetwork {
    const [fit] = splitOptions(options, optionKeys(MARKOV_NETWORK_OPTION_KEYS, ['pseudocount']), ['algorithm', ...SUMMARIZE_OPTION_KEYS], 'MarkovNetwork.fromSamples')
    const algorithm = options.algorithm ?? 'chow-liu'
    if (algorithm !== 'chow-liu') invalidOption('algorithm', "'chow-liu' (the only one of pomegranate 0.14.8's MarkovNetwork)", algorithm)
    const batch = requireValues(toBatch(X, { categorical: true, weights: options.weights }), 'MarkovNetwork')
    const d = batch.cols
    const pairs: number[][] = []
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) pairs.push([k, j])
    const counts = new CategoryCounts(d, { ...pickOptions(options, COUNTS_OPTION_KEYS), sets: pairs })
    counts.add(batch)
    const pseudocount = options.pseudocount ?? 0
    const structure = chowLiuPairs(new FamilyScorer(counts, pseudocount, undefined), pseudocount)
    return MarkovNetwork.fromCounts(counts, structure, fit)
  }
}

registerModel('MarkovNetwork', MarkovNetwork.fromJSON)

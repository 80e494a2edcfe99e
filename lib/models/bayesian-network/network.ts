/**
 * pomegranate's BayesianNetwork over categorical variables: the model class (construction, bake,
 * training from counts, scoring, inference, sampling, JSON).
 */
import type { Transform } from 'node:stream'
import { toBatch, type Batch, type BatchInput, type Key } from '../../core/batch.js'
import { ArilError, invalidOption, show } from '../../core/errors.js'
import { imputeStream } from '../../core/impute-stream.js'
import { Model, SAMPLE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS, type SampleOptions, type SummarizeOptions, type Summary } from '../../core/model.js'
import type { Source } from '../../core/source.js'
import { openAnySource } from '../../exec/shards.js'
import { checkKeys, numberOption, optionKeys, pickOptions, splitOptions, updateOptions, type UpdateOptions } from '../../core/options.js'
import type { Random } from '../../core/random.js'
import { registerModel } from '../../core/serialize.js'
import type { Category } from '../../counts/categories.js'
import { completeRows } from '../../counts/complete-rows.js'
import { CategoryCounts, type CountsOptions, type CountsSummary } from '../../counts/counts.js'
import { ConditionalProbabilityTable } from '../../distributions/conditional-probability-table.js'
import { DiscreteDistribution } from '../../distributions/discrete.js'
import { BELIEF_OPTION_KEYS, type BeliefOptions, type Factor } from '../belief-propagation.js'
import { CodedInference, imputedRows, type BeliefRow } from '../coded-inference.js'
import { State } from '../state.js'
import { compile, type NodeDistribution } from './compile.js'
import { checkStructure, topologicalOrder, type Structure } from './graph.js'
import { learnStructure, plannedSets, STRUCTURE_OPTION_KEYS, type StructureOptions } from './learn.js'

/** Options of the {@link BayesianNetwork} constructor: the memory limits of its counts. */
export interface BayesianNetworkOptions extends Pick<CountsOptions, 'memoryBudget' | 'maxMemory' | 'maxCategories'> {}

/** The keys of {@link BayesianNetworkOptions}. */
export const BAYESIAN_NETWORK_OPTION_KEYS = ['memoryBudget', 'maxMemory', 'maxCategories'] as const

/** Evidence for a row: a value per node name (pomegranate's dict), missing names unknown. */
export type Evidence = Readonly<Record<string, Category | null | undefined>> | ReadonlyMap<string, Category | null | undefined>

/** Options of {@link BayesianNetwork.sample}. */
export interface NetworkSampleOptions extends SampleOptions {
  /** Values some nodes must take: roots are set, other nodes by rejection (pomegranate's `evidences`). */
  evidence?: Evidence | undefined
  /** Give up when fewer than this fraction of draws match the evidence (pomegranate's `min_prob`). Default 0.01. */
  minProbability?: number | undefined
}

/** The keys of {@link NetworkSampleOptions}. */
export const NETWORK_SAMPLE_OPTION_KEYS = [...SAMPLE_OPTION_KEYS, 'evidence', 'minProbability'] as const

export type { BeliefRow }

interface Baked {
  structure: Structure
  order: number[]
  factors: Factor[]
  inference: CodedInference
}

/**
 * A [Bayesian network](https://en.wikipedia.org/wiki/Bayesian_network) of categorical variables,
 * as pomegranate's: one {@link State} per variable (a DiscreteDistribution for a root, a
 * ConditionalProbabilityTable over its parents otherwise), edges from parents to children, and
 * `bake()` to freeze the graph. Rows are one value per node, in the order the states were added.
 *
 * Statistics are exact counts of the distinct rows (CategoryCounts), so fitting in any chunking,
 * stream or worker split gives the same bits; a category first seen in any batch is learned. A
 * family (a node and its parents) skips rows where one of its values is missing; a frozen node is
 * not updated (pomegranate updates a frozen CPT anyway).
 *
 * @throws ArilError `ERR_GRAPH` from `bake()` for a cycle, an edge a table does not list, a parent
 *   that is no node's distribution; `ERR_NOT_FITTED` when used before `bake()`
 * @example
 * ```ts
 * const rain = new State(new DiscreteDistribution({ yes: 0.2, no: 0.8 }), 'rain')
 * const wet = new State(new ConditionalProbabilityTable([
 *   ['yes', 'wet', 0.9], ['yes', 'dry', 0.1], ['no', 'wet', 0.2], ['no', 'dry', 0.8]], [rain.distribution]), 'wet')
 * const net = new BayesianNetwork('garden')
 * net.addStates(rain, wet)
 * net.addEdge(rain, wet)
 * net.bake()
 * net.probability([['yes', 'wet']]) // => Float64Array [0.18]
 * net.predictProba([[null, 'wet']])[0][0] // => Map { 'yes' => 0.5294117647058824, 'no' => 0.47058823529411764 }
 * ```
 */
export class BayesianNetwork extends Model<[structure: Structure, distributions: unknown[]], UpdateOptions, Category[][]> {
  readonly name = 'BayesianNetwork'
  /** The network's own name (pomegranate's `name`). */
  networkName: string
  /** The nodes, in column order. */
  readonly states: Array<State<NodeDistribution>> = []
  private readonly edgeList: Array<[State, State]> = []
  private baked: Baked | undefined
  private counts: CategoryCounts | undefined
  private readonly countOptions: BayesianNetworkOptions
  private sampleEvidence: { evidence: Int32Array; minProbability: number } | undefined

  constructor (name = 'BayesianNetwork', options: BayesianNetworkOptions = {}) {
    super()
    if (typeof name !== 'string') invalidOption('name', 'a string', name)
    checkKeys(options, BAYESIAN_NETWORK_OPTION_KEYS, 'BayesianNetwork')
    this.networkName = name
    this.countOptions = options
  }

  get dimension (): number | undefined {
    return this.baked?.structure.length
  }

  override get categorical (): boolean {
    return true
  }

  /** Adds nodes (pomegranate's `add_states` / `add_nodes`). */
  addStates (...states: Array<State<NodeDistribution>>): this {
    for (const s of states) {
      if (!(s instanceof State)) throw new ArilError('ERR_INVALID_ARGUMENT', `addStates: expected States, got ${show(s)}`)
      if (!(s.distribution instanceof DiscreteDistribution || s.distribution instanceof ConditionalProbabilityTable)) {
        throw new ArilError('ERR_INVALID_ARGUMENT', `addStates: state ${show(s.name)} must hold a DiscreteDistribution or a ConditionalProbabilityTable, got ${show(s.distribution)}`)
      }
      this.states.push(s)
    }
    this.baked = undefined
    return this
  }

  /** pomegranate's `add_nodes`. */
  addNodes (...states: Array<State<NodeDistribution>>): this {
    return this.addStates(...states)
  }

  /** An edge from a parent to a child (pomegranate's `add_edge`). */
  addEdge (parent: State, child: State): this {
    this.edgeList.push([parent, child])
    this.baked = undefined
    return this
  }

  /** The edges, as pairs of states. */
  get edges (): Array<[State, State]> {
    return this.edgeList.slice()
  }

  /**
   * Finalizes the graph: reads each node's parents from its table, checks them against the
   * edges, and checks there is no cycle.
   * @throws ArilError `ERR_GRAPH`
   */
  bake (): this {
    const states = this.states
    if (states.length === 0) throw new ArilError('ERR_GRAPH', 'A Bayesian network needs at least one state')
    const index = new Map<object, number>()
    states.forEach((s, i) => {
      if (index.has(s.distribution)) throw new ArilError('ERR_GRAPH', `States ${show(states[index.get(s.distribution)!]!.name)} and ${show(s.name)} share one distribution object`)
      index.set(s.distribution, i)
    })
    const stateIndex = new Map<State, number>(states.map((s, i) => [s, i]))
    const incoming = states.map(() => new Set<number>())
    for (const [a, b] of this.edgeList) {
      const i = stateIndex.get(a)
      const j = stateIndex.get(b)
      if (i === undefined || j === undefined) throw new ArilError('ERR_GRAPH', `Edge ${show(a?.name)} → ${show(b?.name)} names a state that was not added`)
      incoming[j]!.add(i)
    }
    const structure = states.map((s, i) => {
      const d = s.distribution
      const parents = d instanceof ConditionalProbabilityTable
        ? d.parents.map((p, j) => {
          const at = index.get(p as object)
          if (at === undefined) throw new ArilError('ERR_GRAPH', `Parent ${j} of the table of ${show(s.name)} is not the distribution of a state of this network`)
          return at
        })
        : []
      const listed = new Set(parents)
      for (const p of incoming[i]!) {
        if (!listed.has(p)) throw new ArilError('ERR_GRAPH', `Edge ${show(states[p]!.name)} → ${show(s.name)}, but the table of ${show(s.name)} does not list it as a parent`)
      }
      for (const p of listed) {
        if (!incoming[i]!.has(p)) throw new ArilError('ERR_GRAPH', `The table of ${show(s.name)} lists ${show(states[p]!.name)} as a parent, but there is no edge ${show(states[p]!.name)} → ${show(s.name)}`)
      }
      return parents
    })
    const checked = checkStructure(structure, states.length)
    this.install(checked)
    if (this.counts?.columns !== states.length) this.counts = this.newCounts(checked)
    return this
  }

  private newCounts (structure: Structure): CategoryCounts {
    return new CategoryCounts(structure.length, { ...this.countOptions, sets: structure.map((parents, i) => [...parents, i]) })
  }

  /** Compiles the current tables for inference and sampling. */
  private install (structure: Structure): void {
    const { keys, factors } = compile(this.states.map(s => s.distribution), structure)
    this.baked = {
      structure,
      order: topologicalOrder(structure),
      factors,
      inference: new CodedInference(keys, factors, v => `Node ${show(this.states[v]!.name)}`)
    }
  }

  private ensureBaked (): Baked {
    if (this.baked === undefined) throw new ArilError('ERR_NOT_FITTED', 'BayesianNetwork: call bake() after adding states and edges')
    return this.baked
  }

  /** Each node's parents, by index (pomegranate's `structure`). */
  get structure (): Structure {
    return this.ensureBaked().structure.map(p => p.slice())
  }

  /** `[structure, distribution parameters]`. */
  get parameters (): [structure: Structure, distributions: unknown[]] {
    return [this.structure, this.states.map(s => s.distribution.parameters)]
  }

  summarizeBatch (batch: Batch): undefined {
    this.ensureBaked()
    const counts = this.counts!
    counts.add(batch, counts.rows)
    return undefined
  }

  /**
   * Each node's table from the counts of its family (rows with a value of the family missing are
   * skipped), blended by `inertia`, smoothed by `pseudocount`; frozen nodes keep theirs.
   */
  protected update (options: UpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    const { structure } = this.ensureBaked()
    const counts = this.counts!
    if (counts.rows === 0) return
    this.states.forEach((state, i) => {
      const d = state.distribution
      if (d.frozen) return
      const family = completeRows(counts, [...structure[i]!, i])
      if (family === undefined) return
      d.summarize(family)
      d.fromSummaries({ inertia, pseudocount })
    })
    this.install(structure)
  }

  clearSummaries (): void {
    this.counts?.clear()
  }

  summary (): Summary {
    const { structure } = this.ensureBaked()
    return { model: this.name, counts: this.counts?.summary() ?? this.newCounts(structure).summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return CategoryCounts.problem(summary.counts, this.ensureBaked().structure.length)
  }

  protected mergeChecked (summary: Summary): void {
    this.ensureBaked()
    this.counts!.merge(summary.counts as CountsSummary)
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    const { structure } = this.ensureBaked()
    const out = new Float64Array(batch.rows)
    const part = new Float64Array(batch.rows)
    this.states.forEach((s, i) => {
      const d = s.distribution
      if (d instanceof DiscreteDistribution) d.logProbabilityColumn(batch, i, part)
      else d.logProbabilityColumns(batch, [...structure[i]!, i], part)
      for (let r = 0; r < batch.rows; r++) out[r] += part[r]!
    })
    return out
  }

  /**
   * The belief of every missing value given the row's observed values (pomegranate's
   * `predict_proba`): observed values are returned as they are, missing ones as a Map from each
   * category to its probability. Loopy belief propagation (see belief-propagation.ts): exact on
   * trees and polytrees.
   * @param X rows (arrays with null or NaN for missing, or dicts keyed by node name), or a Batch
   * @throws ArilError `ERR_INVALID_INPUT` for a category a node does not have, with its row and column
   */
  predictProba (X: BatchInput | Evidence[], options: BeliefOptions = {}): BeliefRow[] {
    checkKeys(options, BELIEF_OPTION_KEYS, 'BayesianNetwork.predictProba')
    return this.ensureBaked().inference.predictProba(this.toBatch(this.rowsOf(X)), options)
  }

  /**
   * The rows with every missing value replaced by its most probable category given the observed
   * ones (pomegranate's `predict`; the first category on ties).
   */
  predict (X: BatchInput | Evidence[], options: BeliefOptions = {}): Category[][] {
    checkKeys(options, BELIEF_OPTION_KEYS, 'BayesianNetwork.predict')
    return imputedRows(this.imputeBatch(this.toBatch(this.rowsOf(X)), options))
  }

  /** A checked batch with its missing values imputed (every column categorical in the result). */
  imputeBatch (batch: Batch, options: BeliefOptions = {}): Batch {
    checkKeys(options, BELIEF_OPTION_KEYS, 'BayesianNetwork.imputeBatch')
    return this.ensureBaked().inference.imputeBatch(batch, options)
  }

  /**
   * A Transform that imputes a stream of batches with flat memory (see {@link imputeStream}).
   * @example
   * ```ts
   * await pipeline(readCsv('gaps.csv', { columns: true, categorical: true }), net.predictStream(), sink)
   * ```
   */
  predictStream (): Transform {
    return imputeStream(this)
  }

  /** The marginal distribution of every node with nothing observed (pomegranate's `marginal`). */
  marginal (options: BeliefOptions = {}): Array<Map<Category, number>> {
    const d = this.ensureBaked().structure.length
    return this.predictProba({ data: new Float64Array(d).fill(NaN), rows: 1, cols: d }, options)[0] as Array<Map<Category, number>>
  }

  private rowsOf (X: BatchInput | Evidence[]): BatchInput {
    if (!Array.isArray(X) || X.length === 0 || Array.isArray(X[0]) || ArrayBuffer.isView(X[0]) || typeof X[0] !== 'object' || X[0] === null) return X as BatchInput
    const names = this.states.map(s => s.name)
    const known = new Set(names)
    const rows = (X as Evidence[]).map((e, r) => {
      const get = (name: string): unknown => e instanceof Map ? e.get(name) : (e as Record<string, unknown>)[name]
      const keys = e instanceof Map ? [...e.keys()] : Object.keys(e)
      for (const k of keys) if (!known.has(k)) throw new ArilError('ERR_INVALID_INPUT', `The network has no node named ${show(k)}`, { row: r })
      return names.map(n => get(n) ?? null)
    })
    const categories = names.map((_, v) => rows.map(row => row[v] as Key | null))
    return { data: new Float64Array(rows.length * names.length).fill(NaN), rows: rows.length, cols: names.length, categories }
  }

  /**
   * `n` rows drawn from the network in topological order, optionally given evidence: roots in the
   * evidence are set, other evidence is met by rejection (pomegranate's `sample`, algorithm
   * 'rejection').
   * @throws ArilError `ERR_INVALID_ARGUMENT` for evidence naming no node or no category of it;
   *   `ERR_LIMIT` (limit `minProbability`) when too few draws match the evidence
   */
  override get sampleOptionKeys (): readonly string[] {
    return NETWORK_SAMPLE_OPTION_KEYS
  }

  override sample (n: number, options: NetworkSampleOptions = {}): Category[][] {
    const { inference } = this.ensureBaked()
    const evidence = new Int32Array(this.states.length).fill(-1)
    if (options.evidence !== undefined) {
      const e = options.evidence
      const entries = e instanceof Map ? [...e.entries()] : Object.entries(e)
      for (const [name, value] of entries) {
        const v = this.states.findIndex(s => s.name === name)
        if (v < 0) throw new ArilError('ERR_INVALID_ARGUMENT', `sample: the network has no node named ${show(name)}`)
        const code = inference.codes[v]!.get(value)
        if (code === undefined) throw new ArilError('ERR_INVALID_ARGUMENT', `sample: node ${show(name)} has no category ${show(value)}`)
        evidence[v] = code
      }
    }
    const minProbability = numberOption(options, 'minProbability', 0.01, 0, 1)
    this.sampleEvidence = { evidence, minProbability }
    try {
      return super.sample(n, options)
    } finally {
      this.sampleEvidence = undefined
    }
  }

  sampleWith (n: number, random: Random): Category[][] {
    const { inference, factors, structure, order } = this.ensureBaked()
    const evidence = this.sampleEvidence?.evidence ?? new Int32Array(this.states.length).fill(-1)
    const minProbability = this.sampleEvidence?.minProbability ?? 0.01
    const cards = inference.keys.map(k => k.length)
    const codes = new Int32Array(this.states.length)
    const out: Category[][] = []
    let draws = 0
    while (out.length < n) {
      if (++draws > n / minProbability) {
        throw new ArilError('ERR_LIMIT', `sample: fewer than minProbability = ${minProbability} of the draws match the evidence; lower minProbability or give likelier evidence`, { limit: 'minProbability' })
      }
      let accepted = true
      for (const v of order) {
        const parents = structure[v]!
        if (parents.length === 0 && evidence[v]! >= 0) {
          codes[v] = evidence[v]!
          continue
        }
        let at = 0
        for (const p of parents) at = at * cards[p]! + codes[p]!
        const k = cards[v]!
        const code = draw(factors[v]!.table, at * k, k, random)
        if (code < 0) throw new ArilError('ERR_NOT_FITTED', `sample: node ${show(this.states[v]!.name)} has no probabilities for its parents' values`)
        codes[v] = code
        if (evidence[v]! >= 0 && code !== evidence[v]) {
          accepted = false
          break
        }
      }
      if (accepted) out.push(Array.from(codes, (code, v) => inference.keys[v]![code]!))
    }
    return out
  }

  /** pomegranate's BayesianNetwork dict: name, structure, and the states with their tables. */
  toJSON (): { class: 'BayesianNetwork'; name: string; structure: Structure; states: object[] } {
    return { class: 'BayesianNetwork', name: this.networkName, structure: this.structure, states: this.states.map(s => s.toJSON()) }
  }

  /**
   * Reads pomegranate's BayesianNetwork dict: each CPT is linked to its parents' distributions
   * (the copies embedded in its JSON are only read for their keys), then the network is baked.
   * @throws ArilError `ERR_INVALID_JSON_MODEL`, `ERR_GRAPH`
   */
  static fromJSON (json: Record<string, unknown>): BayesianNetwork {
    const { states, structure, name } = json
    if (json.class !== 'BayesianNetwork' || !Array.isArray(states)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected BayesianNetwork JSON with states, got ${show(json.class)}`)
    }
    const read = states.map(s => State.fromJSON(s))
    const graph = checkStructure(structure, read.length)
    const nodes = new Array<State<NodeDistribution>>(read.length)
    for (const i of topologicalOrder(graph)) {
      const s = read[i]!
      const d = s.distribution
      const parents = graph[i]!
      if (parents.length === 0) {
        if (!(d instanceof DiscreteDistribution)) throw new ArilError('ERR_INVALID_JSON_MODEL', `State ${show(s.name)} has no parents: expected a DiscreteDistribution, got ${show(d.name)}`)
        nodes[i] = s as State<NodeDistribution>
        continue
      }
      if (!(d instanceof ConditionalProbabilityTable) || d.dimension !== parents.length + 1) {
        throw new ArilError('ERR_INVALID_JSON_MODEL', `State ${show(s.name)} has ${parents.length} parents: expected a ConditionalProbabilityTable over them, got ${show(d.name)}`)
      }
      const linked = new ConditionalProbabilityTable(d.parameters[0], parents.map(p => nodes[p]!.distribution), { frozen: d.frozen })
      nodes[i] = new State(linked, s.name, s.weight)
    }
    const net = new BayesianNetwork(typeof name === 'string' ? name : 'BayesianNetwork')
    net.addStates(...nodes)
    graph.forEach((parents, i) => { for (const p of parents) net.addEdge(nodes[p]!, nodes[i]!) })
    return net.bake()
  }

  /** Installs counts gathered elsewhere (fromStructure, fromSamples, fromStream). */
  protected useCounts (counts: CategoryCounts): void {
    this.counts = counts
  }

  /**
   * A network with the given structure fitted to counts: a uniform table over every category of
   * each column, then the counts (pomegranate's `from_structure` given `keys`).
   */
  static fromCounts (counts: CategoryCounts, structure: Structure, options: NetworkFitOptions = {}): BayesianNetwork {
    checkKeys(options, NETWORK_FIT_OPTION_KEYS, 'BayesianNetwork.fromCounts')
    const d = counts.columns
    const graph = checkStructure(structure, d)
    const names = options.stateNames ?? Array.from({ length: d }, (_, i) => String(i))
    if (!Array.isArray(names) || names.length !== d || !names.every(n => typeof n === 'string')) invalidOption('stateNames', `${d} names`, names)
    const keys = Array.from({ length: d }, (_, c) => counts.keys(c) as Key[])
    const nodes = new Array<State<NodeDistribution>>(d)
    for (const i of topologicalOrder(graph)) {
      const parents = graph[i]!
      const own = keys[i]!
      if (parents.length === 0) {
        nodes[i] = new State(new DiscreteDistribution(new Map(own.map(k => [k, 1 / own.length]))), names[i]!)
        continue
      }
      const rows: Key[][] = []
      const columns = [...parents.map(p => keys[p]!), own]
      const cell = columns.map(() => 0)
      const total = columns.reduce((n, k) => n * k.length, 1)
      for (let at = 0; at < total; at++) {
        rows.push([...cell.map((c, j) => columns[j]![c]!), 1 / own.length])
        for (let j = columns.length - 1; j >= 0 && ++cell[j]! === columns[j]!.length; j--) cell[j] = 0
      }
      nodes[i] = new State(new ConditionalProbabilityTable(rows, parents.map(p => nodes[p]!.distribution)), names[i]!)
    }
    const net = new BayesianNetwork(options.name ?? 'BayesianNetwork', pickOptions(options, BAYESIAN_NETWORK_OPTION_KEYS))
    net.addStates(...nodes)
    graph.forEach((parents, i) => { for (const p of parents) net.addEdge(nodes[p]!, nodes[i]!) })
    net.bake()
    net.useCounts(counts)
    return net.fromSummaries({ pseudocount: options.pseudocount ?? 0 })
  }

  /**
   * pomegranate's `from_structure`: a network with the given structure (each node's parents, by
   * column) fitted to X.
   * @example
   * ```ts
   * const net = BayesianNetwork.fromStructure([['a', 'x'], ['a', 'y'], ['b', 'y']], [[], [0]])
   * net.states[1].distribution.parameters[0] // => [['a', 'x', 0.5], ['a', 'y', 0.5], ['b', 'x', 0], ['b', 'y', 1]]
   * ```
   */
  static fromStructure (X: BatchInput, structure: Structure, options: NetworkFitOptions & SummarizeOptions = {}): BayesianNetwork {
    const [fit] = splitOptions(options, NETWORK_FIT_OPTION_KEYS, SUMMARIZE_OPTION_KEYS, 'BayesianNetwork.fromStructure')
    const batch = toBatch(X, { categorical: true, weights: options.weights })
    const graph = checkStructure(structure, batch.cols)
    const counts = new CategoryCounts(batch.cols, { ...pickOptions(options, BAYESIAN_NETWORK_OPTION_KEYS), sets: graph.map((parents, i) => [...parents, i]) })
    counts.add(batch)
    return BayesianNetwork.fromCounts(counts, graph, fit)
  }

  /**
   * pomegranate's `from_samples`: learns the structure from X ('chow-liu', 'greedy', 'exact' or
   * 'exact-dp', with pomegranate's scores and tie-breaking), then fits the tables.
   * @throws ArilError `ERR_INVALID_OPTION` for a bad option
   * @example
   * ```ts
   * const net = BayesianNetwork.fromSamples(rows, { algorithm: 'exact', maxParents: 2 })
   * net.structure // => [[], [0], [0, 1]]
   * ```
   */
  static fromSamples (X: BatchInput, options: FromSamplesOptions & SummarizeOptions = {}): BayesianNetwork {
    const [fit, structureOptions] = splitOptions(options, NETWORK_FIT_OPTION_KEYS, optionKeys(STRUCTURE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), 'BayesianNetwork.fromSamples')
    const batch = toBatch(X, { categorical: true, weights: options.weights })
    const counts = new CategoryCounts(batch.cols, { ...pickOptions(options, BAYESIAN_NETWORK_OPTION_KEYS), sets: plannedSets(options, batch.cols) })
    counts.add(batch)
    return BayesianNetwork.fromCounts(counts, learnStructure(counts, pickOptions(structureOptions, STRUCTURE_OPTION_KEYS)), fit)
  }

  /**
   * `fromSamples` out of core: one pass counts the distinct rows of the stream (or, past
   * `memoryBudget`, the tables the search needs), then the structure is searched on the counts
   * and the tables fitted from them. The source is anything `fitStream` takes.
   * @throws ArilError `ERR_ABORTED` when `signal` aborts; `ERR_LIMIT` past `memoryBudget` with no
   *   `maxParents` (or past `maxMemory`); the source's errors
   * @example
   * ```ts
   * const net = await BayesianNetwork.fromStream(() => readCsv('big.csv', { columns: true, categorical: true }), { algorithm: 'chow-liu' })
   * ```
   */
  static async fromStream (source: Source, options: FromSamplesOptions & { signal?: AbortSignal | undefined } = {}): Promise<BayesianNetwork> {
    const [fit, structureOptions] = splitOptions(options, NETWORK_FIT_OPTION_KEYS, [...STRUCTURE_OPTION_KEYS, 'signal'], 'BayesianNetwork.fromStream')
    const readable = await openAnySource(source)
    let counts: CategoryCounts | undefined
    try {
      for await (const chunk of readable) {
        if (options.signal?.aborted === true) throw new ArilError('ERR_ABORTED', 'fromStream was aborted', {}, { cause: options.signal.reason })
        const batch = toBatch(chunk as BatchInput, { categorical: true })
        counts ??= new CategoryCounts(batch.cols, { ...pickOptions(options, BAYESIAN_NETWORK_OPTION_KEYS), sets: plannedSets(options, batch.cols) })
        counts.add(batch, counts.rows)
      }
    } finally {
      readable.destroy()
    }
    if (counts === undefined) throw new ArilError('ERR_NOT_FITTED', 'fromStream: the source had no rows')
    return BayesianNetwork.fromCounts(counts, learnStructure(counts, pickOptions(structureOptions, STRUCTURE_OPTION_KEYS)), fit)
  }
}

/** Options of {@link BayesianNetwork.fromSamples} and {@link BayesianNetwork.fromStream}. */
export interface FromSamplesOptions extends NetworkFitOptions, StructureOptions {}

/** Options of the functions that build a fitted network. */
export interface NetworkFitOptions extends BayesianNetworkOptions {
  /** Added to every count (pomegranate's `pseudocount`). Default 0. */
  pseudocount?: number | undefined
  /** Node names, one per column; default `'0'`, `'1'`, … as pomegranate. */
  stateNames?: readonly string[] | undefined
  /** The network's name. */
  name?: string | undefined
}

/** The keys of {@link NetworkFitOptions}. */
export const NETWORK_FIT_OPTION_KEYS = [...BAYESIAN_NETWORK_OPTION_KEYS, 'pseudocount', 'stateNames', 'name'] as const

/** The keys of {@link FromSamplesOptions}. */
export const NETWORK_FROM_SAMPLES_OPTION_KEYS = optionKeys(NETWORK_FIT_OPTION_KEYS, STRUCTURE_OPTION_KEYS)

/** Draws an index from table[at..at+k) (probabilities summing to about 1); −1 when all are 0. */
function draw (table: Float64Array, at: number, k: number, random: Random): number {
  let total = 0
  for (let i = 0; i < k; i++) total += table[at + i]!
  if (!(total > 0)) return -1
  const u = random.uniform() * total
  let cum = 0
  for (let i = 0; i < k; i++) {
    cum += table[at + i]!
    if (u < cum) return i
  }
  for (let i = k - 1; i > 0; i--) if (table[at + i]! > 0) return i
  return 0
}

registerModel('BayesianNetwork', BayesianNetwork.fromJSON)

/**
 * The construction half of a hidden Markov model (pomegranate 0.14.8's API): states and
 * transitions as added, `bake()` into the topology the recursions read (graph.ts), the
 * parameters, and reading sequences checked against the emissions. HiddenMarkovModel (hmm.ts)
 * extends it through inference-model.ts; the statistics and training live in hmm.ts.
 */
import { isBatch, type BatchInput } from '../../core/batch.js'
import { ArilError, invalidOption, show } from '../../core/errors.js'
import { Model } from '../../core/model.js'
import { checkKeys, numberOption } from '../../core/options.js'
import { isSequenceBatch, toSequenceBatch, type SequenceBatch, type SequenceInput } from '../../core/sequence.js'
import { State } from '../state.js'
import { bakeGraph, type EdgeSpec, type Graph, type HmmState } from './graph.js'
import { hmmToJSON, type HmmJSON } from './json.js'
import { SAMPLE_KEYS, UPDATE_KEYS, type HmmSummarizeOptions, type HmmUpdateOptions, type TransitionOptions } from './options.js'

/** States, transitions and `bake()` of a {@link HiddenMarkovModel} (see hmm.ts for the whole model). */
export abstract class HmmTopology extends Model<[transitions: number[][], distributions: unknown[]], HmmUpdateOptions, unknown[]> {
  readonly name = 'HiddenMarkovModel'
  /** pomegranate's model name (its states `start` and `end` are named after it). */
  readonly modelName: string
  start: HmmState
  end: HmmState
  protected nodes: HmmState[]
  protected edges: EdgeSpec[] = []
  protected baked: Graph | undefined

  /** @param name pomegranate's model name (default `'None'`, as pomegranate's `str(None)`) */
  constructor (name = 'None') {
    super()
    if (typeof name !== 'string') throw new ArilError('ERR_INVALID_ARGUMENT', `HiddenMarkovModel: expected a name (a string), got ${show(name)}`)
    this.modelName = name
    this.start = new State(null, `${name}-start`)
    this.end = new State(null, `${name}-end`)
    this.nodes = [this.start, this.end]
  }

  /** Drops the statistics and sizes them for a newly baked topology. */
  protected abstract resetStatistics (g: Graph): void

  get dimension (): number | undefined {
    return this.graph.distributions[0]!.dimension
  }

  override get categorical (): boolean {
    return this.graph.distributions.some(d => d.categorical)
  }

  /** pomegranate's `from_summaries` keys, and `algorithm` (so that `fit`'s options pass whole). */
  override get updateOptionKeys (): readonly string[] {
    return UPDATE_KEYS
  }

  override get sampleOptionKeys (): readonly string[] {
    return SAMPLE_KEYS
  }

  /** The states in pomegranate's baked order (emitting by name, then silent in topological order). */
  get states (): HmmState[] {
    return this.graph.states.slice()
  }

  /** The baked topology. @throws ArilError `ERR_NOT_FITTED` before `bake()` */
  protected get graph (): Graph {
    if (this.baked === undefined) throw new ArilError('ERR_NOT_FITTED', 'HiddenMarkovModel: call bake() after adding states and transitions, before using the model')
    return this.baked
  }

  /**
   * Adds a state (pomegranate's `add_state`); the model must be baked again.
   * @throws ArilError `ERR_INVALID_ARGUMENT` for a name already used or something other than a State
   */
  addState (state: HmmState): this {
    if (!(state instanceof State)) throw new ArilError('ERR_INVALID_ARGUMENT', `addState: expected a State, got ${show(state)}`)
    if (this.nodes.some(s => s.name === state.name)) throw new ArilError('ERR_INVALID_ARGUMENT', `addState: a state named ${show(state.name)} is already in the model`)
    this.nodes.push(state)
    this.baked = undefined
    return this
  }

  /** Adds several states. */
  addStates (...states: Array<HmmState | HmmState[]>): this {
    for (const s of states.flat()) this.addState(s)
    return this
  }

  /**
   * Adds (or replaces) the transition a → b with probability p (linear; out-edges are normalized
   * by `bake()`).
   * @throws ArilError `ERR_INVALID_MODEL` when a or b is not in the model, `ERR_INVALID_ARGUMENT`
   *   for a probability outside [0, 1]
   */
  addTransition (a: HmmState, b: HmmState, probability: number, options: TransitionOptions = {}): this {
    checkKeys(options, ['pseudocount', 'group'], 'HiddenMarkovModel.addTransition')
    for (const s of [a, b]) {
      if (!this.nodes.includes(s)) throw new ArilError('ERR_INVALID_MODEL', `addTransition: state ${show((s as HmmState | undefined)?.name ?? s)} is not in the model; add it with addState first`)
    }
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
      throw new ArilError('ERR_INVALID_ARGUMENT', `addTransition: expected a probability in [0, 1], got ${show(probability)}`)
    }
    const pseudocount = numberOption(options, 'pseudocount', probability, 0)
    if (options.group !== undefined && typeof options.group !== 'string') invalidOption('group', 'a string', options.group)
    const edge: EdgeSpec = { from: a, to: b, probability, pseudocount, group: options.group ?? null }
    const at = this.edges.findIndex(e => e.from === a && e.to === b)
    if (at >= 0) this.edges[at] = edge
    else this.edges.push(edge)
    this.baked = undefined
    return this
  }

  /**
   * Finalizes the topology (see graph.ts for the order of states and the checks) and drops any
   * statistics.
   * @throws ArilError `ERR_INVALID_MODEL` for a silent-state cycle, an unreachable state, a state
   *   without transitions out, no emitting states, or emissions of different dimensions
   */
  bake (): this {
    this.baked = bakeGraph(this.nodes, this.edges, this.start, this.end)
    this.resetStatistics(this.baked)
    return this
  }

  /** The transition probabilities as an m × m matrix in state order (pomegranate's `dense_transition_matrix`). */
  denseTransitionMatrix (): number[][] {
    const g = this.graph
    const out = Array.from({ length: g.m }, () => new Array<number>(g.m).fill(0))
    for (let k = 0; k < g.from.length; k++) out[g.from[k]!]![g.to[k]!] = g.prob[k]!
    return out
  }

  get parameters (): [transitions: number[][], distributions: unknown[]] {
    return [this.denseTransitionMatrix(), this.graph.distributions.map(d => d.parameters)]
  }

  /** Freezes every distribution (pomegranate's `freeze_distributions`): the transitions still train. */
  freezeDistributions (): this {
    for (const d of this.graph.distributions) d.freeze()
    return this
  }

  /** Undoes {@link HiddenMarkovModel.freezeDistributions}. */
  thawDistributions (): this {
    for (const d of this.graph.distributions) d.thaw()
    return this
  }


  /** Reads a list of sequences or a SequenceBatch, checked against the emissions' columns and kinds. */
  override toBatch (X: BatchInput | readonly SequenceInput[], options: HmmSummarizeOptions = {}): SequenceBatch {
    const { weights, labels } = options
    if (isBatch(X) && !isSequenceBatch(X)) {
      throw new ArilError('ERR_INVALID_INPUT', 'HiddenMarkovModel: a Batch of rows has no sequence boundaries; give a list of sequences, a SequenceBatch, or a sequence source')
    }
    return toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { cols: this.dimension, categorical: this.categorical, weights, labels: labels as ReadonlyArray<ReadonlyArray<string | null>> | undefined })
  }


  /** Writes the baked probabilities back into the edges as added (for JSON and re-baking). */
  protected syncEdges (): void {
    const g = this.graph
    const index = new Map(g.states.map((s, i) => [s, i]))
    for (const e of this.edges) {
      const a = index.get(e.from)!
      const b = index.get(e.to)!
      for (let k = 0; k < g.from.length; k++) if (g.from[k] === a && g.to[k] === b) e.probability = g.prob[k]!
    }
  }


  /** pomegranate 0.14.8's HMM JSON (states in baked order, edges `[from, to, p, pseudocount, group]`, distribution ties). */
  toJSON (): HmmJSON {
    return hmmToJSON(this.modelName, this.graph)
  }
}

/**
 * pomegranate 0.14.8's `HiddenMarkovModel`: states (emitting or silent) joined by transitions,
 * trained by Baum-Welch, Viterbi or labeled training over sequences.
 */
import { BlockedSums, blockedSumsProblem, type BlockedSumsSummary } from '../../core/accumulate.js'
import type { Batch, BatchInput } from '../../core/batch.js'
import { deepCopy } from '../../core/copy.js'
import { ArilError, show } from '../../core/errors.js'
import type { Writable } from 'node:stream'
import type { Model, Statistics, Summary } from '../../core/model.js'
import type { SinkOptions } from '../../core/sink.js'
import { booleanOption, checkKeys, numberOption } from '../../core/options.js'
import { BLOCK_SEQUENCES, isSequenceBatch, toSequenceBatch, type SequenceBatch, type SequenceInput } from '../../core/sequence.js'
import { registerModel } from '../../core/serialize.js'
import type { History } from '../../train/callbacks.js'
import { trainBatch, trainStream, type Opener } from '../../train/em.js'
import { DiscreteDistribution } from '../../distributions/discrete.js'
import type { Graph, HmmState } from './graph.js'
import { hmmFromJSON } from './json.js'
import { labelIndices, summarizeRun, type Algorithm } from './statistics.js'
import { HmmInference } from './inference-model.js'
import { startingDistributions } from './init.js'
import { transitionEstimate } from './transitions.js'
import { algorithmOption, PIECE_ROWS, type HmmFitOptions, type HmmFromSamplesOptions, type HmmSummarizeOptions, type HmmUpdateOptions } from './options.js'
import { fitLongSequence, summarizeLongSequence, type LongSequenceFitOptions, type LongSequenceOptions, type LongSequenceSummary } from './long-sequence.js'
import type { ComponentKind } from '../mixture-init.js'
import { passesInMemory, passesOverStream } from '../../train/pass.js'
import { addMatrix, observationRows, splitOptions, uniformMatrices } from './from-samples.js'

export type { Algorithm } from './statistics.js'
export type { HmmState } from './graph.js'
export type { HmmFitOptions, HmmFromSamplesOptions, HmmSummarizeOptions, HmmUpdateOptions, TransitionOptions } from './options.js'

/**
 * A [hidden Markov model](https://en.wikipedia.org/wiki/Hidden_Markov_model) as pomegranate
 * 0.14.8 builds it: add {@link State}s (a distribution, or `null` for a silent state), add
 * transitions (between states, from `start`, to `end`), `bake()`, then infer or train. A model
 * with a transition into `end` is finite: sequences must end there.
 *
 * Training sums, per sequence, the expected count of every edge and hands each emitting state's
 * distribution the rows weighted by the state's posterior (Baum-Welch), or 0/1 weights from the
 * Viterbi path or from labels. Counts are summed exactly in blocks of BLOCK_SEQUENCES sequences
 * aligned to the sequence index, so any batching of the sequences and any merge of shards that
 * start on a multiple of BLOCK_SEQUENCES give the same bits. Distributions shared by several states (tied
 * states) pool their statistics; edges of one `group` share their counts (tied edges).
 *
 * A sequence the model calls impossible (log-probability −Infinity) adds nothing and is counted
 * in `statistics.impossible` (and, under the initial parameters of a fit, in the first epoch's
 * log `note`). A symbol that no Discrete state has seen makes its sequence impossible (pomegranate
 * raises instead).
 *
 * Differences from pomegranate: `bake()` raises coded errors instead of silently removing
 * unreachable states (`merge: 'all'`), and never merges silent states into their successors;
 * `fromMatrix` normalizes rows as `bake()` does; labels (labeled training) name one emitting state
 * per observation, and the edges start → first, between labels, and last → end are counted;
 * Viterbi and labeled training report the forward log-probability times the sequence's weight.
 *
 * @example
 * ```ts
 * const fair = new State(new DiscreteDistribution({ H: 0.5, T: 0.5 }), 'fair')
 * const loaded = new State(new DiscreteDistribution({ H: 0.9, T: 0.1 }), 'loaded')
 * const hmm = new HiddenMarkovModel('casino')
 * hmm.addStates(fair, loaded)
 * hmm.addTransition(hmm.start, fair, 0.5).addTransition(hmm.start, loaded, 0.5)
 * hmm.addTransition(fair, fair, 0.9).addTransition(fair, loaded, 0.1)
 * hmm.addTransition(loaded, loaded, 0.9).addTransition(loaded, fair, 0.1)
 * hmm.bake()
 * hmm.fit([['H', 'H', 'T', 'H'], ['T', 'H']], { maxIterations: 10 })
 * ```
 */
export class HiddenMarkovModel extends HmmInference {
  /** Per sequence: the count of every edge, then Σ w·log p, then the number of impossible sequences. */
  private sums = new BlockedSums(2, false, BLOCK_SEQUENCES)
  /**
   * Per distinct distribution: the statistics of the current block of sequences. The
   * distributions sum rows in blocks of rows, which shards cut at sequence boundaries would
   * misalign; summing each block of sequences apart and merging it as a whole (`closeBlock`)
   * makes the row blocks start with every block of sequences, so shards merge exactly
   * (`absorbSummaries` moves them without the JSON form: this happens every BLOCK_SEQUENCES sequences).
   */
  private scratch: Model[] = []
  private mode: Algorithm = 'baum-welch'

  protected resetStatistics (g: Graph): void {
    this.sums = new BlockedSums(g.from.length + 2, false, BLOCK_SEQUENCES)
    this.scratch = g.distributions.map(d => { const c = deepCopy(d); c.clearSummaries(); return c })
  }

  /**
   * Adds the statistics of sequences (a list of sequences or a SequenceBatch) by `algorithm`
   * (default the one of the last fit, else 'baum-welch').
   * @returns Σ weight · log P(sequence) over the possible sequences
   */
  override summarize (X: BatchInput | readonly SequenceInput[], options: HmmSummarizeOptions = {}): number | undefined {
    checkKeys(options, ['weights', 'labels', 'algorithm'], 'HiddenMarkovModel.summarize')
    const batch = this.toBatch(X, options)
    if (options.algorithm !== undefined) this.mode = algorithmOption(options.algorithm)
    if (this.frozen || batch.offsets.length <= 1) return undefined
    return this.summarizeBatch(batch)
  }

  /**
   * The E-step over a SequenceBatch.
   * @throws ArilError `ERR_INVALID_INPUT` for a Batch without offsets, `ERR_LABEL` for bad labels
   *   (before anything is added)
   */
  summarizeBatch (batch: Batch): number {
    if (!isSequenceBatch(batch)) {
      throw new ArilError('ERR_INVALID_INPUT', 'HiddenMarkovModel.summarizeBatch: expected a SequenceBatch (rows with offsets); read sequences with a sequence source or give a list of sequences')
    }
    const g = this.graph
    const labels = this.mode === 'labeled' ? labelIndices(g, batch) : undefined
    const sums = this.sums
    let total = 0
    sums.runs(batch.offsets.length - 1, (s0, s1) => {
      const completes = sums.pending + (s1 - s0) === BLOCK_SEQUENCES
      // pieces of whole sequences, about PIECE_ROWS rows each: the work arrays stay small, and
      // every sum is added sequence by sequence, row by row, so the pieces do not change a bit
      for (let a = s0, z = s0; a < s1; a = z) {
        z = a + 1
        while (z < s1 && batch.offsets[z + 1]! - batch.offsets[a]! <= PIECE_ROWS) z++
        total += summarizeRun(g, batch, a, z, this.mode, labels, sums.partial, this.workspace)
        this.summarizeEmissions(batch, batch.offsets[a]!, batch.offsets[z]!)
      }
      // the distributions' rows of a finished block of sequences become a block of their own
      if (completes) this.closeBlock()
    })
    return total
  }

  private summarizeEmissions (batch: SequenceBatch, r0: number, r1: number): void {
    const g = this.graph
    const { data, cols, categories } = batch
    const rows = r1 - r0
    const piece = { data: data.subarray(r0 * cols, r1 * cols), rows, cols, categories: categories?.map(c => c?.slice(r0, r1)) }
    // the coded keys of these rows, when summarizeRun's emissions were coded (see emissions.ts)
    const coded = this.workspace.coded?.codes
    for (let s = 0; s < g.p; s++) {
      const j = g.stateDistribution[s]!
      if (g.distributions[j]!.frozen) continue
      const weights = this.workspace.weights[s]!.subarray(0, rows)
      const scratch = this.scratch[j]!
      if (coded !== undefined && scratch instanceof DiscreteDistribution) scratch.summarizeCodes(coded, weights)
      else scratch.summarizeBatch({ ...piece, weights })
    }
  }

  private closeBlock (): void {
    this.graph.distributions.forEach((d, j) => {
      d.absorbSummaries(this.scratch[j]!)
    })
  }

  /** The exact Σ w·log P(sequence) of the sequences summarized since the last clear. */
  summaryLogProbability (): number {
    return this.sums.exact(this.graph.from.length).value()
  }

  /**
   * For the trainer, after the first pass: a note for the first epoch's log when sequences were
   * impossible under the initial parameters (they are skipped; later passes count them in
   * `statistics.impossible`).
   */
  /** For the trainer's epoch log: the sequences of the last pass that were impossible and skipped. */
  skippedInPass (): number {
    return this.sums.values()[this.graph.from.length + 1]!
  }

  noteAfterPass (): string | undefined {
    const values = this.sums.values()
    const impossible = values[this.graph.from.length + 1]!
    return impossible > 0 ? `${impossible} of ${this.sums.rows} sequences are impossible under the initial parameters (log-probability -Infinity) and were skipped` : undefined
  }

  /** For workers rebuilt from JSON: the training algorithm. */
  passMode (): Algorithm {
    return this.mode
  }

  setPassMode (mode: unknown): void {
    this.mode = algorithmOption(mode)
  }

  /**
   * The M-step (pomegranate's `from_summaries`): each edge's probability is its expected count
   * (plus `transitionPseudocount`, plus its own pseudocount with `usePseudocount`) over its
   * source's total, blended with `edgeInertia`; each distribution updates with
   * `distributionInertia` (and `emissionPseudocount` when categorical). A non-zero `inertia`
   * sets both inertias and `pseudocount` both pseudocounts, as in pomegranate.
   */
  protected update (options: HmmUpdateOptions): void {
    const g = this.graph
    const inertia = numberOption(options, 'inertia', 0, 0, 1)
    const edgeInertia = inertia > 0 ? inertia : numberOption(options, 'edgeInertia', 0, 0, 1)
    const distributionInertia = inertia > 0 ? inertia : numberOption(options, 'distributionInertia', 0, 0, 1)
    const pseudocount = options.pseudocount === undefined ? undefined : numberOption(options, 'pseudocount', 0, 0)
    const transitionPseudocount = pseudocount ?? numberOption(options, 'transitionPseudocount', 0, 0)
    const emissionPseudocount = pseudocount ?? numberOption(options, 'emissionPseudocount', 0, 0)
    const usePseudocount = booleanOption(options, 'usePseudocount', false)
    algorithmOption(options.algorithm)
    if (this.sums.rows === 0) return
    const impossible = this.sums.values()[g.from.length + 1]!
    if (impossible === this.sums.rows) {
      // Nothing to learn from, and keeping the parameters would look like convergence.
      throw new ArilError('ERR_INVALID_INPUT', `HiddenMarkovModel: every one of the ${impossible} sequences summarized is impossible under the model (log-probability -Infinity), so nothing can be learned; check that the observations are the emission distributions' symbols (1 and "1" are different keys: give number keys in a Map) and that every state can emit them`)
    }
    const prob = transitionEstimate(g, this.sums.totals(), transitionPseudocount, usePseudocount, edgeInertia)
    g.distributions.forEach((d, j) => {
      if (d.frozen) return
      d.absorbSummaries(this.scratch[j]!)
      d.fromSummaries(d.categorical ? { inertia: distributionInertia, pseudocount: emissionPseudocount } : { inertia: distributionInertia })
    })
    g.prob.set(prob)
    g.logP.set(prob.map(Math.log))
    this.syncEdges()
  }

  clearSummaries (): void {
    if (this.baked === undefined) return
    this.sums.clear()
    for (const d of this.baked.distributions) d.clearSummaries()
    for (const s of this.scratch) s.clearSummaries()
  }

  summary (): Summary {
    const g = this.graph
    return { model: this.name, sums: this.sums.summary(), distributions: g.distributions.map(d => d.summary()), open: this.scratch.map(s => s.summary()) }
  }

  /** Expected edge counts (`transitions`, in edge order), Σ w·log p, impossible sequences, and each distribution's statistics. */
  override get statistics (): Statistics {
    const values = this.sums.values()
    const edges = this.graph.from.length
    return { transitions: values.slice(0, edges), logProbability: values[edges], impossible: values[edges + 1], sequences: this.sums.rows }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    const g = this.graph
    const parts = summary.distributions as Summary[] | undefined
    const open = summary.open as Summary[] | undefined
    if (!Array.isArray(parts) || !Array.isArray(open) || parts.length !== g.distributions.length || open.length !== parts.length) {
      return `expected ${g.distributions.length} distribution summaries, got ${show(parts)}`
    }
    const wrong = g.distributions.findIndex((d, j) => parts[j]?.model !== d.name || open[j]?.model !== d.name)
    if (wrong >= 0) return `expected distribution ${wrong} to be a ${g.distributions[wrong]!.name}, got ${show(parts[wrong]?.model)}`
    return blockedSumsProblem(summary.sums, g.from.length + 2, false, BLOCK_SEQUENCES)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
    const parts = summary.distributions as Summary[]
    const open = summary.open as Summary[]
    this.graph.distributions.forEach((d, j) => {
      d.mergeSummary(parts[j]!)
      this.scratch[j]!.mergeSummary(open[j]!)
    })
  }

  /**
   * A Writable taking SequenceBatch chunks (a sequence source's): one E-step by `algorithm`
   * (default 'baum-welch') over all of them, then `fromSummaries(options)` before `'finish'`.
   */
  override sink (options: SinkOptions<HmmUpdateOptions> = {}): Writable {
    this.mode = algorithmOption(options.algorithm)
    return super.sink(options)
  }

  /** EM in memory through the trainer (lib/train/em.ts): `maxIterations` is exactly the number of M-steps. */
  override fit (X: BatchInput | readonly SequenceInput[], options: HmmFitOptions = {}): this {
    this.trainBatch(X, options)
    return this
  }

  /** {@link HiddenMarkovModel.fit} returning the training History. */
  trainBatch (X: BatchInput | readonly SequenceInput[], options: HmmFitOptions = {}): History {
    const batch = this.toBatch(X, options)
    this.mode = algorithmOption(options.algorithm)
    const { weights, labels, ...rest } = options
    return trainBatch(this, batch, rest)
  }

  /** Training out of core: `open` re-opens a source of SequenceBatch chunks for every pass. */
  override async fitStream (open: Opener, options: HmmFitOptions = {}): Promise<this> {
    await this.trainStream(open, options)
    return this
  }

  /** {@link HiddenMarkovModel.fitStream} resolving with the training History. */
  async trainStream (open: Opener, options: HmmFitOptions = {}): Promise<History> {
    this.mode = algorithmOption(options.algorithm)
    return trainStream(this, open, options)
  }

  /**
   * pomegranate's `from_matrix`: state i emits `distributions[i]` (null: silent), starts with
   * `starts[i]`, ends with `ends[i]` (no `ends`: no end state), moves to j with `transitions[i][j]`.
   * @example
   * ```ts
   * const hmm = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.2, 0.8]], [new NormalDistribution(0, 1), new NormalDistribution(3, 1)], [0.5, 0.5])
   * ```
   */
  static fromMatrix (transitions: ReadonlyArray<ArrayLike<number>>, distributions: ReadonlyArray<Model | null>, starts: ArrayLike<number>, ends?: ArrayLike<number>, options: { stateNames?: readonly string[]; name?: string } = {}): HiddenMarkovModel {
    checkKeys(options, ['stateNames', 'name'], 'HiddenMarkovModel.fromMatrix')
    const model = new HiddenMarkovModel(options.name)
    addMatrix(model, transitions, distributions, starts, ends, options.stateNames)
    return model.bake()
  }

  /**
   * pomegranate's `from_samples`: k states emitting `kind`, started as init.ts says (Discrete:
   * seeded random tables over the symbols of every sequence; otherwise k-means on a seeded uniform
   * sample of `initRows` rows drawn from the rows of ALL sequences concatenated), uniform
   * transitions and starts (and ends with `endState`), then `fit` with the remaining options.
   * Same `seed`, same model; {@link HiddenMarkovModel.fromStream} on the same sequences gives the same bits.
   * @throws ArilError what the initialization and `fit` throw
   * @example
   * ```ts
   * const hmm = HiddenMarkovModel.fromSamples(NormalDistribution, 3, sequences, { seed: 1, maxIterations: 20 })
   * ```
   */
  static fromSamples (kind: ComponentKind | readonly ComponentKind[], k: number, X: BatchInput | readonly SequenceInput[], options: HmmFromSamplesOptions = {}): HiddenMarkovModel {
    const { init, endState, names, fit } = splitOptions(k, options, 'fromSamples')
    const { weights, labels, ...rest } = fit
    const batch = toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { categorical: true, weights, labels: labels as ReadonlyArray<ReadonlyArray<string | null>> | undefined })
    const { transitions, starts, ends } = uniformMatrices(k, endState)
    const model = HiddenMarkovModel.fromMatrix(transitions, passesInMemory(startingDistributions(kind, k, init), observationRows(batch)), starts, ends, names)
    return model.fit(batch, rest)
  }

  /**
   * {@link HiddenMarkovModel.fromSamples} out of core: the initialization reads the whole source
   * (one pass: the uniform sample of `initRows` rows over the rows of every sequence, or the
   * symbols seen, for Discrete; more for `init: 'kmeans||'`), then `fitStream` re-opens it for
   * every pass. Same seed and sequences: the bits of `fromSamples`.
   * @throws ArilError what the source, the initialization and `fitStream` throw
   * @example
   * ```ts
   * const hmm = await HiddenMarkovModel.fromStream(NormalDistribution, 3, () => readSequences('x.ndjson'), { seed: 1, maxIterations: 20 })
   * ```
   */
  static async fromStream (kind: ComponentKind | readonly ComponentKind[], k: number, open: Opener, options: HmmFromSamplesOptions = {}): Promise<HiddenMarkovModel> {
    const { init, endState, names, fit } = splitOptions(k, options, 'fromStream')
    const distributions = await passesOverStream(startingDistributions(kind, k, init), open, observationRows, fit.signal)
    const { transitions, starts, ends } = uniformMatrices(k, endState)
    return HiddenMarkovModel.fromMatrix(transitions, distributions, starts, ends, names).fitStream(open, fit)
  }

  /**
   * Reads pomegranate's HMM JSON; shared distributions (`distribution ties`) become one object.
   * @throws ArilError `ERR_INVALID_JSON_MODEL` for a malformed dict, and bake's errors
   */
  static fromJSON (json: Record<string, unknown>): HiddenMarkovModel {
    const { name, states, edges, start, end } = hmmFromJSON(json)
    const model = new HiddenMarkovModel(name)
    // edges are kept grouped by their source in the order states were added (pomegranate's graph
    // order): taking the sources in the order the JSON's edges name them writes the same edges back
    const sources: HmmState[] = []
    for (const [a] of edges) if (!sources.includes(states[a]!)) sources.push(states[a]!)
    model.nodes = [...sources, ...states.filter(s => !sources.includes(s))]
    model.start = start
    model.end = end
    for (const [a, b, p, pseudocount, group] of edges) model.addTransition(states[a]!, states[b]!, p, { pseudocount, ...(group === null ? {} : { group }) })
    if (json.frozen === true) model.frozen = true
    return model.bake()
  }

  // ---- one sequence longer than memory (long-sequence.ts; kept apart from the rest of the class) ----

  /** Baum-Welch (or Viterbi) E-step over one `.npy` sequence, checkpointed: see {@link summarizeLongSequence}. */
  async summarizeLongSequence (path: string, options: LongSequenceOptions = {}): Promise<LongSequenceSummary> {
    return await summarizeLongSequence(this, path, options)
  }

  /** Baum-Welch (or Viterbi) training on one `.npy` sequence, checkpointed: see {@link fitLongSequence}. */
  async fitLongSequence (path: string, options: LongSequenceFitOptions = {}): Promise<History> {
    return await fitLongSequence(this, path, options)
  }

  /**
   * For long-sequence.ts: adds one sequence summarized by `run` as `summarizeBatch` would. `run`
   * fills copies of the block's running sums and of the open statistics, kept only if it resolves.
   */
  async summarizeOutside (run: (g: Graph, partial: Float64Array, open: Model[]) => Promise<number>): Promise<number> {
    const g = this.graph
    const partial = this.sums.partial.slice()
    const open = this.scratch.map(s => deepCopy(s))
    const logProbability = await run(g, partial, open)
    if (this.baked !== g) throw new ArilError('ERR_MODEL_BUSY', 'HiddenMarkovModel: the model was baked again while a long sequence was being summarized')
    const sums = this.sums
    sums.runs(1, () => {
      const completes = sums.pending + 1 === BLOCK_SEQUENCES
      sums.partial.set(partial)
      this.scratch = open
      if (completes) this.closeBlock()
    })
    return logProbability
  }
}

registerModel('HiddenMarkovModel', HiddenMarkovModel.fromJSON)

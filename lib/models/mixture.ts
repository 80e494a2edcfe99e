/**
 * The general mixture model: a weighted sum of components of any kind, trained by EM.
 */
import { BLOCK_ROWS, BlockedSums, blockedSumsProblem, LANES, sumInLanes, type BlockedSumsSummary, type ResidentRows } from '../core/accumulate.js'
import { batchRows, requireValues, sliceBatch, toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { Model, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { PosteriorModel } from '../core/posterior-model.js'
import { blend, checkKeys, optionKeys, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { checkFinite, overflow } from '../core/finite.js'
import { fromJSON, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import type { History } from '../train/callbacks.js'
import { TRAIN_OPTION_KEYS, trainBatch, trainStream, type Opener, type TrainOptions } from '../train/em.js'
import { passesInMemory, passesOverStream } from '../train/pass.js'
import { headNote, initSettings } from './init.js'
import { jointLogSumExp, responsibilities } from './logsumexp.js'
import { INIT_KEYS, mixtureStart, type ComponentKind, type MixtureInitOptions, type MixtureStart } from './mixture-init.js'

export type { ComponentKind, MixtureInitOptions } from './mixture-init.js'
import { normalMixtureTile, type NormalTerms } from './normal-mixture-wasm.js'
import { NormalDistribution } from '../distributions/normal.js'
import { MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, MultivariateGaussianDistribution } from '../distributions/multivariate-gaussian.js'
import { gaussianMixturePosterior } from './gaussian-mixture-wasm.js'
import { BLOCK_SEQUENCES, toSequenceBatch, type SequenceBatch, type SequenceInput } from '../core/sequence.js'
import { HiddenMarkovModel } from './hmm/hmm.js'
import { UPDATE_KEYS as HMM_UPDATE_KEYS } from './hmm/options.js'
import { HMM_MIXTURE_INIT_KEYS, hmmMixtureSettings, hmmMixtureStart, sequenceSample, type HmmMixtureOptions, type HmmMixtureSettings } from './hmm-mixture-samples.js'
import { rejectSequenceKind, requireSequences, sequenceComponents, sequenceInput, sequenceJoint, sequenceResponsibilities } from './sequence-stack.js'

/** A component: any aril model (distribution, IndependentComponents, MultivariateGaussian, mixture ...). */
export type Component = Model<unknown, any, unknown>

/** Options of `fromSummaries`: inertia (also blending the weights), pseudocount of the weights, and whatever the components take (`minCovar` ...). */
export type MixtureUpdateOptions = UpdateOptions & Record<string, unknown>

/** The keys of the {@link GeneralMixtureModel} constructor's options. */
export const MIXTURE_OPTION_KEYS = ['weights', 'frozen'] as const

/** Options of `fit` and `fitStream`: the trainer's, the update options, and weights (in memory). */
export type MixtureFitOptions = TrainOptions & MixtureUpdateOptions & SummarizeOptions

/**
 * A [mixture model](https://en.wikipedia.org/wiki/Mixture_model) (pomegranate's
 * `GeneralMixtureModel`): p(x) = Σ_j π_j p_j(x). The components can be any aril model, including
 * another mixture, so stacks nest.
 *
 * E-step (`summarize`): each row's responsibilities r_ij = π_j p_j(x_i) / p(x_i), times the row's
 * weight, are handed to component j as row weights, and Σ_i r_ij is kept per component, all
 * summed exactly (accumulate.ts), so a fit streamed in any chunks equals the in-memory fit bit for
 * bit. M-step (`fromSummaries`): π_j = (Σ_i r_ij + pseudocount) / Σ_j(Σ_i r_ij + pseudocount), and
 * each component's own update. Unlike pomegranate, whose priors ignore inertia, the priors are
 * blended with `inertia` like every other parameter.
 *
 * A row that is missing in every column has log-probability 0 under every component, so its
 * responsibilities are the priors (as in pomegranate).
 *
 * Components that are HiddenMarkovModels make a mixture of sequences (pomegranate's `is_vl_`):
 * the input is a list of sequences or SequenceBatch chunks of a sequence source, each sequence is
 * one "row" (one responsibility per component, one weight), each HMM summarizes every sequence
 * weighted by its responsibility times the sequence's weight, and the sums go in blocks of
 * sequences (BLOCK_SEQUENCES), so any batching of the sequences gives the same bits. A sequence
 * every component calls impossible adds nothing.
 *
 * The class is generic in its components, so `parameters` is typed: a mixture of Normals has
 * `[Array<[mean, std]>, weights]`.
 *
 * @example
 * ```ts
 * const gmm = new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
 * gmm.fit([-1.2, -0.8, -1.1, 0.9, 1.3, 1.0], { maxIterations: 10 })
 * gmm.predict([-1, 1]) // => Float64Array [0, 1]
 * const [[[mean0, std0]], weights] = gmm.parameters // typed, no cast
 * ```
 */
export class GeneralMixtureModel<C extends Component = Component> extends PosteriorModel<[distributions: Array<C['parameters']>, weights: number[]], MixtureUpdateOptions, Float64Array | Float64Array[]> {
  readonly name = 'GeneralMixtureModel'
  readonly dimension: number | undefined
  readonly distributions: C[]
  /** The mixing weights π (linear, summing to 1) and their logarithms. */
  private weights: Float64Array
  private logWeights: Float64Array
  /** Statistics, each in LANES lanes (see sumInLanes): Σ r_ij per component, then Σ w_i·log p(x_i). */
  private readonly sums: BlockedSums
  /** Per-tile arrays reused by every E-step: one per component, and the row log-densities. */
  private scratch: Float64Array[] = []
  /** Rows of a first-rows initialization sample, until the trainer has noted it (see noteAfterPass). */
  private headRows: number | undefined
  /** Whether the components are HiddenMarkovModels, so that a "row" is a sequence (see sequence-stack.ts). */
  readonly sequential: boolean

  constructor (distributions: readonly C[], options: { weights?: ArrayLike<number>; frozen?: boolean } = {}) {
    super()
    checkKeys(options, MIXTURE_OPTION_KEYS, 'GeneralMixtureModel')
    if (!Array.isArray(distributions) || distributions.length < 1 || !distributions.every(d => d instanceof Model)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `GeneralMixtureModel: expected a non-empty array of models, got ${show(distributions)}`)
    }
    const dims = new Set(distributions.map(d => d.dimension))
    if (dims.size > 1) {
      throw new ArilError('ERR_INVALID_PARAMETER', `GeneralMixtureModel: expected components of one dimension, got ${[...dims].join(', ')}`)
    }
    const k = distributions.length
    // (the instanceof check above narrowed the array to Model[]; its items are the C given)
    this.distributions = [...distributions] as C[]
    this.dimension = distributions[0]!.dimension
    const weights = options.weights ?? new Float64Array(k).fill(1 / k)
    if (weights.length !== k || !Array.from(weights).every(w => typeof w === 'number' && w >= 0 && w < Infinity)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `GeneralMixtureModel: expected ${k} finite weights >= 0, got ${show(weights)}`)
    }
    const total = Array.from(weights).reduce((a, b) => a + b, 0)
    if (!(total > 0)) throw new ArilError('ERR_INVALID_PARAMETER', 'GeneralMixtureModel: expected weights with a positive sum')
    this.weights = new Float64Array(0)
    this.logWeights = new Float64Array(0)
    // Weights that already sum to 1 up to rounding are kept bit for bit, so JSON round-trips exactly.
    this.setWeights(Float64Array.from(weights, w => Math.abs(total - 1) <= 1e-12 ? w : w / total))
    this.sequential = sequenceComponents(distributions, 'GeneralMixtureModel')
    this.sums = new BlockedSums(LANES * (k + 1), false, this.sequential ? BLOCK_SEQUENCES : BLOCK_ROWS)
    this.frozen = options.frozen === true
  }

  /** Categorical input is accepted when some component takes it. */
  override get categorical (): boolean {
    return this.distributions.some(d => d.categorical)
  }

  /** The number of components. */
  get k (): number {
    return this.distributions.length
  }

  /** `[distributions' parameters, weights]`. */
  /** Its own update options and its components', which it hands them. */
  override get updateOptionKeys (): readonly string[] {
    return optionKeys(UPDATE_OPTION_KEYS, ...this.distributions.map(d => d.updateOptionKeys))
  }

  get parameters (): [distributions: Array<C['parameters']>, weights: number[]] {
    return [this.distributions.map(d => d.parameters as C['parameters']), Array.from(this.weights)]
  }

  private setWeights (weights: Float64Array): void {
    this.weights = weights
    this.logWeights = weights.map(Math.log)
  }

  /**
   * The components' log-densities of a tile (at most TILE_ROWS rows) and the row log-densities
   * `lse`: with `joint`, each `out[j]` holds log π_j p_j(x); otherwise the responsibilities times
   * the row weights, and `total` is Σ w·lse (NaN with `joint`). The arrays are this model's
   * scratch space, valid until the next call.
   */
  private posterior (batch: Batch, weights: Float64Array | undefined, joint: boolean): { out: Float64Array[]; lse: Float64Array; total: number } {
    const rows = batch.rows
    const k = this.distributions.length
    if (this.scratch.length === 0) this.scratch = Array.from({ length: k + 1 }, () => new Float64Array(TILE_ROWS))
    const out = this.distributions.map((d, j) => {
      // one-column distributions write into a reused array (no allocation per tile)
      if (d instanceof UnivariateDistribution) {
        const column = this.scratch[j]!.subarray(0, rows)
        d.logProbabilityColumn(batch, 0, column)
        return column
      }
      return d.logProbabilityBatch(batch)
    })
    const lse = this.scratch[k]!.subarray(0, rows)
    if (!joint) return { out, lse, total: responsibilities(out, this.logWeights, weights, lse, rows) }
    jointLogSumExp(out, this.logWeights, lse, rows)
    return { out, lse, total: NaN }
  }

  /** Sequences (a list or a SequenceBatch) for HMM components, rows otherwise. */
  override toBatch (X: BatchInput | readonly SequenceInput[], options: SummarizeOptions = {}): Batch {
    if (!this.sequential) return super.toBatch(X as BatchInput, options)
    return sequenceInput(X, this.dimension, this.categorical, options.weights, this.name)
  }

  /** log p(x) per row, or per sequence for HMM components. */
  override logProbability (X: BatchInput | readonly SequenceInput[]): Float64Array {
    return this.sequential ? this.logProbabilityBatch(this.toBatch(X)) : super.logProbability(X as BatchInput)
  }

  /**
   * E-step: hands each component the responsibilities as row weights; returns Σ w·log p(x).
   * @throws ArilError `ERR_INVALID_INPUT` (row, column) for ±Infinity in a numeric column (every
   *   component would call the row impossible and none would count it), before anything is added;
   *   for HMM components, for a batch that is not a SequenceBatch
   */
  summarizeBatch (batch: Batch): number {
    if (this.sequential) return this.summarizeSequences(requireSequences(batch, this.name))
    checkFinite(batch, this.name)
    let total = 0
    for (let start = 0; start < batch.rows; start += TILE_ROWS) {
      total += this.summarizeTile(tile(batch, start))
    }
    return total
  }

  private summarizeTile (batch: Batch): number {
    const fused = this.normalTerms()
    if (fused !== undefined) {
      const total = normalMixtureTile(batch, fused, this.logWeights, this.sums)
      if (total !== undefined) {
        // the kernel writes into the components' sums: checked once, as a NormalDistribution checks its own
        if (!fused.every(t => t.sums.finite())) overflow('NormalDistribution', 'the sums of the values and of their squares')
        return total
      }
    }
    const { weights } = batch
    const k = this.distributions.length
    const gaussian = this.gaussianPosterior(batch)
    const { out: resp, lse, total } = gaussian ?? this.posterior(batch, weights, false)
    for (let j = 0; j < k; j++) {
      const d = this.distributions[j]!
      if (d.frozen) continue
      const rows = { data: batch.data, rows: batch.rows, cols: batch.cols, weights: resp[j], categories: batch.categories }
      // the kernel holds the tile and the responsibilities: the cross-products read them there
      if (gaussian !== undefined) gaussian.components[j]!.summarizeResident(rows, gaussian.resident[j]!)
      else d.summarizeBatch(rows)
    }
    this.sums.runs(batch.rows, (start, end) => {
      for (let j = 0; j < k; j++) sumInLanes(this.sums, LANES * j, resp[j]!, undefined, start, end)
      sumInLanes(this.sums, LANES * k, lse, weights, start, end)
    })
    return total
  }

  /** The E-step over sequences: each HMM summarizes every sequence, weighted by its responsibility. */
  private summarizeSequences (batch: SequenceBatch): number {
    const n = batch.offsets.length - 1
    const { joint: resp, lse } = sequenceJoint(this.distributions, this.logWeights, batch)
    const total = sequenceResponsibilities(resp, lse, batch.weights)
    this.distributions.forEach((d, j) => {
      if (!d.frozen) d.summarizeBatch({ ...batch, weights: resp[j] })
    })
    const k = this.distributions.length
    this.sums.runs(n, (start, end) => {
      for (let j = 0; j < k; j++) sumInLanes(this.sums, LANES * j, resp[j]!, undefined, start, end)
      sumInLanes(this.sums, LANES * k, lse, batch.weights, start, end)
    })
    return total
  }

  /**
   * The posterior of a tile through the WebAssembly kernel when every component is a
   * MultivariateGaussianDistribution (gaussian-mixture-wasm.ts), in the arrays `posterior` uses;
   * undefined otherwise or when the kernel declines the tile.
   */
  private gaussianPosterior (batch: Batch): { out: Float64Array[]; lse: Float64Array; total: number; resident: readonly ResidentRows[]; components: MultivariateGaussianDistribution[] } | undefined {
    if (!this.distributions.every(d => d instanceof MultivariateGaussianDistribution)) return undefined
    const k = this.distributions.length
    if (this.scratch.length === 0) this.scratch = Array.from({ length: k + 1 }, () => new Float64Array(TILE_ROWS))
    const out = this.scratch.slice(0, k).map(a => a.subarray(0, batch.rows))
    const lse = this.scratch[k]!.subarray(0, batch.rows)
    const components = this.distributions as MultivariateGaussianDistribution[]
    const taken = gaussianMixturePosterior(batch, components.map(d => d.mixtureTerms()), this.logWeights, out, lse)
    return taken === undefined ? undefined : { out, lse, ...taken, components }
  }

  /** Every component's terms when all are NormalDistributions the fused E-step can take (normal-mixture-wasm.ts). */
  private normalTerms (): NormalTerms[] | undefined {
    const terms: NormalTerms[] = []
    for (const d of this.distributions) {
      const t = d instanceof NormalDistribution ? d.kernelTerms() : undefined
      // σ so small that 1/(2σ²) overflows: the general path (its log-density is NaN → 0 there)
      if (t === undefined || !Number.isFinite(t.half)) return undefined
      terms.push(t)
    }
    return terms
  }

  /** The exact Σ w·log p(x) of the rows summarized since the last clear. */
  summaryLogProbability (): number {
    return this.sums.laneTotals()[this.distributions.length]!.value()
  }

  protected update (options: MixtureUpdateOptions): void {
    const { inertia, pseudocount } = updateOptions(options)
    const k = this.distributions.length
    const counts = this.sums.laneTotals().slice(0, k).map(s => s.value())
    const total = counts.reduce((a, c) => a + c + pseudocount, 0)
    if (!(counts.reduce((a, c) => a + c, 0) > 0) || !(total > 0)) return
    const weights = Float64Array.from(counts, (c, j) => blend(this.weights[j]!, (c + pseudocount) / total, inertia))
    // The components update one by one; if one throws, the ones before it are put back.
    const before = this.distributions.map(d => d.toJSON())
    try {
      for (const d of this.distributions) d.fromSummaries(options)
    } catch (err) {
      for (let j = 0; j < k; j++) this.distributions[j] = fromJSON<C>(before[j]!)
      throw err
    }
    this.setWeights(weights)
  }

  clearSummaries (): void {
    this.sums.clear()
    for (const d of this.distributions) d.clearSummaries()
  }

  summary (): Summary {
    return { model: this.name, sums: this.sums.summary(), distributions: this.distributions.map(d => d.summary()) }
  }

  /** The statistics: Σ r_ij per component (`wSum`), Σ w·log p(x) (`logProbability`) and each component's own. */
  override get statistics (): Statistics {
    const totals = this.sums.laneTotals().map(t => t.value())
    return { wSum: totals.slice(0, this.k), logProbability: totals[this.k], distributions: this.distributions.map(d => d.statistics) }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    const parts = summary.distributions as Summary[] | undefined
    if (!Array.isArray(parts) || parts.length !== this.distributions.length) {
      return `expected ${this.distributions.length} component summaries, got ${show(parts)}`
    }
    const wrong = parts.findIndex((s, j) => s?.model !== this.distributions[j]!.name)
    if (wrong >= 0) return `expected component ${wrong} to be a ${this.distributions[wrong]!.name}, got ${show(parts[wrong]?.model)}`
    return blockedSumsProblem(summary.sums, this.sums.slots, false, this.sums.blockRows)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
    const parts = summary.distributions as Summary[]
    this.distributions.forEach((d, j) => d.mergeSummary(parts[j]!))
  }

  /** log p(x) per row (log-sum-exp over the components). */
  logProbabilityBatch (batch: Batch): Float64Array {
    if (this.sequential) return sequenceJoint(this.distributions, this.logWeights, requireSequences(batch, this.name)).lse
    const out = new Float64Array(batch.rows)
    for (let start = 0; start < batch.rows; start += TILE_ROWS) {
      out.set(this.posterior(tile(batch, start), undefined, true).lse, start)
    }
    return out
  }

  /** Posterior log-probabilities log P(component | x), rows × k; a row impossible under every component gets the log-priors. */
  predictLogProbaBatch (batch: Batch): Batch {
    if (this.sequential) return this.sequencePosterior(requireSequences(batch, this.name))
    const k = this.distributions.length
    const data = new Float64Array(batch.rows * k)
    for (let start = 0; start < batch.rows; start += TILE_ROWS) {
      const part = tile(batch, start)
      const { out, lse } = this.posterior(part, undefined, true)
      for (let r = 0; r < part.rows; r++) {
        const l = lse[r]!
        const impossible = !(l > -Infinity)
        const at = (start + r) * k
        for (let j = 0; j < k; j++) {
          const a = out[j]![r]!
          data[at + j] = impossible ? this.logWeights[j]! : (a === l ? 0 : a - l)
        }
      }
    }
    return { data, rows: batch.rows, cols: k }
  }

  /** log P(component | sequence), sequences × k; a sequence impossible under every component gets the log-priors. */
  private sequencePosterior (batch: SequenceBatch): Batch {
    const { joint, lse } = sequenceJoint(this.distributions, this.logWeights, batch)
    const k = this.distributions.length
    const n = lse.length
    const data = new Float64Array(n * k)
    for (let s = 0; s < n; s++) {
      const l = lse[s]!
      for (let j = 0; j < k; j++) data[s * k + j] = l > -Infinity ? joint[j]![s]! - l : this.logWeights[j]!
    }
    return { data, rows: n, cols: k }
  }

  /** Draws a component by the weights, then a value from it: a Float64Array for one-column components, rows otherwise. */
  sampleWith (n: number, random: Random): Float64Array | Float64Array[] {
    const k = this.distributions.length
    const which = new Int32Array(n)
    const counts = new Array<number>(k).fill(0)
    for (let i = 0; i < n; i++) {
      let u = random.uniform()
      let j = 0
      while (j < k - 1 && (u -= this.weights[j]!) >= 0) j++
      which[i] = j
      counts[j]!++
    }
    const draws = this.distributions.map((d, j) => d.sampleWith(counts[j]!, random) as ArrayLike<number | Float64Array>)
    const next = new Array<number>(k).fill(0)
    const values = Array.from(which, j => draws[j]![next[j]!++]!)
    return draws.every(d => d instanceof Float64Array) ? Float64Array.from(values as number[]) : values as Float64Array[]
  }

  /** EM in memory through the trainer (see lib/train/em.ts for the options and the loop). */
  override fit (X: BatchInput, options: MixtureFitOptions = {}): this {
    this.trainBatch(X, options)
    return this
  }

  /** {@link GeneralMixtureModel.fit} returning the training History. */
  trainBatch (X: BatchInput, options: MixtureFitOptions = {}): History {
    return trainBatch(this, this.toBatch(X, options), options)
  }

  /** EM out of core: `open` re-opens the data for every pass. */
  override async fitStream (open: Opener, options: MixtureFitOptions = {}): Promise<this> {
    await this.trainStream(open, options)
    return this
  }

  /** {@link GeneralMixtureModel.fitStream} resolving with the training History. */
  async trainStream (open: Opener, options: MixtureFitOptions = {}): Promise<History> {
    return trainStream(this, open, options)
  }

  toJSON (): { class: 'GeneralMixtureModel'; distributions: object[]; weights: number[] } {
    return { class: 'GeneralMixtureModel', distributions: this.distributions.map(d => d.toJSON()), weights: Array.from(this.weights) }
  }

  /** Reads pomegranate's `{"class":"GeneralMixtureModel","distributions":[...],"weights":[...]}` (linear weights). */
  static fromJSON (json: Record<string, unknown>): GeneralMixtureModel {
    const { distributions, weights } = json
    if (!Array.isArray(distributions) || !Array.isArray(weights)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected GeneralMixtureModel JSON with distributions and weights, got ${show(distributions)} and ${show(weights)}`)
    }
    return new GeneralMixtureModel(distributions.map(d => fromJSON(d as object)), { weights: weights as number[], frozen: json.frozen === true })
  }

  /** For the trainer: a note when the initialization looked at the first `initRows` rows of a longer pass. */
  noteAfterPass (passRows: number): string | undefined {
    return headNote(this.headRows, passRows)
  }

  /**
   * A mixture of k components of a kind fitted to X in memory (pomegranate's `from_samples`):
   * k-means on a seeded uniform sample of `initRows` rows (see init.ts for `init`, `nInit`,
   * `initSample` ...), each component fitted to its cluster, the weights from the cluster sizes,
   * then EM over all rows. `kind` is a class with `fromSamples`, or a list as pomegranate: one class
   * per component on one column, one one-column class per column on several (see mixture-init.ts);
   * a one-column class on d > 1 columns gives IndependentComponents of d copies.
   *
   * With `HiddenMarkovModel` as the kind, X is sequences and `options.hmm` says how to build each
   * component: a seeded uniform sample of `initSequences` sequences (default 10000) is clustered
   * by k-means (seeded by `seed`) on per-sequence features
   * (level, spread and step size of each numeric column; symbol shares and change rate of each
   * symbol column), component j is `HiddenMarkovModel.fromSamples(hmm.distribution,
   * hmm.nComponents, <cluster j>, <the rest of hmm>)`, then EM over all sequences
   * (hmm-mixture-samples.ts).
   *
   * @throws ArilError `ERR_INVALID_INPUT` when the sample holds fewer than k distinct complete
   *   rows (or the sequences fewer than k clusters), `ERR_INVALID_OPTION` for kinds that do not fit
   *   the columns or HMMs without `hmm`, and what `fit` throws
   * @example
   * ```ts
   * const gmm = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { seed: 1, maxIterations: 50 })
   * const calls = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm: { distribution: NormalDistribution, nComponents: 3 }, seed: 1 })
   * ```
   */
  static fromSamples (kind: typeof HiddenMarkovModel, k: number, X: BatchInput | readonly SequenceInput[], options: HmmMixtureOptions): GeneralMixtureModel<HiddenMarkovModel>
  static fromSamples<C extends Component = Component> (kind: ComponentKind<C> | readonly ComponentKind[], k: number, X: BatchInput, options?: MixtureInitOptions & MixtureFitOptions): GeneralMixtureModel<C>
  static fromSamples<C extends Component = Component> (kind: ComponentKind<C> | readonly ComponentKind[] | typeof HiddenMarkovModel, k: number, X: BatchInput | readonly SequenceInput[], options: (MixtureInitOptions & MixtureFitOptions) | HmmMixtureOptions = {}): GeneralMixtureModel<C> {
    if (kind === HiddenMarkovModel) return GeneralMixtureModel.fromSequences(k, X, options as HmmMixtureOptions) as unknown as GeneralMixtureModel<C>
    return GeneralMixtureModel.fromRows(kind as ComponentKind<C> | readonly ComponentKind[], k, X as BatchInput, options as MixtureInitOptions & MixtureFitOptions)
  }

  private static fromRows<C extends Component> (kind: ComponentKind<C> | readonly ComponentKind[], k: number, X: BatchInput, options: MixtureInitOptions & MixtureFitOptions): GeneralMixtureModel<C> {
    // checked before the initialization's passes; the fit checks the components' update options
    checkKeys(options, optionKeys(INIT_KEYS, TRAIN_OPTION_KEYS, MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS), 'GeneralMixtureModel.fromSamples')
    rejectSequenceKind(kind, 'GeneralMixtureModel.fromSamples')
    const batch = requireValues(toBatch(X, { weights: options.weights, categorical: true }), 'GeneralMixtureModel')
    const model = GeneralMixtureModel.started(passesInMemory(mixtureStart(kind, k, initSettings(options, k), options), batch))
    try {
      model.fit(batch, fitOptions(options))
    } finally {
      model.headRows = undefined
    }
    return model
  }

  /** fromSamples of HiddenMarkovModels: a sample of the sequences clustered, one HMM per cluster, then EM (hmm-mixture-samples.ts). */
  private static fromSequences (k: number, X: BatchInput | readonly SequenceInput[], options: HmmMixtureOptions): GeneralMixtureModel<HiddenMarkovModel> {
    const { settings, weights, fit } = hmmMixtureOptions(options, 'GeneralMixtureModel.fromSamples')
    const batch = toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { categorical: true, weights })
    const start = hmmMixtureStart(k, passesInMemory(sequenceSample(settings.initSequences, settings.seed), batch), settings, 'GeneralMixtureModel.fromSamples')
    return new GeneralMixtureModel(start.models, { weights: start.weights }).fit(batch, fit)
  }

  /** fromStream of HiddenMarkovModels: the sample's two passes, then EM over the stream. */
  private static async fromSequenceStream (k: number, open: Opener, options: HmmMixtureOptions): Promise<GeneralMixtureModel<HiddenMarkovModel>> {
    const { settings, weights, fit } = hmmMixtureOptions(options, 'GeneralMixtureModel.fromStream')
    if (weights !== undefined) invalidOption('weights', 'no weights for a stream (give them in the sequence source)', weights)
    const sample = await passesOverStream(sequenceSample(settings.initSequences, settings.seed), open, X => toSequenceBatch(X as SequenceBatch, { categorical: true }), fit.signal)
    const start = hmmMixtureStart(k, sample, settings, 'GeneralMixtureModel.fromStream')
    return await new GeneralMixtureModel(start.models, { weights: start.weights }).fitStream(open, fit)
  }

  /**
   * {@link GeneralMixtureModel.fromSamples} out of core: the initialization reads the data (one pass
   * for the uniform sample, more for 'kmeans||'), then EM re-opens it for every pass; the result
   * has the bits of `fromSamples` on the same rows. With `initSample: 'head'` the epoch log notes
   * when the data hold more rows than the sample looked at. With `HiddenMarkovModel` as the kind,
   * two passes collect the seeded sample of `initSequences` sequences that `fromSamples` clusters,
   * then `fitStream` runs EM: the bits of `fromSamples` on the same sequences, for any chunking.
   * @example
   * ```ts
   * const gmm = await GeneralMixtureModel.fromStream(NormalDistribution, 3, () => readNpy('x.npy'), { seed: 1 })
   * const calls = await GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, () => readSequences('calls.ndjson'), { hmm: { distribution: NormalDistribution, nComponents: 3 }, seed: 1 })
   * ```
   */
  static async fromStream (kind: typeof HiddenMarkovModel, k: number, open: Opener, options: HmmMixtureOptions): Promise<GeneralMixtureModel<HiddenMarkovModel>>
  static async fromStream<C extends Component = Component> (kind: ComponentKind<C> | readonly ComponentKind[], k: number, open: Opener, options?: MixtureInitOptions & MixtureFitOptions): Promise<GeneralMixtureModel<C>>
  static async fromStream<C extends Component = Component> (kind: ComponentKind<C> | readonly ComponentKind[] | typeof HiddenMarkovModel, k: number, open: Opener, options: (MixtureInitOptions & MixtureFitOptions) | HmmMixtureOptions = {}): Promise<GeneralMixtureModel<C>> {
    if (kind === HiddenMarkovModel) return await GeneralMixtureModel.fromSequenceStream(k, open, options as HmmMixtureOptions) as unknown as GeneralMixtureModel<C>
    return await GeneralMixtureModel.fromRowStream(kind as ComponentKind<C> | readonly ComponentKind[], k, open, options as MixtureInitOptions & MixtureFitOptions)
  }

  private static async fromRowStream<C extends Component> (kind: ComponentKind<C> | readonly ComponentKind[], k: number, open: Opener, options: MixtureInitOptions & MixtureFitOptions): Promise<GeneralMixtureModel<C>> {
    checkKeys(options, optionKeys(INIT_KEYS, TRAIN_OPTION_KEYS, MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS), 'GeneralMixtureModel.fromStream')
    rejectSequenceKind(kind, 'GeneralMixtureModel.fromStream')
    const start = await passesOverStream(mixtureStart(kind, k, initSettings(options, k), options), open, X => requireValues(toBatch(X, { categorical: true }), 'GeneralMixtureModel'), options.signal)
    const model = GeneralMixtureModel.started<C>(start)
    try {
      await model.fitStream(open, fitOptions(options))
    } finally {
      model.headRows = undefined
    }
    return model
  }

  private static started<C extends Component> (start: MixtureStart<C>): GeneralMixtureModel<C> {
    const model = new GeneralMixtureModel<C>(start.components, { weights: start.weights })
    model.headRows = start.headRows
    return model
  }
}

/** A mixture of HMMs' options: the initialization's settings, the sequence weights, and the fit's (checked before any work). */
function hmmMixtureOptions (options: HmmMixtureOptions, where: string): { settings: HmmMixtureSettings; weights: ArrayLike<number> | undefined; fit: MixtureFitOptions } {
  checkKeys(options, optionKeys(HMM_MIXTURE_INIT_KEYS, TRAIN_OPTION_KEYS, UPDATE_OPTION_KEYS, HMM_UPDATE_KEYS, ['weights']), where)
  const { hmm: _hmm, seed: _seed, initSequences: _initSequences, weights, ...fit } = options
  return { settings: hmmMixtureSettings(options), weights, fit }
}

/** The options left for the fit once the initialization has used its own (and the weights are in the batch). */
function fitOptions (options: MixtureInitOptions & MixtureFitOptions): MixtureFitOptions {
  const rest: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (key !== 'weights' && !(INIT_KEYS as readonly string[]).includes(key)) rest[key] = value
  return rest as MixtureFitOptions
}

/**
 * Rows handled at a time: the components' log-densities and the responsibilities of a tile stay
 * in cache, and nothing proportional to the batch is allocated. Any tiling gives the same bits
 * (the statistics are summed in row order; see accumulate.ts).
 */
const TILE_ROWS = 2048

/** Rows start … start + TILE_ROWS − 1 of a batch (the batch itself when it is one tile). */
function tile (batch: Batch, start: number): Batch {
  if (start === 0 && batch.rows <= TILE_ROWS) return batch
  return sliceBatch(batch, start, Math.min(batch.rows, start + TILE_ROWS))
}

registerModel('GeneralMixtureModel', GeneralMixtureModel.fromJSON)

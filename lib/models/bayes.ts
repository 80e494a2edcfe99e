/**
 * What NaiveBayes and BayesClassifier share (pomegranate's `BayesModel`): k component models and
 * class priors. Supervised `summarize` hands component i the rows labelled i; the semi-supervised
 * pass (lib/train/em.ts drives it) also hands every component the unlabeled rows weighted by their
 * posterior responsibilities, as a mixture's E-step does. With HiddenMarkovModel components a
 * "row" is a sequence (bayes-sequences.ts).
 */
import { BLOCK_ROWS, BlockedSums, blockedSumsProblem, type BlockedSumsSummary } from '../core/accumulate.js'
import { IndependentComponentsDistribution } from '../distributions/independent-components.js'
import { MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS } from '../distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../distributions/normal.js'
import { naiveBayesSlice } from './naive-bayes-wasm.js'
import { batchRows, sliceBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { checkFinite, overflow, rejectInfinite } from '../core/finite.js'
import { FIT_STREAM_OPTION_KEYS, type Model, type FitStreamOptions, type Statistics, type SummarizeOptions, type Summary } from '../core/model.js'
import { PosteriorModel } from '../core/posterior-model.js'
import { checkKeys, optionKeys, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import type { Source } from '../core/source.js'
import type { History } from '../train/callbacks.js'
import { TRAIN_OPTION_KEYS, trainBatch, trainStream, type Opener, type TrainOptions } from '../train/em.js'
import { isShardList } from '../exec/shards.js'
import { checkComponents, checkLabels, labelArguments, priorsOf, withoutKeys } from './bayes-arguments.js'
import { BLOCK_SEQUENCES, isSequenceBatch, unitCount, type SequenceInput } from '../core/sequence.js'
import { jointLogProbability, logSumExpColumn, marginalLogProbability, mostProbableClass, posteriorLogProbability } from './bayes-posterior.js'
import { sampleBayes } from './bayes-sample.js'
import { requireSequences, sequenceComponents, sequenceInput } from './sequence-stack.js'
import { noSequenceLabels, sequenceLabels, summarizeSequenceClasses } from './bayes-sequences.js'

export { labelArguments } from './bayes-arguments.js'

/** Any model a BayesModel can hold as a component (a distribution, a mixture, another classifier ...). */
export type Component = Model<unknown, UpdateOptions, unknown>

/** Builds the k blank components once the number of columns is known (from the first batch). */
export interface BlankComponents {
  build: (dimension: number) => Component[]
  /** Whether the components will read string categories (so `toBatch` lets them through). */
  categorical: boolean
}

/** The statistics of a BayesModel: class weight sums and the components' own summaries. */
interface BayesSummary extends Summary {
  dimension: number | null
  classes: BlockedSumsSummary
  logProbability: BlockedSumsSummary
  components: Summary[]
  /** Unlabeled rows met outside the semi-supervised pass (so a pass summarized elsewhere still starts the EM). */
  unlabeled?: number
}

/**
 * Options of `fit` and `fitStream`: update options, weights and labels, and the training options
 * of the semi-supervised EM (lib/train/em.ts), used only when some rows are unlabeled.
 */
export type BayesFitOptions = UpdateOptions & SummarizeOptions & TrainOptions

/** The training options, which the supervised M-step must not see (`inertia` is an update option too). */
const TRAIN_KEYS = TRAIN_OPTION_KEYS.filter(key => key !== 'inertia')

/** Options of the BayesModel constructors. */
export interface BayesOptions {
  /** Prior of each class (any non-negative numbers, normalized); default uniform. */
  weights?: ArrayLike<number> | undefined
}

/** The keys of {@link BayesOptions}. */
export const BAYES_OPTION_KEYS = ['weights'] as const

/**
 * The shared base of {@link NaiveBayes} and {@link BayesClassifier}: `P(class = i | x) ∝ π_i · p_i(x)`.
 *
 * Statistics: `Σw` per class (exactly, see accumulate.ts) plus each component's statistics. Every
 * component summarizes every row of a batch, with weight 0 for rows of other classes, so each
 * component's blocks stay aligned to the row index and shards merge bit-exactly.
 *
 * @example
 * ```ts
 * const model: BayesModel = new NaiveBayes(NormalDistribution, 2)
 * model.fit([1, 2, 8, 9, 5], { labels: [0, 0, 1, 1, -1] }) // the unlabeled 5 makes it semi-supervised
 * model.predictProba([1.5]) // => [[0.99..., 0.00...]]
 * model.history?.epochs.length // EM steps after the labelled M-step
 * ```
 */
export abstract class BayesModel extends PosteriorModel<[models: unknown[], weights: number[]], UpdateOptions, Float64Array | number[][]> {
  /** Number of classes. */
  readonly k: number
  /** `Σw` of each class (labelled rows, plus responsibilities of unlabeled rows in the semi-supervised pass). */
  protected readonly classSums: BlockedSums
  /**
   * `Σ w·log p(x)` of the unlabeled rows of the semi-supervised pass, summed exactly (one slot);
   * for sequences a second slot counts the unlabeled sequences every class calls impossible.
   */
  private readonly logSums: BlockedSums
  /** Unlabeled rows (with weight) seen by `summarize` while not semi-supervised. */
  private unlabeledRows = 0
  /** Whether the Normal-column kernel summed part of the batch being summarized (see checkKernelSums). */
  private kernelSummed = false
  /** The priors (linear) and their logarithms. */
  private priors: Float64Array
  private logWeights: Float64Array
  private components: Component[] | undefined
  private readonly blank: BlankComponents | undefined
  /** Whether the components are HiddenMarkovModels, so that a "row" is a sequence (see sequence-stack.ts). */
  readonly sequential: boolean
  /**
   * Whether `summarize` gives unlabeled rows to the components by their responsibilities (the
   * semi-supervised E-step) instead of ignoring them as pomegranate's `summarize` does.
   */
  protected semiSupervised = false

  /** For the trainer's workers: whether this pass is the semi-supervised E-step (not in the JSON). */
  passMode (): { semiSupervised: boolean } {
    return { semiSupervised: this.semiSupervised }
  }

  setPassMode (mode: unknown): void {
    this.semiSupervised = (mode as { semiSupervised?: unknown }).semiSupervised === true
  }
  /** The {@link History} of the last semi-supervised fit; undefined after a supervised one. */
  history: History | undefined

  protected constructor (k: number, models: readonly Component[] | BlankComponents, options: BayesOptions = {}) {
    super()
    if (!Array.isArray(models)) {
      this.blank = models as BlankComponents
    } else {
      checkComponents(models, this.constructor.name)
      this.components = models.slice()
    }
    if (!Number.isInteger(k) || k < 2) {
      throw new ArilError('ERR_INVALID_PARAMETER', `${this.constructor.name}: expected at least two classes, got ${show(k)}`)
    }
    this.k = k
    this.sequential = this.components !== undefined && sequenceComponents(this.components, this.constructor.name)
    this.classSums = new BlockedSums(k, false, this.sequential ? BLOCK_SEQUENCES : BLOCK_ROWS)
    this.logSums = this.sequential ? new BlockedSums(2, false, BLOCK_SEQUENCES) : new BlockedSums(1)
    checkKeys(options, BAYES_OPTION_KEYS, this.constructor.name)
    this.priors = priorsOf(options.weights, k, this.constructor.name)
    this.logWeights = this.priors.map(Math.log)
  }

  /** Whether string categories may reach the components (when any of them reads them). */
  override get categorical (): boolean {
    if (this.components === undefined) return this.blank!.categorical
    return this.components.some(m => m.categorical)
  }

  get dimension (): number | undefined {
    return this.components?.[0]?.dimension
  }

  /**
   * Its own update options and its components', which it hands them; before a Dist-class model
   * has built its components, those of the widest built-in update (`minCovar`).
   */
  override get updateOptionKeys (): readonly string[] {
    if (this.components === undefined) return MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS
    return optionKeys(UPDATE_OPTION_KEYS, ...this.components.map(m => m.updateOptionKeys))
  }

  /** The component models (one per class); undefined until a Dist-class model sees its first batch. */
  get models (): readonly Component[] | undefined {
    return this.components
  }

  /** The class priors (linear, summing to 1). */
  get weights (): number[] {
    return Array.from(this.priors)
  }

  get parameters (): [models: unknown[], weights: number[]] {
    return [this.components?.map(m => m.parameters) ?? [], this.weights]
  }

  /** The components, built from the first batch's column count if needed. */
  private build (dimension: number): Component[] {
    if (this.components === undefined) {
      const models = this.blank!.build(dimension)
      checkComponents(models, this.name)
      this.components = models
    }
    return this.components
  }

  /** The components, or `ERR_NOT_FITTED` for a Dist-class model that has seen no data. */
  protected fitted (): Component[] {
    if (this.components === undefined) {
      throw new ArilError('ERR_NOT_FITTED', `${this.name}: the components are built from the first batch of data; fit or summarize first`)
    }
    return this.components
  }

  /** Sequences (a list or a SequenceBatch) with one label per sequence for HMM components, rows otherwise. */
  override toBatch (X: BatchInput | readonly SequenceInput[], options: SummarizeOptions = {}): Batch {
    if (!this.sequential) return super.toBatch(X as BatchInput, options)
    const batch = sequenceInput(X, this.dimension, this.categorical, options.weights, this.name)
    const labels = options.labels ?? batch.labels
    return labels === undefined ? batch : { ...batch, labels: sequenceLabels(labels, batch.offsets.length - 1, this.k, this.name) }
  }

  /** log p(x) per row, or per sequence for HMM components. */
  override logProbability (X: BatchInput | readonly SequenceInput[]): Float64Array {
    return this.sequential ? this.logProbabilityBatch(this.toBatch(X)) : super.logProbability(X as BatchInput)
  }

  /**
   * Adds the statistics of rows with labels: `summarize(X, { labels: y, weights })` or
   * pomegranate's `summarize(X, y, weights)`.
   * @throws ArilError `ERR_LABEL`, `ERR_INVALID_ARGUMENT` for labels given twice, and what `toBatch` throws
   */
  override summarize (X: BatchInput, options?: SummarizeOptions): number | undefined
  override summarize (X: BatchInput, y: ArrayLike<number>, options?: SummarizeOptions | ArrayLike<number>): number | undefined
  override summarize (X: BatchInput, y?: ArrayLike<number> | SummarizeOptions, more?: SummarizeOptions | ArrayLike<number>): number | undefined {
    const options = labelArguments(y, more, `${this.name}.summarize`)
    if (this.sequential && !this.semiSupervised && options.labels === undefined && !isSequenceBatch(X)) throw noSequenceLabels(this.name)
    return super.summarize(X, options)
  }

  /**
   * Adds a batch: labelled rows to their class's component, unlabeled rows (label −1 or NaN) to
   * every component by responsibility when semi-supervised, otherwise nowhere. For HMM
   * components the batch is a SequenceBatch with one label per sequence (none: all unlabeled, as a
   * stream's chunk without a class may be; in-memory input without labels is `ERR_LABEL`); an unlabeled sequence
   * every class calls impossible adds nothing and is counted (`statistics.impossible`, the epoch
   * log's `skipped`).
   * @returns the weighted log-likelihood of the unlabeled rows in the semi-supervised pass
   * @throws ArilError `ERR_LABEL` for missing labels or a label that is not −1, NaN or 0 … k−1;
   *   `ERR_INVALID_INPUT` (row, column) for ±Infinity in a numeric column: in the semi-supervised
   *   pass before anything is added (an unlabeled row every component calls impossible would
   *   count nowhere), in a supervised pass by the component of the row's class
   */
  summarizeBatch (batch: Batch): number | undefined {
    if (this.sequential) {
      const sums = { classes: this.classSums, unlabeled: this.logSums }
      const pass = summarizeSequenceClasses(requireSequences(batch, this.name), this.fitted(), this.logWeights, sums, this.semiSupervised, this.name)
      this.unlabeledRows += pass.unlabeled
      return this.semiSupervised ? pass.logProbability : undefined
    }
    if (this.semiSupervised) checkFinite(batch, this.name)
    const labels = batch.labels
    if (labels === undefined && !this.semiSupervised) {
      throw new ArilError('ERR_LABEL', `${this.name}: expected labels (one per row, -1 for unlabeled), got none; pass them as fit(X, y), fit(X, { labels: y }) or in the batches' labels (readCsv's label option)`)
    }
    if (labels !== undefined) checkLabels(labels, this.k, this.name)
    const models = this.build(batch.cols)
    const size = Math.min(batch.rows, BLOCK_ROWS)
    const scratch = { weights: new Float64Array(this.k * size), logs: new Float64Array(size) }
    let logLikelihood = 0
    for (let start = 0; start < batch.rows; start += BLOCK_ROWS) {
      // Slices of one block keep every component's working set in cache across the k passes.
      const slice = sliceBatch(batch, start, Math.min(batch.rows, start + BLOCK_ROWS))
      logLikelihood += this.summarizeSlice(slice, models, scratch)
    }
    if (this.kernelSummed) this.checkKernelSums(batch, models)
    return this.semiSupervised ? logLikelihood : undefined
  }

  /**
   * After the Normal-column kernel summed a batch: its sums are checked once, as a
   * NormalDistribution checks its own (the kernel does not look at every value).
   * @throws ArilError `ERR_INVALID_INPUT` (row, column) for ±Infinity, `ERR_OVERFLOW` for sums that overflow
   */
  private checkKernelSums (batch: Batch, models: Component[]): void {
    this.kernelSummed = false
    if (this.normalColumnSums(batch, models)?.every(columns => columns.every(sums => sums.finite())) !== false) return
    // the names and messages of the general path, where each column's NormalDistribution finds it
    rejectInfinite(batch, 'NormalDistribution')
    overflow('NormalDistribution', 'the sums of the values and of their squares')
  }

  /**
   * Fits in memory. With every row labelled, one pass: component i gets the rows labelled i, the
   * priors are the classes' total weights. With some rows unlabeled (−1 or NaN), pomegranate's
   * semi-supervised EM: a first M-step from the labelled rows, then EM passes (lib/train/em.ts) in
   * which labelled rows add their statistics and unlabeled rows their responsibilities;
   * `maxIterations: k` is k EM steps after the first, as pomegranate's `max_iterations`. With
   * `resume` (a state saved by the `checkpoint` option, model rebuilt by `resumeModel`), the EM
   * continues from the checkpoint and ends with the bits of an uninterrupted fit.
   *
   * For HMM components X is a list of sequences (or a SequenceBatch) and the labels are one per
   * sequence, so sequences labelled −1 make the same semi-supervised EM over sequences.
   *
   * The labels go in `options.labels` or, as pomegranate's `fit(X, y, weights)`, in second place
   * (then the third argument is the weights or the options).
   *
   * @throws ArilError `ERR_LABEL` (no labels, or a label outside 0 … k−1), the training options'
   *   `ERR_INVALID_OPTION`, `ERR_INVALID_ARGUMENT` for labels given twice, and whatever the
   *   components throw
   */
  override fit (X: BatchInput, options?: BayesFitOptions): this
  override fit (X: BatchInput, y: ArrayLike<number>, options?: BayesFitOptions | ArrayLike<number>): this
  override fit (X: BatchInput, y?: ArrayLike<number> | BayesFitOptions, more?: BayesFitOptions | ArrayLike<number>): this {
    const options = labelArguments<BayesFitOptions>(y, more, `${this.name}.fit`)
    checkKeys(options, optionKeys(TRAIN_OPTION_KEYS, this.updateOptionKeys), `${this.name}.fit`)
    // sequences are converted once, up front (no piece-by-piece conversion keeps their boundaries)
    const sequences = this.sequential ? this.toBatch(X, options) : undefined
    if (this.frozen) {
      if (sequences === undefined) this.toBatch(X, options)
      return this
    }
    if (sequences !== undefined && sequences.labels === undefined) throw noSequenceLabels(this.name)
    this.history = undefined
    this.unlabeledRows = 0
    if (options.resume === undefined) {
      // the supervised pass, rows converted piece by piece (Model.fit); then the EM only if it met unlabeled rows
      const update = withoutKeys(options, TRAIN_KEYS.filter(key => key !== 'weights' && key !== 'labels')) as BayesFitOptions
      if (sequences === undefined) super.fit(X, update)
      else this.fitBatch(sequences, withoutKeys(update, ['weights', 'labels']))
      if (this.unlabeledRows === 0) return this
    }
    // The EM reads the rows on every pass: converted once. A resumed fit continues it from its checkpoint.
    const batch = sequences ?? this.toBatch(X, options)
    this.semiSupervised = true
    try {
      this.history = trainBatch(this, batch, withoutKeys(options, ['weights', 'labels']) as BayesFitOptions)
    } finally {
      this.semiSupervised = false
    }
    return this
  }

  /** One pass over a checked batch, then the M-step; on error the model is unchanged. */
  private fitBatch (batch: Batch, update: UpdateOptions): void {
    const snapshot = this.summary()
    try {
      this.summarizeBatch(batch)
      this.fromSummaries(update)
    } catch (err) {
      this.restoreSummary(snapshot)
      throw err
    }
  }

  /**
   * Fits from a stream: one supervised pass, then, when the pass met unlabeled rows, the
   * semi-supervised EM of {@link BayesModel.fit}, which reads the data again on every pass and so
   * needs `source` to be a file path, a function that opens it afresh, or an array of batches.
   *
   * @throws ArilError `ERR_SOURCE` when unlabeled rows come from a source that cannot be re-opened
   *   (the model is then left as it was), `ERR_LABEL`, and whatever the source or components throw
   */
  override async fitStream (source: Source, options: FitStreamOptions<UpdateOptions> & TrainOptions = {}): Promise<this> {
    checkKeys(options, optionKeys(TRAIN_OPTION_KEYS, FIT_STREAM_OPTION_KEYS, this.updateOptionKeys), `${this.name}.fitStream`)
    if (this.frozen) return this
    const update = withoutKeys(options, optionKeys(TRAIN_KEYS, FIT_STREAM_OPTION_KEYS))
    const snapshot = this.summary()
    this.history = undefined
    this.unlabeledRows = 0
    if (options.resume === undefined) {
      await super.fitStream(source, { ...update, update: false, signal: options.signal, workers: options.workers, executor: options.executor, batchSize: options.batchSize, onProgress: options.onProgress })
      if (this.unlabeledRows > 0 && typeof source !== 'function' && typeof source !== 'string' && !Array.isArray(source) && !isShardList(source)) {
        this.restoreSummary(snapshot)
        throw new ArilError('ERR_SOURCE', `${this.name}: ${this.unlabeledRows} unlabeled ${this.sequential ? 'sequences' : 'rows'} need semi-supervised training, which reads the data several times; pass a file path or a function that opens the source again`)
      }
      this.fromSummaries(update)
    }
    if (this.unlabeledRows > 0 || options.resume !== undefined) {
      this.semiSupervised = true
      try {
        this.history = await trainStream(this, source as Opener, options)
      } finally {
        this.semiSupervised = false
      }
    }
    return this
  }

  /**
   * The exact `Σ w·log p(x)` of the unlabeled rows summarized in the semi-supervised pass since the
   * statistics were cleared (what lib/train/em.ts reads, the same bits for any chunking).
   */
  summaryLogProbability (): number {
    return this.logSums.values()[0]!
  }

  /** For the trainer's epoch log: unlabeled sequences of the pass that every class calls impossible (skipped). */
  skippedInPass (): number {
    return this.sequential ? this.logSums.values()[1]! : 0
  }

  private summarizeSlice (slice: Batch, models: Component[], scratch: { weights: Float64Array; logs: Float64Array }): number {
    const normalSums = this.normalColumnSums(slice, models)
    if (normalSums !== undefined && this.summarizeNormalColumns(slice, normalSums)) return 0
    const { rows, labels } = slice
    const { weights, logs } = scratch
    const k = this.k
    weights.fill(0, 0, k * rows)
    logs.fill(0, 0, rows)
    let unlabeled = 0
    for (let r = 0; r < rows; r++) {
      const w = slice.weights === undefined ? 1 : slice.weights[r]!
      const label = labels === undefined ? NaN : labels[r]!
      if (label >= 0) weights[label * rows + r] = w
      else if (w > 0) unlabeled++
    }
    let logLikelihood = 0
    if (this.semiSupervised && unlabeled > 0) logLikelihood = this.responsibilities(slice, models, weights, logs)
    else this.unlabeledRows += unlabeled
    this.classSums.runs(rows, (start, end) => {
      const partial = this.classSums.partial
      for (let j = 0; j < k; j++) {
        let s = partial[j]!
        for (let r = start; r < end; r++) s += weights[j * rows + r]!
        partial[j] = s
      }
    })
    this.logSums.runs(rows, (start, end) => {
      let s = this.logSums.partial[0]!
      for (let r = start; r < end; r++) s += logs[r]!
      this.logSums.partial[0] = s
    })
    for (let j = 0; j < k; j++) {
      const model = models[j]!
      if (model.frozen) continue
      model.summarizeBatch({ data: slice.data, rows, cols: slice.cols, categories: slice.categories, weights: weights.subarray(j * rows, (j + 1) * rows) })
    }
    return logLikelihood
  }

  /** The moment sums of every column of every class when each is a NormalDistribution (class c, column j at [c][j]); undefined otherwise. */
  private normalColumnSums (slice: Batch, models: Component[]): BlockedSums[][] | undefined {
    if (slice.categories !== undefined) return undefined
    const sums: BlockedSums[][] = []
    for (const model of models) {
      if (model.frozen) return undefined
      const columns = model instanceof IndependentComponentsDistribution ? model.distributions : [model]
      if (columns.length !== slice.cols) return undefined
      const terms = columns.map(c => c instanceof NormalDistribution ? c.kernelTerms() : undefined)
      if (terms.some(t => t === undefined)) return undefined
      sums.push(terms.map(t => t!.sums))
    }
    return sums
  }

  /**
   * A slice summarized as the general path below does, but through the WebAssembly kernel for
   * Normal columns (naive-bayes-wasm.ts). False, with nothing changed, when the kernel cannot, or
   * when the slice has unlabeled rows for the semi-supervised E-step (which may then be tried
   * again by the general path: the kernel changed nothing).
   */
  private summarizeNormalColumns (slice: Batch, sums: BlockedSums[][]): boolean {
    if (this.semiSupervised) return false
    const unlabeled = naiveBayesSlice(slice, sums, this.classSums)
    if (unlabeled < 0) return false
    this.kernelSummed = true
    this.unlabeledRows += unlabeled
    // the unlabeled rows' log-likelihood is 0 here: nothing to add, but the rows count
    this.logSums.runs(slice.rows, skip)
    return true
  }

  /**
   * The E-step on the unlabeled rows of a slice: writes w·P(i | x) into the class weights and
   * w·log p(x) into `logs`; returns their sum.
   */
  private responsibilities (slice: Batch, models: Component[], weights: Float64Array, logs: Float64Array): number {
    const { rows, labels } = slice
    const joint = jointLogProbability(slice, models, this.logWeights)
    const k = this.k
    let logLikelihood = 0
    for (let r = 0; r < rows; r++) {
      const w = slice.weights === undefined ? 1 : slice.weights[r]!
      if ((labels !== undefined && labels[r]! >= 0) || w === 0) continue
      const total = logSumExpColumn(joint, r, rows, k)
      logs[r] = w * total
      logLikelihood += logs[r]!
      // An impossible row (log p = −∞ under every class) has no responsibilities to hand out.
      if (!Number.isFinite(total)) continue
      for (let j = 0; j < k; j++) weights[j * rows + r] = Math.exp(joint[j * rows + r]! - total) * w
    }
    return logLikelihood
  }

  /**
   * Priors `(Σw_i + pc) / Σ(Σw + pc)` (without inertia, as pomegranate), then every component's
   * update with the same options. (pomegranate hands the pseudocount only to components that are
   * themselves Discrete, so the Discretes inside a NaiveBayes's IndependentComponents never see it;
   * aril hands it to every component.)
   */
  protected update (options: UpdateOptions): void {
    const { pseudocount } = updateOptions(options)
    if (this.components === undefined) return
    const sums = this.classSums.values()
    if (!(sums.reduce((a, b) => a + b, 0) > 0)) return
    const smoothed = sums.map(s => s + pseudocount)
    const total = smoothed.reduce((a, b) => a + b, 0)
    const priors = Float64Array.from(smoothed, s => s / total)
    for (const model of this.components) model.fromSummaries(options)
    this.priors = priors
    this.logWeights = priors.map(Math.log)
  }

  clearSummaries (): void {
    this.classSums.clear()
    this.logSums.clear()
    for (const model of this.components ?? []) model.clearSummaries()
  }

  summary (): BayesSummary {
    return {
      model: this.name,
      dimension: this.components === undefined ? null : this.dimension ?? null,
      classes: this.classSums.summary(),
      logProbability: this.logSums.summary(),
      components: this.components?.map(m => m.summary()) ?? [],
      unlabeled: this.unlabeledRows
    }
  }

  /**
   * The statistics: Σw per class (`wSum`), Σ w·log p(x) of the semi-supervised pass's unlabeled
   * rows, for HMM components the unlabeled sequences skipped as impossible (`impossible`), and
   * each component's own.
   */
  override get statistics (): Statistics {
    const sums = this.logSums.values()
    return { wSum: this.classSums.values(), logProbability: sums[0], ...(this.sequential ? { impossible: sums[1] } : {}), components: this.components?.map(m => m.statistics) ?? [] }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    const s = summary as Partial<BayesSummary>
    const classes = blockedSumsProblem(s.classes, this.k, false, this.classSums.blockRows)
    if (classes !== undefined) return `class sums: ${classes}`
    const logs = blockedSumsProblem(s.logProbability, this.sequential ? 2 : 1, false, this.logSums.blockRows)
    if (logs !== undefined) return `log-probability sums: ${logs}`
    if (!Array.isArray(s.components) || (s.components.length !== 0 && s.components.length !== this.k)) {
      return `expected ${this.k} component summaries, got ${show(s.components)}`
    }
    if (s.components.length === 0) return undefined
    if (this.components === undefined && typeof s.dimension !== 'number') return 'expected the dimension of the summarized data'
    if (this.components !== undefined && s.dimension !== (this.dimension ?? null)) return `expected dimension ${String(this.dimension)}, got ${show(s.dimension)}`
    const names = this.components?.map(m => m.name)
    const wrong = names === undefined ? -1 : s.components.findIndex((c, i) => c?.model !== names[i])
    if (wrong >= 0) return `component ${wrong}: expected a summary of a ${names![wrong]!}, got ${show((s.components[wrong] as Summary | undefined)?.model)}`
    return undefined
  }

  /** Merges every component (all or none: a component that refuses rolls the others back). */
  protected mergeChecked (summary: Summary): void {
    const s = summary as BayesSummary
    if (s.components.length > 0) {
      const models = this.build(s.dimension!)
      const before = models.map(m => m.summary())
      try {
        models.forEach((m, i) => m.mergeSummary(s.components[i]!))
      } catch (err) {
        models.forEach((m, i) => m.restoreSummary(before[i]!))
        throw err
      }
    }
    this.classSums.merge(s.classes)
    this.logSums.merge(s.logProbability)
    if (Number.isSafeInteger(s.unlabeled) && s.unlabeled! > 0) this.unlabeledRows += s.unlabeled!
  }

  override restoreSummary (snapshot: Summary): void {
    super.restoreSummary(snapshot)
    // A Dist-class model built by a failed call goes back to unbuilt.
    if (this.blank !== undefined && (snapshot as BayesSummary).dimension === null) this.components = undefined
  }

  /** log p(x) = log Σ_i π_i p_i(x), per row. */
  logProbabilityBatch (batch: Batch): Float64Array {
    if (this.sequential) requireSequences(batch, this.name)
    return marginalLogProbability(jointLogProbability(batch, this.fitted(), this.logWeights), unitCount(batch), this.k)
  }

  /**
   * Posterior log-probabilities `log P(class | x)`: a batch of rows × k (each row normalized;
   * NaN for a row impossible under every class, as pomegranate).
   */
  predictLogProbaBatch (batch: Batch): Batch {
    if (this.sequential) requireSequences(batch, this.name)
    return posteriorLogProbability(jointLogProbability(batch, this.fitted(), this.logWeights), unitCount(batch), this.k)
  }

  /** The most probable class of each row of a checked batch (the first on ties). */
  override predictBatch (batch: Batch): Float64Array {
    if (this.sequential) requireSequences(batch, this.name)
    return mostProbableClass(jointLogProbability(batch, this.fitted(), this.logWeights), unitCount(batch), this.k)
  }

  /** Draws a class by the priors, then a row (a sequence for HMM components) from that class's component. */
  sampleWith (n: number, random: Random): Float64Array | number[][] {
    return sampleBayes(this.fitted(), this.weights, n, random, this.sequential)
  }

  /** The components' JSON. */
  protected modelsJSON (): object[] {
    return this.fitted().map(m => m.toJSON())
  }
}

const skip = (): void => {}

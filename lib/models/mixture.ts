/**
 * The general mixture model: a weighted sum of components of any kind, trained by EM.
 */
import { BlockedSums, blockedSumsProblem, LANES, sumInLanes, type BlockedSumsSummary } from '../core/accumulate.js'
import { batchRows, sliceBatch, toBatch, type Batch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { Model, type SummarizeOptions, type Summary } from '../core/model.js'
import { PosteriorModel } from '../core/posterior-model.js'
import { blend, numberOption, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { fromJSON, registerModel } from '../core/serialize.js'
import { UnivariateDistribution } from '../core/univariate.js'
import type { History } from '../train/callbacks.js'
import { trainBatch, trainStream, type Opener, type TrainOptions } from '../train/em.js'
import { readHead } from '../train/head.js'
import { Kmeans, type KmeansInit } from './kmeans.js'
import { jointLogSumExp, responsibilities } from './logsumexp.js'
import { normalMixtureTile, type NormalTerms } from './normal-mixture-wasm.js'
import { NormalDistribution } from '../distributions/normal.js'
import { MultivariateGaussianDistribution } from '../distributions/multivariate-gaussian.js'
import { gaussianMixturePosterior } from './gaussian-mixture-wasm.js'

/** A component: any aril model (distribution, IndependentComponents, MultivariateGaussian, mixture ...). */
export type Component = Model<unknown, any, unknown>

/** A kind of component that can be fitted to rows: a class with a static `fromSamples`. */
export interface ComponentKind {
  fromSamples (X: BatchInput, options?: any): Component
}

/** Options of `fromSummaries`: inertia (also blending the weights), pseudocount of the weights, and whatever the components take (`minCovar` ...). */
export type MixtureUpdateOptions = UpdateOptions & Record<string, unknown>

/** Options of `fit` and `fitStream`: the trainer's, the update options, and weights (in memory). */
export type MixtureFitOptions = TrainOptions & MixtureUpdateOptions & SummarizeOptions

/** Options of `fromSamples` and `fromStream`: the initialization, then the fit. */
export interface MixtureInitOptions {
  /** How k-means chooses its first centroids (default 'kmeans++'). */
  init?: KmeansInit
  /** Seed of the k-means++ draws. */
  seed?: number
  /** Rows read from the start of the data for the initialization (default 10000). */
  initRows?: number
  /** Lloyd iterations on those rows before the components are fitted to the clusters (default 1, as pomegranate). */
  kmeansIterations?: number
}

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
 * @example
 * ```ts
 * const gmm = new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
 * gmm.fit([-1.2, -0.8, -1.1, 0.9, 1.3, 1.0], { maxIterations: 10 })
 * gmm.predict([-1, 1]) // => Float64Array [0, 1]
 * ```
 */
export class GeneralMixtureModel extends PosteriorModel<[distributions: unknown[], weights: number[]], MixtureUpdateOptions, Float64Array | Float64Array[]> {
  readonly name = 'GeneralMixtureModel'
  readonly dimension: number | undefined
  readonly distributions: Component[]
  /** The mixing weights π (linear, summing to 1) and their logarithms. */
  private weights: Float64Array
  private logWeights: Float64Array
  /** Statistics, each in LANES lanes (see sumInLanes): Σ r_ij per component, then Σ w_i·log p(x_i). */
  private readonly sums: BlockedSums
  /** Per-tile arrays reused by every E-step: one per component, and the row log-densities. */
  private scratch: Float64Array[] = []

  constructor (distributions: readonly Component[], options: { weights?: ArrayLike<number>; frozen?: boolean } = {}) {
    super()
    if (!Array.isArray(distributions) || distributions.length < 1 || !distributions.every(d => d instanceof Model)) {
      throw new ArilError('ERR_INVALID_PARAMETER', `GeneralMixtureModel: expected a non-empty array of models, got ${show(distributions)}`)
    }
    const dims = new Set(distributions.map(d => d.dimension))
    if (dims.size > 1) {
      throw new ArilError('ERR_INVALID_PARAMETER', `GeneralMixtureModel: expected components of one dimension, got ${[...dims].join(', ')}`)
    }
    const k = distributions.length
    this.distributions = [...distributions]
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
    this.sums = new BlockedSums(LANES * (k + 1))
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
  get parameters (): [distributions: unknown[], weights: number[]] {
    return [this.distributions.map(d => d.parameters), Array.from(this.weights)]
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

  /** E-step: hands each component the responsibilities as row weights; returns Σ w·log p(x). */
  summarizeBatch (batch: Batch): number {
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
      if (total !== undefined) return total
    }
    const { weights } = batch
    const k = this.distributions.length
    const { out: resp, lse, total } = this.gaussianPosterior(batch) ?? this.posterior(batch, weights, false)
    for (let j = 0; j < k; j++) {
      const d = this.distributions[j]!
      if (!d.frozen) d.summarizeBatch({ data: batch.data, rows: batch.rows, cols: batch.cols, weights: resp[j], categories: batch.categories })
    }
    this.sums.runs(batch.rows, (start, end) => {
      for (let j = 0; j < k; j++) sumInLanes(this.sums, LANES * j, resp[j]!, undefined, start, end)
      sumInLanes(this.sums, LANES * k, lse, weights, start, end)
    })
    return total
  }

  /**
   * The posterior of a tile through the WebAssembly kernel when every component is a
   * MultivariateGaussianDistribution (gaussian-mixture-wasm.ts), in the arrays `posterior` uses;
   * undefined otherwise or when the kernel declines the tile.
   */
  private gaussianPosterior (batch: Batch): { out: Float64Array[]; lse: Float64Array; total: number } | undefined {
    if (!this.distributions.every(d => d instanceof MultivariateGaussianDistribution)) return undefined
    const k = this.distributions.length
    if (this.scratch.length === 0) this.scratch = Array.from({ length: k + 1 }, () => new Float64Array(TILE_ROWS))
    const out = this.scratch.slice(0, k).map(a => a.subarray(0, batch.rows))
    const lse = this.scratch[k]!.subarray(0, batch.rows)
    const terms = (this.distributions as MultivariateGaussianDistribution[]).map(d => d.mixtureTerms())
    const total = gaussianMixturePosterior(batch, terms, this.logWeights, out, lse)
    return total === undefined ? undefined : { out, lse, total }
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
      for (let j = 0; j < k; j++) this.distributions[j] = fromJSON(before[j]!)
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

  protected summaryProblem (summary: Summary): string | undefined {
    const parts = summary.distributions as Summary[] | undefined
    if (!Array.isArray(parts) || parts.length !== this.distributions.length) {
      return `expected ${this.distributions.length} component summaries, got ${show(parts)}`
    }
    const wrong = parts.findIndex((s, j) => s?.model !== this.distributions[j]!.name)
    if (wrong >= 0) return `expected component ${wrong} to be a ${this.distributions[wrong]!.name}, got ${show(parts[wrong]?.model)}`
    return blockedSumsProblem(summary.sums, this.sums.slots, false)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
    const parts = summary.distributions as Summary[]
    this.distributions.forEach((d, j) => d.mergeSummary(parts[j]!))
  }

  /** log p(x) per row (log-sum-exp over the components). */
  logProbabilityBatch (batch: Batch): Float64Array {
    const out = new Float64Array(batch.rows)
    for (let start = 0; start < batch.rows; start += TILE_ROWS) {
      out.set(this.posterior(tile(batch, start), undefined, true).lse, start)
    }
    return out
  }

  /** Posterior log-probabilities log P(component | x), rows × k; a row impossible under every component gets the log-priors. */
  predictLogProbaBatch (batch: Batch): Batch {
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

  /**
   * A mixture of k components of a kind (or one kind per component) fitted to X in memory:
   * k-means (seeded k-means++ by default) on the first `initRows` rows, each component fitted to
   * its cluster, the weights from the cluster sizes, then EM over all rows.
   *
   * @throws ArilError `ERR_INVALID_INPUT` when the first rows hold fewer than k distinct complete rows
   * @example
   * ```ts
   * const gmm = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { seed: 1, maxIterations: 50 })
   * ```
   */
  static fromSamples (kind: ComponentKind | readonly ComponentKind[], k: number, X: BatchInput, options: MixtureInitOptions & MixtureFitOptions = {}): GeneralMixtureModel {
    const batch = toBatch(X, { weights: options.weights, categorical: true })
    const rows = initRows(options, k)
    const model = initialize(kind, k, batch.rows > rows ? sliceBatch(batch, 0, rows) : batch, options)
    model.fit(batch, fitOptions(options))
    return model
  }

  /**
   * {@link GeneralMixtureModel.fromSamples} out of core: the initialization reads the first
   * `initRows` rows of a fresh opening, then EM re-opens the data for every pass.
   * @example
   * ```ts
   * const gmm = await GeneralMixtureModel.fromStream(NormalDistribution, 3, () => readNpy('x.npy'), { seed: 1 })
   * ```
   */
  static async fromStream (kind: ComponentKind | readonly ComponentKind[], k: number, open: Opener, options: MixtureInitOptions & MixtureFitOptions = {}): Promise<GeneralMixtureModel> {
    const head = await readHead(open, initRows(options, k), X => toBatch(X, { categorical: true }))
    const model = initialize(kind, k, head, options)
    await model.fitStream(open, fitOptions(options))
    return model
  }
}

/** The options left for the fit once the initialization has used its own (and the weights are in the batch). */
function fitOptions (options: MixtureInitOptions & MixtureFitOptions): MixtureFitOptions {
  const { init: _init, seed: _seed, initRows: _rows, kmeansIterations: _iterations, weights: _weights, ...rest } = options
  return rest
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

function initRows (options: MixtureInitOptions, k: number): number {
  const rows = numberOption(options, 'initRows', 10000, k)
  if (!Number.isInteger(rows)) invalidOption('initRows', `a whole number >= ${k}`, rows)
  return rows
}

/** k-means on the head, then one component per cluster and weights from the cluster sizes (pomegranate's from_samples). */
function initialize (kind: ComponentKind | readonly ComponentKind[], k: number, head: Batch, options: MixtureInitOptions): GeneralMixtureModel {
  const kinds = Array.isArray(kind) ? kind as readonly ComponentKind[] : Array.from({ length: k }, () => kind as ComponentKind)
  if (kinds.length !== k || !kinds.every(c => typeof c?.fromSamples === 'function')) {
    invalidOption('distributions', `a component class with fromSamples, or ${k} of them`, kind)
  }
  const kmeansIterations = numberOption(options, 'kmeansIterations', 1, 0)
  const kmeans = new Kmeans(k, { init: options.init, seed: options.seed, initRows: Math.max(k, head.rows) })
  kmeans.initialize(head)
  kmeans.fit(head, { maxIterations: kmeansIterations, stopThreshold: -Infinity })
  const labels = kmeans.predict(head)
  const total = head.weights === undefined ? head.rows : head.weights.reduce((a, b) => a + b, 0)
  const weights = new Float64Array(k)
  const components = kinds.map((c, j) => {
    const rows: number[] = []
    for (let r = 0; r < head.rows; r++) if (labels[r] === j) rows.push(r)
    if (rows.length === 0) throw new ArilError('ERR_INVALID_INPUT', `GeneralMixtureModel: k-means left cluster ${j} of ${k} empty on the first ${head.rows} rows; try another seed or more initRows`)
    const cluster = selectRows(head, rows)
    weights[j] = (cluster.weights === undefined ? cluster.rows : cluster.weights.reduce((a, b) => a + b, 0)) / total
    return c.fromSamples(cluster)
  })
  return new GeneralMixtureModel(components, { weights })
}

/** The given rows of a batch, copied. */
function selectRows (batch: Batch, rows: readonly number[]): Batch {
  const { cols } = batch
  const data = new Float64Array(rows.length * cols)
  rows.forEach((r, i) => data.set(batch.data.subarray(r * cols, (r + 1) * cols), i * cols))
  return {
    data,
    rows: rows.length,
    cols,
    weights: batch.weights === undefined ? undefined : Float64Array.from(rows, r => batch.weights![r]!),
    categories: batch.categories?.map(c => c === undefined ? undefined : rows.map(r => c[r] as Key | null))
  }
}


registerModel('GeneralMixtureModel', GeneralMixtureModel.fromJSON)

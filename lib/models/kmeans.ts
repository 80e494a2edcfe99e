/**
 * k-means clustering by Lloyd's algorithm, trained out of core by the EM trainer.
 */
import { BLOCK_ROWS, BlockedSums } from '../core/accumulate.js'
import { nearestByScore, nearestKernel, type NearestKernel } from './nearest-centroid.js'
import { nearestCentroidWasm, type NearestCentroidWasm } from './nearest-centroid-wasm.js'
import { requireValues, sliceBatch, toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { overflow, rejectInfinite } from '../core/finite.js'
import type { Statistics, SummarizeOptions } from '../core/model.js'
import { SummedModel } from '../core/summed-model.js'
import { blend, checkKeys, optionKeys, UPDATE_OPTION_KEYS, updateOptions, type UpdateOptions } from '../core/options.js'
import { Random } from '../core/random.js'
import { registerModel } from '../core/serialize.js'
import type { History } from '../train/callbacks.js'
import { TRAIN_OPTION_KEYS, trainBatch, trainStream, type Opener, type TrainOptions } from '../train/em.js'
import { passesInMemory, passesOverStream } from '../train/pass.js'
import { headNote, INIT_OPTION_KEYS, initialCentroids, initialSample, initSettings, usesSample, type InitOptions, type InitSettings, type KmeansInit } from './init.js'

export { kmeansPlusPlus, type KmeansInit } from './init.js'

/**
 * Options of the {@link Kmeans} constructor: how the first centroids are chosen (see init.ts):
 * `init` ('kmeans++' by default, 'kmeans||', 'random', 'first-k', or the centroids themselves, as
 * pomegranate's `Kmeans(k, init=centroids)`), `nInit` (runs, the best kept), `seed`, and the rows
 * it reads (`initRows`, `initSample`, `initRounds`, `initOversampling`).
 */
export type KmeansOptions = Omit<InitOptions, 'init'> & { init?: KmeansInit | ArrayLike<ArrayLike<number>> | undefined }

/** Options of `Kmeans.fit` and `fitStream`: the trainer's, inertia, and weights (in memory). */
export type KmeansFitOptions = TrainOptions & UpdateOptions & SummarizeOptions

/**
 * [k-means](https://en.wikipedia.org/wiki/K-means_clustering) (pomegranate's `Kmeans`): Lloyd's
 * algorithm, where an E-step assigns every row to its nearest centroid and an M-step moves each
 * centroid to the weighted mean of its rows. Fitting runs through the EM trainer, so it works out
 * of core, reports every epoch (the epoch's `logProbability` is minus the inertia, the weighted
 * sum of squared distances to the nearest centroid) and resumes from checkpoints.
 *
 * Statistics per (cluster, dimension): Σw and Σw·x over the observed values, summed exactly, and
 * cleared after every M-step. pomegranate's `fit` keeps them across iterations by default
 * (`clear_summaries=False`, which is not Lloyd's algorithm) and skips a coordinate whose Σw·x is
 * exactly 0; aril does neither. Missing values (NaN) are handled per dimension: distances use the
 * observed dimensions, and a row only moves the coordinates it observes. A centroid coordinate
 * with no observed weight keeps its value.
 *
 * @example
 * ```ts
 * const km = new Kmeans(2, { seed: 1 }).fit([[0, 0], [0, 1], [10, 10], [10, 11]])
 * km.predict([[1, 1], [9, 9]]) // => Float64Array [0, 1] (or [1, 0]: the order depends on the seed)
 * ```
 */
export class Kmeans extends SummedModel<number[][], UpdateOptions, never> {
  readonly name = 'Kmeans'
  readonly k: number
  /** The initialization method, or 'fixed' for centroids given to the constructor (pomegranate's name). */
  readonly init: KmeansInit | 'fixed'
  readonly initRows: number
  /** Initializations tried by `fit` and `fitStream` (the best, by inertia, is kept). */
  readonly nInit: number
  private readonly settings: InitSettings
  /** Rows of the first-rows sample of the last initialization, until the trainer has noted it. */
  private headRows: number | undefined
  /** k × d, row-major; empty until initialized. */
  private centroids = new Float64Array(0)
  private d: number | undefined
  /** Slots: Σw per (cluster, dim), then Σw·x per (cluster, dim), then Σw·distance². */
  protected sums = new BlockedSums(0)

  constructor (k: number, options: KmeansOptions = {}) {
    super()
    if (!Number.isInteger(k) || k < 1) throw new ArilError('ERR_INVALID_ARGUMENT', `Kmeans: expected a whole number of clusters >= 1, got ${show(k)}`)
    this.k = k
    if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
    checkKeys(options, INIT_OPTION_KEYS, 'Kmeans constructor')
    const given = typeof options.init === 'object' ? options.init : undefined
    this.settings = initSettings({ ...options, init: given === undefined ? options.init as KmeansInit | undefined : undefined }, k)
    this.init = given === undefined ? this.settings.init : 'fixed'
    this.initRows = this.settings.rows
    this.nInit = this.settings.runs
    if (given !== undefined) this.setCentroids(given as ArrayLike<ArrayLike<number>>)
  }

  get dimension (): number | undefined {
    return this.d
  }

  /** The centroids, one row per cluster (empty before initialization). */
  get parameters (): number[][] {
    const d = this.d ?? 0
    return Array.from({ length: this.d === undefined ? 0 : this.k }, (_, j) => Array.from(this.centroids.subarray(j * d, (j + 1) * d)))
  }

  /** Sets the centroids (k rows of d numbers) and clears the statistics. */
  setCentroids (centroids: ArrayLike<ArrayLike<number>>): this {
    if (!Array.isArray(centroids) && !ArrayBuffer.isView(centroids)) invalidOption('centroids', `${this.k} rows of numbers`, centroids)
    const d = isRow(centroids[0]) ? centroids[0].length : 0
    if (centroids.length !== this.k || d < 1) {
      throw new ArilError('ERR_INVALID_PARAMETER', `Kmeans: expected ${this.k} centroids of equal length >= 1, got ${show(centroids)}`)
    }
    // Every row's shape first: k·d values are allocated only when k·d values were given.
    for (let j = 0; j < this.k; j++) {
      const row = centroids[j]
      if (!isRow(row) || row.length !== d) throw new ArilError('ERR_INVALID_PARAMETER', `Kmeans: expected centroid ${j} to be ${d} numbers, got ${show(row)}`)
    }
    const flat = new Float64Array(this.k * d)
    for (let j = 0; j < this.k; j++) {
      const row = centroids[j]!
      for (let q = 0; q < d; q++) {
        const v = row[q]!
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArilError('ERR_INVALID_PARAMETER', `Kmeans: expected finite centroid values, got ${show(v)} in centroid ${j}`)
        flat[j * d + q] = v
      }
    }
    this.centroids = flat
    this.d = d
    this.sums = new BlockedSums(2 * this.k * d + 1)
    return this
  }

  /**
   * Chooses the first centroids from X by the `init` method (one run; see init.ts).
   * @throws ArilError `ERR_INVALID_INPUT` when X has fewer than k distinct complete rows
   */
  initialize (X: BatchInput, options: SummarizeOptions = {}): this {
    const batch = requireValues(toBatch(X, { cols: this.d, weights: options.weights }), 'Kmeans')
    const random = new Random(this.settings.seed)
    const sample = usesSample(this.settings) ? passesInMemory(initialSample(this.settings), batch) : batch
    this.noteSample(batch.rows)
    return this.setCentroids(passesInMemory(initialCentroids(this.k, sample, this.settings, random, refineCentroids), batch))
  }

  /** Remembers a first-rows sample, for the note after the first pass (see noteAfterPass). */
  private noteSample (rows: number): void {
    this.headRows = usesSample(this.settings) && this.settings.sample === 'head' && rows > this.settings.rows ? this.settings.rows : undefined
  }

  /** For the trainer: a note when the centroids were chosen from the first `initRows` rows of a longer pass. */
  noteAfterPass (passRows: number): string | undefined {
    return headNote(this.headRows, passRows)
  }

  /**
   * The squared distance of each row to every centroid, over the row's observed dimensions
   * (pomegranate's `distance`): rows of k numbers.
   * @throws ArilError `ERR_NOT_FITTED` before the centroids are set
   * @example
   * ```ts
   * new Kmeans(2).setCentroids([[0], [10]]).distance([[1], [4]]) // => [[1, 81], [16, 36]]
   * ```
   */
  distance (X: BatchInput): number[][] {
    const d = this.fitted()
    const batch = this.toBatch(X)
    return Array.from({ length: batch.rows }, (_, r) => Array.from({ length: this.k }, (_, j) => squaredDistance(batch.data, r * d, this.centroids, j * d, d)))
  }

  /**
   * @throws ArilError `ERR_INVALID_INPUT` (row, column) for ±Infinity in a row of weight > 0,
   *   `ERR_OVERFLOW` when squared distances overflow (values beyond about 1e154); both found on the
   *   sums after the batch, so the statistics then hold part of it (fits put them back)
   */
  summarizeBatch (batch: Batch): number {
    const { centroids, k } = this
    const d = this.fitted()
    const { data, weights } = batch
    const norms = new Float64Array(k)
    for (let j = 0; j < k * d; j++) norms[Math.floor(j / d)]! += centroids[j]! * centroids[j]!
    const wasm = nearestCentroidWasm(k, d)
    const nearestOf = nearestKernel(k, d)
    let total = 0
    this.sums.runs(batch.rows, (start, end) => {
      total += wasm === undefined
        ? assign(data, d, weights, centroids, norms, k, nearestOf, this.sums.partial, start, end)
        : assignWasm(wasm, data, d, weights, centroids, norms, k, this.sums.partial, start, end)
    })
    if (!Number.isFinite(total) || !this.sums.finite()) {
      rejectInfinite(batch, this.name)
      overflow(this.name, 'the squared distances to the centroids')
    }
    return -total
  }

  /** The statistics: k × d tables of Σw and Σw·x over each cluster's observed values, and the inertia Σw·d². */
  override get statistics (): Statistics {
    const d = this.d ?? 0
    const totals = this.sums.values()
    const table = (at: number): number[][] => Array.from({ length: d === 0 ? 0 : this.k }, (_, j) => totals.slice(at + j * d, at + (j + 1) * d))
    return { wSum: table(0), xwSum: table(this.k * d), inertia: totals[2 * this.k * d] ?? 0 }
  }

  /** Minus the exact weighted sum of squared distances summarized since the last clear. */
  summaryLogProbability (): number {
    return -this.sums.exact(2 * this.k * this.fitted()).value()
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const d = this.fitted()
    const totals = this.sums.values()
    const next = this.centroids.slice()
    for (let i = 0; i < this.k * d; i++) {
      const w = totals[i]!
      if (w > 0) next[i] = blend(next[i]!, totals[this.k * d + i]! / w, inertia)
    }
    this.centroids = next
  }

  /** Minus the squared distance of each row to its nearest centroid (over its observed dimensions). */
  logProbabilityBatch (batch: Batch): Float64Array {
    const d = this.fitted()
    const out = new Float64Array(batch.rows)
    for (let r = 0; r < batch.rows; r++) {
      out[r] = -squaredDistance(batch.data, r * d, this.centroids, nearest(batch.data, r * d, this.centroids, this.k, d) * d, d)
    }
    return out
  }

  /** The index of the nearest centroid of each row of a checked batch. */
  predictBatch (batch: Batch): Float64Array {
    const d = this.fitted()
    const out = new Float64Array(batch.rows)
    for (let r = 0; r < batch.rows; r++) out[r] = nearest(batch.data, r * d, this.centroids, this.k, d)
    return out
  }

  /**
   * The index of the nearest centroid of each row (pomegranate's `predict`).
   * @throws ArilError `ERR_NOT_FITTED` before the centroids are set
   */
  predict (X: BatchInput): Float64Array {
    return this.predictBatch(this.toBatch(X))
  }

  /** k-means has no generative model to sample from. */
  sampleWith (): never {
    throw new ArilError('ERR_INVALID_ARGUMENT', 'Kmeans: cannot sample (it is not a probability model)')
  }

  /**
   * Lloyd's algorithm in memory, through the EM trainer (the centroids are chosen first if they
   * are not set). `stopThreshold` defaults to 1e-3 as in pomegranate's `Kmeans.fit`.
   */
  override fit (X: BatchInput, options: KmeansFitOptions = {}): this {
    this.trainBatch(X, options)
    return this
  }

  /** {@link Kmeans.fit} returning the training History (of the best of `nInit` runs when the centroids were not set). */
  trainBatch (X: BatchInput, options: KmeansFitOptions = {}): History {
    const batch = requireValues(toBatch(X, { cols: this.d, weights: options.weights }), 'Kmeans')
    const train = (): History => trainBatch(this, batch, { stopThreshold: 1e-3, ...options })
    try {
      if (this.d !== undefined) return train()
      const random = new Random(this.settings.seed)
      const sample = usesSample(this.settings) ? passesInMemory(initialSample(this.settings), batch) : batch
      this.noteSample(batch.rows)
      const best = new BestRun(this)
      for (let run = 0; run < this.settings.runs; run++) {
        this.setCentroids(passesInMemory(initialCentroids(this.k, sample, this.settings, random, refineCentroids), batch))
        best.offer(train())
      }
      return best.keep()
    } finally {
      this.headRows = undefined
    }
  }

  /** Lloyd's algorithm out of core: `open` re-opens the data for every pass. */
  override async fitStream (open: Opener, options: KmeansFitOptions = {}): Promise<this> {
    await this.trainStream(open, options)
    return this
  }

  /**
   * {@link Kmeans.fitStream} resolving with the training History (of the best of `nInit` runs when
   * the centroids were not set; each run is a whole fit, and calls the callbacks as one).
   */
  async trainStream (open: Opener, options: KmeansFitOptions = {}): Promise<History> {
    const train = async (): Promise<History> => await trainStream(this, open, { stopThreshold: 1e-3, ...options })
    try {
      if (this.d !== undefined) return await train()
      const check = (X: BatchInput): Batch => requireValues(toBatch(X, { cols: this.d }), 'Kmeans')
      const random = new Random(this.settings.seed)
      const sample = usesSample(this.settings) ? await passesOverStream(initialSample(this.settings), open, check, options.signal) : toBatch([])
      this.noteSample(Infinity)
      const best = new BestRun(this)
      for (let run = 0; run < this.settings.runs; run++) {
        this.setCentroids(await passesOverStream(initialCentroids(this.k, sample, this.settings, random, refineCentroids), open, check, options.signal))
        best.offer(await train())
      }
      return best.keep()
    } finally {
      this.headRows = undefined
    }
  }

  /**
   * k-means fitted to X (pomegranate's `Kmeans.from_samples(k, X, ...)`): `new Kmeans(k, options)`
   * then `fit`, with pomegranate's `stop_threshold` of 0.1 unless given.
   * @example
   * ```ts
   * const km = Kmeans.fromSamples(3, X, { init: 'kmeans||', nInit: 5, seed: 1 })
   * ```
   */
  static fromSamples (k: number, X: BatchInput, options: KmeansOptions & KmeansFitOptions = {}): Kmeans {
    checkKeys(options, optionKeys(INIT_OPTION_KEYS, TRAIN_OPTION_KEYS, UPDATE_OPTION_KEYS), 'Kmeans.fromSamples')
    const { init, nInit, seed, initRows, initSample, initRounds, initOversampling, ...fit } = options
    return new Kmeans(k, { init, nInit, seed, initRows, initSample, initRounds, initOversampling }).fit(X, { stopThreshold: 0.1, ...fit })
  }

  toJSON (): { class: 'Kmeans'; k: number; centroids: number[][] } {
    return { class: 'Kmeans', k: this.k, centroids: this.parameters }
  }

  /** Reads pomegranate's `{"class":"Kmeans","k":2,"centroids":[[...],...]}`. */
  static fromJSON (json: Record<string, unknown>): Kmeans {
    const { k, centroids } = json
    if (!Number.isInteger(k) || !Array.isArray(centroids)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected Kmeans JSON with a whole number k and centroids, got ${show(k)} and ${show(centroids)}`)
    }
    const model = new Kmeans(k as number)
    return centroids.length === 0 ? model : model.setCentroids(centroids as number[][])
  }

  private fitted (): number {
    if (this.d === undefined) throw new ArilError('ERR_NOT_FITTED', 'Kmeans: the centroids are not set; call initialize(X), setCentroids() or fit() first')
    return this.d
  }
}

/**
 * The E-step of rows start…end−1: each row goes to its nearest centroid, adding Σw and Σw·x per
 * observed dimension into `p` (slots: Σw per (cluster, dim), then Σw·x, then Σw·distance²).
 * Returns the rows' weighted sum of squared distances.
 */
function assign (
  data: Float64Array, d: number, weights: Float64Array | undefined, centroids: Float64Array, norms: Float64Array, k: number,
  nearestOf: NearestKernel, p: Float64Array, start: number, end: number
): number {
  const xwAt = k * d
  const found = nearestRows.length >= end - start ? nearestRows : (nearestRows = new Int32Array(end - start))
  nearestOf(data, start, end, centroids, norms, found)
  let total = 0
  for (let r = start; r < end; r++) {
    const w = weights === undefined ? 1 : weights[r]!
    if (w === 0) continue
    const o = r * d
    const best = found[r - start]!
    if (best < 0) {
      total += assignIncomplete(data, o, d, w, centroids, norms, k, p)
      continue
    }
    let distance = 0
    // the distance to the chosen centroid, computed exactly
    for (let q = 0, c = best * d; q < d; q++, c++) {
      const x = data[o + q]!
      const diff = x - centroids[c]!
      distance += diff * diff
      p[c]! += w
      p[xwAt + c]! += w * x
    }
    p[2 * xwAt]! += w * distance
    total += w * distance
  }
  return total
}

/** An array or a typed array (a centroid row); anything else, whatever its `length`, is not. */
function isRow (value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
}

/**
 * A row the nearest-centroid kernels leave aside (a missing or an infinite value) added into `p`
 * as {@link assign} does; returns its w·distance².
 */
function assignIncomplete (data: Float64Array, o: number, d: number, w: number, centroids: Float64Array, norms: Float64Array, k: number, p: Float64Array): number {
  const xwAt = k * d
  let complete = true
  for (let q = 0; q < d; q++) if (data[o + q] !== data[o + q]) complete = false
  const best = complete ? nearestByScore(data, o, centroids, norms, k, d) : nearest(data, o, centroids, k, d)
  const distance = squaredDistance(data, o, centroids, best * d, d)
  for (let q = 0; q < d; q++) {
    const x = data[o + q]!
    if (x !== x) continue
    p[best * d + q]! += w
    p[xwAt + best * d + q]! += w * x
  }
  p[2 * xwAt]! += w * distance
  return w * distance
}

/**
 * {@link assign} through the WebAssembly kernel (nearest-centroid-wasm.ts): the run's rows are
 * copied into its memory, the statistics go in and out around it, and the rows it leaves aside
 * are added here in their turn. The same bits as `assign`.
 */
function assignWasm (
  kernel: NearestCentroidWasm, data: Float64Array, d: number, weights: Float64Array | undefined, centroids: Float64Array, norms: Float64Array, k: number,
  partial: Float64Array, start: number, end: number
): number {
  const { f64, i32 } = kernel
  const rows = end - start
  f64.set(data.subarray(start * d, end * d), kernel.data)
  if (weights !== undefined) f64.set(weights.subarray(start, end), kernel.weights)
  f64.set(centroids, kernel.centroids)
  f64.set(norms, kernel.norms)
  const p = f64.subarray(kernel.partial, kernel.partial + partial.length)
  p.set(partial)
  kernel.nearest(rows)
  const x = f64.subarray(kernel.data, kernel.data + rows * d)
  let total = 0
  for (let r = 0; ; r++) {
    total = kernel.accumulate(r, rows, weights === undefined ? 0 : 1, total)
    r = i32[kernel.stop]!
    if (r >= rows) break
    total += assignIncomplete(x, r * d, d, weights === undefined ? 1 : weights[start + r]!, centroids, norms, k, p)
  }
  partial.set(p)
  return total
}

/** Per run: the nearest centroid of each row, from {@link nearestKernel} (runs stay inside one block). */
let nearestRows = new Int32Array(BLOCK_ROWS)

/** The nearest centroid to the row at data[o…o+d) (the first one on ties). */
function nearest (data: Float64Array, o: number, centroids: Float64Array, k: number, d: number): number {
  let best = 0
  let bestDistance = Infinity
  for (let j = 0; j < k; j++) {
    const distance = squaredDistance(data, o, centroids, j * d, d)
    if (distance < bestDistance) {
      bestDistance = distance
      best = j
    }
  }
  return best
}

/** Squared Euclidean distance over the dimensions the row observes. */
function squaredDistance (data: Float64Array, o: number, centroids: Float64Array, c: number, d: number): number {
  let sum = 0
  for (let q = 0; q < d; q++) {
    const x = data[o + q]!
    if (x !== x) continue
    const diff = x - centroids[c + q]!
    sum += diff * diff
  }
  return sum
}

/** Keeps the centroids and History of the run of smallest inertia (pomegranate's `n_init`). */
class BestRun {
  private centroids: number[][] | undefined
  private history: History | undefined

  constructor (private readonly model: Kmeans) {}

  offer (history: History): void {
    if (this.history === undefined || history.logProbability > this.history.logProbability) {
      this.history = history
      this.centroids = this.model.parameters
    }
  }

  /** Puts the best centroids back; returns their History. */
  keep (): History {
    this.model.setCentroids(this.centroids!)
    return this.history!
  }
}

/** The last step of 'kmeans||': Lloyd's algorithm on the weighted candidates, as pomegranate. */
export function refineCentroids (candidates: Batch, start: number[][]): number[][] {
  return new Kmeans(start.length).setCentroids(start).fit(candidates, { maxIterations: 1000, stopThreshold: 1e-3 }).parameters
}

registerModel('Kmeans', Kmeans.fromJSON)

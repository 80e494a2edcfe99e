/**
 * How k-means, and the mixtures it initializes, choose their first centroids: pomegranate's four
 * methods ('first-k', 'random', 'kmeans++', 'kmeans||'), over rows in memory or over a stream too
 * big for memory, with the same result either way. Each method is a sequence of passes over the
 * data (train/pass.ts) that depends on the rows and the seed, never on the chunking:
 *
 * - the sample: a seeded uniform sample of `initRows` rows of the whole stream (core/row-sample.ts,
 *   one pass), or with `initSample: 'head'` the first `initRows` rows, which misleads on data
 *   sorted by cluster; 'random' and 'kmeans++' choose from it;
 * - 'first-k': the first k complete rows of the data;
 * - 'kmeans||' (Bahmani, Moseley, Vattani, Kumar & Vassilvitskii 2012, "Scalable k-means++"):
 *   over all rows, one pass for a first centre (drawn ∝ weight), `initRounds` passes that each keep
 *   every row with probability ℓ·w·d²/ψ (d² its squared distance to the nearest centre so far, ψ
 *   the pass's total Σ w·d², ℓ = `initOversampling`), one pass counting the weight nearest each
 *   candidate, then k-means++ and Lloyd's algorithm on the weighted candidates.
 *
 * A pass cannot know ψ before its end, so a row's draw u (from core/row-hash.ts) is turned into
 * the score ℓ·w·d²/u, the rows of the largest scores are kept, and at the end those above ψ are
 * the row's "u < ℓ·w·d²/ψ": Bahmani's rule exactly, in one pass per round. At most
 * 4ℓ + 32 rows are kept a round (about ℓ are expected).
 */
import { BLOCK_ROWS, BlockedSums } from '../core/accumulate.js'
import { sliceBatch, toBatch, type Batch } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { numberOption } from '../core/options.js'
import type { Random } from '../core/random.js'
import { rowUniform } from '../core/row-hash.js'
import { RowSample } from '../core/row-sample.js'
import type { Passes } from '../train/pass.js'
import { concatBatches } from '../train/rebatch.js'
import { nearestKernel, type NearestKernel } from './nearest-centroid.js'

/** How the first centroids are chosen (pomegranate's `init`). */
export type KmeansInit = 'kmeans++' | 'kmeans||' | 'random' | 'first-k'

/** Which rows 'random' and 'kmeans++' choose from: a uniform sample of all rows, or the first ones. */
export type InitSample = 'uniform' | 'head'

/** The initialization options of Kmeans and of the mixtures' `fromSamples` and `fromStream`. */
export interface InitOptions {
  /** `'kmeans++'` (default), `'kmeans||'`, `'random'` or `'first-k'`, as pomegranate. */
  init?: KmeansInit | undefined
  /** Initializations to try, keeping the best (default 1; 'first-k' always 1). */
  nInit?: number | undefined
  /** Seed of every random choice (default: random). */
  seed?: number | undefined
  /** Rows of the sample 'random' and 'kmeans++' choose from (default 10000). */
  initRows?: number | undefined
  /** `'uniform'` (default): a seeded uniform sample of all rows, in one pass; `'head'`: the first `initRows` rows. */
  initSample?: InitSample | undefined
  /** 'kmeans||': oversampling passes (default 5). */
  initRounds?: number | undefined
  /** 'kmeans||': rows expected per pass, ℓ (default 2k). */
  initOversampling?: number | undefined
}

/** The keys of {@link InitOptions}. */
export const INIT_OPTION_KEYS = ['init', 'nInit', 'seed', 'initRows', 'initSample', 'initRounds', 'initOversampling'] as const

/** {@link InitOptions} checked, with every default filled in. */
export interface InitSettings {
  readonly init: KmeansInit
  readonly runs: number
  readonly seed: number
  readonly rows: number
  readonly sample: InitSample
  readonly rounds: number
  readonly oversampling: number
}

const METHODS: readonly KmeansInit[] = ['kmeans++', 'kmeans||', 'random', 'first-k']

function wholeNumber (options: object, name: string, fallback: number, min: number): number {
  const value = numberOption(options, name, fallback, min)
  if (!Number.isInteger(value)) invalidOption(name, `a whole number >= ${min}`, value)
  return value
}

/**
 * Normalizes the initialization options once.
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 */
export function initSettings (options: InitOptions, k: number): InitSettings {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  const init = options.init ?? 'kmeans++'
  if (!METHODS.includes(init)) invalidOption('init', METHODS.map(m => `'${m}'`).join(', '), init)
  const sample = options.initSample ?? 'uniform'
  if (sample !== 'uniform' && sample !== 'head') invalidOption('initSample', "'uniform' or 'head'", sample)
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) invalidOption('seed', 'an integer', options.seed)
  return {
    init,
    runs: init === 'first-k' ? 1 : wholeNumber(options, 'nInit', 1, 1),
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    rows: wholeNumber(options, 'initRows', 10000, k),
    sample,
    rounds: wholeNumber(options, 'initRounds', 5, 1),
    oversampling: numberOption(options, 'initOversampling', 2 * k, 1)
  }
}

/**
 * The epoch log's note when the first-rows sample (`initRows` rows) was smaller than a pass, or
 * undefined.
 */
export function headNote (headRows: number | undefined, passRows: number): string | undefined {
  if (headRows === undefined || passRows <= headRows) return undefined
  return `the initialization looked at the first ${headRows} of ${passRows} rows only (initSample: 'head'); on data sorted or grouped by cluster use initSample: 'uniform', a sample of all rows`
}

/** Whether the method chooses from the sample ('random', 'kmeans++'). */
export function usesSample (settings: InitSettings): boolean {
  return settings.init === 'random' || settings.init === 'kmeans++'
}

/**
 * The rows 'random' and 'kmeans++' choose from, in stream order: a uniform sample of `initRows`
 * rows of weight > 0 (seeded by `seed`), or the first `initRows` rows.
 */
export function * initialSample (settings: InitSettings): Passes<Batch> {
  if (settings.sample === 'uniform') {
    const sample = new RowSample(settings.rows, settings.seed)
    yield (batch, firstRow) => { sample.add(batch, firstRow) }
    return sample.result()
  }
  const head: Batch[] = []
  let held = 0
  yield batch => {
    head.push(held + batch.rows > settings.rows ? sliceBatch(batch, 0, settings.rows - held) : batch)
    held += head.at(-1)!.rows
    return held < settings.rows
  }
  return head.length === 0 ? toBatch([]) : concatBatches(head)
}

/**
 * Refines weighted candidates to k centroids by Lloyd's algorithm, starting from `start` (the
 * last step of 'kmeans||'; Kmeans supplies it, so this file does not depend on the model).
 */
export type Refine = (candidates: Batch, start: number[][]) => number[][]

/**
 * The first k centroids by the chosen method: from the sample ('random', 'kmeans++'), from the
 * first complete rows ('first-k', one pass that stops early), or by k-means|| over all rows.
 * @throws ArilError `ERR_INVALID_INPUT` when there are fewer than k distinct complete rows of positive weight
 */
export function * initialCentroids (k: number, sample: Batch, settings: InitSettings, random: Random, refine: Refine): Passes<number[][]> {
  switch (settings.init) {
    case 'random': return randomRows(sample, k, random)
    case 'kmeans++': return kmeansPlusPlus(sample, k, random)
    case 'first-k': return yield * firstK(k)
    default: return yield * kmeansParallel(k, settings, random, refine)
  }
}

/** The first k complete rows of weight > 0 (pomegranate reads missing values as 0 instead). */
function * firstK (k: number): Passes<number[][]> {
  const found: number[][] = []
  yield batch => {
    for (const r of completeRows(batch)) {
      if (found.length === k) break
      found.push(rowOf(batch, r))
    }
    return found.length < k
  }
  if (found.length < k) tooFew(k, found.length)
  return found
}

/** k distinct complete rows drawn without replacement with probability ∝ weight (pomegranate's 'random'). */
function randomRows (batch: Batch, k: number, random: Random): number[][] {
  const rows = completeRows(batch)
  const weight = rows.map(r => batch.weights === undefined ? 1 : batch.weights[r]!)
  const chosen: number[][] = []
  for (let j = 0; j < k; j++) {
    const pick = draw(weight, random)
    if (pick < 0) tooFew(k, chosen.length)
    chosen.push(rowOf(batch, rows[pick]!))
    weight[pick] = 0
  }
  return chosen
}

/** An index drawn with probability ∝ score, or −1 when every score is 0. */
function draw (score: ArrayLike<number>, random: Random): number {
  let total = 0
  for (let i = 0; i < score.length; i++) total += score[i]!
  if (!(total > 0)) return -1
  let u = random.uniform() * total
  let pick = 0
  while (pick < score.length - 1 && (u -= score[pick]!) >= 0) pick++
  while (!(score[pick]! > 0)) pick-- // u landed on the rounding slack after the last positive score
  return pick
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007): the first centroid is a complete row drawn with
 * probability ∝ its weight, each next one a row drawn with probability ∝ weight × squared
 * distance to the nearest centroid chosen so far.
 *
 * @throws ArilError `ERR_INVALID_INPUT` when there are fewer than k distinct complete rows of positive weight
 * @example
 * ```ts
 * kmeansPlusPlus(toBatch([[0], [1], [10]]), 2, new Random(1)) // two of the rows
 * ```
 */
export function kmeansPlusPlus (batch: Batch, k: number, random: Random): number[][] {
  const { data, cols: d, weights } = batch
  const rows = completeRows(batch)
  const weight = Float64Array.from(rows, r => weights === undefined ? 1 : weights[r]!)
  const distance = new Float64Array(rows.length).fill(Infinity)
  const chosen: number[][] = []
  let score = weight
  for (let j = 0; j < k; j++) {
    const pick = draw(score, random)
    if (pick < 0) tooFew(k, chosen.length)
    const centre = rowOf(batch, rows[pick]!)
    chosen.push(centre)
    score = new Float64Array(rows.length)
    for (let i = 0; i < rows.length; i++) {
      distance[i] = Math.min(distance[i]!, squaredDistance(data, rows[i]! * d, centre, d))
      score[i] = weight[i]! * distance[i]!
    }
  }
  return chosen
}

/** k-means|| (see the file's opening comment): passes over all rows, then the weighted candidates refined to k. */
function * kmeansParallel (k: number, settings: InitSettings, random: Random, refine: Refine): Passes<number[][]> {
  const first = random.uint32()
  let best = Infinity
  let bestRow = -1
  let centre: number[] | undefined
  // The first centre: the row of smallest −log(u)/w, a draw ∝ weight (an exponential race).
  yield (batch, firstRow) => {
    for (const r of completeRows(batch)) {
      const w = batch.weights === undefined ? 1 : batch.weights[r]!
      const key = -Math.log(1 - rowUniform(first, firstRow + r)) / w
      if (key < best || (key === best && firstRow + r < bestRow)) [best, bestRow, centre] = [key, firstRow + r, rowOf(batch, r)]
    }
  }
  if (centre === undefined) tooFew(k, 0)
  const centres: number[][] = [centre]
  const l = settings.oversampling
  for (let round = 0; round < settings.rounds; round++) {
    const salt = random.uint32()
    const cost = new BlockedSums(1)
    const kept = new TopScores(Math.ceil(4 * l) + 32)
    const nearest = new Nearest(centres)
    yield (batch, firstRow) => {
      const { data, cols: d, weights } = batch
      cost.runs(batch.rows, (start, end) => {
        const found = nearest.rows(data, start, end)
        let sum = cost.partial[0]!
        for (let r = start; r < end; r++) {
          const w = weights === undefined ? 1 : weights[r]!
          if (w === 0) continue
          const complete = found[r - start]! >= 0
          const d2 = nearest.distance(data, r * d, found[r - start]!)
          sum += w * d2
          if (d2 > 0 && complete) kept.offer(l * w * d2 / (1 - rowUniform(salt, firstRow + r)), firstRow + r, batch, r)
        }
        cost.partial[0] = sum
      })
    }
    const psi = cost.values()[0]!
    if (!(psi > 0)) break // every row sits on a centre
    centres.push(...kept.above(psi))
  }
  const mass = new BlockedSums(centres.length)
  const nearest = new Nearest(centres)
  yield batch => {
    const { data, cols: d, weights } = batch
    mass.runs(batch.rows, (start, end) => {
      const found = nearest.rows(data, start, end)
      for (let r = start; r < end; r++) {
        const w = weights === undefined ? 1 : weights[r]!
        const j = found[r - start]!
        if (w !== 0) mass.partial[j >= 0 ? j : nearest.index(data, r * d)] += w
      }
    })
  }
  const d = centre.length
  const candidates: Batch = { data: Float64Array.from(centres.flat()), rows: centres.length, cols: d, weights: Float64Array.from(mass.values()) }
  return refine(candidates, kmeansPlusPlus(candidates, k, random))
}

/** The rows of the largest scores offered, up to a capacity (a min-heap), and their row indices. */
class TopScores {
  private readonly items: Array<{ score: number; row: number; values: number[] }> = []

  constructor (private readonly capacity: number) {}

  /** Offers row r of a batch (row `row` of the stream) with its score. */
  offer (score: number, row: number, batch: Batch, r: number): void {
    const items = this.items
    if (items.length === this.capacity) {
      if (!(score > items[0]!.score)) return
      items[0] = { score, row, values: rowOf(batch, r) }
      this.siftDown()
      return
    }
    items.push({ score, row, values: rowOf(batch, r) })
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (!(items[i]!.score < items[parent]!.score)) break
      ;[items[i], items[parent]] = [items[parent]!, items[i]!]
      i = parent
    }
  }

  private siftDown (): void {
    const items = this.items
    for (let i = 0; ;) {
      const left = 2 * i + 1
      let low = i
      if (left < items.length && items[left]!.score < items[low]!.score) low = left
      if (left + 1 < items.length && items[left + 1]!.score < items[low]!.score) low = left + 1
      if (low === i) return
      ;[items[i], items[low]] = [items[low]!, items[i]!]
      i = low
    }
  }

  /** The kept rows whose score is above `threshold`, in stream order. */
  above (threshold: number): number[][] {
    return this.items.filter(item => item.score > threshold).sort((a, b) => a.row - b.row).map(item => item.values)
  }
}

/** Rows with every value observed and a positive weight: the candidates for centroids. */
export function completeRows (batch: Batch): number[] {
  const { data, cols, weights } = batch
  const out: number[] = []
  for (let r = 0; r < batch.rows; r++) {
    if (weights !== undefined && !(weights[r]! > 0)) continue
    if (complete(data, r * cols, cols)) out.push(r)
  }
  return out
}

function complete (data: Float64Array, o: number, d: number): boolean {
  for (let q = 0; q < d; q++) if (data[o + q] !== data[o + q]) return false
  return true
}

function rowOf (batch: Batch, r: number): number[] {
  return Array.from(batch.data.subarray(r * batch.cols, (r + 1) * batch.cols))
}

/** Squared Euclidean distance from the row at data[o…o+d) to a centre, over the row's observed dimensions. */
function squaredDistance (data: Float64Array, o: number, centre: readonly number[], d: number): number {
  let sum = 0
  for (let q = 0; q < d; q++) {
    const x = data[o + q]!
    if (x === x) sum += (x - centre[q]!) * (x - centre[q]!)
  }
  return sum
}

/**
 * The nearest of a set of centres for rows of a batch: complete rows by the nearest-centroid
 * kernel Kmeans uses (|c|² − 2·x·c, see nearest-centroid.ts), rows with missing values by the
 * squared distance over their observed dimensions.
 */
class Nearest {
  private readonly flat: Float64Array
  private readonly norms: Float64Array
  private readonly kernel: NearestKernel
  private found = new Int32Array(BLOCK_ROWS)

  constructor (private readonly centres: readonly number[][]) {
    const d = centres[0]!.length
    this.flat = Float64Array.from(centres.flat())
    this.norms = Float64Array.from(centres, c => c.reduce((a, v) => a + v * v, 0))
    this.kernel = nearestKernel(centres.length, d)
  }

  /** The nearest centre of rows start…end−1 (at [r − start]), or −1 for a row with a missing value. */
  rows (data: Float64Array, start: number, end: number): Int32Array {
    if (this.found.length < end - start) this.found = new Int32Array(end - start)
    this.kernel(data, start, end, this.flat, this.norms, this.found)
    return this.found
  }

  /** The squared distance of the row at data[o…] to centre j over its observed dimensions (j < 0: to the nearest). */
  distance (data: Float64Array, o: number, j: number): number {
    return squaredDistance(data, o, this.centres[j >= 0 ? j : this.index(data, o)]!, this.centres[0]!.length)
  }

  /** The nearest centre by the squared distance over the row's observed dimensions (the first on ties). */
  index (data: Float64Array, o: number): number {
    let best = 0
    let bestDistance = Infinity
    for (let j = 0; j < this.centres.length; j++) {
      const distance = squaredDistance(data, o, this.centres[j]!, this.centres[0]!.length)
      if (distance < bestDistance) [best, bestDistance] = [j, distance]
    }
    return best
  }
}

function tooFew (k: number, found: number): never {
  throw new ArilError('ERR_INVALID_INPUT', `Kmeans: expected at least ${k} distinct complete rows with positive weight to choose centroids from, got ${found}`)
}

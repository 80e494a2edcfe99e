/**
 * What a plot needs from data too big for memory, in one streamed pass: a histogram of one column
 * whose bins grow to cover the data as it comes, and a uniform sample of rows for scatter plots.
 *
 * The histogram's bins have a width w = 2^e and edges at the multiples of w. When the data spread
 * over more than `maxBins` bins, w doubles and pairs of neighbouring bins merge (their edges stay
 * aligned), so the counts are exact for the final bins, the same for any chunking of the rows
 * (the first value sets the finest width), and memory is `maxBins` numbers. The sample is Vitter's Algorithm R with the seeded generator,
 * so the same data and seed give the same points.
 */
import type { Batch } from '../core/batch.js'
import { invalidOption } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { Random } from '../core/random.js'

/** A histogram: bin `i` covers [start + i·width, start + (i+1)·width); `counts` are weighted. */
export interface Histogram {
  start: number
  width: number
  counts: number[]
  /** Total weight counted (missing values are not counted). */
  total: number
  /** The smallest and largest values seen. */
  min: number
  max: number
}

/**
 * Counts one column of batches into bins that widen as the data spread (see the file's comment).
 * @example
 * ```ts
 * const h = new StreamingHistogram({ maxBins: 64 })
 * for await (const batch of readNpy('x.npy')) h.add(batch)
 * h.result().counts.length // <= 64
 * ```
 */
export class StreamingHistogram {
  private readonly maxBins: number
  private readonly column: number
  private exponent = 0
  /** Index of the first bin (its left edge is first·2^exponent) and the counts from there. */
  private first = 0
  private counts: number[] = []
  private total = 0
  private min = Infinity
  private max = -Infinity

  constructor (options: { maxBins?: number; column?: number } = {}) {
    checkKeys(options, ['maxBins', 'column'], 'StreamingHistogram')
    this.maxBins = options.maxBins ?? 60
    this.column = options.column ?? 0
    if (!Number.isInteger(this.maxBins) || this.maxBins < 2) invalidOption('bins', 'a whole number >= 2', this.maxBins)
    if (!Number.isInteger(this.column) || this.column < 0) invalidOption('column', 'a 0-based column index', this.column)
  }

  /** Adds the chosen column of a batch (weighted by the batch's weights). */
  add (batch: Batch): void {
    const { data, rows, cols, weights } = batch
    if (this.column >= cols) invalidOption('column', `a column index below ${cols}`, this.column)
    for (let r = 0; r < rows; r++) {
      const x = data[r * cols + this.column]!
      if (!Number.isFinite(x)) continue
      this.addValue(x, weights === undefined ? 1 : weights[r]!)
    }
  }

  private addValue (x: number, weight: number): void {
    if (this.counts.length === 0) {
      // The first value fixes the finest width worth keeping: a millionth of its magnitude.
      this.exponent = Math.floor(Math.log2(Math.max(Math.abs(x), 1e-300) * 1e-6))
      this.first = this.index(x)
      this.counts = [0]
    }
    let i = this.index(x)
    while (i < this.first - this.maxBins || i >= this.first + this.maxBins + this.counts.length) {
      this.widen()
      i = this.index(x)
    }
    while (i < this.first) {
      this.counts.unshift(0)
      this.first--
    }
    while (i >= this.first + this.counts.length) this.counts.push(0)
    while (this.counts.length > this.maxBins) {
      this.widen()
      i = this.index(x)
    }
    this.counts[i - this.first]! += weight
    this.total += weight
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
  }

  private index (x: number): number {
    return Math.floor(x / 2 ** this.exponent)
  }

  /** Doubles the width: bins 2j and 2j+1 become bin j. */
  private widen (): void {
    const first = Math.floor(this.first / 2)
    const last = Math.floor((this.first + this.counts.length - 1) / 2)
    const merged = new Array<number>(last - first + 1).fill(0)
    this.counts.forEach((c, k) => { merged[Math.floor((this.first + k) / 2) - first]! += c })
    this.exponent++
    this.first = first
    this.counts = merged
  }

  /** The bins counted so far (no bins before the first value). */
  result (): Histogram {
    const width = 2 ** this.exponent
    return { start: this.first * width, width, counts: this.counts.slice(), total: this.total, min: this.min, max: this.max }
  }
}

/**
 * A uniform random sample of at most `size` rows of a stream (reservoir sampling, seeded).
 * @example
 * ```ts
 * const s = new RowSample(1000, { seed: 1 })
 * for await (const batch of readNpy('xy.npy')) s.add(batch)
 * s.rows() // => [[x, y], ...] (1000 rows)
 * ```
 */
export class RowSample {
  private readonly kept: number[][] = []
  private seen = 0
  private readonly random: Random

  constructor (private readonly size: number, options: { seed?: number; columns?: readonly number[] } = {}) {
    checkKeys(options, ['seed', 'columns'], 'RowSample')
    if (!Number.isInteger(size) || size < 1) invalidOption('sample', 'a whole number >= 1', size)
    this.random = new Random(options.seed ?? 1)
    this.columns = options.columns
  }

  private readonly columns: readonly number[] | undefined

  /** Offers every row of a batch to the sample. */
  add (batch: Batch): void {
    const { data, rows, cols } = batch
    const columns = this.columns ?? Array.from({ length: cols }, (_, c) => c)
    for (let r = 0; r < rows; r++) {
      const i = this.seen++
      const slot = i < this.size ? i : Math.floor(this.random.uniform() * (i + 1))
      if (slot < this.size) this.kept[slot] = columns.map(c => data[r * cols + c]!)
    }
  }

  /** The rows kept (in reservoir order). */
  rows (): number[][] {
    return this.kept.slice()
  }

  /** Rows offered so far. */
  get count (): number {
    return this.seen
  }
}

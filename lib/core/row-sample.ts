/**
 * A seeded uniform sample of a stream's rows in one pass, the same rows whatever the chunking:
 * bottom-m sampling (a "KMV" or priority sample without weights; Cohen & Kaplan 2007, "Summarizing
 * data using bottom-k sketches"). Every row gets the key `rowUniform(seed, row index)` and the m
 * rows of smallest key are kept in a max-heap, so each m-subset of the rows is equally likely and
 * the kept rows depend on the row indices and the seed only. The sample is returned in row order,
 * so a stream of at most m rows gives back all of it, as the in-memory data.
 */
import type { Batch, Key } from './batch.js'
import { rowUniform } from './row-hash.js'

/**
 * Collects a uniform sample of `size` rows (of weight > 0) from batches visited in stream order.
 * @example
 * ```ts
 * const sample = new RowSample(1000, 7)
 * for await (const batch of readNpy('big.npy')) sample.add(batch, rowsSoFar) // firstRow: the batch's place in the stream
 * sample.result() // a Batch of 1000 rows, the same for any chunking of big.npy
 * ```
 */
export class RowSample {
  private cols = -1
  private data = new Float64Array(0)
  private weights = new Float64Array(0)
  private weighted = false
  /** Raw values of columns that were categorical in some batch, per slot. */
  private categories: Array<Array<Key | null> | undefined> = []
  private readonly keys: Float64Array
  private readonly rows: Float64Array
  /** Max-heap of slots by (key, row). */
  private readonly heap: Int32Array
  private count = 0

  constructor (readonly size: number, readonly seed: number) {
    this.keys = new Float64Array(size)
    this.rows = new Float64Array(size)
    this.heap = new Int32Array(size)
  }

  /** Offers every row of weight > 0 of a batch whose first row is row `firstRow` of the stream. */
  add (batch: Batch, firstRow: number): void {
    const { size } = this
    if (size === 0) return
    if (this.cols < 0) {
      this.cols = batch.cols
      this.data = new Float64Array(size * batch.cols)
      this.weights = new Float64Array(size)
    }
    for (let r = 0; r < batch.rows; r++) {
      const w = batch.weights === undefined ? 1 : batch.weights[r]!
      if (!(w > 0)) continue
      const row = firstRow + r
      const key = rowUniform(this.seed, row)
      let slot: number
      if (this.count < size) {
        slot = this.count++
        this.heap[slot] = slot
        this.keys[slot] = key
        this.rows[slot] = row
        this.siftUp(slot)
      } else {
        slot = this.heap[0]!
        if (key >= this.keys[slot]!) continue
        this.keys[slot] = key
        this.rows[slot] = row
        this.siftDown(0)
      }
      this.store(slot, batch, r, w)
    }
  }

  private store (slot: number, batch: Batch, r: number, w: number): void {
    const { cols } = this
    this.data.set(batch.data.subarray(r * cols, (r + 1) * cols), slot * cols)
    this.weights[slot] = w
    if (w !== 1) this.weighted = true
    for (let c = 0; c < cols; c++) {
      const raw = batch.categories?.[c]
      if (raw === undefined && this.categories[c] === undefined) continue
      // a column first categorical in a later batch keeps the numbers its earlier rows held
      const column = (this.categories[c] ??= Array.from({ length: this.size }, (_, s) => this.number(s, c)))
      column[slot] = raw !== undefined ? raw[r]! : this.number(slot, c)
    }
  }

  private number (slot: number, column: number): number | null {
    const x = this.data[slot * this.cols + column]!
    return x === x ? x : null
  }

  /** The sampled rows in stream order (with their weights when some differ from 1). */
  result (): Batch {
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => this.rows[a]! - this.rows[b]!)
    const cols = Math.max(0, this.cols)
    const data = new Float64Array(order.length * cols)
    order.forEach((slot, i) => data.set(this.data.subarray(slot * cols, (slot + 1) * cols), i * cols))
    const categories = this.categories.length === 0
      ? undefined
      : Array.from({ length: cols }, (_, c) => this.categories[c] === undefined ? undefined : order.map(slot => this.categories[c]![slot]!))
    return {
      data,
      rows: order.length,
      cols,
      weights: this.weighted ? Float64Array.from(order, slot => this.weights[slot]!) : undefined,
      categories
    }
  }

  /** The row indices of the sample, in stream order. */
  rowIndices (): number[] {
    return Array.from(this.rows.subarray(0, this.count)).sort((a, b) => a - b)
  }

  private above (a: number, b: number): boolean {
    const ka = this.keys[a]!
    const kb = this.keys[b]!
    return ka > kb || (ka === kb && this.rows[a]! > this.rows[b]!)
  }

  private siftUp (i: number): void {
    const heap = this.heap
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.above(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  private siftDown (i: number): void {
    const heap = this.heap
    const n = this.count
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let top = i
      if (left < n && this.above(heap[left]!, heap[top]!)) top = left
      if (right < n && this.above(heap[right]!, heap[top]!)) top = right
      if (top === i) return
      ;[heap[i], heap[top]] = [heap[top]!, heap[i]!]
      i = top
    }
  }
}

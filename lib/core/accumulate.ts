/**
 * The only place where statistics are added up.
 *
 * Algorithm: rows are summed sequentially inside fixed blocks of {@link BLOCK_ROWS} rows aligned
 * to the row index of the summarized stream (block k holds rows k·B … (k+1)·B−1); a block that a
 * chunk boundary cuts is carried into the next chunk. Each finished block is added *exactly* into
 * a non-overlapping floating-point expansion (Shewchuk 1997, "Adaptive precision floating-point
 * arithmetic", the `msum` of Python's `math.fsum`), and a total is read by rounding the expansion
 * correctly (round-half-even, as `fsum` does). Exact addition is associative, so neither chunk
 * sizes nor the order in which blocks or merged summaries arrive can change a single bit.
 *
 * Inside a block, running sums are kept in two lanes (row i of the block goes to lane i mod 2,
 * added in row order) so the hot loop is not bound by the latency of one chain of additions; the
 * lanes are combined in a fixed order at the flush, so this too is the same for any chunking.
 * (Two lanes, not four: four lanes' running sums and temporaries do not fit V8's registers, and
 * the spills made that loop slower than a plain one.)
 *
 * Second moments are summed around a per-block shift (the block's first observed value of
 * non-zero weight) and moved to the origin exactly when the block is flushed, so the variance of
 * data far from zero keeps its precision: `W·Σwx² − (Σwx)²` is formed exactly from the expansions.
 */

import { crossProductsKernel, type CrossProductsKernel } from './cross-products-kernel.js'
import { completeSlots, crossProductsWasm, type CrossProductsIn, type CrossProductsWasm } from './cross-products-wasm.js'

/**
 * Rows per block. Shards summarized separately and merged must start on a multiple of this.
 * @example
 * ```ts
 * // Two workers: rows [0, 8 * BLOCK_ROWS) and [8 * BLOCK_ROWS, n); merged, the same bits as one pass.
 * const a = new NormalDistribution(); a.summarize(X.subarray(0, 8 * BLOCK_ROWS))
 * const b = new NormalDistribution(); b.summarize(X.subarray(8 * BLOCK_ROWS))
 * a.mergeSummary(b.summary()).fromSummaries()
 * ```
 */
export const BLOCK_ROWS = 1024

/** Lanes of a running sum inside a block (row i of a block goes to lane i mod LANES). */
export const LANES = 2
/** Partial slots of one column of moments: LANES lanes each of Σw, Σw·(x−k) and Σw·(x−k)². */
const MOMENT_PARTIALS = 3 * LANES

const SPLITTER = 134217729 // 2^27 + 1, Dekker's splitting constant

/** A number encoded for JSON: non-finite values become strings. */
export type EncodedNumber = number | 'NaN' | 'Infinity' | '-Infinity'

/** Encodes a number so that JSON keeps NaN and infinities. */
export function encodeNumber (x: number): EncodedNumber {
  if (Number.isFinite(x)) return x
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
}

/** The inverse of {@link encodeNumber}; anything else decodes to NaN. */
export function decodeNumber (x: unknown): number {
  if (typeof x === 'number') return x
  if (x === 'Infinity') return Infinity
  if (x === '-Infinity') return -Infinity
  return NaN
}

/**
 * An exact running sum of doubles: a list of non-overlapping partials in increasing magnitude.
 * Non-finite inputs are kept apart and win over the finite total, as in `fsum`.
 * @example
 * ```ts
 * const s = new ExactSum()
 * for (const x of [1e100, 1, -1e100]) s.add(x)
 * s.value() // => 1 (a plain loop gives 0)
 * ```
 */
export class ExactSum {
  /** partials[0 … count−1]; entries beyond are stale (shrinking a JS array's length is slow). */
  private partials: number[] = []
  private count = 0
  private special = 0

  /** Adds x exactly. */
  add (x: number): void {
    if (x - x !== 0) {
      this.special += x
      return
    }
    const p = this.partials
    const n = this.count
    let i = 0
    for (let j = 0; j < n; j++) {
      // Knuth's two-sum: hi + lo == x + y exactly, with no comparison of magnitudes.
      const y = p[j]!
      const hi = x + y
      const yVirtual = hi - x
      const lo = (x - (hi - yVirtual)) + (y - yVirtual)
      if (lo !== 0) p[i++] = lo
      x = hi
    }
    if (x !== 0 || i === 0) p[i++] = x
    this.count = i
  }

  /** Adds the exact product a·b (Dekker's two-product; no rounding). */
  addProduct (a: number, b: number): void {
    const p = a * b
    if (!Number.isFinite(p) || !Number.isFinite(a) || !Number.isFinite(b)) {
      this.add(p)
      return
    }
    this.add(p)
    this.add(productError(a, b, p))
  }

  /** Adds every partial of another exact sum (exactly). */
  addSum (other: ExactSum, scale = 1): void {
    for (const x of other.parts()) this.addProduct(x, scale)
    this.special += other.special * scale
  }

  /** Adds the exact product of two exact sums. */
  addSumProduct (a: ExactSum, b: ExactSum, scale = 1): void {
    for (const x of a.parts()) for (const y of b.parts()) this.addProduct(x * scale, y)
    if (a.special !== 0 || b.special !== 0) this.special += (a.value() * b.value()) * scale
  }

  /** Back to 0 (the partials' array is kept). */
  clear (): void {
    this.count = 0
    this.special = 0
  }

  /** The exact total rounded to the nearest double (ties to even). */
  value (): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special
    const p = this.partials
    let n = this.count
    if (n === 0) return 0
    let hi = p[--n]!
    let lo = 0
    while (n > 0) {
      const x = hi
      const y = p[--n]!
      hi = x + y
      const yr = hi - x
      lo = y - yr
      if (lo !== 0) break
    }
    // Round half-even across the remaining partials, as CPython's fsum does.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2
      const x = hi + y
      const yr = x - hi
      if (y === yr) hi = x
    }
    return hi
  }

  /** True when nothing but zeros has been added. */
  get isZero (): boolean {
    return this.special === 0 && this.parts().every(x => x === 0)
  }

  private parts (): number[] {
    return this.partials.slice(0, this.count)
  }

  /** The partials, for a summary; `ExactSum.from` rebuilds the same sum. */
  toJSON (): EncodedNumber[] {
    const out: EncodedNumber[] = this.parts()
    if (this.special !== 0) out.push(encodeNumber(this.special))
    return out
  }

  /** Rebuilds a sum from {@link ExactSum.toJSON} (the partials are re-added, so any list is accepted). */
  static from (values: readonly unknown[]): ExactSum {
    const s = new ExactSum()
    for (const v of values) s.add(decodeNumber(v))
    return s
  }

  clone (): ExactSum {
    const s = new ExactSum()
    s.partials = this.parts()
    s.count = this.count
    s.special = this.special
    return s
  }
}

function productError (a: number, b: number, p: number): number {
  let t = SPLITTER * a
  const ahi = t - (t - a)
  const alo = a - ahi
  t = SPLITTER * b
  const bhi = t - (t - b)
  const blo = b - bhi
  return ((ahi * bhi - p) + ahi * blo + alo * bhi) + alo * blo
}

/** The state of a {@link BlockedSums} as plain JSON. */
export interface BlockedSumsSummary {
  blockRows: number
  rows: number
  pending: number
  partial: EncodedNumber[]
  shift: EncodedNumber[]
  sums: EncodedNumber[][]
}

/**
 * Sums of `slots` statistics over a stream of rows, exact across blocks and deterministic inside
 * them. A model adds each row's contributions into `partial` (in row order) inside the runs that
 * {@link BlockedSums.runs} hands it; everything else (block alignment, flushing, merging,
 * serializing) happens here.
 *
 * With `moments` set, slots come in triples `[Σw, Σw·x, Σw·x²]` per column (use
 * {@link sumMoments} to add rows): inside a block `partial` holds, per column, two lanes each of
 * Σw, Σw·(x−k) and Σw·(x−k)², where k is `shift[column]`, the block's first observed value;
 * the flush combines the lanes and moves the sums to the origin exactly.
 */
export class BlockedSums {
  /** Running sums of the current block, one per slot. Models add into these. */
  partial: Float64Array
  /** Per-column shifts of the current block (moments only); NaN until a value is seen. */
  shift: Float64Array
  /** Rows summarized so far (including merged ones). */
  rows = 0
  /** Rows of the current, unfinished block. */
  pending = 0
  private sums: ExactSum[]

  constructor (slots: number, readonly moments = false, readonly blockRows = BLOCK_ROWS) {
    this.partial = new Float64Array(moments ? slots / 3 * MOMENT_PARTIALS : slots)
    this.shift = new Float64Array(moments ? slots / 3 : 0).fill(NaN)
    this.sums = Array.from({ length: slots }, () => new ExactSum())
  }

  get slots (): number {
    return this.sums.length
  }

  /**
   * Adds slots (for statistics discovered as they appear, such as new categories). `partial` is a
   * view of a buffer that doubles when full, so adding n slots one by one costs O(n), not O(n²).
   */
  grow (slots: number): void {
    if (slots <= this.partial.length) return
    const buffer = this.partial.buffer
    if (slots * 8 <= buffer.byteLength && this.partial.byteOffset === 0) {
      this.partial = new Float64Array(buffer, 0, slots)
    } else {
      const partial = new Float64Array(Math.max(slots, 2 * this.partial.length))
      partial.set(this.partial)
      this.partial = partial.subarray(0, slots)
    }
    while (this.sums.length < slots) this.sums.push(new ExactSum())
  }

  /**
   * Splits `n` new rows into runs that stay inside one block and calls `visit(start, end)` for
   * each, in order; blocks that fill up are flushed. `visit` adds rows start…end−1 into `partial`.
   */
  runs (n: number, visit: (start: number, end: number) => void): void {
    let start = 0
    while (start < n) {
      const end = Math.min(n, start + this.blockRows - this.pending)
      visit(start, end)
      this.pending += end - start
      this.rows += end - start
      start = end
      if (this.pending === this.blockRows) this.flush()
    }
  }

  /** Moves the current block into the exact sums. */
  flush (): void {
    const { partial, sums } = this
    if (this.moments) {
      for (let c = 0; c < this.shift.length; c++) {
        const k = this.shift[c]!
        const at = c * MOMENT_PARTIALS
        const w = partial[at]! + partial[at + 1]!
        const s1 = partial[at + 2]! + partial[at + 3]!
        const s2 = partial[at + 4]! + partial[at + 5]!
        sums[3 * c]!.add(w)
        if (Number.isNaN(k)) continue
        sums[3 * c + 1]!.add(s1)
        sums[3 * c + 1]!.addProduct(w, k)
        sums[3 * c + 2]!.add(s2)
        sums[3 * c + 2]!.addProduct(2 * k, s1)
        const kk = k * k
        sums[3 * c + 2]!.addProduct(w, kk)
        if (Number.isFinite(kk)) sums[3 * c + 2]!.addProduct(w, productError(k, k, kk))
      }
      this.shift.fill(NaN)
    } else {
      for (let i = 0; i < partial.length; i++) sums[i]!.add(partial[i]!)
    }
    partial.fill(0)
    this.pending = 0
  }

  /** The exact sum of a slot including the unfinished block, without changing anything. */
  exact (slot: number): ExactSum {
    const copy = new BlockedSums(0, this.moments, this.blockRows)
    copy.load(this.summary())
    copy.flush()
    return copy.sums[slot]!
  }

  /** Exact sums of every slot including the unfinished block. */
  totals (): ExactSum[] {
    const copy = new BlockedSums(0, this.moments, this.blockRows)
    copy.load(this.summary())
    copy.flush()
    return copy.sums
  }

  /** False when an infinite value or an overflow reached a sum (the current block included). */
  finite (): boolean {
    for (const p of this.partial) if (p - p !== 0) return false
    return this.sums.every(s => Number.isFinite(s.value()))
  }

  /** Rounded totals of every slot. */
  values (): number[] {
    return this.totals().map(s => s.value())
  }

  /**
   * Exact totals of statistics kept in lanes by {@link sumInLanes}: entry i sums slots
   * 2i and 2i+1 (including the unfinished block).
   */
  laneTotals (): ExactSum[] {
    const totals = this.totals()
    return Array.from({ length: totals.length / LANES }, (_, i) => {
      const total = new ExactSum()
      for (let lane = 0; lane < LANES; lane++) total.addSum(totals[LANES * i + lane]!)
      return total
    })
  }

  clear (): void {
    this.partial.fill(0)
    this.shift.fill(NaN)
    for (const sum of this.sums) sum.clear()
    this.rows = 0
    this.pending = 0
  }

  summary (): BlockedSumsSummary {
    return {
      blockRows: this.blockRows,
      rows: this.rows,
      pending: this.pending,
      partial: Array.from(this.partial, encodeNumber),
      shift: Array.from(this.shift, encodeNumber),
      sums: this.sums.map(s => s.toJSON())
    }
  }

  /** Replaces the state with a summary's (a checkpoint restored exactly, partial block included). */
  load (s: BlockedSumsSummary): void {
    this.partial = Float64Array.from(s.partial, decodeNumber)
    this.shift = Float64Array.from(s.shift, decodeNumber)
    this.sums = s.sums.map(p => ExactSum.from(p))
    this.rows = s.rows
    this.pending = s.pending
  }

  /**
   * Adds another stream's sums. Into an empty accumulator this is an exact copy (the partial
   * block continues); otherwise the other's unfinished block is flushed as a block of its own,
   * which equals a one-shot pass when the other stream started on a block boundary.
   */
  merge (s: BlockedSumsSummary): void {
    if (this.rows === 0 && this.pending === 0) {
      this.load(s)
      return
    }
    const other = new BlockedSums(0, this.moments, this.blockRows)
    other.load(s)
    other.flush()
    if (!this.moments) this.grow(other.slots)
    for (let i = 0; i < other.sums.length; i++) this.sums[i]!.addSum(other.sums[i]!)
    this.rows += other.rows
  }

  /**
   * Adds another accumulator's sums and clears it: {@link BlockedSums.merge} of `other.summary()`
   * without the plain-JSON form in between, for a sequence model that closes a block of sequences
   * on every distribution many times per pass. The other's unfinished block is always flushed as a
   * block of its own (`merge` into an empty accumulator would continue it instead); either way
   * every block lands in the exact sums once, so the totals have the same bits, as long as no rows
   * are summarized into this accumulator directly afterwards.
   */
  absorb (other: BlockedSums): void {
    if (other.pending > 0) other.flush()
    if (!this.moments) this.grow(other.slots)
    for (let i = 0; i < other.sums.length; i++) this.sums[i]!.addSum(other.sums[i]!)
    this.rows += other.rows
    other.clear()
  }
}

/**
 * Checks that a value is a {@link BlockedSumsSummary} with the expected number of slots and block
 * size (`blockRows`: BLOCK_SEQUENCES for the sums of a sequence model); returns a message saying
 * what is wrong, or undefined.
 */
export function blockedSumsProblem (s: unknown, slots: number | undefined, moments: boolean, blockRows = BLOCK_ROWS): string | undefined {
  if (typeof s !== 'object' || s === null) return `expected an object, got ${typeof s}`
  const v = s as Partial<BlockedSumsSummary>
  if (v.blockRows !== blockRows) return `expected blocks of ${blockRows} rows, got ${String(v.blockRows)}`
  if (!Array.isArray(v.partial) || !Array.isArray(v.sums) || !Array.isArray(v.shift) ||
      v.partial.length !== (moments ? v.sums.length / 3 * MOMENT_PARTIALS : v.sums.length)) {
    return 'expected partial, shift and sums lists of matching lengths'
  }
  if (slots !== undefined && v.sums.length !== slots) return `expected ${slots} statistics, got ${v.sums.length}`
  if (moments ? v.shift.length * 3 !== v.sums.length : v.shift.length !== 0) return 'expected one shift per column of moments'
  if (!Number.isInteger(v.rows) || !Number.isInteger(v.pending) || v.pending! < 0 || v.pending! >= blockRows || v.rows! < v.pending!) {
    return 'expected whole row counts'
  }
  if (!v.sums.every(Array.isArray)) return 'expected lists of partial sums'
  return undefined
}

/**
 * Adds rows start…end−1 (one run of {@link BlockedSums.runs}) of one column into the moment slots
 * of `column`: the hot loop of every model with a mean and a variance. Values are read at
 * `values[offset + r·stride]`; NaN is missing, and so is a row of weight 0.
 *
 * Row r goes to lane (its position in the block) mod 2, whatever the chunking. The loops first
 * run without tests for missing values or zero weights: only a NaN value (or 0·∞) can make a sum
 * of squares NaN, and then the run is redone, row by row, with the tests. Otherwise the two give
 * the same bits: a skipped row would only add ±0 to a lane, and no lane sum is ever −0.
 */
export function sumMoments (
  acc: BlockedSums, column: number, values: Float64Array, stride: number, offset: number,
  weights: Float64Array | undefined, start: number, end: number
): void {
  const partial = acc.partial
  const at = column * MOMENT_PARTIALS
  let k = acc.shift[column]!
  let r = start
  if (k !== k) {
    // The shift is the block's first value that counts: observed, with a weight other than 0.
    for (; r < end; r++) {
      const x = values[offset + r * stride]!
      if (x === x && (weights === undefined || weights[r] !== 0)) break
    }
    if (r < end) k = values[offset + r * stride]!
  }
  acc.shift[column] = k
  // The lane of row r is its position in the block mod LANES; the run starts at `pending`.
  const base = acc.pending - start
  if (sumLanes(partial, at, values, stride, offset, weights, k, base, r, end)) return
  const lanes = scratch
  lanes.set(partial.subarray(at, at + MOMENT_PARTIALS))
  for (; r < end; r++) {
    const w = weights === undefined ? 1 : weights[r]!
    if (w === 0) continue
    const x = values[offset + r * stride]!
    if (x !== x) continue
    const lane = (base + r) & (LANES - 1)
    const d = x - k
    const wd = w * d
    lanes[lane] += w
    lanes[LANES + lane] += wd
    lanes[2 * LANES + lane] += wd * d
  }
  partial.set(lanes, at)
}

const scratch = new Float64Array(MOMENT_PARTIALS)

/**
 * Adds rows start…end−1 (one run of {@link BlockedSums.runs}) of `values`, times `weights` when
 * given, into the two slots `at`, `at+1` of `acc.partial`: row r goes to lane (its position in
 * the block) mod 2, so the bits do not depend on the chunking, and two independent sums run at
 * about twice the speed of one. A row of weight 0 adds nothing, even where its value is infinite
 * or NaN. Read the totals with {@link BlockedSums.laneTotals}.
 *
 * @example
 * ```ts
 * const acc = new BlockedSums(4)
 * const values = Float64Array.of(1, 2, 3, 4, 5)
 * acc.runs(5, (start, end) => sumInLanes(acc, 0, values, undefined, start, end))
 * acc.laneTotals()[0].value() // => 15
 * ```
 */
export function sumInLanes (acc: BlockedSums, at: number, values: Float64Array, weights: Float64Array | undefined, start: number, end: number): void {
  const partial = acc.partial
  const base = acc.pending - start
  let r = start
  // A run that starts in lane 1 takes its first row there, so the loops start in lane 0.
  if (r < end && ((base + r) & 1) !== 0) partial[at + 1]! += weighted(values, weights, r++)
  let s0 = partial[at]!; let s1 = partial[at + 1]!
  if (weights === undefined) {
    for (; r + 4 <= end; r += 4) {
      s0 += values[r]!; s1 += values[r + 1]!; s0 += values[r + 2]!; s1 += values[r + 3]!
    }
  } else {
    for (; r + 2 <= end; r += 2) {
      s0 += weighted(values, weights, r); s1 += weighted(values, weights, r + 1)
    }
  }
  for (let lane = 0; r < end; r++, lane ^= 1) {
    if (lane === 0) s0 += weighted(values, weights, r)
    else s1 += weighted(values, weights, r)
  }
  partial[at] = s0; partial[at + 1] = s1
}

function weighted (values: Float64Array, weights: Float64Array | undefined, r: number): number {
  if (weights === undefined) return values[r]!
  const w = weights[r]!
  return w === 0 ? 0 : w * values[r]!
}

/**
 * The fast path of {@link sumMoments}: rows r…end−1 in lanes, without tests. Returns false,
 * storing nothing, when a sum of squares came out NaN (a missing value, or 0·∞ in a row of
 * weight 0), so the caller redoes the run with the tests.
 */
function sumLanes (partial: Float64Array, at: number, values: Float64Array, stride: number, offset: number, weights: Float64Array | undefined, k: number, base: number, r: number, end: number): boolean {
  let w0 = partial[at]!; let w1 = partial[at + 1]!
  let a0 = partial[at + 2]!; let a1 = partial[at + 3]!
  let b0 = partial[at + 4]!; let b1 = partial[at + 5]!
  // A run that starts in lane 1 takes its first row there, so the loops start in lane 0.
  if (r < end && ((base + r) & 1) !== 0) {
    const w = weights === undefined ? 1 : weights[r]!
    const d = values[offset + r * stride]! - k
    const wd = w * d
    w1 += w; a1 += wd; b1 += wd * d
    r++
  }
  if (weights === undefined) {
    // Each lane's Σw grows by one per row: counted once after the loop. That gives the bits of
    // adding 1 row by row while the lane sums are whole numbers below 2^52; an earlier weighted
    // run can leave fractions, and then the row-by-row path runs instead.
    if (!(wholeCount(w0) && wholeCount(w1))) return false
    const first = r
    // Four rows a turn, two per lane, still in row order within each lane.
    for (let i = offset + r * stride; r + 4 <= end; r += 4, i += 4 * stride) {
      let d0 = values[i]! - k
      let d1 = values[i + stride]! - k
      a0 += d0; b0 += d0 * d0; a1 += d1; b1 += d1 * d1
      d0 = values[i + 2 * stride]! - k
      d1 = values[i + 3 * stride]! - k
      a0 += d0; b0 += d0 * d0; a1 += d1; b1 += d1 * d1
    }
    const perLane = (r - first) / 2
    w0 += perLane; w1 += perLane
  } else {
    for (let i = offset + r * stride; r + 2 <= end; r += 2, i += 2 * stride) {
      const v0 = weights[r]!; const v1 = weights[r + 1]!
      const d0 = values[i]! - k
      const d1 = values[i + stride]! - k
      const e0 = v0 * d0; const e1 = v1 * d1
      w0 += v0; a0 += e0; b0 += e0 * d0
      w1 += v1; a1 += e1; b1 += e1 * d1
    }
  }
  // The last rows, from lane 0 on.
  for (let lane = 0; r < end; r++, lane ^= 1) {
    const w = weights === undefined ? 1 : weights[r]!
    const d = values[offset + r * stride]! - k
    const wd = w * d
    if (lane === 0) { w0 += w; a0 += wd; b0 += wd * d } else { w1 += w; a1 += wd; b1 += wd * d }
  }
  if (b0 !== b0 || b1 !== b1) return false
  partial[at] = w0; partial[at + 1] = w1
  partial[at + 2] = a0; partial[at + 3] = a1
  partial[at + 4] = b0; partial[at + 5] = b1
  return true
}

function wholeCount (w: number): boolean {
  return Math.floor(w) === w && w < 2 ** 52
}

/**
 * Mean and biased variance (ddof = 0) of a column from its moment slots, or undefined when the
 * total weight is zero. The variance is `(W·Σwx² − (Σwx)²) / W²` with the numerator exact.
 */
export function meanVariance (acc: BlockedSums, column: number): { weight: number; mean: number; variance: number } | undefined {
  const totals = acc.totals()
  const w = totals[3 * column]!
  const x = totals[3 * column + 1]!
  const xx = totals[3 * column + 2]!
  const weight = w.value()
  if (!(weight > 0)) return undefined
  const numerator = new ExactSum()
  numerator.addSumProduct(w, xx)
  numerator.addSumProduct(x, x, -1)
  const mean = x.value() / weight
  const variance = Math.max(0, numerator.value() / weight / weight)
  return { weight, mean, variance }
}

/** Where {@link CrossProductSums.addResident} finds its rows: a kernel and byte offsets in its memory. */
export interface ResidentRows {
  kernel: CrossProductsIn
  data: number
  weights: number
}

/** Complete rows whose cross-products {@link CrossProductSums} adds in one sweep of the triangle (the kernel is written for 4). */
const GROUP_ROWS = 4

/** The state of a {@link CrossProductSums} as plain JSON. */
export interface CrossProductSumsSummary {
  blockRows: number
  dimension: number
  rows: number
  pending: number
  partial: EncodedNumber[]
  shift: EncodedNumber[]
  sums: EncodedNumber[][]
}

/**
 * Weighted sums and cross-products of `dimension` columns with pairwise-complete bookkeeping (for
 * a full covariance), with the block machinery of {@link BlockedSums}: rows are added sequentially
 * inside blocks of {@link BLOCK_ROWS} rows aligned to the row index, and finished blocks go into
 * exact expansions, so any chunking and any merge order of block-aligned shards give the same bits.
 *
 * Inside a block every column is shifted by the block's first observed value of that column, so the
 * cross-products of data far from zero keep their precision; the flush moves them to the origin
 * exactly (two-products, and a split product for the shift·shift·weight term). The d² exact sums
 * live in one flat table of short expansions (see ExpansionTable), which keeps the flush cheap.
 *
 * Slots, for columns j, k: `wSum[j]` = Σw over rows where x_j is observed; `xwSum[j]` = Σw·x_j;
 * `xxwSum[j≤k]` (packed upper triangle) = Σw·x_j·x_k over rows where both are observed; and, only
 * touched by rows with missing values, `missWSum[j,k]` = Σw and `missXwSum[j,k]` = Σw·x_j over rows
 * where x_j is observed and x_k is missing. So the pairwise-complete weight of (j, k) is
 * `wSum[j] − missWSum[j,k]` and its sum of x_j is `xwSum[j] − missXwSum[j,k]`.
 *
 * @example
 * ```ts
 * const acc = new CrossProductSums(2)
 * acc.add(Float64Array.of(1, 2, 3, 5), undefined, 2)
 * pairwiseCovariance(acc).covariance // => Float64Array [1, 1.5, 1.5, 2.25]
 * ```
 */
export class CrossProductSums {
  /** Running sums of the current block (see the class comment for the layout). */
  private partial: Float64Array
  /** Per-column shifts of the current block; NaN until the column is observed in it. */
  private shift: Float64Array
  private unshifted: number
  private sums: ExpansionTable
  /** Per-row scratch: shifted values and their weighted copies. */
  private readonly delta: Float64Array
  private readonly wDelta: Float64Array
  /** The complete rows' loop written out for this dimension, if it can be. */
  private readonly kernel: CrossProductsKernel | undefined
  /** Rows summarized so far (including merged ones). */
  rows = 0
  /** Rows of the current, unfinished block. */
  pending = 0

  constructor (readonly dimension: number, readonly blockRows = BLOCK_ROWS) {
    const d = dimension
    this.partial = new Float64Array(2 * d + (d * (d + 1)) / 2 + 2 * d * d)
    this.shift = new Float64Array(d).fill(NaN)
    this.unshifted = d
    this.sums = new ExpansionTable(this.partial.length)
    this.delta = new Float64Array(GROUP_ROWS * d)
    this.wDelta = new Float64Array(GROUP_ROWS * d)
    this.kernel = crossProductsKernel(d)
  }

  /** Where the packed upper triangle of cross-products starts in `partial`. */
  private get crossOffset (): number {
    return 2 * this.dimension
  }

  /** Where the Σw over rows with x_k missing starts in `partial` (Σw·x_j over them follows, d² later). */
  private get missOffset (): number {
    const d = this.dimension
    return 2 * d + (d * (d + 1)) / 2
  }

  /**
   * Adds `rows` rows of a row-major block of `dimension` columns (NaN is missing), with optional
   * per-row weights, splitting them at block boundaries.
   */
  add (data: Float64Array, weights: Float64Array | undefined, rows: number): void {
    this.addRows(data, weights, rows, undefined)
  }

  /**
   * {@link CrossProductSums.add} for rows that are also in the memory of a WebAssembly kernel
   * holding this dimension's `add` (a mixture's E-step kernel): the kernel reads them there, at
   * byte `at.data` (weights at `at.weights`), instead of a copy; `data` and `weights` are the same
   * values, read for the shifts and for rows with a missing value. The same bits as `add`.
   */
  addResident (data: Float64Array, weights: Float64Array | undefined, rows: number, at: ResidentRows): void {
    this.addRows(data, weights, rows, at)
  }

  private addRows (data: Float64Array, weights: Float64Array | undefined, rows: number, resident: ResidentRows | undefined): void {
    let start = 0
    while (start < rows) {
      const end = Math.min(rows, start + this.blockRows - this.pending)
      this.addRun(data, weights, start, end, resident)
      this.pending += end - start
      this.rows += end - start
      start = end
      if (this.pending === this.blockRows) this.flush()
    }
  }

  /**
   * Rows start…end−1, all inside the current block: the hot loop (d(d+1)/2 multiply-adds a row).
   * Up to 32 dimensions (UNROLL_LIMIT) the complete rows go through a kernel written out for d (see
   * cross-products-kernel.ts). Otherwise they are applied in groups of {@link GROUP_ROWS}, each
   * cross-product slot taking the group's terms in row order, so the result is the same as one
   * row at a time (and so the same for any chunking) while the triangle is read and written once
   * per group. Either way each slot adds its rows in row order: the same bits.
   */
  private addRun (data: Float64Array, weights: Float64Array | undefined, start: number, end: number, resident?: ResidentRows): void {
    const d = this.dimension
    const { partial, shift, delta, wDelta } = this
    if (this.unshifted > 0) this.findShifts(data, start, end)
    if (resident !== undefined) {
      const { kernel } = resident
      this.addRunWasm(kernel, data, weights, start, end, resident.data + start * d * 8, weights === undefined ? 0 : resident.weights + start * 8)
      return
    }
    const wasm = crossProductsWasm(d, this.blockRows)
    if (wasm !== undefined) {
      const { f64 } = wasm
      f64.set(data.subarray(start * d, end * d), wasm.data / 8)
      if (weights !== undefined) f64.set(weights.subarray(start, end), wasm.weights / 8)
      this.addRunWasm(wasm, data, weights, start, end, wasm.data, wasm.weights)
      return
    }
    const kernel = this.kernel
    if (kernel !== undefined) {
      for (let r = kernel(data, weights, start, end, shift, partial); r < end; r = kernel(data, weights, r + 1, end, shift, partial)) {
        for (let j = 0; j < d; j++) delta[j] = data[r * d + j]! - shift[j]!
        this.addIncomplete(weights === undefined ? 1 : weights[r]!, 0)
      }
      return
    }
    let g = 0
    for (let r = start; r < end; r++) {
      const base = r * d
      const at = g * d
      const w = weights === undefined ? 1 : weights[r]!
      let complete = true
      for (let j = 0; j < d; j++) {
        const x = data[base + j]!
        if (x !== x) complete = false
        delta[at + j] = x - shift[j]!
      }
      if (!complete) {
        this.addGroup(g)
        g = 0
        this.addIncomplete(w, at)
        continue
      }
      for (let j = 0; j < d; j++) {
        const t = w * delta[at + j]!
        wDelta[at + j] = t
        partial[j] += w
        partial[d + j] += t
      }
      if (++g === GROUP_ROWS) {
        this.addGroup(g)
        g = 0
      }
    }
    this.addGroup(g)
  }

  /**
   * {@link CrossProductSums.addRun} through a WebAssembly kernel (cross-products-wasm.ts) whose
   * memory holds the run's rows at byte `dataAt` (weights at `weightsAt`): the complete rows' sums
   * go into its memory; a row with a missing value is added here, between two calls, with the
   * sums brought back for it.
   */
  private addRunWasm (wasm: CrossProductsIn, data: Float64Array, weights: Float64Array | undefined, start: number, end: number, dataAt: number, weightsAt: number): void {
    const d = this.dimension
    const { f64 } = wasm
    const sums = f64.subarray(wasm.partial / 8, wasm.partial / 8 + completeSlots(d))
    f64.set(this.shift, wasm.shift / 8)
    sums.set(this.partial.subarray(0, sums.length))
    for (let r = 0; ; r++) {
      r = wasm.add(dataAt, weightsAt, wasm.partial, wasm.shift, r, end - start, weights === undefined ? 0 : 1)
      if (r >= end - start) break
      this.partial.set(sums)
      for (let j = 0; j < d; j++) this.delta[j] = data[(start + r) * d + j]! - this.shift[j]!
      this.addIncomplete(weights === undefined ? 1 : weights[start + r]!, 0)
      sums.set(this.partial.subarray(0, sums.length))
    }
    this.partial.set(sums)
  }

  /** Adds the cross-products of the first `g` gathered complete rows, in row order per slot. */
  private addGroup (g: number): void {
    const d = this.dimension
    const { partial, delta: x, wDelta: a } = this
    let o = this.crossOffset
    if (g === GROUP_ROWS) {
      const d2 = 2 * d
      const d3 = 3 * d
      let j = 0
      // Two rows of the triangle at a time share the loads of x.
      for (; j + 1 < d; j += 2) {
        const a0 = a[j]!
        const a1 = a[d + j]!
        const a2 = a[d2 + j]!
        const a3 = a[d3 + j]!
        const b0 = a[j + 1]!
        const b1 = a[d + j + 1]!
        const b2 = a[d2 + j + 1]!
        const b3 = a[d3 + j + 1]!
        partial[o] = partial[o]! + a0 * x[j]! + a1 * x[d + j]! + a2 * x[d2 + j]! + a3 * x[d3 + j]!
        const next = o + d - j
        for (let k = j + 1, p = o + 1, q = next; k < d; k++, p++, q++) {
          const x0 = x[k]!
          const x1 = x[d + k]!
          const x2 = x[d2 + k]!
          const x3 = x[d3 + k]!
          partial[p] = partial[p]! + a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3
          partial[q] = partial[q]! + b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3
        }
        o = next + d - j - 1
      }
      if (j < d) partial[o] = partial[o]! + a[j]! * x[j]! + a[d + j]! * x[d + j]! + a[d2 + j]! * x[d2 + j]! + a[d3 + j]! * x[d3 + j]!
      return
    }
    for (let i = 0; i < g; i++) {
      const at = i * d
      o = this.crossOffset
      for (let j = 0; j < d; j++) {
        const aj = a[at + j]!
        for (let k = j; k < d; k++) partial[o++] += aj * x[at + k]!
      }
    }
  }

  /** Sets the shift of every column not yet seen in this block to its first observed value in the run. */
  private findShifts (data: Float64Array, start: number, end: number): void {
    const d = this.dimension
    for (let j = 0; j < d; j++) {
      if (this.shift[j] === this.shift[j]) continue
      for (let r = start; r < end; r++) {
        const x = data[r * d + j]!
        if (x === x) {
          this.shift[j] = x
          this.unshifted--
          break
        }
      }
    }
  }

  /** A row with missing values (its shifted values are in `delta` from `at`, NaN where missing). */
  private addIncomplete (w: number, at: number): void {
    const d = this.dimension
    const { partial, delta } = this
    const cross = this.crossOffset
    const miss = this.missOffset
    for (let j = 0; j < d; j++) {
      const dj = delta[at + j]!
      if (dj !== dj) continue
      const t = w * dj
      partial[j] += w
      partial[d + j] += t
      const o = cross + triangleRow(j, d) - j
      for (let k = 0; k < d; k++) {
        const dk = delta[at + k]!
        if (dk !== dk) {
          partial[miss + j * d + k] += w
          partial[miss + d * d + j * d + k] += t
        } else if (k >= j) {
          partial[o + k] += t * dk
        }
      }
    }
  }

  /**
   * Moves the current block, shifted back to the origin exactly, into the exact sums:
   * Σw·x_j = Σw·dj + kj·Σw and Σw·x_j·x_k = Σw·dj·dk + kk·Σw·dj + kj·Σw·dk + kj·kk·Σw, each Σ over
   * the rows where the columns are observed (d = x − k, k the block's shift).
   */
  flush (): void {
    const d = this.dimension
    const { partial, shift, sums } = this
    const cross = this.crossOffset
    const missW = this.missOffset
    const missX = missW + d * d
    for (let j = 0; j < d; j++) {
      const kj = shift[j]!
      if (kj !== kj) continue // column j was not observed in this block: all its sums are 0
      const w = partial[j]!
      const s = partial[d + j]!
      sums.add(j, w)
      sums.add(d + j, s)
      sums.addProduct(d + j, w, kj)
      for (let k = 0; k < d; k++) {
        const nw = partial[missW + j * d + k]!
        const ns = partial[missX + j * d + k]!
        if (nw !== 0 || ns !== 0) {
          sums.add(missW + j * d + k, nw)
          sums.add(missX + j * d + k, ns)
          sums.addProduct(missX + j * d + k, nw, kj)
        }
      }
      const row = cross + triangleRow(j, d) - j
      const terms = flushTerms
      for (let k = j; k < d; k++) {
        const kk = shift[k]!
        if (kk !== kk) continue
        const slot = row + k
        // the slot's terms in the order of one add each (see ExpansionTable.addTerms)
        terms[0] = partial[slot]!
        let n = 1
        if (k === j) {
          n = pushProduct(terms, n, 2 * kj, s)
          n = pushTripleProduct(terms, n, w, kj, kj)
        } else {
          n = pushProduct(terms, n, kk, s)
          n = pushProduct(terms, n, kj, partial[d + k]!)
          const nsjk = partial[missX + j * d + k]!
          const nskj = partial[missX + k * d + j]!
          const nwjk = partial[missW + j * d + k]!
          if (nsjk !== 0) n = pushProduct(terms, n, -kk, nsjk)
          if (nskj !== 0) n = pushProduct(terms, n, -kj, nskj)
          n = pushTripleProduct(terms, n, w, kj, kk)
          if (nwjk !== 0) n = pushTripleProduct(terms, n, -nwjk, kj, kk)
        }
        sums.addTerms(slot, terms, n)
      }
    }
    partial.fill(0)
    shift.fill(NaN)
    this.unshifted = d
    this.pending = 0
  }

  /** False when an infinite value or an overflow reached a sum (the current block included). */
  finite (): boolean {
    for (const p of this.partial) if (p - p !== 0) return false
    return this.sums.finite()
  }

  /** Exact sums of every slot including the unfinished block, without changing anything. */
  totals (): ExactSum[] {
    const copy = new CrossProductSums(this.dimension, this.blockRows)
    copy.load(this.summary())
    copy.flush()
    return copy.sums.exactSums()
  }

  clear (): void {
    this.partial.fill(0)
    this.shift.fill(NaN)
    this.unshifted = this.dimension
    this.sums.clear()
    this.rows = 0
    this.pending = 0
  }

  summary (): CrossProductSumsSummary {
    return {
      blockRows: this.blockRows,
      dimension: this.dimension,
      rows: this.rows,
      pending: this.pending,
      partial: Array.from(this.partial, encodeNumber),
      shift: Array.from(this.shift, encodeNumber),
      sums: this.sums.toJSON()
    }
  }

  /** Replaces the state with a summary's (a checkpoint restored exactly, partial block included). */
  load (s: CrossProductSumsSummary): void {
    this.partial = Float64Array.from(s.partial, decodeNumber)
    this.shift = Float64Array.from(s.shift, decodeNumber)
    this.unshifted = this.shift.reduce((n, k) => k === k ? n : n + 1, 0)
    this.sums = new ExpansionTable(this.partial.length)
    s.sums.forEach((values, slot) => { for (const v of values) this.sums.add(slot, decodeNumber(v)) })
    this.rows = s.rows
    this.pending = s.pending
  }

  /**
   * Adds another stream's sums. Into an empty accumulator this is an exact copy (the partial block
   * continues); otherwise the other's unfinished block is flushed as a block of its own, which
   * equals a one-shot pass when the other stream started on a block boundary.
   */
  merge (s: CrossProductSumsSummary): void {
    if (this.rows === 0 && this.pending === 0) {
      this.load(s)
      return
    }
    const other = new CrossProductSums(this.dimension, this.blockRows)
    other.load(s)
    other.flush()
    other.sums.toJSON().forEach((values, slot) => { for (const v of values) this.sums.add(slot, decodeNumber(v)) })
    this.rows += other.rows
  }

  /** {@link BlockedSums.absorb} for cross-products: adds another accumulator's sums, its unfinished block flushed, and clears it. */
  absorb (other: CrossProductSums): void {
    if (other.pending > 0) other.flush()
    this.sums.addTable(other.sums)
    this.rows += other.rows
    other.clear()
  }
}

/** Partials one slot of an {@link ExpansionTable} keeps in place. */
const EXPANSION_CAPACITY = 6

/**
 * Many exact sums in one flat array: slot i keeps up to {@link EXPANSION_CAPACITY} non-overlapping
 * partials in increasing magnitude (the invariant of {@link ExactSum}, grown by the same
 * error-free additions). A slot that fills up is compressed (Shewchuk's COMPRESS: the same exact
 * value in as few partials as it needs) and, only if that does not free room, moved into an
 * ExactSum of its own. This keeps the d² exact sums of a covariance cheap to update at every
 * block flush.
 */
class ExpansionTable {
  private readonly parts: Float64Array
  private readonly count: Uint8Array
  private readonly spilled = new Map<number, ExactSum>()
  private readonly scratch = new Float64Array(EXPANSION_CAPACITY + 1)

  constructor (readonly slots: number) {
    this.parts = new Float64Array(slots * EXPANSION_CAPACITY)
    this.count = new Uint8Array(slots)
  }

  /** False when a slot holds an infinite value, or an addition overflowed. */
  finite (): boolean {
    for (const p of this.parts) if (p - p !== 0) return false
    for (const s of this.spilled.values()) if (!Number.isFinite(s.value())) return false
    return true
  }

  /** Adds x to slot `slot` exactly. */
  add (slot: number, x: number): void {
    if (x === 0) return
    if (!Number.isFinite(x)) {
      this.spill(slot).add(x)
      return
    }
    const base = slot * EXPANSION_CAPACITY
    const i = this.grow(base, this.count[slot]!, x)
    x = this.carry
    if (x !== 0) {
      if (i === EXPANSION_CAPACITY) {
        this.count[slot] = this.compress(slot, x)
        return
      }
      this.parts[base + i] = x
      this.count[slot] = i + 1
      return
    }
    this.count[slot] = i
  }

  /** The largest partial left by {@link grow}. */
  private carry = 0

  /**
   * Adds x to the `count` partials at `base` (Shewchuk's GROW-EXPANSION with zero elimination):
   * the smaller partials are written back from `base`, their count returned, and the new largest
   * one left in `carry`.
   */
  private grow (base: number, count: number, x: number): number {
    const parts = this.parts
    let i = 0
    for (let j = 0; j < count; j++) {
      // Knuth's two-sum (no magnitude test, so no unpredictable branch): hi + lo = x + y exactly.
      const y = parts[base + j]!
      const hi = x + y
      const yv = hi - x
      const lo = (x - (hi - yv)) + (y - yv)
      if (lo !== 0) parts[base + i++] = lo
      x = hi
    }
    this.carry = x
    return i
  }

  /**
   * Adds `terms[0 … n−1]` to slot `slot` exactly, in order: the same as calling {@link add} for
   * each (the same expansion, bit for bit), with the slot's partials held in locals meanwhile.
   * A block flush adds about nine terms per slot, and one call per term cost more than the
   * arithmetic.
   */
  addTerms (slot: number, terms: Float64Array, n: number): void {
    const parts = this.parts
    const base = slot * EXPANSION_CAPACITY
    let count = this.count[slot]!
    for (let t = 0; t < n; t++) {
      let x = terms[t]!
      if (x === 0) continue
      if (!Number.isFinite(x) || count === EXPANSION_CAPACITY) {
        // the rare cases go through add, with the partials written back first
        this.count[slot] = count
        this.add(slot, x)
        count = this.count[slot]!
        continue
      }
      let i = this.grow(base, count, x)
      x = this.carry
      if (x !== 0) parts[base + i++] = x
      count = i
    }
    this.count[slot] = count
  }

  /**
   * Rewrites a full slot plus its new largest partial `top` as a compressed expansion (Shewchuk
   * 1997, COMPRESS); returns the new count, after moving everything into the slot's ExactSum if
   * it still does not fit.
   */
  private compress (slot: number, top: number): number {
    const parts = this.parts
    const base = slot * EXPANSION_CAPACITY
    const e = this.scratch
    for (let j = 0; j < EXPANSION_CAPACITY; j++) e[j] = parts[base + j]!
    e[EXPANSION_CAPACITY] = top
    // Downward pass: from the largest partial, keep each sum's error as the next carry.
    let bottom = EXPANSION_CAPACITY
    let q = e[EXPANSION_CAPACITY]!
    for (let j = EXPANSION_CAPACITY - 1; j >= 0; j--) {
      const [hi, lo] = twoSum(q, e[j]!)
      if (lo !== 0) {
        e[bottom--] = hi
        q = lo
      } else {
        q = hi
      }
    }
    e[bottom] = q
    // Upward pass: from the smallest, emit the non-zero errors in increasing magnitude.
    let n = 0
    let carry = e[bottom]!
    for (let j = bottom + 1; j <= EXPANSION_CAPACITY; j++) {
      const [hi, lo] = twoSum(e[j]!, carry)
      if (lo !== 0) e[n++] = lo
      carry = hi
    }
    e[n++] = carry
    if (n <= EXPANSION_CAPACITY) {
      for (let j = 0; j < n; j++) parts[base + j] = e[j]!
      return n
    }
    const sum = this.spill(slot)
    for (let j = 0; j < n; j++) sum.add(e[j]!)
    return 0
  }

  /** Adds the exact product a·b (Dekker's two-product). */
  addProduct (slot: number, a: number, b: number): void {
    const p = a * b
    this.add(slot, p)
    if (Number.isFinite(p)) this.add(slot, productError(a, b, p))
  }

  private spill (slot: number): ExactSum {
    let sum = this.spilled.get(slot)
    if (sum === undefined) {
      sum = new ExactSum()
      this.spilled.set(slot, sum)
    }
    return sum
  }

  /** Empties every slot (the arrays are kept: a block of sequences clears its tables many times per pass). */
  clear (): void {
    this.count.fill(0)
    this.spilled.clear()
  }

  /** Adds every slot of another table of as many slots (exactly). */
  addTable (other: ExpansionTable): void {
    for (const [slot, sum] of other.spilled) for (const x of sum.toJSON()) this.add(slot, decodeNumber(x))
    for (let slot = 0; slot < other.slots; slot++) {
      this.addTerms(slot, other.parts.subarray(slot * EXPANSION_CAPACITY), other.count[slot]!)
    }
  }

  /** Every slot as an ExactSum. */
  exactSums (): ExactSum[] {
    return Array.from({ length: this.slots }, (_, slot) => {
      const sum = this.spilled.get(slot)?.clone() ?? new ExactSum()
      for (let j = 0; j < this.count[slot]!; j++) sum.add(this.parts[slot * EXPANSION_CAPACITY + j]!)
      return sum
    })
  }

  /** Every slot as a list of numbers whose exact sum is the slot's (what ExactSum.from reads). */
  toJSON (): EncodedNumber[][] {
    return Array.from({ length: this.slots }, (_, slot) => {
      const out: EncodedNumber[] = this.spilled.get(slot)?.toJSON() ?? []
      for (let j = 0; j < this.count[slot]!; j++) out.push(this.parts[slot * EXPANSION_CAPACITY + j]!)
      return out
    })
  }
}

/** Terms of one slot of a block flush: at most 1 + 2·4 + 2·4. */
const flushTerms = new Float64Array(17)

/** Appends the exact product a·b as its rounded value and error (what ExpansionTable.addProduct adds); returns the new count. */
function pushProduct (terms: Float64Array, n: number, a: number, b: number): number {
  const p = a * b
  terms[n++] = p
  if (Number.isFinite(p)) terms[n++] = productError(a, b, p)
  return n
}

/** Appends a·b·c exactly: b·c split into its rounded product and error, each multiplied by a exactly; returns the new count. */
function pushTripleProduct (terms: Float64Array, n: number, a: number, b: number, c: number): number {
  const bc = b * c
  n = pushProduct(terms, n, a, bc)
  if (Number.isFinite(bc)) n = pushProduct(terms, n, a, productError(b, c, bc))
  return n
}

/** Knuth's two-sum: [hi, lo] with hi + lo = a + b exactly, whatever their magnitudes. */
function twoSum (a: number, b: number): [number, number] {
  const hi = a + b
  const bv = hi - a
  return [hi, (a - (hi - bv)) + (b - bv)]
}

/** Start of row j of a packed upper triangle of a d×d matrix. */
function triangleRow (j: number, d: number): number {
  return j * d - (j * (j - 1)) / 2
}

/**
 * Checks that a value is a {@link CrossProductSumsSummary} of `dimension` columns; returns a message
 * saying what is wrong, or undefined.
 */
export function crossProductSumsProblem (s: unknown, dimension: number): string | undefined {
  if (typeof s !== 'object' || s === null) return `expected an object, got ${typeof s}`
  const v = s as Partial<CrossProductSumsSummary>
  if (v.blockRows !== BLOCK_ROWS) return `expected blocks of ${BLOCK_ROWS} rows, got ${String(v.blockRows)}`
  if (v.dimension !== dimension) return `expected ${dimension} columns, got ${String(v.dimension)}`
  const slots = 2 * dimension + (dimension * (dimension + 1)) / 2 + 2 * dimension * dimension
  if (!Array.isArray(v.partial) || !Array.isArray(v.sums) || !Array.isArray(v.shift) ||
      v.partial.length !== slots || v.sums.length !== slots || v.shift.length !== dimension) {
    return `expected ${slots} statistics and ${dimension} shifts`
  }
  if (!Number.isInteger(v.rows) || !Number.isInteger(v.pending) || v.pending! < 0 || v.pending! >= BLOCK_ROWS || v.rows! < v.pending!) {
    return 'expected whole row counts'
  }
  if (!v.sums.every(Array.isArray)) return 'expected lists of partial sums'
  return undefined
}

/** What {@link pairwiseCovariance} returns; NaN marks entries without any weight. */
export interface PairwiseCovariance {
  /** Σw over the rows where each column is observed. */
  weights: Float64Array
  /** Per-column weighted means over each column's observed values. */
  means: Float64Array
  /** Σw over the rows where both columns are observed, d×d row-major. */
  pairWeights: Float64Array
  /** Biased (ddof = 0) pairwise-complete covariance, d×d row-major, symmetric. */
  covariance: Float64Array
}

/**
 * Means and the biased, pairwise-complete weighted covariance from a {@link CrossProductSums}:
 * `cov_jk = (W_jk·Σw·x_j·x_k − S_j·S_k) / W_jk²` over the rows where both columns are observed
 * (pomegranate's formula), with the numerator formed exactly from the expansions and rounded once.
 *
 * @example
 * ```ts
 * const acc = new CrossProductSums(1)
 * acc.add(Float64Array.of(1, 3), undefined, 2)
 * pairwiseCovariance(acc) // => { weights: [2], means: [2], pairWeights: [2], covariance: [1] }
 * ```
 */
export function pairwiseCovariance (acc: CrossProductSums): PairwiseCovariance {
  const d = acc.dimension
  const totals = acc.totals()
  const cross = 2 * d
  const missW = 2 * d + (d * (d + 1)) / 2
  const missX = missW + d * d
  const weights = new Float64Array(d)
  const means = new Float64Array(d)
  const pairWeights = new Float64Array(d * d)
  const covariance = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    weights[j] = totals[j]!.value()
    means[j] = weights[j]! > 0 ? totals[d + j]!.value() / weights[j]! : NaN
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const w = totals[j]!.clone()
      const sj = totals[d + j]!.clone()
      const sk = totals[d + k]!.clone()
      if (k !== j) {
        w.addSum(totals[missW + j * d + k]!, -1)
        sj.addSum(totals[missX + j * d + k]!, -1)
        sk.addSum(totals[missX + k * d + j]!, -1)
      }
      const weight = w.value()
      let c = NaN
      if (weight > 0) {
        const numerator = new ExactSum()
        numerator.addSumProduct(w, totals[cross + triangleRow(j, d) + k - j]!)
        numerator.addSumProduct(sj, sk, -1)
        c = numerator.value() / weight / weight
        if (k === j) c = Math.max(0, c)
      }
      covariance[j * d + k] = c
      covariance[k * d + j] = c
      pairWeights[j * d + k] = weight
      pairWeights[k * d + j] = weight
    }
  }
  return { weights, means, pairWeights, covariance }
}

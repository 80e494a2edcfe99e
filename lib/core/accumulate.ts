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
 * Second moments are summed around a per-block shift (the block's first observed value) and moved
 * to the origin exactly when the block is flushed, so the variance of data far from zero keeps
 * its precision: `W·Σwx² − (Σwx)²` is formed exactly from the expansions.
 */

/** Rows per block. Shards summarized separately and merged must start on a multiple of this. */
export const BLOCK_ROWS = 1024

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
 */
export class ExactSum {
  private partials: number[] = []
  private special = 0

  /** Adds x exactly. */
  add (x: number): void {
    if (!Number.isFinite(x)) {
      this.special += x
      return
    }
    const p = this.partials
    let i = 0
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!
      if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t }
      const hi = x + y
      const lo = y - (hi - x)
      if (lo !== 0) p[i++] = lo
      x = hi
    }
    p.length = i
    if (x !== 0 || i === 0) p.push(x)
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
    for (const x of other.partials) this.addProduct(x, scale)
    this.special += other.special * scale
  }

  /** Adds the exact product of two exact sums. */
  addSumProduct (a: ExactSum, b: ExactSum, scale = 1): void {
    for (const x of a.partials) for (const y of b.partials) this.addProduct(x * scale, y)
    if (a.special !== 0 || b.special !== 0) this.special += (a.value() * b.value()) * scale
  }

  /** The exact total rounded to the nearest double (ties to even). */
  value (): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special
    const p = this.partials
    let n = p.length
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
    return this.special === 0 && this.partials.every(x => x === 0)
  }

  /** The partials, for a summary; `ExactSum.from` rebuilds the same sum. */
  toJSON (): EncodedNumber[] {
    const out: EncodedNumber[] = this.partials.slice()
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
    s.partials = this.partials.slice()
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
 * With `moments` set, slots come in triples `[Σw, Σw·(x−k), Σw·(x−k)²]` per column, where k is
 * `shift[column]`, the block's first observed value; the flush moves them to `[Σw, Σw·x, Σw·x²]`
 * exactly.
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
    this.partial = new Float64Array(slots)
    this.shift = new Float64Array(moments ? slots / 3 : 0).fill(NaN)
    this.sums = Array.from({ length: slots }, () => new ExactSum())
  }

  get slots (): number {
    return this.partial.length
  }

  /** Adds slots (for statistics discovered as they appear, such as new categories). */
  grow (slots: number): void {
    if (slots <= this.partial.length) return
    const partial = new Float64Array(slots)
    partial.set(this.partial)
    this.partial = partial
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
        const w = partial[3 * c]!
        const s1 = partial[3 * c + 1]!
        const s2 = partial[3 * c + 2]!
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

  /** Rounded totals of every slot. */
  values (): number[] {
    return this.totals().map(s => s.value())
  }

  clear (): void {
    this.partial.fill(0)
    this.shift.fill(NaN)
    this.sums = this.sums.map(() => new ExactSum())
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
    this.grow(other.slots)
    for (let i = 0; i < other.sums.length; i++) this.sums[i]!.addSum(other.sums[i]!)
    this.rows += other.rows
  }
}

/**
 * Checks that a value is a {@link BlockedSumsSummary} with the expected number of slots and block
 * size; returns a message saying what is wrong, or undefined.
 */
export function blockedSumsProblem (s: unknown, slots: number | undefined, moments: boolean): string | undefined {
  if (typeof s !== 'object' || s === null) return `expected an object, got ${typeof s}`
  const v = s as Partial<BlockedSumsSummary>
  if (v.blockRows !== BLOCK_ROWS) return `expected blocks of ${BLOCK_ROWS} rows, got ${String(v.blockRows)}`
  if (!Array.isArray(v.partial) || !Array.isArray(v.sums) || !Array.isArray(v.shift) || v.sums.length !== v.partial.length) {
    return 'expected partial, shift and sums lists of equal length'
  }
  if (slots !== undefined && v.partial.length !== slots) return `expected ${slots} statistics, got ${v.partial.length}`
  if (moments ? v.shift.length * 3 !== v.partial.length : v.shift.length !== 0) return 'expected one shift per column of moments'
  if (!Number.isInteger(v.rows) || !Number.isInteger(v.pending) || v.pending! < 0 || v.pending! >= BLOCK_ROWS || v.rows! < v.pending!) {
    return 'expected whole row counts'
  }
  if (!v.sums.every(Array.isArray)) return 'expected lists of partial sums'
  return undefined
}

/**
 * Adds rows start…end−1 of one column into the moment slots of `column`: the hot loop of every
 * model with a mean and a variance. Values are read at `values[offset + r·stride]`; NaN is missing.
 */
export function sumMoments (
  acc: BlockedSums, column: number, values: Float64Array, stride: number, offset: number,
  weights: Float64Array | undefined, start: number, end: number
): void {
  const partial = acc.partial
  let k = acc.shift[column]!
  let w0 = partial[3 * column]!
  let s1 = partial[3 * column + 1]!
  let s2 = partial[3 * column + 2]!
  let r = start
  if (k !== k) {
    while (r < end && values[offset + r * stride]! !== values[offset + r * stride]!) r++
    if (r < end) k = values[offset + r * stride]!
  }
  if (weights === undefined) {
    for (; r < end; r++) {
      const x = values[offset + r * stride]!
      if (x !== x) continue
      const d = x - k
      w0 += 1
      s1 += d
      s2 += d * d
    }
  } else {
    for (; r < end; r++) {
      const x = values[offset + r * stride]!
      if (x !== x) continue
      const w = weights[r]!
      const d = x - k
      const wd = w * d
      w0 += w
      s1 += wd
      s2 += wd * d
    }
  }
  acc.shift[column] = k
  partial[3 * column] = w0
  partial[3 * column + 1] = s1
  partial[3 * column + 2] = s2
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

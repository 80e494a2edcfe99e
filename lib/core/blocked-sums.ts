/**
 * Sums kept in blocks of rows (BLOCK_ROWS, or BLOCK_SEQUENCES for a sequence model): plain running
 * sums in two lanes inside a block, exact sums across blocks. See accumulate.ts for the algorithm.
 */
import { decodeNumber, encodeNumber, ExactSum, productError, type EncodedNumber } from './exact-sum.js'

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
export const MOMENT_PARTIALS = 3 * LANES

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
    this.absorb(other)
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

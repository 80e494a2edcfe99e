/**
 * Cross-products of complete rows (Σw, Σw·x and the triangle of Σw·x·xᵀ), the statistics of a
 * multivariate Gaussian: summed by kernels (JavaScript written out per shape, or WebAssembly) in
 * blocks of BLOCK_ROWS rows and flushed exactly into an {@link ExpansionTable}.
 */
import { BLOCK_ROWS } from './blocked-sums.js'
import { decodeNumber, encodeNumber, ExactSum, productError, type EncodedNumber } from './exact-sum.js'
import { blockTotalsJs, flushKernel, runBlockTotals, splitColumns, type BlockTotals, type FlushKernel } from './block-totals.js'
import { wasmEnabled } from './wasm-runtime.js'
import { expansionTableProblem, ExpansionTable, type ExpansionTableSummary } from './expansion-table.js'


import { crossProductsKernel, type CrossProductsKernel } from './cross-products-kernel.js'
import { completeSlots, crossProductsWasm, type CrossProductsIn, type CrossProductsWasm } from './cross-products-wasm.js'

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
  /** The exact sums of finished blocks, slot by slot (see ExpansionTable.toJSON). */
  sums: ExpansionTableSummary
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
  private readonly sums: ExpansionTable
  /** Per-row scratch: shifted values and their weighted copies. */
  private readonly delta: Float64Array
  private readonly wDelta: Float64Array
  /** Whether a row with a missing value reached the current block (else its missing-value slots are all 0). */
  private incomplete = false
  /** Where a flush computes its block's totals when WebAssembly does not. */
  private totalsJs: BlockTotals | undefined
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
    // the flush kernel from the start where there is one, its memory holding the expansions (a thread's model copy makes one every pass)
    const kernel = wasmEnabled() ? flushKernel(d, this.partial.length) ?? null : undefined
    if (kernel !== undefined) flushKernels.set(this, kernel)
    this.sums = new ExpansionTable(this.partial.length, true, kernel?.table)
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
    this.incomplete = true
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
   * Moves the current block, shifted back to the origin, into the exact sums:
   * Σw·x_j = Σw·dj + kj·Σw and Σw·x_j·x_k = Σw·dj·dk + kk·Σw·dj + kj·Σw·dk + kj·kk·Σw, each Σ over
   * the rows where the columns are observed (d = x − k, k the block's shift).
   *
   * The per-column sums go in exactly. A cross-product slot of a block of complete rows is formed
   * in double-double (error-free products and sums, their errors added once: the block's total to
   * about 2^-100 of its terms, far below its own running sum's rounding) and its two halves go in
   * exactly. That total depends on the block's rows alone, so any chunking and any merge order
   * still give the same bits. Adding each of a slot's nine exact terms to its expansion instead
   * made the flush 60% of a pass at d = 100. A slot whose block total is exact in few terms (a
   * column constant in the block: its deviations and their sum are 0) takes those exact terms, so
   * that constant data keeps an exact zero covariance; so does a block with missing values.
   */
  flush (): void {
    const d = this.dimension
    const { partial, shift, sums } = this
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
      if (!this.incomplete) continue
      for (let k = 0; k < d; k++) {
        const nw = partial[missW + j * d + k]!
        const ns = partial[missX + j * d + k]!
        if (nw !== 0 || ns !== 0) {
          sums.add(missW + j * d + k, nw)
          sums.add(missX + j * d + k, ns)
          sums.addProduct(missX + j * d + k, nw, kj)
        }
      }
    }
    const cross = this.crossOffset
    const triangle = (d * (d + 1)) / 2
    if (this.incomplete || this.pending === 0) {
      // a block with missing values (some columns' shifts NaN), or none at all
      for (let j = 0, slot = cross; j < d; j++) for (let k = j; k < d; k++, slot++) this.flushExact(slot, j, k)
    } else {
      const kernel = this.ownFlushKernel()
      const totals = kernel ?? (this.totalsJs ??= blockTotalsJs(d))
      const { columns } = totals
      columns.sum.set(partial.subarray(d, 2 * d))
      columns.shift.set(shift)
      splitColumns(columns, partial, d)
      totals.partial.set(partial.subarray(cross, cross + triangle))
      if (kernel !== undefined) kernel.run()
      else runBlockTotals(d, totals)
      this.addTotals(totals, kernel)
    }
    partial.fill(0)
    shift.fill(NaN)
    this.unshifted = d
    this.pending = 0
    this.incomplete = false
  }

  /**
   * This accumulator's flush kernel, made with it (or at its first flush with WebAssembly on: its
   * expansions then move into the kernel's memory); undefined for dimensions without one. Kept
   * outside the object: a deep copy of a model copies the expansions as plain arrays and must not
   * share the kernel, whose functions write into the original's memory; the copy makes its own.
   */
  private ownFlushKernel (): FlushKernel | undefined {
    if (!wasmEnabled()) return undefined
    let kernel = flushKernels.get(this)
    if (kernel === undefined) {
      kernel = flushKernel(this.dimension, this.partial.length) ?? null
      if (kernel !== null) this.sums.moveTo(kernel.table)
      flushKernels.set(this, kernel)
    }
    return kernel ?? undefined
  }

  /**
   * Adds the block's totals (hi + lo per slot of the triangle) into the sums: the two halves as a
   * pair, except where {@link addApart} must (with `kernel`, the kernel has added the pairs and
   * marked the slots it left in `skip`).
   */
  private addTotals (totals: BlockTotals, kernel?: FlushKernel): void {
    const d = this.dimension
    const cross = this.crossOffset
    const { hi, lo } = totals
    if (kernel !== undefined) {
      kernel.add()
      if (kernel.flags[0] !== 0) this.sums.markOverflow()
      for (let f = 0; f < kernel.flags[1]!; f++) this.sums.completeFull(kernel.fullCells[f]!, kernel.fullTops[f]!)
    }
    for (let j = 0, i = 0; j < d; j++) {
      for (let k = j; k < d; k++, i++) {
        if (kernel !== undefined) {
          if (kernel.skip[i] !== 0) this.addApart(totals, i, j, k)
        } else if (this.constantInBlock(totals, i, j, k) || (hi[i]! - hi[i]!) + (lo[i]! - lo[i]!) !== 0) {
          this.addApart(totals, i, j, k)
        } else {
          this.sums.addPair(cross + i, hi[i]!, lo[i]!)
        }
      }
    }
  }

  /** Whether slot i (columns j ≤ k) of the block has p = 0 and a column whose Σw·d is 0: a column constant in the block. */
  private constantInBlock ({ columns: { sum } }: BlockTotals, i: number, j: number, k: number): boolean {
    return this.partial[this.crossOffset + i] === 0 && (sum[j] === 0 || sum[k] === 0)
  }

  /**
   * A slot not added as a pair: a column constant in the block takes the exact terms (so constant
   * data keeps an exact zero covariance); an overflow (an infinity or NaN in either half) goes in as
   * non-finite, for finite() to see.
   */
  private addApart (totals: BlockTotals, i: number, j: number, k: number): void {
    if (this.constantInBlock(totals, i, j, k)) this.flushExact(this.crossOffset + i, j, k)
    else this.sums.add(this.crossOffset + i, totals.hi[i]! + totals.lo[i]!)
  }

  /** Adds the block's cross-product of columns j ≤ k, in slot `slot`, exactly: its terms one by one. */
  private flushExact (slot: number, j: number, k: number): void {
    const d = this.dimension
    const { partial, shift } = this
    const kj = shift[j]!
    const kk = shift[k]!
    if (kj !== kj || kk !== kk) return // a column not observed in this block: its sums are 0
    const missW = this.missOffset
    const missX = missW + d * d
    const w = partial[j]!
    const terms = flushTerms
    terms[0] = partial[slot]!
    let n = 1
    if (k === j) {
      n = pushProduct(terms, n, 2 * kj, partial[d + j]!)
      n = pushTripleProduct(terms, n, w, kj, kj)
    } else {
      n = pushProduct(terms, n, kk, partial[d + j]!)
      n = pushProduct(terms, n, kj, partial[d + k]!)
      const nsjk = partial[missX + j * d + k]!
      const nskj = partial[missX + k * d + j]!
      const nwjk = partial[missW + j * d + k]!
      if (nsjk !== 0) n = pushProduct(terms, n, -kk, nsjk)
      if (nskj !== 0) n = pushProduct(terms, n, -kj, nskj)
      n = pushTripleProduct(terms, n, w, kj, kk)
      if (nwjk !== 0) n = pushTripleProduct(terms, n, -nwjk, kj, kk)
    }
    this.sums.addTerms(slot, terms, n)
  }

  /** False when an infinite value or an overflow reached a sum (the current block included). */
  finite (): boolean {
    // checked after every batch: the 2d² missing-value slots only when a row with a missing value made them non-zero
    const { partial } = this
    const end = this.incomplete ? partial.length : this.missOffset
    for (let i = 0; i < end; i++) if (partial[i]! - partial[i]! !== 0) return false
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
    this.incomplete = false
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
      partial: encodeAll(this.partial),
      shift: encodeAll(this.shift),
      sums: this.sums.toJSON()
    }
  }

  /** Replaces the state with a summary's (a checkpoint restored exactly, partial block included). */
  load (s: CrossProductSumsSummary): void {
    this.partial = decodeAll(s.partial)
    this.shift = decodeAll(s.shift)
    this.unshifted = this.shift.reduce((n, k) => k === k ? n : n + 1, 0)
    this.incomplete = this.partial.subarray(this.missOffset).some(x => x !== 0)
    this.sums.clear()
    this.sums.addJSON(s.sums)
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
    this.sums.addJSON(s.sums)
    this.rows += s.rows
    if (s.pending > 0) this.flushOther(decodeAll(s.partial), decodeAll(s.shift), s.pending)
  }

  /**
   * Flushes another stream's unfinished block (its running sums, shifts and rows) into these sums, this
   * accumulator's own block kept: the flush reads the block state from `this`, so the two are
   * swapped around it (a merge of a thread's summary at d = 100 allocated a whole accumulator
   * for this, 2.6 MB).
   */
  private flushOther (partial: Float64Array, shift: Float64Array, pending: number): void {
    const own = { partial: this.partial, shift: this.shift, unshifted: this.unshifted, pending: this.pending, incomplete: this.incomplete }
    this.partial = partial
    this.shift = shift
    // the block's own state, all of it: how a block is flushed depends on its rows (pending) too
    this.pending = pending
    this.incomplete = partial.subarray(this.missOffset).some(x => x !== 0)
    try {
      this.flush()
    } finally {
      Object.assign(this, own)
    }
  }

  /** {@link BlockedSums.absorb} for cross-products: adds another accumulator's sums, its unfinished block flushed, and clears it. */
  absorb (other: CrossProductSums): void {
    if (other.pending > 0) other.flush()
    this.sums.addTable(other.sums)
    this.rows += other.rows
    other.clear()
  }
}

/** `Array.from(values, encodeNumber)` as a plain loop (a summary of d = 100 holds 25,250 partials). */
function encodeAll (values: Float64Array): EncodedNumber[] {
  const out: EncodedNumber[] = new Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = encodeNumber(values[i]!)
  return out
}

/** `Float64Array.from(values, decodeNumber)` as a plain loop. */
function decodeAll (values: readonly EncodedNumber[]): Float64Array {
  const out = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = decodeNumber(values[i])
  return out
}

/** Each accumulator's flush kernel, or null where its dimension has none (see CrossProductSums.ownFlushKernel). */
const flushKernels = new WeakMap<CrossProductSums, FlushKernel | null>()

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

/** Start of row j of a packed upper triangle of a d×d matrix. */
export function triangleRow (j: number, d: number): number {
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
  if (!Array.isArray(v.partial) || !Array.isArray(v.shift) || v.partial.length !== slots || v.shift.length !== dimension) {
    return `expected ${slots} statistics and ${dimension} shifts`
  }
  if (!Number.isInteger(v.rows) || !Number.isInteger(v.pending) || v.pending! < 0 || v.pending! >= BLOCK_ROWS || v.rows! < v.pending!) {
    return 'expected whole row counts'
  }
  return expansionTableProblem(v.sums, slots)
}

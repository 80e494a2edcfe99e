/**
 * Many exact sums kept in one flat table, for the d² slots of a covariance flushed at every block
 * (cross-products.ts).
 */
import { decodeNumber, ExactSum, productError, type EncodedNumber } from './exact-sum.js'

/** Partials one slot of an {@link ExpansionTable} keeps in place. */
export const EXPANSION_CAPACITY = 6

/** Where an {@link ExpansionTable} keeps its expansions: `capacity` partials and a count per cell. */
export interface ExpansionStorage {
  parts: Float64Array
  count: Uint8Array
}

/**
 * Many exact sums in one flat array: slot i keeps up to {@link EXPANSION_CAPACITY} non-overlapping
 * partials in increasing magnitude (the invariant of {@link ExactSum}, grown by the same
 * error-free additions). A slot that fills up is compressed (Shewchuk's COMPRESS: the same exact
 * value in as few partials as it needs) and, only if that does not free room, moved into an
 * ExactSum of its own. This keeps the d² exact sums of a covariance cheap to update at every
 * block flush.
 *
 * With `lowHalves`, each slot has a second expansion for the low halves of double-double terms
 * ({@link addPair}): values of one magnitude summed together stay two or three partials long,
 * where high and low halves in one expansion kept five or six and had it compressed every other
 * block. The slot's exact sum is that of both.
 */
export class ExpansionTable {
  private parts: Float64Array
  private count: Uint8Array
  /** Spilled sums by cell (slot, or slots + slot for a low half). */
  private readonly spilled = new Map<number, ExactSum>()
  private readonly scratch = new Float64Array(EXPANSION_CAPACITY + 1)
  /** Expansions: one per slot, then one per slot for the low halves. */
  private readonly cells: number

  /** `storage`, when given, holds the (empty) cells: see {@link moveTo}. */
  constructor (readonly slots: number, readonly lowHalves = false, storage?: ExpansionStorage) {
    this.cells = lowHalves ? 2 * slots : slots
    this.parts = storage?.parts ?? new Float64Array(this.cells * EXPANSION_CAPACITY)
    this.count = storage?.count ?? new Uint8Array(this.cells)
  }

  /**
   * Moves the cells into `storage` (a kernel's memory, for a kernel that grows them: see
   * {@link completeFull}), which must have room for them: the same sums, kept there from now on.
   */
  moveTo (storage: ExpansionStorage): void {
    storage.parts.set(this.parts)
    storage.count.set(this.count)
    this.parts = storage.parts
    this.count = storage.count
  }

  /**
   * Finishes an addition that a kernel grew into cell `cell` in place (as {@link add} does) and
   * that left all {@link EXPANSION_CAPACITY} partials full with a new largest one, `top`: the cell is
   * compressed (or spilled), as add would.
   */
  completeFull (cell: number, top: number): void {
    this.count[cell] = this.compress(cell, top)
  }

  /** Records that a kernel's addition overflowed into a partial (see {@link finite}). */
  markOverflow (): void {
    this.overflowed = true
  }

  /**
   * Whether an addition overflowed into a partial. Only the largest partial of an addition (the
   * carry of {@link grow}) can overflow: the smaller ones are errors of finite sums, NaN only after
   * it, and a compress rewrites an expansion whose total that carry was. Non-finite inputs are
   * spilled. A model checks its sums after every batch, and a scan of the d² slots' partials cost
   * about a tenth of a block's work at d = 100.
   */
  private overflowed = false

  /** False when a slot holds an infinite value, or an addition overflowed. */
  finite (): boolean {
    if (this.overflowed) return false
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
    this.addFinite(slot, x)
  }

  /**
   * Adds a double-double term hi + lo (both finite) to slot `slot` exactly: hi to its expansion,
   * lo to its low halves' (needs `lowHalves`).
   */
  addPair (slot: number, hi: number, lo: number): void {
    if (hi !== 0) this.addFinite(slot, hi)
    if (lo !== 0) this.addFinite(this.slots + slot, lo)
  }

  /** Adds a finite, non-zero x to the expansion of cell `cell`. */
  private addFinite (cell: number, x: number): void {
    const base = cell * EXPANSION_CAPACITY
    const i = this.grow(base, this.count[cell]!, x)
    x = this.carry
    if (x === 0) this.count[cell] = i
    else if (i === EXPANSION_CAPACITY) this.count[cell] = this.compress(cell, x)
    else {
      this.parts[base + i] = x
      this.count[cell] = i + 1
    }
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
    if (x - x !== 0) this.overflowed = true
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
   * Rewrites a full cell plus its new largest partial `top` as a compressed expansion (Shewchuk
   * 1997, COMPRESS); returns the new count, after moving everything into the cell's ExactSum if
   * it still does not fit.
   */
  private compress (cell: number, top: number): number {
    const parts = this.parts
    const base = cell * EXPANSION_CAPACITY
    const e = this.scratch
    for (let j = 0; j < EXPANSION_CAPACITY; j++) e[j] = parts[base + j]!
    e[EXPANSION_CAPACITY] = top
    // Downward pass: from the largest partial, keep each sum's error as the next carry.
    let bottom = EXPANSION_CAPACITY
    let q = e[EXPANSION_CAPACITY]!
    for (let j = EXPANSION_CAPACITY - 1; j >= 0; j--) {
      const y = e[j]!
      const hi = q + y
      const yv = hi - q
      const lo = (q - (hi - yv)) + (y - yv)
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
      const x = e[j]!
      const hi = x + carry
      const cv = hi - x
      const lo = (x - (hi - cv)) + (carry - cv)
      if (lo !== 0) e[n++] = lo
      carry = hi
    }
    e[n++] = carry
    if (n <= EXPANSION_CAPACITY) {
      for (let j = 0; j < n; j++) parts[base + j] = e[j]!
      return n
    }
    const sum = this.spill(cell)
    for (let j = 0; j < n; j++) sum.add(e[j]!)
    return 0
  }

  /** Adds the exact product a·b (Dekker's two-product). */
  addProduct (slot: number, a: number, b: number): void {
    const p = a * b
    this.add(slot, p)
    if (Number.isFinite(p)) this.add(slot, productError(a, b, p))
  }

  private spill (cell: number): ExactSum {
    let sum = this.spilled.get(cell)
    if (sum === undefined) {
      sum = new ExactSum()
      this.spilled.set(cell, sum)
    }
    return sum
  }

  /** Empties every slot (the arrays are kept: a block of sequences clears its tables many times per pass). */
  clear (): void {
    this.count.fill(0)
    this.spilled.clear()
    this.overflowed = false
  }

  /** Adds every slot of another table of as many slots (exactly), each of its expansions into the same one here if this table has it. */
  addTable (other: ExpansionTable): void {
    const cellHere = (cell: number): number => cell < this.cells ? cell : cell - other.slots
    for (const [cell, sum] of other.spilled) for (const x of sum.toJSON()) this.add(cellHere(cell), decodeNumber(x))
    for (let cell = 0; cell < other.cells; cell++) {
      // most slots of a covariance's table (those of missing values) are empty: no view for them
      if (other.count[cell]! > 0) this.addTerms(cellHere(cell), other.parts.subarray(cell * EXPANSION_CAPACITY), other.count[cell]!)
    }
  }

  /** Every slot as an ExactSum. */
  exactSums (): ExactSum[] {
    const { counts, parts } = this.toJSON()
    let at = 0
    return counts.map(n => ExactSum.from(parts.slice(at, (at += n))))
  }

  /**
   * Every slot's partials in one flat list: slot i's are the next `counts[i]` entries of `parts`,
   * numbers whose exact sum is the slot's (what ExactSum.from reads). Two flat lists instead of a
   * list per slot: a thread's summary of d = 100 holds 25,250 slots, and their lists cost more to
   * copy between threads than the pass's merge.
   */
  toJSON (): ExpansionTableSummary {
    const counts: number[] = new Array(this.slots)
    const parts: EncodedNumber[] = []
    const spilled = this.spilled.size > 0
    for (let slot = 0; slot < this.slots; slot++) {
      const before = parts.length
      for (let cell = slot; cell < this.cells; cell += this.slots) {
        if (spilled) for (const x of this.spilled.get(cell)?.toJSON() ?? []) parts.push(x)
        for (let j = 0; j < this.count[cell]!; j++) parts.push(this.parts[cell * EXPANSION_CAPACITY + j]!)
      }
      counts[slot] = parts.length - before
    }
    return { counts, parts }
  }

  /** Adds the slots of {@link toJSON}'s lists (exactly); `counts` must have one entry per slot and `parts` their total. */
  addJSON ({ counts, parts }: ExpansionTableSummary): void {
    let at = 0
    for (let slot = 0; slot < this.slots; slot++) {
      for (const end = at + counts[slot]!; at < end; at++) this.add(slot, decodeNumber(parts[at]))
    }
  }
}

/** The slots of an {@link ExpansionTable} as JSON (see ExpansionTable.toJSON). */
export interface ExpansionTableSummary {
  counts: number[]
  parts: EncodedNumber[]
}

/** A message saying why a value is not an {@link ExpansionTableSummary} of `slots` slots, or undefined. */
export function expansionTableProblem (s: unknown, slots: number): string | undefined {
  const v = s as Partial<ExpansionTableSummary> | null
  if (typeof v !== 'object' || v === null || !Array.isArray(v.counts) || !Array.isArray(v.parts)) return 'expected the exact sums as { counts, parts }'
  if (v.counts.length !== slots) return `expected ${slots} exact sums, got ${v.counts.length}`
  let total = 0
  for (const n of v.counts) {
    if (!Number.isInteger(n) || n < 0) return 'expected whole counts of partials'
    total += n
  }
  if (total !== v.parts.length) return `expected ${total} partials, got ${v.parts.length}`
  return undefined
}

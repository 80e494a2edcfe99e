/**
 * Exact weighted counts of tuples of category codes over a list of columns (all the columns for
 * distinct rows, pomegranate's `reduce_dataset`, or a few for a count table).
 *
 * Invariant: the count of every tuple is the exact sum of its weights, rounded once when read, so
 * any chunking, any merge order, and counting rows first and grouping them into a table later all
 * give the same bits. Integer-valued weights are added as doubles, which is exact while a count
 * stays below 2^53; any other weight goes into an exact sum (Shewchuk's expansion, `ExactSum` of
 * core/accumulate.ts) kept beside the integer part.
 *
 * Tuples are found by their codes packed into a number (code + 1 in a few bits per column, 0 for
 * missing): through an array indexed by it while the packed codes fit in 16 bits (a small table,
 * such as a pair of columns: one load per row instead of a hash lookup), else through a `Map`
 * keyed by it, or by a string when the codes need more than 52 bits.
 */
import { ExactSum, type EncodedNumber } from '../core/accumulate.js'
import { MISSING } from './categories.js'

/** Largest count kept in the integer part (2^53: doubles are exact integers up to here). */
const INTEGER_LIMIT = 2 ** 53

/** Packed codes of at most this many bits are looked up in an array. */
const DIRECT_BITS = 16

/** Bytes one tuple costs (codes, counts, the Map entry): what the memory budget counts. */
export function tupleBytes (width: number): number {
  return 4 * width + 8 + 80
}

/** A {@link TupleCounts} as plain JSON. */
export interface TupleCountsSummary {
  columns: number[]
  /** The codes of every tuple, tuple after tuple (−1 for missing). */
  cells: number[]
  /** The integer part of each count. */
  integer: number[]
  /** The exact remainder of each count (partials of an ExactSum), or 0 when there is none. */
  exact: Array<EncodedNumber[] | 0>
}

export class TupleCounts {
  size = 0
  codes: Int32Array
  private integer: Float64Array
  private exact: Array<ExactSum | undefined> = []
  private index = new Map<number | string, number>()
  /** slot + 1 by packed key, while the keys fit in DIRECT_BITS bits (0: no slot yet). */
  private direct: Int32Array | undefined
  /** Bits per member column, and the multiplier of each in the packed key (undefined: string keys). */
  private bits: number[]
  private multipliers: number[] | undefined
  readonly width: number
  private readonly scratch: Int32Array

  constructor (readonly columns: readonly number[], capacity = 16) {
    this.width = columns.length
    this.scratch = new Int32Array(this.width)
    this.codes = new Int32Array(capacity * this.width)
    this.integer = new Float64Array(capacity)
    this.bits = columns.map(() => 2)
    this.multipliers = this.packing()
    this.direct = this.directTable()
  }

  private directTable (): Int32Array | undefined {
    const total = this.bits.reduce((a, b) => a + b, 0)
    return total <= DIRECT_BITS ? new Int32Array(2 ** total) : undefined
  }

  /** Bytes held, as counted by the memory budget. */
  get bytes (): number {
    return this.size * tupleBytes(this.width)
  }

  /** Makes room for codes below `cardinality` in member `j`, repacking the keys when it grows. */
  fit (j: number, cardinality: number): void {
    let bits = this.bits[j]!
    while (2 ** bits < cardinality + 1) bits++
    if (bits === this.bits[j]) return
    this.bits[j] = bits
    this.multipliers = this.packing()
    this.direct = this.directTable()
    this.index = new Map()
    for (let slot = 0; slot < this.size; slot++) {
      const key = this.keyAt(this.codes, slot * this.width)
      if (this.direct !== undefined) this.direct[key as number] = slot + 1
      else this.index.set(key, slot)
    }
  }

  private packing (): number[] | undefined {
    let total = 0
    const out: number[] = []
    for (const b of this.bits) {
      out.push(2 ** total)
      total += b
    }
    return total <= 52 ? out : undefined
  }

  /** The key of the tuple at `codes[at..at+width)`. */
  private keyAt (codes: Int32Array, at: number): number | string {
    const m = this.multipliers
    if (m === undefined) return Array.prototype.join.call(codes.subarray(at, at + this.width), ',')
    let key = 0
    for (let j = 0; j < this.width; j++) key += (codes[at + j]! + 1) * m[j]!
    return key
  }

  /** The slot of the tuple at `codes[at..at+width)`, adding it when new. */
  slot (codes: Int32Array, at: number): number {
    const key = this.keyAt(codes, at)
    const direct = this.direct
    let slot = direct === undefined ? this.index.get(key) : direct[key as number]! - 1
    if (slot === undefined || slot < 0) {
      slot = this.size++
      if (slot === this.integer.length) this.grow()
      this.codes.set(codes.subarray(at, at + this.width), slot * this.width)
      if (direct !== undefined) direct[key as number] = slot + 1
      else this.index.set(key, slot)
    }
    return slot
  }

  private grow (): void {
    const codes = new Int32Array(this.codes.length * 2)
    codes.set(this.codes)
    this.codes = codes
    const integer = new Float64Array(this.integer.length * 2)
    integer.set(this.integer)
    this.integer = integer
  }

  /**
   * Counts rows start…end−1 of a code matrix (`stride` codes per row) over this table's members,
   * found at `members[j]` of each row; rows of weight 0 are skipped.
   */
  addRows (codes: Int32Array, stride: number, members: readonly number[], weights: Float64Array | undefined, start: number, end: number): void {
    const width = this.width
    const direct = this.direct
    const m = this.multipliers
    if (direct !== undefined && m !== undefined && weights === undefined) {
      // The common case of a small table and unit weights: the packed key indexes the slots.
      let integer = this.integer
      for (let r = start; r < end; r++) {
        const at = r * stride
        let key = 0
        for (let j = 0; j < width; j++) key += (codes[at + members[j]!]! + 1) * m[j]!
        const slot = direct[key]! - 1
        if (slot >= 0 && integer[slot]! < INTEGER_LIMIT) {
          integer[slot]! += 1
        } else {
          this.addRow(codes, at, members, 1)
          integer = this.integer // a new slot may have grown the arrays
        }
      }
      return
    }
    for (let r = start; r < end; r++) {
      const w = weights === undefined ? 1 : weights[r]!
      if (w !== 0) this.addRow(codes, r * stride, members, w)
    }
  }

  private addRow (codes: Int32Array, at: number, members: readonly number[], w: number): void {
    const tuple = this.scratch
    for (let j = 0; j < this.width; j++) tuple[j] = codes[at + members[j]!]!
    this.add(this.slot(tuple, 0), w)
  }

  /** Adds weight w (finite, >= 0) to a slot, exactly. */
  add (slot: number, w: number): void {
    const sum = this.integer[slot]! + w
    if (Number.isInteger(w) && sum <= INTEGER_LIMIT) {
      this.integer[slot] = sum
    } else {
      (this.exact[slot] ??= new ExactSum()).add(w)
    }
  }

  /** Adds a slot's count of another table (its integer part and exact remainder) to a slot. */
  addCount (slot: number, other: TupleCounts, from: number): void {
    const w = other.integer[from]!
    if (w !== 0) this.add(slot, w)
    const rest = other.exact[from]
    if (rest !== undefined) (this.exact[slot] ??= new ExactSum()).addSum(rest)
  }

  /** The count of a slot, rounded once. */
  value (slot: number): number {
    const rest = this.exact[slot]
    if (rest === undefined) return this.integer[slot]!
    const sum = rest.clone()
    sum.add(this.integer[slot]!)
    return sum.value()
  }

  /**
   * Adds every tuple of `other`, its codes read through `remap[j][code]` for member j of this
   * table from member `from[j]` of the other (a projection when this table has fewer members).
   */
  addTable (other: TupleCounts, from: readonly number[], remap: ReadonlyArray<Int32Array | undefined>): void {
    const tuple = new Int32Array(this.width)
    for (let s = 0; s < other.size; s++) {
      for (let j = 0; j < this.width; j++) {
        const code = other.codes[s * other.width + from[j]!]!
        const map = remap[j]
        tuple[j] = code === MISSING || map === undefined ? code : map[code]!
      }
      this.addCount(this.slot(tuple, 0), other, s)
    }
  }

  summary (): TupleCountsSummary {
    return {
      columns: [...this.columns],
      cells: Array.from(this.codes.subarray(0, this.size * this.width)),
      integer: Array.from(this.integer.subarray(0, this.size)),
      exact: Array.from({ length: this.size }, (_, s) => this.exact[s]?.toJSON() ?? 0)
    }
  }

  /** Rebuilds a table from a checked summary (codes already in this summary's numbering). */
  static from (s: TupleCountsSummary, cardinalities: readonly number[]): TupleCounts {
    const table = new TupleCounts(s.columns, Math.max(16, s.integer.length))
    s.columns.forEach((c, j) => table.fit(j, cardinalities[c]!))
    const codes = Int32Array.from(s.cells)
    for (let i = 0; i < s.integer.length; i++) {
      const slot = table.slot(codes, i * table.width)
      table.add(slot, s.integer[i]!)
      const rest = s.exact[i]
      if (rest !== 0 && rest !== undefined) (table.exact[slot] ??= new ExactSum()).addSum(ExactSum.from(rest))
    }
    return table
  }
}

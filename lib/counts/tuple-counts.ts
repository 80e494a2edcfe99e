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
 * Tuples are found through one `Map` keyed by the codes packed into a number (code + 1 in a few
 * bits per column, 0 for missing), or by a string when the codes need more than 52 bits.
 */
import { ExactSum, type EncodedNumber } from '../core/accumulate.js'
import { MISSING } from './categories.js'

/** Largest count kept in the integer part (2^53: doubles are exact integers up to here). */
const INTEGER_LIMIT = 2 ** 53

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
  /** Bits per member column, and the multiplier of each in the packed key (undefined: string keys). */
  private bits: number[]
  private multipliers: number[] | undefined
  readonly width: number

  constructor (readonly columns: readonly number[], capacity = 16) {
    this.width = columns.length
    this.codes = new Int32Array(capacity * this.width)
    this.integer = new Float64Array(capacity)
    this.bits = columns.map(() => 2)
    this.multipliers = this.packing()
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
    this.index = new Map()
    for (let slot = 0; slot < this.size; slot++) this.index.set(this.keyAt(this.codes, slot * this.width), slot)
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
    let slot = this.index.get(key)
    if (slot === undefined) {
      slot = this.size++
      if (slot === this.integer.length) this.grow()
      this.codes.set(codes.subarray(at, at + this.width), slot * this.width)
      this.index.set(key, slot)
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

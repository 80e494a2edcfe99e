/**
 * Exact sums of floating-point numbers: non-overlapping expansions (Shewchuk 1997, the `msum` of
 * Python's `math.fsum`), read by correct rounding, and the error-free operations they are built
 * from (Dekker's product error, Knuth's two-sum). See accumulate.ts for how blocks use them.
 */

/** 2^27 + 1, Dekker's splitting constant: `t = SPLITTER·a; hi = t − (t − a)` keeps a's upper 26 bits. */
export const SPLITTER = 134217729

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

export function productError (a: number, b: number, p: number): number {
  let t = SPLITTER * a
  const ahi = t - (t - a)
  const alo = a - ahi
  t = SPLITTER * b
  const bhi = t - (t - b)
  const blo = b - bhi
  return ((ahi * bhi - p) + ahi * blo + alo * bhi) + alo * blo
}

/** Knuth's two-sum: [hi, lo] with hi + lo = a + b exactly, whatever their magnitudes. */
export function twoSum (a: number, b: number): [number, number] {
  const hi = a + b
  const bv = hi - a
  return [hi, (a - (hi - bv)) + (b - bv)]
}

/**
 * The categories of each column of a count summary, discovered as they appear: a `Map` per column
 * from the category itself to a code (so `__proto__`, `1`, `"1"` and `true` are four different
 * categories), codes in order of first appearance, and the canonical order every result is given
 * in (so the order shards arrive in cannot change a result).
 */
import type { Batch } from '../core/batch.js'
import { ArilError, limitExceeded, show } from '../core/errors.js'
import { compareKeys } from '../core/keys.js'

/** A category: a string, a finite number or a boolean. `null`, NaN and `"nan"` are missing. */
export type Category = string | number | boolean

/** The code of a missing value. */
export const MISSING = -1

/** Codes of small non-negative integers are looked up in an array, not a Map. */
const SMALL = 256

/**
 * The canonical order of categories: numbers ascending, then strings (by code unit), then
 * `false`, `true`. Results list categories in this order, whatever order they were seen in.
 * @example
 * ```ts
 * ['b', true, 2, 'a', 1].sort(compareCategories) // => [1, 2, 'a', 'b', true]
 * ```
 */
export function compareCategories (a: Category, b: Category): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    if (typeof a !== 'boolean') return -1
    if (typeof b !== 'boolean') return 1
    return Number(a) - Number(b)
  }
  return compareKeys(a, b)
}

/** Whether a value is a missing category (null, undefined, NaN or `"nan"`, as pomegranate). */
export function isMissing (value: unknown): boolean {
  return value === null || value === undefined || value !== value || value === 'nan'
}

/** Whether a value can be a category. */
export function isCategory (value: unknown): value is Category {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

/** The categories of one column. */
export class ColumnCategories {
  /** Categories in order of first appearance; a category's code is its index here. */
  readonly keys: Category[] = []
  private readonly codes = new Map<Category, number>()
  private readonly small = new Int32Array(SMALL).fill(MISSING)

  constructor (readonly column: number, private readonly maxCategories: number) {}

  get size (): number {
    return this.keys.length
  }

  /** The code of a category, adding it when new. */
  code (key: Category): number {
    const known = this.codes.get(key)
    if (known !== undefined) return known
    if (this.keys.length >= this.maxCategories) {
      limitExceeded('maxCategories', this.maxCategories, `category ${show(key)} of column ${this.column}`, { column: this.column })
    }
    const code = this.keys.push(key) - 1
    this.codes.set(key, code)
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < SMALL) this.small[key] = code
    return code
  }

  /** The code of a number read from a numeric column (NaN is missing; −0 is 0). */
  numberCode (x: number, row: number): number {
    if (x >= 0 && x < SMALL) {
      const i = x | 0
      if (i === x) {
        const code = this.small[i]!
        return code >= 0 ? code : this.code(i)
      }
    }
    if (x !== x) return MISSING
    if (x === Infinity || x === -Infinity) {
      throw new ArilError('ERR_INVALID_INPUT', `Expected a category (a string, a finite number or a boolean), got ${x}`, { row, column: this.column })
    }
    return this.code(x === 0 ? 0 : x)
  }

  /** The code of a raw value of a categorical column. */
  valueCode (value: unknown, row: number): number {
    if (typeof value === 'number') return this.numberCode(value, row)
    if (isMissing(value)) return MISSING
    if (!isCategory(value)) {
      throw new ArilError('ERR_INVALID_INPUT', `Expected a category (a string, a finite number or a boolean), got ${show(value)}`, { row, column: this.column })
    }
    return this.code(value)
  }

  /** The codes of a column of a batch, written to `out[r·stride + offset]`. */
  readColumn (batch: Batch, out: Int32Array, stride: number, offset: number, rowBase: number): void {
    const raw = batch.categories?.[this.column] as ReadonlyArray<unknown> | undefined
    const { data, cols, rows } = batch
    if (raw === undefined) {
      for (let r = 0; r < rows; r++) out[r * stride + offset] = this.numberCode(data[r * cols + this.column]!, rowBase + r)
    } else {
      for (let r = 0; r < rows; r++) out[r * stride + offset] = this.valueCode(raw[r], rowBase + r)
    }
  }

  /**
   * The categories in canonical order, and `rank[code]`: each code's position in that order.
   */
  canonical (): { keys: Category[]; rank: Int32Array } {
    const order = this.keys.map((_, code) => code).sort((a, b) => compareCategories(this.keys[a]!, this.keys[b]!))
    const rank = new Int32Array(order.length)
    order.forEach((code, i) => { rank[code] = i })
    return { keys: order.map(code => this.keys[code]!), rank }
  }
}

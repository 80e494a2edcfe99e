/**
 * The fast paths of `number[]` and `number[][]` input: values, and rows that are plain arrays of `cols` numbers copied into
 * a row-major Float64Array, with one type and length check per row. For cols ≤ UNROLL_LIMIT the
 * row is written out (see core/generated.ts): V8 reads a short row about twice as fast with its
 * values named one by one as through a loop over the columns. A row that is anything else (a
 * typed array, another length, a null, a string, a bigint) stops the copy at that row, which
 * toBatch's general path then converts or rejects with its row and column, so every error stays
 * the one of the general path.
 */
import { compileKernel, range } from './generated.js'

/**
 * Copies rows start, start + 1, … of `rows` into `out` from index `at` on, while each is an
 * array of `cols` numbers; returns the first row it did not copy (`end` when all were).
 */
export type RowCopier = (rows: ArrayLike<unknown>, start: number, end: number, out: Float64Array, at: number) => number

/** The most columns written out. */
export const UNROLL_LIMIT = 32

/**
 * The loop form of {@link RowCopier}.
 * @example
 * ```ts
 * const out = new Float64Array(4)
 * copyRowsLoop(2)([[1, 2], [3, null]], 0, 2, out, 0) // => 1 (row 1 holds a null), out = [1, 2, 0, 0]
 * ```
 */
export function copyRowsLoop (cols: number): RowCopier {
  return (rows, start, end, out, at) => {
    for (let r = start; r < end; r++, at += cols) {
      const row = rows[r]
      if (!Array.isArray(row) || row.length !== cols) return r
      for (let c = 0; c < cols; c++) {
        const v: unknown = row[c]
        if (typeof v !== 'number') return r
        out[at + c] = v
      }
    }
    return end
  }
}

/** The source of the written-out copier for 1 ≤ cols ≤ UNROLL_LIMIT: every value read and checked before any is written. */
function copierSource (cols: number): string {
  const columns = range(cols)
  return `
    for (let r = start; r < end; r++, at += ${cols}) {
      const row = rows[r]
      if (!Array.isArray(row) || row.length !== ${cols}) return r
      ${columns.map(c => `const v${c} = row[${c}]`).join('\n      ')}
      if (${columns.map(c => `typeof v${c} !== 'number'`).join(' || ')}) return r
      ${columns.map(c => `out[at + ${c}] = v${c}`).join('\n      ')}
    }
    return end`
}

const copiers = new Map<number, RowCopier>()

/**
 * The fastest {@link RowCopier} for `cols` columns: written out for 1 ≤ cols ≤ UNROLL_LIMIT when
 * code generation is allowed, else {@link copyRowsLoop}. Both copy the same values.
 * @example
 * ```ts
 * const out = new Float64Array(6)
 * rowCopier(3)([[1, 2, 3], [4, 5, 6]], 0, 2, out, 0) // => 2, out = [1, 2, 3, 4, 5, 6]
 * ```
 */
export function rowCopier (cols: number): RowCopier {
  let copier = copiers.get(cols)
  if (copier === undefined) {
    const written = cols >= 1 && cols <= UNROLL_LIMIT ? compileKernel<RowCopier>(['rows', 'start', 'end', 'out', 'at'], copierSource(cols)) : undefined
    copier = written ?? copyRowsLoop(cols)
    copiers.set(cols, copier)
  }
  return copier
}

/**
 * The column form: copies values from, from + 1, … of `values` into `out[i − start]` while each
 * is a number; returns the first index it did not copy (`end` when all were). One plain loop:
 * the general path's branches on each value's type cost half as much again (10^6 values: 2.2 vs 1.4 ms).
 * @example
 * ```ts
 * const out = new Float64Array(3)
 * copyNumbers([1, 'x', 3], 0, 3, out, 0) // => 1, out = [1, 0, 0]
 * ```
 */
export function copyNumbers (values: ArrayLike<unknown>, from: number, end: number, out: Float64Array, start: number): number {
  for (let i = from; i < end; i++) {
    const v = values[i]
    if (typeof v !== 'number') return i
    out[i - start] = v
  }
  return end
}

/** The number[][] fast path (copy-rows.ts): the written-out and loop copiers, and toBatch's rows through them. */
import t from 'tap'
import { copyNumbers, copyRowsLoop, rowCopier, UNROLL_LIMIT } from '../../lib/core/copy-rows.js'
import { toBatch, type BatchInput } from '../../lib/core/batch.js'
import { assertArilError } from '../helpers.js'

/** Rows 0 … n − 1 of `cols` distinct values each (integers, fractions, NaN, −0). */
function numberRows (n: number, cols: number): number[][] {
  const specials = [NaN, -0, 1e308, -2.5]
  return Array.from({ length: n }, (_, r) => Array.from({ length: cols }, (_, c) => (r * cols + c) % 7 === 3 ? specials[(r + c) % 4]! : r * 1000 + c + (c % 2) / 4))
}

/** The bytes of the values, so that −0 and 0 differ. */
function bits (values: Float64Array): number[] {
  return Array.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
}

t.test('written-out and loop copiers copy the same values and stop at the same row', async t => {
  for (const cols of [1, 2, 5, 10, UNROLL_LIMIT, UNROLL_LIMIT + 1, 40]) {
    const rows = numberRows(20, cols)
    const expected = Float64Array.from(rows.flat())
    for (const [name, copy] of [['written out', rowCopier(cols)], ['loop', copyRowsLoop(cols)]] as const) {
      const out = new Float64Array(20 * cols)
      t.equal(copy(rows, 0, 20, out, 0), 20, `${cols} columns, ${name}: every row`)
      t.same(bits(out), bits(expected), `${cols} columns, ${name}: the values, bit for bit (NaN and −0 included)`)
      const part = new Float64Array(5 * cols)
      t.equal(copy(rows, 3, 8, part, 0), 8, `${cols} columns, ${name}: rows 3 … 7`)
      t.same(part, expected.subarray(3 * cols, 8 * cols))
      const offset = new Float64Array(6 * cols)
      t.equal(copy(rows, 3, 8, offset, cols), 8, `${cols} columns, ${name}: written from an offset`)
      t.same(offset.subarray(cols), expected.subarray(3 * cols, 8 * cols))
    }
    const negativeZero = rowCopier(cols)
    const out = new Float64Array(cols)
    negativeZero([Array.from({ length: cols }, () => -0)], 0, 1, out, 0)
    t.ok(Object.is(out[0], -0), `${cols} columns: −0 stays −0`)
  }
})

t.test('a copier stops at the first row that is not an array of `cols` numbers', async t => {
  const cols = 4
  const breakers: Array<[string, unknown]> = [
    ['a null value', [1, null, 3, 4]],
    ['an undefined value', [1, 2, undefined, 4]],
    ['a hole', (() => { const row = [1, 2, 3, 4]; delete row[3]; return row })()],
    ['a string', [1, 2, '3', 4]],
    ['a boolean', [true, 2, 3, 4]],
    ['a bigint', [1, 2, 3, 4n]],
    ['a typed array', Float64Array.of(1, 2, 3, 4)],
    ['a shorter row', [1, 2, 3]],
    ['a longer row', [1, 2, 3, 4, 5]],
    ['not a row', 7],
    ['null', null]
  ]
  for (const [name, row] of breakers) {
    const rows: unknown[] = numberRows(6, cols)
    rows[4] = row
    for (const copy of [rowCopier(cols), copyRowsLoop(cols)]) {
      const out = new Float64Array(6 * cols)
      t.equal(copy(rows, 1, 6, out, 0), 4, `${name}: stops at row 4`)
      t.same(out.subarray(0, 3 * cols), Float64Array.from((rows.slice(1, 4) as number[][]).flat()), `${name}: rows before it copied`)
    }
  }
  t.equal(rowCopier(0)([[], []], 0, 2, new Float64Array(0), 0), 2, 'rows of 0 columns')
  t.equal(rowCopier(0)([[], [1]], 0, 2, new Float64Array(0), 0), 1, 'a row of 1 value among rows of 0')
})

t.test('toBatch: rows the copier leaves to the general path convert as before', async t => {
  const rows: unknown[] = [[1, 2], Float32Array.of(3, 4), [null, 6], [7, undefined], [8n, 9], [10, NaN], [11, 12]]
  const b = toBatch(rows as BatchInput)
  t.same(Array.from(b.data), [1, 2, 3, 4, NaN, 6, 7, NaN, 8, 9, 10, NaN, 11, 12])
  t.same(toBatch([[1, 'a'], [2, 3], [null, 'b']] as BatchInput, { categorical: true }).categories, [undefined, ['a', 3, 'b']], 'categories of a column with strings')
  assertArilError(t, () => toBatch([[1, 2], [3, 4], [5, 'x']] as BatchInput), { code: 'ERR_NOT_NUMERIC', row: 2, column: 1 })
  assertArilError(t, () => toBatch([[1, 2], [3, 4], [5]]), { code: 'ERR_RAGGED_ROWS', row: 2 })
  assertArilError(t, () => toBatch([[1, 2], [3, 4], 5] as BatchInput), { code: 'ERR_RAGGED_ROWS', row: 2 })
  assertArilError(t, () => toBatch([[1, 2], [3, 4], [5, 2n ** 60n + 1n]] as BatchInput), { code: 'ERR_NOT_NUMERIC', row: 2, column: 1 })
  assertArilError(t, () => toBatch([[1, 2], [null, 'x'], [5, 'y']] as BatchInput), { code: 'ERR_NOT_NUMERIC', row: 1, column: 1 })
})

t.test('copyNumbers: a column of numbers, stopping at the first other value', async t => {
  const values: unknown[] = [1.5, -0, NaN, 4, null, 6, 'x', 8]
  const out = new Float64Array(8)
  t.equal(copyNumbers(values, 0, 8, out, 0), 4, 'stops at the null')
  t.same(bits(out.subarray(0, 4)), bits(Float64Array.of(1.5, -0, NaN, 4)), 'values before it, bit for bit')
  t.equal(copyNumbers(values, 5, 8, out, 0), 6, 'then at the string')
  t.equal(out[5], 6, 'written at i − start')
  const part = new Float64Array(2)
  t.equal(copyNumbers(values, 2, 4, part, 2), 4, 'a range')
  t.same(bits(part), bits(Float64Array.of(NaN, 4)))
  t.equal(copyNumbers([1, 2n, 3], 0, 3, new Float64Array(3), 0), 1, 'a bigint is left to the general path')
  const b = toBatch([1, null, 3, undefined, 2n, NaN] as unknown as number[])
  t.same(Array.from(b.data), [1, NaN, 3, NaN, 2, NaN], 'toBatch: missing values and bigints as before')
  t.same(toBatch([1, 'a', 3, null] as unknown as number[], { categorical: true }).categories, [[1, 'a', 3, null]])
  assertArilError(t, () => toBatch([1, 2, 'x'] as unknown as number[]), { code: 'ERR_NOT_NUMERIC', row: 2, column: 0 })
})

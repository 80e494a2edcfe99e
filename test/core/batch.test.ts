import t from 'tap'
import { batchRows, toBatch, sliceBatch, isBatch, checkWeights } from '../../lib/core/batch.js'
import { assertArilError } from '../helpers.js'

t.test('every accepted input shape', async t => {
  t.same(toBatch([1, 2, 3]), { data: Float64Array.from([1, 2, 3]), rows: 3, cols: 1 })
  t.same(toBatch([[1, 2], [3, 4]]), { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2 })
  const f64 = Float64Array.from([5, 6])
  t.equal(toBatch(f64).data, f64, 'a Float64Array is used as it is')
  t.same(toBatch(Int16Array.from([-1, 7])).data, Float64Array.from([-1, 7]))
  t.same(toBatch(BigInt64Array.from([1n, -2n])).data, Float64Array.from([1, -2]))
  t.same(toBatch([Float32Array.from([1.5, 2]), Float32Array.from([3, 4])]), { data: Float64Array.from([1.5, 2, 3, 4]), rows: 2, cols: 2 })
  t.same(toBatch({ data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }), { data: Float64Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 })
  t.same(toBatch({ data: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2] }), { data: Float64Array.from([1, 2, 3, 4]), rows: 1, cols: 4 })
  const batch = { data: Float64Array.from([1, 2]), rows: 2, cols: 1 }
  t.equal(toBatch(batch), batch, 'a Batch passes through')
  t.same(toBatch([]), { data: new Float64Array(0), rows: 0, cols: 1 })
  t.ok(isBatch(batch))
  t.notOk(isBatch([1]))
})

t.test('missing values: null, undefined and NaN', async t => {
  const b = toBatch([1, null, undefined, NaN] as unknown as number[])
  t.same(Array.from(b.data).map(Number.isNaN), [false, true, true, true])
})

t.test('categorical values are kept when allowed', async t => {
  const b = toBatch(['a', 'b', null, 3], { categorical: true })
  t.same(b.categories, [['a', 'b', null, 3]])
  t.same(Array.from(b.data).slice(3), [3])
  const rows = toBatch([[1, 'x'], [2, 'y'], [NaN, 'x']], { categorical: true })
  t.same(rows.categories, [undefined, ['x', 'y', 'x']])
  t.same(Array.from(rows.data).filter(x => !Number.isNaN(x)), [1, 2])
})

t.test('weights and labels', async t => {
  const b = toBatch([1, 2], { weights: [0.5, 2], labels: [0, -1] })
  t.same(b.weights, Float64Array.from([0.5, 2]))
  t.same(b.labels, Float64Array.from([0, -1]))
  t.same(checkWeights([1, 0], 2), Float64Array.from([1, 0]))
})

t.test('sliceBatch shares memory and slices every field', async t => {
  const b = toBatch([[1, 'a'], [2, 'b'], [3, 'c']], { categorical: true, weights: [1, 2, 3], labels: [0, 1, 0] })
  const s = sliceBatch(b, 1, 3)
  t.equal(s.rows, 2)
  t.same(Array.from(s.data).filter(x => !Number.isNaN(x)), [2, 3])
  t.same(s.weights, Float64Array.from([2, 3]))
  t.same(s.labels, Float64Array.from([1, 0]))
  t.same(s.categories, [undefined, ['b', 'c']])
  t.equal(s.data.buffer, b.data.buffer)
})

t.test('malformed inputs: code and location', async t => {
  const cases: Array<[string, () => unknown, Record<string, unknown>]> = [
    ['ragged rows', () => toBatch([[1, 2], [3]]), { code: 'ERR_RAGGED_ROWS', row: 1 }],
    ['a row that is not a row', () => toBatch([[1, 2], 3] as unknown as number[][]), { code: 'ERR_RAGGED_ROWS', row: 1 }],
    ['a string in numeric data', () => toBatch([[1, 2], [3, 'x']] as unknown as number[][]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 1 }],
    ['a string in a column', () => toBatch([1, 'x'] as unknown as number[]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 }],
    ['an object', () => toBatch([{}] as unknown as number[]), { code: 'ERR_NOT_NUMERIC', row: 0 }],
    ['categorical batch for a numeric model', () => toBatch({ data: new Float64Array(1).fill(NaN), rows: 1, cols: 1, categories: [['a']] }), { code: 'ERR_NOT_NUMERIC', row: 0, column: 0 }],
    ['wrong column count', () => toBatch([[1, 2]], { cols: 3 }), { code: 'ERR_COLUMN_COUNT' }],
    ['weights of the wrong length', () => toBatch([1, 2], { weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' }],
    ['negative weight', () => toBatch([1, 2], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 }],
    ['NaN weight', () => toBatch([1, 2], { weights: [NaN, 1] }), { code: 'ERR_INVALID_WEIGHTS', row: 0 }],
    ['infinite weight', () => toBatch([1, 2], { weights: [1, Infinity] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 }],
    ['weights twice', () => toBatch({ data: Float64Array.from([1]), rows: 1, cols: 1, weights: Float64Array.from([1]) }, { weights: [2] }), { code: 'ERR_INVALID_WEIGHTS' }],
    ['labels of the wrong length', () => toBatch([1, 2], { labels: [1] }), { code: 'ERR_INVALID_INPUT' }],
    ['batch labels of the wrong length', () => toBatch({ data: Float64Array.from([1]), rows: 1, cols: 1, labels: new Float64Array(2) }), { code: 'ERR_INVALID_INPUT' }],
    ['batch with the wrong data length', () => toBatch({ data: new Float64Array(3), rows: 2, cols: 2 }), { code: 'ERR_INVALID_INPUT' }],
    ['batch with bad weights', () => toBatch({ data: new Float64Array(1), rows: 1, cols: 1, weights: Float64Array.from([-1]) }), { code: 'ERR_INVALID_WEIGHTS', row: 0 }],
    ['shape that does not match', () => toBatch({ data: [1, 2, 3], shape: [2, 2] }), { code: 'ERR_INVALID_INPUT' }],
    ['shape that is not a shape', () => toBatch({ data: [1], shape: [] }), { code: 'ERR_INVALID_INPUT' }],
    ['a bigint too large for a double', () => toBatch(BigInt64Array.from([2n ** 60n + 1n])), { code: 'ERR_NOT_NUMERIC', row: 0 }],
    ['not an array', () => toBatch(42 as unknown as number[]), { code: 'ERR_INVALID_INPUT' }]
  ]
  for (const [name, fn, expected] of cases) assertArilError(t, fn, expected as { code: string }, name)
})

t.test('batchRows gives the rows as arrays', async t => {
  t.same(batchRows({ data: Float64Array.of(0, 1, 2, 3), rows: 2, cols: 2 }), [[0, 1], [2, 3]])
  t.same(batchRows({ data: Float64Array.of(0, 1), rows: 1, cols: 2 }, Math.exp), [[1, Math.E]])
})

import t from 'tap'
import {
  BLOCK_SEQUENCES, blockUnits, concatSequences, isSequenceBatch, sequenceAt, sequenceCount, sequenceWeight, sliceSequences, toSequenceBatch, type SequenceBatch
} from '../../lib/core/sequence.js'
import { toBatch } from '../../lib/core/batch.js'
import { BLOCK_ROWS } from '../../lib/core/accumulate.js'
import { assertArilError } from '../helpers.js'

t.test('toSequenceBatch: numbers, symbols, rows; offsets, weights, labels', async t => {
  const b = toSequenceBatch([[1, 2], [], [3]])
  t.same(Array.from(b.data), [1, 2, 3])
  t.same(Array.from(b.offsets), [0, 2, 2, 3])
  t.equal(b.cols, 1)
  t.equal(b.weights, undefined)
  t.equal(b.categories, undefined)
  t.equal(sequenceCount(b), 3)
  t.ok(isSequenceBatch(b))
  t.notOk(isSequenceBatch(toBatch([1, 2])))
  t.notOk(isSequenceBatch([1]))

  // symbols in one sequence, numbers in another: the numbers become keys of the column
  const s = toSequenceBatch([['H', 'T'], [1, null], [Float64Array.of(2)[0]!]], { categorical: true, weights: [1, 0.5, 2], labels: [['a', 'b'], [null, 'a'], ['b']] })
  t.same(s.categories, [['H', 'T', 1, null, 2]])
  t.same(Array.from(s.weights!), [1, 0.5, 2])
  t.same(s.stateLabels, ['a', 'b', null, 'a', 'b'])
  t.equal(sequenceWeight(s, 1), 0.5)
  t.equal(sequenceWeight(b, 1), 1)

  const rows = toSequenceBatch([[[1, 'x'], [2, 'y']], [[3, 4]]], { categorical: true })
  t.equal(rows.cols, 2)
  t.same(Array.from(rows.data), [1, NaN, 2, NaN, 3, 4])
  t.same(rows.categories, [undefined, ['x', 'y', 4]])
  // a column numeric in the first sequence and categorical in a later one
  const late = toSequenceBatch([[[1, 2]], [[3, 'z']]], { categorical: true })
  t.same(late.categories, [undefined, [2, 'z']])
  const wide = toSequenceBatch([[[1, 2]]], { cols: 2 })
  t.equal(wide.cols, 2)
  t.same(Array.from(toSequenceBatch([], {}).offsets), [0], 'no sequences')
  t.equal(toSequenceBatch([[], []]).cols, 1, 'only empty sequences: one column')
  // blocks of sequences: the finest piece a pass is cut into (a few per thread for 200 sequences)
  t.ok(Number.isSafeInteger(BLOCK_SEQUENCES) && BLOCK_SEQUENCES >= 1 && BLOCK_SEQUENCES <= 64, 'BLOCK_SEQUENCES')
  t.equal(blockUnits(toSequenceBatch([[1, 2], [3]])), BLOCK_SEQUENCES, 'a SequenceBatch counts in blocks of sequences')
  t.equal(blockUnits(toBatch([1, 2, 3])), BLOCK_ROWS, 'a Batch of rows in blocks of rows')
})

t.test('sequenceAt and sliceSequences share memory and keep offsets, weights and labels consistent', async t => {
  const b = toSequenceBatch([[1, 2], [3], [4, 5, 6], []], { weights: [1, 2, 3, 4], labels: [['a', 'b'], ['c'], ['d', 'e', 'f'], []] })
  const one = sequenceAt(b, 2)
  t.same(Array.from(one.data), [4, 5, 6])
  t.equal(one.weights, undefined, 'a sequence view has no per-row weights')
  t.equal(one.data.buffer, b.data.buffer)
  const part = sliceSequences(b, 1, 4)
  t.same(Array.from(part.offsets), [0, 1, 4, 4])
  t.same(Array.from(part.data), [3, 4, 5, 6])
  t.same(Array.from(part.weights!), [2, 3, 4])
  t.same(part.stateLabels, ['c', 'd', 'e', 'f'])
  t.equal(part.data.buffer, b.data.buffer)
  t.same(Array.from(b.offsets), [0, 2, 3, 6, 6], 'the original offsets are untouched')
  const empty = sliceSequences(b, 2, 2)
  t.equal(empty.rows, 0)
  t.same(Array.from(empty.offsets), [0])
  // slices of slices pass the checks
  t.same(Array.from(toSequenceBatch(sliceSequences(part, 1, 2)).offsets), [0, 3])
  const sym = toSequenceBatch([['a'], ['b', 'c']], { categorical: true })
  t.same(sliceSequences(sym, 1, 2).categories, [['b', 'c']])
})

t.test('a SequenceBatch passed in is checked', async t => {
  const good: SequenceBatch = { data: Float64Array.of(1, 2, 3), rows: 3, cols: 1, offsets: Float64Array.of(0, 1, 3) }
  t.equal(toSequenceBatch(good).rows, 3)
  const weighted = toSequenceBatch({ ...good, weights: Float64Array.of(1, 2) })
  t.same(Array.from(weighted.weights!), [1, 2])
  assertArilError(t, () => toSequenceBatch({ ...good, offsets: Float64Array.of(1, 3) }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => toSequenceBatch({ ...good, offsets: Float64Array.of(0, 2) }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => toSequenceBatch({ ...good, offsets: new Float64Array(0) }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => toSequenceBatch({ ...good, offsets: Float64Array.of(0, 2, 1, 3) }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  assertArilError(t, () => toSequenceBatch({ ...good, offsets: Float64Array.of(0, 1.5, 3) }), { code: 'ERR_INVALID_INPUT', sequence: 0 })
  assertArilError(t, () => toSequenceBatch({ ...good, weights: Float64Array.of(1) }), { code: 'ERR_INVALID_WEIGHTS' })
  assertArilError(t, () => toSequenceBatch({ ...good, weights: Float64Array.of(1, -1) }), { code: 'ERR_INVALID_WEIGHTS', sequence: 1 })
  assertArilError(t, () => toSequenceBatch({ ...good, stateLabels: ['a'] }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => toSequenceBatch(good, { cols: 2 }), { code: 'ERR_COLUMN_COUNT' })
})

t.test('errors of lists of sequences name the sequence', async t => {
  assertArilError(t, () => toSequenceBatch(5 as never), { code: 'ERR_INVALID_INPUT' })
  const e = assertArilError(t, () => toSequenceBatch([[1], ['x']]), { code: 'ERR_NOT_NUMERIC', sequence: 1, row: 0 })
  t.match(e?.message, /in sequence 1/)
  assertArilError(t, () => toSequenceBatch([[[1, 2]], [[1, 2, 3]]]), { code: 'ERR_COLUMN_COUNT', sequence: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [[1, 2]]]), { code: 'ERR_COLUMN_COUNT', sequence: 1, message: /1 column per/ })
  assertArilError(t, () => toSequenceBatch([[[1, 2], [3]]]), { code: 'ERR_RAGGED_ROWS', sequence: 0, row: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { weights: [1] }), { code: 'ERR_INVALID_WEIGHTS' })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { weights: [1, NaN] }), { code: 'ERR_INVALID_WEIGHTS', sequence: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { labels: [['a']] }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { labels: [['a'], ['b', 'c']] }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { labels: [['a'], 'b' as never] }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { labels: [['a'], [3 as never]] }), { code: 'ERR_INVALID_INPUT', sequence: 1 })
  assertArilError(t, () => toSequenceBatch([[1], [2]], { cols: 2 }), { code: 'ERR_COLUMN_COUNT', sequence: 0 })
})

t.test('class labels (one per sequence) follow their sequences through slices, concatenation and checks', async t => {
  const b = { ...toSequenceBatch([[1, 2], [3], [4, 5, 6]]), labels: Float64Array.of(1, -1, 0) }
  const tail = sliceSequences(b, 1, 3)
  t.same(Array.from(tail.labels!), [-1, 0], 'sliced by sequence, not by row')
  const glued = concatSequences([tail, toSequenceBatch([[7]]), sliceSequences(b, 0, 1)])
  t.same(Array.from(glued.labels!), [-1, 0, -1, 1], 'a part without labels is unlabeled (-1)')
  t.equal(concatSequences([toSequenceBatch([[1]]), toSequenceBatch([[2]])]).labels, undefined, 'none without any')
  t.same(Array.from(toSequenceBatch(b).labels!), [1, -1, 0], 'kept by the check of a SequenceBatch')
  assertArilError(t, () => toSequenceBatch({ ...b, labels: Float64Array.of(1, 0) }), { code: 'ERR_LABEL', message: /one per sequence/ }, 'one label per sequence')
})

import t from 'tap'
import { RowSample } from '../../lib/core/row-sample.js'
import { rowUniform } from '../../lib/core/row-hash.js'
import { sliceBatch, toBatch, type Batch } from '../../lib/core/batch.js'
import { randomChunks } from '../helpers.js'

function sampleOf (batch: Batch, size: number, seed: number, chunkSeed: number): RowSample {
  const sample = new RowSample(size, seed)
  let at = 0
  for (const k of randomChunks(batch.rows, chunkSeed, 300)) {
    sample.add(sliceBatch(batch, at, at + k), at)
    at += k
  }
  return sample
}

t.test('rowUniform: a deterministic uniform number per (seed, row)', async t => {
  t.equal(rowUniform(7, 123456), rowUniform(7, 123456))
  t.not(rowUniform(7, 123456), rowUniform(8, 123456))
  t.not(rowUniform(7, 2 ** 32 + 5), rowUniform(7, 5), 'the high half of the row index counts')
  // 10 bins of 100000 draws: each within 5 standard deviations (sqrt(10^4 · 0.9) ≈ 95) of 10^4
  const bins = new Array<number>(10).fill(0)
  let outside = 0
  for (let r = 0; r < 100000; r++) {
    const u = rowUniform(3, r)
    if (!(u >= 0 && u < 1)) outside++
    bins[Math.floor(u * 10)]!++
  }
  t.equal(outside, 0, 'every draw in [0, 1)')
  t.ok(bins.every(b => Math.abs(b - 10000) < 475), `bins ${bins.join(' ')}`)
})

t.test('the sample is the same rows whatever the chunking, in stream order', async t => {
  const X = toBatch(Array.from({ length: 5000 }, (_, i) => [i, -i]))
  const a = sampleOf(X, 100, 42, 1)
  const b = sampleOf(X, 100, 42, 2)
  t.same(a.rowIndices(), b.rowIndices())
  t.same(a.result(), b.result())
  const rows = a.rowIndices()
  t.equal(rows.length, 100)
  t.same(Array.from(a.result().data.filter((_, i) => i % 2 === 0)), rows, 'the rows themselves, in order')
  t.not(sampleOf(X, 100, 43, 1).rowIndices().join(), rows.join(), 'another seed, another sample')
  const all = sampleOf(toBatch([[1], [2], [3]]), 10, 1, 1).result()
  t.same(Array.from(all.data), [1, 2, 3], 'a stream shorter than the sample: every row, in order')
  t.equal(new RowSample(0, 1).result().rows, 0)
})

t.test('every row is equally likely to be kept', async t => {
  const X = toBatch(Array.from({ length: 50 }, (_, i) => i))
  const counts = new Array<number>(50).fill(0)
  for (let seed = 0; seed < 2000; seed++) for (const r of sampleOf(X, 10, seed, seed).rowIndices()) counts[r]!++
  // each row is kept with probability 10/50: 400 of 2000, standard deviation sqrt(2000 · 0.2 · 0.8) ≈ 17.9
  t.ok(counts.every(c => Math.abs(c - 400) < 5 * 17.9), `counts from ${Math.min(...counts)} to ${Math.max(...counts)}`)
})

t.test('weights: rows of weight 0 are never kept, the others keep theirs; categories travel', async t => {
  const X = toBatch([[1, 'a'], [2, 'b'], [3, null], [4, 'd']], { categorical: true, weights: [0, 2, 1, 0] })
  const s = sampleOf(X, 10, 5, 1).result()
  t.same(Array.from(s.data.filter((_, i) => i % 2 === 0)), [2, 3])
  t.same(Array.from(s.weights!), [2, 1])
  t.same(s.categories![1], ['b', null])
  t.equal(sampleOf(toBatch([1, 2]), 5, 1, 1).result().weights, undefined, 'no weights when all were 1')
  const late = new RowSample(5, 1)
  late.add(toBatch([[1, 7]]), 0)
  late.add(toBatch([[2, 'x']], { categorical: true }), 1)
  t.same(late.result().categories![1], [7, 'x'], 'a column categorical only later keeps its earlier numbers')
})

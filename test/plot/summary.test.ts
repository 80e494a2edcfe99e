import t from 'tap'
import { Random, RowSample, StreamingHistogram, toBatch, type Batch } from '../../lib/index.js'
import { assertArilError, randomChunks } from '../helpers.js'

const random = new Random(11)
const X = Float64Array.from({ length: 30000 }, (_, i) => (i % 4 === 0 ? 40 : 0) + 3 * random.normal())

function bruteForce (values: ArrayLike<number>, start: number, width: number, bins: number, weights?: ArrayLike<number>): number[] {
  const counts = new Array<number>(bins).fill(0)
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    if (!Number.isFinite(x)) continue
    counts[Math.floor((x - start) / width)]! += weights?.[i] ?? 1
  }
  return counts
}

t.test('the histogram counts every value into bins of width 2^e aligned to its multiples', async t => {
  const h = new StreamingHistogram({ maxBins: 50 })
  h.add(toBatch(X))
  const r = h.result()
  t.ok(r.counts.length <= 50 && r.counts.length > 25, `between half and all of maxBins (${r.counts.length})`)
  t.equal(Math.log2(r.width) % 1, 0, 'the width is a power of 2')
  t.equal(r.start % r.width, 0, 'edges are multiples of the width')
  t.ok(r.start <= r.min && r.start + r.counts.length * r.width > r.max, 'the bins cover the data')
  t.same(r.counts, bruteForce(X, r.start, r.width, r.counts.length), 'each count equals a direct count over the final edges')
  t.equal(r.total, X.length)
  t.equal(r.min, Math.min(...X))
  t.equal(r.max, Math.max(...X))
})

t.test('the same bins for any chunking; weights and missing values', async t => {
  const whole = new StreamingHistogram({ maxBins: 40 })
  whole.add(toBatch(X))
  for (const seed of [1, 2, 3]) {
    const h = new StreamingHistogram({ maxBins: 40 })
    let at = 0
    for (const k of randomChunks(X.length, seed, 3000)) {
      h.add(toBatch(X.subarray(at, at + k)))
      at += k
    }
    t.same(h.result(), whole.result(), `chunking ${seed}`)
  }
  const weights = Float64Array.from(X, (_, i) => i % 3)
  const data = Float64Array.from(X, (x, i) => i % 10 === 0 ? NaN : x)
  const h = new StreamingHistogram({ maxBins: 40 })
  h.add({ data, rows: data.length, cols: 1, weights })
  const r = h.result()
  t.same(r.counts, bruteForce(data, r.start, r.width, r.counts.length, weights))
  t.equal(r.total, Array.from(weights).reduce((s, w, i) => s + (i % 10 === 0 ? 0 : w), 0), 'NaN rows are not counted')
})

t.test('a column of several, far-apart values, a single value, an empty stream', async t => {
  const rows: Batch = { data: Float64Array.of(1, 1e9, 2, -1e9, 3, 5), rows: 3, cols: 2 }
  const h = new StreamingHistogram({ column: 1, maxBins: 8 })
  h.add(rows)
  const r = h.result()
  t.same(r.counts, bruteForce([1e9, -1e9, 5], r.start, r.width, r.counts.length))
  t.ok(r.counts.length <= 8)
  const one = new StreamingHistogram()
  one.add(toBatch([2.5, 2.5]))
  t.match(one.result(), { counts: [2], total: 2, min: 2.5, max: 2.5 })
  t.match(new StreamingHistogram().result(), { counts: [], total: 0 })
  assertArilError(t, () => new StreamingHistogram({ maxBins: 1 }), { code: 'ERR_INVALID_OPTION', message: /bins/ })
  assertArilError(t, () => new StreamingHistogram({ column: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => new StreamingHistogram({ column: 3 }).add(rows), { code: 'ERR_INVALID_OPTION', message: /below 2/ })
})

t.test('the row sample: all rows while they fit, then a seeded uniform sample', async t => {
  const rows = Array.from({ length: 10 }, (_, i) => [i, 10 * i, 100 * i])
  const small = new RowSample(20, { columns: [2, 0] })
  small.add(toBatch(rows))
  t.same(small.rows(), rows.map(([a, , c]) => [c, a]))
  const n = 20000
  const big = Float64Array.from({ length: n }, (_, i) => i)
  const a = new RowSample(500, { seed: 5 })
  const b = new RowSample(500, { seed: 5 })
  a.add(toBatch(big))
  for (let i = 0; i < n; i += 777) b.add(toBatch(big.subarray(i, Math.min(n, i + 777))))
  t.same(a.rows(), b.rows(), 'the same sample for any chunking')
  t.equal(a.count, n)
  const kept = a.rows().map(r => r[0]!)
  t.equal(new Set(kept).size, 500, 'distinct rows')
  const mean = kept.reduce((s, v) => s + v, 0) / kept.length
  // the mean of 500 draws without replacement from 0..n-1: sd ≈ n/sqrt(12·500) ≈ 258
  t.ok(Math.abs(mean - (n - 1) / 2) < 4 * 258, `uniform over the stream (mean ${mean.toFixed(0)})`)
  assertArilError(t, () => new RowSample(0), { code: 'ERR_INVALID_OPTION', message: /sample/ })
})

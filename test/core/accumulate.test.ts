import t from 'tap'
import fc from 'fast-check'
import { BLOCK_ROWS, BlockedSums, ExactSum, LANES, blockedSumsProblem, decodeNumber, encodeNumber, meanVariance, sumInLanes, sumMoments } from '../../lib/core/accumulate.js'
import { fixture } from '../helpers.js'

t.test('ExactSum rounds exactly like Python math.fsum (scripts/fixtures/fsum.py)', async t => {
  const { cases } = fixture<{ cases: Array<{ values: number[]; fsum: number }> }>('fsum')
  for (const [i, c] of cases.entries()) {
    const s = new ExactSum()
    for (const x of c.values) s.add(x)
    t.equal(s.value(), c.fsum, `case ${i}`)
    const reversed = new ExactSum()
    for (const x of c.values.slice().reverse()) reversed.add(x)
    t.equal(reversed.value(), c.fsum, `case ${i} reversed`)
    t.equal(ExactSum.from(JSON.parse(JSON.stringify(s.toJSON()))).value(), c.fsum, `case ${i} through JSON`)
  }
})

t.test('ExactSum: products, sums of sums, non-finite values', async t => {
  const s = new ExactSum()
  s.addProduct(0.1, 0.1)
  s.add(-0.010000000000000002)
  // Python: float(Fraction(0.1)**2 - Fraction(0.010000000000000002))
  t.equal(s.value(), -8.326672684688674e-19, 'the exact product keeps the rounding error of 0.1·0.1')
  const a = new ExactSum(); a.add(3)
  const b = new ExactSum(); b.add(1e-30); b.add(2)
  const p = new ExactSum(); p.addSumProduct(a, b)
  t.equal(p.value(), 6)
  const q = new ExactSum(); q.addSum(b, -1); q.add(2)
  t.equal(q.value(), -1e-30)
  const inf = new ExactSum(); inf.add(1); inf.add(Infinity)
  t.equal(inf.value(), Infinity)
  t.same(inf.toJSON(), [1, 'Infinity'])
  t.equal(ExactSum.from(inf.toJSON()).value(), Infinity)
  const nan = new ExactSum(); nan.add(Infinity); nan.add(-Infinity)
  t.ok(Number.isNaN(nan.value()))
  t.ok(new ExactSum().isZero)
  t.equal(new ExactSum().value(), 0)
  t.equal(inf.clone().value(), Infinity)
  t.equal(encodeNumber(-Infinity), '-Infinity')
  t.ok(Number.isNaN(decodeNumber(encodeNumber(NaN))))
  t.equal(decodeNumber('Infinity'), Infinity)
})

/** Sums slot 0 = Σx and slot 1 = Σx² of values through BlockedSums in the given chunks. */
function plainSums (values: Float64Array, chunks: number[]): BlockedSums {
  const acc = new BlockedSums(2)
  let at = 0
  for (const k of chunks) {
    const chunk = values.subarray(at, at + k)
    acc.runs(k, (start, end) => {
      for (let r = start; r < end; r++) {
        acc.partial[0] += chunk[r]!
        acc.partial[1] += chunk[r]! * chunk[r]!
      }
    })
    at += k
  }
  return acc
}

function moments (values: Float64Array, chunks: number[], weights?: Float64Array): BlockedSums {
  const acc = new BlockedSums(3, true)
  let at = 0
  for (const k of chunks) {
    const chunk = values.subarray(at, at + k)
    const w = weights?.subarray(at, at + k)
    acc.runs(k, (start, end) => sumMoments(acc, 0, chunk, 1, 0, w, start, end))
    at += k
  }
  return acc
}

const data = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 5000 })
const chunking = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 })

function cut (n: number, sizes: number[]): number[] {
  const out: number[] = []
  let left = n
  for (let i = 0; left > 0; i++) {
    const k = Math.min(left, sizes[i % sizes.length]!)
    out.push(k)
    left -= k
  }
  return out
}

t.test('property: any chunking gives the same bits', async t => {
  fc.assert(fc.property(data, chunking, (xs, sizes) => {
    const values = Float64Array.from(xs)
    const one = plainSums(values, [values.length]).values()
    const many = plainSums(values, cut(values.length, sizes)).values()
    const m1 = meanVariance(moments(values, [values.length]), 0)
    const m2 = meanVariance(moments(values, cut(values.length, sizes)), 0)
    return Object.is(one[0], many[0]) && Object.is(one[1], many[1]) &&
      Object.is(m1!.mean, m2!.mean) && Object.is(m1!.variance, m2!.variance)
  }), { numRuns: 200, seed: 42 })
  t.pass('200 random data sets and chunkings')
})

t.test('property: with missing values and weights too, any chunking gives the same bits', async t => {
  const rows = fc.array(fc.tuple(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(NaN)), fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constant(0))), { minLength: 1, maxLength: 3000 })
  fc.assert(fc.property(rows, chunking, fc.boolean(), (pairs, sizes, weighted) => {
    const values = Float64Array.from(pairs, p => p[0])
    const weights = weighted ? Float64Array.from(pairs, p => p[1]) : undefined
    const a = meanVariance(moments(values, [values.length], weights), 0)
    const b = meanVariance(moments(values, cut(values.length, sizes), weights), 0)
    return a === undefined ? b === undefined : Object.is(a.mean, b!.mean) && Object.is(a.variance, b!.variance) && Object.is(a.weight, b!.weight)
  }), { numRuns: 200, seed: 11 })
  t.pass('200 random data sets with NaN and weights')
  const ones = Float64Array.from({ length: 3000 }, (_, i) => Math.tan(i))
  t.same(meanVariance(moments(ones, [3000], new Float64Array(3000).fill(1)), 0), meanVariance(moments(ones, [3000]), 0), 'unit weights give the unweighted bits')
})

t.test('property: merging block-aligned shards in any order gives the same bits', async t => {
  const shards = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 })
  fc.assert(fc.property(data, shards, fc.integer({ min: 0, max: 1000 }), (xs, blocks, seed) => {
    const values = Float64Array.from(xs)
    const bounds = [0]
    for (const b of blocks) bounds.push(Math.min(values.length, bounds[bounds.length - 1]! + b * BLOCK_ROWS))
    bounds.push(values.length)
    const summaries = bounds.slice(1).map((end, i) => moments(values.subarray(bounds[i]!, end), [end - bounds[i]!]).summary())
    const order = summaries.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13))
    const merged = new BlockedSums(3, true)
    for (const i of order) merged.merge(JSON.parse(JSON.stringify(summaries[i])))
    const a = meanVariance(merged, 0)
    const b = meanVariance(moments(values, [values.length]), 0)
    return Object.is(a!.mean, b!.mean) && Object.is(a!.variance, b!.variance) && merged.rows === values.length
  }), { numRuns: 200, seed: 7 })
  t.pass('200 random shardings and merge orders')
})

t.test('moments are accurate: constant data, data far from zero', async t => {
  const seven = meanVariance(moments(new Float64Array(7).fill(0.1), [7]), 0)!
  t.equal(seven.variance, 0)
  t.equal(seven.mean, 0.1)
  const far = Float64Array.from({ length: 5000 }, (_, i) => 1e9 + Math.sin(i))
  let mean = 0
  for (const x of far) mean += (x - 1e9) / far.length
  let ss = 0
  for (const x of far) ss += (x - 1e9 - mean) ** 2
  const got = meanVariance(moments(far, [1000, 4000]), 0)!
  t.ok(Math.abs(got.variance - ss / far.length) / (ss / far.length) < 1e-9, `variance ${got.variance} vs ${ss / far.length}`)
  t.equal(meanVariance(new BlockedSums(3, true), 0), undefined, 'no weight, no estimate')
})

t.test('checkpoint: a summary taken mid-block continues exactly', async t => {
  const values = Float64Array.from({ length: 3000 }, (_, i) => Math.cos(i) * 100)
  const first = moments(values.subarray(0, 1500), [1500])
  const resumed = new BlockedSums(3, true)
  resumed.load(JSON.parse(JSON.stringify(first.summary())))
  resumed.runs(1500, (s, e) => sumMoments(resumed, 0, values.subarray(1500), 1, 0, undefined, s, e))
  t.same(meanVariance(resumed, 0), meanVariance(moments(values, [3000]), 0))
  t.equal(resumed.rows, 3000)
  resumed.clear()
  t.equal(resumed.rows, 0)
  t.same(resumed.values(), [0, 0, 0])
})

t.test('grow adds slots; summaries are checked', async t => {
  const acc = new BlockedSums(1)
  acc.runs(3, () => { acc.partial[0] += 2 })
  acc.grow(3)
  acc.grow(2)
  t.equal(acc.slots, 3)
  acc.runs(1, () => { acc.partial[2] += 5 })
  t.same(acc.values(), [2, 0, 5])
  t.equal(acc.exact(2).value(), 5)
  t.equal(blockedSumsProblem(acc.summary(), 3, false), undefined)
  t.match(blockedSumsProblem(acc.summary(), 2, false), /expected 2 statistics/)
  t.match(blockedSumsProblem(null, 2, false), /expected an object/)
  t.match(blockedSumsProblem({ ...acc.summary(), blockRows: 7 }, 3, false), /blocks of 1024/)
  t.match(blockedSumsProblem({ ...acc.summary(), sums: [] }, 3, false), /matching lengths/)
  t.match(blockedSumsProblem({ ...new BlockedSums(3, true).summary(), shift: [] }, 3, true), /one shift per column/)
  t.equal(blockedSumsProblem(new BlockedSums(6, true).summary(), 6, true), undefined)
  t.match(blockedSumsProblem({ ...acc.summary(), pending: 5000 }, 3, false), /whole row counts/)
  t.match(blockedSumsProblem({ ...acc.summary(), sums: [1, 2, 3] }, 3, false), /lists of partial sums/)
})

t.test('rows of weight 0 add nothing, even infinite or missing ones', async t => {
  const values = Float64Array.from({ length: 3000 }, (_, i) => Math.cos(i) * 10)
  const weights = Float64Array.from(values, (_, i) => i % 3 === 0 ? 0 : 1 + (i % 5))
  const poisoned = values.map((x, i) => i % 3 === 0 ? (i % 2 === 0 ? Infinity : NaN) : x)
  const kept = values.filter((_, i) => i % 3 !== 0)
  const keptWeights = weights.filter((_, i) => i % 3 !== 0)
  const a = meanVariance(moments(poisoned, [3000], weights), 0)!
  const b = meanVariance(moments(values, [3000], weights), 0)!
  t.same(a, b, 'the values of zero-weight rows do not matter')
  const c = meanVariance(moments(kept, [kept.length], keptWeights), 0)!
  // Up to rounding (the rows sit in other lanes and blocks): relative to the data's scale of 10.
  t.ok(Math.abs(a.mean - c.mean) <= 1e-14 * 10 && Math.abs(a.variance - c.variance) <= 1e-14 * c.variance, 'and equal the fit without those rows up to rounding')
})

function lanes (values: Float64Array, chunks: number[], weights?: Float64Array): BlockedSums {
  const acc = new BlockedSums(LANES)
  let at = 0
  for (const k of chunks) {
    const chunk = values.subarray(at, at + k)
    const w = weights?.subarray(at, at + k)
    acc.runs(k, (start, end) => sumInLanes(acc, 0, chunk, w, start, end))
    at += k
  }
  return acc
}

t.test('sumInLanes: the exact total, and the same bits for any chunking', async t => {
  fc.assert(fc.property(data, chunking, fc.boolean(), (xs, sizes, weighted) => {
    const values = Float64Array.from(xs)
    const weights = weighted ? Float64Array.from(xs, (_, i) => i % 3) : undefined
    const one = lanes(values, [values.length], weights)
    const many = lanes(values, cut(values.length, sizes), weights)
    const exact = new ExactSum()
    values.forEach((x, i) => exact.addProduct(x, weights?.[i] ?? 1))
    return Object.is(one.laneTotals()[0]!.value(), many.laneTotals()[0]!.value()) &&
      JSON.stringify(one.summary()) === JSON.stringify(many.summary()) &&
      Math.abs(one.laneTotals()[0]!.value() - exact.value()) <= 1e-9 * values.reduce((a, x) => a + Math.abs(x), 0)
  }), { numRuns: 200, seed: 13 })
  t.pass('200 random data sets and chunkings')
  const acc = lanes(Float64Array.of(1, Infinity, NaN, 2, 3), [2, 3], Float64Array.of(1, 0, 0, 2, 0.5))
  t.equal(acc.laneTotals()[0]!.value(), 6.5, 'rows of weight 0 add nothing, even infinite or missing ones')
})

import t from 'tap'
import { Random } from '../../lib/core/random.js'
import { UNROLL_LIMIT, nearestByScore, nearestKernel, nearestLoop } from '../../lib/models/nearest-centroid.js'

t.test('the written-out kernel picks what the loop picks: the smallest |c|² − 2·x·c, the first on ties', async t => {
  for (const [k, d] of [[1, 1], [2, 3], [8, 5], [3, 16], [16, 16], [17, 16]] as const) {
    const random = new Random(k * 100 + d)
    const rows = 300
    const data = Float64Array.from({ length: rows * d }, () => Math.round(4 * random.normal()) / 2)
    data[0] = NaN
    data[d * 7] = -Infinity
    const centroids = Float64Array.from({ length: k * d }, () => Math.round(4 * random.normal()) / 2)
    if (k > 1) centroids.copyWithin(d, 0, d) // centroids 0 and 1 tie everywhere
    const norms = Float64Array.from({ length: k }, (_, j) => centroids.subarray(j * d, (j + 1) * d).reduce((a, c) => a + c * c, 0))
    const fast = new Int32Array(rows)
    const loop = new Int32Array(rows)
    nearestKernel(k, d)(data, 0, rows, centroids, norms, fast)
    nearestLoop(k, d)(data, 0, rows, centroids, norms, loop)
    t.same(fast, loop, `k = ${k}, d = ${d}${k * d > UNROLL_LIMIT ? ' (the loop itself)' : ''}`)
    t.same([fast[0], fast[7]], [-1, -1], 'rows with a missing or infinite value are left out')
    let agree = 0
    for (let r = 1; r < rows; r++) {
      if (r === 7) continue
      const x = data.subarray(r * d, (r + 1) * d)
      const scores = Array.from({ length: k }, (_, j) => norms[j]! - 2 * x.reduce((a, v, q) => a + v * centroids[j * d + q]!, 0))
      if (fast[r] === scores.indexOf(Math.min(...scores))) agree++
    }
    t.equal(agree, rows - 2, 'the first smallest score (the half-integer data makes every score exact)')
    if (k > 1) t.ok(!fast.includes(1), 'a tie goes to the first centroid')
  }
  t.equal(nearestKernel(8, 5), nearestKernel(8, 5), 'one kernel per shape')
  t.equal(nearestByScore(Float64Array.of(Infinity), 0, Float64Array.of(-1, 1), Float64Array.of(1, 1), 2, 1), 1, 'an infinite value: the comparison decides')
})

t.test('runs from an offset', async t => {
  const best = new Int32Array(2)
  nearestKernel(2, 1)(Float64Array.of(5, 0.1, 0.9), 1, 3, Float64Array.of(0, 1), Float64Array.of(0, 1), best)
  t.same(best, Int32Array.of(0, 1))
})

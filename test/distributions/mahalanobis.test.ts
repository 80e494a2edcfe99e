import t from 'tap'
import { cholesky, solveLower, squaredNorm } from '../../lib/core/linear-algebra.js'
import { Random } from '../../lib/core/random.js'
import { UNROLL_LIMIT, mahalanobisKernel, mahalanobisLoop } from '../../lib/distributions/mahalanobis.js'

/** A random positive definite covariance's factor, a mean, and rows (some with NaN or ±∞). */
function problem (d: number, rows: number, seed: number): { data: Float64Array; mean: Float64Array; factor: Float64Array; inverseDiagonal: Float64Array } {
  const random = new Random(seed)
  const a = Float64Array.from({ length: d * d }, () => random.normal())
  const cov = new Float64Array(d * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[i * d + j] += a[i * d + k]! * a[j * d + k]!
  for (let i = 0; i < d; i++) cov[i * d + i] += 0.1
  const factor = cholesky(cov, d)!
  const data = Float64Array.from({ length: rows * d }, () => 1e3 + 10 * random.normal())
  data[d - 1] = NaN
  data[d * 5] = Infinity
  return { data, mean: Float64Array.from({ length: d }, () => 1e3 + random.normal()), factor, inverseDiagonal: Float64Array.from({ length: d }, (_, i) => 1 / factor[i * d + i]!) }
}

t.test('the written-out kernel gives the loop\'s bits, and the solve\'s value', async t => {
  for (const d of [1, 2, 3, 5, 8, UNROLL_LIMIT, UNROLL_LIMIT + 1]) {
    const rows = 200
    const p = problem(d, rows, d)
    const fast = new Float64Array(rows)
    const loop = new Float64Array(rows)
    mahalanobisKernel(d)(p.data, rows, p.mean, p.factor, p.inverseDiagonal, fast)
    mahalanobisLoop(d)(p.data, rows, p.mean, p.factor, p.inverseDiagonal, loop)
    t.ok(fast.every((q, r) => Object.is(q, loop[r])), `d = ${d}: same bits`)
    t.ok(Number.isNaN(fast[0]!) && Number.isNaN(fast[5]!), `d = ${d}: rows with a missing or infinite value are marked NaN`)
    let worst = 0
    for (let r = 1; r < rows; r++) {
      if (r === 5) continue
      const z = Float64Array.from(p.data.subarray(r * d, (r + 1) * d), (x, j) => x - p.mean[j]!)
      const q = squaredNorm(solveLower(p.factor, d, z))
      worst = Math.max(worst, Math.abs(fast[r]! - q) / q)
    }
    t.ok(worst < 1e-12, `d = ${d}: within ${worst} of the forward substitution`)
  }
  t.equal(mahalanobisKernel(3), mahalanobisKernel(3), 'one kernel per dimension')
})

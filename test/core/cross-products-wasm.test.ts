import t from 'tap'
import { CrossProductSums, pairwiseCovariance } from '../../lib/core/accumulate.js'
import { completeSlots, crossProductsWasm, SMALL_DIMENSION, TILED_DIMENSION } from '../../lib/core/cross-products-wasm.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { assertSameBitsWithoutWasm } from '../helpers.js'

/** Summaries of `d` columns added in runs that cut blocks, with missing values and weights optional. */
function summaries (d: number, rows: number, blockRows?: number): unknown[] {
  const data = Float64Array.from({ length: rows * d }, (_, i) => (i % 97 === 5 ? NaN : 1e3 + Math.sin(i) * 10 + (i % d)))
  const clean = Float64Array.from({ length: rows * d }, (_, i) => (i % 4099 === 11 ? Infinity : 1e3 + Math.sin(i * 1.3) * 10))
  const weights = Float64Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? 0 : 0.1 + (i % 5) / 3))
  const out: unknown[] = []
  for (const x of [data, clean]) {
    for (const w of [undefined, weights]) {
      const acc = new CrossProductSums(d, blockRows)
      for (let start = 0; start < rows; start += 700) {
        const end = Math.min(rows, start + 700)
        acc.add(x.subarray(start * d, end * d), w?.subarray(start, end), end - start)
      }
      out.push(acc.summary())
    }
  }
  return out
}

t.test('CrossProductSums has the same bits with and without WebAssembly, for every dimension form', async t => {
  // up to SMALL_DIMENSION the sums stay in registers; above, the grouped triangle sweeps, written
  // out up to 16 columns; from TILED_DIMENSION the register tiles, whose bands of the triangle end
  // in 0 to 3 columns past the whole tiles (17 … 20) and whose last band has 1 to 4 rows
  for (const d of [1, 2, 3, 4, 5, 6, SMALL_DIMENSION + 1, 8, 16, TILED_DIMENSION, 18, 19, 20, 33, 35]) assertSameBitsWithoutWasm(t, () => summaries(d, d > 16 ? 1500 : 3000), `d = ${d}`)
  assertSameBitsWithoutWasm(t, () => summaries(5, 400, 7), 'blocks of 7 rows')
  assertSameBitsWithoutWasm(t, () => summaries(12, 400, 7), 'blocks of 7 rows, d = 12')
})

t.test('the kernel adds complete rows and stops at the first row with a missing value', async t => {
  const kernel = crossProductsWasm(2, 1024)!
  const rows = [1, 2, 3, 5, NaN, 7]
  kernel.f64.set(rows, kernel.data / 8)
  kernel.f64.fill(0, kernel.partial / 8, kernel.partial / 8 + completeSlots(2))
  kernel.f64.set([1, 2], kernel.shift / 8)
  t.equal(kernel.add(kernel.data, kernel.weights, kernel.partial, kernel.shift, 0, 3, 0), 2, 'row 2 has a missing value')
  // rows (1, 2) and (3, 5), shifted by (1, 2): δ = (0, 0), (2, 3): Σw = 2, 2; Σδ = 2, 3; Σδ_jδ_k = 4, 6, 9
  t.same(Array.from(kernel.f64.subarray(kernel.partial / 8, kernel.partial / 8 + completeSlots(2))), [2, 2, 2, 3, 4, 6, 9])
})

t.test('MultivariateGaussian fits (d = 100) are the same with and without WebAssembly', async t => {
  const d = 100
  const rows = 1200
  const data = Float64Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.37) + (i % d) * 0.01)
  const covariance = assertSameBitsWithoutWasm(t, () => MultivariateGaussianDistribution.fromSamples({ data, rows, cols: d }).parameters[1][7])
  const acc = new CrossProductSums(d)
  acc.add(data, undefined, rows)
  const { covariance: expected } = pairwiseCovariance(acc)
  // off the diagonal, which the positive-definite repair of these (rank-deficient) data moves
  t.same(covariance.filter((_, k) => k !== 7), Array.from(expected.subarray(7 * d, 8 * d)).filter((_, k) => k !== 7))
})

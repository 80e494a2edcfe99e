import t from 'tap'
import { CrossProductSums, ExactSum, pairwiseCovariance } from '../../lib/core/accumulate.js'

/** `rows` rows of `d` columns far from the origin (mean 1e9 + j), each a different wave. */
function farRows (rows: number, d: number): Float64Array {
  return Float64Array.from({ length: rows * d }, (_, i) => 1e9 + (i % d) + Math.sin(i * 0.37) * (1 + (i % d)))
}

t.test('a block flush in double-double: every cross-product within 2^-90 of the exact sum of x_j·x_k', async t => {
  const d = 6
  const rows = 5000
  const data = farRows(rows, d)
  const acc = new CrossProductSums(d)
  acc.add(data, undefined, rows)
  const totals = acc.totals()
  let worst = 0
  for (let j = 0, slot = 2 * d; j < d; j++) {
    for (let k = j; k < d; k++, slot++) {
      const exact = new ExactSum()
      let scale = 0
      for (let r = 0; r < rows; r++) {
        exact.addProduct(data[r * d + j]!, data[r * d + k]!)
        scale += Math.abs(data[r * d + j]! * data[r * d + k]!)
      }
      exact.addSum(totals[slot]!, -1)
      worst = Math.max(worst, Math.abs(exact.value()) / scale)
    }
  }
  t.ok(worst < 2 ** -90, `worst error ${worst} of Σ|x_j·x_k|`)
})

t.test('constant columns keep an exact zero covariance through the double-double flush, over several blocks', async t => {
  const rows = 3500
  const data = new Float64Array(rows * 3)
  for (let r = 0; r < rows; r++) {
    data[r * 3] = 0.1
    data[r * 3 + 1] = 1e9 + Math.sin(r) // varies: its slots with the others take the double-double path
    data[r * 3 + 2] = 1e9 + 0.1
  }
  const acc = new CrossProductSums(3)
  acc.add(data, undefined, rows)
  const { covariance } = pairwiseCovariance(acc)
  t.same([covariance[0], covariance[1], covariance[2], covariance[5], covariance[8]], [0, 0, 0, 0, 0], 'the constant columns’ variances and covariances')
  t.ok(covariance[4]! > 0.4 && covariance[4]! < 0.6, `the varying column's variance ${covariance[4]}`)
})

import t from 'tap'
import { CrossProductSums, ExactSum, pairwiseCovariance } from '../../lib/core/accumulate.js'
import { blockTotalsJs, blockTotalsKernel, splitColumns } from '../../lib/core/block-totals.js'

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

t.test('block totals: the WebAssembly kernel gives the bits of the JavaScript loop, for odd and even rows of the triangle', async t => {
  for (const d of [1, 2, 3, 7, 100]) {
    const kernel = blockTotalsKernel(d)
    if (kernel === undefined) {
      t.fail('Node 20 has WebAssembly SIMD: the kernel must build')
      return
    }
    const js = blockTotalsJs(d)
    const weights = Float64Array.from({ length: d }, (_, j) => 1024 - j * 0.37)
    for (const totals of [kernel, js]) {
      for (let j = 0; j < d; j++) {
        totals.columns.sum[j] = Math.sin(j + 1) * 300
        totals.columns.shift[j] = 1e9 / (j + 1) + 0.1
      }
      splitColumns(totals.columns, weights, d)
      for (let i = 0; i < d * (d + 1) / 2; i++) totals.partial[i] = Math.cos(i) * 1e4
      totals.run()
    }
    const n = d * (d + 1) / 2
    const same = (a: Float64Array, b: Float64Array): boolean => a.subarray(0, n).every((x, i) => Object.is(x, b[i]))
    t.ok(same(kernel.hi, js.hi) && same(kernel.lo, js.lo), `d = ${d}: hi and lo`)
    // hi + lo is the block's total to double-double precision: check one slot against exact arithmetic
    const exact = new ExactSum()
    const [k0, s0, w0] = [js.columns.shift[0]!, js.columns.sum[0]!, weights[0]!]
    exact.add(js.partial[0]!)
    exact.addProduct(2 * k0, s0)
    const wk = new ExactSum()
    wk.addProduct(w0, k0)
    for (const x of wk.toJSON()) exact.addProduct(x as number, k0)
    exact.add(-js.hi[0]!)
    exact.add(-js.lo[0]!)
    t.ok(Math.abs(exact.value()) <= 2 ** -100 * Math.abs(js.hi[0]!), `d = ${d}: slot (0, 0) within 2^-100 of its exact total (off by ${exact.value()})`)
  }
})

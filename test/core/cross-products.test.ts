import t from 'tap'
import { CrossProductSums, ExactSum, pairwiseCovariance } from '../../lib/core/accumulate.js'
import { blockTotalsJs, flushKernel, runBlockTotals, splitColumns } from '../../lib/core/block-totals.js'
import { assertSameBitsWithoutWasm } from '../helpers.js'
import { deepCopy } from '../../lib/core/copy.js'

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
  // d = 3 flushes in JavaScript, d = 16 in WebAssembly (each slot of a constant column left to the exact terms)
  for (const d of [3, 16]) {
    const rows = 3500
    const data = new Float64Array(rows * d)
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) data[r * d + j] = 1e9 + Math.sin(r * (j + 1)) // varying: their slots take the double-double path
      data[r * d] = 0.1
      data[r * d + d - 1] = 1e9 + 0.1
    }
    const covariance = assertSameBitsWithoutWasm(t, () => {
      const acc = new CrossProductSums(d)
      acc.add(data, undefined, rows)
      return pairwiseCovariance(acc).covariance
    }, `d = ${d}: the same bits without WebAssembly`)
    const constant = Array.from({ length: d }, (_, k) => [covariance[k]!, covariance[(d - 1) * d + k]!]).flat()
    t.ok(constant.every(c => c === 0), `d = ${d}: the constant columns' variances and covariances are 0`)
    t.ok(covariance[d + 1]! > 0.4 && covariance[d + 1]! < 0.6, `d = ${d}: a varying column's variance ${covariance[d + 1]}`)
  }
})

t.test('block totals: the WebAssembly kernel gives the bits of the JavaScript loop, for odd and even rows of the triangle', async t => {
  for (const d of [16, 17, 100]) {
    const kernel = flushKernel(d, 2 * d + d * (d + 1) / 2 + 2 * d * d)
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
    }
    kernel.run()
    runBlockTotals(d, js)
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

t.test('the kernel grows the expansions as the JavaScript flush does: full cells compressed or spilled, overflows seen', async t => {
  // blocks of 4 rows and magnitudes 10^(−150 … 150): the cells fill up, compress, and spill
  const d = 16
  const rows = 2000
  const wild = Float64Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.7) * 10 ** (((i * 37) % 31) * 10 - 150))
  const summarize = (data: Float64Array): unknown => {
    const acc = new CrossProductSums(d, 4)
    for (let start = 0; start < rows; start += 333) acc.add(data.subarray(start * d, Math.min(rows, start + 333) * d), undefined, Math.min(333, rows - start))
    return { summary: acc.summary(), finite: acc.finite() }
  }
  const wide = assertSameBitsWithoutWasm(t, () => summarize(wild), 'values over 300 orders of magnitude') as { summary: { sums: { counts: number[] } } }
  t.ok(Math.max(...wide.summary.sums.counts) > 6, 'some slots hold more partials than a cell (they spilled)')
  const huge = Float64Array.from({ length: rows * d }, (_, i) => 1e154 * (1 + (i % 7)))
  const overflow = assertSameBitsWithoutWasm(t, () => summarize(huge), 'cross-products that overflow') as { finite: boolean }
  t.equal(overflow.finite, false, 'the overflow is seen')
})

t.test("a merged summary's unfinished block is flushed as one pass flushes it, whatever the merging accumulator holds", async t => {
  for (const d of [3, 16]) {
    const rows = 2500 // blocks 0 and 1 whole, block 2 unfinished
    const data = Float64Array.from({ length: rows * d }, (_, i) => 1e3 + Math.sin(i * 0.37) * (1 + (i % d)))
    const one = new CrossProductSums(d)
    one.add(data, undefined, rows)
    const parts = [[0, 2048], [2048, rows]].map(([start, end]) => {
      const acc = new CrossProductSums(d)
      acc.add(data.subarray(start! * d, end! * d), undefined, end! - start!)
      return acc.summary()
    })
    for (const order of [[0, 1], [1, 0]]) {
      const merged = new CrossProductSums(d)
      for (const i of order) merged.merge(JSON.parse(JSON.stringify(parts[i]!)))
      // the exact sums themselves, not only their rounding: one slot off by 2^-100 of its value rounds the same nearly always
      const expected = one.totals()
      const differing = merged.totals().filter((sum, slot) => {
        const difference = sum.clone()
        difference.addSum(expected[slot]!, -1)
        return !difference.isZero
      }).length
      t.equal(differing, 0, `d = ${d}, merged in the order ${order.join(', ')}: the exact sums of one pass`)
    }
  }
})

t.test('a deep copy of an accumulator flushes into its own sums (a model copy, an HMM state’s scratch)', async t => {
  // d = 3 flushes in JavaScript, d = 16 with its own kernel, made at the first flush
  for (const d of [3, 16]) {
    const rows = 5000
    const data = Float64Array.from({ length: rows * d }, (_, i) => 10 + Math.cos(i * 0.91) * (1 + (i % 5)))
    const one = new CrossProductSums(d)
    one.add(data, undefined, rows)
    const original = new CrossProductSums(d)
    original.add(data.subarray(0, 2500 * d), undefined, 2500) // two blocks flushed
    const copy = deepCopy(original)
    copy.add(data.subarray(2500 * d), undefined, rows - 2500)
    original.add(data.subarray(2500 * d), undefined, rows - 2500)
    const expected = JSON.stringify(one.summary())
    t.equal(JSON.stringify(copy.summary()), expected, `d = ${d}: the copy has the bits of one pass`)
    t.equal(JSON.stringify(original.summary()), expected, `d = ${d}: the original too, untouched by the copy`)
  }
})

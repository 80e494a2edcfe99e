import t from 'tap'
import { Random } from '../../lib/core/random.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { nearestCentroidWasm, WASM_UNROLL_LIMIT } from '../../lib/models/nearest-centroid-wasm.js'
import { assertSameBitsWithoutWasm } from '../helpers.js'

/** rows × d values around k well-spread centres, with optional missing and infinite values. */
function data (rows: number, d: number, seed: number, special = false): Float64Array {
  const random = new Random(seed)
  return Float64Array.from({ length: rows * d }, (_, i) => {
    if (special && i % 211 === 17) return NaN
    if (special && i % 997 === 400) return i % 2 === 0 ? Infinity : -Infinity
    return (Math.floor(i / d) % 5) * 3 + random.normal()
  })
}

t.test('the kernel picks the nearest centroid, the first on ties, and marks rows with a missing or infinite value', async t => {
  const kernel = nearestCentroidWasm(3, 1)!
  kernel.f64.set([0.9, 0.5, NaN, Infinity, -4], kernel.data)
  kernel.f64.set([0, 1, 1], kernel.centroids)
  kernel.f64.set([0, 1, 1], kernel.norms)
  kernel.nearest(5)
  // 0.5 is as near to 0 as to 1: the first wins; 1 and 1 tie: the first of them
  t.same(Array.from(kernel.i32.subarray(kernel.best, kernel.best + 5)), [1, 0, -1, -1, 0])
  t.equal(nearestCentroidWasm(WASM_UNROLL_LIMIT + 1, 1), undefined, 'above the limit: the JavaScript kernel')
})

t.test('Lloyd iterations have the same bits with and without WebAssembly', async t => {
  for (const [k, d] of [[1, 1], [2, 1], [3, 2], [8, 5], [4, 7], [5, 3], [30, 9]] as const) {
    for (const special of [false, true]) {
      const rows = 3001
      const X = data(rows, d, k * 10 + d, special)
      const weights = Float64Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? 0 : 0.5 + (i % 4)))
      const init = Array.from({ length: k }, (_, j) => Array.from({ length: d }, (_, q) => j * 1.5 + q * 0.1))
      assertSameBitsWithoutWasm(t, () => {
        const plain = new Kmeans(k).setCentroids(init)
        const h = plain.trainBatch({ data: X, rows, cols: d }, { maxIterations: 3, stopThreshold: -Infinity })
        const weighted = new Kmeans(k).setCentroids(init).fit({ data: X, rows, cols: d }, { weights, maxIterations: 2, stopThreshold: -Infinity })
        // summarized in chunks that cut blocks, and the total the summarize calls report
        const chunked = new Kmeans(k).setCentroids(init)
        const totals: number[] = []
        for (let start = 0; start < rows; start += 777) totals.push(chunked.summarize({ data: X.subarray(start * d, Math.min(rows, start + 777) * d), rows: Math.min(rows, start + 777) - start, cols: d })!)
        return { plain: plain.parameters, epochs: h.epochs.map(e => e.logProbability), weighted: weighted.parameters, summary: chunked.summary(), totals }
      }, `k = ${k}, d = ${d}${special ? ', missing and infinite values' : ''}`)
    }
  }
})

t.test('centroids far from the data (scores overflow to -∞) and duplicate centroids give the same bits', async t => {
  const X = Float64Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 1e200 : -1e200) * (1 + i / 1e4))
  assertSameBitsWithoutWasm(t, () => new Kmeans(3).setCentroids([[1e150, 1e150], [1e150, 1e150], [-1e160, 3]]).fit({ data: X, rows: 1000, cols: 2 }, { maxIterations: 1, stopThreshold: -Infinity }).parameters)
})

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { CrossProductSums } from '../../lib/core/accumulate.js'
import { compileKernel, range } from '../../lib/core/generated.js'
import { mahalanobisKernel } from '../../lib/distributions/mahalanobis.js'
import { nearestKernel } from '../../lib/models/nearest-centroid.js'

t.test('compileKernel compiles a body; range counts', async t => {
  t.equal(compileKernel<(a: number, b: number) => number>(['a', 'b'], 'return a * b')!(3, 4), 12)
  t.same(range(3), [0, 1, 2])
})

/** Summaries of CrossProductSums over 3000 rows of d = 1, 4 and 7 (some values missing), weighted and not. */
const crossProductsScript = `
  function crossProducts (CrossProductSums) {
    const out = []
    for (const d of [1, 4, 7]) {
      const rows = 3000
      const data = Float64Array.from({ length: rows * d }, (_, i) => i % 97 === 5 ? NaN : 1e3 + Math.sin(i) * 10)
      const weights = Float64Array.from({ length: rows }, (_, i) => i % 7 === 0 ? 0 : 0.1 + (i % 5) / 3)
      for (const w of [undefined, weights]) {
        const acc = new CrossProductSums(d)
        for (let start = 0; start < rows; start += 700) acc.add(data.subarray(start * d, Math.min(rows, start + 700) * d), w?.subarray(start, start + 700), Math.min(rows, start + 700) - start)
        out.push(acc.summary())
      }
    }
    return out
  }`
const crossProducts = new Function(`${crossProductsScript}; return crossProducts`)() as (c: typeof CrossProductSums) => unknown

t.test('without code generation the loops run, with the same results', async t => {
  const script = `
    import { compileKernel } from './lib/core/generated.ts'
    import { mahalanobisKernel } from './lib/distributions/mahalanobis.ts'
    import { nearestKernel } from './lib/models/nearest-centroid.ts'
    const distances = new Float64Array(2)
    mahalanobisKernel(2)(Float64Array.of(3, 4, 1, 0), 2, Float64Array.of(1, 0), Float64Array.of(2, 0, 1, 2), Float64Array.of(0.5, 0.5), distances)
    const best = new Int32Array(2)
    nearestKernel(2, 2)(Float64Array.of(3, 3, 0.1, 0), 0, 2, Float64Array.of(0, 0, 2, 2), Float64Array.of(0, 8), best)
    import { CrossProductSums } from './lib/core/accumulate.ts'
    ${crossProductsScript}
    console.log(JSON.stringify({ distances: Array.from(distances), best: Array.from(best), sums: crossProducts(CrossProductSums), compiled: compileKernel(['a'], 'return a') !== undefined }))`
  // `env -u`: tap's process tracker puts its coverage hooks back into a child's environment, and the
  // child's coverage of lib/ (loaded through tsx) garbles the report's line numbers
  const result = JSON.parse(execFileSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url) }).toString())
  const distances = new Float64Array(2)
  mahalanobisKernel(2)(Float64Array.of(3, 4, 1, 0), 2, Float64Array.of(1, 0), Float64Array.of(2, 0, 1, 2), Float64Array.of(0.5, 0.5), distances)
  const best = new Int32Array(2)
  nearestKernel(2, 2)(Float64Array.of(3, 3, 0.1, 0), 0, 2, Float64Array.of(0, 0, 2, 2), Float64Array.of(0, 8), best)
  t.equal(result.compiled, false, 'code generation is off in the child')
  t.same(result.distances, [3.25, 0], '|((3, 4) − (1, 0)) solved by L = [[2, 0], [1, 2]]|² = 1 + 1.5²')
  t.same(result.distances, Array.from(distances), 'as the written-out Mahalanobis kernel')
  t.same(result.best, [1, 0])
  t.same(result.best, Array.from(best), 'as the written-out nearest-centroid kernel')
  t.same(result.sums, JSON.parse(JSON.stringify(crossProducts(CrossProductSums))), 'cross-products: the same bits as the written-out kernel, with missing values and weights')
})

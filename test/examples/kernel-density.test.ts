import t from 'tap'
import { runExample } from './run-example.js'

t.test('the kernel density example fits out of core in two passes, as in memory, and finds the density', async t => {
  const out = await runExample('kernel-density.ts')
  t.match(out, /identical: true/)
  t.match(out, /grid: \{"min":-4\.\d+,"max":5\.\d+,"bins":2048\}/, 'a first pass chose the range')
  // closed form: the generating mixture 0.4·N(−2, 0.5) + 0.6·N(1.5, 1) smoothed by the Gaussian kernel
  // of bandwidth 0.1 is 0.4·N(−2, √(0.25 + 0.01)) + 0.6·N(1.5, √(1 + 0.01)); with 200 000 rows the
  // estimate's standard deviation is below 0.003 and the binning error below 1e-4
  const normal = (x: number, mean: number, variance: number): number => Math.exp(-0.5 * (x - mean) ** 2 / variance) / Math.sqrt(2 * Math.PI * variance)
  const points = [...out.matchAll(/^p\((-?[\d.]+)\) = ([\d.]+)/gm)].map(m => [Number(m[1]), Number(m[2])] as const)
  t.equal(points.length, 6)
  for (const [x, p] of points) {
    const expected = 0.4 * normal(x, -2, 0.26) + 0.6 * normal(x, 1.5, 1.01)
    t.ok(Math.abs(p - expected) < 0.012, `p(${x}) = ${p}, smoothed generating density ${expected.toFixed(4)}`)
  }
})

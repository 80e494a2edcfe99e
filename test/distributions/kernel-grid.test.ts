import t from 'tap'
import { Readable } from 'node:stream'
import { KernelGrid } from '../../lib/distributions/kernel-grid.js'
import { GaussianKernelDensity } from '../../lib/distributions/gaussian-kernel-density.js'
import { UniformKernelDensity } from '../../lib/distributions/uniform-kernel-density.js'
import { TriangleKernelDensity } from '../../lib/distributions/triangle-kernel-density.js'
import type { KernelDensity } from '../../lib/distributions/kernel-density.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { toBatch } from '../../lib/core/batch.js'
import { assertArilError, assertSameBitsAnyChunking, chunked, rejectsArilError } from '../helpers.js'

t.test('linear binning splits each weight between its two grid points', async t => {
  const grid = new KernelGrid({ min: 0, max: 4, bins: 5 })
  t.same(grid.points(), [0, 1, 2, 3, 4])
  const mass = new Float64Array(5)
  grid.bin(mass, Float64Array.of(1.25, 4, 0, NaN, 2), 1, 0, Float64Array.of(2, 1, 1, 1, 0), 0, 5)
  t.same(Array.from(mass), [1, 1.5, 0.5, 0, 1], 'x = 1.25 of weight 2 gives 1.5 and 0.5; the ends go to the end points; NaN and weight 0 add nothing')
  t.same(grid.window(3.5, 0.5), [2, 5], 'the grid points within the radius (3 and 4), and one more each side for rounding')
  t.same(grid.window(0.2, 0.1), [0, 2])
  t.same(grid.window(2, Infinity), [0, 5])
  for (const spec of [{ min: 1, max: 1, bins: 4 }, { min: 0, max: NaN, bins: 4 }, { min: 0, max: 1, bins: 1 }, { min: 0, max: 1, bins: 2.5 }]) {
    assertArilError(t, () => new KernelGrid(spec), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(spec))
  }
})

/** The exact density and the binned one of the same points, the largest difference over a fine probe, and the documented bound. */
function binnedError (Kind: new (...args: ConstructorParameters<typeof GaussianKernelDensity>) => KernelDensity, points: Float64Array, b: number, bins: number): { error: number; bound: number } {
  const min = -12
  const max = 12
  const exact = new Kind(points, b)
  const binned = new Kind([], b, null, { binned: { min, max, bins } }).fit(points)
  const delta = (max - min) / (bins - 1)
  const probe = Float64Array.from({ length: 1201 }, (_, i) => -12 + i * 0.02)
  const p = exact.probability(probe)
  const q = binned.probability(probe)
  let error = 0
  let bound = 0
  probe.forEach((x, i) => {
    error = Math.max(error, Math.abs(p[i]! - q[i]!))
    if (Kind === UniformKernelDensity) {
      // 1/(2b) times the share of the points within δ of the window's edges x ± b
      let near = 0
      for (const y of points) if (Math.abs(Math.abs(y - x) - b) <= delta) near++
      bound = Math.max(bound, near / points.length / (2 * b))
    }
  })
  if (Kind === GaussianKernelDensity) bound = delta * delta / (8 * Math.sqrt(2 * Math.PI) * b ** 3)
  if (Kind === TriangleKernelDensity) bound = delta / (2 * b * b)
  return { error, bound }
}

t.test('the binned density is within the documented bound of the exact one, and the error shrinks with the spacing', async t => {
  const points = Float64Array.from([...new NormalDistribution(-3, 1.5).sample(600, { seed: 1 }), ...new NormalDistribution(4, 1).sample(400, { seed: 2 })])
  for (const Kind of [GaussianKernelDensity, UniformKernelDensity, TriangleKernelDensity]) {
    const coarse = binnedError(Kind, points, 0.6, 129)
    const fine = binnedError(Kind, points, 0.6, 1025)
    t.ok(coarse.error <= coarse.bound * (1 + 1e-9), `${Kind.name}, δ = 0.1875: ${coarse.error} <= ${coarse.bound}`)
    t.ok(fine.error <= fine.bound * (1 + 1e-9), `${Kind.name}, δ = 0.0234: ${fine.error} <= ${fine.bound}`)
    t.ok(fine.error < coarse.error / 3, `${Kind.name}: 8 times finer, error ${coarse.error} -> ${fine.error}`)
  }
  const g = binnedError(GaussianKernelDensity, points, 0.6, 1025)
  t.ok(g.error < 2e-5, `Gaussian, 1025 bins on a range of 24 at b = 0.6: within ${g.error} of the exact density`)
})

t.test('the binned summary is the same bits for any chunking and merge order', async t => {
  const X = new NormalDistribution(1, 2).sample(5000, { seed: 5 })
  const w = Float64Array.from(X, (_, i) => (i % 4) / 3)
  for (const Kind of [GaussianKernelDensity, UniformKernelDensity, TriangleKernelDensity]) {
    await assertSameBitsAnyChunking(t, () => new Kind([], 0.5, null, { binned: { min: -10, max: 12, bins: 300 } }), X, w, {
      update: { inertia: 0.25 },
      state: m => JSON.stringify(m)
    })
  }
})

t.test('without min and max the data choose the grid: in memory, or by a first pass of fitStream', async t => {
  const X = new NormalDistribution(0, 1).sample(4000, { seed: 8 })
  const batch = toBatch(X)
  const inMemory = new GaussianKernelDensity([], 0.3, null, { binned: { bins: 200 } }).fit(X)
  const grid = inMemory.binnedGrid!
  t.same(grid, { min: Math.min(...X), max: Math.max(...X), bins: 200 })
  for (const seed of [1, 2]) {
    const streamed = await new GaussianKernelDensity([], 0.3, null, { binned: { bins: 200 } }).fitStream(chunked(batch, seed, 900))
    t.equal(JSON.stringify(streamed), JSON.stringify(inMemory), `streamed in random chunks (seed ${seed}), two passes: the same bits`)
  }
  const defaults = new UniformKernelDensity([], 1, null, { binned: true }).fit([1, 2, 3])
  t.equal(defaults.binnedGrid?.bins, 1024, '1024 grid points by default')
  t.same(new TriangleKernelDensity([], 0.5, null, { binned: true }).fit([2, 2]).binnedGrid, { min: 1.5, max: 2.5, bins: 1024 }, 'a single value: a bandwidth either side')
  t.equal(new GaussianKernelDensity([], 1, null, { binned: true }).fit([NaN]).binnedGrid, undefined, 'no values: no grid yet')
  t.equal((await new GaussianKernelDensity([], 1, null, { binned: true }).fitStream([toBatch([NaN])])).binnedGrid, undefined)
  const one = new GaussianKernelDensity([], 1, null, { binned: true })
  await rejectsArilError(t, one.fitStream(Readable.from([batch])), { code: 'ERR_INVALID_OPTION' }, 'a one-shot stream cannot choose the grid')
  assertArilError(t, () => one.summarize(X), { code: 'ERR_INVALID_OPTION' }, 'nor can summarize')
})

t.test('binned from points, inertia on the grid, JSON round trip', async t => {
  const d = new GaussianKernelDensity([0, 1, 1.5], 1, [1, 1, 2], { binned: { min: 0, max: 2, bins: 5 } })
  t.same(d.parameters, [[0, 0.5, 1, 1.5, 2], 1, [0.25, 0, 0.25, 0.5, 0]])
  d.fit([2, 2], { inertia: 0.5 })
  t.same(d.parameters[2], [0.125, 0, 0.125, 0.25, 0.5], 'pomegranate\'s concatenate-and-reweight, on the grid')
  const json = JSON.parse(JSON.stringify(d))
  t.same(json.binned, { min: 0, max: 2, bins: 5 })
  t.same(Object.keys(json), ['class', 'name', 'parameters', 'frozen', 'binned'], 'pomegranate\'s keys first; its reader takes the grid as points')
  const back = fromJSON<GaussianKernelDensity>(json)
  t.same(back.parameters, d.parameters)
  t.same(back.binnedGrid, d.binnedGrid)
  back.fit([0.5])
  t.same(back.parameters[2], [0, 1, 0, 0, 0], 'read back, it refits on its grid')
  assertArilError(t, () => GaussianKernelDensity.fromJSON({ ...json, parameters: [[0, 1], 1, [0.5, 0.5]] }), { code: 'ERR_INVALID_JSON_MODEL' })
  t.same(new UniformKernelDensity([], 1, null, { binned: { min: 0, max: 1, bins: 3 } }).parameters, [[0, 0.5, 1], 1, [0, 0, 0]], 'a grid without mass')
})

t.test('binned: values off the grid and mismatched summaries are errors; the model is unchanged', async t => {
  const d = new TriangleKernelDensity([], 1, null, { binned: { min: 0, max: 10, bins: 11 } })
  d.summarize([1, 2])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([3, 10.5]), { code: 'ERR_INVALID_INPUT', row: 1 })
  t.equal(JSON.stringify(d.summary()), before)
  d.summarize([11, 5], { weights: [0, 1] })
  t.pass('a value off the grid with weight 0 is ignored')
  const other = new TriangleKernelDensity([], 1, null, { binned: { min: 0, max: 10, bins: 12 } })
  assertArilError(t, () => d.mergeSummary(other.summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary(new TriangleKernelDensity([0], 1).summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  const free = new TriangleKernelDensity([], 1, null, { binned: true })
  assertArilError(t, () => free.fit([1, Infinity]), { code: 'ERR_INVALID_INPUT', row: 1 })
  t.equal(free.binnedGrid, undefined, 'a failed fit leaves no grid behind')
  assertArilError(t, () => new TriangleKernelDensity([5], 1, null, { binned: { min: 0, max: 1, bins: 3 } }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => new TriangleKernelDensity([], 1, null, { binned: { bins: 1 } }), { code: 'ERR_INVALID_OPTION' })
})

t.test('binned: weights in memory, and a failed second pass leaves no grid behind', async t => {
  const d = new GaussianKernelDensity([], 1, null, { binned: { bins: 3 } }).fit([1, 2, 3], { weights: [1, 1, 2] })
  t.same(d.parameters, [[1, 2, 3], 1, [0.25, 0.25, 0.5]], 'the grid from the rows of weight > 0, then their weights')
  let openings = 0
  const failing = (): Readable => Readable.from((function * () {
    yield toBatch([1, 2, 3])
    if (++openings === 2) yield toBatch([Infinity])
  })())
  const kde = new GaussianKernelDensity([], 1, null, { binned: true })
  await rejectsArilError(t, kde.fitStream(failing), { code: 'ERR_INVALID_INPUT' })
  t.equal(kde.binnedGrid, undefined)
})

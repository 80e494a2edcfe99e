import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GaussianKernelDensity } from '../../lib/distributions/gaussian-kernel-density.js'
import { UniformKernelDensity } from '../../lib/distributions/uniform-kernel-density.js'
import { TriangleKernelDensity } from '../../lib/distributions/triangle-kernel-density.js'
import type { KernelDensity } from '../../lib/distributions/kernel-density.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { assertArilError, assertClose, fixture, randomChunks } from '../helpers.js'

type Kind = typeof GaussianKernelDensity | typeof UniformKernelDensity | typeof TriangleKernelDensity
const KINDS: Record<string, Kind> = { GaussianKernelDensity, UniformKernelDensity, TriangleKernelDensity }
/** log of the factor pomegranate's kernels leave out: b, 2b and b² (see the fixture script). */
const MISSING_LOG_FACTOR: Record<string, (b: number) => number> = {
  GaussianKernelDensity: b => Math.log(b),
  UniformKernelDensity: b => Math.log(2 * b),
  TriangleKernelDensity: b => 2 * Math.log(b)
}

interface Density {
  name: string; kind: string; points: number[]; bandwidth: number; weights: number[] | null
  parameters: [number[], number, number[]]; json: string; probe: number[]
  pomegranateLogProbability: number[]; logProbability: number[]
}
interface Fit {
  name: string; kind: string; init: [number[], number, number[]?]; steps: Array<[number[], number[] | null]>
  inertia: number; summarize: boolean; parameters: [number[], number, number[]]; json: string
}
const { densities, fits } = fixture<{ densities: Density[]; fits: Fit[] }>('kernel-density')

t.test('log-probabilities: scikit-learn\'s normalized kernels, and pomegranate 0.14.8\'s up to the factor it leaves out (scripts/fixtures/kernel-density.py)', async t => {
  for (const c of densities) {
    const d = new KINDS[c.kind]!(c.points, c.bandwidth, c.weights)
    const logp = d.logProbability(c.probe)
    // scikit-learn's KernelDensity(kernel=gaussian|tophat|linear).score_samples
    assertClose(t, logp, c.logProbability, 1e-12, `${c.name}: scikit-learn`)
    // pomegranate's SQRT_2_PI is truncated to 2.50662827463 (4e-13 relative)
    const shifted = c.pomegranateLogProbability.map(v => v - MISSING_LOG_FACTOR[c.kind]!(c.bandwidth))
    assertClose(t, logp, shifted, 1e-11, `${c.name}: pomegranate minus log of its missing factor`)
    assertClose(t, d.parameters[0], c.parameters[0], 0, `${c.name}: points`)
    t.equal(d.parameters[1], c.parameters[1])
    assertClose(t, d.parameters[2], c.parameters[2], 1e-15, `${c.name}: normalized weights`)
  }
})

t.test('fits follow pomegranate\'s rule: replace, or concatenate and reweight with inertia', async t => {
  for (const c of fits) {
    const [points, bandwidth, weights] = c.init
    const d = new KINDS[c.kind]!(points, bandwidth, weights)
    if (c.summarize) {
      for (const [X, w] of c.steps) d.summarize(X, { weights: w ?? undefined })
      d.fromSummaries({ inertia: c.inertia })
    } else {
      for (const [X, w] of c.steps) d.fit(X, { weights: w ?? undefined, inertia: c.inertia })
    }
    t.same(d.parameters[0], c.parameters[0], `${c.name}: points`)
    assertClose(t, d.parameters[2], c.parameters[2], 1e-15, `${c.name}: weights`)
    const json = JSON.parse(c.json)
    const mine = JSON.parse(JSON.stringify(d))
    t.same(Object.keys(mine), Object.keys(json), `${c.name}: JSON keys in pomegranate's order`)
    t.same(mine.parameters[0], json.parameters[0])
    t.equal(mine.name, c.kind)
  }
})

t.test('with inertia every point is scored (pomegranate scores only the first n)', async t => {
  const d = new GaussianKernelDensity([0], 1).fit([10], { inertia: 0.5 })
  t.same(d.parameters, [[0, 10], 1, [0.5, 0.5]])
  assertClose(t, d.probability([10]), [0.5 * (Math.exp(-50) + 1) / Math.sqrt(2 * Math.PI)], 1e-15)
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of [...densities, ...fits]) {
    const d = fromJSON<KernelDensity>(c.json)
    t.ok(d instanceof KINDS[c.kind]!, c.name)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  const frozen = fromJSON<KernelDensity>('{"class":"Distribution","name":"TriangleKernelDensity","parameters":[[1,2],0.5,[0.25,0.75]],"frozen":true}')
  t.equal(frozen.frozen, true)
  for (const bad of [{ parameters: [[1], 'x', [1]] }, { parameters: [1, 1, [1]] }, { parameters: [[1], 1, 5] }, { parameters: [[1]] }]) {
    assertArilError(t, () => GaussianKernelDensity.fromJSON({ class: 'Distribution', name: 'GaussianKernelDensity', ...bad }), { code: 'ERR_INVALID_JSON_MODEL' })
  }
})

t.test('the same bits for any chunking and through a sink; merged summaries append', async t => {
  const X = new NormalDistribution(2, 3).sample(3000, { seed: 3 })
  const w = Float64Array.from(X, (_, i) => (i % 5) / 2)
  for (const Kind of Object.values(KINDS)) {
    const one = new Kind([], 0.8).fit(X, { weights: w })
    for (const seed of [1, 2]) {
      const d = new Kind([], 0.8)
      let at = 0
      for (const k of randomChunks(X.length, seed, 700)) {
        d.summarize(X.subarray(at, at + k), { weights: w.subarray(at, at + k) })
        at += k
      }
      t.same(d.fromSummaries().parameters, one.parameters, `${Kind.name}: chunking ${seed}`)
    }
    const streamed = new Kind([], 0.8)
    await pipeline(Readable.from([0, 1, 2].map(i => ({ data: X.slice(i * 1000, (i + 1) * 1000), rows: 1000, cols: 1, weights: w.slice(i * 1000, (i + 1) * 1000) }))), streamed.sink())
    t.same(streamed.parameters, one.parameters, `${Kind.name}: streamed`)
    const a = new Kind([], 0.8)
    a.summarize(X.subarray(0, 1024), { weights: w.subarray(0, 1024) })
    const b = new Kind([], 0.8)
    b.summarize(X.subarray(1024), { weights: w.subarray(1024) })
    t.same(a.mergeSummary(JSON.parse(JSON.stringify(b.summary()))).fromSummaries().parameters, one.parameters, `${Kind.name}: merged in shard order`)
  }
  t.equal(new GaussianKernelDensity().fit(X, { weights: w }).parameters[0].length, X.length - Math.ceil(X.length / 5), 'rows of weight 0 are not stored')
})

t.test('summaries of the wrong shape are rejected', async t => {
  const d = new UniformKernelDensity([0], 1)
  const good = d.summary()
  for (const bad of [{ points: [1, 2], weights: [1] }, { points: [Infinity], weights: [1] }, { points: [1], weights: [-1] }, { points: 'x', weights: [] }]) {
    assertArilError(t, () => d.mergeSummary({ ...good, ...bad }), { code: 'ERR_SUMMARY_MISMATCH' })
  }
  assertArilError(t, () => d.mergeSummary({ ...new GaussianKernelDensity().summary() }), { code: 'ERR_SUMMARY_MISMATCH' })
})

t.test('missing values, zero weight, frozen, empty updates', async t => {
  const a = new TriangleKernelDensity([0], 1).fit([1, NaN, 2, null as unknown as number, 4])
  t.same(a.parameters[0], [1, 2, 4])
  for (const Kind of Object.values(KINDS)) t.same(Array.from(new Kind([0], 1).logProbability([NaN])), [0], `${Kind.name}: NaN has log-probability 0`)
  t.same(new GaussianKernelDensity([3], 2).fit([1, 2], { weights: [0, 0] }).parameters, [[3], 2, [1]], 'zero total weight keeps the parameters')
  t.same(new GaussianKernelDensity([3], 2).fit([]).parameters, [[3], 2, [1]], 'an empty fit keeps them (pomegranate raises TypeError)')
  const frozen = new UniformKernelDensity([3], 2).freeze()
  frozen.summarize([7])
  t.same(frozen.fromSummaries().parameters, [[3], 2, [1]])
  t.same(new UniformKernelDensity([], 1).fit([5, 6], { inertia: 0.5 }).parameters, [[5, 6], 1, [0.5, 0.5]], 'inertia on a density without points replaces it')
  t.same(Array.from(new GaussianKernelDensity().logProbability([0])), [-Infinity], 'no points: density 0')
})

t.test('far in the tails the Gaussian log-density stays finite (log-sum-exp), as scikit-learn\'s', async t => {
  const d = new GaussianKernelDensity([0, 1], 0.5)
  const x = 100
  const expected = Math.log(0.5) + (-0.5 * ((x - 1) / 0.5) ** 2) - 0.5 * Math.log(2 * Math.PI) - Math.log(0.5) + Math.log1p(Math.exp(-0.5 * (x / 0.5) ** 2 + 0.5 * ((x - 1) / 0.5) ** 2))
  assertClose(t, d.logProbability([x]), [expected], 1e-13)
  t.same(Array.from(new UniformKernelDensity([0], 1).logProbability([1, 1.0000001])), [Math.log(0.5), -Infinity], 'the uniform window is closed')
})

t.test('sample: reproducible, with the density\'s mean and variance', async t => {
  const points = [-2, 0, 3]
  const weights = [1, 2, 1]
  const b = 0.7
  const mean = (-2 * 1 + 0 + 3 * 1) / 4
  const spread = (4 * 1 + 0 + 9 * 1) / 4 - mean * mean
  // Var of a kernel density: the points' variance plus b² times the kernel's (1, 1/3, 1/6)
  const kernelVariance: Record<string, number> = { GaussianKernelDensity: 1, UniformKernelDensity: 1 / 3, TriangleKernelDensity: 1 / 6 }
  for (const Kind of Object.values(KINDS)) {
    const d = new Kind(points, b, weights)
    t.same(d.sample(5, { seed: 4 }), d.sample(5, { seed: 4 }))
    const x = d.sample(200000, { seed: 9 })
    const m = x.reduce((a, v) => a + v, 0) / x.length
    const v = x.reduce((a, y) => a + (y - m) ** 2, 0) / x.length
    const variance = spread + b * b * kernelVariance[Kind.name]!
    // the standard error of the mean is sqrt(variance / n) ≈ 0.004; of the variance about 0.01
    t.ok(Math.abs(m - mean) < 0.02, `${Kind.name}: mean ${m} vs ${mean}`)
    t.ok(Math.abs(v - variance) < 0.05, `${Kind.name}: variance ${v} vs ${variance}`)
    if (Kind !== GaussianKernelDensity) t.ok(x.every(y => points.some(p => Math.abs(y - p) <= b)), `${Kind.name}: inside a window`)
  }
  assertArilError(t, () => new GaussianKernelDensity().sample(1), { code: 'ERR_NOT_FITTED' })
})

t.test('fromSamples and a kernel density in a mixture', async t => {
  const d = GaussianKernelDensity.fromSamples([1, 2, 3], { bandwidth: 0.5, weights: [1, 1, 2] })
  t.same(d.parameters, [[1, 2, 3], 0.5, [0.25, 0.25, 0.5]])
  t.same(UniformKernelDensity.fromSamples([1]).parameters, [[1], 1, [1]])
  t.same(TriangleKernelDensity.fromSamples([1, 2]).parameters[0], [1, 2])
  const X = Float64Array.from([...new NormalDistribution(-5, 1).sample(200, { seed: 1 }), ...new NormalDistribution(5, 1).sample(200, { seed: 2 })])
  const gmm = new GeneralMixtureModel([new GaussianKernelDensity([-1], 1), new GaussianKernelDensity([1], 1)]).fit(X, { maxIterations: 5 })
  t.same(Array.from(gmm.predict([-5, 5])), [0, 1], 'the components separate the clusters')
})

t.test('bad parameters and input: clear errors, model unchanged', async t => {
  for (const [points, bandwidth, weights] of [[[1], 0], [[1], -1], [[1], Infinity], [[1], '1'], [[NaN], 1], [[1, 2], 1, [1]], [[1], 1, [-1]], [[1, 2], 1, [0, 0]], ['x', 1]] as Array<[number[], number, number[]?]>) {
    assertArilError(t, () => new GaussianKernelDensity(points, bandwidth, weights), { code: 'ERR_INVALID_PARAMETER' }, `${JSON.stringify(points)}, ${String(bandwidth)}, ${JSON.stringify(weights)}`)
  }
  const d = new UniformKernelDensity([0], 1)
  d.summarize([0.5])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([0.2, Infinity]), { code: 'ERR_INVALID_INPUT', row: 1, column: 0 })
  assertArilError(t, () => d.summarize([[1, 2]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.fit([1], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [[0], 1, [1]])
  assertArilError(t, () => new GaussianKernelDensity([], 1, null, { binned: 'yes' as never }), { code: 'ERR_INVALID_OPTION' })
})

import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toBatch } from '../../lib/core/batch.js'
import { readNpy, writeNpy } from '../../lib/io/npy.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { assertArilError, chunked } from '../helpers.js'

/** Three well-separated 2-D clusters of 3000 rows each, written sorted by cluster, as a new user's numpy file sorted by label. */
const means = [[0, 0], [8, 0], [4, 7]]
const covariance = [[1, 0.3], [0.3, 1]]
const rows = means.flatMap((m, j) => new MultivariateGaussianDistribution(m, covariance).sample(3000, { seed: 10 + j }))

/** The fitted components' means, matched to the true ones (undefined when two components share a cluster). */
function recovered (gmm: GeneralMixtureModel): number {
  const fitted = gmm.distributions.map(d => (d as MultivariateGaussianDistribution).parameters[0] as number[])
  let worst = 0
  for (const m of means) {
    const best = Math.min(...fitted.map(f => Math.hypot(f[0]! - m[0]!, f[1]! - m[1]!)))
    worst = Math.max(worst, best)
  }
  return worst
}

t.test('on a file sorted by cluster the whole-stream initialization recovers the true means; the first rows do not', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aril-sorted-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'sorted.npy')
  await pipeline(Readable.from([toBatch(rows)]), writeNpy(path))
  const open = (): Readable => readNpy(path)
  const options = { seed: 1, initRows: 2000, maxIterations: 200, stopThreshold: 1e-6 }
  const whole = await GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, 3, open, options)
  // each true mean within 0.1 of a fitted one (the standard error of a cluster mean is about 0.02)
  t.ok(recovered(whole) < 0.1, `whole-stream sample: every true mean recovered (worst ${recovered(whole)})`)
  t.same(whole.parameters[1].map(w => Math.round(w * 3)), [1, 1, 1], 'equal weights')
  const lines: string[] = []
  const head = await GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, 3, open, {
    ...options, initSample: 'head', callbacks: [{ onEpochEnd: log => { if (log.note !== undefined) lines.push(log.note) } }]
  })
  t.ok(recovered(head) > 1, `first 2000 rows (all of cluster 0): some true mean is missed (worst ${recovered(head)})`)
  t.match(lines, [/first 2000 of 9000 rows only \(initSample: 'head'\)/], 'the epoch log says so')
  const parallel = await GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, 3, open, { ...options, init: 'kmeans||' })
  t.ok(recovered(parallel) < 0.1, `kmeans|| over the whole stream: recovered too (worst ${recovered(parallel)})`)
  const inMemory = GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 3, rows, options)
  t.equal(JSON.stringify(inMemory), JSON.stringify(whole), 'fromSamples on the same rows: the same bits')
})

t.test('fromStream equals fromSamples bit for bit for every init, in any chunks', async t => {
  const X = toBatch(rows.filter((_, i) => i % 9 === 0))
  for (const init of ['kmeans++', 'kmeans||', 'random', 'first-k'] as const) {
    const options = { init, nInit: 2, seed: 4, initRows: 300, maxIterations: 5 }
    const a = GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 3, X, options)
    const b = await GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, 3, chunked(X, 2, 170), options)
    t.equal(JSON.stringify(b), JSON.stringify(a), init)
  }
})

t.test('pomegranate\'s list semantics and one-column kinds on several columns', async t => {
  const X = rows.filter((_, i) => i % 9 === 0).map(([a, b]) => [a!, Math.abs(b!) + 0.1])
  const icd: GeneralMixtureModel = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { seed: 2, maxIterations: 3 })
  t.ok(icd.distributions.every(d => d instanceof IndependentComponentsDistribution && d.distributions.every(c => c instanceof NormalDistribution)), 'one Normal on 2 columns: IndependentComponents of 2 Normals (not ERR_COLUMN_COUNT)')
  const perColumn = GeneralMixtureModel.fromSamples([NormalDistribution, ExponentialDistribution], 3, X, { seed: 2, maxIterations: 3 })
  t.same(perColumn.distributions.map(d => (d as IndependentComponentsDistribution).distributions.map(c => c.name)), Array(3).fill(['NormalDistribution', 'ExponentialDistribution']), 'a list on 2 columns: one class per column')
  const one = X.map(r => r[0]!)
  const perComponent = GeneralMixtureModel.fromSamples([NormalDistribution, ExponentialDistribution], 2, one.map(Math.abs), { seed: 2, maxIterations: 3 })
  t.same(perComponent.distributions.map(d => d.name), ['NormalDistribution', 'ExponentialDistribution'], 'a list on 1 column: one class per component')
  assertArilError(t, () => GeneralMixtureModel.fromSamples([NormalDistribution, NormalDistribution, NormalDistribution], 3, X), { code: 'ERR_INVALID_OPTION' }, '3 one-column classes on 2 columns')
  assertArilError(t, () => GeneralMixtureModel.fromSamples([NormalDistribution], 2, one), { code: 'ERR_INVALID_OPTION' }, '1 class for 2 components')
  assertArilError(t, () => GeneralMixtureModel.fromSamples([NormalDistribution, {}] as never, 2, one), { code: 'ERR_INVALID_OPTION' })
  const mvg = GeneralMixtureModel.fromSamples([MultivariateGaussianDistribution, MultivariateGaussianDistribution, MultivariateGaussianDistribution], 3, X, { seed: 2, maxIterations: 3 })
  t.ok(mvg.distributions.every(d => d instanceof MultivariateGaussianDistribution), 'multivariate classes in a list: one per component')
})

t.test('nInit keeps the k-means start of smallest inertia on the sample', async t => {
  const X = rows.filter((_, i) => i % 9 === 0)
  const start = (seed: number, nInit: number): GeneralMixtureModel =>
    GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 3, X, { init: 'random', nInit, seed, maxIterations: 0 })
  const single = Array.from({ length: 12 }, (_, seed) => recovered(start(seed, 1)))
  t.ok(single.some(v => v > 2), `some random starts put two components in one cluster (${single.map(v => v.toFixed(1)).join(' ')})`)
  const best = Array.from({ length: 12 }, (_, seed) => recovered(start(seed, 8)))
  t.ok(best.every(v => v < 2), `the best of eight starts never does (${best.map(v => v.toFixed(1)).join(' ')})`)
})

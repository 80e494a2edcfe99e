import t from 'tap'
import { Readable } from 'node:stream'
import { toBatch, type Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { headNote, initialCentroids, initialSample, initSettings, type InitOptions } from '../../lib/models/init.js'
import { refineCentroids } from '../../lib/models/kmeans.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { passesInMemory, passesOverStream } from '../../lib/train/pass.js'
import { assertArilError, chunked } from '../helpers.js'

const centroids = (batch: Batch, k: number, options: InitOptions, seed = 1): number[][] => {
  const settings = initSettings({ seed, ...options }, k)
  const random = new Random(settings.seed)
  return passesInMemory(initialCentroids(k, passesInMemory(initialSample(settings), batch), settings, random, refineCentroids), batch)
}

/** Five clusters of 400 rows in 3-D, far apart, sorted by cluster. */
const centres = [[0, 0, 0], [30, 0, 0], [0, 30, 0], [0, 0, 30], [30, 30, 30]]
const parts = centres.map((mean, j) => new MultivariateGaussianDistribution(mean, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]).sample(400, { seed: j + 1 }))
const sortedRows = toBatch(parts.flat())
const nearest = (c: number[]): number => centres.findIndex(m => m.every((v, q) => Math.abs(v - c[q]!) < 5))

t.test('settings: defaults and checked options', async t => {
  const s = initSettings({}, 3)
  t.same({ ...s, seed: 0 }, { init: 'kmeans++', runs: 1, seed: 0, rows: 10000, sample: 'uniform', rounds: 5, oversampling: 6 })
  t.ok(Number.isSafeInteger(s.seed), 'a random seed is drawn once')
  t.equal(initSettings({ init: 'first-k', nInit: 7 }, 2).runs, 1)
  for (const bad of [{ init: 'kmeans+++' }, { nInit: 0 }, { nInit: 1.5 }, { initRows: 2 }, { initSample: 'first' }, { initRounds: 0 }, { initOversampling: 0 }, { seed: 0.5 }]) {
    assertArilError(t, () => initSettings(bad as InitOptions, 3), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
  assertArilError(t, () => initSettings(null as never, 3), { code: 'ERR_INVALID_OPTION' })
  t.equal(headNote(undefined, 100), undefined)
  t.equal(headNote(100, 100), undefined)
  t.match(headNote(10, 100), /first 10 of 100 rows/)
})

t.test('first-k: the first k complete rows of positive weight', async t => {
  const X = toBatch([[NaN, 1], [1, 1], [2, 2], [3, 3], [4, 4]], { weights: [1, 1, 0, 1, 1] })
  t.same(centroids(X, 2, { init: 'first-k' }), [[1, 1], [3, 3]])
  assertArilError(t, () => centroids(X, 4, { init: 'first-k' }), { code: 'ERR_INVALID_INPUT' })
})

t.test('random: k distinct rows of X, drawn by weight', async t => {
  const X = toBatch([[0], [1], [2], [3]], { weights: [0, 1, 3, 6] })
  const counts = [0, 0, 0, 0]
  for (let seed = 0; seed < 3000; seed++) {
    const [c] = centroids(X, 1, { init: 'random', seed })
    counts[c![0]!]!++
  }
  t.equal(counts[0], 0, 'weight 0: never')
  // the first draw is ∝ weight: 300, 900 and 1800 of 3000 expected (standard deviations 16, 25, 27)
  t.ok(Math.abs(counts[1]! - 300) < 80 && Math.abs(counts[2]! - 900) < 125 && Math.abs(counts[3]! - 1800) < 135, counts.join(' '))
  const three = centroids(X, 3, { init: 'random', seed: 4 })
  t.same(three.map(c => c[0]).sort(), [1, 2, 3], 'without replacement')
  assertArilError(t, () => centroids(X, 4, { init: 'random' }), { code: 'ERR_INVALID_INPUT' })
})

t.test('kmeans||: a few passes over all rows find every cluster of data sorted by cluster', async t => {
  for (const seed of [1, 2, 3]) {
    const found = centroids(sortedRows, 5, { init: 'kmeans||', seed })
    t.same(found.map(nearest).sort(), [0, 1, 2, 3, 4], `seed ${seed}: one centroid per cluster`)
  }
  let openings = 0
  const open = chunked(sortedRows, 5, 333)
  const counted = (): Readable => { openings++; return open() }
  const settings = initSettings({ init: 'kmeans||', seed: 9, initRounds: 3 }, 5)
  const streamed = await passesOverStream(initialCentroids(5, toBatch([]), settings, new Random(settings.seed), refineCentroids), counted, X => toBatch(X))
  t.equal(openings, 1 + 3 + 1, 'a first centre, one pass a round, the candidates\' weights')
  t.same(streamed, centroids(sortedRows, 5, { init: 'kmeans||', seed: 9, initRounds: 3 }), 'the same bits as in memory')
  t.same(centroids(toBatch([[1], [1], [1], [2]]), 2, { init: 'kmeans||' }).map(c => c[0]).sort(), [1, 2], 'stops early when every row sits on a centre')
  assertArilError(t, () => centroids(toBatch([[1], [1]]), 2, { init: 'kmeans||' }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => centroids(toBatch([[NaN]]), 1, { init: 'kmeans||' }), { code: 'ERR_INVALID_INPUT' })
})

t.test('kmeans++ from the uniform sample finds every cluster of data sorted by cluster; from the head it cannot', async t => {
  const uniform = centroids(sortedRows, 5, { initRows: 200, seed: 2 })
  t.same(uniform.map(nearest).sort(), [0, 1, 2, 3, 4])
  const head = centroids(sortedRows, 5, { initRows: 200, initSample: 'head', seed: 2 })
  t.same(head.map(nearest), [0, 0, 0, 0, 0], 'the first 200 rows are all of cluster 0')
})

t.test('kmeans||: rows with missing values count by their observed dimensions and are never candidates', async t => {
  const rows = sortedRows.data
  const withGaps = toBatch(Array.from({ length: sortedRows.rows }, (_, r) => [rows[3 * r]!, r % 7 === 0 ? NaN : rows[3 * r + 1]!, rows[3 * r + 2]!]))
  const found = centroids(withGaps, 5, { init: 'kmeans||', seed: 4 })
  t.ok(found.every(c => c.every(Number.isFinite)), 'complete centroids')
  t.same(found.map(nearest).sort(), [0, 1, 2, 3, 4], 'one per cluster')
})

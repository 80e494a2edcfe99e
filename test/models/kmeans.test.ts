import t from 'tap'
import { Readable } from 'node:stream'
import { toBatch, sliceBatch } from '../../lib/core/batch.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { Random } from '../../lib/core/random.js'
import { Kmeans, kmeansPlusPlus } from '../../lib/models/kmeans.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import { progress } from '../../lib/train/callbacks.js'
import { assertArilError, assertClose, chunked, fixture, rejectsArilError } from '../helpers.js'

interface Case {
  name: string; X: number[][]; weights: number[] | null; init: number[][]; steps: number
  centroids: number[][]; cumulative: number[][]; inertia: number; predict: number[]; json: string
}
const { cases } = fixture<{ cases: Case[] }>('kmeans')
const byName = (name: string): Case => cases.find(c => c.name.startsWith(name))!

t.test('Lloyd steps match pomegranate 0.14.8 with clear_summaries=True (scripts/fixtures/kmeans.py)', async t => {
  for (const c of cases.filter(c => !c.name.startsWith('a mean of exactly 0'))) {
    const km = new Kmeans(c.init.length).setCentroids(c.init)
    const h = km.trainBatch(c.X, { weights: c.weights ?? undefined, maxIterations: c.steps, stopThreshold: -Infinity })
    assertClose(t, km.parameters.flat(), c.centroids.flat(), 1e-10, `${c.name}: centroids`)
    t.same(Array.from(km.predict(c.X)), c.predict, `${c.name}: predict`)
    // the last epoch's log-probability is minus the inertia of the final centroids (numpy)
    assertClose(t, -h.logProbability, c.inertia, 1e-10, `${c.name}: inertia`)
    t.equal(h.epochs.length, c.steps)
    t.ok(h.epochs.every(e => e.logProbability <= 0 && !e.decreased), 'the inertia never grows')
    // pomegranate's default (statistics kept across iterations) is not Lloyd's algorithm
    t.ok(Math.abs(km.parameters[1]![0]! - c.cumulative[1]![0]!) > 0.1, `${c.name}: differs from pomegranate's cumulative default`)
  }
})

t.test('a centroid coordinate whose new mean is exactly 0 moves to 0 (pomegranate skips it)', async t => {
  const c = byName('a mean of exactly 0')
  const km = new Kmeans(2).setCentroids(c.init).fit(c.X, { maxIterations: 1, stopThreshold: -Infinity })
  // closed form: cluster 0 = rows 0-3 (x: −1, 1, −2, 2; y: 5, 5, 6, 6), cluster 1 = rows 4-6 (x: 10, 11, 12; y: −1, 1, 0)
  t.same(km.parameters, [[0, 5.5], [11, 0]])
  t.same(c.centroids, [[0.5, 5.5], [11, 0.5]], 'pomegranate kept the old coordinates')
})

t.test('a stream fit equals the in-memory fit bit for bit, and resumes after a kill', async t => {
  const c = byName('3-D, k=4, 6 steps, 5% missing')
  const batch = toBatch(c.X)
  const one = new Kmeans(4).setCentroids(c.init)
  const h1 = one.trainBatch(batch, { stopThreshold: 0 })
  t.ok(h1.stopReason === 'converged' && h1.epochs.at(-1)!.improvement === 0, 'Lloyd converges exactly')
  for (const seed of [1, 2]) {
    const s = new Kmeans(4).setCentroids(c.init)
    const h = await s.trainStream(chunked(batch, seed, 100), { stopThreshold: 0 })
    t.same(s.parameters, one.parameters, `chunking ${seed}`)
    t.same(h.epochs.map(e => e.logProbability), h1.epochs.map(e => e.logProbability))
  }
  let state: TrainState | undefined
  let served = 0
  const open = chunked(batch, 3, 100)
  const dying = (): Readable => Readable.from((async function * () {
    for await (const b of open()) {
      if (served++ === 13) throw new Error('killed')
      yield b
    }
  })())
  await t.rejects(new Kmeans(4).setCentroids(c.init).fitStream(dying, { stopThreshold: 0, checkpoint: { save: s => { state = s } } }), /killed/)
  const resumed = resumeModel<Kmeans>(state!)
  await resumed.fitStream(chunked(batch, 4, 100), { stopThreshold: 0, resume: state })
  t.same(resumed.parameters, one.parameters, 'resumed')
  const sink = new Kmeans(4).setCentroids(c.init)
  sink.summarize(sliceBatch(batch, 0, 300))
  const other = new Kmeans(4).setCentroids(c.init)
  other.summarize(batch)
  sink.summarize(sliceBatch(batch, 300, batch.rows))
  t.same(sink.summary(), other.summary(), 'summaries are chunk-invariant')
  assertArilError(t, () => sink.mergeSummary({ model: 'Kmeans', sums: new Kmeans(2).setCentroids([[0], [1]]).summary().sums }), { code: 'ERR_SUMMARY_MISMATCH' })
})

t.test('missing values: distances and updates use the observed dimensions', async t => {
  const km = new Kmeans(2).setCentroids([[0, 0], [10, 10]])
  // closed form: row [NaN, 9] is nearest to centroid 1 by its y alone, and only moves its y
  t.same(Array.from(km.predict([[NaN, 9], [1, NaN], [NaN, NaN]])), [1, 0, 0])
  t.same(Array.from(km.logProbability([[NaN, 9], [1, NaN]])), [-1, -1])
  km.fit([[NaN, 9], [9, 11], [1, 1], [NaN, NaN]], { maxIterations: 1, stopThreshold: -Infinity })
  t.same(km.parameters, [[1, 1], [9, 10]])
})

t.test('initialization: k-means++ (seeded) and first-k, in memory and from a stream', async t => {
  const c = byName('3-D, k=4, 6 steps')
  const a = new Kmeans(4, { seed: 5 }).fit(c.X, { maxIterations: 50 })
  const b = await new Kmeans(4, { seed: 5 }).fitStream(chunked(toBatch(c.X), 7, 100), { maxIterations: 50 })
  t.same(b.parameters, a.parameters, 'same bits in memory and out of core')
  // the four generating centers of scripts/fixtures/kmeans.py are found
  const found = a.parameters.map(p => p.map(Math.round).join(',')).sort()
  t.same(found, ['0,0,0', '0,5,5', '4,4,0', '6,0,3'])
  const first = new Kmeans(4, { init: 'first-k' }).initialize(c.X)
  t.same(first.parameters, c.X.slice(0, 4))
  // k-means++ draws only complete rows with positive weight, reproducibly
  const X = toBatch([[0, 0], [NaN, 1], [5, 5], [9, 9], [1, 1]], { weights: [1, 1, 0, 1, 1] })
  const centroids = kmeansPlusPlus(X, 3, new Random(1))
  t.same(kmeansPlusPlus(X, 3, new Random(1)), centroids)
  t.same(centroids.map(r => r.join(',')).sort(), ['0,0', '1,1', '9,9'])
  assertArilError(t, () => kmeansPlusPlus(toBatch([[1], [1], [1]]), 2, new Random(1)), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => new Kmeans(3, { init: 'first-k' }).initialize([[1], [NaN], [2]]), { code: 'ERR_INVALID_INPUT' })
  // initRows limits the rows k-means++ looks at: with initSample 'head', the first ones
  const head = new Kmeans(2, { seed: 1, initRows: 2, initSample: 'head' }).initialize([[0], [1], [100], [200]])
  t.same(head.parameters.flat().sort(), [0, 1])
})

t.test('JSON in pomegranate\'s shape', async t => {
  for (const c of cases) {
    const km = fromJSON<Kmeans>(c.json)
    t.same(JSON.parse(stringifyJSON(km)), JSON.parse(c.json))
  }
  const blank = fromJSON<Kmeans>({ class: 'Kmeans', k: 3, centroids: [] })
  t.same(blank.toJSON(), { class: 'Kmeans', k: 3, centroids: [] })
  t.equal(blank.dimension, undefined)
  assertArilError(t, () => fromJSON({ class: 'Kmeans', k: 'x' }), { code: 'ERR_INVALID_JSON_MODEL' })
})

t.test('inertia blends the centroids; frozen models stay', async t => {
  const km = new Kmeans(1).setCentroids([[0]]).fit([[4], [6]], { maxIterations: 1, stopThreshold: -Infinity, inertia: 0.5 })
  t.same(km.parameters, [[2.5]])
  const frozen = new Kmeans(1).setCentroids([[0]]).freeze().fit([[4]])
  t.same(frozen.parameters, [[0]])
})

t.test('errors', async t => {
  for (const k of [0, 1.5, NaN]) assertArilError(t, () => new Kmeans(k), { code: 'ERR_INVALID_ARGUMENT' })
  for (const options of [{ init: 'kmeans+' }, { seed: 1.5 }, { initRows: 1 }, { initRows: 2.5 }, { nInit: 0 }, { initSample: 'tail' }, { initRounds: 0 }, { initOversampling: 0.5 }]) {
    assertArilError(t, () => new Kmeans(2, options as never), { code: 'ERR_INVALID_OPTION' })
  }
  assertArilError(t, () => new Kmeans(2, null as never), { code: 'ERR_INVALID_OPTION' })
  const km = new Kmeans(2)
  for (const bad of [[[0]], [[0], [1, 2]], [[0], [NaN]], [[], []]]) assertArilError(t, () => km.setCentroids(bad), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => km.setCentroids(3 as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => km.predict([[1]]), { code: 'ERR_NOT_FITTED' })
  assertArilError(t, () => km.summarize([[1]]), { code: 'ERR_NOT_FITTED' })
  assertArilError(t, () => new Kmeans(1).setCentroids([[0]]).sample(1), { code: 'ERR_INVALID_ARGUMENT' })
  await rejectsArilError(t, new Kmeans(2).fitStream('x.npy' as never), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, new Kmeans(2).fitStream([toBatch([[1, 2]]), toBatch([[1]])]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => new Kmeans(1).setCentroids([[0, 0]]).fit([[1]]), { code: 'ERR_COLUMN_COUNT' })
})

interface InitCase { init: 'first-k' | 'random' | 'kmeans++' | 'kmeans||'; nInit: number; centroids: number[][]; inertia: number }
const inits = fixture<{ X: number[][]; means: number[][]; cases: InitCase[]; trap: { X: number[][]; centroids: number[][]; inertia: number; single: number[] } }>('kmeans-init')
const sorted = (c: number[][]): number[][] => c.slice().sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
const inertiaOf = (km: Kmeans, X: number[][]): number => -km.logProbability(X).reduce((a, b) => a + b, 0)

t.test('Kmeans.fromSamples with each init matches pomegranate 0.14.8 (scripts/fixtures/kmeans-init.py)', async t => {
  for (const c of inits.cases) {
    const km = Kmeans.fromSamples(4, inits.X, { init: c.init, nInit: c.nInit, seed: 3, stopThreshold: 0, maxIterations: 1000 })
    if (c.init === 'first-k') {
      // deterministic: Lloyd's algorithm from the first 4 rows, a poor local optimum, in pomegranate's order
      assertClose(t, km.parameters.flat(), c.centroids.flat(), 1e-12, 'first-k: the same centroids in the same order')
    } else {
      // numpy's random draws cannot be replayed: both end at the clusters' means
      assertClose(t, sorted(km.parameters).flat(), sorted(c.centroids).flat(), 1e-12, `${c.init}: the same optimum`)
      assertClose(t, sorted(km.parameters).flat(), sorted(inits.means).flat(), 1e-12, `${c.init}: the clusters' means (numpy)`)
    }
    assertClose(t, inertiaOf(km, inits.X), c.inertia, 1e-12, `${c.init}: inertia`)
  }
})

t.test('nInit keeps the run of smallest inertia (pomegranate\'s n_init)', async t => {
  const { X, inertia, single } = inits.trap
  t.ok(single.some(v => v > inertia * 3), 'pomegranate: some single random runs end in a worse optimum')
  const one = Array.from({ length: 10 }, (_, seed) => inertiaOf(Kmeans.fromSamples(3, X, { init: 'random', seed, stopThreshold: 0 }), X))
  t.ok(one.some(v => v > inertia * 3), 'so do some of aril\'s')
  for (let seed = 0; seed < 10; seed++) {
    const best = Kmeans.fromSamples(3, X, { init: 'random', nInit: 10, seed, stopThreshold: 0 })
    // the first of the ten runs is the nInit: 1 run of the same seed
    t.ok(inertiaOf(best, X) <= one[seed]!, `seed ${seed}: no worse than its first run`)
    assertClose(t, inertiaOf(best, X), inertia, 1e-12, `seed ${seed}: pomegranate's best inertia`)
  }
  const km = new Kmeans(3, { init: 'random', nInit: 4, seed: 1 })
  const history = km.trainBatch(X, { stopThreshold: 0 })
  assertClose(t, -history.logProbability, inertiaOf(km, X), 1e-12, 'the History returned is the kept run\'s')
  t.equal(new Kmeans(3, { init: 'first-k', nInit: 5 }).nInit, 1, 'first-k runs once, as pomegranate')
})

t.test('distance: squared distances to every centroid over the observed dimensions', async t => {
  const km = new Kmeans(2).setCentroids([[0, 0], [3, 4]])
  t.same(km.distance([[0, 0], [3, 0], [NaN, 4]]), [[0, 25], [9, 16], [16, 0]])
  t.same(km.distance(toBatch([[1, 1]])), [[2, 13]])
  assertArilError(t, () => new Kmeans(2).distance([[1, 2]]), { code: 'ERR_NOT_FITTED' })
  assertArilError(t, () => km.distance([[1]]), { code: 'ERR_COLUMN_COUNT' })
})

t.test('every init gives the same centroids in memory and from a stream in any chunks', async t => {
  const batch = toBatch(inits.trap.X)
  for (const init of ['first-k', 'random', 'kmeans++', 'kmeans||'] as const) {
    for (const initSample of ['uniform', 'head'] as const) {
      const options = { init, initSample, nInit: 2, seed: 7, initRows: 50 }
      const a = new Kmeans(3, options).fit(batch, { maxIterations: 3 })
      const b = await new Kmeans(3, options).fitStream(chunked(batch, 11, 40), { maxIterations: 3 })
      t.same(b.parameters, a.parameters, `${init}, ${initSample}`)
    }
  }
})

t.test('the epoch log notes a first-rows initialization on longer data', async t => {
  const lines: string[] = []
  const km = new Kmeans(3, { seed: 1, initRows: 20, initSample: 'head' })
  const h = km.trainBatch(inits.trap.X, { maxIterations: 2, callbacks: [progress({ write: line => lines.push(line) })] })
  t.match(h.epochs[0]!.note, /first 20 of 180 rows only \(initSample: 'head'\)/)
  t.equal(h.epochs[1]!.note, undefined, 'on the first epoch only')
  t.ok(lines.some(l => l.startsWith('note: the initialization looked at the first 20 of 180 rows')), 'progress() prints it')
  const s = await new Kmeans(3, { seed: 1, initRows: 20, initSample: 'head' }).trainStream(chunked(toBatch(inits.trap.X), 1, 50), { maxIterations: 1 })
  t.match(s.epochs[0]!.note, /first 20 of 180 rows/, 'out of core too')
  t.equal(new Kmeans(3, { seed: 1, initRows: 20 }).trainBatch(inits.trap.X, { maxIterations: 1 }).epochs[0]!.note, undefined, 'not for the uniform sample')
  t.equal(new Kmeans(3, { seed: 1, initRows: 200, initSample: 'head' }).trainBatch(inits.trap.X, { maxIterations: 1 }).epochs[0]!.note, undefined, 'nor when the head is all the data')
})

t.test('init: the centroids themselves, as pomegranate\'s Kmeans(k, init=centroids)', async t => {
  const km = new Kmeans(2, { init: [[0, 0], [10, 10]] })
  t.equal(km.init, 'fixed')
  t.same(km.parameters, [[0, 0], [10, 10]])
  km.fit([[1, 1], [0, 1], [9, 9], [10, 9]], { maxIterations: 1, stopThreshold: -Infinity })
  t.same(km.parameters, [[0.5, 1], [9.5, 9]])
  t.same(Kmeans.fromSamples(2, [[1], [2], [9]], { init: [[0], [10]] }).parameters, [[1.5], [9]])
  assertArilError(t, () => new Kmeans(2, { init: [[0]] }), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('JSON centroids of the wrong shape are errors before anything is allocated', async t => {
  const { fromJSON } = await import('../../lib/core/serialize.js')
  for (const centroids of [[{ length: 'Infinity' }], [{ length: 1e12 }], [[1, 2], { length: 2 }], [[1, 2], [1]], [[1, 'x']], [[1, Infinity]]]) {
    assertArilError(t, () => fromJSON({ class: 'Kmeans', k: centroids.length, centroids }), { code: 'ERR_INVALID_PARAMETER' }, JSON.stringify(centroids))
  }
  assertArilError(t, () => fromJSON({ class: 'Kmeans', k: 1.5, centroids: [] }), { code: 'ERR_INVALID_JSON_MODEL' })
})

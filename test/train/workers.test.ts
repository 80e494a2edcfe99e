/**
 * Parallel passes (lib/train/workers.ts through trainStream's `workers` option): the same bits as
 * one thread for any chunking (a property of the exact block sums, asserted with t.same), the same
 * errors, aborts, and no leaked threads.
 */
import t, { type Test } from 'tap'
import { Readable } from 'node:stream'
import { toBatch, type Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { trainStream, type History } from '../../lib/train/em.js'
import { PassFailure, WorkerPool, serializeError, workerBatchRows } from '../../lib/train/workers.js'
import { ArilError } from '../../lib/core/errors.js'
import { chunked, rejectsArilError } from '../helpers.js'
import { ToyMean } from './toy-model.js'

const random = new Random(11)
/** 5000 rows (not a multiple of 1024) of a three-component normal mixture. */
const x1 = toBatch(Float64Array.from({ length: 5000 }, () => {
  const u = random.uniform()
  return u < 0.3 ? -4 + random.normal() : u < 0.6 ? 0.7 * random.normal() : 5 + 1.5 * random.normal()
}))
/** 4500 rows × 5 from three correlated clusters. */
const x5 = toBatch(Array.from({ length: 4500 }, (_, i) => {
  const c = [[0, 0, 0, 0, 0], [3, 3, 3, 3, 3], [3, -3, 0, 2, -1]][i % 3]!
  const z = Array.from({ length: 5 }, () => random.normal())
  return c.map((m, j) => m + z[j]! + 0.5 * z[(j + 1) % 5]!)
}))

const logs = (h: History): number[] => h.epochs.map(e => e.logProbability)

const mixture1 = (): GeneralMixtureModel => new GeneralMixtureModel(
  [new NormalDistribution(-3, 1), new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)], { weights: [0.3, 0.3, 0.4] })
const identity = (s: number): number[][] => Array.from({ length: 5 }, (_, j) => Array.from({ length: 5 }, (_, k) => (j === k ? s : 0)))
const mixture5 = (): GeneralMixtureModel => new GeneralMixtureModel([
  new MultivariateGaussianDistribution([0.5, 0.5, 0.5, 0.5, 0.5], identity(1)),
  new MultivariateGaussianDistribution([2.5, 2.5, 2.5, 2.5, 2.5], identity(2)),
  new MultivariateGaussianDistribution([2, -2, 0.5, 1.5, -0.5], identity(1.5))
], { weights: [0.4, 0.3, 0.3] })
const kmeans = (): Kmeans => new Kmeans(4).setCentroids([0, 1, 2, 3].map(j => Array.from(x5.data.subarray(j * 5, j * 5 + 5))))

/** Fits with one thread and with workers over different chunkings; everything must be the same bits. */
async function sameBits (t: Test, make: () => GeneralMixtureModel | Kmeans, batch: Batch, iterations: number, all = false): Promise<void> {
  const options = { maxIterations: iterations, stopThreshold: -Infinity }
  const one = make()
  const h1 = await trainStream(one, chunked(batch, 1, 1500), options)
  t.equal(h1.epochs.length, iterations)
  const runs: Array<[string, () => Readable, object]> = [
    ['2 workers, small chunks', chunked(batch, 2, 700), { workers: 2 }],
    ['2 workers, batchSize 1000 (1024-row batches)', chunked(batch, 3, 3000), { workers: 2, batchSize: 1000 }],
    ['3 workers, one chunk', () => Readable.from([batch]), { workers: 3, batchSize: 2048 }]
  ]
  for (const [name, open, extra] of runs.slice(0, all ? 3 : 2)) {
    const model = make()
    const h = await trainStream(model, open, { ...options, ...extra })
    t.same(logs(h), logs(h1), `${name}: the same log-likelihood every epoch`)
    t.same([h.initialLogProbability, h.logProbability, h.rows], [h1.initialLogProbability, h1.logProbability, h1.rows], `${name}: the same history`)
    t.equal(stringifyJSON(model), stringifyJSON(one), `${name}: the same parameters`)
  }
}

t.test('a 1-D normal mixture: bit-identical to one thread', async t => {
  await sameBits(t, mixture1, x1, 6, true)
  // rows in a SharedArrayBuffer are read in place; other in-memory rows are copied, never detached
  const shared = { data: new Float64Array(new SharedArrayBuffer(x1.data.byteLength)), rows: x1.rows, cols: 1 }
  shared.data.set(x1.data)
  const one = mixture1()
  const h1 = await trainStream(one, [x1], { maxIterations: 3, stopThreshold: -Infinity })
  const two = mixture1()
  const h2 = await trainStream(two, [shared], { maxIterations: 3, stopThreshold: -Infinity, workers: 2, batchSize: 1024 })
  t.same(logs(h2), logs(h1), 'shared rows: the same log-likelihoods')
  t.equal(stringifyJSON(two), stringifyJSON(one), 'shared rows: the same parameters')
  t.equal(x1.data.length, 5000, 'the source array is still attached')
})

t.test('a 5-D MultivariateGaussian mixture: bit-identical to one thread', async t => {
  await sameBits(t, mixture5, x5, 3)
})

t.test('Kmeans: bit-identical to one thread', async t => {
  await sameBits(t, kmeans, x5, 4)
})

t.test('one E-pass through the pool merges to the one-thread statistics', async t => {
  const one = mixture5()
  one.summarize(x5)
  const pool = await WorkerPool.open(2)
  try {
    const model = mixture5()
    let rows = 0
    const summaries = await pool.pass(model, chunked(x5, 5, 900)(), { done: r => { rows += r }, settle: async () => {}, batchSize: 1 })
    t.equal(rows, x5.rows, 'every row summarized once')
    t.equal(summaries.length, 2)
    model.clearSummaries()
    for (const s of summaries.reverse()) model.mergeSummary(s)
    t.same(model.summaryLogProbability(), one.summaryLogProbability(), 'the same exact log-likelihood')
    t.equal(stringifyJSON(model.fromSummaries()), stringifyJSON(one.fromSummaries()), 'the same M-step')
    // a second pass on the same pool starts from fresh statistics
    const again = await pool.pass(model, Readable.from([x1].map(() => x5)), { done: () => {}, settle: async () => {} })
    model.clearSummaries()
    for (const s of again) model.mergeSummary(s)
    one.summarize(x5)
    t.same(model.summaryLogProbability(), one.summaryLogProbability(), 'a second pass on the same workers')
  } finally {
    await pool.close()
    await pool.close()
  }
})

t.test('workers: 1 is the one-thread trainer, and the option is checked', async t => {
  const a = mixture1()
  const b = mixture1()
  const ha = await trainStream(a, chunked(x1, 1, 2000), { maxIterations: 2, stopThreshold: -Infinity })
  const hb = await trainStream(b, chunked(x1, 1, 2000), { maxIterations: 2, stopThreshold: -Infinity, workers: 1 })
  t.same(logs(ha), logs(hb))
  t.equal(stringifyJSON(a), stringifyJSON(b))
  for (const bad of [0, 1.5, Infinity, -1, 'two']) {
    await rejectsArilError(t, trainStream(mixture1(), [x1], { workers: bad as number }), { code: 'ERR_INVALID_OPTION' }, `workers: ${String(bad)}`)
  }
  for (const extra of [{ batchesPerEpoch: 2 }, { checkpoint: { save: () => {} } }]) {
    await rejectsArilError(t, trainStream(mixture1(), [x1], { workers: 2, ...extra }), { code: 'ERR_INVALID_OPTION' }, `workers with ${Object.keys(extra)[0]!}`)
  }
  await rejectsArilError(t, WorkerPool.open(0), { code: 'ERR_INVALID_OPTION' })
  t.equal(workerBatchRows(1), 65536)
  t.equal(workerBatchRows(5, 3000), 3072)
  t.equal(workerBatchRows(100000), 1024)
})

t.test('weighted rows: bit-identical to one thread', async t => {
  const weights = Float64Array.from({ length: x1.rows }, (_, i) => (i % 7) / 3)
  const weighted = { ...x1, weights }
  const one = mixture1()
  const h1 = await trainStream(one, chunked(weighted, 6, 900), { maxIterations: 3, stopThreshold: -Infinity })
  const two = mixture1()
  const h2 = await trainStream(two, chunked(weighted, 7, 2500), { maxIterations: 3, stopThreshold: -Infinity, workers: 2, batchSize: 1024 })
  t.same(logs(h2), logs(h1))
  t.equal(stringifyJSON(two), stringifyJSON(one))
})

t.test('stopping on convergence and an empty source', async t => {
  const one = mixture1()
  const h1 = await trainStream(one, [x1], { stopThreshold: 1e-3 })
  const two = mixture1()
  const h2 = await trainStream(two, [x1], { stopThreshold: 1e-3, workers: 2 })
  t.same(logs(h2), logs(h1))
  t.equal(h2.stopReason, h1.stopReason)
  t.equal(stringifyJSON(two), stringifyJSON(one))
  const empty = mixture1()
  const he = await trainStream(empty, () => Readable.from([]), { workers: 2, maxIterations: 3 })
  t.equal(he.rows, 0)
  t.equal(stringifyJSON(empty), stringifyJSON(mixture1()), 'no rows: parameters kept')
})

t.test('a bad row in a worker: the one-thread error, and the last M-step kept', async t => {
  // From the second opening on (the first pass runs on the main thread while the workers start), an
  // Exponential component rejects the negative value at row 3500 (in the pass's fourth batch of 1024 rows).
  const good = Float64Array.from({ length: 5000 }, (_, i) => 0.1 + (i % 97) / 10)
  const bad = good.map((x, i) => (i === 3500 ? -1 : x))
  const make = (): GeneralMixtureModel => new GeneralMixtureModel([new ExponentialDistribution(1), new ExponentialDistribution(0.2)])
  const opener = (): (() => Readable) => {
    let pass = 0
    return () => {
      const values = pass++ === 0 ? good : bad
      return Readable.from([toBatch(values.subarray(0, 1700)), toBatch(values.subarray(1700))])
    }
  }
  // the row is relative to the batch (or tile) being summarized, so it depends on batchSize, as with one thread
  for (const batchSize of [undefined, 1024]) {
    const reference = make()
    const expected = await trainStream(reference, opener(), { maxIterations: 2, batchSize }).catch((err: unknown) => err) as ArilError
    t.ok(expected instanceof ArilError, 'one thread fails')
    const model = make()
    await rejectsArilError(t, trainStream(model, opener(), { maxIterations: 2, workers: 2, batchSize }),
      { code: expected.code, row: expected.row, column: expected.column, message: expected.message })
    t.equal(stringifyJSON(model), stringifyJSON(reference), 'parameters of the last M-step (the first)')
    t.same(model.summary(), make().summary(), 'statistics cleared')
  }
  // a bad row in the first pass (on the main thread while the workers start)
  const first = (): Readable => Readable.from([toBatch(bad)])
  const e0 = await trainStream(make(), first, { maxIterations: 2 }).catch((err: unknown) => err) as ArilError
  await rejectsArilError(t, trainStream(make(), first, { maxIterations: 2, workers: 2 }), { code: e0.code, row: e0.row, message: e0.message })

  // a bad row read from the source (ragged) in the second pass: the same error as one thread
  let pass = 0
  const ragged = (): unknown[] => pass++ === 0 ? [[[1], [2], [3]]] : [[[1], [2, 3]]]
  const m1 = mixture1()
  const e1 = await trainStream(m1, ragged, { maxIterations: 3 }).catch((err: unknown) => err) as ArilError
  pass = 0
  const m2 = mixture1()
  await rejectsArilError(t, trainStream(m2, ragged, { maxIterations: 3, workers: 2 }), { code: e1.code, row: e1.row, message: e1.message })
  t.equal(stringifyJSON(m2), stringifyJSON(m1), 'the parameters of the first M-step')
})

t.test('a failure that the replay does not meet again is reported as seen', async t => {
  let pass = 0
  const values = Float64Array.from({ length: 3000 }, (_, i) => (i === 2000 ? -1 : 1 + i / 1000))
  // the second opening (the first parallel pass) has the bad value, the others (the main thread's first pass, the replay) do not
  const open = (): Readable => Readable.from([toBatch(pass++ === 1 ? values : values.map(Math.abs))])
  await rejectsArilError(t, trainStream(new GeneralMixtureModel([new ExponentialDistribution(1), new ExponentialDistribution(2)]), open, { workers: 2, batchSize: 1024 }),
    { code: 'ERR_INVALID_INPUT', row: 2000 - 1024 })
  t.equal(new PassFailure(new Error('x') as never).code, 'ERR_SOURCE')
  t.same(serializeError('plain'), { name: 'Error', message: 'plain', stack: undefined, code: undefined, file: undefined, row: undefined, column: undefined, line: undefined, byteOffset: undefined })
})

t.test('a model kind the workers do not know (registered only on the main thread)', async t => {
  const model = new ToyMean(0)
  await rejectsArilError(t, trainStream(model, [x1], { workers: 2, maxIterations: 3 }), { code: 'ERR_UNKNOWN_MODEL' })
  const first = new ToyMean(0)
  await trainStream(first, [x1], { maxIterations: 1 })
  t.equal(model.m, first.m, 'the parameters of the first M-step (the first pass ran on the main thread)')
})

t.test('abort: ERR_ABORTED, the last M-step kept, threads ended', async t => {
  const controller = new AbortController()
  const model = mixture1()
  let atSecond = ''
  const history = trainStream(model, chunked(x1, 9, 400), {
    workers: 2,
    batchSize: 1024,
    maxIterations: 50,
    stopThreshold: -Infinity,
    signal: controller.signal,
    callbacks: [{
      onBatchEnd: p => {
        if (p.epoch === 2 && p.batches === 2) {
          atSecond = stringifyJSON(model)
          controller.abort()
        }
      }
    }]
  })
  await rejectsArilError(t, history, { code: 'ERR_ABORTED' })
  t.equal(stringifyJSON(model), atSecond, 'the parameters of the second M-step')
  // aborted before the pass starts
  const early = new AbortController()
  early.abort()
  await rejectsArilError(t, trainStream(mixture1(), [x1], { workers: 2, signal: early.signal, maxIterations: 2 }), { code: 'ERR_ABORTED' })
})

t.test('semi-supervised NaiveBayes: bit-identical to one thread', async t => {
  const labels = Float64Array.from({ length: x1.rows }, (_, i) => (i % 5 === 0 ? (x1.data[i]! > 1 ? 1 : 0) : -1))
  const batch = { ...x1, labels }
  const open = chunked(batch, 4, 1200)
  const one = new NaiveBayes(NormalDistribution, 2)
  await one.fitStream(open, { maxIterations: 4, stopThreshold: -Infinity })
  const two = new NaiveBayes(NormalDistribution, 2)
  await two.fitStream(open, { maxIterations: 4, stopThreshold: -Infinity, workers: 2 } as never)
  t.same(logs(two.history!), logs(one.history!))
  t.equal(stringifyJSON(two), stringifyJSON(one))
})

t.test('a worker that dies fails the pass', async t => {
  const pool = await WorkerPool.open(2)
  try {
    await (pool as unknown as { slots: Array<{ worker: { terminate: () => Promise<number> } }> }).slots[0]!.worker.terminate()
    await rejectsArilError(t, pool.pass(mixture1(), Readable.from([x1, x1]), { done: () => {}, settle: async () => {}, batchSize: 1024 }), { code: 'ERR_SOURCE' })
  } finally {
    await pool.close()
  }
  t.notOk(process.getActiveResourcesInfo().includes('Worker'), 'no worker thread outlives its fit or pool')
})

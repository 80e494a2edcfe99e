/**
 * The worker-thread executor (lib/exec/threads.ts, through the trainer's `workers` and `executor`
 * options): the same bits as one thread for any chunking, with mini-batches, checkpoints, resume,
 * shards, in-memory rows shared with the threads, and single-pass fits (a property of the exact
 * block sums, asserted with t.same on JSON); the same errors as one thread; aborts; no leaked
 * threads. Most tests share one warm executor, so the work really runs on the threads (a cold
 * pool lets this thread do the work until the threads are ready); `history.batches` shows it (the
 * threads count the pieces they summarize, one thread the source's chunks).
 */
import t, { type Test } from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BLOCK_ROWS } from '../../lib/core/accumulate.js'
import { toBatch, sliceBatch, type Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { trainStream, type History } from '../../lib/train/em.js'
import { resumeModel, stateChecksum, type TrainState } from '../../lib/train/checkpoint.js'
import { PassFailure, pieceRows, threadExecutor, AUTO_VALUES } from '../../lib/exec/threads.js'
import { ThreadPool, transferList, moduleSpecifier } from '../../lib/exec/thread-pool.js'
import { serializeError, rebuildError } from '../../lib/exec/errors.js'
import { inProcessExecutor } from '../../lib/exec/in-process.js'
import { openExecutor, releaseExecutor } from '../../lib/exec/choose.js'
import { npyShards, shards } from '../../lib/exec/shards.js'
import { modelText } from '../../lib/exec/summarize.js'
import './fixtures/slow-opener.js'
import { readNpy, writeNpy } from '../../lib/io/npy.js'
import { ArilError } from '../../lib/core/errors.js'
import { chunked, rejectsArilError } from '../helpers.js'
import { ExactToyMean, ToyMean } from '../train/toy-model.js'

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

const dir = mkdtempSync(join(tmpdir(), 'aril-threads-'))
const two = threadExecutor({ threads: 2 })
const three = threadExecutor({ threads: 3 })
t.teardown(async () => {
  await two.close()
  await three.close()
  rmSync(dir, { recursive: true, force: true })
})
t.before(async () => {
  await two.ready()
  await three.ready()
})

/** Fits with one thread and on threads over different chunkings; everything must be the same bits. */
async function sameBits (t: Test, make: () => GeneralMixtureModel | Kmeans, batch: Batch, iterations: number, all = false): Promise<void> {
  const options = { maxIterations: iterations, stopThreshold: -Infinity }
  const one = make()
  const h1 = await trainStream(one, chunked(batch, 1, 1500), options)
  t.equal(h1.epochs.length, iterations)
  const runs: Array<[string, () => Readable, object]> = [
    ['2 threads, small chunks', chunked(batch, 2, 700), { executor: two }],
    ['2 threads, batchSize 1000 (1024-row pieces)', chunked(batch, 3, 3000), { executor: two, batchSize: 1000 }],
    ['3 threads, one chunk', () => Readable.from([batch]), { executor: three, batchSize: 2048 }]
  ]
  for (const [name, open, extra] of runs.slice(0, all ? 3 : 2)) {
    const model = make()
    const h = await trainStream(model, open, { ...options, ...extra })
    t.same(logs(h), logs(h1), `${name}: the same log-likelihood every epoch`)
    t.same([h.initialLogProbability, h.logProbability, h.rows], [h1.initialLogProbability, h1.logProbability, h1.rows], `${name}: the same history`)
    t.equal(stringifyJSON(model), stringifyJSON(one), `${name}: the same parameters`)
    t.not(h.batches, h1.batches, `${name}: the pieces were summarized on the threads`)
  }
}

t.test('a 1-D normal mixture: bit-identical to one thread', async t => {
  await sameBits(t, mixture1, x1, 6, true)
})

t.test('in-memory rows are shared with the threads once per fit; the source is never detached', async t => {
  const one = mixture1()
  const h1 = await trainStream(one, [x1], { maxIterations: 3, stopThreshold: -Infinity })
  const m = mixture1()
  const h = await trainStream(m, [x1], { maxIterations: 3, stopThreshold: -Infinity, executor: two, batchSize: 1024 })
  t.same(logs(h), logs(h1))
  t.equal(stringifyJSON(m), stringifyJSON(one))
  t.equal(x1.data.length, 5000, 'the source array is still attached')
  // rows already in a SharedArrayBuffer are used as they are
  const shared = { data: new Float64Array(new SharedArrayBuffer(x1.data.byteLength)), rows: x1.rows, cols: 1 }
  shared.data.set(x1.data)
  const s = mixture1()
  const hs = await trainStream(s, [shared], { maxIterations: 3, stopThreshold: -Infinity, executor: two, batchSize: 1024 })
  t.same(logs(hs), logs(h1), 'shared rows: the same log-likelihoods')
  t.equal(stringifyJSON(s), stringifyJSON(one), 'shared rows: the same parameters')
  // the workers option makes a pool for the fit alone (the first pass runs here while it starts)
  const w = mixture1()
  const hw = await trainStream(w, [x1], { maxIterations: 3, stopThreshold: -Infinity, workers: 2 })
  t.same(logs(hw), logs(h1), 'workers: 2 (a pool of its own)')
  t.equal(stringifyJSON(w), stringifyJSON(one))
})

t.test('a 5-D MultivariateGaussian mixture: bit-identical to one thread', async t => {
  await sameBits(t, mixture5, x5, 3)
})

t.test('Kmeans: bit-identical to one thread', async t => {
  await sameBits(t, kmeans, x5, 4)
})

t.test('readNpy batches move to the threads whole (no copy) and back to the reader: the same bits for any batch size', async t => {
  const files = { x1: join(dir, 'move-x1.npy'), x5: join(dir, 'move-x5.npy') }
  await pipeline(Readable.from([x1]), writeNpy(files.x1))
  await pipeline(Readable.from([x5]), writeNpy(files.x5))
  const options = { maxIterations: 3, stopThreshold: -Infinity }
  const cases: Array<[string, () => GeneralMixtureModel | Kmeans, string]> = [['1-D mixture', mixture1, files.x1], ['5-D mixture', mixture5, files.x5], ['Kmeans', kmeans, files.x5]]
  for (const [name, make, file] of cases) {
    const one = make()
    const h1 = await trainStream(one, () => readNpy(file), options)
    // 700 rows: less than a block, so blocks are finished by copies of several batches; 1500 and
    // 2500: blocks cut at both ends; 2048: whole blocks; 4096 (1-D: the whole file in one batch)
    for (const rowsPerBatch of [700, 1500, 2048, 2500, 4096, undefined]) {
      const m = make()
      const h = await trainStream(m, () => readNpy(file, { rowsPerBatch }), { ...options, executor: two })
      t.same(logs(h), logs(h1), `${name}, ${rowsPerBatch ?? 'default'} rows per batch: the same log-likelihoods`)
      t.equal(stringifyJSON(m), stringifyJSON(one), `${name}, ${rowsPerBatch ?? 'default'} rows per batch: the same parameters`)
    }
  }
  // single passes: the sink's bits; a checkpointed pass (flushes inside a block, then the
  // model's partial block is finished here before batches move again)
  const sink = new NormalDistribution()
  await pipeline(readNpy(files.x1), sink.sink())
  for (const rowsPerBatch of [700, 1500, 2048]) {
    const m = new NormalDistribution()
    await m.fitStream(() => readNpy(files.x1, { rowsPerBatch }), { executor: two })
    t.equal(stringifyJSON(m), stringifyJSON(sink), `fitStream, ${rowsPerBatch} rows per batch: the bits of the sink`)
  }
  const reference = mixture1()
  const hr = await trainStream(reference, () => readNpy(files.x1), options)
  const m = mixture1()
  const h = await trainStream(m, () => readNpy(files.x1, { rowsPerBatch: 1500 }), { ...options, executor: two, checkpoint: { everyBatches: 1, save: () => {} } })
  t.same(logs(h), logs(hr), 'checkpoints every batch: the same log-likelihoods')
  t.equal(stringifyJSON(m), stringifyJSON(reference), 'checkpoints every batch: the same parameters')
})

t.test('mini-batch EM on threads: the same bits and the same batch counts as one thread', async t => {
  for (const [batchSize, batchesPerEpoch] of [[1000, 3], [3000, 2], [2048, 1], [700, 4]] as const) {
    const options = { maxIterations: 5, stopThreshold: -Infinity, batchSize, batchesPerEpoch }
    const one = mixture1()
    const h1 = await trainStream(one, chunked(x1, 4, 1700), options)
    const m = mixture1()
    const h = await trainStream(m, chunked(x1, 5, 900), { ...options, executor: two })
    t.same(logs(h), logs(h1), `batchSize ${batchSize} × ${batchesPerEpoch}: the same log-likelihoods`)
    t.same(h.epochs.map(e => [e.rows, e.batches]), h1.epochs.map(e => [e.rows, e.batches]), 'the same rows and batches per epoch')
    t.equal(stringifyJSON(m), stringifyJSON(one), 'the same parameters')
  }
})

t.test('checkpoints on threads: a fit resumed from a mid-pass state ends with the bits of an uninterrupted one', async t => {
  const options = { maxIterations: 4, stopThreshold: -Infinity }
  const one = mixture1()
  const h1 = await trainStream(one, chunked(x1, 6, 800), options)
  for (const [name, extra] of [['full passes', {}], ['mini-batches', { batchSize: 1500, batchesPerEpoch: 2 }]] as const) {
    const reference = mixture1()
    const hr = await trainStream(reference, chunked(x1, 6, 800), { ...options, ...extra })
    const states: TrainState[] = []
    const m = mixture1()
    const h = await trainStream(m, chunked(x1, 7, 600), { ...options, ...extra, executor: two, checkpoint: { everyBatches: 3, save: s => { states.push(JSON.parse(JSON.stringify(s))) } } })
    t.same(logs(h), logs(hr), `${name}: checkpoints do not change the fit`)
    t.equal(stringifyJSON(m), stringifyJSON(reference))
    const middle = states.filter(s => s.sourceRows > 0 && s.sourceRows % BLOCK_ROWS !== 0)
    t.ok(middle.length > 0, `${name}: states taken inside a block`)
    for (const state of [middle[0]!, middle.at(-1)!]) {
      for (const [where, more] of [['one thread', {}], ['threads', { executor: two }]] as const) {
        const resumed = resumeModel<GeneralMixtureModel>(state)
        const hs = await trainStream(resumed, chunked(x1, 8, 1100), { ...options, ...extra, ...more, resume: state })
        t.same(logs(hs), logs(hr), `${name}: resumed at row ${state.sourceRows} of epoch ${state.iteration} on ${where}`)
        t.equal(stringifyJSON(resumed), stringifyJSON(reference))
      }
    }
  }
  t.ok(h1.epochs.length === 4)
})

t.test('ThreadPool: pieces merge to the one-thread statistics; collect clears them; a dead thread breaks the pool', async t => {
  const one = mixture5()
  one.summarize(x5)
  const pool = await ThreadPool.open(2)
  // idle pools do not keep the process alive; a user of the pool holds it
  pool.ref()
  try {
    t.equal(pool.size, 2)
    const model = mixture5()
    pool.setModel(modelText(model)!)
    let rows = 0
    const pending = []
    for (let at = 0; at < x5.rows; at += 1024) {
      const piece = sliceBatch(x5, at, Math.min(x5.rows, at + 1024))
      const copy = { ...piece, data: piece.data.slice() }
      pending.push((await pool.piece(copy)).done.then(r => { rows += r.rows }))
      t.equal(copy.data.length, 0, 'an owned piece is transferred, not copied')
    }
    await Promise.all(pending)
    t.equal(rows, x5.rows, 'every row summarized once')
    for (const s of (await pool.collect()).reverse()) model.mergeSummary(s!)
    t.same(model.summaryLogProbability(), one.summaryLogProbability(), 'the same exact log-likelihood')
    t.equal(stringifyJSON(model.fromSummaries()), stringifyJSON(one.fromSummaries()), 'the same M-step')
    const empty = await pool.collect()
    t.same(empty.map(s => (s as unknown as { sums: { rows: number } }).sums.rows), [0, 0], 'collect cleared the statistics')
    const crashed = pool as unknown as { slots: Array<{ worker: { terminate: () => Promise<number> } }> }
    await crashed.slots[0]!.worker.terminate()
    await rejectsArilError(t, (async () => { for (;;) await (await pool.piece(toBatch([1, 2]))).done })(), { code: 'ERR_SOURCE' })
    t.ok(pool.broken instanceof ArilError)
  } finally {
    await pool.close()
    await pool.close()
  }
  await rejectsArilError(t, ThreadPool.open(0), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, ThreadPool.open(1, [join(dir, 'missing-module.js')]), { code: 'ERR_SOURCE' })
  t.same(transferList({ data: new Float64Array(new SharedArrayBuffer(8)), rows: 1, cols: 1 }), [], 'shared memory is not transferred')
  t.equal(moduleSpecifier('some-package'), 'some-package')
  t.match(moduleSpecifier('./x.js'), /^file:\/\//)
})

t.test('options: workers, executor, thread counts', async t => {
  const a = mixture1()
  const b = mixture1()
  const ha = await trainStream(a, chunked(x1, 1, 2000), { maxIterations: 2, stopThreshold: -Infinity })
  const hb = await trainStream(b, chunked(x1, 1, 2000), { maxIterations: 2, stopThreshold: -Infinity, workers: 1 })
  t.same(logs(ha), logs(hb))
  t.equal(stringifyJSON(a), stringifyJSON(b))
  for (const bad of [0, 1.5, Infinity, -1, 'two']) {
    await rejectsArilError(t, trainStream(mixture1(), [x1], { workers: bad as number }), { code: 'ERR_INVALID_OPTION' }, `workers: ${String(bad)}`)
  }
  await rejectsArilError(t, trainStream(mixture1(), [x1], { workers: 2, executor: two }), { code: 'ERR_INVALID_OPTION' }, 'workers with executor')
  await rejectsArilError(t, trainStream(mixture1(), [x1], { executor: {} as never }), { code: 'ERR_INVALID_OPTION' }, 'not an executor')
  t.throws(() => threadExecutor({ threads: 0 }), { code: 'ERR_INVALID_OPTION' })
  t.throws(() => threadExecutor({ modules: [1 as never] }), { code: 'ERR_INVALID_OPTION' })
  t.throws(() => threadExecutor(null as never), { code: 'ERR_INVALID_OPTION' })
  t.equal(pieceRows(1), 65536)
  t.equal(pieceRows(5, 3000), 3072)
  t.equal(pieceRows(100000), 1024)
  const closed = threadExecutor({ threads: 1 })
  await closed.close()
  await closed.close()
  await rejectsArilError(t, trainStream(mixture1(), [x1], { executor: closed }), { code: 'ERR_EXECUTOR' })
  await rejectsArilError(t, closed.ready(), { code: 'ERR_EXECUTOR' })
  t.equal(inProcessExecutor().kind, 'in-process')
})

t.test('workers: n keeps its threads for the next fit with as many threads', async t => {
  const choice = { executor: undefined, workers: 2 }
  const a = openExecutor(choice)
  t.equal(a.owned, true)
  await releaseExecutor(a.executor)
  const b = openExecutor(choice)
  t.equal(b.executor, a.executor, 'an idle executor serves the next fit')
  const c = openExecutor(choice)
  t.not(c.executor, b.executor, 'a fit beside another starts its own')
  const three = openExecutor({ executor: undefined, workers: 3 }).executor
  t.not(three, c.executor, 'another thread count: another executor')
  await three.close()
  await b.executor.close()
  await releaseExecutor(b.executor)
  await releaseExecutor(c.executor)
  const d = openExecutor(choice)
  t.equal(d.executor, c.executor, 'a closed executor is not kept')
  const m = mixture1()
  const one = mixture1()
  const h = await trainStream(m, [x1], { maxIterations: 2, stopThreshold: -Infinity, workers: 2 })
  const h1 = await trainStream(one, [x1], { maxIterations: 2, stopThreshold: -Infinity })
  t.same(logs(h), logs(h1), 'a warm executor: the bits of one thread')
  t.equal(stringifyJSON(m), stringifyJSON(one))
  await d.executor.close()
})

t.test("workers: 'auto' starts threads only for work large enough", async t => {
  const small = mixture1()
  const hs = await trainStream(small, chunked(x1, 2, 700), { maxIterations: 2, stopThreshold: -Infinity, workers: 'auto' })
  const one = mixture1()
  const h1 = await trainStream(one, chunked(x1, 2, 700), { maxIterations: 2, stopThreshold: -Infinity })
  t.same(hs.epochs.map(e => e.batches), h1.epochs.map(e => e.batches), 'a small source of unknown size: this thread alone')
  const auto = threadExecutor()
  try {
    const big = toBatch(Float64Array.from({ length: AUTO_VALUES }, (_, i) => x1.data[i % x1.rows]!))
    const m = mixture1()
    const o = mixture1()
    await auto.ready()
    const h = await trainStream(m, [big], { maxIterations: 1, stopThreshold: -Infinity, executor: auto })
    const ho = await trainStream(o, [big], { maxIterations: 1, stopThreshold: -Infinity })
    t.same(logs(h), logs(ho), 'a large in-memory source: the same bits')
    t.ok(h.batches > ho.batches, 'a large in-memory source: on the threads')
    const tiny = mixture1()
    const ht = await trainStream(tiny, [x1], { maxIterations: 1, stopThreshold: -Infinity, executor: auto })
    t.equal(ht.batches, 2, 'a small in-memory source: one batch per pass, here')
  } finally {
    await auto.close()
  }
})

t.test('weighted rows: bit-identical to one thread', async t => {
  const weights = Float64Array.from({ length: x1.rows }, (_, i) => (i % 7) / 3)
  const weighted = { ...x1, weights }
  const one = mixture1()
  const h1 = await trainStream(one, chunked(weighted, 6, 900), { maxIterations: 3, stopThreshold: -Infinity })
  const m = mixture1()
  const h2 = await trainStream(m, chunked(weighted, 7, 2500), { maxIterations: 3, stopThreshold: -Infinity, executor: two, batchSize: 1024 })
  t.same(logs(h2), logs(h1))
  t.equal(stringifyJSON(m), stringifyJSON(one))
})

t.test('stopping on convergence and an empty source', async t => {
  const one = mixture1()
  const h1 = await trainStream(one, [x1], { stopThreshold: 1e-3 })
  const m = mixture1()
  const h2 = await trainStream(m, [x1], { stopThreshold: 1e-3, executor: two })
  t.same(logs(h2), logs(h1))
  t.equal(h2.stopReason, h1.stopReason)
  t.equal(stringifyJSON(m), stringifyJSON(one))
  const empty = mixture1()
  const he = await trainStream(empty, () => Readable.from([]), { executor: two, maxIterations: 3 })
  t.equal(he.rows, 0)
  t.equal(stringifyJSON(empty), stringifyJSON(mixture1()), 'no rows: parameters kept')
})

t.test('a bad row on a thread: the one-thread error, and the last M-step kept', async t => {
  // From the second opening on, an Exponential component rejects the negative value at row 3500
  // (in the pass's fourth piece of 1024 rows).
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
    await rejectsArilError(t, trainStream(model, opener(), { maxIterations: 2, executor: two, batchSize }),
      { code: expected.code, row: expected.row, column: expected.column, message: expected.message })
    t.equal(stringifyJSON(model), stringifyJSON(reference), 'parameters of the last M-step (the first)')
    t.same(model.summary(), make().summary(), 'statistics cleared')
  }
  // a bad row read from the source (ragged) in the second pass: the same error as one thread
  let pass = 0
  const ragged = (): unknown[] => pass++ === 0 ? [[[1], [2], [3]]] : [[[1], [2, 3]]]
  const m1 = mixture1()
  const e1 = await trainStream(m1, ragged, { maxIterations: 3 }).catch((err: unknown) => err) as ArilError
  pass = 0
  const m2 = mixture1()
  await rejectsArilError(t, trainStream(m2, ragged, { maxIterations: 3, executor: two }), { code: e1.code, row: e1.row, message: e1.message })
  t.equal(stringifyJSON(m2), stringifyJSON(m1), 'the parameters of the first M-step')
})

t.test('a failure that the replay does not meet again is reported as seen', async t => {
  let pass = 0
  const values = Float64Array.from({ length: 3000 }, (_, i) => (i === 2000 ? -1 : 1 + i / 1000))
  // the second opening (the first parallel pass) has the bad value, the others (the first pass, the replay) do not
  const open = (): Readable => Readable.from([toBatch(pass++ === 1 ? values : values.map(Math.abs))])
  await rejectsArilError(t, trainStream(new GeneralMixtureModel([new ExponentialDistribution(1), new ExponentialDistribution(2)]), open, { executor: two, batchSize: 1024 }),
    { code: 'ERR_INVALID_INPUT', row: 2000 - 1024 })
  t.equal(new PassFailure(new Error('x') as never).code, 'ERR_SOURCE')
  t.same(serializeError('plain'), { name: 'Error', message: 'plain', stack: undefined, code: undefined, file: undefined, row: undefined, column: undefined, line: undefined, byteOffset: undefined, limit: undefined })
  t.match(rebuildError(serializeError(new Error('boom'))), { code: 'ERR_SOURCE', message: /boom/ })
  t.match(rebuildError(serializeError(new ArilError('ERR_CSV_VALUE', 'bad', { row: 3 }))), { code: 'ERR_CSV_VALUE', message: 'bad, at row 3', row: 3 })
})

t.test('a model kind the threads do not know, unless a module registers it', async t => {
  await rejectsArilError(t, trainStream(new ToyMean(0), [x1], { executor: two, maxIterations: 3 }), { code: 'ERR_UNKNOWN_MODEL' })
  const withToy = threadExecutor({ threads: 2, modules: [fileURLToPath(new URL('../train/toy-model.ts', import.meta.url))] })
  try {
    await withToy.ready()
    const one = new ExactToyMean(0)
    const h1 = await trainStream(one, chunked(x1, 3, 1000), { maxIterations: 3, stopThreshold: -Infinity })
    const m = new ToyMean(0)
    const h = await trainStream(m, chunked(x1, 4, 1000), { maxIterations: 3, stopThreshold: -Infinity, executor: withToy })
    t.equal(m.m, one.m, 'the same bits, with the kind registered by a module the threads load')
    t.equal(h.epochs.length, h1.epochs.length)
  } finally {
    await withToy.close()
  }
})

t.test('abort: ERR_ABORTED, the last M-step kept', async t => {
  const controller = new AbortController()
  const model = mixture1()
  let atSecond = ''
  const history = trainStream(model, chunked(x1, 9, 400), {
    executor: two,
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
  const early = new AbortController()
  early.abort()
  await rejectsArilError(t, trainStream(mixture1(), [x1], { executor: two, signal: early.signal, maxIterations: 2 }), { code: 'ERR_ABORTED' })
  // the executor serves the next fit
  const one = mixture1()
  await trainStream(one, [x1], { maxIterations: 2 })
  const m = mixture1()
  await trainStream(m, [x1], { maxIterations: 2, executor: two })
  t.equal(stringifyJSON(m), stringifyJSON(one), 'the next fit on the same threads')
})

t.test('semi-supervised NaiveBayes: bit-identical to one thread, supervised pass included', async t => {
  const labels = Float64Array.from({ length: x1.rows }, (_, i) => (i % 5 === 0 ? (x1.data[i]! > 1 ? 1 : 0) : -1))
  const batch = { ...x1, labels }
  const open = chunked(batch, 4, 1200)
  const one = new NaiveBayes(NormalDistribution, 2)
  await one.fitStream(open, { maxIterations: 4, stopThreshold: -Infinity })
  const m = new NaiveBayes(NormalDistribution, 2)
  await m.fitStream(open, { maxIterations: 4, stopThreshold: -Infinity, executor: two })
  t.same(logs(m.history!), logs(one.history!))
  t.equal(stringifyJSON(m), stringifyJSON(one))
  // fully labelled: one pass, on the threads
  const all = { ...x1, labels: Float64Array.from(x1.data, x => (x > 1 ? 1 : 0)) }
  const s1 = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(1, 1)])
  await s1.fitStream(chunked(all, 2, 900))
  const s2 = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(1, 1)])
  await s2.fitStream(chunked(all, 3, 700), { executor: two })
  t.equal(stringifyJSON(s2), stringifyJSON(s1), 'supervised: the same bits')
  t.equal(s2.history, undefined, 'no EM without unlabeled rows')
})

t.test('single-pass fits on threads: the bits of a sink', async t => {
  const sink = new NormalDistribution()
  await pipeline(chunked(x1, 1, 999)(), sink.sink())
  for (const options of [{ executor: two }, { executor: three, batchSize: 3000 }, { workers: 2 }, { executor: inProcessExecutor(), batchSize: 77 }]) {
    const d = new NormalDistribution()
    await d.fitStream(chunked(x1, 2, 1300), options)
    t.equal(stringifyJSON(d), stringifyJSON(sink), `fitStream with ${Object.keys(options).join(', ')}`)
  }
  const once = new NormalDistribution()
  await once.fitStream(Readable.from([x1]), { executor: two })
  t.equal(stringifyJSON(once), stringifyJSON(sink), 'a one-shot stream')
  // statistics held before the fit are continued here, as a sink continues them
  const held = new NormalDistribution()
  held.summarize(x1.data.subarray(0, 100))
  await held.fitStream(Readable.from([sliceBatch(x1, 100, x1.rows)]), { executor: two })
  t.equal(stringifyJSON(held), stringifyJSON(sink), 'statistics held before the pass')
  const frozen = new NormalDistribution(0, 1).freeze()
  await frozen.fitStream([x1], { executor: two })
  t.same(frozen.parameters, [0, 1], 'a frozen model is left alone')
  const unchanged = new NormalDistribution(0, 1)
  await unchanged.fitStream([x1], { executor: two, update: false })
  t.same(unchanged.parameters, [0, 1], 'update: false keeps the parameters')
  t.equal(stringifyJSON(unchanged.fromSummaries()), stringifyJSON(sink), '... and the statistics')
  const failing = new ExponentialDistribution(1)
  await rejectsArilError(t, failing.fitStream(() => Readable.from([toBatch(Float64Array.from({ length: 5000 }, (_, i) => (i === 4000 ? -1 : 1)))]), { executor: two, batchSize: 1024 }),
    { code: 'ERR_INVALID_INPUT', row: 4000 - 3072 })
  t.same(failing.parameters, [1], 'a failed pass leaves the parameters')
  t.same(failing.summary(), new ExponentialDistribution(1).summary(), '... and the statistics')
  await rejectsArilError(t, new NormalDistribution().fitStream(42 as never, { executor: two }), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, new NormalDistribution().fitStream([x1], { batchSize: 0 }), { code: 'ERR_INVALID_OPTION' })
  const aborted = new AbortController()
  aborted.abort()
  await rejectsArilError(t, new NormalDistribution().fitStream([x1], { executor: two, signal: aborted.signal }), { code: 'ERR_ABORTED' })
})

t.test('shards: a .npy file split in block-aligned ranges, CSV files, on every executor: the same bits', async t => {
  const npy = join(dir, 'x1.npy')
  await pipeline(Readable.from([x1]), writeNpy(npy))
  const one = mixture1()
  const h1 = await trainStream(one, npy, { maxIterations: 3, stopThreshold: -Infinity })
  const list = await npyShards(npy, { rowsPerShard: 1500 })
  t.same(list.specs.map(s => [(s as { start: number }).start, (s as { end: number }).end]), [[0, 2048], [2048, 4096], [4096, 5000]], 'ranges of whole blocks')
  t.equal((await npyShards(npy, { shards: 2 })).specs.length, 2)
  t.equal((await npyShards(npy)).specs.length, 1)
  for (const [name, source, options] of [
    ['shards in process', list, {}],
    ['shards on 2 threads', list, { executor: two }],
    ['shards on 3 threads', list, { executor: three }],
    ['a .npy path on threads (split into shards)', npy, { executor: two }],
    ['a .npy path, workers: 2', npy, { workers: 2 }]
  ] as const) {
    const m = mixture1()
    const h = await trainStream(m, source, { maxIterations: 3, stopThreshold: -Infinity, ...options })
    t.same(logs(h), logs(h1), `${name}: the same log-likelihoods`)
    t.equal(stringifyJSON(m), stringifyJSON(one), `${name}: the same parameters`)
  }
  // CSV files of 1234 rows (not block-aligned): each sums from its own first row; every executor agrees
  const csv = [0, 1, 2, 3].map(i => {
    const path = join(dir, `part-${i}.csv`)
    writeFileSync(path, 'x\n' + Array.from(x1.data.subarray(i * 1234, (i + 1) * 1234)).join('\n') + '\n')
    return { csv: path, options: { columns: true } }
  })
  const csvList = shards(csv)
  const here = mixture1()
  const hh = await trainStream(here, csvList, { maxIterations: 3, stopThreshold: -Infinity })
  const threaded = mixture1()
  const ht = await trainStream(threaded, csvList, { maxIterations: 3, stopThreshold: -Infinity, executor: two })
  t.same(logs(ht), logs(hh), 'CSV shards: threads and this thread agree')
  t.equal(stringifyJSON(threaded), stringifyJSON(here))
  t.equal(hh.rows, 4 * 4 * 1234, 'every shard read once per pass')
  // single-pass fits over shards
  const d1 = new NormalDistribution().fit(x1)
  const d2 = new NormalDistribution()
  await d2.fitStream(list)
  const d3 = new NormalDistribution()
  await d3.fitStream(list, { executor: two })
  t.equal(stringifyJSON(d2), stringifyJSON(d1), 'fitStream(shards): the bits of fit')
  t.equal(stringifyJSON(d3), stringifyJSON(d1), 'fitStream(shards) on threads')
  // a failing shard: the first in shard order, as one thread reports it
  const broken = shards([...csv, { csv: join(dir, 'missing.csv') }, { npy: join(dir, 'missing.npy') }])
  const e1 = await trainStream(mixture1(), broken, { maxIterations: 1 }).catch((err: unknown) => err) as ArilError
  t.equal(e1.code, 'ERR_SOURCE')
  await rejectsArilError(t, trainStream(mixture1(), broken, { maxIterations: 1, executor: two }), { code: e1.code, message: e1.message })
  // options shards do not take
  await rejectsArilError(t, trainStream(mixture1(), list, { batchesPerEpoch: 2, batchSize: 100 }), { code: 'ERR_INVALID_OPTION' })
  // Kmeans and mixtures initialize from the first rows of the shards
  const km = new Kmeans(3, { init: 'first-k' })
  const ks = new Kmeans(3, { init: 'first-k' })
  await km.fitStream(npy, { maxIterations: 2 })
  await ks.fitStream(list, { maxIterations: 2, executor: two })
  t.equal(stringifyJSON(ks), stringifyJSON(km), 'Kmeans initialized from the shards: the same bits')
})

t.test('checkpoints over shards are taken between epochs and resume there', async t => {
  const npy = join(dir, 'x1-ckpt.npy')
  await pipeline(Readable.from([x1]), writeNpy(npy))
  const list = await npyShards(npy, { rowsPerShard: 2048 })
  const options = { maxIterations: 4, stopThreshold: -Infinity }
  const one = mixture1()
  const h1 = await trainStream(one, list, options)
  const states: TrainState[] = []
  const m = mixture1()
  await trainStream(m, list, { ...options, executor: two, checkpoint: { everyBatches: 1, save: s => { states.push(JSON.parse(JSON.stringify(s))) } } })
  t.equal(states.length, 4, 'one state after each M-step')
  t.ok(states.every(s => s.sourceRows === 0 && s.epochRows === 0), 'between epochs')
  const resumed = resumeModel<GeneralMixtureModel>(states[1]!)
  const h = await trainStream(resumed, list, { ...options, executor: two, resume: states[1]! })
  t.same(logs(h), logs(h1), 'resumed: the same epochs')
  t.equal(stringifyJSON(resumed), stringifyJSON(one))
  // A state taken 100 rows into a pass (checksummed as the trainer would have written it).
  const midPass = { ...states[1]!, sourceRows: 100 }
  midPass.checksum = stateChecksum(midPass)
  await rejectsArilError(t, trainStream(resumeModel(midPass), list, { ...options, resume: midPass }), { code: 'ERR_CHECKPOINT' })
})

t.test('shards on threads: an abort in the middle of a pass; one shard under auto stays here', async t => {
  const npy = join(dir, 'x1-abort.npy')
  await pipeline(Readable.from([x1]), writeNpy(npy))
  const saved = process.env.ARIL_TEST_SLOW
  process.env.ARIL_TEST_SLOW = '20' // read by the threads of the executor made below (slow-opener.ts)
  const slow = threadExecutor({ threads: 2, modules: [fileURLToPath(new URL('./fixtures/slow-opener.ts', import.meta.url))] })
  if (saved === undefined) delete process.env.ARIL_TEST_SLOW
  else process.env.ARIL_TEST_SLOW = saved
  try {
    await slow.ready()
    const list = shards(Array.from({ length: 8 }, (_, i) => ({ opener: 'slow', args: { path: npy, start: i * 625, end: (i + 1) * 625 } })))
    const controller = new AbortController()
    const model = mixture1()
    await rejectsArilError(t, trainStream(model, list, {
      executor: slow,
      maxIterations: 3,
      signal: controller.signal,
      callbacks: [{ onBatchEnd: () => controller.abort() }]
    }), { code: 'ERR_ABORTED' })
    t.equal(stringifyJSON(model), stringifyJSON(mixture1()), 'aborted in the first pass: the parameters as they were')
  } finally {
    await slow.close()
  }
  const auto = threadExecutor()
  try {
    const one = mixture1()
    await trainStream(one, npy, { maxIterations: 2, stopThreshold: -Infinity })
    const m = mixture1()
    await trainStream(m, shards([{ npy }]), { maxIterations: 2, stopThreshold: -Infinity, executor: auto })
    t.equal(stringifyJSON(m), stringifyJSON(one), 'one shard, auto: summarized here, the same bits')
  } finally {
    await auto.close()
  }
})

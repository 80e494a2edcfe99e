import t from 'tap'
import { Readable } from 'node:stream'
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toBatch, sliceBatch, type Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { History, trainBatch, trainStream, type EpochLog } from '../../lib/train/em.js'
import { fileCheckpoint, readCheckpoint, resumeModel, stateChecksum, type TrainState } from '../../lib/train/checkpoint.js'
import { ToyMean, ExactToyMean } from './toy-model.js'
import { assertArilError, randomChunks, rejectsArilError } from '../helpers.js'

const random = new Random(7)
const X = Float64Array.from({ length: 5000 }, () => 3 + 2 * random.normal())
const mean = X.reduce((a, b) => a + b, 0) / X.length
const data = toBatch(X)

/** A re-openable source cutting X into random chunks (a different chunking every pass). */
function chunked (seed: number, maxChunk = 1500): () => Readable {
  let pass = 0
  return () => {
    const parts: Batch[] = []
    let at = 0
    for (const k of randomChunks(X.length, seed + pass++, maxChunk)) {
      parts.push(sliceBatch(data, at, at + k))
      at += k
    }
    return Readable.from(parts)
  }
}

/** k manual rounds of summarize-all + fromSummaries (pomegranate's definition of k M-steps). */
function manual (k: number): ToyMean {
  const m = new ToyMean(0)
  for (let i = 0; i < k; i++) {
    m.summarize(X)
    m.fromSummaries()
  }
  return m
}

t.test('maxIterations: k means exactly k M-steps, and 0 does nothing', async t => {
  for (const k of [1, 2, 5]) {
    const m = new ToyMean(0)
    const h = trainBatch(m, data, { maxIterations: k, stopThreshold: -Infinity })
    t.same(m.parameters, manual(k).parameters, `k = ${k}: same bits as ${k} manual rounds`)
    t.equal(h.iterations, k)
    t.equal(h.epochs.length, k)
    t.equal(h.stopReason, 'maxIterations')
    t.equal(m.seen.length, X.length * (k + 1), 'k + 1 passes (the last one evaluates the final parameters)')
    // closed form: m_k = mean + (m_0 − mean)/2^k
    t.ok(Math.abs(m.m - (mean - mean / 2 ** k)) < 1e-12)
  }
  const m = new ToyMean(0)
  const h = trainBatch(m, data, { maxIterations: 0 })
  t.same([m.m, m.seen.length, h.epochs.length, h.stopReason], [0, 0, 0, 'maxIterations'])
  const s = new ToyMean(0)
  const hs = await trainStream(s, chunked(1), { maxIterations: 0 })
  t.same([s.m, s.seen.length, hs.stopReason], [0, 0, 'maxIterations'])
})

t.test('minIterations: the threshold cannot stop the loop before that many M-steps', async t => {
  // With stopThreshold 1e9 every improvement is below it: without minIterations one M-step ends it.
  const once = trainBatch(new ToyMean(0), data, { stopThreshold: 1e9 })
  t.same([once.iterations, once.stopReason], [1, 'converged'])
  for (const k of [2, 6]) {
    const m = new ToyMean(0)
    const h = trainBatch(m, data, { stopThreshold: 1e9, minIterations: k })
    t.same([h.iterations, h.stopReason], [k, 'converged'], `minIterations ${k}`)
    t.same(m.parameters, manual(k).parameters, 'the bits of k manual rounds')
    const s = new ToyMean(0)
    const hs = await trainStream(s, chunked(3), { stopThreshold: 1e9, minIterations: k })
    t.same([hs.iterations, s.parameters], [k, m.parameters], 'streamed: the same')
  }
  const capped = trainBatch(new ToyMean(0), data, { stopThreshold: 1e9, minIterations: 10, maxIterations: 3 })
  t.same([capped.iterations, capped.stopReason], [3, 'maxIterations'], 'maxIterations still bounds it')
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { minIterations: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { minIterations: Infinity }), { code: 'ERR_INVALID_OPTION' })
})

t.test('the epoch logs use pomegranate vocabulary and chain together', async t => {
  const m = new ToyMean(0)
  const h = trainBatch(m, data, { stopThreshold: 1 })
  t.equal(h.stopReason, 'converged')
  const logs = h.epochs
  t.ok(logs.length > 5)
  t.equal(logs[0]!.epoch, 1)
  for (let i = 0; i < logs.length; i++) {
    const e = logs[i]!
    t.equal(e.improvement, e.logProbability - e.lastLogProbability)
    t.equal(e.totalImprovement, e.logProbability - h.initialLogProbability)
    t.equal(e.initialLogProbability, h.initialLogProbability)
    if (i > 0) t.equal(e.lastLogProbability, logs[i - 1]!.logProbability)
    t.same([e.rows, e.batches, e.inertia, e.decreased], [X.length, 1, 0, false])
    t.ok(e.duration >= 0 && e.epochEndTime >= e.epochStartTime)
  }
  t.ok(logs.at(-1)!.improvement <= 1 && logs.at(-2)!.improvement > 1, 'stops at the first improvement <= stopThreshold')
  t.equal(h.logProbability, logs.at(-1)!.logProbability)
  t.equal(h.iterations, logs.length)
  t.equal(h.rows, X.length * (logs.length + 1))
  // the final pass's statistics are cleared
  t.same(m.summary(), new ToyMean(0).summary())
})

t.test('a decrease is reported, not taken for convergence', async t => {
  let pass = 0
  // the data moves away from the model after the first pass
  const open = (): Readable => {
    const shift = pass++ === 0 ? 0 : 50
    return Readable.from([toBatch(X.map(x => x + shift))])
  }
  const m = new ToyMean(0)
  const h = await trainStream(m, open, { maxIterations: 10 })
  t.equal(h.stopReason, 'decreased')
  t.equal(h.decreased, true)
  t.equal(h.epochs.length, 1)
  t.equal(h.epochs[0]!.decreased, true)
  t.ok(h.epochs[0]!.improvement < 0)
})

t.test('a stream fit equals the in-memory fit bit for bit, for any chunking', async t => {
  const one = new ExactToyMean(0)
  const h1 = trainBatch(one, data, { stopThreshold: 1e-9 })
  for (const seed of [1, 2, 3]) {
    const s = new ExactToyMean(0)
    const h = await trainStream(s, chunked(seed), { stopThreshold: 1e-9 })
    t.same(s.parameters, one.parameters, `chunking ${seed}: parameters`)
    t.same(h.epochs.map(e => e.logProbability), h1.epochs.map(e => e.logProbability), `chunking ${seed}: log-probabilities`)
    t.equal(h.initialLogProbability, h1.initialLogProbability)
  }
  // the plain model (summing the returned batch totals) still gets the same parameters
  const plain = new ToyMean(0)
  trainBatch(plain, data, { maxIterations: 20, stopThreshold: -Infinity })
  const ps = new ToyMean(0)
  await trainStream(ps, chunked(9), { maxIterations: 20, stopThreshold: -Infinity })
  t.same(ps.parameters, plain.parameters)
  // an array of batches re-opens too, and the in-memory batchSize gives the same bits
  const parts = [sliceBatch(data, 0, 2000), sliceBatch(data, 2000, 5000)]
  const a = new ExactToyMean(0)
  await trainStream(a, parts, { stopThreshold: 1e-9 })
  const b = new ExactToyMean(0)
  trainBatch(b, data, { stopThreshold: 1e-9, batchSize: 700 })
  t.same([a.m, b.m], [one.m, one.m])
})

t.test('mini-batch epochs advance through the data, wrap around, and cover every row', async t => {
  const batchSize = 700
  const batchesPerEpoch = 3
  const m = new ToyMean(0)
  const h = trainBatch(m, data, { batchSize, batchesPerEpoch, maxIterations: 6, stopThreshold: -Infinity })
  t.equal(h.epochs.length, 6)
  // 7 epochs of 3 batches: the batches are consecutive slices of X, wrapping after the short last one
  const expected: number[] = []
  let at = 0
  for (let b = 0; b < 7 * batchesPerEpoch; b++) {
    const end = Math.min(X.length, at + batchSize)
    expected.push(...X.subarray(at, end))
    at = end === X.length ? 0 : end
  }
  t.same(m.seen, expected, 'rows in order, wrapping')
  t.ok(new Set(m.seen).size === X.length, 'every row was seen')
  t.same(h.epochs.map(e => e.batches), [3, 3, 3, 3, 3, 3])
  // the stream, re-cut to the same batch size, reads the same rows and ends with the same bits
  const s = new ToyMean(0)
  await trainStream(s, chunked(4, 333), { batchSize, batchesPerEpoch, maxIterations: 6, stopThreshold: -Infinity })
  t.same(s.seen, m.seen)
  t.same(s.parameters, m.parameters)
})

t.test('lrDecay gives pomegranate\'s stepwise inertia 1 − (1 − inertia)(2 + k)^−lrDecay', async t => {
  const m = new ToyMean(0)
  trainBatch(m, data, { batchSize: 1000, batchesPerEpoch: 1, lrDecay: 0.5, maxIterations: 4, stopThreshold: -Infinity })
  // reference section 2.3: lr_decay = 0.5 → .4226, .5, .5528, .5918
  t.same(m.inertias.map(x => Math.round(x * 1e4) / 1e4), [0.4226, 0.5, 0.5528, 0.5918])
  const n = new ToyMean(0)
  trainBatch(n, data, { inertia: 0.3, maxIterations: 2, stopThreshold: -Infinity })
  t.same(n.inertias, [0.3, 0.3], 'without lrDecay the inertia is passed on as given')
  const o = new ToyMean(0)
  const h = trainBatch(o, data, { inertia: 0.5, lrDecay: 1, maxIterations: 2, stopThreshold: -Infinity })
  t.same(o.inertias, [1 - 0.5 / 3, 1 - 0.5 / 4])
  t.same(h.epochs.map(e => e.inertia), o.inertias, 'logged as the epoch\'s inertia')
})

t.test('an abort stops between batches and keeps the last completed parameters', async t => {
  const controller = new AbortController()
  const m = new ToyMean(0)
  let batches = 0
  const during: number[] = []
  const stop = {
    onBatchEnd: () => {
      during.push(m.m)
      if (++batches === 7) controller.abort(new Error('enough'))
    }
  }
  await rejectsArilError(t, trainStream(m, chunked(2, 2000), { batchSize: 1000, callbacks: [stop], signal: controller.signal, stopThreshold: -Infinity, maxIterations: 1000 }), { code: 'ERR_ABORTED' })
  t.ok(during[0] !== during.at(-1), 'aborted after an M-step')
  t.equal(m.m, during.at(-1), 'parameters of the last M-step')
  t.same(m.summary(), new ToyMean(0).summary(), 'the unfinished epoch is dropped')
  // a signal aborted while the source is waiting
  const c2 = new AbortController()
  const slow = (): Readable => new Readable({ objectMode: true, read () { setTimeout(() => c2.abort(), 5) } })
  await rejectsArilError(t, trainStream(new ToyMean(0), slow, { signal: c2.signal }), { code: 'ERR_ABORTED' })
  // in memory, an already aborted signal stops before the first batch
  const c3 = new AbortController()
  c3.abort()
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { signal: c3.signal }), { code: 'ERR_ABORTED' })
})

t.test('resume after a kill mid-pass ends with the same bits as an uninterrupted fit', async t => {
  const options = { stopThreshold: 1e-6 }
  const whole = new ExactToyMean(0)
  const hw = await trainStream(whole, chunked(5, 900), options)
  for (const killAfter of [3, 11, 17]) {
    let state: TrainState | undefined
    let served = 0
    // a source that dies after killAfter batches in total
    const dying = (): Readable => {
      const inner = chunked(5, 900)()
      return Readable.from((async function * () {
        for await (const b of inner) {
          if (served++ === killAfter) throw new Error('killed')
          yield b
        }
      })())
    }
    const m = new ExactToyMean(0)
    await t.rejects(trainStream(m, dying, { ...options, checkpoint: { save: s => { state = JSON.parse(JSON.stringify(s)) } } }), /killed/)
    t.ok(state !== undefined && state.sourceRows > 0)
    const resumed = resumeModel<ExactToyMean>(state!)
    const again = new ExactToyMean(resumed.m)
    // the resumed source may be chunked differently: the rows are what matters
    const h = await trainStream(again, chunked(6, 1300), { ...options, resume: state })
    t.same(again.parameters, whole.parameters, `killed after ${killAfter} batches: parameters`)
    t.same(h.epochs.map(e => e.logProbability), hw.epochs.map(e => e.logProbability), 'log-probabilities')
    t.equal(h.iterations, hw.iterations)
  }
})

t.test('file checkpoints and mini-batch resume', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-em-'))
  const path = join(dir, 'fit.ckpt.json')
  const options = { batchSize: 600, batchesPerEpoch: 4, maxIterations: 8, stopThreshold: -Infinity }
  const whole = new ToyMean(0)
  await trainStream(whole, chunked(8), options)
  let served = 0
  const dying = (): Readable => Readable.from((function * () {
    for (const b of [sliceBatch(data, 0, 2500), sliceBatch(data, 2500, 5000)]) {
      if (served++ === 5) throw new Error('killed')
      yield b
    }
  })())
  await t.rejects(trainStream(new ToyMean(0), dying, { ...options, checkpoint: fileCheckpoint(path, { everyBatches: 2 }) }), /killed/)
  const state = readCheckpoint(path)
  t.ok(state.iteration > 0, 'the checkpoint is past an M-step')
  const m = resumeModel<ToyMean>(state)
  await trainStream(m, chunked(3), { ...options, resume: state })
  t.same(m.parameters, whole.parameters)
  assertArilError(t, () => readCheckpoint(join(dir, 'none.json')), { code: 'ERR_CHECKPOINT' })
  assertArilError(t, () => resumeModel({ ...state, version: 3 } as never), { code: 'ERR_CHECKPOINT' })
  // well-formed but for one field (the checksum made to match, so the shape checks speak)
  const resealed = (changes: object): TrainState => {
    const s = { ...state, ...changes }
    return { ...s, checksum: stateChecksum(s) }
  }
  assertArilError(t, () => resumeModel(resealed({ iteration: -1 })), { code: 'ERR_CHECKPOINT', message: /iteration/ })
  assertArilError(t, () => resumeModel(resealed({ passRows: 0.5 })), { code: 'ERR_CHECKPOINT', message: /passRows/ })
  assertArilError(t, () => resumeModel(resealed({ summary: null })), { code: 'ERR_CHECKPOINT', message: /summary/ })
  assertArilError(t, () => resumeModel(resealed({ source: { rows: 1 } })), { code: 'ERR_CHECKPOINT', message: /identity of its source/ })
  await rejectsArilError(t, trainStream(new ToyMean(42), chunked(3), { ...options, resume: state }), { code: 'ERR_CHECKPOINT' })
  // a source with the checkpoint's first rows, shorter than the rows the checkpoint consumed
  await rejectsArilError(t, trainStream(resumeModel(state), [sliceBatch(data, 0, 1100)], { ...options, resume: resealed({ sourceRows: 2000 }) }), { code: 'ERR_SOURCE', message: /ended before the 2000 rows/ })
  // a source without them
  await rejectsArilError(t, trainStream(resumeModel(state), [sliceBatch(data, 0, 10)], { ...options, resume: state }), { code: 'ERR_CHECKPOINT', message: /first 1024 rows differ/ })
})

t.test('callbacks: History, model checkpoints, CSV log, progress', async t => {
  const { modelCheckpoint, csvLogger, progress } = await import('../../lib/train/callbacks.js')
  const dir = mkdtempSync(join(tmpdir(), 'aril-cb-'))
  const mine = new History()
  const lines: string[] = []
  const order: string[] = []
  const m = new ToyMean(0)
  const h = await trainStream(m, chunked(1), {
    maxIterations: 3,
    stopThreshold: -Infinity,
    callbacks: [
      mine,
      modelCheckpoint(join(dir, 'toy.{epoch}.json')),
      csvLogger(join(dir, 'log.csv'), { separator: ';' }),
      progress({ everyMs: 0, write: line => lines.push(line) }),
      { onTrainingBegin: async () => { order.push('begin') }, onEpochEnd: (e: EpochLog) => { order.push(`epoch ${e.epoch}`) }, onTrainingEnd: () => { order.push('end') } }
    ]
  })
  t.same(order, ['begin', 'epoch 1', 'epoch 2', 'epoch 3', 'end'])
  t.same(mine.epochs, h.epochs)
  t.same([mine.stopReason, mine.iterations, mine.logProbability], [h.stopReason, h.iterations, h.logProbability])
  t.same(JSON.parse(readFileSync(join(dir, 'toy.3.json'), 'utf8')), { class: 'ToyMean', m: m.m })
  t.ok(existsSync(join(dir, 'toy.1.json')))
  const csv = readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n')
  t.equal(csv.length, 4)
  t.match(csv[0], /^epoch;improvement;totalImprovement;logProbability/)
  t.equal(Number(csv[3]!.split(';')[3]), h.epochs[2]!.logProbability)
  t.ok(lines.some(l => /^epoch 0: \d+ rows$/.test(l)), 'progress during the first pass')
  t.ok(lines.some(l => /^epoch 2: \d+\/5000 rows \(\d+%\)$/.test(l)), 'progress with the pass length')
  t.ok(lines.some(l => /^epoch 3: log-probability -?[\d.e+-]+, improvement/.test(l)))
  csvLogger(join(dir, 'log.csv'), { append: true }).onTrainingBegin?.(m as never)
  t.equal(readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n').length, 4, 'append keeps the file')
  // promises from callbacks cannot be awaited in memory
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { callbacks: [{ onTrainingBegin: async () => {} }] }), { code: 'ERR_INVALID_OPTION' })
  for (const bad of [() => modelCheckpoint(''), () => csvLogger(''), () => csvLogger('x', { separator: '' }), () => progress({ write: 3 as never }), () => fileCheckpoint('')]) {
    assertArilError(t, bad, { code: 'ERR_INVALID_OPTION' })
  }
})

t.test('frozen models and bad options', async t => {
  const f = new ToyMean(1).freeze()
  const h = trainBatch(f, data, {})
  t.same([f.m, f.seen.length, h.stopReason], [1, 0, 'frozen'])
  const bad: Array<[object, string]> = [
    [{ stopThreshold: 'x' }, 'stopThreshold'], [{ maxIterations: 1.5 }, 'maxIterations'], [{ maxIterations: -1 }, 'maxIterations'],
    [{ batchSize: 0 }, 'batchSize'], [{ batchSize: Infinity }, 'batchSize'], [{ batchesPerEpoch: 0 }, 'batchesPerEpoch'],
    [{ lrDecay: -1 }, 'lrDecay'], [{ inertia: 2 }, 'inertia'], [{ callbacks: [1] }, 'callbacks'], [{ callbacks: {} }, 'callbacks'],
    [{ signal: {} }, 'signal'], [{ checkpoint: {} }, 'checkpoint'], [{ checkpoint: { save: () => {}, everyBatches: 0 } }, 'everyBatches']
  ]
  for (const [options, name] of bad) {
    assertArilError(t, () => trainBatch(new ToyMean(0), data, options), { code: 'ERR_INVALID_OPTION', message: new RegExp(`Option ${name}`) }, name)
  }
  assertArilError(t, () => trainBatch(new ToyMean(0), data, null as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { resume: {} as never }), { code: 'ERR_CHECKPOINT' })
})

t.test('source errors', async t => {
  await rejectsArilError(t, trainStream(new ToyMean(0), 'missing-data.npy'), { code: 'ERR_SOURCE', file: 'missing-data.npy' })
  await rejectsArilError(t, trainStream(new ToyMean(0), 42 as never), { code: 'ERR_SOURCE' })
  let n = 5000
  const shrinking = (): Readable => Readable.from([sliceBatch(data, 0, (n -= 100))])
  await rejectsArilError(t, trainStream(new ToyMean(0), shrinking, {}), { code: 'ERR_SOURCE', message: /expected 4900 rows, got 4800/ })
  await rejectsArilError(t, trainStream(new ToyMean(0), [], { batchesPerEpoch: 2 }), { code: 'ERR_SOURCE', message: /gave none/ })
  await rejectsArilError(t, trainStream(new ToyMean(0), [[[1, 2]]], {}), { code: 'ERR_COLUMN_COUNT' })
  const m = new ToyMean(0)
  await t.rejects(trainStream(m, [toBatch([1, 2])], { checkpoint: { save: async () => { throw new Error('disk full') } } }), /disk full/)
  t.same(m.summary(), new ToyMean(0).summary(), 'a failed save leaves no statistics behind')
  // an empty in-memory data set converges at once without changing anything
  const e = new ToyMean(2)
  const h = trainBatch(e, toBatch([]), {})
  t.same([e.m, h.stopReason, h.epochs.length], [2, 'converged', 1])
})

t.test('progress: default output on stderr, throttled, decreases flagged', async t => {
  const { progress } = await import('../../lib/train/callbacks.js')
  const lines: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((chunk: string) => { lines.push(chunk); return true }) as typeof process.stderr.write
  try {
    const p = progress({ everyMs: 60000 })
    p.onBatchEnd?.({ epoch: 1, batches: 1, rows: 10, totalRows: 10, passRows: 100 })
    p.onEpochEnd?.({ epoch: 1, logProbability: -5, improvement: -1, decreased: true, duration: 3 } as EpochLog)
  } finally {
    process.stderr.write = write
  }
  t.same(lines, ['epoch 1: log-probability -5, improvement -1 (decreased), 3 ms\n'], 'the batch line waits for everyMs')
})

t.test('a file path is opened again for every pass', async t => {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { Readable } = await import('node:stream')
  const { pipeline } = await import('node:stream/promises')
  const { writeNpy } = await import('../../lib/io/npy.js')
  const { GeneralMixtureModel } = await import('../../lib/models/mixture.js')
  const { NormalDistribution } = await import('../../lib/distributions/normal.js')
  const dir = await mkdtemp(join(tmpdir(), 'aril-path-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const X = Float64Array.from({ length: 3000 }, (_, i) => (i % 2 === 0 ? -3 : 3) + Math.sin(i))
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([X]), writeNpy(file))
  const make = (): InstanceType<typeof GeneralMixtureModel> => new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
  const fromPath = make()
  await fromPath.fitStream(file, { maxIterations: 4 })
  t.same(fromPath.toJSON(), make().fit(X, { maxIterations: 4 }).toJSON(), 'the same bits as the in-memory fit')
})

/** ToyMean whose log-likelihood turns into `bad` once m passes `from` (a model gone degenerate). */
class Degenerating extends ToyMean {
  constructor (m: number, private readonly from: number, private readonly bad: number) {
    super(m)
  }

  override summarizeBatch (batch: Batch): number {
    const logp = super.summarizeBatch(batch)
    return this.m > this.from ? this.bad : logp
  }
}

t.test('a non-finite log-likelihood stops training and undoes the M-step that led to it', async t => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    // m_k = mean·(1 − 2^−k) (closed form of ToyMean), so m passes mean/2 at the second M-step
    const m = new Degenerating(0, mean * 0.6, bad)
    const seen: number[] = []
    const h = trainBatch(m, data, { callbacks: [{ onEpochEnd: () => { seen.push(m.m) } }] })
    t.equal(h.stopReason, 'nonFinite', `${bad}: stop reason`)
    t.same(seen, [manual(1).m, manual(1).m], `${bad}: callbacks of the last epoch (a model checkpoint) see the parameters kept`)
    t.same(m.parameters, manual(1).parameters, `${bad}: the parameters of the last epoch with a finite log-likelihood`)
    t.equal(h.iterations, 1, `${bad}: M-steps kept`)
    t.equal(h.epochs.length, 2, `${bad}: the non-finite epoch is logged`)
    t.same(h.epochs[1]!.logProbability, bad)
    t.equal(h.logProbability, h.epochs[0]!.logProbability, `${bad}: the log-likelihood of the parameters kept`)
    t.same(m.summary(), new ToyMean(0).summary(), `${bad}: no statistics left behind`)
    const s = new Degenerating(0, mean * 0.6, bad)
    const hs = await trainStream(s, chunked(3), {})
    t.same([s.parameters, hs.stopReason, hs.iterations], [m.parameters, 'nonFinite', 1], `${bad}: the same outcome from a stream`)
  }
  // NaN or +Infinity under the initial parameters: nothing to undo, the initial parameters stay
  for (const bad of [NaN, Infinity]) {
    const m = new Degenerating(0, -1, bad)
    const h = trainBatch(m, data, {})
    t.same([m.m, h.stopReason, h.iterations, h.epochs.length], [0, 'nonFinite', 0, 0], `${bad} at once`)
  }
  // −Infinity under the initial parameters: the first M-step may repair them
  const repaired = new Degenerating(0, -1, -Infinity)
  const h = trainBatch(repaired, data, { maxIterations: 3 })
  t.same([h.stopReason, h.iterations], ['nonFinite', 0], 'but a second −Infinity stops it')
})

t.test('EM on data that collapses a component stops (it used to loop forever)', async t => {
  const { GeneralMixtureModel } = await import('../../lib/models/mixture.js')
  const { NormalDistribution } = await import('../../lib/distributions/normal.js')
  const { NaiveBayes } = await import('../../lib/models/naive-bayes.js')
  const { fromJSON, stringifyJSON } = await import('../../lib/core/serialize.js')
  const X = [1, 1, 1, 5, 6, 7]
  const make = (): InstanceType<typeof GeneralMixtureModel> => new GeneralMixtureModel([new NormalDistribution(1, 1), new NormalDistribution(6, 1)])
  const gmm = make()
  const h = gmm.trainBatch(X)
  t.equal(h.stopReason, 'nonFinite')
  t.equal(h.epochs.at(-1)!.logProbability, Infinity, 'the second M-step gives the repeated 1s a standard deviation of 0')
  // the parameters kept are those of the first M-step, which one bounded fit reproduces
  t.same(gmm.toJSON(), make().fit(X, { maxIterations: 1 }).toJSON())
  t.ok(Number.isFinite(h.logProbability))
  t.same(fromJSON(stringifyJSON(gmm)).toJSON(), gmm.toJSON(), 'the parameters kept serialize and load back')
  const streamed = make()
  const hs = await streamed.trainStream(() => Readable.from([toBatch(X)]))
  t.same([streamed.toJSON(), hs.stopReason], [gmm.toJSON(), 'nonFinite'], 'the same in a stream fit')
  // a minStd keeps the component from collapsing, and the fit converges
  const floored = new GeneralMixtureModel([new NormalDistribution(1, 1, { minStd: 0.1 }), new NormalDistribution(6, 1, { minStd: 0.1 })])
  t.equal(floored.trainBatch(X).stopReason, 'converged')
  // semi-supervised NaiveBayes with one labelled row per class: each class starts with std 0
  const nb = new NaiveBayes(NormalDistribution, 2)
  nb.fit([[0], [10], [1], [2], [9], [11]], { labels: [0, 1, -1, -1, -1, -1] })
  t.same([nb.history?.stopReason, nb.history?.iterations], ['nonFinite', 0])
  t.same(nb.toJSON(), new NaiveBayes(NormalDistribution, 2).fit([[0], [10]], { labels: [0, 1] }).toJSON(), 'the labelled fit is kept')
})

t.test('a negative stopThreshold needs a finite maxIterations', async t => {
  assertArilError(t, () => trainBatch(new ToyMean(0), data, { stopThreshold: -1 }), { code: 'ERR_INVALID_OPTION', message: /Option stopThreshold/ })
  await rejectsArilError(t, trainStream(new ToyMean(0), chunked(1), { stopThreshold: -Infinity }), { code: 'ERR_INVALID_OPTION' })
  t.equal(trainBatch(new ToyMean(0), data, { stopThreshold: -1, maxIterations: 2 }).iterations, 2)
})

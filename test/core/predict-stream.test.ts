import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { predictStream, type Predictor } from '../../lib/core/predict-stream.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { loadNpy, readNpy, writeNpy } from '../../lib/io/npy.js'
import { sliceBatch, toBatch, type Batch } from '../../lib/core/batch.js'
import { randomChunks, rejectsArilError, assertArilError } from '../helpers.js'

const model = new NaiveBayes(NormalDistribution, 3).fit(
  Float64Array.from({ length: 3000 }, (_, i) => (i % 3) * 2 + Math.sin(i)),
  { labels: Float64Array.from({ length: 3000 }, (_, i) => i % 3) }
)
const X = Float64Array.from({ length: 5000 }, (_, i) => Math.cos(i * 0.37) * 4 + 2)
const chunks = (seed: number): Batch[] => {
  let at = 0
  return randomChunks(X.length, seed, 700).map(k => sliceBatch(toBatch(X), at, (at += k)))
}

async function collect (stream: NodeJS.ReadableStream | Readable, transform: import('node:stream').Transform): Promise<Batch[]> {
  const out: Batch[] = []
  await pipeline(stream, transform, new Writable({ objectMode: true, write (b: Batch, _e, cb) { out.push(b); cb() } }))
  return out
}

const concat = (batches: Batch[]): number[] => batches.flatMap(b => Array.from(b.data))

t.test('each output is the model\'s prediction for the same rows, bit for bit', async t => {
  const proba = await collect(Readable.from(chunks(1)), predictStream(model, { output: 'proba' }))
  t.same(proba.map(b => b.rows), randomChunks(X.length, 1, 700), 'one output batch per input batch, same rows')
  t.ok(proba.every(b => b.cols === 3), 'k columns')
  t.same(concat(proba), model.predictProba(X).flat())
  const logProba = await collect(Readable.from(chunks(2)), model.predictStream({ output: 'logProba' }))
  t.same(concat(logProba), model.predictLogProba(X).flat())
  const classes = await collect(Readable.from(chunks(3)), model.predictStream())
  t.ok(classes.every(b => b.cols === 1), 'one column of classes')
  t.same(concat(classes), Array.from(model.predict(X)))
  const fromArrays = await collect(Readable.from([[1, 2], [[3], [4]]]), model.predictStream({ output: 'class' }))
  t.same(concat(fromArrays), Array.from(model.predict([1, 2, 3, 4])), 'any input toBatch accepts')
})

t.test('a Predictor without predictBatch takes the argmax of the posterior', async t => {
  const bare: Predictor = { toBatch: X => model.toBatch(X), predictLogProbaBatch: b => model.predictLogProbaBatch(b) }
  const classes = await collect(Readable.from(chunks(4)), predictStream(bare, { output: 'class' }))
  t.same(concat(classes), Array.from(model.predict(X)))
})

t.test('readNpy → predictStream → writeNpy scores a file', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-predict-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await pipeline(Readable.from(chunks(5)), writeNpy(join(dir, 'x.npy')))
  await pipeline(readNpy(join(dir, 'x.npy'), { rowsPerBatch: 999 }), model.predictStream({ output: 'proba' }), writeNpy(join(dir, 'p.npy')))
  const out = loadNpy(readFileSync(join(dir, 'p.npy')))
  t.same([out.rows, out.cols], [X.length, 3])
  t.same(Array.from(out.data), model.predictProba(X).flat())
})

t.test('raises', async t => {
  assertArilError(t, () => predictStream(model, { output: 'probability' as never }), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, collect(Readable.from([5]), model.predictStream()), { code: 'ERR_INVALID_INPUT' })
  await rejectsArilError(t, collect(Readable.from([[[1, 2]]]), model.predictStream()), { code: 'ERR_COLUMN_COUNT' })
  await rejectsArilError(t, collect(Readable.from([[1]]), new NaiveBayes(NormalDistribution, 2).predictStream()), { code: 'ERR_NOT_FITTED' })
})

t.test('an error that is not aril\'s is ERR_SOURCE, the original as cause', async t => {
  const cause = new TypeError('my predictor broke')
  const broken = { toBatch: (X: unknown) => X as never, predictLogProbaBatch: () => { throw cause } }
  const sink = new Writable({ objectMode: true, write: (_c, _e, cb) => cb() })
  await rejectsArilError(t, pipeline(Readable.from([{ data: new Float64Array(1), rows: 1, cols: 1 }]), predictStream(broken), sink), { code: 'ERR_SOURCE', cause, message: /my predictor broke/ })
})

import t from 'tap'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, readCsv, readNpy, writeNpy, type Progress } from '../../lib/index.js'
import { chunkRows, ProgressCounter } from '../../lib/core/progress.js'
import { assertArilError } from '../helpers.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-progress-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const X = Float64Array.from({ length: 20000 }, (_, i) => Math.sin(i) * 3 + (i % 2 === 0 ? -4 : 4))
const npy = join(dir, 'x.npy')
await pipeline(Readable.from([X]), writeNpy(npy))
const csv = join(dir, 'x.csv')
await writeFile(csv, 'x\n' + Array.from(X, String).join('\n') + '\n')

t.test('chunkRows counts the rows of every chunk kind', async t => {
  t.equal(chunkRows({ data: new Float64Array(6), rows: 3, cols: 2 }), 3)
  t.equal(chunkRows([[1, 2], [3, 4]]), 2)
  t.equal(chunkRows(new Float64Array(5)), 5)
  t.equal(chunkRows({ data: [1, 2, 3, 4], shape: [2, 2] }), 2)
  t.equal(chunkRows({ data: [1], shape: [] }), 1)
  t.equal(chunkRows(null), 0)
  t.equal(chunkRows({}), 0)
})

t.test('sink({ onProgress }) reports rows, bytes and the share of an .npy file', async t => {
  const seen: Progress[] = []
  const d = new NormalDistribution()
  await pipeline(readNpy(npy, { rowsPerBatch: 4096 }), d.sink({ onProgress: p => seen.push(p) }))
  t.same(d.parameters, new NormalDistribution().fit(X).parameters, 'the fit is unchanged')
  t.same(seen.map(p => p.rows), [4096, 8192, 12288, 16384, 20000])
  t.same(seen.map(p => p.batches), [1, 2, 3, 4, 5])
  t.same(seen.map(p => p.fraction), [4096, 8192, 12288, 16384, 20000].map(r => r / 20000), 'the share of the rows (the header gives them)')
  const size = (await stat(npy)).size
  t.equal(seen.at(-1)!.totalBytes, size)
  t.ok(seen.every(p => p.bytes! > 0 && p.bytes! <= size), 'bytes read so far')
})

t.test('fitStream(path, { onProgress }) on a CSV: the share of the bytes', async t => {
  const seen: Progress[] = []
  await new NormalDistribution().fitStream(csv, { onProgress: p => seen.push(p) })
  const size = (await stat(csv)).size
  t.equal(seen.at(-1)!.rows, 20000)
  t.equal(seen.at(-1)!.totalBytes, size)
  t.equal(seen.at(-1)!.fraction, 1, 'the whole file was read')
  t.ok(seen.every((p, i) => i === 0 || p.fraction! >= seen[i - 1]!.fraction!), 'the share never goes back')
  const reader = readCsv(csv, { columns: true })
  for await (const _ of reader) { /* drain */ }
  t.equal(reader.rowsRead, 20000, 'readers count rows')
  t.equal(reader.bytesRead, size, 'and bytes')
})

t.test('a source that does not count: rows only', async t => {
  const seen: Progress[] = []
  await pipeline(Readable.from([X.subarray(0, 10), X.subarray(10, 25)]), new NormalDistribution().sink({ onProgress: p => seen.push(p) }))
  t.same(seen, [
    { rows: 10, batches: 1, bytes: undefined, totalBytes: undefined, fraction: undefined },
    { rows: 25, batches: 2, bytes: undefined, totalBytes: undefined, fraction: undefined }
  ])
})

t.test('multi-pass training reports every pass with its epoch', async t => {
  const seen: Progress[] = []
  const model = new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
  await model.fitStream(npy, { maxIterations: 2, onProgress: p => seen.push(p) })
  const last = seen.filter(p => p.fraction === 1)
  t.same(last.map(p => p.epoch), [0, 1, 2], 'one complete pass per epoch (the initial one, then after each M-step)')
  t.same(last.map(p => p.rows), [20000, 20000, 20000])
  const expected = new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)]).fit(X, { maxIterations: 2 })
  t.same(model.parameters, expected.parameters, 'onProgress changes nothing in the fit')
})

t.test('onProgress must be a function', async t => {
  assertArilError(t, () => new ProgressCounter(5 as never), { code: 'ERR_INVALID_OPTION', message: /onProgress/ })
  assertArilError(t, () => new NormalDistribution().sink({ onProgress: 'x' as never }), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(new GeneralMixtureModel([new NormalDistribution()]).fitStream([X], { onProgress: 1 as never }), { code: 'ERR_INVALID_OPTION' })
})

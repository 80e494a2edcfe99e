import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { mapBatches } from '../../lib/io/map-batches.js'
import { collect } from './sources.js'
import { rejectsArilError } from '../helpers.js'

const X = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 3)
const chunks = [0, 1, 2, 3, 4].map(i => X.subarray(i * 1000, (i + 1) * 1000))

t.test('a user step between a source and a model', async t => {
  const model = new NormalDistribution()
  await pipeline(Readable.from(chunks), mapBatches(({ data }) => data.filter(x => x > 0).map(Math.log)), model.sink())
  t.same(model.parameters, new NormalDistribution().fit(X.filter(x => x > 0).map(Math.log)).parameters, 'equals the in-memory fit of the same rows')
})

t.test('chunks are converted first; undefined drops a batch; results are checked', async t => {
  const out = await collect(Readable.from([[[1, 2], [3, 4]], [[5, 6]]]).pipe(mapBatches(b => b.rows > 1 ? b : undefined)))
  t.same(out, [{ data: Float64Array.of(1, 2, 3, 4), rows: 2, cols: 2 }])
  t.same(await collect(Readable.from([[1, 2]]).pipe(mapBatches(() => null))), [])
  await rejectsArilError(t, collect(Readable.from([[1, 2]]).pipe(mapBatches(() => [[1], [2, 3]]))), { code: 'ERR_RAGGED_ROWS', row: 1 })
  await rejectsArilError(t, collect(Readable.from(['text']).pipe(mapBatches(b => b))), { code: 'ERR_INVALID_INPUT' })
})

t.test('an async function: awaited, one batch at a time (backpressure), its errors coded', async t => {
  const model = new NormalDistribution()
  let running = 0
  let most = 0
  const slowLog = mapBatches(async ({ data }) => {
    most = Math.max(most, ++running)
    await new Promise(resolve => setTimeout(resolve, 2))
    running--
    return data.filter(x => x > 0).map(Math.log)
  })
  await pipeline(Readable.from(chunks), slowLog, model.sink())
  t.same(model.parameters, new NormalDistribution().fit(X.filter(x => x > 0).map(Math.log)).parameters)
  t.equal(most, 1, 'the next batch waits for the promise')
  // a source faster than the step does not run ahead of it by more than the stream buffers
  let pulled = 0
  const source = new Readable({ objectMode: true, highWaterMark: 1, read () { this.push(pulled < 50 ? [pulled++] : null) } })
  let seen = 0
  const step = mapBatches(async b => { await new Promise(resolve => setTimeout(resolve, 1)); seen++; return b })
  const done = pipeline(source, step, new NormalDistribution().sink())
  await new Promise(resolve => setTimeout(resolve, 15))
  t.ok(pulled - seen < 40, `pulled ${pulled} while ${seen} were mapped`)
  await done
  t.same(await collect(Readable.from([[1, 2]]).pipe(mapBatches(async () => undefined))), [], 'a promise of undefined drops the batch')
  const cause = new Error('lookup failed')
  await rejectsArilError(t, collect(Readable.from([[1, 2]]).pipe(mapBatches(async () => { throw cause }))), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, collect(Readable.from([[1, 2]]).pipe(mapBatches(() => { throw cause }))), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, collect(Readable.from([[1, 2]]).pipe(mapBatches(async () => [[1], [2, 3]]))), { code: 'ERR_RAGGED_ROWS', row: 1 })
})

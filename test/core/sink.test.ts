import t from 'tap'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { EventEmitter } from 'node:events'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { ArilError } from '../../lib/core/errors.js'
import { rejectsArilError } from '../helpers.js'

const X = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 4 + 2)
const chunks = (size: number): Float64Array[] => {
  const out: Float64Array[] = []
  for (let i = 0; i < X.length; i += size) out.push(X.subarray(i, i + size))
  return out
}
const expected = new NormalDistribution().fit(X).parameters

t.test("'finish' means the parameters are updated", async t => {
  const d = new NormalDistribution()
  const sink = d.sink()
  let atFinish: number[] = []
  sink.on('finish', () => { atFinish = d.parameters })
  await pipeline(Readable.from(chunks(333)), sink)
  t.same(atFinish, expected)
})

t.test('update: false keeps the statistics for later', async t => {
  const d = new NormalDistribution()
  await pipeline(Readable.from(chunks(1000)), d.sink({ update: false }))
  t.same(d.parameters, [0, 1])
  d.fromSummaries()
  t.same(d.parameters, expected)
})

t.test('sink options go to fromSummaries', async t => {
  const d = new NormalDistribution(0, 1)
  await pipeline(Readable.from([[2, 4]]), d.sink({ inertia: 0.5 }))
  t.same(d.parameters, [1.5, 1])
})

t.test('a stream that errors halfway leaves the model as it was', async t => {
  const d = new NormalDistribution(7, 3)
  d.summarize([1, 2, 3])
  const before = JSON.stringify(d.summary())
  async function * failing (): AsyncGenerator<Float64Array> {
    yield X.subarray(0, 1000)
    yield X.subarray(1000, 2000)
    throw new ArilError('ERR_SOURCE', 'disk went away')
  }
  await rejectsArilError(t, pipeline(Readable.from(failing()), d.sink()), { code: 'ERR_SOURCE' })
  t.equal(JSON.stringify(d.summary()), before, 'statistics restored')
  t.same(d.parameters, [7, 3], 'parameters unchanged')
})

t.test('a bad chunk halfway is an ArilError and the model is unchanged', async t => {
  const d = new NormalDistribution(7, 3)
  const before = JSON.stringify(d.summary())
  await rejectsArilError(t, pipeline(Readable.from([X.subarray(0, 10), [[1, 2], [3, 4]]]), d.sink()), { code: 'ERR_COLUMN_COUNT' })
  await rejectsArilError(t, pipeline(Readable.from([X.subarray(0, 10), 5]), d.sink()), { code: 'ERR_INVALID_INPUT' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, [7, 3])
})

t.test('a failing update leaves the statistics and parameters as they were', async t => {
  class Failing extends NormalDistribution {
    protected override update (): void { throw new ArilError('ERR_INVALID_PARAMETER', 'no estimate') }
  }
  const d = new Failing(1, 2)
  await rejectsArilError(t, pipeline(Readable.from(chunks(1000)), d.sink()), { code: 'ERR_INVALID_PARAMETER' })
  t.same(d.parameters, [1, 2])
  t.equal(d.summary().sums && (d.summary().sums as { rows: number }).rows, 0)
  t.throws(() => d.fit([1, 2]), { code: 'ERR_INVALID_PARAMETER' })
  t.equal((d.summary().sums as { rows: number }).rows, 0, 'fit rolled back too')
})

t.test('a synchronous source cannot starve timers', async t => {
  const d = new NormalDistribution()
  let timerRan = false
  let timerBeforeFinish = false
  setTimeout(() => { timerRan = true }, 1)
  const sink = d.sink()
  sink.on('finish', () => { timerBeforeFinish = timerRan })
  function * many (): Generator<Float64Array> {
    for (let i = 0; i < 3000; i++) yield X
  }
  await pipeline(Readable.from(many()), sink)
  t.ok(timerBeforeFinish, 'the timer ran while 15 million rows were summarized')
})

t.test('fitStream: every kind of source', async t => {
  const sources: Array<[string, () => unknown]> = [
    ['a Readable', () => Readable.from(chunks(700))],
    ['an array of chunks', () => chunks(700)],
    ['an async generator', () => (async function * () { yield * chunks(700) })()],
    ['a Web ReadableStream', () => Readable.toWeb(Readable.from(chunks(700)))],
    ['a function returning a source', () => () => Readable.from(chunks(700))],
    ['an async function returning a source', () => async () => chunks(700)],
    ['an old-style stream', () => {
      const old = new EventEmitter() as EventEmitter & { pipe: unknown; pause: () => void; resume: () => void }
      old.pipe = () => old
      old.pause = () => {}
      old.resume = () => {}
      setImmediate(() => { for (const c of chunks(700)) old.emit('data', c); old.emit('end') })
      return old
    }]
  ]
  for (const [name, make] of sources) {
    const d = await new NormalDistribution().fitStream(make() as never)
    t.same(d.parameters, expected, name)
  }
  await rejectsArilError(t, new NormalDistribution().fitStream(42 as never), { code: 'ERR_SOURCE' })
})

t.test('fitStream: an AbortSignal stops the pass and leaves the model unchanged', async t => {
  const d = new NormalDistribution(5, 5)
  const controller = new AbortController()
  async function * slow (): AsyncGenerator<Float64Array> {
    yield X.subarray(0, 100)
    controller.abort()
    await new Promise(resolve => setTimeout(resolve, 50))
    yield X.subarray(100, 200)
  }
  await rejectsArilError(t, d.fitStream(slow(), { signal: controller.signal }), { code: 'ERR_ABORTED' })
  t.same(d.parameters, [5, 5])
  t.equal((d.summary().sums as { rows: number }).rows, 0)
})

t.test('a sink works as a Web WritableStream', async t => {
  const d = new NormalDistribution()
  const writable = Writable.toWeb(d.sink())
  await Readable.toWeb(Readable.from(chunks(1000))).pipeTo(writable)
  t.same(d.parameters, expected)
})

t.test('bad sink options', async t => {
  t.throws(() => new NormalDistribution().sink({ update: 'yes' as unknown as boolean }), { code: 'ERR_INVALID_OPTION' })
})

t.test('fitStream: a file path picks its reader by extension', async t => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { writeNpy } = await import('../../lib/io/npy.js')
  const dir = await mkdtemp(join(tmpdir(), 'aril-source-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const rows = Array.from(X.subarray(0, 3000))
  await pipeline(Readable.from(chunks(1000).slice(0, 3)), writeNpy(join(dir, 'x.npy')))
  await writeFile(join(dir, 'x.csv'), 'x\n' + rows.join('\n') + '\n')
  await writeFile(join(dir, 'x.tsv'), 'x\n' + rows.join('\n') + '\n')
  await writeFile(join(dir, 'x.json'), JSON.stringify(rows))
  await writeFile(join(dir, 'x.ndjson'), rows.join('\n'))
  await writeFile(join(dir, 'x.jsonl'), rows.join('\n'))
  const want = new NormalDistribution().fit(rows).parameters
  for (const name of ['x.npy', 'x.csv', 'x.tsv', 'x.json', 'x.ndjson', 'x.jsonl']) {
    t.same((await new NormalDistribution().fitStream(join(dir, name))).parameters, want, name)
  }
  t.same((await new NormalDistribution().fitStream(() => join(dir, 'x.npy'))).parameters, want, 'a function returning a path')
  await rejectsArilError(t, new NormalDistribution().fitStream(join(dir, 'x.parquet')), { code: 'ERR_SOURCE', file: join(dir, 'x.parquet') })
})

t.test('two sinks of one model at once: the second is refused (ERR_MODEL_BUSY), and no row is lost', async t => {
  const d = new NormalDistribution()
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  async function * slow (): AsyncGenerator<Float64Array> {
    yield X.subarray(0, 2500)
    await gate
    yield X.subarray(2500)
  }
  const first = pipeline(Readable.from(slow()), d.sink())
  await new Promise(resolve => setImmediate(resolve))
  // the second sink fails at its first chunk; its failure puts nothing back
  await rejectsArilError(t, pipeline(Readable.from([X.subarray(0, 10)]), d.sink()), { code: 'ERR_MODEL_BUSY', message: /one sink at a time/ })
  t.throws(() => d.fit([1, 2]), { code: 'ERR_MODEL_BUSY' })
  const { trainBatch } = await import('../../lib/train/em.js')
  const { toBatch } = await import('../../lib/core/batch.js')
  t.throws(() => trainBatch(d as never, toBatch([1, 2])), { code: 'ERR_MODEL_BUSY' })
  release()
  await first
  t.same(d.parameters, expected, 'the first sink counted every row')
  // once it finished, the model is free again; a created but unused sink holds nothing
  d.sink()
  await pipeline(Readable.from(chunks(700)), d.sink())
  t.same(d.parameters, expected)
})

t.test('a failed sink frees the model, and puts back only its own rows', async t => {
  const d = new NormalDistribution()
  const sink = d.sink()
  d.summarize([100, 200])
  const before = JSON.stringify(d.summary())
  await rejectsArilError(t, pipeline(Readable.from([X.subarray(0, 10), 'x']), sink), { code: 'ERR_INVALID_INPUT' })
  t.equal(JSON.stringify(d.summary()), before, 'rows summarized before its first chunk stay')
  await pipeline(Readable.from(chunks(1000)), d.sink({ update: false }))
  d.clearSummaries()
  t.same(d.fit(X).parameters, expected)
})

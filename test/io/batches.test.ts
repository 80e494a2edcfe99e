import t from 'tap'
import { Duplex, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { toBatches, type ToBatchesOptions } from '../../lib/io/batches.js'
import { assertArilError, randomChunks, rejectsArilError } from '../helpers.js'
import { collect, rejection, rows } from './sources.js'

const group = async (values: unknown[], options?: ToBatchesOptions): Promise<Batch[]> => collect(Readable.from(values).pipe(toBatches(options)))
const groupError = async (values: unknown[], options?: ToBatchesOptions): Promise<unknown> => rejection(group(values, options))

t.test('numbers, arrays, typed arrays and objects grouped into Batches of rowsPerBatch rows', async t => {
  const numbers = await group([1, 2, NaN, 4, 5], { rowsPerBatch: 2 })
  t.same(numbers.map(b => [b.rows, b.cols]), [[2, 1], [2, 1], [1, 1]])
  t.same(rows(numbers).data, [1, 2, NaN, 4, 5])
  t.same(rows(await group([[1, 2], [3, 4]])).data, [1, 2, 3, 4])
  t.same(rows(await group([Float64Array.of(1, 2), Float32Array.of(3, 4)], { select: [1] })).data, [2, 4])
  t.same(rows(await group([{ x: 1, w: 2, g: 'a' }, { x: 3, w: 1, g: 'b' }, { w: 5 }], { weight: 'w', categorical: ['g'] })),
    { data: [1, NaN, 3, NaN, NaN, NaN], weights: [2, 1, 5], categories: [undefined, ['a', 'b', null]] })
  t.same(rows(await group([[0, 1.5], [1, 2.5], ['', 3]], { label: 0 })), { data: [1.5, 2.5, 3], labels: [0, 1, NaN] })
  t.same(rows(await group(['3', ' 4 ', 'NaN', '', '1e400'])).data, [3, 4, NaN, NaN, Infinity], 'numeric strings are numbers')
  t.same(await group([]), [], 'no rows: no Batch')
})

t.test('any grouping of the same rows gives the same rows; the Batches own their memory', async t => {
  const values = Array.from({ length: 1000 }, (_, i) => [i, i / 7, (i % 3) / 2])
  const expected = rows(await group(values, { weight: 2, rowsPerBatch: 1000 }))
  for (const size of [1, 7, 999]) {
    const batches = await group(values, { weight: 2, rowsPerBatch: size })
    t.same(rows(batches), expected, `rowsPerBatch ${size}`)
    t.ok(batches.every((b, i) => i === batches.length - 1 || b.rows === size))
  }
  const [a, b] = await group([[1], [2]], { rowsPerBatch: 1 })
  t.not(a!.data.buffer, b!.data.buffer, 'each Batch has its own buffer')
})

t.test('errors: code, row and column', async t => {
  t.match(await groupError([[1, 2], [3, 'x']]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 1 })
  t.match(await groupError([{ a: 1 }, { a: {} }]), { code: 'ERR_NOT_NUMERIC', row: 1, column: 'a' })
  t.match(await groupError([{ a: 1, w: 1 }, { a: 1, w: Infinity }], { weight: 'w' }), { code: 'ERR_NOT_NUMERIC', row: 1, column: 'w' })
  t.match(await groupError([[1, 2], [3]]), { code: 'ERR_RAGGED_ROWS', row: 1 })
  t.match(await groupError([[1, 2], 3]), { code: 'ERR_RAGGED_ROWS', row: 1 })
  t.match(await groupError([true]), { code: 'ERR_NOT_NUMERIC', row: 0, column: 0 })
  t.match(await groupError([[]]), { code: 'ERR_INVALID_OPTION', message: /at least one column/ })
  t.match(await groupError([[1, 2]], { select: [2] }), { code: 'ERR_INVALID_OPTION', message: /below 2/ })
  for (const options of [{ rowsPerBatch: 2 ** 25 }, { select: [1.5] }, { weight: null }, { labels: 1 }, { categorical: [0, 0] }]) {
    assertArilError(t, () => toBatches(options as ToBatchesOptions), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(options))
  }
  const stream = Readable.from([[1, 1], [2, 'x'], [3, -1], ['y', 1], [4, 2]]).pipe(toBatches({ weight: 1, onInvalid: 'skip-row', rowsPerBatch: 1 }))
  let reported = 0
  stream.on('skipped', (n: number) => { reported = n })
  t.same(rows(await collect(stream)), { data: [1, 4], weights: [1, 2] })
  t.equal(stream.skippedRows, 3)
  t.equal(reported, 3)
})

t.test('abort: the stream fails with ERR_ABORTED', async t => {
  const controller = new AbortController()
  const source = Readable.from((function * () { for (let i = 0; ; i++) yield i })())
  const stream = source.pipe(toBatches({ rowsPerBatch: 100, signal: controller.signal }))
  let seen = 0
  await rejectsArilError(t, (async () => {
    for await (const _ of stream) if (++seen === 3) controller.abort(new Error('enough'))
  })(), { code: 'ERR_ABORTED', cause: { message: 'enough' } })
  t.ok(stream.destroyed)
  source.destroy()
})

t.test('a NormalDistribution fitted through toBatches equals the one fitted in memory, bit for bit', async t => {
  const random = new Random(3)
  const x = Array.from({ length: 5000 }, () => random.gamma(2))
  const w = Array.from({ length: 5000 }, () => random.uniform() * 2)
  const expected = new NormalDistribution().fit(x, { weights: w }).parameters
  const objects = x.map((v, i) => ({ value: v, weight: w[i] }))
  for (const seed of [1, 2]) {
    const d = new NormalDistribution()
    const [size] = randomChunks(5000, seed, 3000)
    await pipeline(Readable.from(objects), toBatches({ weight: 'weight', rowsPerBatch: size }), d.sink())
    t.same(d.parameters, expected, `pipeline, ${size} rows per Batch`)
  }
  const web = Duplex.toWeb(toBatches({ weight: 'weight' }))
  const fed = Readable.toWeb(Readable.from(objects)).pipeTo(web.writable)
  t.same((await new NormalDistribution().fitStream(web.readable)).parameters, expected, 'Web streams')
  await fed
  const looped = new NormalDistribution()
  for await (const batch of Readable.from(x).pipe(toBatches({ rowsPerBatch: 1024 }))) looped.summarize(batch as Batch, { weights: undefined })
  t.same(looped.fromSummaries().parameters, new NormalDistribution().fit(x).parameters, 'for await, unweighted numbers')
})

t.test('maxColumns, own fields only, and the number grammar for strings (issue 9)', async t => {
  t.match(await groupError([[1, 2, 3]], { maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', row: 0 })
  t.same(rows(await group([{ x: 1 }, { x: 2, toString: 3 }], { select: ['x', 'toString'] })).data, [1, NaN, 2, 3], 'toString of a row without one is missing')
  class Row { constructor (readonly a: number) {} get b (): number { return this.a * 2 } }
  t.same(rows(await group([new Row(1), new Row(2)], { select: ['a', 'b'] })).data, [1, 2, 2, 4], 'other inherited fields (getters) are still read')
  t.match(await groupError(['1', '0x10']), { code: 'ERR_NOT_NUMERIC', row: 1, column: 0 })
})

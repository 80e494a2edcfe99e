import t from 'tap'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, formatCsv, formatNdjson, readCsv, readNdjson, writeCsv, writeNdjson, type Batch } from '../../lib/index.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-write-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

async function collect (batches: unknown[], transform: NodeJS.ReadWriteStream): Promise<string> {
  let text = ''
  await pipeline(Readable.from(batches), transform, async function * (source: AsyncIterable<Buffer | string>) { for await (const c of source) text += String(c) })
  return text
}

async function readAll (stream: AsyncIterable<unknown>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of stream) out.push(b as Batch)
  return out
}

// Values whose shortest form has 17 digits, a subnormal, a huge one, negative zero and a missing value.
const values = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -0, NaN, -123.456, 1e21]
const batch: Batch = { data: Float64Array.from(values), rows: 4, cols: 2, weights: Float64Array.of(1, 2, 0.5, 3), labels: Float64Array.of(0, 1, NaN, 1) }

t.test('formatCsv: a header, shortest round-trip numbers, empty cells for NaN', async t => {
  const text = await collect([batch], formatCsv({ columns: ['a', 'b'] }))
  t.equal(text, 'a,b\n0.30000000000000004,0.3333333333333333\n5e-324,1.7976931348623157e+308\n0,\n-123.456,1e+21\n')
  t.equal(await collect([batch], formatCsv({ header: false, delimiter: ';', weight: 'w', label: 'y' })), '0.30000000000000004;0.3333333333333333;1;0\n5e-324;1.7976931348623157e+308;2;1\n0;;0.5;\n-123.456;1e+21;3;1\n', 'weights and labels columns')
  t.equal(await collect([[1, 2], [[3]]], formatCsv()), 'x0\n1\n2\n3\n', 'default names; arrays and rows are batches too')
})

t.test('writeCsv → readCsv gives the same bits', async t => {
  const path = join(dir, 'x.csv')
  await pipeline(Readable.from([batch, batch]), writeCsv(path, { columns: ['a', 'b'], weight: 'w' }))
  const [back] = await readAll(readCsv(path, { columns: true, weight: 'w', rowsPerBatch: 100 }))
  t.same(Array.from(back!.data), [...values, ...values].map(v => Object.is(v, -0) ? 0 : v), 'every value (−0 is written as 0, as String does)')
  t.same(Array.from(back!.weights!), [1, 2, 0.5, 3, 1, 2, 0.5, 3])
})

t.test('categorical values are written as they are, quoted when they would read otherwise', async t => {
  const mixed: Batch = { data: Float64Array.of(1, NaN, 2, NaN, 3, 7, 4, NaN, 5, NaN), rows: 5, cols: 2, categories: [undefined, ['red', '12', 'a,b', 'say "hi"', null]] }
  const text = await collect([mixed], formatCsv({ columns: ['x', 'color'] }))
  t.equal(text, 'x,color\n1,red\n2,"12"\n3,"a,b"\n4,"say ""hi"""\n5,\n')
  const ndjson = await collect([mixed], formatNdjson({ columns: ['x', 'color'] }))
  t.equal(ndjson, '{"x":1,"color":"red"}\n{"x":2,"color":"12"}\n{"x":3,"color":"a,b"}\n{"x":4,"color":"say \\"hi\\""}\n{"x":5,"color":null}\n')
})

t.test('formatNdjson: a value, an array or an object per line; NaN is null', async t => {
  t.equal(await collect([Float64Array.of(1, NaN, 2.5)], formatNdjson()), '1\nnull\n2.5\n')
  t.equal(await collect([batch], formatNdjson()), '[0.30000000000000004,0.3333333333333333]\n[5e-324,1.7976931348623157e+308]\n[0,null]\n[-123.456,1e+21]\n')
  t.equal(await collect([[[Infinity, 1]]], formatNdjson({ columns: ['a', 'b'] })), '{"a":null,"b":1}\n')
})

t.test('writeNdjson → readNdjson gives the same bits', async t => {
  const path = join(dir, 'x.ndjson')
  await pipeline(Readable.from([batch]), writeNdjson(path))
  const [back] = await readAll(readNdjson(path))
  t.same(Array.from(back!.data), values.map(v => Object.is(v, -0) ? 0 : v))
})

t.test('readCsv → predictStream → writeCsv without user code', async t => {
  const input = join(dir, 'in.csv')
  const X = Float64Array.from({ length: 3000 }, (_, i) => (i % 3) * 10 + Math.sin(i))
  await pipeline(Readable.from([{ data: X, rows: X.length, cols: 1 }]), writeCsv(input, { columns: ['x'] }))
  const model = new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(10, 1), new NormalDistribution(20, 1)])
  const out = join(dir, 'labels.csv')
  await pipeline(readCsv(input, { columns: true }), model.predictStream(), writeCsv(out, { columns: ['class'] }))
  const lines = (await readFile(out, 'utf8')).trimEnd().split('\n')
  t.equal(lines[0], 'class')
  t.same(lines.slice(1).map(Number), Array.from(model.predict(X)))
})

t.test('bad options and bad batches', async t => {
  assertArilError(t, () => formatCsv({ delimiter: '"' }), { code: 'ERR_INVALID_OPTION', message: /delimiter/ })
  assertArilError(t, () => formatCsv({ header: 'yes' as never }), { code: 'ERR_INVALID_OPTION', message: /header/ })
  assertArilError(t, () => formatCsv({ columns: ['a', 'a'] }), { code: 'ERR_INVALID_OPTION', message: /columns/ })
  assertArilError(t, () => formatCsv({ weight: 3 as never }), { code: 'ERR_INVALID_OPTION', message: /weight/ })
  assertArilError(t, () => formatCsv({ colums: ['a'] } as never), { code: 'ERR_INVALID_OPTION', message: /colums/ })
  assertArilError(t, () => formatNdjson(null as never), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => writeCsv('' as never), { code: 'ERR_INVALID_OPTION', message: /path/ })
  await rejectsArilError(t, collect([batch], formatCsv({ columns: ['a'] })), { code: 'ERR_COLUMN_COUNT', row: 0 })
  await rejectsArilError(t, collect([batch], formatNdjson({ columns: ['a'] })), { code: 'ERR_COLUMN_COUNT' })
  await rejectsArilError(t, collect([[1, 2]], formatCsv({ label: 'y' })), { code: 'ERR_INVALID_INPUT', message: /label/ })
  await rejectsArilError(t, collect([5], formatCsv()), { code: 'ERR_INVALID_INPUT' })
})

t.test('a failed write leaves no file; an unwritable path is ERR_SOURCE', async t => {
  const path = join(dir, 'partial.csv')
  await rejectsArilError(t, pipeline(Readable.from([[1, 2], 'oops']), writeCsv(path)), { code: 'ERR_INVALID_INPUT' })
  await t.rejects(stat(path), { code: 'ENOENT' }, 'the partial file is removed')
  await rejectsArilError(t, pipeline(Readable.from([[1]]), writeNdjson(join(dir, 'no', 'such', 'dir.ndjson'))), { code: 'ERR_SOURCE' })
})

import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Duplex, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { parseNdjson, readNdjson, type NdjsonOptions } from '../../lib/io/ndjson.js'
import { assertArilError, randomChunks, rejectsArilError } from '../helpers.js'
import { watched } from '../watchdog.js'
import { collect, parseText, rejection, rows } from './sources.js'

const parse = async (text: string, options?: NdjsonOptions, lengths?: number[]): Promise<Batch[]> => parseText(text, parseNdjson(options), lengths)
const parseError = async (text: string, options?: NdjsonOptions, lengths?: number[]): Promise<unknown> => rejection(parse(text, options, lengths))

t.test('numbers, arrays and objects per line', async t => {
  t.same(rows(await parse('1\n2.5\nnull\n-3e2\n')).data, [1, 2.5, NaN, -300])
  t.same(rows(await parse('[1, 2]\n[3, null]\n["NaN", 4]\n')).data, [1, 2, 3, NaN, NaN, 4])
  t.same(rows(await parse('[1, 2, 0.5]\n[3, 4, 2]\n', { select: [1], weight: 2 })), { data: [2, 4], weights: [0.5, 2] })
  const objects = '{"x": 1, "y": 2, "w": 3, "c": "a"}\n{"y": 5, "x": 4, "w": 1, "c": 7}\n{"w": 0, "extra": true}\n'
  t.same(rows(await parse(objects, { weight: 'w', categorical: ['c'] })), { data: [1, 2, NaN, 4, 5, 7, NaN, NaN, NaN], weights: [3, 1, 0], categories: [undefined, undefined, ['a', 7, null]] })
  t.same(rows(await parse(objects, { select: ['y'], label: 'x' })), { data: [2, 5, NaN], labels: [1, 4, NaN] }, 'missing fields are missing values')
  t.same(rows(await parse('"a"\n"b"\n', { categorical: [0] })).categories, [['a', 'b']], 'strings in a categorical column')
})

t.test('blank lines, CRLF, BOM, no final newline; chunk boundaries anywhere', async t => {
  const text = '\uFEFF{"x": 1.25, "s": "é"}\r\n\r\n   \n\t\r\n{"x": -2, "s": "ü"}\r\n{"x": 3, "s": "x\\ny"}'
  const options: NdjsonOptions = { categorical: ['s'], rowsPerBatch: 2 }
  const whole = await parse(text, options)
  t.same(rows(whole), { data: [1.25, NaN, -2, NaN, 3, NaN], categories: [undefined, ['é', 'ü', 'x\ny']] })
  t.same(whole.map(b => b.rows), [2, 1])
  t.same(await parse(text, options, Array.from(Buffer.from(text), () => 1)), whole, '1-byte chunks')
  for (const seed of [1, 2, 3]) t.same(await parse(text, options, randomChunks(Buffer.byteLength(text), seed, 9)), whole, `random chunks ${seed}`)
  const strings = await collect(Readable.from(['\uFEFF[1,', '2]\n[3,4]\n']).pipe(parseNdjson()))
  t.same(rows(strings).data, [1, 2, 3, 4], 'text chunks, BOM dropped')
  t.same(await parse('\n\n'), [], 'only blank lines')
})

t.test('errors: code, line, row, column', async t => {
  t.match(await parseError('[1, 2]\n[3, 4\n[5, 6]\n'), { code: 'ERR_NDJSON_PARSE', line: 2, cause: { name: 'SyntaxError' } })
  t.match(await parseError('1\n2\n\n{oops}'), { code: 'ERR_NDJSON_PARSE', line: 4 }, 'the last line without newline')
  t.match(await parseError('[1, 2]\n[3, "x"]\n'), { code: 'ERR_JSON_VALUE', line: 2, row: 1, column: 1 })
  t.match(await parseError('{"a": 1}\n{"a": [1]}\n'), { code: 'ERR_JSON_VALUE', line: 2, row: 1, column: 'a' })
  t.match(await parseError('{"a": 1, "w": -1}\n', { weight: 'w' }), { code: 'ERR_JSON_VALUE', line: 1, row: 0, column: 'w' })
  t.match(await parseError('[1, 2]\n[3]\n'), { code: 'ERR_RAGGED_ROWS', line: 2, row: 1 })
  t.match(await parseError('[1, 2]\n{"a": 3}\n'), { code: 'ERR_RAGGED_ROWS', line: 2, row: 1, message: /an array like the first/ })
  t.match(await parseError('{"a": 3}\n[1]\n'), { code: 'ERR_RAGGED_ROWS', line: 2, row: 1, message: /an object like the first/ })
  t.match(await parseError('1\n[1]\n'), { code: 'ERR_RAGGED_ROWS', line: 2, message: /a single value like the first/ })
  t.match(await parseError('true\n'), { code: 'ERR_JSON_VALUE', line: 1, row: 0 })
  t.match(await parseError('{"a": 1}\n', { select: [0] }), { code: 'ERR_INVALID_OPTION', message: /field name/ })
  t.match(await parseError('{"a": 1}\n', { weight: 'a' }), { code: 'ERR_INVALID_OPTION', message: /at least one field/ })
  t.match(await parseError('{"a": 1}\n', { select: ['a'], categorical: ['b'] }), { code: 'ERR_INVALID_OPTION', message: /Option categorical/ })

  const stream = Readable.from(['[1, 1]\n[2, "x"]\n[3, -1]\n[4, 2]\n']).pipe(parseNdjson({ select: [0], weight: 1, onInvalid: 'skip-row' }))
  t.same(rows(await collect(stream)), { data: [1, 4], weights: [1, 2] })
  t.equal(stream.skippedRows, 2)
})

t.test('a NormalDistribution fitted from NDJSON equals the one fitted in memory, bit for bit', async t => {
  const random = new Random(11)
  const x = Array.from({ length: 4000 }, () => random.normal() * 1e-3 - 5)
  const w = Array.from({ length: 4000 }, () => random.uniform() < 0.1 ? 0 : Math.ceil(random.uniform() * 3))
  const text = x.map((v, i) => JSON.stringify(i % 2 === 0 ? { x: v, w: w[i] } : { w: w[i], x: v })).join('\n') + '\n'
  const path = join(t.testdir(), 'data.ndjson')
  writeFileSync(path, text)
  const expected = new NormalDistribution().fit(x, { weights: w }).parameters
  const options: NdjsonOptions = { weight: 'w', rowsPerBatch: 1500 }
  t.same((await new NormalDistribution().fitStream(readNdjson(path, options))).parameters, expected, 'readNdjson + fitStream')
  const piped = new NormalDistribution()
  await pipeline(Readable.from([Buffer.from(text)]), parseNdjson(options), piped.sink())
  t.same(piped.parameters, expected, 'pipeline')
  const web = Duplex.toWeb(parseNdjson(options))
  const fed = Readable.toWeb(Readable.from([Buffer.from(text)])).pipeTo(web.writable)
  t.same((await new NormalDistribution().fitStream(web.readable)).parameters, expected, 'Web streams')
  await fed
  const looped = new NormalDistribution()
  for await (const batch of readNdjson(path, options)) looped.summarize(batch as Batch)
  t.same(looped.fromSummaries().parameters, expected, 'for await')

  await rejectsArilError(t, collect(readNdjson(path, { weight: 'w', signal: AbortSignal.abort() })), { code: 'ERR_ABORTED', file: path })
  const bad = join(t.testdir(), 'bad.ndjson')
  writeFileSync(bad, '1\n2\nthree\n')
  await rejectsArilError(t, collect(readNdjson(bad)), { code: 'ERR_NDJSON_PARSE', line: 3, file: bad })
})

t.test('a 4 MB line in 16-byte chunks is read in linear time (issue 9: quadratic before)', async t => {
  // In a worker under a deadline: the line was joined and searched again for every chunk (minutes here).
  const got = await watched<{ rows: number; length: number }>(new URL('./watched.ts', import.meta.url), 'longNdjsonLine', [4_000_000, 16], 60_000)
  t.same(got, { rows: 1, length: 4_000_000 })
})

t.test('maxLineLength: a longer line is ERR_LIMIT with its line number (issue 9)', async t => {
  const line = (n: number): string => JSON.stringify('x'.repeat(n - 2))
  const text = `"a"\n${line(100)}\n${line(101)}\n`
  t.match(await parseError(text, { categorical: [0], maxLineLength: 100 }), { code: 'ERR_LIMIT', limit: 'maxLineLength', line: 3, message: /Limit maxLineLength = 100 exceeded by a line of more than 100 characters/ })
  t.match(await parseError(text, { categorical: [0], maxLineLength: 100 }, Array.from(Buffer.from(text), () => 7)), { code: 'ERR_LIMIT', limit: 'maxLineLength', line: 3 }, 'in 7-byte chunks')
  t.match(await parseError(`"a"\n${line(101)}`, { categorical: [0], maxLineLength: 100 }), { code: 'ERR_LIMIT', line: 2 }, 'the last line, without a line end')
  t.same(rows(await parse(`${line(100)}\n${line(100)}`, { categorical: [0], maxLineLength: 100 })).categories, [['x'.repeat(98), 'x'.repeat(98)]], '100 characters fit')
  for (const bad of [0, 1.5, '9']) assertArilError(t, () => parseNdjson({ maxLineLength: bad as number }), { code: 'ERR_INVALID_OPTION', message: /Option maxLineLength/ }, String(bad))
})

t.test('fields named like Object.prototype members: missing when absent, kept when present, as in the JSON reader (issue 9)', async t => {
  const text = '{"x": 1, "__proto__": 2}\n{"x": 3}\n'
  const select = ['x', 'toString', '__proto__', 'constructor', 'hasOwnProperty']
  t.same(rows(await parse(text, { select })).data, [1, NaN, 2, NaN, NaN, 3, NaN, NaN, NaN, NaN])
  t.same(rows(await parse(text)).data, [1, 2, 3, NaN], 'a __proto__ field is a column')
  t.same(rows(await parse('{"toString": 5}\n{"valueOf": 1}\n')).data, [5, NaN])
})

t.test('strings in numeric columns follow the text number grammar (issue 9)', async t => {
  t.same(rows(await parse('["1e3", " inf ", "nan", "", null, -0.5]\n')).data, [1000, Infinity, NaN, NaN, NaN, -0.5])
  for (const text of ['"0x10"', '"0b11"', '"1_0"', '" "']) t.match(await parseError(`${text}\n`), { code: 'ERR_JSON_VALUE', line: 1, row: 0, column: 0 }, text)
  t.same(rows(await parse('"0x10"\n"0x20"\n"5"\n5\n"nan"\n', { categorical: [0] })).categories, [['0x10', '0x20', '5', 5, null]], 'a JSON string stays a string as a category')
})

t.test('maxColumns: a row wider than the limit is ERR_LIMIT (issue 9)', async t => {
  t.match(await parseError('[1, 2]\n[1, 2, 3]\n', { maxColumns: 2 }), { code: 'ERR_RAGGED_ROWS', line: 2 }, 'later rows must match the first')
  t.match(await parseError('[1, 2, 3]\n', { maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', line: 1, row: 0 })
  t.match(await parseError('{"a": 1, "b": 2, "c": 3}\n', { maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', line: 1 })
})

import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Duplex, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { parseJson, readJson, type JsonOptions } from '../../lib/io/json.js'
import { assertArilError, randomChunks, rejectsArilError } from '../helpers.js'
import { collect, parseText, rejection, rows } from './sources.js'

const parse = async (text: string, options?: JsonOptions, lengths?: number[]): Promise<Batch[]> => parseText(text, parseJson(options), lengths)
const parseError = async (text: string, options?: JsonOptions, lengths?: number[]): Promise<unknown> => rejection(parse(text, options, lengths))

t.test('a top-level array of numbers, of arrays, of objects', async t => {
  t.same(rows(await parse('[1, 2.5, null, -3e2, "NaN", "Infinity"]')).data, [1, 2.5, NaN, -300, NaN, Infinity])
  t.same(rows(await parse('[[1, 2], [3, null], [4, 5]]', { rowsPerBatch: 2 })).data, [1, 2, 3, NaN, 4, 5])
  t.same(rows(await parse('[[1, 2, 0.5], [3, 4, 2]]', { select: [1], weight: 2 })), { data: [2, 4], weights: [0.5, 2] })
  const objects = '[{"x": 1, "y": 2, "w": 3, "c": "a"}, {"y": 5, "x": 4, "w": 1, "c": 7}, {"w": 0, "extra": {"deep": [1]}}]'
  t.same(rows(await parse('[{"x": 1, "y": 2, "w": 3, "c": "a"}, {"y": 5, "x": 4, "w": 1, "c": 7}, {"w": 0, "c": null}]', { weight: 'w', categorical: ['c'] })),
    { data: [1, 2, NaN, 4, 5, 7, NaN, NaN, NaN], weights: [3, 1, 0], categories: [undefined, undefined, ['a', 7, null]] })
  t.match(await parseError(objects, { select: ['x'] }), { code: 'ERR_JSON_VALUE', row: 2, message: /nested object/ }, 'a nested value in a row')
  t.same(rows(await parse('[{"x": 1, "l": 0}, {"x": 2, "l": 1}, {"x": 3}]', { label: 'l' })), { data: [1, 2, 3], labels: [0, 1, NaN] })
  t.same(rows(await parse('["red", "blue", 3]', { categorical: [0] })).categories, [['red', 'blue', 3]])
  t.same(await parse('[]'), [], 'an empty array: no Batch')
})

t.test('an array under a path; other values are skipped', async t => {
  const text = '{"meta": {"rows": [9, 9], "n": 2}, "data": [{"rows": [8]}], "x": {"data": {"rows": [7]}}, "data": {"skip": [[1]], "rows": [[1, 2], [3, 4]], "after": [5]}}'
  t.same(rows(await parse(text, { path: 'data.rows' })).data, [1, 2, 3, 4])
  t.same(rows(await parse('{"rows": [1, 2], "more": {"rows": [3]}}', { path: 'rows' })).data, [1, 2], 'only the first array at the path')
  t.match(await parseError('{"data": {"rows": 5}}', { path: 'data.rows' }), { code: 'ERR_JSON_VALUE', message: /array at path "data.rows"/ })
  t.match(await parseError('{"a": [1]}'), { code: 'ERR_JSON_VALUE', message: /array at the top level/ })
  t.match(await parseError('[[1, [2]]]'), { code: 'ERR_JSON_VALUE', row: 0, message: /nested array/ })
  assertArilError(t, () => parseJson({ path: 5 as unknown as string }), { code: 'ERR_INVALID_OPTION', message: /Option path/ })
})

t.test('chunk boundaries anywhere: 1-byte and random chunks give the same Batches', async t => {
  const text = '\uFEFF{"data": {"rows": [\r\n  {"x": 1.5e-3, "s": "caf\\u00e9 \\"au\\" lait", "w": 2},\r\n  {"x": -12345.678, "s": "ü", "w": 0.5},\r\n  {"x": null, "s": "", "w": 1}\r\n]}}\r\n'
  const options: JsonOptions = { path: 'data.rows', weight: 'w', categorical: ['s'], rowsPerBatch: 2 }
  const whole = await parse(text, options)
  t.same(rows(whole), { data: [1.5e-3, NaN, -12345.678, NaN, NaN, NaN], weights: [2, 0.5, 1], categories: [undefined, ['café "au" lait', 'ü', null]] })
  t.same(await parse(text, options, Array.from(Buffer.from(text), () => 1)), whole, '1-byte chunks')
  for (const seed of [1, 2, 3]) t.same(await parse(text, options, randomChunks(Buffer.byteLength(text), seed, 11)), whole, `random chunks ${seed}`)
  const strings = await collect(Readable.from(['[[1,', '2],[3', ',4]]']).pipe(parseJson()))
  t.same(rows(strings).data, [1, 2, 3, 4], 'text chunks')
})

t.test('errors: malformed JSON with byte offset and line, bad values with row and column', async t => {
  const text = '[[1, 2],\n [3, 4],\n [5, 6,, 7]]'
  t.match(await parseError(text), { code: 'ERR_JSON_PARSE', byteOffset: 0, line: 1, row: 0, cause: { message: /expected a value/ } }, 'one chunk: located at its start')
  const lengths = [9, 9, 100]
  t.match(await parseError(text, {}, lengths), { code: 'ERR_JSON_PARSE', byteOffset: 18, line: 3, row: 2 }, 'the chunk that fails starts at byte 18, line 3')
  t.match(await parseError('[1, 2'), { code: 'ERR_JSON_PARSE', byteOffset: 5, message: /end of the input/ }, 'cut short')
  t.match(await parseError('[[1, 2], [3, "x"]]'), { code: 'ERR_JSON_VALUE', row: 1, column: 1 })
  t.match(await parseError('[{"a": 1}, {"a": true}]'), { code: 'ERR_JSON_VALUE', row: 1, column: 'a' })
  t.match(await parseError('[[1, 2], [3]]'), { code: 'ERR_RAGGED_ROWS', row: 1 })
  t.match(await parseError('[1, [2]]'), { code: 'ERR_RAGGED_ROWS', row: 1 })
  t.match(await parseError('[true]'), { code: 'ERR_JSON_VALUE', row: 0 })

  const stream = Readable.from(['[[1, 1], [2, "x"], [3, -1], [4, 2]]']).pipe(parseJson({ select: [0], weight: 1, onInvalid: 'skip-row' }))
  t.same(rows(await collect(stream)), { data: [1, 4], weights: [1, 2] })
  t.equal(stream.skippedRows, 2)
})

t.test('readJson: exact location of a syntax error, file name, abort', async t => {
  const dir = t.testdir()
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, '[[1, 2],\n [3, 4],\n [5, 6,, 7]]')
  await rejectsArilError(t, collect(readJson(bad)), { code: 'ERR_JSON_PARSE', line: 3, column: 8, file: bad, message: /expected a value/ })
  const badValue = join(dir, 'bad-value.json')
  writeFileSync(badValue, '[1, "two"]')
  await rejectsArilError(t, collect(readJson(badValue)), { code: 'ERR_JSON_VALUE', row: 1, file: badValue }, 'other errors pass unchanged')
  await rejectsArilError(t, collect(readJson(join(dir, 'none.json'))), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, collect(readJson(badValue, { signal: AbortSignal.abort() })), { code: 'ERR_ABORTED', file: badValue })
})

t.test('a NormalDistribution fitted from JSON equals the one fitted in memory, bit for bit', async t => {
  const random = new Random(5)
  const x = Array.from({ length: 3000 }, () => random.normal() * 1e6 + 1e7)
  const w = Array.from({ length: 3000 }, () => Math.floor(random.uniform() * 4) / 2)
  const text = JSON.stringify({ n: x.length, rows: x.map((v, i) => [i, v, w[i]]) })
  const path = join(t.testdir(), 'data.json')
  writeFileSync(path, text)
  const expected = new NormalDistribution().fit(x, { weights: w }).parameters
  const options: JsonOptions = { path: 'rows', select: [1], weight: 2, rowsPerBatch: 1000 }
  t.same((await new NormalDistribution().fitStream(readJson(path, options))).parameters, expected, 'readJson + fitStream')
  const piped = new NormalDistribution()
  await pipeline(Readable.from([Buffer.from(text)]), parseJson(options), piped.sink())
  t.same(piped.parameters, expected, 'pipeline')
  const web = Duplex.toWeb(parseJson(options))
  const fed = Readable.toWeb(Readable.from([Buffer.from(text)])).pipeTo(web.writable)
  t.same((await new NormalDistribution().fitStream(web.readable)).parameters, expected, 'Web streams')
  await fed
  const looped = new NormalDistribution()
  for await (const batch of readJson(path, options)) looped.summarize(batch as Batch)
  t.same(looped.fromSummaries().parameters, expected, 'for await')
})

t.test('fields named like Object.prototype members: missing when absent, kept when present, as in the NDJSON reader (issue 9)', async t => {
  const text = '[{"x": 1, "__proto__": 2}, {"x": 3}]'
  const select = ['x', 'toString', '__proto__', 'constructor', 'hasOwnProperty']
  t.same(rows(await parse(text, { select })).data, [1, NaN, 2, NaN, NaN, 3, NaN, NaN, NaN, NaN])
  t.same(rows(await parse(text)).data, [1, 2, 3, NaN], 'a __proto__ field is a column (it was dropped)')
  t.same(rows(await parse('[{"toString": 5}, {"valueOf": 1}]')).data, [5, NaN])
})

t.test('strings in numeric columns follow the text number grammar: "0x10" is not 16 (issue 9)', async t => {
  t.same(rows(await parse('[["1e3", " inf ", "nan", "", null, -0.5]]')).data, [1000, Infinity, NaN, NaN, NaN, -0.5])
  for (const text of ['"0x10"', '"0xFF"', '"0b11"', '"0o7"']) t.match(await parseError(`[${text}]`), { code: 'ERR_JSON_VALUE', row: 0, column: 0 }, text)
  t.same(rows(await parse('["0x10", "0x20", "5", 5, "NaN"]', { categorical: [0] })).categories, [['0x10', '0x20', '5', 5, null]])
})

t.test('maxValueLength and maxColumns (issue 9)', async t => {
  const text = `["a", "${'x'.repeat(200)}"]`
  t.match(await parseError(text, { categorical: [0], maxValueLength: 100 }, Array.from({ length: Math.ceil(text.length / 16) }, () => 16)), { code: 'ERR_LIMIT', limit: 'maxValueLength', message: /Limit maxValueLength = 100 exceeded/ })
  t.same(rows(await parse(text, { categorical: [0], maxValueLength: 300 }, Array.from({ length: Math.ceil(text.length / 16) }, () => 16))).categories, [['a', 'x'.repeat(200)]])
  t.match(await parseError('[[1, 2], [1, 2, 3]]', { maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', row: 1 })
  t.match(await parseError('[{"a": 1, "b": 2, "c": 3}]', { maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', row: 0 })
  for (const bad of [0, 2.5]) assertArilError(t, () => parseJson({ maxValueLength: bad }), { code: 'ERR_INVALID_OPTION', message: /Option maxValueLength/ }, String(bad))
})

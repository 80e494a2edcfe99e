import t from 'tap'
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Duplex, Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Batch } from '../../lib/core/batch.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { parse as parseSync } from 'csv-parse/sync'
import { parseCsv, readCsv, type CsvOptions } from '../../lib/io/csv.js'
import { textNumber } from '../../lib/io/text-number.js'
import { Random } from '../../lib/core/random.js'
import { assertArilError, randomChunks, rejectsArilError } from '../helpers.js'
import { collect, parseText, rejection, rows } from './sources.js'

const parse = async (text: string, options?: CsvOptions, lengths?: number[]): Promise<Batch[]> => parseText(text, parseCsv(options), lengths)
const parseError = async (text: string, options?: CsvOptions, lengths?: number[]): Promise<unknown> => rejection(parse(text, options, lengths))

t.test('header, select by name, weight and label columns', async t => {
  const text = 'x,w,y,label\n1,2,3,0\n4.5,0.5,-6,1\n7e2,1,8,\n'
  const batches = await parse(text, { columns: true, select: ['y', 'x'], weight: 'w', label: 'label' })
  t.equal(batches.length, 1)
  t.equal(batches[0]!.cols, 2)
  t.same(rows(batches), { data: [3, 1, -6, 4.5, 8, 700], weights: [2, 0.5, 1], labels: [0, 1, NaN] })
  t.same(rows(await parse(text, { columns: true })).data, [1, 2, 3, 0, 4.5, 0.5, -6, 1, 700, 1, 8, NaN], 'all columns by default')
  t.same(rows(await parse(text, { columns: true, weight: 1 })).data, [1, 3, 0, 4.5, -6, 1, 700, 8, NaN], 'index for the weight, rest by default')
})

t.test('no header: columns by index, or named by the columns option', async t => {
  const text = '1,2,3\n4,5,6\n'
  t.same(rows(await parse(text)).data, [1, 2, 3, 4, 5, 6])
  t.same(rows(await parse(text, { select: [2, 0] })).data, [3, 1, 6, 4])
  t.same(rows(await parse(text, { columns: ['a', 'b', 'c'], select: ['c'], weight: 'b' })), { data: [3, 6], weights: [2, 5] })
  t.same(rows(await parse(text, { columns: false, label: 0 })), { data: [2, 3, 5, 6], labels: [1, 4] })
})

t.test('missing values: empty cells, NaN, blank lines, CRLF, BOM, infinities', async t => {
  const text = '\uFEFFa,b\r\n1,\r\n\r\nNaN,2\r\n,Infinity\r\n-Infinity,1e400\r\n'
  const batches = await parse(text, { columns: true })
  t.same(rows(batches).data, [1, NaN, NaN, 2, NaN, Infinity, -Infinity, Infinity])
  t.same(rows(await parse('a,b\n1,2', { columns: true, select: ['a'] })).data, [1], 'no final newline')
  t.same(await parse('a,b\n', { columns: true }), [], 'a header and no rows: no Batch')
  t.same(await parse(''), [], 'empty input')
})

t.test('quotes, delimiters and quote characters as csv-parse reads them', async t => {
  const text = 'name,x\n"a, b",1\n"say ""hi""",2\n"two\nlines",3\n'
  const batches = await parse(text, { columns: true, categorical: ['name'] })
  t.same(rows(batches), { data: [NaN, 1, NaN, 2, NaN, 3], categories: [['a, b', 'say "hi"', 'two\nlines'], undefined] })
  t.same(rows(await parse("x;y\n'1;5';2\n", { columns: true, delimiter: ';', quote: "'", categorical: ['x'] })).categories, [['1;5'], undefined])
  t.same(rows(await parse('x\t"y\n1\t2\n', { columns: true, delimiter: '\t', quote: false, select: ['"y'] })).data, [2], 'quote: false')
  t.same(rows(await parse('x\n"5"\n', { columns: true })).data, [5], 'a quoted number is a number')
})

t.test('categorical columns keep strings, numbers and missing values', async t => {
  const text = 'c,x\nred,1\n7,2\n,3\nNaN,4\nblue,5\n'
  const batches = await parse(text, { columns: true, categorical: ['c'], rowsPerBatch: 2 })
  t.same(batches.map(b => b.rows), [2, 2, 1])
  t.same(rows(batches), { data: [NaN, 1, 7, 2, NaN, 3, NaN, 4, NaN, 5], categories: [['red', 7, null, null, 'blue'], undefined] })
  t.same(rows(await parse('1,a\n2,b\n', { categorical: [1] })).categories, [undefined, ['a', 'b']], 'by index, without header')
})

t.test('header cells that look like numbers keep their text', async t => {
  const text = '1.0,01,x\n1,2,3\n'
  for (const lengths of [undefined, Array.from(text, () => 1)]) {
    const batches = await parse(text, { columns: true, select: ['01', '1.0'] }, lengths)
    t.same(rows(batches).data, [2, 1])
  }
  await rejectsArilError(t, parse(text, { columns: true, select: ['1'] }), { code: 'ERR_INVALID_OPTION', message: /header "1.0,01,x"/ })
})

t.test('chunk boundaries anywhere: 1-byte and random chunks give the same Batches', async t => {
  const text = 'a,"b c",w\r\n1.5,"x, ""y""",2\r\n,NaN,1\r\n\r\n-3e-2,"multi\r\nline",0.25\r\n4,z,3'
  const options: CsvOptions = { columns: true, categorical: ['b c'], weight: 'w', rowsPerBatch: 2 }
  const whole = await parse(text, options)
  t.same(rows(whole), { data: [1.5, NaN, NaN, NaN, -0.03, NaN, 4, NaN], weights: [2, 1, 0.25, 3], categories: [undefined, ['x, "y"', null, 'multi\r\nline', 'z']] })
  t.same(await parse(text, options, Array.from(Buffer.from(text), () => 1)), whole, '1-byte chunks')
  for (const seed of [1, 2, 3]) t.same(await parse(text, options, randomChunks(Buffer.byteLength(text), seed, 7)), whole, `random chunks ${seed}`)
  const utf8 = 'é,ü\n1,2\n'
  t.same(rows(await parse(utf8, { columns: true, select: ['ü'] }, Array.from(Buffer.from(utf8), () => 1))).data, [2], 'a multi-byte name split')
  const strings = await collect(Readable.from(['a,b\n1', ',2\n3,', '4\n']).pipe(parseCsv({ columns: true })))
  t.same(rows(strings).data, [1, 2, 3, 4], 'strings are accepted as well as bytes')
})

t.test('bad values: ERR_CSV_VALUE with line, row and column; skip-row counts', async t => {
  const text = 'x,y,w\n1,2,1\n3,oops,1\n5,6,-1\n7,8,1\n'
  t.match(await parseError(text, { columns: true }), { code: 'ERR_CSV_VALUE', line: 3, row: 1, column: 'y', message: /Expected a number in column "y", got "oops"/ })
  t.match(await parseError(text, { columns: true, select: ['x'], weight: 'w' }), { code: 'ERR_CSV_VALUE', line: 4, row: 2, column: 'w', message: /weight >= 0, got "-1"/ })
  t.match(await parseError('1,a\n', {}), { code: 'ERR_CSV_VALUE', line: 1, row: 0, column: 1 }, 'without header the column is an index')
  t.match(await parseError('x,l\n1,cat\n', { columns: true, label: 'l' }), { code: 'ERR_CSV_VALUE', line: 2, column: 'l', message: /numeric label/ })

  const stream = Readable.from([text]).pipe(parseCsv({ columns: true, select: ['x', 'y'], weight: 'w', onInvalid: 'skip-row' }))
  let reported: number | undefined
  stream.on('skipped', (n: number) => { reported = n })
  const batches = await collect(stream)
  t.same(rows(batches), { data: [1, 2, 7, 8], weights: [1, 1] })
  t.equal(stream.skippedRows, 2)
  t.equal(reported, 2, "'skipped' event with the count")
  const clean = parseCsv({ onInvalid: 'skip-row' })
  let events = 0
  clean.on('skipped', () => { events++ })
  await collect(Readable.from(['1\n2\n']).pipe(clean))
  t.equal(events, 0, "no 'skipped' event when nothing was skipped")
  const labels = Readable.from(['x,l\n1,a\n2,1\n3,\n']).pipe(parseCsv({ columns: true, label: 'l', onInvalid: 'skip-row', categorical: ['x'] }))
  t.same(rows(await collect(labels)), { data: [2, 3], labels: [1, NaN], categories: [[2, 3]] })
  t.equal(labels.skippedRows, 1)
  const weights = Readable.from(['1,x\n2,3\n']).pipe(parseCsv({ weight: 1, onInvalid: 'skip-row' }))
  t.same(rows(await collect(weights)), { data: [2], weights: [3] })
})

t.test('wrong column counts: ERR_CSV_COLUMN with line', async t => {
  t.match(await parseError('a,b\n1,2\n3\n', { columns: true }), { code: 'ERR_CSV_COLUMN', line: 3 })
  t.match(await parseError('1,2\n3,4,5\n'), { code: 'ERR_CSV_COLUMN', line: 2 })
  t.match(await parseError('\n1,2\n', { columns: ['a', 'b', 'c'] }), { code: 'ERR_CSV_COLUMN', line: 2, message: /Expected 3 columns \(option columns\), got 2/ })
})

t.test('csv-parse errors: ERR_CSV_PARSE with line and cause', async t => {
  const err = await parseError('a,b\n1,2\n3,"4\n', { columns: true })
  t.match(err, { code: 'ERR_CSV_PARSE', line: 3, cause: { code: 'CSV_QUOTE_NOT_CLOSED' } })
  t.match(await parseError('a,b\n1,"2"x\n', { columns: true }), { code: 'ERR_CSV_PARSE', line: 2, cause: { code: 'CSV_INVALID_CLOSING_QUOTE' } })
  t.match(await parseError('a,b\n1,2\n3,4\n', { select: [5] }), { code: 'ERR_INVALID_OPTION', message: /select/ }, 'a column beyond the row')
})

t.test('options are checked at once: ERR_INVALID_OPTION naming the option', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [{ columns: 'yes' }, /Option columns/],
    [{ columns: ['a', 'a'] }, /Option columns/],
    [{ delimiter: '' }, /Option delimiter/],
    [{ quote: 'ab' }, /Option quote/],
    [{ quote: ',' }, /Option quote/],
    [{ select: [] }, /Option select/],
    [{ select: [-1] }, /Option select/],
    [{ select: 'x' }, /Option select/],
    [{ select: ['a', 'a'] }, /Option select/],
    [{ select: ['a'], weight: 'a' }, /Option select/],
    [{ weight: 1.5 }, /Option weight/],
    [{ label: 'w', weight: 'w' }, /Option label/],
    [{ rowsPerBatch: 0 }, /Option rowsPerBatch/],
    [{ rowsPerBatch: 1.5 }, /Option rowsPerBatch/],
    [{ onInvalid: 'ignore' }, /Option onInvalid/],
    [{ categorical: 'x' }, /Option categorical/],
    [{ colums: true }, /parseCsv: unknown option "colums" \(did you mean "columns"\?\)/],
    [{ signal: 'stop' }, /Option signal/],
    ['options', /Option options/]
  ]
  for (const [options, message] of bad) assertArilError(t, () => parseCsv(options as CsvOptions), { code: 'ERR_INVALID_OPTION', message }, String(message))
  const lateChecks: Array<[CsvOptions, string, RegExp]> = [
    [{ columns: true, select: ['nope'] }, 'a,b\n1,2\n', /Option select/],
    [{ select: ['a'] }, '1,2\n', /no header/],
    [{ columns: true, categorical: ['b'], select: ['a'] }, 'a,b\n1,2\n', /Option categorical/],
    [{ columns: true, weight: 'a', select: [0] }, 'a,b\n1,2\n', /Option select/],
    [{ columns: true, weight: 'a', label: 'b' }, 'a,b\n1,2\n', /at least one column/]
  ]
  for (const [options, text, message] of lateChecks) t.match(await parseError(text, options), { code: 'ERR_INVALID_OPTION', message }, String(message))
})

/** Random doubles written with `String(x)`, which reads back to the same double. */
function sample (n: number, seed: number): { x: number[]; w: number[]; text: string } {
  const random = new Random(seed)
  const x = Array.from({ length: n }, () => random.normal() * 3 + 1e3)
  const w = Array.from({ length: n }, () => Math.floor(random.uniform() * 5) / 4)
  return { x, w, text: 'id,x,w\n' + x.map((v, i) => `${i},${v},${w[i]}`).join('\n') + '\n' }
}

t.test('a NormalDistribution fitted from CSV equals the one fitted in memory, bit for bit', async t => {
  const { x, w, text } = sample(5000, 7)
  const path = join(t.testdir(), 'data.csv')
  writeFileSync(path, text)
  const options: CsvOptions = { columns: true, select: ['x'], weight: 'w', rowsPerBatch: 777 }
  const expected = new NormalDistribution().fit(x, { weights: w }).parameters

  t.same((await new NormalDistribution().fitStream(readCsv(path, options))).parameters, expected, 'readCsv + fitStream')
  const piped = new NormalDistribution()
  await pipeline(Readable.from(randomChunks(text.length, 3, 999).map((k, i, all) => text.slice(all.slice(0, i).reduce((a, b) => a + b, 0), all.slice(0, i + 1).reduce((a, b) => a + b, 0)))), parseCsv(options), piped.sink())
  t.same(piped.parameters, expected, 'pipeline with random text chunks')
  const web = Duplex.toWeb(parseCsv(options))
  const fed = Readable.toWeb(Readable.from([Buffer.from(text)])).pipeTo(web.writable)
  const viaWeb = await new NormalDistribution().fitStream(web.readable)
  await fed
  t.same(viaWeb.parameters, expected, 'Web streams: ReadableStream of bytes through Duplex.toWeb')
  const sunk = new NormalDistribution()
  await Readable.toWeb(readCsv(path, options)).pipeTo(Writable.toWeb(sunk.sink()))
  t.same(sunk.parameters, expected, 'Readable.toWeb(readCsv) into Writable.toWeb(sink)')
  const looped = new NormalDistribution()
  for await (const batch of readCsv(path, options)) looped.summarize(batch as Batch)
  t.same(looped.fromSummaries().parameters, expected, 'for await')
})

/** Waits (up to 2 s) until no file descriptor of this process is open on `path` (Linux); returns how many are. */
async function openAfterClose (path: string): Promise<number> {
  for (let i = 0; i < 200 && openOn(path) > 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
  return openOn(path)
}

function openOn (path: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++
    } catch {}
  }
  return n
}

t.test('readCsv: abort and destroy release the file; a missing file is ERR_SOURCE', async t => {
  const dir = t.testdir()
  const path = join(dir, 'big.csv')
  writeFileSync(path, sample(200_000, 1).text)
  const controller = new AbortController()
  const stream = readCsv(path, { columns: true, select: ['x'], rowsPerBatch: 1000, signal: controller.signal })
  let seen = 0
  await rejectsArilError(t, (async () => {
    for await (const _ of stream) {
      if (++seen === 2) controller.abort()
    }
  })(), { code: 'ERR_ABORTED', file: path })
  t.equal(await openAfterClose(path), 0, 'file closed after abort')

  const early = new AbortController()
  early.abort()
  await rejectsArilError(t, collect(readCsv(path, { signal: early.signal })), { code: 'ERR_ABORTED' }, 'already aborted')

  const broken = readCsv(path, { columns: true })
  for await (const _ of broken) break
  t.equal(await openAfterClose(path), 0, 'file closed after break')
  await rejectsArilError(t, collect(readCsv(join(dir, 'nope.csv'))), { code: 'ERR_SOURCE', file: /nope\.csv$/ })
  await rejectsArilError(t, collect(readCsv(path, { columns: true, select: ['id', 'x', 'w'], onInvalid: 'error', rowsPerBatch: 10, label: 'nope' })), { code: 'ERR_INVALID_OPTION' })
  const bad = join(dir, 'bad.csv')
  writeFileSync(bad, 'a\n1\nx\n')
  await rejectsArilError(t, collect(readCsv(bad, { columns: true })), { code: 'ERR_CSV_VALUE', line: 3, row: 1, column: 'a', file: bad })
  assertArilError(t, () => readCsv(42 as unknown as string), { code: 'ERR_INVALID_OPTION', message: /path/ })
})

t.test('one number grammar: 0x10, 0b11, 0o7 are not numbers; inf, nan and padded numbers are (issue 9)', async t => {
  // What both Python's float() and numpy.loadtxt read (test/io/text-number.test.ts checks the grammar itself).
  for (const cell of ['0x10', '0xFF', '0b11', '0o7', '1_000', '0x', '\uFEFF5']) {
    t.match(await parseError(`a,b\n1,2\n3,${cell}\n`, { columns: true }), { code: 'ERR_CSV_VALUE', line: 3, row: 1, column: 'b' }, `${JSON.stringify(cell)} is not a number`)
  }
  const numbers = await parse('x\n inf\n-Infinity\nINFINITY\nnan\n-NaN\n 1e3 \n.5\n"\t7\t"\n', { columns: true })
  t.same(rows(numbers).data, [Infinity, -Infinity, Infinity, NaN, NaN, 1000, 0.5, 7])
  const keys = await parse('c\n0x10\n0x20\n0b11\n07\n7.0\nnan\n\n"0o7 "\n', { columns: true, categorical: ['c'] })
  t.same(rows(keys).categories, [['0x10', '0x20', '0b11', 7, 7, null, '0o7 ']], 'categories: a number is a number key, anything else its own text')
})

t.test('maxColumns: a row of 2^20 + 1 cells is ERR_LIMIT, one of 2^20 cells is read (issue 9)', async t => {
  const wide = (n: number): string => '1,'.repeat(n - 1) + '1\n'
  t.match(await parseError(wide(2 ** 20 + 1)), { code: 'ERR_LIMIT', limit: 'maxColumns', line: 1, message: /Limit maxColumns = 1048576 exceeded by a row of more than 1048576 cells/ })
  // A Batch of such rows holds 16 of them (2^24 values), not 8192 (2^33 values: 'Invalid typed array length').
  const batches = await parse(wide(2 ** 20))
  t.same(batches.map(b => [b.rows, b.cols]), [[1, 2 ** 20]])
  t.ok(batches[0]!.data.every(x => x === 1))
  // Counted while a record grows: a record of many short cells is refused before it ends.
  t.match(await parseError('1,'.repeat(200000), { maxColumns: 1000 }), { code: 'ERR_LIMIT', limit: 'maxColumns', line: 1 })
  t.match(await parseError('a,b,c\n1,2,3\n', { columns: true, maxColumns: 2 }), { code: 'ERR_LIMIT', limit: 'maxColumns', line: 1 }, 'the header counts')
  for (const bad of [0, 2 ** 24 + 1, 1.5, '10']) assertArilError(t, () => parseCsv({ maxColumns: bad as number }), { code: 'ERR_INVALID_OPTION', message: /Option maxColumns/ }, String(bad))
})

t.test('maxRecordLength: a 17 MB cell is ERR_LIMIT, not +Infinity after 7 s (issue 9)', async t => {
  const cell = Buffer.alloc(2 ** 24 + 1, '7')
  const chunks: Buffer[] = []
  for (let at = 0; at < cell.length; at += 65536) chunks.push(cell.subarray(at, at + 65536))
  await rejectsArilError(t, collect(Readable.from(chunks).pipe(parseCsv())), { code: 'ERR_LIMIT', limit: 'maxRecordLength', line: 1, message: /raise it with the option maxRecordLength/ })
  t.match(await parseError('x\n1\n' + '2'.repeat(101) + '\n', { columns: true, maxRecordLength: 100 }), { code: 'ERR_LIMIT', limit: 'maxRecordLength', line: 3 })
  t.same(rows(await parse('x,y\n1,' + '2'.repeat(99) + '\n', { columns: true, maxRecordLength: 100 })).data, [1, Number('2'.repeat(99))], '100 characters of cells fit')
  t.match(await parseError('x,y\n1,' + '2'.repeat(100) + '\n', { columns: true, maxRecordLength: 100 }), { code: 'ERR_LIMIT', line: 2 }, '101 do not')
  for (const bad of [0, 1, -1, 1.5]) assertArilError(t, () => parseCsv({ maxRecordLength: bad }), { code: 'ERR_INVALID_OPTION', message: /Option maxRecordLength/ }, String(bad))
})

t.test('the record delimiter is found as csv-parse finds it: CRLF, CR or LF, not inside quotes', async t => {
  const texts = [
    'a,b\r\n1,2\r\n3,4\r\n', 'a,b\r1,2\r3,4\r', 'a,b\n1,2\r\n3,4\n', '"a\nb",c\r\n1,2\r\n', '"a\r\nb",c\r1,2\r', '"x""\n",y\n1,2\n',
    '\n\na,b\r\n1,2', 'a,b\r', 'a\r\r\n1\r', "'q\n',r\r\n5,6\r\n", '1,2', '"1\r\n2"', '"a""b\r",\'c\n\'\r\nd,e\r\n', '\'a"\'\nb"x\',c\r\nd,e\r\n'
  ]
  /** What a categorical column keeps of a cell (the grammar itself is checked in text-number.test.ts). */
  const key = (cell: string): unknown => { const x = textNumber(cell); return x === undefined ? cell : x !== x ? null : x }
  for (const text of texts) {
    for (const quote of ['"', "'"]) {
      let records: string[][]
      try {
        records = parseSync(text, { skip_empty_lines: true, bom: true, quote, relax_column_count: true }) as string[][]
      } catch {
        t.match(await parseError(text, { quote }), { code: 'ERR_CSV_PARSE' }, `${JSON.stringify(text)}, quote ${quote}: refused by csv-parse too`)
        continue
      }
      const width = records[0]!.length
      const categorical = Array.from({ length: width }, (_, i) => i)
      for (const lengths of [undefined, Array.from(Buffer.from(text), () => 1)]) {
        const what = `${JSON.stringify(text)}, quote ${quote}${lengths === undefined ? '' : ', 1-byte chunks'}`
        if (records.some(r => r.length !== width)) {
          t.match(await parseError(text, { quote, categorical }, lengths), { code: 'ERR_CSV_COLUMN' }, what)
          continue
        }
        const { categories } = rows(await parse(text, { quote, categorical }, lengths))
        t.same(records.map((_, r) => (categories as unknown[][]).map(c => c[r])), records.map(r => r.map(key)), what)
      }
    }
  }
  const first = 'x'.repeat(3_000_000) + ',1\r\n' + 'y,2\r\n'
  t.same(rows(await parse(first, { categorical: [0] })), { data: [NaN, 1, NaN, 2], categories: [['x'.repeat(3_000_000), 'y'], undefined] }, 'a first line of 3 MB')
})

/** readCsv / parseCsv: csv-parse's own options passed through, checked like every option. */
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NaiveBayes, NormalDistribution, parseCsv, readCsv, type Batch, type CsvOptions } from '../../lib/index.js'
import { assertArilError, assertClose, fixture } from '../helpers.js'

const WINE = fileURLToPath(new URL('../fixtures/csv/wine_data.csv', import.meta.url))
// scikit-learn 1.2.1 (scripts/fixtures/wine.py): load_wine() and GaussianNB's per-class means
const wine = fixture<{ rows: number; cols: number; classCounts: number[]; classMeans: number[][]; classStds: number[][]; firstRow: number[] }>('wine')

async function parse (text: string, options: CsvOptions): Promise<Batch[]> {
  const out: Batch[] = []
  await pipeline(Readable.from([Buffer.from(text)]), parseCsv(options), async function * (source: AsyncIterable<Batch>) { for await (const b of source) out.push(b) })
  return out
}

t.test("scikit-learn's wine_data.csv: from_line skips its preamble, label: 13 is the class", async t => {
  const batches: Batch[] = []
  for await (const b of readCsv(WINE, { from_line: 2, label: 13 })) batches.push(b)
  const rows = batches.reduce((n, b) => n + b.rows, 0)
  t.equal(rows, wine.rows)
  t.equal(batches[0]!.cols, wine.cols)
  t.same(Array.from(batches[0]!.data.subarray(0, 13)), wine.firstRow)
  const nb = new NaiveBayes(NormalDistribution, 3)
  await nb.fitStream(readCsv(WINE, { fromLine: 2, label: 13 }))
  const json = nb.toJSON() as { models: Array<{ parameters: [Array<{ parameters: [number, number] }>] }> }
  for (let k = 0; k < 3; k++) {
    const columns = json.models[k]!.parameters[0]
    assertClose(t, columns.map(c => c.parameters[0]), wine.classMeans[k]!, 1e-13, `class ${k} means (GaussianNB.theta_)`)
    assertClose(t, columns.map(c => c.parameters[1]), wine.classStds[k]!, 1e-12, `class ${k} standard deviations (numpy std, ddof 0)`)
  }
  t.same(nb.toJSON().weights, wine.classCounts.map(c => c / wine.rows), 'the priors are the class shares')
})

t.test('to_line, from and to cut the rows', async t => {
  const text = 'a,b\n1,2\n3,4\n5,6\n7,8\n'
  t.same(Array.from((await parse(text, { columns: true, to_line: 3 }))[0]!.data), [1, 2, 3, 4])
  t.same(Array.from((await parse(text, { from: 2, to: 3 }))[0]!.data), [1, 2, 3, 4], 'records 2 and 3 (the header line counts as a record without columns)')
})

t.test('comment, trim, escape and record_delimiter', async t => {
  t.same(Array.from((await parse('# made by a logger\nx\n1\n# a note\n2 # inline\n', { columns: true, comment: '#' }))[0]!.data), [1, 2])
  t.same(Array.from((await parse('x, y\n 1 , 2\n', { columns: true, trim: true }))[0]!.data), [1, 2])
  t.same(Array.from((await parse('x,y\n 1,2\n', { columns: true, ltrim: true, rtrim: false }))[0]!.data), [1, 2])
  const escaped = await parse('x,c\n1,"a\\"b"\n', { columns: true, escape: '\\', categorical: ['c'] })
  t.same(escaped[0]!.categories![1], ['a"b'])
  t.same(Array.from((await parse('x;1;2;', { record_delimiter: ';', columns: true }))[0]!.data), [1, 2])
  t.same(Array.from((await parse('x|1||2', { recordDelimiter: ['|', '||'], columns: true }))[0]!.data), [1, 2], 'camelCase and several delimiters')
  t.same(Array.from((await parse('x\n1\n\n2\n', { columns: true, skip_empty_lines: true }))[0]!.data), [1, 2])
})

t.test('relax_column_count pads short rows with missing values and cuts long ones', async t => {
  const [batch] = await parse('a,b,c\n1,2,3\n4,5\n6,7,8,9\n', { columns: true, relax_column_count: true })
  t.same(Array.from(batch!.data), [1, 2, 3, 4, 5, NaN, 6, 7, 8])
  const [named] = await parse('1,2\n3,4,5\n', { columns: ['a', 'b', 'c'], relaxColumnCount: true })
  t.same(Array.from(named!.data), [1, 2, NaN, 3, 4, 5])
  await t.rejects(parse('a,b\n1,2\n3\n', { columns: true }), { code: 'ERR_CSV_COLUMN', message: /relax_column_count/ }, 'without it, the error names the option')
})

t.test('encoding and skip_records_with_error', async t => {
  const [latin] = await parse('x,c\n1,caf\xe9\n', { columns: true, encoding: 'latin1', categorical: ['c'] })
  t.same(latin!.categories![1], ['cafÃ©'], 'the bytes of a UTF-8 é read as latin1')
  const [skipped] = await parse('x,y\n1,2\n"3,4\n', { columns: true, skip_records_with_error: true, relax_quotes: false })
  t.same(Array.from(skipped!.data), [1, 2])
})

t.test('passed options are checked like every option', async t => {
  const bad: Array<[CsvOptions, RegExp]> = [
    [{ from_line: 0 }, /from_line: expected a whole number >= 1, got 0/],
    [{ fromLine: 1.5 }, /fromLine: expected a whole number >= 1/],
    [{ to_line: 1, from_line: 2 }, /to_line: expected a line >= from_line \(2\)/],
    [{ comment: '' }, /comment: expected a non-empty string/],
    [{ trim: 'yes' as never }, /trim: expected true or false/],
    [{ escape: '\\\\' }, /escape: expected one character/],
    [{ record_delimiter: [] as never }, /record_delimiter: expected a non-empty string or an array/],
    [{ encoding: 'klingon' as never }, /encoding: expected a Buffer encoding/],
    [{ from_line: 2, fromLine: 2 }, /fromLine: expected one of from_line and its camelCase form, not both/],
    [{ on_record: () => null } as never, /parseCsv: unknown option "on_record"; valid options: .*from_line/],
    [{ cast: false } as never, /parseCsv: unknown option "cast"/]
  ]
  for (const [options, message] of bad) assertArilError(t, () => parseCsv(options), { code: 'ERR_INVALID_OPTION', message })
})

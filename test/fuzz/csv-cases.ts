/**
 * The CSV fuzz suite, run in a worker by csv.test.ts: generated CSV text (numbers in many
 * spellings, the grammar's edge cases, quoted cells holding delimiters, quotes and line ends,
 * CRLF/LF/CR line ends, blank lines, a BOM, ragged rows) and raw random text, with random options
 * and random chunking. The property: parseCsv ends, throws only ArilErrors, and reads exactly what
 * csv-parse's own sync parser (with plain options: no cast, its own record delimiter discovery)
 * reads, each cell taken by the reference number grammar, or fails where that reading says.
 */
import fc from 'fast-check'
import { parse as parseSync } from 'csv-parse/sync'
import { parseCsv, type CsvOptions } from '../../lib/io/csv.js'
import { referenceNumber } from './reference-number.js'
import { readText, sameList, type TextOutcome } from './text-outcome.js'
import type { FuzzReport } from './settings.js'

const EDGE = ['inf', '-Infinity', 'NAN', 'nan', 'NaN', '', ' ', '0x10', '0b1', '0o7', '1_0', '1e400', '.5', '5.', '-0', '\u00a05', '\ufeff5', ' 7 ', '1e', 'e1', '+', 'x', '1,5', 'a"b', '\r\n', '\n', '"']
const ALPHABET = ['0', '1', '9', '.', 'e', '-', '+', ' ', 'a', 'n', 'i', 'x', ',', ';', '"', "'", '\n', '\r', '\t', 'é', '\u00a0', '|']

const number = fc.oneof(
  fc.double({ noNaN: true }).map(x => String(x)),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(x => x.toExponential(3)),
  fc.integer({ min: -1000, max: 1000 }).map(String)
)
const cell = fc.oneof(
  { weight: 5, arbitrary: number },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...ALPHABET), { maxLength: 6 }).map(a => a.join('')) }
)

interface Case {
  options: CsvOptions
  text: string
  chunks: number[]
}

const csvCase: fc.Arbitrary<Case> = fc.record({
  header: fc.boolean(),
  delimiter: fc.constantFrom(',', ',', ';', '\t', '||'),
  quote: fc.constantFrom<string | false>('"', '"', "'", false),
  eol: fc.constantFrom('\n', '\r\n', '\r', 'mixed'),
  width: fc.integer({ min: 1, max: 4 }),
  rows: fc.array(fc.tuple(fc.array(cell, { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.boolean()), { maxLength: 6 }),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  categorical: fc.constantFrom<number[]>([], [], [0], [1]),
  raw: fc.option(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map(a => a.join('')), { freq: 6 }),
  chunks: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 })
}).map(c => {
  const quote = c.quote
  const field = (text: string, quoted: boolean): string => quoted && quote !== false ? quote + text.split(quote).join(quote + quote) + quote : text
  const eols = ['\n', '\r\n', '\r']
  const lines = c.rows.map(([cells, quoted, ragged], r) => {
    // Mostly rows as wide as the first; sometimes not.
    const width = ragged ? cells.length : c.width
    const row = Array.from({ length: width }, (_, i) => field(cells[i % cells.length]!, quoted[i % 5]!))
    return row.join(c.delimiter) + (r < c.rows.length - 1 || c.finalEol ? (c.eol === 'mixed' ? eols[r % 3]! : c.eol) : '')
  })
  const text = (c.bom ? '\uFEFF' : '') + (c.raw ?? lines.join(''))
  const categorical = c.categorical.filter(i => i < c.width)
  return { options: { columns: c.header, delimiter: c.delimiter, quote: c.quote, categorical }, text, chunks: c.chunks }
})

type Outcome = TextOutcome

/** What aril must read: csv-parse's records, each cell by the reference grammar, or the error it must fail with. */
function expected ({ options, text }: Case): Outcome | { code: 'any CSV error' } {
  let records: string[][]
  try {
    records = parseSync(text, { delimiter: options.delimiter, quote: options.quote, skip_empty_lines: true, bom: true }) as string[][]
  } catch {
    return { code: 'any CSV error' }
  }
  const rows = options.columns === true ? records.slice(1) : records
  const width = records[0]?.length ?? 0
  const categorical = new Set(options.categorical as number[])
  if (records.length > 0 && [...categorical].some(c => c >= width)) return { code: 'ERR_INVALID_OPTION' }
  const data: number[] = []
  const categories: unknown[][] = Array.from({ length: width }, () => [])
  for (const record of rows) {
    for (let c = 0; c < width; c++) {
      const x = referenceNumber(record[c]!)
      if (categorical.has(c)) {
        const key = x === undefined ? record[c] : x !== x ? null : x
        categories[c]!.push(key)
        data.push(typeof key === 'number' ? key : NaN)
      } else {
        if (x === undefined) return { code: 'ERR_CSV_VALUE' }
        data.push(x)
      }
    }
  }
  return { data, categories: categories.filter((_, c) => categorical.has(c)) }
}

/** Runs `runs` cases; throws fast-check's counterexample when the property fails. */
export async function fuzzCsv (runs: number, seed: number, progress: (note: string) => void): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {}
  let n = 0
  await fc.assert(fc.asyncProperty(csvCase, async c => {
    progress(`case ${n++}: ${JSON.stringify(c)}`)
    const want = expected(c)
    const got = await readText(parseCsv(c.options), c.text, c.chunks)
    const key = 'code' in got ? got.code : 'accepted'
    outcomes[key] = (outcomes[key] ?? 0) + 1
    if ('code' in want) {
      if (!('code' in got)) throw new Error(`read what csv-parse and the grammar refuse (${want.code})`)
      // A bad record may come after a bad cell, or after a first record too narrow for the categorical column.
      if (want.code === 'any CSV error') return ['ERR_CSV_PARSE', 'ERR_CSV_COLUMN', 'ERR_CSV_VALUE', 'ERR_INVALID_OPTION'].includes(got.code)
      return got.code === want.code
    }
    if ('code' in got) throw new Error(`refused (${got.code}) what csv-parse reads`)
    if (!sameList(got.data, want.data)) throw new Error(`data ${JSON.stringify(got.data)} instead of ${JSON.stringify(want.data)}`)
    if (!want.categories.every((c, i) => sameList(got.categories[i] ?? [], c))) throw new Error(`categories ${JSON.stringify(got.categories)} instead of ${JSON.stringify(want.categories)}`)
    return true
  }), { numRuns: runs, seed, includeErrorInReport: true })
  return { runs: n, outcomes }
}

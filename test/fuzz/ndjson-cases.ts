/**
 * The NDJSON fuzz suite, run in a worker by ndjson.test.ts: lines of numbers, arrays and objects
 * (fields such as `toString` and `__proto__` included, strings in the grammar's edge spellings,
 * booleans and nested values), blank lines, CRLF line ends, a BOM, lines that are not JSON, in
 * random chunks. The property: parseNdjson ends, throws only ArilErrors, and reads what
 * `JSON.parse` per line reads, mapped to rows by the rules written out here (the first row fixes
 * the kind and the columns; a missing field is missing; strings by the reference number grammar),
 * or fails where they say. When every line is JSON, the same values as one JSON array give
 * parseJson the same outcome: the two readers agree.
 */
import fc from 'fast-check'
import { parseJson } from '../../lib/io/json.js'
import { parseNdjson, type NdjsonOptions } from '../../lib/io/ndjson.js'
import { referenceNumber } from './reference-number.js'
import { readText, sameList, type TextOutcome } from './text-outcome.js'
import type { FuzzReport } from './settings.js'

const FIELDS = ['x', 'y', 'toString', '__proto__', 'constructor', 'valueOf', 'hasOwnProperty', 'é']
const STRINGS = ['1', ' 2 ', '-inf', 'NaN', 'nan', '', '0x10', '1e400', 'red', '1_0', '\u00a03', '\ufeff3']

const cell: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 3, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, [1], { a: 1 }) }
)
type Kind = 'array' | 'object' | 'value'
const rowOf = (kind: Kind, width: number): fc.Arbitrary<unknown> => kind === 'array'
  ? fc.array(cell, { minLength: width, maxLength: width })
  : kind === 'object' ? fc.dictionary(fc.constantFrom(...FIELDS), cell, { minKeys: 1, maxKeys: 3 }) : cell
/** Rows of one kind (one width), now and then a row of another, a blank line or a line that is not JSON. */
const lineOf = (kind: Kind, width: number): fc.Arbitrary<string> => fc.oneof(
  { weight: 16, arbitrary: rowOf(kind, width).map(v => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom<Kind>('array', 'object', 'value').chain(k => rowOf(k, 1 + (width % 3))).map(v => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', '\t', '1e400', '{"x": 1e999}', '{"__proto__": 5, "x": 1}') },
  { weight: 1, arbitrary: fc.constantFrom('{oops}', '[1,', 'nan', "'a'", '0x10', '\u00a0') }
)
const OPTIONS: Record<Kind, NdjsonOptions[]> = {
  array: [{}, { categorical: [0] }],
  object: [{}, { categorical: ['x'] }, { select: ['x', 'toString', '__proto__'] }, { select: ['y'], categorical: ['y'] }],
  value: [{}, { categorical: [0] }]
}

interface Case {
  lines: string[]
  crlf: boolean
  bom: boolean
  finalEol: boolean
  options: NdjsonOptions
  chunks: number[]
}

const ndjsonCase: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom<Kind>('array', 'object', 'value'), fc.integer({ min: 1, max: 3 })).chain(([kind, width]) => fc.record({
  lines: fc.array(lineOf(kind, width), { maxLength: 8 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  options: fc.constantFrom(...OPTIONS[kind]),
  chunks: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 })
}))

type Outcome = TextOutcome

const KIND = (v: unknown): string => Array.isArray(v) ? 'array' : typeof v === 'object' && v !== null ? 'object' : 'value'

/** Rows by the documented rules, or the code of the first error they run into. */
function expected (values: unknown[], options: NdjsonOptions): Outcome {
  if (values.length === 0) return { data: [], categories: [] }
  const kind = KIND(values[0])
  let columns: Array<string | number>
  if (kind === 'object') {
    if ((options.select ?? []).some(k => typeof k === 'number') || (options.categorical ?? []).some(k => typeof k === 'number')) return { code: 'ERR_INVALID_OPTION' }
    columns = options.select === undefined ? Object.keys(values[0] as object) : [...options.select]
  } else {
    if ((options.select ?? []).some(k => typeof k === 'string') || (options.categorical ?? []).some(k => typeof k === 'string')) return { code: 'ERR_INVALID_OPTION' }
    const width = kind === 'array' ? (values[0] as unknown[]).length : 1
    columns = Array.from({ length: width }, (_, i) => i)
  }
  const categorical = new Set(options.categorical ?? [])
  if ([...categorical].some(k => !columns.includes(k))) return { code: 'ERR_INVALID_OPTION' }
  const data: number[] = []
  const categories: unknown[][] = columns.filter(k => categorical.has(k)).map(() => [])
  for (const value of values) {
    if (KIND(value) !== kind) return { code: 'ERR_RAGGED_ROWS' }
    if (kind === 'array' && (value as unknown[]).length !== columns.length) return { code: 'ERR_RAGGED_ROWS' }
    let k = 0
    for (const column of columns) {
      const v = kind === 'object' ? (Object.hasOwn(value as object, column) ? (value as Record<string, unknown>)[column] : undefined) : kind === 'array' ? (value as unknown[])[column as number] : value
      const x = typeof v === 'number' ? v : typeof v === 'string' ? referenceNumber(v) : v === null || v === undefined ? NaN : undefined
      if (categorical.has(column)) {
        const key = typeof v === 'string' ? (x !== x ? null : v) : typeof v === 'number' ? v : v === null || v === undefined ? null : undefined
        if (key === undefined) return { code: 'ERR_JSON_VALUE' }
        categories[k++]!.push(key)
        data.push(typeof key === 'number' ? key : NaN)
      } else {
        if (x === undefined) return { code: 'ERR_JSON_VALUE' }
        data.push(x)
      }
    }
  }
  return { data, categories }
}

/** `anyError`: the reader may fail with another code (the JSON reader refuses a nested value as it reads it, before other checks). */
function check (got: Outcome, want: Outcome, reader: string, anyError = false): void {
  if ('code' in want || 'code' in got) {
    if (!('code' in want) || !('code' in got) || (got.code !== want.code && !anyError)) throw new Error(`${reader}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`)
    return
  }
  if (!sameList(got.data, want.data)) throw new Error(`${reader}: data ${JSON.stringify(got.data)} instead of ${JSON.stringify(want.data)}`)
  if (got.categories.length !== want.categories.length || !want.categories.every((c, i) => sameList(got.categories[i]!, c))) {
    throw new Error(`${reader}: categories ${JSON.stringify(got.categories)} instead of ${JSON.stringify(want.categories)}`)
  }
}

/** Runs `runs` cases; throws fast-check's counterexample when the property fails. */
export async function fuzzNdjson (runs: number, seed: number, progress: (note: string) => void): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {}
  let n = 0
  await fc.assert(fc.asyncProperty(ndjsonCase, async c => {
    progress(`case ${n++}: ${JSON.stringify(c)}`)
    const text = (c.bom ? '\uFEFF' : '') + c.lines.join(c.crlf ? '\r\n' : '\n') + (c.finalEol ? '\n' : '')
    // The reference: JSON.parse per line; a line that is not JSON is an error unless it is blank.
    const values: unknown[] = []
    const texts: string[] = []
    let want: Outcome | undefined
    for (const l of text.replace(/^\uFEFF/, '').split('\n')) {
      try {
        values.push(JSON.parse(l))
        texts.push(l)
      } catch {
        if (l.trim() !== '') {
          want = expected(values, c.options)
          if (!('code' in want)) want = { code: 'ERR_NDJSON_PARSE' }
          break
        }
      }
    }
    want ??= expected(values, c.options)
    const got = await readText(parseNdjson(c.options), text, c.chunks)
    const key = 'code' in got ? got.code : 'accepted'
    outcomes[key] = (outcomes[key] ?? 0) + 1
    check(got, want, 'parseNdjson')
    if (!('code' in want) || want.code !== 'ERR_NDJSON_PARSE') {
      // The JSON reader refuses a nested value in a row as it reads it, even in a field not read (by design).
      const nested = values.some(v => typeof v === 'object' && v !== null && Object.values(v).some(x => typeof x === 'object' && x !== null))
      check(await readText(parseJson(c.options), '[' + texts.join(',') + ']', c.chunks), nested ? { code: 'ERR_JSON_VALUE' } : want, 'parseJson', true)
    }
    return true
  }), { numRuns: runs, seed, includeErrorInReport: true })
  return { runs: n, outcomes }
}

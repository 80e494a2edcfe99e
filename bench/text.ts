/**
 * Text sources: what aril's parsers cost over the bare parser they are built on.
 *
 * Compared, on the same bytes held in memory (64 KiB Buffers, so disk speed does not count), rows
 * per CPU second:
 * - `parseCsv()` vs csv-parse 6 alone (its stream, same options: `cast: true`, blank lines
 *   skipped), and vs csv-parse's state machine driven directly (the floor aril builds on);
 * - `parseNdjson()` vs splitting lines + `JSON.parse` per line alone;
 * - `parseJson()` vs stream-json 3 alone (`parser()` + `streamArray()`, its documented usage), and
 *   vs its bare tokenizer called on each chunk with every number token converted by `Number()`
 *   (the floor aril builds on).
 * Every consumer touches each row (sums one column), so no side does less work than the other.
 *
 * Data: 1e6 rows × 3 columns of random doubles (printed with up to 17 digits, as `String(x)`
 * does) written once to data/bench/ (git-ignored) as CSV and NDJSON (arrays per line); the JSON
 * comparison uses the first 2e5 rows as one array of arrays (stream-json is ~10× slower).
 * Contenders run interleaved, 3 times each (BENCH_RUNS=n for more); each figure is the cheapest
 * run in CPU time. Overhead = aril's CPU time ÷ the bare parser's − 1 (goal: <= 15%). On a busy
 * machine single figures still move by ±10%; run it twice before believing a difference that small.
 *
 * Run: `node --import tsx bench/text.ts` (about 40 s), or `run()` from bench/index.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { Parser, parse as csvParse } from 'csv-parse'
import { none } from 'stream-chain/defs.js'
import { jsonParser, parser as jsonTokens } from 'stream-json/parser.js'
import { streamArray } from 'stream-json/streamers/stream-array.js'
import type { Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { parseCsv } from '../lib/io/csv.js'
import { parseJson } from '../lib/io/json.js'
import { parseNdjson } from '../lib/io/ndjson.js'

const ROWS = 1_000_000
const JSON_ROWS = 200_000
const COLS = 3
const CHUNK = 1 << 16
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const dir = fileURLToPath(new URL('../data/bench/', import.meta.url))

/** Writes the data files once; returns their contents. */
function data (): { csv: Buffer; ndjson: Buffer; json: Buffer } {
  const files = { csv: `${dir}text-${ROWS}x${COLS}.csv`, ndjson: `${dir}text-${ROWS}x${COLS}.ndjson`, json: `${dir}text-${JSON_ROWS}x${COLS}.json` }
  if (!existsSync(files.csv) || !existsSync(files.ndjson) || !existsSync(files.json)) {
    mkdirSync(dir, { recursive: true })
    const random = new Random(42)
    const rows = Array.from({ length: ROWS }, () => Array.from({ length: COLS }, (_, c) => c === 2 ? Math.floor(random.uniform() * 100) : random.normal() * 10 ** c))
    writeFileSync(files.csv, 'a,b,c\n' + rows.map(r => r.join(',')).join('\n') + '\n')
    writeFileSync(files.ndjson, rows.map(r => JSON.stringify(r)).join('\n') + '\n')
    writeFileSync(files.json, JSON.stringify(rows.slice(0, JSON_ROWS)))
  }
  return { csv: readFileSync(files.csv), ndjson: readFileSync(files.ndjson), json: readFileSync(files.json) }
}

function chunks (bytes: Buffer): Readable {
  const out: Buffer[] = []
  for (let at = 0; at < bytes.length; at += CHUNK) out.push(bytes.subarray(at, at + CHUNK))
  return Readable.from(out, { objectMode: false })
}

/** A Writable that sums column 0 of Batches. */
function batchSink (): Writable {
  let sum = 0
  return new Writable({
    objectMode: true,
    write (batch: Batch, _encoding, callback) {
      for (let r = 0; r < batch.rows; r++) sum += batch.data[r * batch.cols]!
      callback()
    },
    final (callback) {
      if (Number.isNaN(sum)) console.log('(sum is NaN)')
      callback()
    }
  })
}

/** A Writable that sums element 0 of each record. */
function recordSink (pick: (record: any) => number): Writable {
  let sum = 0
  return new Writable({
    objectMode: true,
    highWaterMark: 1024,
    write (record: unknown, _encoding, callback) {
      sum += pick(record)
      callback()
    },
    final (callback) {
      if (Number.isNaN(sum)) console.log('(sum is NaN)')
      callback()
    }
  })
}

/**
 * Runs each contender RUNS times, interleaved (a, b, c, a, b, c, ...) so that a burst of load on
 * the machine hits all of them alike, and keeps each one's cheapest run in CPU seconds (user +
 * system time of this process, garbage collector threads included): on a shared machine CPU time
 * varies far less than wall time, which also counts the time spent waiting for a core.
 */
export async function race (...contenders: Array<() => Promise<void> | void>): Promise<number[]> {
  const cheapest = contenders.map(() => Infinity)
  for (let i = 0; i < RUNS; i++) {
    for (const [k, run] of contenders.entries()) {
      const start = process.cpuUsage()
      await run()
      const used = process.cpuUsage(start)
      cheapest[k] = Math.min(cheapest[k]!, (used.user + used.system) / 1e6)
    }
  }
  return cheapest
}

function line (what: string, rows: number, seconds: number, bare?: number): string {
  const rate = (rows / seconds / 1e6).toFixed(2).padStart(6)
  const overhead = bare === undefined ? '' : `  overhead ${((seconds / bare - 1) * 100).toFixed(1)}%`
  return `  ${what.padEnd(44)} ${rate} M rows per CPU second${overhead}`
}

/** Runs the comparisons and prints one line per measurement. */
export async function run (): Promise<void> {
  const { csv, ndjson, json } = data()
  console.log(`bench/text.ts: ${ROWS} rows × ${COLS} columns in memory, cheapest of ${RUNS} runs in CPU time`)

  console.log('CSV')
  const [csvApi, csvAril, csvStream] = await race(() => csvStateMachine(csv), () => pipeline(chunks(csv), parseCsv({ columns: true }), batchSink()),
    () => pipeline(chunks(csv), csvParse(CSV_OPTIONS), recordSink(r => typeof r[0] === 'number' ? r[0] : 0)))
  console.log(line('csv-parse stream alone', ROWS, csvStream!))
  console.log(line('csv-parse state machine alone', ROWS, csvApi!))
  console.log(line('aril parseCsv vs csv-parse stream', ROWS, csvAril!, csvStream))
  console.log(line('aril parseCsv vs csv-parse state machine', ROWS, csvAril!, csvApi))

  console.log('NDJSON')
  const [ndBare, ndAril] = await race(() => splitAndParse(ndjson), () => pipeline(chunks(ndjson), parseNdjson(), batchSink()))
  console.log(line('split lines + JSON.parse alone', ROWS, ndBare!))
  console.log(line('aril parseNdjson', ROWS, ndAril!, ndBare))

  console.log(`JSON (${JSON_ROWS} rows)`)
  const [jsonBare, jsonTokenizer, jsonAril] = await race(() => pipeline(chunks(json), jsonTokens.asStream(), streamArray.asStream(), recordSink(r => r.value[0])),
    () => tokenize(json), () => pipeline(chunks(json), parseJson(), batchSink()))
  console.log(line('stream-json parser + streamArray alone', JSON_ROWS, jsonBare!))
  console.log(line('stream-json tokenizer + Number() alone', JSON_ROWS, jsonTokenizer!))
  console.log(line('aril parseJson vs parser + streamArray', JSON_ROWS, jsonAril!, jsonBare))
  console.log(line('aril parseJson vs tokenizer + Number()', JSON_ROWS, jsonAril!, jsonTokenizer))
}

const CSV_OPTIONS = { cast: true, skip_empty_lines: true, bom: true } as const

/** csv-parse's state machine, as its own stream drives it, with no stream around it. */
function csvStateMachine (csv: Buffer): void {
  const api = (new Parser(CSV_OPTIONS) as unknown as { api: { parse: (b: Buffer | undefined, end: boolean, push: (r: unknown[]) => void, close: () => void) => unknown } }).api
  let sum = 0
  const push = (r: unknown[]): void => { if (typeof r[0] === 'number') sum += r[0] }
  for (let at = 0; at < csv.length; at += CHUNK) api.parse(csv.subarray(at, at + CHUNK), false, push, () => {})
  api.parse(undefined, true, push, () => {})
  if (Number.isNaN(sum)) console.log('(sum is NaN)')
}

/** stream-json's tokenizer called on each chunk, numbers converted: the floor under any JSON reader built on it. */
function tokenize (json: Buffer): void {
  const tokenizer = jsonParser({ packValues: true, streamValues: false })
  const decoder = new TextDecoder()
  let sum = 0
  const take = (out: unknown): void => {
    if (out === none) return
    for (const token of (out as { values: Array<{ name: string; value?: string }> }).values) {
      if (token.name === 'numberValue') sum += Number(token.value)
    }
  }
  for (let at = 0; at < json.length; at += CHUNK) take(tokenizer(decoder.decode(json.subarray(at, at + CHUNK), { stream: true })))
  take(tokenizer(none as never))
  if (Number.isNaN(sum)) console.log('(sum is NaN)')
}

/** NDJSON the bare way: decode, split lines, JSON.parse each, touch the value. */
function splitAndParse (ndjson: Buffer): void {
  const decoder = new TextDecoder()
  let rest = ''
  let sum = 0
  for (let at = 0; at < ndjson.length; at += CHUNK) {
    const all = rest + decoder.decode(ndjson.subarray(at, at + CHUNK), { stream: true })
    let start = 0
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      sum += (JSON.parse(all.slice(start, nl)) as number[])[0]!
      start = nl + 1
    }
    rest = all.slice(start)
  }
  if (rest.trim() !== '') sum += (JSON.parse(rest) as number[])[0]!
  if (Number.isNaN(sum)) console.log('(sum is NaN)')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await run()

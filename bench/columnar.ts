/**
 * Columnar sources: what `readParquet` and `readArrow` cost over the bare library's own reader loop.
 *
 * Every contender reads the same file (in the page cache after the warm-up) and adds up every
 * value it is given with the same function (`sumValues`, a plain synchronous loop: summed in the
 * async loops themselves, the sum would live across awaits and be boxed at every addition), so
 * each does the work a model's summarize does at least, and the same way. The baselines are the
 * fastest honest loops over each library:
 * - hyparquet alone: `parquetRead` row group by row group (the unit aril reads), each column
 *   chunk's Float64Array summed, three ways: one call per row group over hyparquet's
 *   `asyncBufferFromFile`, the same over positioned reads on one FileHandle (as aril reads), and
 *   one call per column chunk over positioned reads (hyparquet then decodes each chunk from the
 *   memory it was read into, where one call fetches runs of neighbouring chunks and copies each
 *   out; aril reads chunks of this size so). The fastest of the three is the baseline;
 * - apache-arrow alone: `RecordBatchReader.from(fileHandle)` (random access, as aril reads), and
 *   of every record batch each column's values typed array `batch.getChildAt(c).data[0].values`
 *   summed: a view of the memory the record batch was read into, no copy and no per-value call
 *   (`vector.get(i)` would make a slow, unfair baseline).
 * aril is read two ways: with `for await` (the consumer may keep each Batch, so each is memory of
 * its own) and piped into a Writable that releases each Batch as a model sink does (the reader
 * lends its Batches and makes the next ones in the memory handed back). aril's extra work is the
 * transpose into row-major Batches and the stream around them. What it does with memory is its
 * own, not given to the baselines: it decompresses a row group's Parquet pages (with hyparquet's
 * own decoder, through its `compressors` option) into memory used again for the next row group
 * and makes the next Batches in the memory the chunks were read into, where hyparquet alone
 * decompresses each page into new memory; it reads an IPC file's record batches (by the footer's
 * blocks, decoded by apache-arrow) into one region used again for each, where apache-arrow alone
 * reads each into new memory.
 *
 * Data: 10^6 rows × 4 columns of random doubles, written once to data/bench/ (git-ignored) by the
 * libraries themselves: Parquet by hyparquet-writer in row groups of 100 000 rows (SNAPPY), Arrow
 * as an IPC file of 64 Ki-row record batches.
 *
 * Measure: CPU time of the process (user + system: apache-arrow's reads on libuv's threads and
 * the garbage collector's threads count too). Every contender runs once to warm up, then
 * BENCH_RUNS rounds (default 11) in which each runs once, the order rotated from round to round,
 * each run from a collected heap. A rate is the median over the rounds; an overhead is the ratio
 * of the median times, and, paired, the median over the rounds of aril's time over the
 * baseline's in the same round (goal: at most 15%).
 *
 * Run: `node --import tsx bench/columnar.ts` (about a minute; BENCH_ONLY=parquet or arrow for one
 * format), or `run()` from bench/index.ts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { RecordBatchReader, Table, makeVector, tableToIPC } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type AsyncBuffer } from 'hyparquet'
import { RELEASES_BATCHES, releaseBatch, type Batch } from '../lib/core/batch.js'
import type { BatchReadable } from '../lib/core/batch-readable.js'
import { Random } from '../lib/core/random.js'
import { readArrow } from '../lib/io/arrow.js'
import { readParquet } from '../lib/io/parquet.js'

const ROWS = 1_000_000
const RUNS = Number(process.env.BENCH_RUNS ?? 11)
const COLS = 4
const dir = fileURLToPath(new URL('../data/bench/', import.meta.url))
const files = { parquet: `${dir}columnar-${ROWS}x${COLS}.parquet`, arrow: `${dir}columnar-${ROWS}x${COLS}.arrow` }

/** Writes the data files once. */
async function data (): Promise<void> {
  if (existsSync(files.parquet) && existsSync(files.arrow)) return
  mkdirSync(dir, { recursive: true })
  const random = new Random(7)
  const columns = Array.from({ length: COLS }, (_, c) => Float64Array.from({ length: ROWS }, () => random.normal() * 10 ** c))
  const { parquetWriteFile } = await import('hyparquet-writer')
  parquetWriteFile({ filename: files.parquet, rowGroupSize: 100_000, columnData: columns.map((data, c) => ({ name: `c${c}`, data, type: 'DOUBLE', nullable: false })) } as Parameters<typeof parquetWriteFile>[0])
  const table = new Table(Object.fromEntries(columns.map((data, c) => [`c${c}`, makeVector(data)])))
  const batches = []
  for (let at = 0; at < ROWS; at += 65536) batches.push(...table.slice(at, Math.min(ROWS, at + 65536)).batches)
  writeFileSync(files.arrow, tableToIPC(new Table(batches), 'file'))
}

/** The sum of the values: the one loop every contender runs over what it is given. */
function sumValues (values: Float64Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum
}

/** Sums every value of every Batch, as a model's summarize touches every value. */
async function arilLoop (reader: BatchReadable): Promise<number> {
  let sum = 0
  for await (const batch of reader as AsyncIterable<Batch>) sum += sumValues(batch.data)
  return sum
}

/** Sums every value in a Writable that hands each batch back when done, as a model sink does (the reader then lends its batches). */
async function arilSink (reader: BatchReadable): Promise<number> {
  let sum = 0
  const sink = new Writable({
    objectMode: true,
    write (batch: Batch, _encoding, callback) {
      sum += sumValues(batch.data)
      releaseBatch(batch)
      callback()
    }
  })
  Object.assign(sink, { [RELEASES_BATCHES]: true })
  await pipeline(reader, sink)
  return sum
}

/** Positioned reads on one FileHandle, as aril's readParquet reads. */
async function handleBuffer (path: string): Promise<{ file: AsyncBuffer; close: () => Promise<void> }> {
  const handle = await open(path, 'r')
  const size = (await handle.stat()).size
  return {
    file: {
      byteLength: size,
      async slice (start: number, end?: number): Promise<ArrayBuffer> {
        const bytes = new Uint8Array((end ?? size) - start)
        for (let done = 0; done < bytes.length;) done += (await handle.read(bytes, done, bytes.length - done, start + done)).bytesRead
        return bytes.buffer
      }
    },
    close: async () => { await handle.close() }
  }
}

async function hyparquetLoop (positioned: boolean, perColumn = false): Promise<number> {
  const opened = positioned ? await handleBuffer(files.parquet) : { file: await asyncBufferFromFile(files.parquet), close: async () => {} }
  try {
    return await parquetSum(opened.file, perColumn)
  } finally {
    await opened.close()
  }
}

async function parquetSum (file: AsyncBuffer, perColumn: boolean): Promise<number> {
  const metadata = await parquetMetadataAsync(file)
  const names = metadata.schema.slice(1).map(element => element.name)
  let sum = 0
  let start = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    const read = (columns?: string[]): Promise<void> => parquetRead({
      file,
      metadata,
      columns,
      rowStart: start,
      rowEnd: start + rows,
      onChunk: ({ columnData }) => { sum += sumValues(columnData as Float64Array) }
    })
    await (perColumn ? Promise.all(names.map(name => read([name]))) : read())
    start += rows
  }
  return sum
}

async function arrowLoop (only?: number): Promise<number> {
  const handle = await open(files.arrow, 'r')
  let sum = 0
  try {
    const reader = await RecordBatchReader.from(handle)
    await reader.open()
    for await (const batch of reader) {
      for (let c = 0; c < batch.numCols; c++) {
        if (only === undefined || c === only) sum += sumValues(batch.getChildAt(c)!.data[0]!.values as Float64Array)
      }
    }
  } finally {
    await handle.close()
  }
  return sum
}

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/** One contender's CPU seconds, from a collected heap (the collection untimed). */
async function timed (run: () => Promise<void>): Promise<number> {
  collect()
  const start = process.cpuUsage()
  await run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1e6
}

/**
 * Runs the contenders once each to warm up (the JIT, the page cache), then RUNS rounds of one run
 * each, the order rotated every round; returns each contender's CPU seconds, round by round. The
 * heap is collected before each run: a contender pays for the garbage it makes while it runs,
 * not for what the one before it left behind.
 */
async function race (...contenders: Array<() => Promise<void>>): Promise<number[][]> {
  for (const run of contenders) await run()
  const seconds = contenders.map(() => [] as number[])
  for (let round = 0; round < RUNS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const k = (round + i) % contenders.length
      seconds[k]!.push(await timed(contenders[k]!))
    }
  }
  return seconds
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A contender for `race`, its sum dropped once it is checked to be a number. */
function done (loop: () => Promise<number>): () => Promise<void> {
  return async () => {
    if (Number.isNaN(await loop())) console.log('(sum is NaN)')
  }
}

const percent = (ratio: number): string => `${((ratio - 1) * 100).toFixed(1).padStart(5)}%`

/**
 * A line of figures: the median rate, and the overhead over `bare`: the ratio of the medians, and
 * the median of the rounds' ratios (paired: steadier when the machine's load drifts).
 */
function line (what: string, seconds: readonly number[], bare?: readonly number[]): string {
  const rate = (ROWS / median(seconds) / 1e6).toFixed(2).padStart(6)
  const overhead = bare === undefined ? '' : `  overhead ${percent(median(seconds) / median(bare))} (paired ${percent(median(seconds.map((s, i) => s / bare[i]!)))})`
  return `  ${what.padEnd(44)} ${rate} M rows per CPU second${overhead}`
}

/** Runs the comparisons (`only`: of one format) and prints one line per measurement. */
export async function run (only = process.env.BENCH_ONLY): Promise<void> {
  await data()
  console.log(`bench/columnar.ts: ${ROWS} rows × ${COLS} double columns, medians of ${RUNS} rounds in CPU time`)
  if (only !== 'arrow') await parquet()
  if (only !== 'parquet') await arrow()
}

async function parquet (): Promise<void> {
  const [streams, positioned, perColumn, arilParquet, sinkParquet] = await race(done(() => hyparquetLoop(false)), done(() => hyparquetLoop(true)),
    done(() => hyparquetLoop(true, true)), done(() => arilLoop(readParquet(files.parquet))), done(() => arilSink(readParquet(files.parquet))))
  // the fastest baseline by its median (a round-by-round minimum of noisy times would be biased low)
  const bareParquet = [streams!, positioned!, perColumn!].reduce((best, times) => median(times) < median(best) ? times : best)
  console.log(line('hyparquet alone, asyncBufferFromFile', streams!))
  console.log(line('hyparquet alone, positioned reads', positioned!))
  console.log(line('hyparquet alone, positioned, per column chunk', perColumn!))
  console.log(line('aril readParquet, for await', arilParquet!, bareParquet))
  console.log(line('aril readParquet into a releasing sink', sinkParquet!, bareParquet))
}

async function arrow (): Promise<void> {
  const [bareArrow, arilArrow, sinkArrow, bareOne, arilOne] = await race(done(() => arrowLoop()), done(() => arilLoop(readArrow(files.arrow))),
    done(() => arilSink(readArrow(files.arrow))), done(() => arrowLoop(0)), done(() => arilLoop(readArrow(files.arrow, { columns: ['c0'] }))))
  console.log(line('apache-arrow RecordBatchReader alone', bareArrow!))
  console.log(line('aril readArrow, 4 columns, for await', arilArrow!, bareArrow))
  console.log(line('aril readArrow, 4 columns, releasing sink', sinkArrow!, bareArrow))
  console.log(line('apache-arrow alone, 1 column', bareOne!))
  console.log(line('aril readArrow, 1 column, for await', arilOne!, bareOne))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run()

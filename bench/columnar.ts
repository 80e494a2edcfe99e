/**
 * Columnar sources: what `readParquet` and `readArrow` cost over the bare library's own reader loop.
 *
 * Compared, on the same file (in the page cache after the first run), rows per CPU second:
 * - `readParquet(path)` vs hyparquet alone: `parquetRead` called row group by row group (the same
 *   unit aril reads), every column chunk's values summed, over hyparquet's own
 *   `asyncBufferFromFile` (a read stream per byte range) and over positioned reads on one
 *   FileHandle (what aril uses; the faster of the two is the baseline);
 * - `readArrow(path)` vs apache-arrow alone: `RecordBatchReader.from(fileHandle)` and every
 *   record batch's columns taken with `toArray()` and summed.
 * Every consumer touches every value (sums all columns), so neither side skips the work a model
 * does; aril's extra work is the transpose into row-major Batches and the stream around them.
 * aril is measured twice: read with `for await` (each Batch is fresh memory, as the consumer may
 * keep it) and piped into a Writable that releases each Batch as a model sink does (the reader
 * lends its Batches and makes the next ones in the memory handed back).
 * For Arrow the bare loop copies nothing (a column is a view of the IPC buffer), so the transpose
 * is most of the difference; one Float64 column is handed on as a view too, and costs nothing.
 *
 * Data: 1e6 rows × 4 columns of random doubles, written once to data/bench/ (git-ignored) by the
 * libraries themselves: Parquet by hyparquet-writer in row groups of 100 000 rows (SNAPPY), Arrow
 * as an IPC file of 64 Ki-row record batches. Contenders run interleaved, 3 times each
 * (BENCH_RUNS=n for more), each from a collected heap; each figure is the cheapest run in CPU
 * time (goal: overhead <= 15%).
 *
 * Run: `node --import tsx bench/columnar.ts` (about 40 s), or `run()` from bench/index.ts.
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
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
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

/** Sums every value of every Batch, as a model's summarize touches every value. */
async function arilLoop (reader: BatchReadable): Promise<number> {
  let sum = 0
  for await (const batch of reader as AsyncIterable<Batch>) {
    const { data } = batch
    for (let i = 0; i < data.length; i++) sum += data[i]!
  }
  return sum
}

/** Sums every value in a Writable that hands each batch back when done, as a model sink does (the reader then lends its batches). */
async function arilSink (reader: BatchReadable): Promise<number> {
  let sum = 0
  const sink = new Writable({
    objectMode: true,
    write (batch: Batch, _encoding, callback) {
      const { data } = batch
      let part = 0
      for (let i = 0; i < data.length; i++) part += data[i]!
      sum += part
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

async function hyparquetLoop (positioned: boolean): Promise<number> {
  const opened = positioned ? await handleBuffer(files.parquet) : { file: await asyncBufferFromFile(files.parquet), close: async () => {} }
  try {
    return await parquetSum(opened.file)
  } finally {
    await opened.close()
  }
}

async function parquetSum (file: AsyncBuffer): Promise<number> {
  const metadata = await parquetMetadataAsync(file)
  let sum = 0
  let start = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    await parquetRead({
      file,
      metadata,
      rowStart: start,
      rowEnd: start + rows,
      onChunk: ({ columnData }) => {
        const values = columnData as ArrayLike<number>
        for (let i = 0; i < values.length; i++) sum += values[i]!
      }
    })
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
        if (only !== undefined && c !== only) continue
        const values = batch.getChildAt(c)!.toArray() as Float64Array
        for (let i = 0; i < values.length; i++) sum += values[i]!
      }
    }
  } finally {
    await handle.close()
  }
  return sum
}

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/**
 * Runs the contenders interleaved, RUNS times each, and returns each one's cheapest run in CPU
 * seconds. The heap is collected (untimed) before each run: a contender pays for the garbage it
 * makes while it runs, not for what the one before it left behind (without it the figures swung
 * by tens of percent with the order of the contenders).
 */
async function race (...contenders: Array<() => Promise<void>>): Promise<number[]> {
  const cheapest = contenders.map(() => Infinity)
  for (let i = 0; i < RUNS; i++) {
    for (const [k, run] of contenders.entries()) {
      collect()
      const start = process.cpuUsage()
      await run()
      const used = process.cpuUsage(start)
      cheapest[k] = Math.min(cheapest[k]!, (used.user + used.system) / 1e6)
    }
  }
  return cheapest
}

/** A contender for `race`, its sum dropped once it is checked to be a number. */
function done (loop: () => Promise<number>): () => Promise<void> {
  return async () => {
    if (Number.isNaN(await loop())) console.log('(sum is NaN)')
  }
}

function line (what: string, seconds: number, bare?: number): string {
  const rate = (ROWS / seconds / 1e6).toFixed(2).padStart(6)
  const overhead = bare === undefined ? '' : `  overhead ${((seconds / bare - 1) * 100).toFixed(1)}%`
  return `  ${what.padEnd(42)} ${rate} M rows per CPU second${overhead}`
}

/** Runs the comparisons and prints one line per measurement. */
export async function run (): Promise<void> {
  await data()
  console.log(`bench/columnar.ts: ${ROWS} rows × ${COLS} double columns, cheapest of ${RUNS} runs in CPU time`)
  const [streams, positioned, arilParquet, sinkParquet] = await race(done(() => hyparquetLoop(false)), done(() => hyparquetLoop(true)),
    done(() => arilLoop(readParquet(files.parquet))), done(() => arilSink(readParquet(files.parquet))))
  console.log(line('hyparquet alone, asyncBufferFromFile', streams!))
  console.log(line('hyparquet alone, positioned reads', positioned!))
  console.log(line('aril readParquet, for await', arilParquet!, Math.min(streams!, positioned!)))
  console.log(line('aril readParquet into a releasing sink', sinkParquet!, Math.min(streams!, positioned!)))
  const [bareArrow, arilArrow, sinkArrow, bareOne, arilOne] = await race(done(() => arrowLoop()), done(() => arilLoop(readArrow(files.arrow))),
    done(() => arilSink(readArrow(files.arrow))), done(() => arrowLoop(0)), done(() => arilLoop(readArrow(files.arrow, { columns: ['c0'] }))))
  console.log(line('apache-arrow RecordBatchReader alone', bareArrow!))
  console.log(line('aril readArrow, 4 columns, for await', arilArrow!, bareArrow))
  console.log(line('aril readArrow, 4 columns, releasing sink', sinkArrow!, bareArrow))
  console.log(line('apache-arrow alone, 1 column', bareOne!))
  console.log(line('aril readArrow, 1 column (no copy)', arilOne!, bareOne))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run()

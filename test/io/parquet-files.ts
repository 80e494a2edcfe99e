/**
 * Parquet test files, written by hyparquet-writer (the library's own writer) in a child process:
 * tap's module resolver cannot load hyparquet-writer (it imports a pattern export of its own
 * copy of hyparquet), tsx can. `node --import tsx test/io/parquet-files.ts <dir>` writes them.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { uncovered } from '../built.js'

export const n = 2500
export const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10)
export const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) + i / n)
export const k = Array.from({ length: n }, (_, i) => i % 7 === 0 ? null : i % 5)
export const big = Array.from({ length: n }, (_, i) => BigInt(i) * 3n)
export const flag = Array.from({ length: n }, (_, i) => i % 3 === 0)
export const color = Array.from({ length: n }, (_, i) => i % 11 === 0 ? null : ['red', 'green', 'blue'][i % 3]!)
export const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 4))
export const label = Int32Array.from({ length: n }, (_, i) => (x[i]! > 0 ? 1 : 0))

/** Columns of `pages` and `pages-plain`: two row groups of 10 000 rows, pages of at most 4 kB. */
export const paged = {
  rows: 20_000,
  x: Float64Array.from({ length: 20_000 }, (_, i) => Math.sin(i * 0.37) * 100),
  y: Array.from({ length: 20_000 }, (_, i) => i % 13 === 0 ? null : i / 7),
  k: Int32Array.from({ length: 20_000 }, (_, i) => i % 97),
  s: Array.from({ length: 20_000 }, (_, i) => i % 17 === 0 ? null : ['a', 'b', 'c', 'd'][i % 4]!)
}

/**
 * The files written, by name: `data` (the columns above, row groups of 1000 rows), `pages` and
 * `pages-plain` (the columns of {@link paged}, SNAPPY and UNCOMPRESSED, many pages per column
 * chunk), `one-plain` (x alone, UNCOMPRESSED, row groups of 1000 rows of one page each) and small
 * ones for error cases.
 */
export const FILES = ['data', 'one', 'strings', 'weights', 'binary', 'xy', 'pages', 'pages-plain', 'one-plain'] as const

/** Writes the files into `dir` (in a child process; see above). */
export async function writeParquetFiles (dir: string): Promise<void> {
  await promisify(execFile)(...uncovered(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dir]))
}

async function main (dir: string): Promise<void> {
  const { parquetWriteFile } = await import('hyparquet-writer')
  const write = (name: string, columnData: unknown[], rowGroupSize?: number, options: object = {}): void => {
    parquetWriteFile({ filename: join(dir, `${name}.parquet`), columnData, ...(rowGroupSize === undefined ? {} : { rowGroupSize }), ...options } as Parameters<typeof parquetWriteFile>[0])
  }
  write('data', [
    { name: 'x', data: x, type: 'DOUBLE', nullable: false },
    { name: 'y', data: y, type: 'DOUBLE' },
    { name: 'k', data: k, type: 'INT32' },
    { name: 'big', data: big, type: 'INT64' },
    { name: 'flag', data: flag, type: 'BOOLEAN' },
    // dictionary-encoded, as Spark and pyarrow write strings
    { name: 'color', data: color, type: 'STRING', encoding: 'RLE_DICTIONARY' },
    { name: 'w', data: w, type: 'DOUBLE' },
    { name: 'label', data: label, type: 'INT32' }
  ], 1000)
  write('one', [{ name: 'v', data: x, type: 'DOUBLE' }])
  write('one-plain', [{ name: 'x', data: x, type: 'DOUBLE', nullable: false }], 1000, { codec: 'UNCOMPRESSED' })
  write('xy', [{ name: 'x', data: x, type: 'DOUBLE' }, { name: 'y', data: y, type: 'DOUBLE' }, { name: 'label', data: label, type: 'INT32' }], 1000)
  write('strings', [{ name: 's', data: ['a', 'b'], type: 'STRING' }, { name: 'v', data: [1, 2], type: 'DOUBLE' }])
  write('weights', [{ name: 'v', data: [1, 2], type: 'DOUBLE' }, { name: 'w', data: [1, -1], type: 'DOUBLE' }])
  write('binary', [{ name: 'b', data: [new Uint8Array([1]), new Uint8Array([2])], type: 'BYTE_ARRAY' }])
  const pages = [
    { name: 'x', data: paged.x, type: 'DOUBLE', nullable: false },
    { name: 'y', data: paged.y, type: 'DOUBLE' },
    { name: 'k', data: paged.k, type: 'INT32', nullable: false },
    { name: 's', data: paged.s, type: 'STRING', encoding: 'RLE_DICTIONARY' }
  ]
  write('pages', pages, 10_000, { pageSize: 4096 })
  write('pages-plain', pages, 10_000, { pageSize: 4096, codec: 'UNCOMPRESSED' })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]!)

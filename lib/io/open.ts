/**
 * A file path as a source: the reader is chosen by the file's extension, so
 * `model.fitStream('big.npy')` and `fitStream(() => 'big.csv')` work without naming a reader.
 */
import { extname } from 'node:path'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError } from '../core/errors.js'
import { readArrow } from './arrow.js'
import { readCsv } from './csv.js'
import { readJson } from './json.js'
import { readNdjson } from './ndjson.js'
import { readNpy } from './npy.js'
import { readParquet } from './parquet.js'

const READERS: Record<string, (path: string) => BatchReadable> = {
  '.npy': path => readNpy(path),
  '.csv': path => readCsv(path, { columns: true }),
  '.tsv': path => readCsv(path, { columns: true, delimiter: '\t' }),
  '.json': path => readJson(path),
  '.ndjson': path => readNdjson(path),
  '.jsonl': path => readNdjson(path),
  '.parquet': path => readParquet(path),
  '.arrow': path => readArrow(path),
  '.arrows': path => readArrow(path),
  '.feather': path => readArrow(path),
  '.ipc': path => readArrow(path)
}

/**
 * Opens a file with the reader its extension names: `.npy`, `.csv` and `.tsv` (with a header
 * row), `.json`, `.ndjson` and `.jsonl`, `.parquet`, and Arrow IPC (`.arrow`, `.arrows`,
 * `.feather` (v2), `.ipc`), with default options. For other options, call the reader
 * (`readCsv(path, { ... })`) and pass the stream, or a function that returns one.
 *
 * @throws ArilError `ERR_SOURCE` for an extension without a reader
 * @example
 * ```ts
 * await new NormalDistribution().fitStream('data/heights.npy')
 * ```
 */
export function openFile (path: string): BatchReadable {
  const reader = READERS[extname(path).toLowerCase()]
  if (reader === undefined) {
    throw new ArilError('ERR_SOURCE', `Expected a file ending in ${Object.keys(READERS).join(', ')}, got ${JSON.stringify(extname(path))}`, { file: path })
  }
  return reader(path)
}

/**
 * The data a command reads, as the command line names it: a path whose extension picks the reader
 * (or `--format`), and the column options every reader shares (`--select`, `--label`,
 * `--weight`), mapped once onto each reader's own options. An `.npy` file has no column names, so
 * its columns are picked by index here.
 */
import { extname } from 'node:path'
import { Readable } from 'node:stream'
import type { Batch } from '../core/batch.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError } from '../core/errors.js'
import { readArrow } from '../io/arrow.js'
import { readCsv } from '../io/csv.js'
import { readJson } from '../io/json.js'
import { readNdjson } from '../io/ndjson.js'
import { readNpy } from '../io/npy.js'
import { readParquet } from '../io/parquet.js'

/** The formats the command line reads. */
export const FORMATS = ['npy', 'csv', 'tsv', 'json', 'ndjson', 'parquet', 'arrow'] as const
export type Format = typeof FORMATS[number]

const EXTENSIONS: Record<string, Format> = {
  '.npy': 'npy', '.csv': 'csv', '.tsv': 'tsv', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson',
  '.parquet': 'parquet', '.arrow': 'arrow', '.arrows': 'arrow', '.feather': 'arrow', '.ipc': 'arrow'
}

/** The data options of every command that reads data. */
export interface DataOptions {
  format?: Format | undefined
  select?: string | undefined
  label?: string | undefined
  weight?: string | undefined
  /** CSV: the first line names the columns (default true; `--no-header`). */
  header?: boolean | undefined
  delimiter?: string | undefined
  fromLine?: number | undefined
}

/** A column given on the command line: a whole number is an index, anything else a name. */
function columnKey (text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text
}

/** The format of a path: `--format`, else its extension. */
export function formatOf (path: string, format: Format | undefined): Format {
  if (format !== undefined) return format
  const found = EXTENSIONS[extname(path).toLowerCase()]
  if (found === undefined) {
    throw new ArilError('ERR_SOURCE', `Cannot tell the format of ${JSON.stringify(path)} from its extension; name it with --format (${FORMATS.join(', ')})`, { file: path })
  }
  return found
}

/**
 * A function that opens the data afresh (multi-pass training reads it several times).
 * @throws ArilError `ERR_SOURCE` for an unknown format, `ERR_INVALID_OPTION` for a column option
 *   the format cannot take
 */
export function dataOpener (path: string, options: DataOptions): () => BatchReadable {
  const format = formatOf(path, options.format)
  const select = options.select?.split(',').map(s => s.trim()).filter(s => s !== '').map(columnKey)
  const label = options.label === undefined ? undefined : columnKey(options.label)
  const weight = options.weight === undefined ? undefined : columnKey(options.weight)
  const names = (what: string, keys: ReadonlyArray<string | number> | undefined): string[] | undefined => {
    if (keys?.some(k => typeof k === 'number') === true) {
      throw new ArilError('ERR_INVALID_OPTION', `Option ${what}: ${format} columns are picked by name, got an index`, { file: path })
    }
    return keys as string[] | undefined
  }
  switch (format) {
    case 'npy':
      return () => npyColumns(readNpy(path), path, select, label, weight)
    case 'csv':
    case 'tsv':
      return () => readCsv(path, {
        columns: options.header ?? true,
        delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ','),
        select,
        label,
        weight,
        from_line: options.fromLine
      })
    case 'json':
      return () => readJson(path, { select, label, weight })
    case 'ndjson':
      return () => readNdjson(path, { select, label, weight })
    case 'parquet':
      return () => readParquet(path, { columns: names('select', select), label: names('label', label === undefined ? undefined : [label])?.[0], weight: names('weight', weight === undefined ? undefined : [weight])?.[0] })
    case 'arrow':
      return () => readArrow(path, { columns: names('select', select), label: names('label', label === undefined ? undefined : [label])?.[0], weight: names('weight', weight === undefined ? undefined : [weight])?.[0] })
  }
}

/** An `.npy` reader with columns picked by index, and the label and weight columns moved aside. */
function npyColumns (reader: BatchReadable, path: string, select: ReadonlyArray<string | number> | undefined, label: string | number | undefined, weight: string | number | undefined): BatchReadable {
  if (select === undefined && label === undefined && weight === undefined) return reader
  for (const [what, key] of [['select', select?.find(k => typeof k === 'string')], ['label', label], ['weight', weight]] as const) {
    if (typeof key === 'string') throw new ArilError('ERR_INVALID_OPTION', `Option ${what}: .npy columns have no names, pick them by 0-based index, got ${JSON.stringify(key)}`, { file: path })
  }
  const pick = (batch: Batch): Batch => {
    const { data, rows, cols } = batch
    const outside = [select, label, weight].flat().find(k => k !== undefined && (k as number) >= cols)
    if (outside !== undefined) throw new ArilError('ERR_INVALID_OPTION', `Expected column indices below ${cols} (the file's columns), got ${String(outside)}`, { file: path })
    const chosen = (select as number[] | undefined) ?? Array.from({ length: cols }, (_, c) => c).filter(c => c !== label && c !== weight)
    const out = new Float64Array(rows * chosen.length)
    for (let r = 0; r < rows; r++) for (let j = 0; j < chosen.length; j++) out[r * chosen.length + j] = data[r * cols + chosen[j]!]!
    const column = (c: number | undefined): Float64Array | undefined => c === undefined ? undefined : Float64Array.from({ length: rows }, (_, r) => data[r * cols + c]!)
    return { data: out, rows, cols: chosen.length, labels: column(label as number | undefined), weights: column(weight as number | undefined) }
  }
  // Iterating the reader (not piping it) ends it when the projection is destroyed early.
  const projected = Readable.from((async function * () { for await (const batch of reader) yield pick(batch) })(), { objectMode: true, highWaterMark: 2 }) as unknown as BatchReadable
  // The counters are the file reader's.
  for (const key of ['rowsRead', 'bytesRead', 'totalBytes', 'totalRows', 'skippedRows'] as const) Object.defineProperty(projected, key, { get: () => reader[key] })
  return projected
}

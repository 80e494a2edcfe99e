/**
 * `aril inspect <data>`: what a data file holds, before fitting anything to it: the format, the
 * columns (names and types where the format has them), the row count, and the format's own
 * header (an `.npy` header, a CSV's first line, Parquet row groups, an Arrow schema). Formats
 * that do not record their row count are counted in one streamed pass.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError } from '../core/errors.js'
import type { ProgressCallback } from '../core/progress.js'
import { parquetInfo } from '../io/parquet.js'
import { parseHeader, readPreamble } from '../io/npy-header.js'
import { formatOf, type DataOptions } from './data.js'

/** What `aril inspect` reports. */
export interface DataInfo {
  file: string
  format: string
  bytes: number
  rows: number
  columns: Array<{ name: string; type: string }>
  /** The format's header: the `.npy` header fields, the CSV's first line, Parquet row groups ... */
  header: Record<string, unknown>
}

async function openHandle (path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (err) {
    throw new ArilError('ERR_SOURCE', `Cannot read the file: ${(err as Error).message}`, { file: path }, { cause: err })
  }
}

async function readStart (path: string, bytes: number): Promise<{ head: Uint8Array; size: number }> {
  const handle = await openHandle(path)
  try {
    const size = (await handle.stat()).size
    const head = new Uint8Array(Math.min(size, bytes))
    await handle.read(head, 0, head.length, 0)
    return { head, size }
  } finally {
    await handle.close()
  }
}

/** Rows and columns of a stream of Batches, counted in one pass. */
async function count (reader: BatchReadable, onProgress: ProgressCallback): Promise<{ rows: number; cols: number }> {
  let rows = 0
  let cols = 0
  for await (const batch of reader) {
    rows += batch.rows
    cols = batch.cols
    onProgress({ rows, batches: 0, bytes: reader.bytesRead, totalBytes: reader.totalBytes, fraction: reader.totalBytes === undefined || reader.totalBytes === 0 ? undefined : reader.bytesRead / reader.totalBytes })
  }
  return { rows, cols }
}

/**
 * Describes a data file.
 * @throws ArilError `ERR_SOURCE`, and the readers' errors for a malformed file
 */
export async function inspectData (path: string, options: DataOptions, openData: () => BatchReadable, onProgress: ProgressCallback): Promise<DataInfo> {
  const format = formatOf(path, options.format)
  const { head, size } = await readStart(path, 1 << 16)
  const base = { file: path, format, bytes: size }
  if (format === 'npy') {
    const preamble = readPreamble(head, { file: path })
    if (preamble === undefined) throw new ArilError('ERR_NPY_TRUNCATED', 'NPY truncated: the file ends inside its preamble', { file: path, byteOffset: size })
    const header = parseHeader(head, preamble, { file: path })
    return {
      ...base,
      rows: header.rows,
      columns: Array.from({ length: header.cols }, (_, c) => ({ name: String(c), type: header.dtype.descr })),
      header: { version: preamble.version.join('.'), descr: header.dtype.descr, fortran_order: header.fortranOrder, shape: header.shape, dataOffset: header.dataOffset }
    }
  }
  if (format === 'parquet') {
    const info = await parquetInfo(path)
    return { ...base, rows: info.rows, columns: info.columns.map(c => ({ name: c.name, type: c.type + (c.nullable ? ' (nullable)' : '') })), header: { rowGroups: info.rowGroups } }
  }
  if (format === 'arrow') {
    const handle = await openHandle(path)
    try {
      const { RecordBatchReader } = await import('apache-arrow')
      const reader = await RecordBatchReader.from(handle)
      await reader.open()
      // The schema and the kind are read before the batches: the reader drops them once done.
      const fields = reader.schema.fields
      const ipc = reader.isFile() ? 'file' : 'stream'
      let rows = 0
      let batches = 0
      for await (const batch of reader) {
        rows += batch.numRows
        batches++
      }
      return { ...base, rows, columns: fields.map(f => ({ name: f.name, type: String(f.type) + (f.nullable ? ' (nullable)' : '') })), header: { ipc, recordBatches: batches } }
    } finally {
      await handle.close()
    }
  }
  const text = Buffer.from(head).toString('utf8')
  const firstLine = text.split(/\r?\n/, 1)[0] ?? ''
  const { rows, cols } = await count(openData(), onProgress)
  if (format === 'csv' || format === 'tsv') {
    const delimiter = options.delimiter ?? (format === 'tsv' ? '\t' : ',')
    const header = options.header ?? true
    const names = header ? firstLine.split(delimiter).map(s => s.trim().replace(/^"(.*)"$/, '$1')) : undefined
    return {
      ...base,
      rows,
      columns: Array.from({ length: cols }, (_, c) => ({ name: names?.[c] ?? String(c), type: 'number' })),
      header: { firstLine, delimiter, header }
    }
  }
  return { ...base, rows, columns: Array.from({ length: cols }, (_, c) => ({ name: String(c), type: 'number' })), header: { firstLine: firstLine.slice(0, 200) } }
}

/**
 * The report as text lines.
 * @example
 * ```ts
 * formatInfo(info) // => 'file     x.npy\nformat   npy\n...'
 * ```
 */
export function formatInfo (info: DataInfo): string {
  const lines = [
    `file     ${info.file}`,
    `format   ${info.format}`,
    `bytes    ${info.bytes}`,
    `rows     ${info.rows}`,
    `columns  ${info.columns.length}`,
    ...info.columns.map((c, i) => `  ${String(i).padStart(3)}  ${c.name}  ${c.type}`),
    'header',
    ...Object.entries(info.header).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
  ]
  return lines.join('\n') + '\n'
}

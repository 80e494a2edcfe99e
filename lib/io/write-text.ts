/**
 * Batches to text: CSV and NDJSON, as Transforms (`formatCsv()`, `formatNdjson()`, after which any
 * byte stream can follow) and as file writers (`writeCsv(path)`, `writeNdjson(path)`), beside
 * `writeNpy`, so `readCsv → predictStream → writeCsv` needs no user code. Numbers are written in
 * JavaScript's shortest round-trip form, so reading the file back gives the same bits; a missing
 * value (NaN) is an empty CSV cell or a JSON `null`, which every aril reader reads as missing.
 */
import { Transform, Writable } from 'node:stream'
import { requireValues, toBatch, type Batch, type BatchInput, type Key } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { FileWriter } from './file-writer.js'
import { isSequenceBatch, type SequenceBatch } from '../core/sequence.js'

/** Options of {@link formatCsv} and {@link writeCsv}. */
export interface WriteCsvOptions {
  /** Names of the columns; default `x0, x1, ...`. */
  columns?: readonly string[] | undefined
  /** Write a header line with the names (default true). */
  header?: boolean | undefined
  /** The field delimiter (default `','`). */
  delimiter?: string | undefined
  /** Also write each batch's weights (labels) in a last column of this name. */
  weight?: string | undefined
  label?: string | undefined
}

/** The keys of {@link WriteCsvOptions}. */
export const WRITE_CSV_OPTION_KEYS = ['columns', 'header', 'delimiter', 'weight', 'label'] as const

/** Options of {@link formatNdjson} and {@link writeNdjson}. */
export interface WriteNdjsonOptions {
  /** With names, every line is an object `{"a": 1, "b": 2}`; without, an array `[1, 2]`, or a bare value for one column. */
  columns?: readonly string[] | undefined
}

/** The keys of {@link WriteNdjsonOptions}. */
export const WRITE_NDJSON_OPTION_KEYS = ['columns'] as const

interface Encoder {
  /** The text of a checked batch; `row` is the index of its first row over the stream. */
  encode (batch: Batch, row: number): string
  /** The text of a SequenceBatch, one line per sequence (NDJSON; with per-sequence log-probabilities, as an HMM's predictStream gives). */
  encodeSequences? (batch: SequenceBatch & { logProbability?: unknown }, row: number): string
}


function names (value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || !value.every(n => typeof n === 'string') || new Set(value).size !== value.length) {
    invalidOption(option, 'an array of distinct column names', value)
  }
  return value as string[]
}

function checkedOptions (options: object, known: readonly string[], where: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options)
  checkKeys(options, known, where)
  return options as Record<string, unknown>
}

function csvEncoder (options: WriteCsvOptions, where: string): Encoder {
  const o = checkedOptions(options, WRITE_CSV_OPTION_KEYS, where)
  const columns = names(o.columns, 'columns')
  const header = o.header ?? true
  if (typeof header !== 'boolean') invalidOption('header', 'true or false', header)
  const delimiter = o.delimiter ?? ','
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) invalidOption('delimiter', 'a non-empty string without quotes or line breaks', delimiter)
  for (const name of ['weight', 'label'] as const) {
    if (o[name] !== undefined && (typeof o[name] !== 'string' || o[name] === '')) invalidOption(name, 'a column name', o[name])
  }
  const extra = [o.weight as string | undefined, o.label as string | undefined]
  const field = (v: string): string => v.includes(delimiter) || /["\r\n]/.test(v) || v !== v.trim() ? `"${v.replaceAll('"', '""')}"` : v
  const number = (x: number): string => x === x ? String(x) : ''
  let wroteHeader = !header
  return {
    encode (batch, row) {
      const { data, rows, cols, categories } = batch
      const named = columns ?? defaultNames(cols)
      if (named.length !== cols) throw new ArilError('ERR_COLUMN_COUNT', `writeCsv: expected ${named.length} columns (option columns), got ${cols}`, { row })
      let out = ''
      if (!wroteHeader) {
        wroteHeader = true
        out += [...named, ...extra.filter(n => n !== undefined)].map(field).join(delimiter) + '\n'
      }
      const weights = extra[0] === undefined ? undefined : requireColumn(batch.weights, 'weights', 'weight', row)
      const labels = extra[1] === undefined ? undefined : requireColumn(batch.labels, 'labels', 'label', row)
      for (let r = 0; r < rows; r++) {
        let line = ''
        for (let c = 0; c < cols; c++) {
          if (c > 0) line += delimiter
          const raw = categories?.[c]?.[r]
          line += raw === undefined ? number(data[r * cols + c]!) : category(raw, field)
        }
        if (weights !== undefined) line += delimiter + number(weights[r]!)
        if (labels !== undefined) line += delimiter + number(labels[r]!)
        out += line + '\n'
      }
      return out
    }
  }
}

function category (value: Key | null, field: (v: string) => string): string {
  if (value === null) return ''
  // A string category that reads as a number or as empty must stay a string: quote it.
  if (typeof value !== 'string') return String(value)
  return value === '' || value.trim() !== '' && Number.isFinite(Number(value)) ? `"${value}"` : field(value)
}

function requireColumn (values: Float64Array | undefined, what: string, option: string, row: number): Float64Array {
  if (values === undefined) throw new ArilError('ERR_INVALID_INPUT', `Option ${option}: expected batches with ${what}, got one without`, { row })
  return values
}

function defaultNames (cols: number): string[] {
  return Array.from({ length: cols }, (_, c) => `x${c}`)
}

function ndjsonEncoder (options: WriteNdjsonOptions, where: string): Encoder {
  const o = checkedOptions(options, WRITE_NDJSON_OPTION_KEYS, where)
  const columns = names(o.columns, 'columns')
  const value = (x: number): string => x === x && x !== Infinity && x !== -Infinity ? String(x) : 'null'
  const keys = columns?.map(n => JSON.stringify(n) + ':')
  const rowText = ({ data, cols, categories }: Batch, r: number): string => {
    const cells: string[] = []
    for (let c = 0; c < cols; c++) {
      const raw = categories?.[c]?.[r]
      const cell = raw === undefined ? value(data[r * cols + c]!) : JSON.stringify(raw)
      cells.push(keys === undefined ? cell : keys[c] + cell)
    }
    return keys !== undefined ? `{${cells.join(',')}}` : cols === 1 ? cells[0]! : `[${cells.join(',')}]`
  }
  const checkColumns = (batch: Batch, row: number): void => {
    if (columns !== undefined && columns.length !== batch.cols) throw new ArilError('ERR_COLUMN_COUNT', `writeNdjson: expected ${columns.length} columns (option columns), got ${batch.cols}`, { row })
  }
  return {
    encode (batch, row) {
      checkColumns(batch, row)
      let out = ''
      for (let r = 0; r < batch.rows; r++) out += rowText(batch, r) + '\n'
      return out
    },
    encodeSequences (batch, row) {
      checkColumns(batch, row)
      const { offsets, logProbability } = batch
      let out = ''
      for (let s = 0; s + 1 < offsets.length; s++) {
        const observations: string[] = []
        for (let r = offsets[s]!; r < offsets[s + 1]!; r++) observations.push(rowText(batch, r))
        const path = `[${observations.join(',')}]`
        out += (logProbability instanceof Float64Array ? `{"path":${path},"logProbability":${value(logProbability[s]!)}}` : path) + '\n'
      }
      return out
    }
  }
}

/** The text of a chunk: a SequenceBatch one sequence per line where the encoder can, else row by row. */
function encodeChunk (encoder: Encoder, chunk: unknown, batch: Batch, row: number): string {
  if (encoder.encodeSequences === undefined || !isSequenceBatch(chunk)) return encoder.encode(batch, row)
  return encoder.encodeSequences({ ...batch, offsets: chunk.offsets, logProbability: (chunk as { logProbability?: unknown }).logProbability }, row)
}

/** A Transform from batches (anything `toBatch` accepts) to text, through an encoder. */
function formatter (encoder: Encoder): Transform {
  let row = 0
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform (chunk: unknown, _encoding, callback) {
      try {
        const batch = asBatch(chunk)
        const text = encodeChunk(encoder, chunk, batch, row)
        row += batch.rows
        callback(null, text)
      } catch (err) {
        callback(err as Error)
      }
    }
  })
}

function asBatch (chunk: unknown): Batch {
  if (typeof chunk !== 'object' || chunk === null) throw new ArilError('ERR_INVALID_INPUT', `Expected batches of rows, got ${show(chunk)}`)
  return requireValues(toBatch(chunk as BatchInput, { categorical: true }), 'A text writer')
}

/**
 * A Transform (objects in, text out) writing batches as CSV: a header line (unless `header:
 * false`), then one line per row. Categorical values are written as they are, quoted when needed.
 *
 * @throws ArilError `ERR_INVALID_OPTION` at once; through the stream `ERR_COLUMN_COUNT` when a
 *   batch has another number of columns than `columns` names, `ERR_INVALID_INPUT`
 * @example
 * ```ts
 * await pipeline(readNpy('x.npy'), formatCsv({ columns: ['a', 'b'] }), createGzip(), createWriteStream('x.csv.gz'))
 * ```
 */
export function formatCsv (options: WriteCsvOptions = {}): Transform {
  return formatter(csvEncoder(options, 'formatCsv'))
}

/**
 * A Transform (objects in, text out) writing batches as NDJSON: one JSON value per row (a number
 * for one column, an array, or an object with `columns`); NaN and infinities are `null`. A
 * SequenceBatch is written one sequence per line, an array of its observations (what
 * `readSequences` reads back); one with per-sequence `logProbability` (an HMM's `predictStream`)
 * as `{"path": [...], "logProbability": x}`.
 *
 * @throws ArilError `ERR_INVALID_OPTION` at once; `ERR_COLUMN_COUNT` through the stream
 * @example
 * ```ts
 * await pipeline(readNpy('x.npy'), model.predictStream(), formatNdjson(), process.stdout)
 * ```
 */
export function formatNdjson (options: WriteNdjsonOptions = {}): Transform {
  return formatter(ndjsonEncoder(options, 'formatNdjson'))
}

/**
 * A Writable (object mode) of batches that writes a CSV file (see {@link formatCsv}). The file is
 * removed if the stream fails.
 *
 * @throws ArilError `ERR_INVALID_OPTION` at once; `ERR_SOURCE` when the file cannot be written,
 *   and the errors of {@link formatCsv}
 * @example
 * ```ts
 * await pipeline(readCsv('in.csv', { columns: true }), model.predictStream(), writeCsv('labels.csv', { columns: ['class'] }))
 * ```
 */
export function writeCsv (path: string, options: WriteCsvOptions = {}): Writable {
  return new TextFileWriter(path, csvEncoder(options, 'writeCsv'))
}

/**
 * A Writable (object mode) of batches that writes an NDJSON file (see {@link formatNdjson}). The
 * file is removed if the stream fails.
 *
 * @throws ArilError as {@link writeCsv}
 * @example
 * ```ts
 * await pipeline(readNpy('x.npy'), model.predictStream({ output: 'proba' }), writeNdjson('proba.ndjson'))
 * ```
 */
export function writeNdjson (path: string, options: WriteNdjsonOptions = {}): Writable {
  return new TextFileWriter(path, ndjsonEncoder(options, 'writeNdjson'))
}

class TextFileWriter extends FileWriter {
  private row = 0

  constructor (path: string, private readonly encoder: Encoder) {
    // The path is checked before super(): a Writable starts opening its file as soon as it is built.
    if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
    super(path, { objectMode: true, highWaterMark: 2 })
  }

  protected openError (err: Error): Error {
    return fileError(err, this.path)
  }

  override _write (chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let text: string
    try {
      const batch = asBatch(chunk)
      text = encodeChunk(this.encoder, chunk, batch, this.row)
      this.row += batch.rows
    } catch (err) {
      callback(err as Error)
      return
    }
    this.handle!.writeFile(text).then(() => callback(), (err: Error) => callback(fileError(err, this.path)))
  }

  override _final (callback: (error?: Error | null) => void): void {
    this.closeComplete().then(() => callback(), callback)
  }
}

function fileError (err: Error, file: string): Error {
  return new ArilError('ERR_SOURCE', `Cannot write the file: ${err.message}`, { file }, { cause: err })
}

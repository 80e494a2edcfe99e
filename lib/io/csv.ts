/**
 * CSV to Batches, on [csv-parse](https://csv.js.org/parse/) 6. Numbers are converted by
 * csv-parse's own `cast: true` (a cast function would cost ten times as much), records are taken
 * from its stream-agnostic parser directly (no object-mode stream per record), and rows go
 * through the shared column mapping of `columns.ts`.
 */
import { Parser } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import type { Batch } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { columnOptions, resolveColumns, RowBuilder, type ColumnOptions, type ColumnSettings } from './columns.js'

/** Options of {@link parseCsv} and {@link readCsv}. */
export interface CsvOptions extends ColumnOptions, StreamOptions {
  /** `true`: the first row is a header naming the columns; an array: the names of a file without header; default: no header. */
  columns?: boolean | readonly string[] | undefined
  /** The field delimiter (default `','`). */
  delimiter?: string | undefined
  /** The quote character (default `'"'`); `null` or `false` disables quoting. */
  quote?: string | null | false | undefined
  /**
   * csv-parse's own options, passed through after a check (snake_case as csv-parse documents them,
   * or camelCase): `from_line`/`to_line` (1-based lines), `from`/`to` (1-based records), `comment`,
   * `comment_no_infix`, `relax_column_count` (short rows are padded with missing values, long rows
   * cut to the first row's width), `relax_quotes`, `ltrim`/`rtrim`/`trim`, `escape`,
   * `record_delimiter`, `encoding`, `max_record_size`, `skip_empty_lines` (default true),
   * `skip_records_with_empty_values`, `skip_records_with_error`, `bom` (default true).
   */
  from_line?: number | undefined
  to_line?: number | undefined
  from?: number | undefined
  to?: number | undefined
  comment?: string | undefined
  comment_no_infix?: boolean | undefined
  relax_column_count?: boolean | undefined
  relax_quotes?: boolean | undefined
  ltrim?: boolean | undefined
  rtrim?: boolean | undefined
  trim?: boolean | undefined
  escape?: string | null | false | undefined
  record_delimiter?: string | readonly string[] | undefined
  encoding?: BufferEncoding | undefined
  max_record_size?: number | undefined
  skip_empty_lines?: boolean | undefined
  skip_records_with_empty_values?: boolean | undefined
  skip_records_with_error?: boolean | undefined
  bom?: boolean | undefined
  fromLine?: number | undefined
  toLine?: number | undefined
  commentNoInfix?: boolean | undefined
  relaxColumnCount?: boolean | undefined
  relaxQuotes?: boolean | undefined
  recordDelimiter?: string | readonly string[] | undefined
  maxRecordSize?: number | undefined
  skipEmptyLines?: boolean | undefined
  skipRecordsWithEmptyValues?: boolean | undefined
  skipRecordsWithError?: boolean | undefined
}

/** How each csv-parse option passed through is checked. */
const PASSED: Record<string, 'line' | 'boolean' | 'char' | 'text' | 'delimiter' | 'encoding'> = {
  from_line: 'line', to_line: 'line', from: 'line', to: 'line', max_record_size: 'line',
  comment: 'text', escape: 'char', record_delimiter: 'delimiter', encoding: 'encoding',
  comment_no_infix: 'boolean', relax_column_count: 'boolean', relax_quotes: 'boolean', ltrim: 'boolean', rtrim: 'boolean', trim: 'boolean',
  skip_empty_lines: 'boolean', skip_records_with_empty_values: 'boolean', skip_records_with_error: 'boolean', bom: 'boolean'
}
const CAMEL = Object.fromEntries(Object.keys(PASSED).map(k => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), k]))

/** The csv-parse options passed through, checked and under their snake_case names. */
function passedOptions (o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [given, value] of Object.entries(o)) {
    const name = CAMEL[given] ?? given
    const kind = PASSED[name]
    if (kind === undefined || value === undefined) continue
    if (name in out) invalidOption(given, `one of ${name} and its camelCase form, not both`, value)
    const ok = kind === 'line' ? Number.isSafeInteger(value) && (value as number) >= 1
      : kind === 'boolean' ? typeof value === 'boolean'
        : kind === 'char' ? value === null || value === false || (typeof value === 'string' && value.length === 1)
          : kind === 'text' ? typeof value === 'string' && value.length > 0
            : kind === 'encoding' ? typeof value === 'string' && Buffer.isEncoding(value)
              : (typeof value === 'string' && value.length > 0) || (Array.isArray(value) && value.length > 0 && value.every(v => typeof v === 'string' && v.length > 0))
    if (!ok) {
      invalidOption(given, { line: 'a whole number >= 1', boolean: 'true or false', char: 'one character, null or false', text: 'a non-empty string', encoding: 'a Buffer encoding such as utf8 or latin1', delimiter: 'a non-empty string or an array of them' }[kind], value)
    }
    out[name] = value
  }
  if (out.from_line !== undefined && out.to_line !== undefined && (out.to_line as number) < (out.from_line as number)) invalidOption('to_line', `a line >= from_line (${String(out.from_line)})`, out.to_line)
  return out
}

/** {@link CsvOptions} checked: the column settings plus the csv-parse options. */
interface CsvSettings {
  readonly columns: ColumnSettings
  readonly header: boolean
  readonly names: readonly string[] | undefined
  readonly parse: Readonly<Record<string, unknown>>
  /** `relax_column_count`: rows of another width are padded or cut instead of failing. */
  readonly relax: boolean
}

/** csv-parse's state machine, as its own Transform and sync parser drive it. */
interface CsvApi {
  parse (buf: Buffer | undefined, end: boolean, push: (record: unknown[]) => void, close: () => void): (Error & { code?: string; lines?: number }) | undefined
  readonly info: { readonly lines: number }
}

function csvSettings (options: CsvOptions | undefined): CsvSettings {
  const columns = columnOptions(options, ['columns', 'delimiter', 'quote', 'signal', ...Object.keys(PASSED), ...Object.keys(CAMEL)])
  const o = (options ?? {}) as Record<string, unknown>
  const c = o.columns ?? false
  if (typeof c !== 'boolean' && !(Array.isArray(c) && c.length > 0 && c.every(n => typeof n === 'string') && new Set(c).size === c.length)) {
    invalidOption('columns', 'true (a header row), false, or an array of distinct column names', c)
  }
  const delimiter = o.delimiter ?? ','
  if (typeof delimiter !== 'string' || delimiter.length === 0) invalidOption('delimiter', 'a non-empty string', delimiter)
  const quote = o.quote === undefined ? '"' : o.quote
  if (!(quote === null || quote === false || (typeof quote === 'string' && quote.length === 1))) invalidOption('quote', 'one character, null or false', quote)
  if (quote === delimiter) invalidOption('quote', 'a character other than the delimiter', quote)
  const passed = passedOptions(o)
  return {
    columns,
    header: c === true,
    names: Array.isArray(c) ? c : undefined,
    // Blank lines carry no row (as in pandas); a byte-order mark is not part of the first name.
    parse: { cast: true, delimiter, quote, skip_empty_lines: true, bom: true, ...passed },
    relax: passed.relax_column_count === true
  }
}

class CsvDecoder implements Decoder {
  private readonly api: CsvApi
  private builder: RowBuilder | undefined
  /** Cells of every row (the first row's, or the header's). */
  private width = 0
  /** Chunks up to the header, to read header cells that `cast` turned into numbers again as text. */
  private head: Buffer[] | undefined
  private readonly onRecord = (record: unknown[]): void => {
    if (this.builder === undefined) this.first(record)
    else this.builder.addRow(this.settings.relax ? this.fit(record) : record)
  }

  constructor (private readonly settings: CsvSettings, private readonly emit: (batch: Batch) => void, private readonly file: string | undefined) {
    this.api = (new Parser(settings.parse) as unknown as { api: CsvApi }).api
    if (settings.header) this.head = []
  }

  get skippedRows (): number {
    return this.builder?.skippedRows ?? 0
  }

  write (chunk: unknown): void {
    // The writable side is in byte mode: Node hands over Buffers, or strings as written.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer
    this.head?.push(buf)
    this.check(this.api.parse(buf, false, this.onRecord, noop))
  }

  end (): void {
    this.check(this.api.parse(undefined, true, this.onRecord, noop))
    this.builder?.flush()
  }

  private check (err: (Error & { code?: string; lines?: number }) | undefined): void {
    if (err === undefined) return
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      throw new ArilError('ERR_CSV_COLUMN', `CSV row has a different number of columns than the first (relax_column_count: true pads or cuts such rows; from_line skips a preamble): ${err.message}`, { line: err.lines, file: this.file }, { cause: err })
    }
    throw new ArilError('ERR_CSV_PARSE', `CSV cannot be parsed: ${err.message}`, { line: err.lines, file: this.file }, { cause: err })
  }

  /** `relax_column_count`: a short row padded with missing values, a long one cut to the width. */
  private fit (record: unknown[]): unknown[] {
    if (record.length === this.width) return record
    return record.length > this.width ? record.slice(0, this.width) : [...record, ...new Array<string>(this.width - record.length).fill('')]
  }

  /** The first record: the header, or the first row (which fixes the number of columns). */
  private first (record: unknown[]): void {
    const { settings } = this
    let names = settings.names
    if (settings.header) {
      names = record.some(v => typeof v !== 'string') ? this.headerText() : record as string[]
      this.head = undefined
    } else if (names !== undefined && names.length !== record.length && !settings.relax) {
      throw new ArilError('ERR_CSV_COLUMN', `Expected ${names.length} columns (option columns), got ${record.length}`, { line: this.api.info.lines, file: this.file })
    }
    this.width = names?.length ?? record.length
    const layout = resolveColumns(settings.columns, { names, width: this.width })
    const locate = (): { line: number; file: string | undefined } => ({ line: this.api.info.lines, file: this.file })
    this.builder = new RowBuilder(layout, settings.columns, { code: 'ERR_CSV_VALUE', locate }, this.emit)
    if (!settings.header) this.builder.addRow(settings.relax ? this.fit(record) : record)
  }

  /** The header row parsed again without `cast`, so a name such as `1.0` stays `'1.0'`. */
  private headerText (): string[] {
    const { cast: _cast, ...options } = this.settings.parse
    return (parseSync(Buffer.concat(this.head!), { ...options, to: 1 }) as string[][])[0]!
  }
}

function noop (): void {}

/**
 * A Transform from CSV bytes (or text) to Batches of `rowsPerBatch` rows.
 *
 * Empty cells and `NaN` are missing values (NaN); blank lines are skipped; other text in a numeric
 * column is an error (or, with `onInvalid: 'skip-row'`, drops the row and counts it in
 * `skippedRows`). Columns are picked by header name or 0-based index with `select`, `weight`,
 * `label` and `categorical` (kept as strings in `batch.categories`).
 *
 * @throws ArilError (through the stream) `ERR_CSV_VALUE` (line, row, column), `ERR_CSV_COLUMN`
 *   (line) for a row with another number of columns, `ERR_CSV_PARSE` (line, csv-parse's error as
 *   `cause`); `ERR_INVALID_OPTION` at once for a bad option.
 * @example
 * ```ts
 * await pipeline(createReadStream('heights.csv'), parseCsv({ columns: true, select: ['height'], weight: 'count' }), model.sink())
 * ```
 */
export function parseCsv (options?: CsvOptions): BatchStream {
  return csvStream(csvSettings(options), options?.signal, undefined)
}

/**
 * Reads a CSV file as a stream of Batches (see {@link parseCsv}); errors carry the file name.
 * Destroying the stream or aborting `signal` closes the file.
 *
 * @example
 * ```ts
 * for await (const batch of readCsv('data.csv', { columns: true })) console.log(batch.rows)
 * ```
 */
export function readCsv (path: string, options?: CsvOptions): BatchReadable {
  return readFile(path, csvStream(csvSettings(options), options?.signal, path))
}

function csvStream (settings: CsvSettings, signal: AbortSignal | undefined, file: string | undefined): BatchStream {
  return new BatchStream(emit => new CsvDecoder(settings, emit, file), { signal, file })
}

/**
 * CSV to Batches, on [csv-parse](https://csv.js.org/parse/) 6. Records are taken from its
 * stream-agnostic parser directly (no object-mode stream per record) as arrays of strings, and
 * rows go through the shared column mapping of `columns.ts`, which reads every cell by the one
 * number grammar of `text-number.ts`. (csv-parse's own `cast: true` reads `0x10` as 0, and a cast
 * function would cost ten times as much.)
 */
import { Parser } from 'csv-parse'
import type { Batch } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded } from '../core/errors.js'
import { limitOption, optionKeys } from '../core/options.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { checkColumns, columnOptions, resolveColumns, RowBuilder, type ColumnOptions, type ColumnSettings } from './columns.js'
import { MAX_RECORD_LENGTH } from './limits.js'

/** Options of {@link parseCsv} and {@link readCsv}. */
export interface CsvOptions extends ColumnOptions, StreamOptions {
  /** `true`: the first row is a header naming the columns; an array: the names of a file without header; default: no header. */
  columns?: boolean | readonly string[] | undefined
  /** The field delimiter (default `','`). */
  delimiter?: string | undefined
  /** The quote character (default `'"'`); `null` or `false` disables quoting. */
  quote?: string | null | false | undefined
  /**
   * Limit: the longest record (a row, or the header) as csv-parse's `max_record_size` measures it,
   * the length of its cells without delimiters and quotes; longer is `ERR_LIMIT`. Default
   * 16,777,216 (2^24), at least 2.
   */
  maxRecordLength?: number | undefined
  /**
   * csv-parse's own options, passed through after a check (snake_case as csv-parse documents them,
   * or camelCase): `from_line`/`to_line` (1-based lines), `from`/`to` (1-based records), `comment`,
   * `comment_no_infix`, `relax_column_count` (short rows are padded with missing values, long rows
   * cut to the first row's width), `relax_quotes`, `ltrim`/`rtrim`/`trim`, `escape`,
   * `record_delimiter`, `encoding`, `skip_empty_lines` (default true),
   * `skip_records_with_empty_values`, `skip_records_with_error`, `bom` (default true). (csv-parse's
   * `max_record_size` is `maxRecordLength`.)
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
  skipEmptyLines?: boolean | undefined
  skipRecordsWithEmptyValues?: boolean | undefined
  skipRecordsWithError?: boolean | undefined
}

/** How each csv-parse option passed through is checked. */
const PASSED: Record<string, 'line' | 'boolean' | 'char' | 'text' | 'delimiter' | 'encoding'> = {
  from_line: 'line', to_line: 'line', from: 'line', to: 'line',
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
  readonly maxRecordLength: number
  /** The quote as one byte, or -1 without quotes; undefined when aril cannot find the record delimiter itself. */
  readonly quoteByte: number | undefined
  /**
   * Bytes of a first record without a line end beyond which it certainly breaks a limit: its
   * cells hold at most 3 bytes of UTF-8 per character counted, and each cell adds a delimiter and
   * two quotes.
   */
  readonly heldBytes: number
  /** `relax_column_count`: rows of another width are padded or cut instead of failing. */
  readonly relax: boolean
}

/** csv-parse's state machine, as its own Transform and sync parser drive it. */
interface CsvApi {
  parse (buf: Buffer | undefined, end: boolean, push: (record: unknown[]) => void, close: () => void): (Error & { code?: string; lines?: number }) | undefined
  readonly info: { readonly lines: number }
  /** The record being read: its cells so far. */
  readonly state: { readonly record: readonly unknown[] }
}

/** The keys of {@link CsvOptions} besides the column options: aril's own, and csv-parse's passed through (snake_case and camelCase). */
export const CSV_OPTION_KEYS = optionKeys(['columns', 'delimiter', 'quote', 'signal', 'maxRecordLength'], Object.keys(PASSED), Object.keys(CAMEL))

function csvSettings (options: CsvOptions | undefined, where: string): CsvSettings {
  const columns = columnOptions(options, CSV_OPTION_KEYS, where)
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
  const maxRecordLength = limitOption(o, 'maxRecordLength', MAX_RECORD_LENGTH, Number.MAX_SAFE_INTEGER, 2)
  const passed = passedOptions(o)
  // The record-delimiter scan reads UTF-8-compatible bytes with csv-parse's default escape and
  // strict quotes; with any option that changes that, csv-parse finds the delimiter itself.
  const scannable = !/[\r\n]/.test(delimiter) && ['record_delimiter', 'escape', 'comment', 'relax_quotes', 'encoding'].every(k => passed[k] === undefined)
  const quoteByte = typeof quote !== 'string' ? -1 : quote.charCodeAt(0) < 0x80 ? quote.charCodeAt(0) : undefined
  return {
    columns,
    header: c === true,
    names: Array.isArray(c) ? c : undefined,
    // Blank lines carry no row (as in pandas); a byte-order mark is not part of the first name.
    // csv-parse checks its limit before it appends a character, so it lets one more through (and 0 turns it off).
    parse: { delimiter, quote, skip_empty_lines: true, bom: true, ...passed, max_record_size: maxRecordLength - 1 },
    maxRecordLength,
    quoteByte: scannable ? quoteByte : undefined,
    heldBytes: 3 * maxRecordLength + (Buffer.byteLength(delimiter) + 2) * columns.maxColumns + 3,
    relax: passed.relax_column_count === true
  }
}

/** Input is handed to csv-parse in slices of at most this many bytes, so a record's cells are counted as it grows. */
const SLICE = 65536

const CR = 0x0d
const LF = 0x0a
/** csv-parse's escape character (aril keeps its default, the double quote). */
const ESCAPE = 0x22

/**
 * Finds the record delimiter the way csv-parse's auto-discovery does: the first `\r\n`, `\n` or
 * `\r` outside quotes. csv-parse is then given it as an option, because until it has found one
 * itself it allocates several Buffers for every byte it reads (about 400 ns a byte: 43 s for a
 * first line of 100 MB, against 30 ns a byte afterwards).
 */
class RecordDelimiterScan {
  private quoted = false
  private afterEscape = false
  private afterCR = false

  constructor (private readonly quote: number) {}

  /** The delimiter, once `bytes` (the next input) decide it. */
  scan (bytes: Uint8Array): string | undefined {
    const { quote } = this
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!
      if (this.afterCR) return b === LF ? '\r\n' : '\r'
      if (this.quoted) {
        if (this.afterEscape) {
          this.afterEscape = false
          if (b === quote) continue
        }
        if (b === quote) this.quoted = false
        else if (b === ESCAPE) this.afterEscape = true
      } else if (b === quote) {
        this.quoted = true
      } else if (b === LF) {
        return '\n'
      } else if (b === CR) {
        this.afterCR = true
      }
    }
    return undefined
  }

  /** The delimiter when the input ends before another byte decides it. */
  end (): string {
    return this.afterCR ? '\r' : '\n'
  }
}

class CsvDecoder implements Decoder {
  private api: CsvApi | undefined
  private builder: RowBuilder | undefined
  /** Until the record delimiter is known: the scan and the input held back from csv-parse. */
  private scan: RecordDelimiterScan | undefined
  private held: Buffer[] = []
  private heldBytes = 0
  /** Cells of every row (the first row's, or the header's). */
  private width = 0
  private readonly onRecord = (record: unknown[]): void => {
    if (this.builder === undefined) this.first(record)
    else this.builder.addRow(this.settings.relax ? this.fit(record) : record)
  }

  constructor (private readonly settings: CsvSettings, private readonly emit: (batch: Batch) => void, private readonly file: string | undefined) {
    if (settings.quoteByte === undefined) this.api = this.parser(undefined)
    else this.scan = new RecordDelimiterScan(settings.quoteByte)
  }

  get skippedRows (): number {
    return this.builder?.skippedRows ?? 0
  }

  write (chunk: unknown): void {
    // The writable side is in byte mode: Node hands over Buffers, or strings as written.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer
    if (this.api !== undefined) {
      this.feed(buf)
      return
    }
    this.held.push(buf)
    this.heldBytes += buf.length
    const delimiter = this.scan!.scan(buf)
    // Without a delimiter so far, the held bytes are all one record, which past this bound breaks
    // a limit that csv-parse or feed() then reports (whatever delimiter it is given).
    if (delimiter !== undefined || this.heldBytes > this.settings.heldBytes) this.release(delimiter ?? '\n')
  }

  end (): void {
    if (this.api === undefined) this.release(this.scan!.end())
    this.check(this.api!.parse(undefined, true, this.onRecord, noop))
    this.builder?.flush()
  }

  private parser (recordDelimiter: string | undefined): CsvApi {
    const options = recordDelimiter === undefined ? this.settings.parse : { ...this.settings.parse, record_delimiter: recordDelimiter }
    return (new Parser(options) as unknown as { api: CsvApi }).api
  }

  /** Starts csv-parse with the record delimiter and hands it the input held back. */
  private release (recordDelimiter: string): void {
    this.api = this.parser(recordDelimiter)
    this.scan = undefined
    const held = this.held
    this.held = []
    for (const buf of held) this.feed(buf)
  }

  private feed (buf: Buffer): void {
    const api = this.api!
    for (let at = 0; at < buf.length; at += SLICE) {
      this.check(api.parse(at === 0 && buf.length <= SLICE ? buf : buf.subarray(at, at + SLICE), false, this.onRecord, noop))
      checkColumns(this.settings.columns, api.state.record.length, { line: api.info.lines, file: this.file })
    }
  }

  private check (err: (Error & { code?: string; lines?: number }) | undefined): void {
    if (err === undefined) return
    const location = { line: err.lines, file: this.file }
    if (err.code === 'CSV_MAX_RECORD_SIZE') limitExceeded('maxRecordLength', this.settings.maxRecordLength, `a record of more than ${this.settings.maxRecordLength} characters`, location)
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      throw new ArilError('ERR_CSV_COLUMN', `CSV row has a different number of columns than the first (relax_column_count: true pads or cuts such rows; from_line skips a preamble): ${err.message}`, location, { cause: err })
    }
    throw new ArilError('ERR_CSV_PARSE', `CSV cannot be parsed: ${err.message}`, location, { cause: err })
  }

  /** `relax_column_count`: a short row padded with missing values, a long one cut to the width. */
  private fit (record: unknown[]): unknown[] {
    if (record.length === this.width) return record
    return record.length > this.width ? record.slice(0, this.width) : [...record, ...new Array<string>(this.width - record.length).fill('')]
  }

  /** The first record: the header, or the first row (which fixes the number of columns). */
  private first (record: unknown[]): void {
    const { settings } = this
    const locate = (): { line: number; file: string | undefined } => ({ line: this.api!.info.lines, file: this.file })
    checkColumns(settings.columns, record.length, locate())
    let names = settings.names
    if (settings.header) {
      names = record as string[]
    } else if (names !== undefined && names.length !== record.length && !settings.relax) {
      throw new ArilError('ERR_CSV_COLUMN', `Expected ${names.length} columns (option columns), got ${record.length}`, locate())
    }
    this.width = names?.length ?? record.length
    const layout = resolveColumns(settings.columns, { names, width: this.width })
    this.builder = new RowBuilder(layout, settings.columns, { code: 'ERR_CSV_VALUE', locate, untyped: true }, this.emit)
    if (!settings.header) this.builder.addRow(settings.relax ? this.fit(record) : record)
  }
}

function noop (): void {}

/**
 * A Transform from CSV bytes (or text) to Batches of `rowsPerBatch` rows.
 *
 * Cells are numbers by the grammar of Python's `float()` (see text-number.ts: `1e3`, ` inf`,
 * not `0x10`); empty cells and every spelling of `nan` are missing values (NaN); blank lines are
 * skipped; other text in a numeric column is an error (or, with `onInvalid: 'skip-row'`, drops the
 * row and counts it in `skippedRows`). Columns are picked by header name or 0-based index with
 * `select`, `weight`, `label` and `categorical` (kept in `batch.categories`: a number, or the
 * cell's text).
 *
 * @throws ArilError (through the stream) `ERR_CSV_VALUE` (line, row, column), `ERR_CSV_COLUMN`
 *   (line) for a row with another number of columns, `ERR_CSV_PARSE` (line, csv-parse's error as
 *   `cause`), `ERR_LIMIT` (line; `limit` is `maxRecordLength` or `maxColumns`); `ERR_INVALID_OPTION`
 *   at once for a bad option.
 * @example
 * ```ts
 * await pipeline(createReadStream('heights.csv'), parseCsv({ columns: true, select: ['height'], weight: 'count' }), model.sink())
 * ```
 */
export function parseCsv (options?: CsvOptions): BatchStream {
  return csvStream(csvSettings(options, 'parseCsv'), options?.signal, undefined)
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
  return readFile(path, csvStream(csvSettings(options, 'readCsv'), options?.signal, path))
}

function csvStream (settings: CsvSettings, signal: AbortSignal | undefined, file: string | undefined): BatchStream {
  return new BatchStream(emit => new CsvDecoder(settings, emit, file), { signal, file })
}

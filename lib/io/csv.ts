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
}

/** {@link CsvOptions} checked: the column settings plus the csv-parse options. */
interface CsvSettings {
  readonly columns: ColumnSettings
  readonly header: boolean
  readonly names: readonly string[] | undefined
  readonly parse: Readonly<Record<string, unknown>>
}

/** csv-parse's state machine, as its own Transform and sync parser drive it. */
interface CsvApi {
  parse (buf: Buffer | undefined, end: boolean, push: (record: unknown[]) => void, close: () => void): (Error & { code?: string; lines?: number }) | undefined
  readonly info: { readonly lines: number }
}

function csvSettings (options: CsvOptions | undefined): CsvSettings {
  const columns = columnOptions(options, ['columns', 'delimiter', 'quote', 'signal'])
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
  return {
    columns,
    header: c === true,
    names: Array.isArray(c) ? c : undefined,
    // Blank lines carry no row (as in pandas); a byte-order mark is not part of the first name.
    parse: { cast: true, delimiter, quote, skip_empty_lines: true, bom: true }
  }
}

class CsvDecoder implements Decoder {
  private readonly api: CsvApi
  private builder: RowBuilder | undefined
  /** Chunks up to the header, to read header cells that `cast` turned into numbers again as text. */
  private head: Buffer[] | undefined
  private readonly onRecord = (record: unknown[]): void => {
    if (this.builder === undefined) this.first(record)
    else this.builder.addRow(record)
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
      throw new ArilError('ERR_CSV_COLUMN', `CSV row has a different number of columns than the first: ${err.message}`, { line: err.lines, file: this.file }, { cause: err })
    }
    throw new ArilError('ERR_CSV_PARSE', `CSV cannot be parsed: ${err.message}`, { line: err.lines, file: this.file }, { cause: err })
  }

  /** The first record: the header, or the first row (which fixes the number of columns). */
  private first (record: unknown[]): void {
    const { settings } = this
    let names = settings.names
    if (settings.header) {
      names = record.some(v => typeof v !== 'string') ? this.headerText() : record as string[]
      this.head = undefined
    } else if (names !== undefined && names.length !== record.length) {
      throw new ArilError('ERR_CSV_COLUMN', `Expected ${names.length} columns (option columns), got ${record.length}`, { line: this.api.info.lines, file: this.file })
    }
    const layout = resolveColumns(settings.columns, { names, width: record.length })
    const locate = (): { line: number; file: string | undefined } => ({ line: this.api.info.lines, file: this.file })
    this.builder = new RowBuilder(layout, settings.columns, { code: 'ERR_CSV_VALUE', locate }, this.emit)
    if (!settings.header) this.builder.addRow(record)
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
export function readCsv (path: string, options?: CsvOptions): BatchStream {
  return readFile(path, csvStream(csvSettings(options), options?.signal, path))
}

function csvStream (settings: CsvSettings, signal: AbortSignal | undefined, file: string | undefined): BatchStream {
  return new BatchStream(emit => new CsvDecoder(settings, emit, file), { signal, file })
}

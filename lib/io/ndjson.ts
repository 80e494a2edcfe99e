/**
 * NDJSON ([JSON Lines](https://jsonlines.org/)) to Batches: one value per line, a number, an array
 * of cells or an object. Lines are split here and each one goes to `JSON.parse`, the fastest JSON
 * reader a JavaScript program has; rows then go through the shared column mapping of `columns.ts`.
 */
import type { Batch } from '../core/batch.js'
import { ArilError, limitExceeded } from '../core/errors.js'
import { limitOption } from '../core/options.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { columnOptions, ValueRows, type ColumnOptions, type ColumnSettings } from './columns.js'
import { MAX_LINE_LENGTH } from './limits.js'

/** Options of {@link parseNdjson} and {@link readNdjson}: the column options and a limit. */
export interface NdjsonOptions extends ColumnOptions, StreamOptions {
  /** Limit: the longest line, in characters (UTF-16 code units); longer is `ERR_LIMIT`. Default 16,777,216 (2^24). */
  maxLineLength?: number | undefined
}

interface NdjsonSettings {
  readonly columns: ColumnSettings
  readonly maxLineLength: number
}

/** The keys of {@link NdjsonOptions} besides the column options. */
export const NDJSON_OPTION_KEYS = ['signal', 'maxLineLength'] as const

function ndjsonSettings (options: NdjsonOptions | undefined, where: string): NdjsonSettings {
  return { columns: columnOptions(options, NDJSON_OPTION_KEYS, where), maxLineLength: limitOption(options, 'maxLineLength', MAX_LINE_LENGTH) }
}

/**
 * Splits NDJSON text into lines and hands each non-blank one, parsed, to `onValue` with its 1-based
 * number (shared by the row and the sequence readers).
 */
export class NdjsonLines {
  private readonly text = new TextDecoder()
  /**
   * The unfinished last line so far, in the pieces it came in: joined once, when its end arrives
   * (appending each chunk to one string and searching it again made a long line quadratic).
   */
  private held: string[] = []
  private heldLength = 0
  /** Lines finished so far (the 1-based number of the line being parsed). */
  line = 0

  constructor (private readonly maxLineLength: number, private readonly file: string | undefined, private readonly onValue: (value: unknown) => void) {}

  write (chunk: unknown): void {
    // The writable side is in byte mode: Node hands over Buffers, or strings as written.
    const text = typeof chunk !== 'string'
      ? this.text.decode(chunk as Buffer, { stream: true })
      : this.line === 0 && this.heldLength === 0 && chunk.charCodeAt(0) === 0xFEFF ? chunk.slice(1) : chunk
    let start = 0
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.checkLength(this.heldLength + nl - start)
      this.parseLine(this.heldLength === 0 ? text.slice(start, nl) : this.take(text.slice(start, nl)))
      start = nl + 1
    }
    if (start < text.length) {
      this.heldLength += text.length - start
      this.checkLength(this.heldLength)
      this.held.push(start === 0 ? text : text.slice(start))
    }
  }

  end (): void {
    const last = this.text.decode()
    this.checkLength(this.heldLength + last.length)
    this.parseLine(this.take(last))
  }

  /** The held pieces and `last`, joined into one line. */
  private take (last: string): string {
    this.held.push(last)
    const line = this.held.join('')
    this.held = []
    this.heldLength = 0
    return line
  }

  private checkLength (length: number): void {
    const max = this.maxLineLength
    if (length > max) limitExceeded('maxLineLength', max, `a line of more than ${max} characters`, { line: this.line + 1, file: this.file })
  }

  private parseLine (line: string): void {
    this.line++
    let value: unknown
    try {
      // JSON.parse skips the '\r' of CRLF line ends (JSON whitespace) and throws on blank lines,
      // so blank lines cost nothing until they are found here.
      value = JSON.parse(line)
    } catch (err) {
      if (line.trim() === '') return
      throw new ArilError('ERR_NDJSON_PARSE', `NDJSON line is not JSON: ${(err as Error).message}`, { line: this.line, file: this.file }, { cause: err })
    }
    this.onValue(value)
  }
}

class NdjsonDecoder implements Decoder {
  private readonly rows: ValueRows
  private readonly lines: NdjsonLines

  constructor (settings: NdjsonSettings, emit: (batch: Batch) => void, file: string | undefined) {
    this.lines = new NdjsonLines(settings.maxLineLength, file, value => this.rows.write(value))
    this.rows = new ValueRows(settings.columns, { code: 'ERR_JSON_VALUE', locate: () => ({ line: this.lines.line, file }) }, emit)
  }

  get skippedRows (): number {
    return this.rows.skippedRows
  }

  write (chunk: unknown): void {
    this.lines.write(chunk)
  }

  end (): void {
    this.lines.end()
    this.rows.end()
  }
}

/**
 * A Transform from NDJSON bytes (or text) to Batches of `rowsPerBatch` rows. Each non-blank line
 * holds one row: a number (one column), an array of cells, or an object (fields mapped to columns
 * by name, as `select`, `weight`, `label` and `categorical` say; a field named like an
 * `Object.prototype` member is read only from the row itself, and a missing field is a missing
 * value). `null` is a missing value; a string where a number belongs is read by the grammar of
 * text-number.ts (`"1e3"`, `"nan"`; not `"0x10"`).
 *
 * @throws ArilError (through the stream) `ERR_NDJSON_PARSE` (line) for a line that is not JSON,
 *   `ERR_JSON_VALUE` (line, row, column) for a value that is not a number, `ERR_RAGGED_ROWS`
 *   (line, row) for a row unlike the first, `ERR_LIMIT` (line; `limit` is `maxLineLength` or
 *   `maxColumns`); `ERR_INVALID_OPTION` at once.
 * @example
 * ```ts
 * await pipeline(createReadStream('rows.ndjson'), parseNdjson({ select: ['x'], weight: 'w' }), model.sink())
 * ```
 */
export function parseNdjson (options?: NdjsonOptions): BatchStream {
  const settings = ndjsonSettings(options, 'parseNdjson')
  return new BatchStream(emit => new NdjsonDecoder(settings, emit, undefined), { signal: options?.signal })
}

/**
 * Reads an NDJSON file as a stream of Batches (see {@link parseNdjson}); errors carry the file
 * name. Destroying the stream or aborting `signal` closes the file.
 *
 * @example
 * ```ts
 * for await (const batch of readNdjson('rows.ndjson')) console.log(batch.rows)
 * ```
 */
export function readNdjson (path: string, options?: NdjsonOptions): BatchReadable {
  const settings = ndjsonSettings(options, 'readNdjson')
  return readFile(path, new BatchStream(emit => new NdjsonDecoder(settings, emit, path), { signal: options?.signal, file: path }))
}

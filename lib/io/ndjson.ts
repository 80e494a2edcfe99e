/**
 * NDJSON ([JSON Lines](https://jsonlines.org/)) to Batches: one value per line, a number, an array
 * of cells or an object. Lines are split here and each one goes to `JSON.parse`, the fastest JSON
 * reader a JavaScript program has; rows then go through the shared column mapping of `columns.ts`.
 */
import type { Batch } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { columnOptions, ValueRows, type ColumnOptions, type ColumnSettings } from './columns.js'

/** Options of {@link parseNdjson} and {@link readNdjson}: the column options. */
export type NdjsonOptions = ColumnOptions & StreamOptions

class NdjsonDecoder implements Decoder {
  private readonly text = new TextDecoder()
  private readonly rows: ValueRows
  /** The unfinished last line of the text so far. */
  private rest = ''
  /** Lines finished so far (the 1-based number of the line being parsed). */
  private line = 0

  constructor (settings: ColumnSettings, emit: (batch: Batch) => void, private readonly file: string | undefined) {
    this.rows = new ValueRows(settings, { code: 'ERR_JSON_VALUE', locate: () => ({ line: this.line, file: this.file }) }, emit)
  }

  get skippedRows (): number {
    return this.rows.skippedRows
  }

  write (chunk: unknown): void {
    // The writable side is in byte mode: Node hands over Buffers, or strings as written.
    const text = typeof chunk !== 'string'
      ? this.text.decode(chunk as Buffer, { stream: true })
      : this.line === 0 && this.rest === '' && chunk.charCodeAt(0) === 0xFEFF ? chunk.slice(1) : chunk
    const all = this.rest + text
    let start = 0
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      this.parseLine(all.slice(start, nl))
      start = nl + 1
    }
    this.rest = all.slice(start)
  }

  end (): void {
    const last = this.rest + this.text.decode()
    this.rest = ''
    this.parseLine(last)
    this.rows.end()
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
    this.rows.write(value)
  }
}

/**
 * A Transform from NDJSON bytes (or text) to Batches of `rowsPerBatch` rows. Each non-blank line
 * holds one row: a number (one column), an array of cells, or an object (fields mapped to columns
 * by name, as `select`, `weight`, `label` and `categorical` say; a missing field is a missing
 * value). `null` and `"NaN"` are missing values.
 *
 * @throws ArilError (through the stream) `ERR_NDJSON_PARSE` (line) for a line that is not JSON,
 *   `ERR_JSON_VALUE` (line, row, column) for a value that is not a number, `ERR_RAGGED_ROWS`
 *   (line, row) for a row unlike the first; `ERR_INVALID_OPTION` at once.
 * @example
 * ```ts
 * await pipeline(createReadStream('rows.ndjson'), parseNdjson({ select: ['x'], weight: 'w' }), model.sink())
 * ```
 */
export function parseNdjson (options?: NdjsonOptions): BatchStream {
  const settings = columnOptions(options, ['signal'])
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
  const settings = columnOptions(options, ['signal'])
  return readFile(path, new BatchStream(emit => new NdjsonDecoder(settings, emit, path), { signal: options?.signal, file: path }))
}

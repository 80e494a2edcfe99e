/**
 * A JSON document to Batches, on the tokenizer of [stream-json](https://github.com/uhop/stream-json) 3:
 * the rows are the elements of the top-level array, or of the array at a path such as
 * `'data.rows'`. To keep stream-json's overhead low the bare tokenizer is called directly (no
 * stream per stage, no assembler): tokens are read here into one row at a time, and rows go
 * through the shared column mapping of `columns.ts`.
 *
 * stream-json's tokens carry no position, so a syntax error in `parseJson` is located by the
 * chunk it was found in (its first byte and line); `readJson` reads the file again with
 * stream-json's verifier to give the exact line and column.
 */
import { none } from 'stream-chain/defs.js'
import { jsonParser, type Token } from 'stream-json/parser.js'
import { verifyFile } from 'stream-json/file/verifier.js'
import type { Batch } from '../core/batch.js'
import { ArilError, invalidOption, limitExceeded, show, type ErrorLocation } from '../core/errors.js'
import { limitOption } from '../core/options.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { checkColumns, columnOptions, ValueRows, type ColumnOptions, type ColumnSettings } from './columns.js'
import { MAX_VALUE_LENGTH } from './limits.js'

/** Options of {@link parseJson} and {@link readJson}. */
export interface JsonOptions extends ColumnOptions, StreamOptions {
  /** Dot-separated object keys leading to the array of rows, e.g. `'data.rows'` (default: the top-level array). */
  path?: string | undefined
  /**
   * Limit: the longest string, key or number in the document, in characters; longer is
   * `ERR_LIMIT`. Default 16,777,216 (2^24). The tokenizer reports a value only once it is
   * complete, so what is measured is the longest stretch of input that completes no token: a
   * long run of white space between values counts too.
   */
  maxValueLength?: number | undefined
}

interface JsonSettings {
  readonly columns: ColumnSettings
  readonly path: readonly string[]
  readonly maxValueLength: number
}

/** The keys of {@link JsonOptions} besides the column options. */
export const JSON_OPTION_KEYS = ['path', 'signal', 'maxValueLength'] as const

function jsonSettings (options: JsonOptions | undefined, where: string): JsonSettings {
  const columns = columnOptions(options, JSON_OPTION_KEYS, where)
  const path = options?.path ?? ''
  if (typeof path !== 'string') invalidOption('path', "dot-separated keys such as 'data.rows'", path)
  return { columns, path: path === '' ? [] : path.split('.'), maxValueLength: limitOption(options, 'maxValueLength', MAX_VALUE_LENGTH) }
}

/** Where the tokenizer is: outside the array of rows, in it, or done with it. */
const enum Place { Before, Rows, After }

class JsonDecoder implements Decoder {
  private readonly tokenizer = jsonParser({ packValues: true, streamValues: false })
  private readonly text = new TextDecoder()
  private readonly rows: ValueRows
  private place = Place.Before
  /** Open arrays and objects. */
  private open = 0
  /** How many of the outer open containers are objects whose current key follows the path. */
  private onPath = 0
  /** The row being read: its cells or fields (undefined between rows). */
  private row: unknown[] | Record<string, unknown> | undefined
  /** Cells of the row so far. */
  private cells = 0
  private key = ''
  /** Characters fed since the tokenizer last completed a token. */
  private sinceToken = 0
  /** Where the current chunk starts. */
  private byteOffset = 0
  private line = 1

  constructor (private readonly settings: JsonSettings, emit: (batch: Batch) => void, private readonly file: string | undefined) {
    this.rows = new ValueRows(settings.columns, { code: 'ERR_JSON_VALUE', locate: () => this.where() }, emit)
  }

  get skippedRows (): number {
    return this.rows.skippedRows
  }

  write (chunk: unknown): void {
    // The writable side is in byte mode: Node hands over Buffers, or strings as written.
    const text = typeof chunk === 'string' ? chunk : this.text.decode(chunk as Buffer, { stream: true })
    this.feed(text)
    this.byteOffset += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).byteLength
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) this.line++
  }

  end (): void {
    const rest = this.text.decode()
    if (rest !== '') this.feed(rest)
    this.feed(none)
    if (this.place === Place.Before) {
      const what = this.settings.path.length === 0 ? 'an array at the top level' : `an array at path ${show(this.settings.path.join('.'))}`
      throw new ArilError('ERR_JSON_VALUE', `Expected ${what} of the JSON document, found none`, { file: this.file })
    }
    this.rows.end()
  }

  private where (): ErrorLocation {
    return { file: this.file, byteOffset: this.byteOffset, line: this.line }
  }

  private feed (text: string | typeof none): void {
    let out: unknown
    try {
      out = this.tokenizer(text as string)
    } catch (err) {
      const found = (err as Error).message.replace(/^Parser /, '')
      const where = text === none ? 'at the end of the input' : 'in the chunk of input that starts'
      throw new ArilError('ERR_JSON_PARSE', `JSON cannot be parsed (${found}) ${where}`, { ...this.where(), row: this.rows.row }, { cause: err })
    }
    if (out === none) {
      // The tokenizer holds a string or number until it ends; measured here by what it was fed since its last token.
      this.sinceToken += text === none ? 0 : (text as string).length
      const max = this.settings.maxValueLength
      if (this.sinceToken > max) limitExceeded('maxValueLength', max, `a value (or white space) of more than ${max} characters`, { ...this.where(), row: this.rows.row })
      return
    }
    this.sinceToken = 0
    // The tokenizer returns its tokens of a chunk as one `many(tokens)`, or `none`.
    const tokens = (out as { values: Token[] }).values
    for (let i = 0; i < tokens.length; i++) this.token(tokens[i]!)
  }

  private token (token: Token): void {
    if (this.place === Place.Rows) {
      this.rowToken(token)
      return
    }
    switch (token.name) {
      case 'startArray':
        if (this.place === Place.Before && this.open === this.settings.path.length && this.onPath === this.open) {
          this.place = Place.Rows
        }
        this.open++
        break
      case 'startObject':
        this.open++
        break
      case 'endArray':
      case 'endObject':
        this.open--
        if (this.onPath > this.open) this.onPath = this.open
        break
      case 'keyValue':
        if (this.onPath >= this.open - 1) {
          this.onPath = this.settings.path[this.open - 1] === token.value ? this.open : this.open - 1
        }
        break
    }
  }

  /** A token inside the array of rows (open − 1 is the depth of that array). */
  private rowToken (token: Token): void {
    const { row } = this
    switch (token.name) {
      case 'numberValue':
        this.value(Number(token.value))
        return
      case 'stringValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.value(token.value)
        return
      case 'keyValue':
        this.key = token.value
        return
      case 'startArray':
      case 'startObject':
        if (row !== undefined) {
          throw new ArilError('ERR_JSON_VALUE', `Expected numbers or strings in a row, got a nested ${token.name === 'startArray' ? 'array' : 'object'}`, { ...this.where(), row: this.rows.row })
        }
        this.row = token.name === 'startArray' ? [] : {}
        this.cells = 0
        return
      case 'endArray':
      case 'endObject':
        if (row === undefined) {
          this.place = Place.After
          this.open--
          this.onPath = 0
        } else {
          this.row = undefined
          this.rows.write(row)
        }
    }
  }

  private value (v: unknown): void {
    const { row } = this
    if (row === undefined) {
      this.rows.write(v)
      return
    }
    if (++this.cells > this.settings.columns.maxColumns) checkColumns(this.settings.columns, this.cells, { ...this.where(), row: this.rows.row })
    if (Array.isArray(row)) row.push(v)
    // As JSON.parse does: "__proto__" is a field like any other, not the object's prototype.
    else if (this.key === '__proto__') Object.defineProperty(row, '__proto__', { value: v, enumerable: true, writable: true, configurable: true })
    else row[this.key] = v
  }
}

/**
 * A Transform from the bytes (or text) of one JSON document to Batches of `rowsPerBatch` rows. The
 * rows are the elements of the top-level array, or of the array at `path`; each is a number (one
 * column), an array of cells, or an object (fields mapped to columns by name, as `select`,
 * `weight`, `label` and `categorical` say; a missing field is a missing value, and a `__proto__`
 * field a field like any other). Strings where numbers belong are read as by parseNdjson.
 *
 * @throws ArilError (through the stream) `ERR_JSON_PARSE` (the byte offset and line where the
 *   failing chunk starts; the cause is stream-json's error), `ERR_JSON_VALUE` for a value that is
 *   not a number or a missing array of rows, `ERR_RAGGED_ROWS` for a row unlike the first,
 *   `ERR_LIMIT` (`limit` is `maxValueLength` or `maxColumns`); `ERR_INVALID_OPTION` at once.
 * @example
 * ```ts
 * await pipeline(response.body, parseJson({ path: 'data.rows', select: ['x'] }), model.sink())
 * ```
 */
export function parseJson (options?: JsonOptions): BatchStream {
  const settings = jsonSettings(options, 'parseJson')
  return new BatchStream(emit => new JsonDecoder(settings, emit, undefined), { signal: options?.signal })
}

/**
 * Reads a JSON file as a stream of Batches (see {@link parseJson}). A syntax error is located
 * exactly (line and column, from stream-json's verifier); destroying the stream or aborting
 * `signal` closes the file.
 *
 * @example
 * ```ts
 * for await (const batch of readJson('data.json', { path: 'rows' })) console.log(batch.rows)
 * ```
 */
export function readJson (path: string, options?: JsonOptions): BatchReadable {
  const settings = jsonSettings(options, 'readJson')
  return readFile(path, new BatchStream(emit => new JsonDecoder(settings, emit, path), { signal: options?.signal, file: path, refineError: exactJsonError }))
}

/** Replaces the chunk-level location of a syntax error in a file by the verifier's exact one. */
async function exactJsonError (err: Error): Promise<Error> {
  if (!(err instanceof ArilError) || err.code !== 'ERR_JSON_PARSE' || err.file === undefined) return err
  try {
    await verifyFile(err.file)
  } catch (found) {
    const { line, pos } = found as { line?: number; pos?: number }
    if (typeof line === 'number') {
      const message = (found as Error).message.replace(/^ERROR at \d+ \(\d+, \d+\): Verifier /, '')
      return new ArilError('ERR_JSON_PARSE', `JSON cannot be parsed (${message})`, { line, column: pos, file: err.file }, { cause: err.cause })
    }
  }
  return err
}

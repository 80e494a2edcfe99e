/**
 * Streams of Batches. A text decoder (CSV, JSON, NDJSON, or rows of JavaScript values) is a plain
 * object fed chunk by chunk; {@link BatchStream} wraps one as a Node Transform, so it works after
 * any byte stream, in `pipeline`, in `for await`, and as a Web stream through `Duplex.toWeb`.
 * {@link readFile} joins a file to such a Transform and releases the file whenever the Transform
 * ends, fails, is destroyed or aborted. {@link toBatches} groups rows from any object-mode stream.
 */
import { createReadStream, stat } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import type { Batch } from '../core/batch.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { markSourceFile } from '../core/source-file.js'
import { columnOptions, ValueRows, type ColumnOptions } from './columns.js'

/** A decoder: fed chunks in order, it emits Batches through the callback it was made with. */
export interface Decoder {
  /** Decodes one chunk (bytes or text for parsers, a row for `toBatches`). */
  write (chunk: unknown): void
  /** The input is complete: emit the last rows, or throw if the input was cut short. */
  end (): void
  /** Rows dropped by `onInvalid: 'skip-row'`. */
  readonly skippedRows: number
}

/** Options every stream of Batches takes. */
export interface StreamOptions {
  /** Aborting destroys the stream with `ERR_ABORTED` (and closes the file of a `readX`). */
  signal?: AbortSignal | undefined
}

/** The keys of {@link StreamOptions}. */
export const STREAM_OPTION_KEYS = ['signal'] as const

/**
 * A Transform from chunks to Batches around a {@link Decoder}. `skippedRows` counts the rows
 * dropped by `onInvalid: 'skip-row'`; a `'skipped'` event with that count is emitted before
 * `'end'` when it is not 0.
 *
 * @example
 * ```ts
 * const stream = parseCsv({ onInvalid: 'skip-row' })
 * stream.on('skipped', n => console.warn(`${n} rows skipped`))
 * ```
 */
export class BatchStream extends Transform implements BatchReadable {
  /** Rows emitted, bytes (or characters) written in, and the file's size when read by `readFile`. */
  rowsRead = 0
  bytesRead = 0
  totalBytes: number | undefined
  readonly totalRows: number | undefined = undefined
  private readonly decoder: Decoder
  private readonly refineError: ((err: Error) => Promise<Error>) | undefined

  constructor (makeDecoder: (emit: (batch: Batch) => void) => Decoder, how: BatchStreamSetup) {
    // Two Batches of 8192 rows are enough read-ahead; more only holds memory.
    super({ readableObjectMode: true, writableObjectMode: how.objectInput === true, decodeStrings: false, readableHighWaterMark: 2 })
    this.decoder = makeDecoder(batch => { this.rowsRead += batch.rows; this.push(batch) })
    this.refineError = how.refineError
    if (how.signal !== undefined) abortOn(this, how.signal, how.file)
  }

  /** Rows dropped so far by `onInvalid: 'skip-row'`. */
  get skippedRows (): number {
    return this.decoder.skippedRows
  }

  override _transform (chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) this.bytesRead += chunk.length
    try {
      this.decoder.write(chunk)
    } catch (err) {
      this.fail(err as Error, callback)
      return
    }
    callback()
  }

  override _flush (callback: TransformCallback): void {
    try {
      this.decoder.end()
    } catch (err) {
      this.fail(err as Error, callback)
      return
    }
    if (this.decoder.skippedRows > 0) this.emit('skipped', this.decoder.skippedRows)
    callback()
  }

  private fail (err: Error, callback: TransformCallback): void {
    if (this.refineError === undefined) callback(err)
    else void this.refineError(err).then(callback)
  }
}

/** How a {@link BatchStream} is set up by its reader. */
export interface BatchStreamSetup {
  /** Chunks are rows (object mode), not bytes or text. */
  objectInput?: boolean | undefined
  signal?: AbortSignal | undefined
  /** The file read, for messages. */
  file?: string | undefined
  /** Makes an error more precise before the stream fails with it (e.g. by reading the file again). */
  refineError?: ((err: Error) => Promise<Error>) | undefined
}

/** Destroys the stream with `ERR_ABORTED` when the signal aborts (at once if it already has). */
function abortOn (stream: BatchStream, signal: AbortSignal, file: string | undefined): void {
  if (!(signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', signal)
  const abort = (): void => {
    stream.destroy(new ArilError('ERR_ABORTED', 'Reading was aborted', { file }, { cause: signal.reason }))
  }
  if (signal.aborted) {
    abort()
    return
  }
  signal.addEventListener('abort', abort, { once: true })
  stream.once('close', () => signal.removeEventListener('abort', abort))
}

/**
 * Feeds the file at `path` into `parser` and returns the parser. The file is closed when the
 * parser closes (end, error, `destroy()`, abort); a read error destroys the parser with
 * `ERR_SOURCE` naming the file.
 *
 * @example
 * ```ts
 * const batches = readFile('data.csv', parseCsv({ columns: true }))
 * ```
 */
export function readFile<T extends Transform> (path: string, parser: T): T {
  if (typeof path !== 'string' && !(path as unknown instanceof URL)) invalidOption('path', 'a file path', path)
  const file = createReadStream(path, { highWaterMark: 1 << 16 })
  file.on('error', err => parser.destroy(new ArilError('ERR_SOURCE', `Cannot read the file: ${err.message}`, { file: String(path) }, { cause: err })))
  parser.once('close', () => file.destroy())
  if (parser instanceof BatchStream) stat(path, (err, stats) => { if (err === null) parser.totalBytes = stats.size })
  file.pipe(parser)
  return markSourceFile(parser, String(path), 'select')
}

/** Options of {@link toBatches}. */
export type ToBatchesOptions = ColumnOptions & StreamOptions

/**
 * An object-mode Transform that groups rows into Batches of `rowsPerBatch` rows, for any source
 * of rows: a user's parser, a database cursor, an array. A row is a number (one column), an array
 * of cells, or an object read by field name; the first row fixes which. Column options as for
 * {@link parseCsv}: `select`, `weight`, `label`, `categorical`, `onInvalid`.
 *
 * @throws ArilError (through the stream) `ERR_NOT_NUMERIC` with the row and column of a value that
 *   is not a number, `ERR_RAGGED_ROWS` for a row unlike the first, `ERR_LIMIT` for a row of more than
 *   `maxColumns` values; `ERR_INVALID_OPTION` at once.
 * @example
 * ```ts
 * await pipeline(Readable.from([{ x: 1, w: 2 }, { x: 3, w: 1 }]), toBatches({ weight: 'w' }), model.sink())
 * ```
 */
export function toBatches (options: ToBatchesOptions = {}): BatchStream {
  const settings = columnOptions(options, STREAM_OPTION_KEYS, 'toBatches')
  return new BatchStream(emit => new ValueRows(settings, { code: 'ERR_NOT_NUMERIC', locate: () => ({}) }, emit), { objectInput: true, signal: options.signal })
}

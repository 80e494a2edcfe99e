/**
 * Everything `fitStream` accepts, turned into one Node Readable.
 */
import { Readable } from 'node:stream'
import { ArilError, show } from './errors.js'
import { openFile } from '../io/open.js'
import { rejectRawBytes } from './raw-bytes.js'
import type { ShardList } from '../exec/shards.js'

/** A stream of batches: a Node Readable, an (async) iterable, a Web ReadableStream. */
export type StreamLike = Readable | NodeJS.ReadableStream | AsyncIterable<unknown> | Iterable<unknown> | ReadableStream<unknown>

/**
 * A source: a stream, a file path (its extension picks the reader, see `openFile`), a function
 * that opens a fresh one (needed for multi-pass training), or shards (read where a pass runs, see
 * lib/exec/shards.ts; `openSource` does not open them).
 */
export type Source = StreamLike | string | (() => StreamLike | string | Promise<StreamLike | string>) | ShardList

/**
 * An error of the user's own source (a stream, an iterable, an opener) as `ERR_SOURCE`, the
 * original as `cause`, as the readers report theirs; an ArilError is passed on as it is.
 * @example
 * ```ts
 * try { await fetchBatches() } catch (err) { throw sourceError(err) }
 * // a plain Error('connection reset') becomes ArilError ERR_SOURCE: The source failed: connection reset
 * ```
 */
export function sourceError (err: unknown): ArilError {
  if (err instanceof ArilError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new ArilError('ERR_SOURCE', `The source failed: ${message}`, {}, { cause: err })
}

/**
 * The chunks of a user's stream, its errors reported as `ERR_SOURCE` (see {@link sourceError}),
 * raw bytes refused with the parser to put in between (`ERR_RAW_BYTES`).
 * @example
 * ```ts
 * for await (const chunk of sourceChunks(readable, 'A training source')) summarize(chunk)
 * ```
 */
export async function * sourceChunks (readable: Readable, what: string): AsyncGenerator<unknown> {
  const chunks = readable[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<unknown>
    try {
      next = await chunks.next()
    } catch (err) {
      throw sourceError(err)
    }
    if (next.done === true) return
    rejectRawBytes(next.value, what)
    yield next.value
  }
}

/**
 * Opens a source as a Readable in object mode (a path with the reader its extension names).
 * @throws ArilError `ERR_SOURCE` for something that is not a source, and for an opener that throws
 *   (its error as `cause`)
 * @example
 * ```ts
 * for await (const batch of await openSource('data/x.npy')) console.log(batch.rows)
 * ```
 */
export async function openSource (source: Exclude<Source, ShardList>): Promise<Readable> {
  let opened: Awaited<ReturnType<Extract<Source, () => unknown>>> | Source
  try {
    opened = typeof source === 'function' ? await source() : source
  } catch (err) {
    throw sourceError(err)
  }
  if (typeof opened === 'string') return openFile(opened)
  if (opened instanceof Readable) return opened
  if (typeof ReadableStream !== 'undefined' && opened instanceof ReadableStream) return Readable.fromWeb(opened as never, { objectMode: true })
  if (typeof opened === 'object' && opened !== null && typeof (opened as NodeJS.ReadableStream).pipe === 'function' &&
      typeof (opened as NodeJS.ReadableStream).on === 'function') {
    return new Readable({ objectMode: true }).wrap(opened as NodeJS.ReadableStream)
  }
  if (typeof opened === 'object' && opened !== null && (Symbol.asyncIterator in opened || Symbol.iterator in opened)) {
    return Readable.from(opened as Iterable<unknown>, { objectMode: true })
  }
  throw new ArilError('ERR_SOURCE', `Expected a Readable, an async iterable, a Web ReadableStream or a function returning one, got ${show(opened)}`)
}

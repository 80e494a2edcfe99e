/**
 * Everything `fitStream` accepts, turned into one Node Readable.
 */
import { Readable } from 'node:stream'
import { ArilError, show } from './errors.js'
import { openFile } from '../io/open.js'
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
 * Opens a source as a Readable in object mode (a path with the reader its extension names).
 * @throws ArilError `ERR_SOURCE` for something that is not a source
 * @example
 * ```ts
 * for await (const batch of await openSource('data/x.npy')) console.log(batch.rows)
 * ```
 */
export async function openSource (source: Exclude<Source, ShardList>): Promise<Readable> {
  const opened = typeof source === 'function' ? await source() : source
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

/**
 * The one stream type every aril reader returns: a Node Readable (object mode) of Batches whose
 * `for await` is typed (no `any`), with the row and byte counters of {@link ReaderCounters}.
 */
import type { Readable } from 'node:stream'
import type { Batch } from './batch.js'
import type { ReaderCounters } from './progress.js'

/**
 * A Readable of {@link Batch}es (readNpy, readCsv, readJson, readNdjson, readParquet, readArrow,
 * openFile): `for await (const batch of reader)` gives Batches, and the counters tell how far it is.
 *
 * @example
 * ```ts
 * const reader: BatchReadable = readParquet('x.parquet')
 * for await (const batch of reader) console.log(batch.rows, reader.rowsRead, reader.totalRows)
 * ```
 */
export interface BatchReadable extends Readable, ReaderCounters {
  [Symbol.asyncIterator] (): NodeJS.AsyncIterator<Batch>
  /** Rows dropped by `onInvalid: 'skip-row'` (text readers; 0 for the binary formats). */
  readonly skippedRows: number
}

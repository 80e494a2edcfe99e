/**
 * What the columnar file readers (Parquet, Arrow) share as Readables: the counters every reader
 * exposes, an abort signal that destroys the stream with `ERR_ABORTED`, and the file handle
 * closed however the stream ends.
 */
import type { FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { ArilError } from '../core/errors.js'
import { markSourceFile } from '../core/source-file.js'
import type { ReaderCounters } from '../core/progress.js'

export abstract class FileReader extends Readable implements ReaderCounters {
  rowsRead = 0
  bytesRead = 0
  totalBytes: number | undefined
  totalRows: number | undefined
  readonly skippedRows = 0
  /** The open file, closed when the stream is destroyed. */
  protected handle: FileHandle | undefined
  private readonly onAbort = (): void => {
    this.destroy(new ArilError('ERR_ABORTED', `${this.reader} was aborted`, { file: this.file }, { cause: this.signal?.reason }))
  }

  constructor (private readonly reader: string, protected readonly file: string | undefined, private readonly signal: AbortSignal | undefined) {
    super({ objectMode: true, highWaterMark: 2 })
    if (file !== undefined) markSourceFile(this, file, 'columns')
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(this.onAbort)
      else signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  /** Anything else to release before the file is closed. */
  protected async release (): Promise<void> {}

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.signal?.removeEventListener('abort', this.onAbort)
    const handle = this.handle
    this.handle = undefined
    const done = (): void => callback(error)
    this.release().catch(() => {}).then(() => handle?.close()).then(done, done)
  }
}

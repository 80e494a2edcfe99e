/**
 * The file handling every writer shares: the file is opened before the first chunk, closed once
 * complete, and removed when the stream is destroyed before then, so a failed or aborted write
 * leaves no partial file behind.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { Writable, type WritableOptions } from 'node:stream'

export abstract class FileWriter extends Writable {
  protected handle: FileHandle | undefined
  private finished = false

  constructor (protected readonly path: string, options: WritableOptions) {
    super(options)
  }

  /** The error to report when the file cannot be opened. */
  protected abstract openError (err: Error): Error

  override _construct (callback: (error?: Error | null) => void): void {
    open(this.path, 'w').then(handle => { this.handle = handle; callback() }, (err: Error) => callback(this.openError(err)))
  }

  /** Marks the file complete (it is kept from now on) and closes it. */
  protected async closeComplete (): Promise<void> {
    const handle = this.handle!
    this.handle = undefined
    this.finished = true
    await handle.close()
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle
    this.handle = undefined
    if (this.finished || handle === undefined) {
      callback(error)
      return
    }
    handle.close().then(() => unlink(this.path)).then(() => callback(error), () => callback(error))
  }
}

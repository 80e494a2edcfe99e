/**
 * Rows of an `.npy` file read synchronously, for a summarizing thread (lib/exec/thread-entry.ts)
 * whose event loop has nothing else to do while it summarizes a shard. Each batch is read into
 * the same memory just before it is summarized, so its rows are summed while they are still in
 * this core's cache; `readNpy` reads ahead on libuv's threads into buffers that then come from
 * memory. Measured on 2 cores (bench/executors.ts, a `NormalDistribution` over 800 MB from the
 * page cache): about half the CPU time per GB, which is what lets two threads go twice as fast.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type { Batch } from '../core/batch.js'
import { ArilError } from '../core/errors.js'
import { batchRows, decodeValues, npyLimits } from './npy-decoder.js'
import { asSourceError, npyLayout, type NpyLayout, type ReadNpyOptions } from './npy.js'

/** Reads `length` bytes at `position`, failing rather than returning fewer. */
function readFullySync (fd: number, buffer: Uint8Array, length: number, position: number, file: string): void {
  let done = 0
  while (done < length) {
    const bytesRead = readSync(fd, buffer, done, length - done, position + done)
    if (bytesRead === 0) {
      throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: expected ${length} bytes at byte ${position}, got ${done}`, { file, byteOffset: position + done })
    }
    done += bytesRead
  }
}

/**
 * Hands `visit` the batches `readNpy(path, options)` would give (the same rows per batch, the
 * same values), read synchronously into memory reused from batch to batch: a batch is valid only
 * during its call. Returns the rows read. The signal is not an option: nothing can abort a
 * synchronous read.
 *
 * @throws ArilError the errors of `readNpy` (`ERR_SOURCE` for a file that cannot be read, the
 *   header's errors, `ERR_NPY_TRUNCATED`, `ERR_NPY_TRAILING_BYTES`, `ERR_NPY_RANGE`,
 *   `ERR_NPY_PRECISION`), and whatever `visit` throws
 * @example
 * ```ts
 * eachNpyBatchSync('x.npy', { start: 0, end: 65536 }, batch => model.summarize(batch))
 * ```
 */
export function eachNpyBatchSync (path: string, options: Omit<ReadNpyOptions, 'signal'>, visit: (batch: Batch) => void): number {
  const limits = npyLimits(options)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    throw asSourceError(err as Error, 'read', path)
  }
  try {
    const { size } = fstatSync(fd)
    let head = new Uint8Array(Math.min(size, 4096))
    readFullySync(fd, head, head.length, 0, path)
    let layout = npyLayout(head, size, path, limits, options)
    if ('need' in layout) {
      head = new Uint8Array(layout.need)
      readFullySync(fd, head, head.length, 0, path)
      layout = npyLayout(head, size, path, limits, options) as NpyLayout
    }
    const { header, start, end } = layout
    const { cols, dtype } = header
    const rowsPerBatch = batchRows(cols, options.rowsPerBatch)
    const direct = dtype.kind === 'f' && dtype.itemSize === 8 && dtype.littleEndian
    const most = Math.min(rowsPerBatch, end - start) * cols
    const values = new Float64Array(take(most * 8), 0, most)
    const bytes = direct ? new Uint8Array(values.buffer, 0, most * 8) : new Uint8Array(most * dtype.itemSize)
    for (let row = start; row < end;) {
      const rows = Math.min(rowsPerBatch, end - row)
      const count = rows * cols
      const byteOffset = header.dataOffset + row * cols * dtype.itemSize
      readFullySync(fd, bytes, count * dtype.itemSize, byteOffset, path)
      if (!direct) decodeValues(dtype, bytes, count, values, 0, { byteOffset, value: row * cols, cols, file: path })
      visit({ data: count === values.length ? values : values.subarray(0, count), rows, cols })
      row += rows
    }
    spare = values.buffer as ArrayBuffer
    return end - start
  } finally {
    closeSync(fd)
  }
}

/**
 * The memory of the last read, for the next one: a thread reads shard after shard, and fresh
 * megabytes for each would be faulted in (and collected) again. Taken while in use, so a read
 * inside `visit` gets memory of its own.
 */
let spare: ArrayBuffer | undefined

function take (bytes: number): ArrayBuffer {
  const buffer = spare !== undefined && spare.byteLength >= bytes ? spare : new ArrayBuffer(bytes)
  spare = undefined
  return buffer
}

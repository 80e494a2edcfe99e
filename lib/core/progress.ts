/**
 * Progress of a one-pass fit: a reader counts the rows and bytes it has read (and knows the size
 * of its file when it has one); a sink with `onProgress` reads those counters from the stream
 * piped into it after every batch it summarizes, so progress needs no extra stream in between.
 */
import { invalidOption } from './errors.js'

/** The counters every aril reader exposes (readNpy, readCsv, readParquet, readArrow ...). */
export interface ReaderCounters {
  /** Rows emitted so far. */
  readonly rowsRead: number
  /** Bytes consumed so far (of the file, or written into a parser). */
  readonly bytesRead: number
  /** The size of the input in bytes, when known (a file); undefined otherwise. */
  readonly totalBytes: number | undefined
  /** The rows the reader will emit, when its format says so up front (.npy, Parquet, Arrow files). */
  readonly totalRows: number | undefined
}

/** What `onProgress` receives after every batch a sink summarizes. */
export interface Progress {
  /** Rows and batches summarized so far. */
  rows: number
  batches: number
  /** Bytes the source has read so far, when it counts them (every aril reader does). */
  bytes: number | undefined
  /** The source's size in bytes, when known. */
  totalBytes: number | undefined
  /** The share done in [0, 1], when the source knows its rows or its size; undefined otherwise. */
  fraction: number | undefined
  /** In multi-pass training (`fitStream` of a mixture, k-means ...): the M-steps done before this pass. */
  epoch?: number | undefined
}

/** A callback receiving {@link Progress}. */
export type ProgressCallback = (progress: Progress) => void

/**
 * The rows of a chunk a sink accepts (a Batch, a typed array or array of rows, `{ data, shape }`).
 * @example
 * ```ts
 * chunkRows([[1, 2], [3, 4]]) // => 2
 * ```
 */
export function chunkRows (chunk: unknown): number {
  if (typeof chunk !== 'object' || chunk === null) return 0
  const c = chunk as { rows?: unknown; shape?: unknown; length?: unknown }
  if (typeof c.rows === 'number') return c.rows
  if (Array.isArray(c.shape)) return typeof c.shape[0] === 'number' ? c.shape[0] : 1
  return typeof c.length === 'number' ? c.length : 0
}

function isCounting (source: unknown): source is ReaderCounters {
  return typeof source === 'object' && source !== null && typeof (source as ReaderCounters).bytesRead === 'number'
}

/**
 * Counts the batches of a pass and reports {@link Progress}, reading the byte counters of the
 * source it is attached to.
 * @throws ArilError `ERR_INVALID_OPTION` when `onProgress` is not a function
 * @example
 * ```ts
 * const counter = new ProgressCounter(p => console.log(p.rows, p.fraction))
 * counter.attach(readNpy('x.npy'))
 * counter.count(4096) // logs 4096 and the share of the file's rows
 * ```
 */
export class ProgressCounter {
  private rows = 0
  private batches = 0
  private source: ReaderCounters | undefined

  constructor (private readonly onProgress: ProgressCallback) {
    if (typeof onProgress !== 'function') invalidOption('onProgress', 'a function', onProgress)
  }

  /** Reads byte counts from this source from now on (ignored when it does not count). */
  attach (source: unknown): void {
    if (isCounting(source)) this.source = source
  }

  /** A batch of `rows` rows was summarized. */
  count (rows: number): void {
    this.rows += rows
    this.batches++
    const source = this.source
    const totalRows = source?.totalRows
    const totalBytes = source?.totalBytes
    const bytes = source?.bytesRead
    const fraction = totalRows !== undefined && totalRows > 0
      ? Math.min(1, this.rows / totalRows)
      : totalBytes !== undefined && totalBytes > 0 && bytes !== undefined ? Math.min(1, bytes / totalBytes) : undefined
    this.onProgress({ rows: this.rows, batches: this.batches, bytes, totalBytes, fraction })
  }
}

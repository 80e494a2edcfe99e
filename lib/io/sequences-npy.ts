/**
 * Sequences from two `.npy` files: the observations, concatenated (one row per step), and the
 * length of each sequence (or the row offset where each begins). Both are streamed with readNpy,
 * side by side, so memory stays flat in the number of sequences and in their total length; a
 * sequence that spans several read chunks is gathered whole. A range of sequences reads only
 * its rows (a shard's part), finding its first row from the offsets, or by summing the lengths
 * before it.
 */
import { Readable } from 'node:stream'
import type { Batch } from '../core/batch.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError, invalidOption, limitExceeded, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import type { SequenceBatch } from '../core/sequence.js'
import { readNpy } from './npy.js'
import { sequenceRange } from './sequences-ndjson.js'
import { SEQUENCE_BATCH_KEYS, sequenceLimits, type SequenceBatchOptions, type SequenceLimits } from './sequence-builder.js'

/** Options of {@link readNpySequences}. */
export interface ReadNpySequencesOptions extends SequenceBatchOptions {
  /** An `.npy` of one length (a whole number of rows) per sequence. Give this or `offsets`. */
  lengths?: string | undefined
  /** An `.npy` of sequences + 1 row offsets, from 0 to the observations' rows, non-decreasing. */
  offsets?: string | undefined
  /** The sequences to read, `[start, end)` (default: all). */
  sequences?: readonly [number, number] | undefined
  /** Rows per read of the observations (readNpy's `rowsPerBatch`). */
  rowsPerBatch?: number | undefined
  /** readNpy's limits, for the observations and the lengths. */
  maxHeaderSize?: number | undefined
  maxHeaderDepth?: number | undefined
  maxColumns?: number | undefined
  /** Aborting stops both reads and fails the stream with `ERR_ABORTED`. */
  signal?: AbortSignal | undefined
}

const NPY_KEYS = ['maxHeaderSize', 'maxHeaderDepth', 'maxColumns', 'signal'] as const

/**
 * Reads sequences from an `.npy` of observations and an `.npy` of their lengths (or offsets) as
 * SequenceBatches of up to `maxSequences` sequences (1024) or about `maxObservations` rows,
 * cut between sequences.
 *
 * @throws ArilError (through the stream) readNpy's errors (with the file), `ERR_INVALID_INPUT`
 *   (sequence, file) for a length that is not a whole number >= 0, offsets that decrease or do
 *   not start at 0, lengths that do not add up to the observations' rows (the whole file read),
 *   `ERR_NPY_RANGE` for a sequence range beyond the lengths, `ERR_LIMIT` (`maxSequenceLength`),
 *   `ERR_ABORTED`; `ERR_INVALID_OPTION` at once
 * @example
 * ```ts
 * await pipeline(readNpySequences('x.npy', { lengths: 'lengths.npy', sequences: [1024, 2048] }), chain.sink())
 * ```
 */
export function readNpySequences (path: string, options: ReadNpySequencesOptions): BatchReadable {
  checkKeys(options, ['lengths', 'offsets', 'sequences', 'rowsPerBatch', ...NPY_KEYS, ...SEQUENCE_BATCH_KEYS], 'readNpySequences')
  if ((options.lengths === undefined) === (options.offsets === undefined)) invalidOption('lengths', 'the path of the lengths .npy, or offsets instead (one of the two)', options.lengths)
  for (const name of ['lengths', 'offsets'] as const) if (options[name] !== undefined && typeof options[name] !== 'string') invalidOption(name, 'a file path', options[name])
  sequenceRange(options.sequences)
  const limits = sequenceLimits(options)
  const counters = { rowsRead: 0 }
  const stream = Readable.from(sequences(path, options, limits, counters), { objectMode: true, highWaterMark: 2 })
  // a reader's counters: the rows handed on so far (sizes are not known before both files are read)
  Object.defineProperty(stream, 'rowsRead', { get: () => counters.rowsRead })
  return Object.assign(stream, { bytesRead: 0, totalBytes: undefined, totalRows: undefined, skippedRows: 0 }) as unknown as BatchReadable
}

interface Counters { rowsRead: number }

async function * sequences (path: string, options: ReadNpySequencesOptions, limits: SequenceLimits, counters: Counters): AsyncGenerator<SequenceBatch> {
  const npy = { maxHeaderSize: options.maxHeaderSize, maxHeaderDepth: options.maxHeaderDepth, maxColumns: options.maxColumns, signal: options.signal }
  const [start, end] = options.sequences ?? [0, undefined]
  const bounds = await sequenceBounds(options, start, end, npy)
  const rows = new RowCursor(readNpy(path, { ...npy, start: bounds.firstRow, rowsPerBatch: options.rowsPerBatch }), path)
  let out = new Assembly()
  try {
    await rows.peek()
    let sequence = start
    for await (const length of bounds.lengths) {
      if (length > limits.maxSequenceLength) {
        limitExceeded('maxSequenceLength', limits.maxSequenceLength, `sequence ${sequence} of ${length} observations`, { sequence, file: bounds.file })
      }
      await rows.take(length, sequence, out)
      out.endSequence()
      sequence++
      if (out.sequences >= limits.maxSequences || out.rows >= limits.maxObservations) {
        counters.rowsRead += out.rows
        yield out.batch(rows.cols)
        out = new Assembly()
      }
    }
    if (end !== undefined && sequence < end) {
      throw new ArilError('ERR_NPY_RANGE', `Sequence range [${start}, ${end}) is beyond the ${sequence} sequences of ${bounds.file}`, { file: bounds.file })
    }
    if (options.sequences === undefined) await rows.expectEnd(bounds.file)
    if (out.sequences > 0) {
      counters.rowsRead += out.rows
      yield out.batch(rows.cols)
    }
  } finally {
    await rows.close()
    await bounds.lengths.return(undefined)
  }
}

type NpyOptions = { maxHeaderSize?: number | undefined; maxHeaderDepth?: number | undefined; maxColumns?: number | undefined; signal?: AbortSignal | undefined }

/** The first row of the range and the length of each of its sequences, read from the lengths or the offsets file. */
async function sequenceBounds (options: ReadNpySequencesOptions, start: number, end: number | undefined, npy: NpyOptions): Promise<{ firstRow: number; lengths: AsyncGenerator<number>; file: string }> {
  if (options.offsets !== undefined) {
    const file = options.offsets
    const values = numbers(file, { ...npy, start, end: end === undefined ? undefined : end + 1 })
    const first = await values.next()
    if (first.done === true) throw new ArilError('ERR_NPY_RANGE', `Sequence range starts at ${start}, beyond the offsets of ${file}`, { file })
    if (start === 0 && first.value !== 0) throw new ArilError('ERR_INVALID_INPUT', `Offsets must start at 0, got ${first.value}`, { file, sequence: 0 })
    checkWhole(first.value, start, file, 'offset')
    return { firstRow: first.value, lengths: differences(values, first.value, start, file), file }
  }
  const file = options.lengths!
  let firstRow = 0
  if (start > 0) {
    let i = 0
    for await (const length of numbers(file, { ...npy, end: start })) firstRow += checkWhole(length, i++, file, 'length')
  }
  return { firstRow, lengths: checkedLengths(numbers(file, { ...npy, start, end }), start, file), file }
}

async function * checkedLengths (values: AsyncGenerator<number>, start: number, file: string): AsyncGenerator<number> {
  let i = start
  for await (const length of values) yield checkWhole(length, i++, file, 'length')
}

async function * differences (values: AsyncGenerator<number>, first: number, start: number, file: string): AsyncGenerator<number> {
  let previous = first
  let i = start
  for await (const offset of values) {
    checkWhole(offset, i + 1, file, 'offset')
    if (offset < previous) throw new ArilError('ERR_INVALID_INPUT', `Offsets must not decrease: offset ${i + 1} is ${offset} after ${previous}`, { file, sequence: i })
    yield offset - previous
    previous = offset
    i++
  }
}

function checkWhole (x: number, sequence: number, file: string, what: string): number {
  if (!Number.isSafeInteger(x) || x < 0) throw new ArilError('ERR_INVALID_INPUT', `Expected each ${what} to be a whole number >= 0, got ${show(x)}`, { file, sequence })
  return x
}

/** The values of a one-column `.npy`, one by one. */
async function * numbers (file: string, options: NpyOptions & { start?: number | undefined; end?: number | undefined }): AsyncGenerator<number> {
  for await (const batch of readNpy(file, options) as AsyncIterable<Batch>) {
    if (batch.cols !== 1) throw new ArilError('ERR_INVALID_INPUT', `Expected one number per sequence, got rows of ${batch.cols} values`, { file })
    for (const x of batch.data) yield x
  }
}

/** The observations read so far, handed out row range by row range. */
class RowCursor {
  private readonly batches: AsyncIterator<Batch>
  private current: Batch | undefined
  private at = 0
  private read = 0
  cols = 1

  constructor (private readonly stream: Readable, private readonly file: string) {
    this.batches = (stream as unknown as AsyncIterable<Batch>)[Symbol.asyncIterator]()
  }

  /** Reads the first batch, so that `cols` is known before the first sequence (which may be empty). */
  async peek (): Promise<void> {
    const next = await this.batches.next()
    if (next.done === true) return
    this.current = next.value
    this.cols = next.value.cols
  }

  /** The next `n` rows into `out` (in pieces of the batches they sit in). */
  async take (n: number, sequence: number, out: Assembly): Promise<void> {
    while (n > 0) {
      if (this.current === undefined || this.at === this.current.rows) {
        const next = await this.batches.next()
        if (next.done === true) {
          throw new ArilError('ERR_INVALID_INPUT', `Sequence ${sequence} runs past the end of the observations (${this.read} rows read)`, { file: this.file, sequence })
        }
        this.current = next.value
        this.cols = next.value.cols
        this.at = 0
      }
      const k = Math.min(n, this.current.rows - this.at)
      out.add(this.current.data.subarray(this.at * this.cols, (this.at + k) * this.cols), k)
      this.at += k
      this.read += k
      n -= k
    }
  }

  /** Fails when rows are left after the last sequence. */
  async expectEnd (lengthsFile: string): Promise<void> {
    const left = this.current !== undefined && this.at < this.current.rows ? this.current.rows - this.at : (await this.batches.next()).value?.rows ?? 0
    if (left > 0) {
      throw new ArilError('ERR_INVALID_INPUT', `The lengths in ${lengthsFile} add up to ${this.read} rows, but the observations have more`, { file: this.file })
    }
  }

  async close (): Promise<void> {
    await this.batches.return?.()
    this.stream.destroy()
  }
}

/** Pieces of rows gathered into one SequenceBatch. */
class Assembly {
  private pieces: Float64Array[] = []
  private offsets: number[] = [0]
  rows = 0

  get sequences (): number {
    return this.offsets.length - 1
  }

  add (data: Float64Array, rows: number): void {
    this.pieces.push(data)
    this.rows += rows
  }

  endSequence (): void {
    this.offsets.push(this.rows)
  }

  batch (cols: number): SequenceBatch {
    const data = new Float64Array(this.rows * cols)
    let at = 0
    for (const piece of this.pieces) {
      data.set(piece, at)
      at += piece.length
    }
    return { data, rows: this.rows, cols, offsets: Float64Array.from(this.offsets) }
  }
}

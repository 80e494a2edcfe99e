/**
 * Rows to sequences: consecutive rows with the same value in an id column form one sequence.
 * Works after any reader of rows (readCsv, readNpy, readParquet, …): the id column is taken out of
 * the observations, and a sequence that spans several read chunks is gathered whole.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { isBatch, type Batch, type Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { rejectRawBytes } from '../core/raw-bytes.js'
import type { SequenceBatch } from '../core/sequence.js'
import { SEQUENCE_BATCH_KEYS, SequenceBuilder, sequenceLimits, type SequenceBatchOptions } from './sequence-builder.js'

/** Options of {@link groupSequences}. */
export interface GroupSequencesOptions extends SequenceBatchOptions {
  /** The index of the column holding each row's sequence id. */
  by: number
}

class SequenceGrouper extends Transform {
  private readonly builder: SequenceBuilder
  private readonly by: number
  private id: Key | null | undefined = undefined
  private weight: number | undefined
  private label: number | undefined
  /** Rows read so far, and sequences finished. */
  private row = 0
  private sequence = 0
  private readonly observation: unknown[] = []

  constructor (options: GroupSequencesOptions) {
    super({ objectMode: true, readableHighWaterMark: 2 })
    checkKeys(options, ['by', ...SEQUENCE_BATCH_KEYS], 'groupSequences')
    if (!Number.isInteger(options?.by) || options.by < 0) {
      throw new ArilError('ERR_INVALID_OPTION', `Option by: expected the index of the sequence-id column, got ${show(options?.by)}`)
    }
    this.by = options.by
    this.builder = new SequenceBuilder(sequenceLimits(options), batch => this.push(batch))
  }

  override _transform (chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      rejectRawBytes(chunk, 'groupSequences()')
      if (!isBatch(chunk)) throw new ArilError('ERR_INVALID_INPUT', `groupSequences() takes Batches of rows, got ${show(chunk)}`)
      this.rows(chunk)
    } catch (err) {
      callback(err as Error)
      return
    }
    callback()
  }

  private rows (batch: Batch): void {
    const { cols, data } = batch
    if (this.by >= cols) throw new ArilError('ERR_COLUMN_COUNT', `groupSequences: the id column ${this.by} is missing from rows of ${cols} columns`, { row: this.row })
    const ids = batch.categories?.[this.by]
    const observation = this.observation
    observation.length = cols - 1
    for (let r = 0; r < batch.rows; r++, this.row++) {
      const id = ids === undefined ? data[r * cols + this.by]! : ids[r] ?? null
      if (id === null || (typeof id === 'number' && Number.isNaN(id))) throw new ArilError('ERR_INVALID_INPUT', 'groupSequences: a row without a sequence id', { row: this.row, column: this.by })
      const w = batch.weights?.[r]
      if (this.id !== undefined && id !== this.id) this.endSequence()
      const y = batch.labels?.[r]
      if (this.id === undefined) {
        this.weight = w
        this.label = y
      } else if (w !== this.weight) {
        throw new ArilError('ERR_INVALID_WEIGHTS', `groupSequences: a sequence's rows must share one weight (its weight), got ${show(w)} after ${show(this.weight)}`, { row: this.row, sequence: this.sequence })
      } else if (!Object.is(y, this.label)) {
        throw new ArilError('ERR_LABEL', `groupSequences: a sequence's rows must share one class label (its label), got ${show(y)} after ${show(this.label)}`, { row: this.row, sequence: this.sequence })
      }
      this.id = id
      for (let c = 0, j = 0; c < cols; c++) {
        if (c === this.by) continue
        const raw = batch.categories?.[c]
        const x = data[r * cols + c]!
        observation[j++] = raw === undefined ? (Number.isNaN(x) ? null : x) : raw[r] ?? null
      }
      this.builder.add(cols === 2 ? observation[0] : observation.slice(), () => ({ row: this.row, sequence: this.sequence }))
    }
  }

  private endSequence (): void {
    this.builder.end(this.weight, undefined, () => ({ row: this.row, sequence: this.sequence }), this.label)
    this.sequence++
    this.id = undefined
  }

  override _flush (callback: TransformCallback): void {
    try {
      if (this.id !== undefined) this.endSequence()
      this.builder.flush()
    } catch (err) {
      callback(err as Error)
      return
    }
    callback()
  }
}

/**
 * A Transform from Batches of rows to SequenceBatches: consecutive rows sharing the value of
 * column `by` (numbers or strings) form one sequence, whose observations are the other columns
 * (one value per step when one column is left, else rows). The last sequence is handed on when
 * the input ends. Row weights and class labels (`readCsv`'s `label` option), if any, must be the
 * same on every row of a sequence and become its weight and its class (a classifier of HMMs reads
 * it; −1 or NaN is unlabeled). Batches hold up to `maxSequences` sequences or about
 * `maxObservations` observations.
 *
 * @throws ArilError (through the stream) `ERR_RAW_BYTES` for bytes piped in, `ERR_INVALID_INPUT`
 *   (row) for a row without an id, `ERR_INVALID_WEIGHTS` and `ERR_LABEL` (row, sequence), `ERR_LIMIT`
 *   (`maxSequenceLength`); `ERR_INVALID_OPTION` at once
 * @example
 * ```ts
 * await pipeline(readCsv('steps.csv', { select: ['id', 'x'] }), groupSequences({ by: 0 }), chain.sink())
 * ```
 */
export function groupSequences (options: GroupSequencesOptions): Transform & AsyncIterable<SequenceBatch> {
  return new SequenceGrouper(options) as Transform & AsyncIterable<SequenceBatch>
}

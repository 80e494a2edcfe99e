/**
 * The identity of a training source, kept in checkpoints so a resume can tell that it reads the
 * data the checkpoint was taken on: a SHA-256 of the first rows (up to one block, 1024 rows: their
 * values, weights, labels and categories) and, for a file path, the file's size. Hashing rows, not
 * bytes, works for every source (a file, a function returning a stream, an array of batches), and
 * the hash does not depend on how the rows are chunked. A source of SequenceBatches also hashes
 * where its sequences start (as global row indices, so empty sequences count, wherever a chunk
 * puts them) and weighs each row with its sequence's weight.
 */
import { createHash, type Hash } from 'node:crypto'
import { BLOCK_ROWS } from '../core/accumulate.js'
import { sliceBatch, type Batch } from '../core/batch.js'
import { isSequenceBatch } from '../core/sequence.js'

/** What a checkpoint records of its source. */
export interface SourceId {
  /** Rows hashed: the first `rows` rows of every opening (up to 1024). */
  rows: number
  /** SHA-256 (hex) of those rows. */
  hash: string
  /** Size in bytes of the file, when the source is a file path. */
  bytes?: number
}

/** Hashes the first `limit` rows of one opening of a source, whatever its chunking. */
export class SourceHasher {
  rows = 0
  // One hash per part of a row, so that chunk boundaries cannot move bytes between parts.
  private readonly parts: Hash[] = [createHash('sha256'), createHash('sha256'), createHash('sha256'), createHash('sha256')]

  /** Where sequences start, for a source of SequenceBatches (undefined for rows). */
  private starts: Hash | undefined

  constructor (readonly limit = BLOCK_ROWS) {}

  /** True once `limit` rows have been hashed. */
  get full (): boolean {
    return this.rows >= this.limit
  }

  /** Hashes the rows of a batch that are still among the first `limit`. */
  add (batch: Batch): void {
    const take = Math.min(batch.rows, this.limit - this.rows)
    if (isSequenceBatch(batch)) {
      const starts = this.starts ??= createHash('sha256')
      for (let i = 0; i < batch.offsets.length - 1 && this.rows + batch.offsets[i]! < this.limit; i++) starts.update(`${this.rows + batch.offsets[i]!}\n`)
      // weights and class labels are one per sequence: hashed as every row of the sequence's
      batch = { ...batch, weights: batch.weights === undefined ? undefined : perRow(batch.weights, batch.offsets), labels: batch.labels === undefined ? undefined : perRow(batch.labels, batch.offsets) }
    }
    if (take <= 0) return
    const b = take === batch.rows ? batch : sliceBatch(batch, 0, take)
    const [values, weights, labels, categories] = this.parts as [Hash, Hash, Hash, Hash]
    values.update(bytes(b.data))
    // Absent weights or labels hash as a byte pattern no float64 weight or label has (a NaN).
    weights.update(b.weights === undefined ? new Uint8Array(8 * take).fill(255) : bytes(b.weights))
    labels.update(b.labels === undefined ? new Uint8Array(8 * take).fill(255) : bytes(b.labels))
    // Numbers of a categorical column are in `data`; the strings and booleans only here.
    for (let r = 0; r < take; r++) {
      const row = Array.from({ length: b.cols }, (_, c) => {
        const v = b.categories?.[c]?.[r]
        return typeof v === 'string' || typeof v === 'boolean' ? v : null
      })
      categories.update(JSON.stringify(row) + '\n')
    }
    this.rows += take
  }

  /** The identity of the rows hashed so far. */
  id (bytes?: number): SourceId {
    const total = createHash('sha256')
    total.update(`${this.rows}\n`)
    for (const part of this.parts) total.update(part.copy().digest('hex'))
    if (this.starts !== undefined) total.update(this.starts.copy().digest('hex'))
    return { rows: this.rows, hash: total.digest('hex'), ...(bytes === undefined ? {} : { bytes }) }
  }
}

/** Each row's weight: the weight of its sequence. */
function perRow (values: Float64Array, offsets: Float64Array): Float64Array {
  const out = new Float64Array(offsets[offsets.length - 1]!)
  for (let i = 0; i < values.length; i++) out.fill(values[i]!, offsets[i]!, offsets[i + 1]!)
  return out
}

function bytes (values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
}

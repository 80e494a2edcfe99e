/**
 * NDJSON with one sequence per line, to SequenceBatches. Lines are split by ndjson.ts's
 * `NdjsonLines` (its `maxLineLength` limit included) and each sequence goes straight into a
 * {@link SequenceBuilder}, so a file of any number of sequences is read in flat memory.
 */
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys, limitOption } from '../core/options.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { BatchStream, readFile, type Decoder, type StreamOptions } from './batches.js'
import { MAX_LINE_LENGTH } from './limits.js'
import { NdjsonLines } from './ndjson.js'
import { SEQUENCE_BATCH_KEYS, SequenceBuilder, sequenceLimits, type SequenceBatchOptions } from './sequence-builder.js'

/** Options of {@link readSequences} and {@link parseSequences}. */
export interface SequencesOptions extends SequenceBatchOptions, StreamOptions {
  /** Limit: the longest line, in characters; longer is `ERR_LIMIT`. Default 16,777,216 (2^24). */
  maxLineLength?: number | undefined
  /** The sequences to read, `[start, end)` by their line order (default: all); the lines before are parsed and skipped. */
  sequences?: readonly [number, number] | undefined
}

/** A checked `sequences` option ([0, ∞) when absent). */
export function sequenceRange (range: unknown): readonly [number, number] {
  if (range === undefined) return [0, Infinity]
  if (!Array.isArray(range) || range.length !== 2 || !range.every(n => Number.isSafeInteger(n) && n >= 0) || range[0] > range[1]) {
    invalidOption('sequences', 'a range [start, end) of whole numbers, start <= end', range)
  }
  return range as [number, number]
}

class SequenceDecoder implements Decoder {
  readonly skippedRows = 0
  private readonly lines: NdjsonLines
  private readonly builder: SequenceBuilder
  /** Sequences read so far (the 0-based index of the one being read). */
  private sequence = 0
  private readonly range: readonly [number, number]

  constructor (options: SequencesOptions | undefined, emit: (batch: import('../core/sequence.js').SequenceBatch) => void, private readonly file: string | undefined) {
    checkKeys(options, [...SEQUENCE_BATCH_KEYS, 'maxLineLength', 'signal', 'sequences'], 'readSequences')
    this.range = sequenceRange(options?.sequences)
    this.builder = new SequenceBuilder(sequenceLimits(options), emit)
    this.lines = new NdjsonLines(limitOption(options, 'maxLineLength', MAX_LINE_LENGTH), file, value => this.line(value))
  }

  private where = (step?: number): { line: number; file: string | undefined; sequence: number; row?: number } => {
    const at = { line: this.lines.line, file: this.file, sequence: this.sequence }
    return step === undefined ? at : { ...at, row: step }
  }

  private line (value: unknown): void {
    if (this.sequence < this.range[0] || this.sequence >= this.range[1]) {
      this.sequence++
      return
    }
    let sequence = value
    let weight: number | undefined
    let labels: Array<string | null> | undefined
    let label: number | undefined
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const o = value as Record<string, unknown>
      const unknown = Object.keys(o).find(k => k !== 'sequence' && k !== 'weight' && k !== 'labels' && k !== 'class')
      if (unknown !== undefined || !Object.hasOwn(o, 'sequence')) {
        throw new ArilError('ERR_INVALID_INPUT', `Expected a sequence line to be a list of observations or { "sequence": [...], "weight": w, "labels": [...], "class": c }, got the field ${show(unknown ?? 'without "sequence"')}`, this.where())
      }
      // a classifier's class of the sequence; null (or -1) is unlabeled
      if (Object.hasOwn(o, 'class')) label = o.class === null ? -1 : o.class as number
      sequence = o.sequence
      weight = o.weight === undefined ? undefined : o.weight as number
      if (o.weight !== undefined && typeof o.weight !== 'number') throw new ArilError('ERR_INVALID_WEIGHTS', `Expected a sequence weight that is a number, got ${show(o.weight)}`, this.where())
      labels = o.labels as Array<string | null> | undefined
    }
    if (!Array.isArray(sequence)) {
      throw new ArilError('ERR_INVALID_INPUT', `Expected a sequence (a list of observations), got ${show(sequence)}`, this.where())
    }
    try {
      for (let step = 0; step < sequence.length; step++) this.builder.add(sequence[step], () => this.where(step))
      this.builder.end(weight, labels, this.where, label)
    } catch (err) {
      this.builder.discard()
      throw err
    }
    this.sequence++
  }

  write (chunk: unknown): void {
    this.lines.write(chunk)
  }

  end (): void {
    this.lines.end()
    this.builder.flush()
  }
}

/**
 * A Transform from NDJSON bytes (or text) with one sequence per line to SequenceBatches of up to
 * `maxSequences` sequences (1024) or about `maxObservations` observations (65,536), whichever
 * comes first, cut between sequences. A line is a list of observations: numbers, symbols
 * (strings or booleans; null is missing), or rows of them for multivariate emissions; or an
 * object `{ "sequence": [...], "weight": w, "labels": [...], "class": c }` giving the sequence's
 * weight, a state name per observation (an HMM's labeled training) and the sequence's class (a
 * classifier's label, in the batches' `labels`; null or −1 is unlabeled). Blank lines are skipped.
 *
 * @throws ArilError (through the stream) `ERR_NDJSON_PARSE` (line) for a line that is not JSON,
 *   `ERR_INVALID_INPUT`, `ERR_COLUMN_COUNT`, `ERR_INVALID_WEIGHTS` (line, sequence, row for an
 *   observation), `ERR_LIMIT` (`maxLineLength`, `maxSequenceLength`); `ERR_INVALID_OPTION` at once
 * @example
 * ```ts
 * await pipeline(createReadStream('seqs.ndjson'), parseSequences(), chain.sink())
 * ```
 */
export function parseSequences (options?: SequencesOptions): BatchStream {
  return new BatchStream(emit => new SequenceDecoder(options, emit, undefined), { signal: options?.signal })
}

/**
 * Reads an NDJSON file of one sequence per line as SequenceBatches (see {@link parseSequences});
 * errors carry the file name. Destroying the stream or aborting `signal` closes the file.
 * @example
 * ```ts
 * const chain = await MarkovChain.fromStream(() => readSequences('seqs.ndjson'), { k: 2 })
 * ```
 */
export function readSequences (path: string, options?: SequencesOptions): BatchReadable {
  return readFile(path, new BatchStream(emit => new SequenceDecoder(options, emit, path), { signal: options?.signal, file: path }))
}

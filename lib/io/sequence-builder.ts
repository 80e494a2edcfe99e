/**
 * Gathers sequences, observation by observation, into SequenceBatches of bounded size: a batch is
 * handed on once it holds `maxSequences` sequences or `maxObservations` observations, always at a
 * sequence's end, so memory stays flat however many sequences a source holds. One sequence is
 * bounded by `maxSequenceLength` (`ERR_LIMIT`), not by memory.
 */
import type { Key } from '../core/batch.js'
import { ArilError, limitExceeded, show, type ErrorLocation } from '../core/errors.js'
import { limitOption } from '../core/options.js'
import type { SequenceBatch } from '../core/sequence.js'
import { MAX_BATCH_VALUES } from './limits.js'

/** Options every sequence source shares. */
export interface SequenceBatchOptions {
  /**
   * Sequences per batch (default 1024). Independent of BLOCK_SEQUENCES: the models and the
   * executors cut batches on block boundaries themselves, and fewer, larger batches cost less.
   */
  maxSequences?: number | undefined
  /** Observations after which a batch is handed on at the next sequence end (default 65,536). */
  maxObservations?: number | undefined
  /** Limit: observations in one sequence; longer is `ERR_LIMIT`. Default 16,777,216 (2^24). */
  maxSequenceLength?: number | undefined
}

/** The option names of {@link SequenceBatchOptions}, for `checkKeys`. */
export const SEQUENCE_BATCH_KEYS = ['maxSequences', 'maxObservations', 'maxSequenceLength'] as const

export interface SequenceLimits {
  maxSequences: number
  maxObservations: number
  maxSequenceLength: number
}

export function sequenceLimits (options: SequenceBatchOptions | undefined): SequenceLimits {
  return {
    maxSequences: limitOption(options, 'maxSequences', 1024),
    maxObservations: limitOption(options, 'maxObservations', 2 ** 16),
    maxSequenceLength: limitOption(options, 'maxSequenceLength', MAX_BATCH_VALUES)
  }
}

export class SequenceBuilder {
  private cols = -1
  private data = new Float64Array(1024)
  private rows = 0
  private categories: Array<Array<Key | null> | undefined> = []
  private offsets: number[] = [0]
  private weights: number[] = []
  private weighted = false
  private labels: Array<string | null> = []
  private labeled = false
  /** A classifier's class of each sequence (−1: unlabeled), once any sequence has one. */
  private classes: number[] = []
  private classed = false
  /** Where the sequence being built started. */
  private start = 0

  constructor (private readonly limits: SequenceLimits, private readonly emit: (batch: SequenceBatch) => void) {}

  /** Observations of the sequence being built. */
  get length (): number {
    return this.rows - this.start
  }

  /**
   * Adds one observation: a number, a symbol (string or boolean), null (missing), or a row of them.
   * @throws ArilError `ERR_COLUMN_COUNT`, `ERR_INVALID_INPUT` (at `where`), `ERR_LIMIT` (`maxSequenceLength`)
   */
  add (value: unknown, where: () => ErrorLocation): void {
    const row = Array.isArray(value) ? value as unknown[] : undefined
    const cols = row === undefined ? 1 : row.length
    if (this.cols < 0) this.cols = cols
    if (cols !== this.cols || cols === 0) {
      throw new ArilError('ERR_COLUMN_COUNT', `Expected ${this.cols} value${this.cols === 1 ? '' : 's'} per observation like the first, got ${show(value)}`, where())
    }
    if (this.length >= this.limits.maxSequenceLength) {
      limitExceeded('maxSequenceLength', this.limits.maxSequenceLength, `a sequence of more than ${this.limits.maxSequenceLength} observations`, where())
    }
    if ((this.rows + 1) * cols > this.data.length) {
      const data = new Float64Array(Math.max(2 * this.data.length, (this.rows + 1) * cols))
      data.set(this.data)
      this.data = data
    }
    const at = this.rows * cols
    for (let c = 0; c < cols; c++) this.cell(c, at, row === undefined ? value : row[c], where)
    this.rows++
  }

  private cell (c: number, at: number, v: unknown, where: () => ErrorLocation): void {
    if (typeof v === 'number' || v === null) {
      this.data[at + c] = v ?? NaN
      if (this.categories[c] !== undefined) this.categories[c]![this.rows] = v === null || Number.isNaN(v) ? null : v
      return
    }
    if (typeof v !== 'string' && typeof v !== 'boolean') {
      throw new ArilError('ERR_INVALID_INPUT', `Expected an observation to be a number, a symbol (string or boolean) or null, got ${show(v)}`, { ...where(), column: c })
    }
    this.data[at + c] = NaN
    const column = this.categories[c] ??= this.numericKeys(c)
    column[this.rows] = v
  }

  /** The rows so far of a column that held numbers only, as keys. */
  private numericKeys (c: number): Array<Key | null> {
    const out = new Array<Key | null>(this.rows)
    for (let r = 0; r < this.rows; r++) {
      const x = this.data[r * this.cols + c]!
      out[r] = Number.isNaN(x) ? null : x
    }
    return out
  }

  /**
   * Ends the sequence being built, with its weight, per-observation state labels and class label
   * (a classifier's, −1 or NaN for unlabeled; the classifier checks its range); hands the batch
   * on when it is full.
   */
  end (weight: number | undefined, labels: ReadonlyArray<string | null> | undefined, where: () => ErrorLocation, label?: number): void {
    if (label !== undefined && typeof label !== 'number') {
      throw new ArilError('ERR_LABEL', `Expected a sequence's class label to be a number (-1 or null for unlabeled), got ${show(label)}`, where())
    }
    if (weight !== undefined && (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)) {
      throw new ArilError('ERR_INVALID_WEIGHTS', `Expected a sequence weight that is finite and >= 0, got ${show(weight)}`, where())
    }
    if (labels !== undefined) {
      if (!Array.isArray(labels) || labels.length !== this.length || !labels.every(l => l === null || typeof l === 'string')) {
        throw new ArilError('ERR_INVALID_INPUT', `Expected ${this.length} state labels (names or null), one per observation, got ${show(labels)}`, where())
      }
      if (!this.labeled) this.labels = new Array<string | null>(this.start).fill(null)
      this.labeled = true
      this.labels.push(...labels)
    } else if (this.labeled) {
      for (let i = 0; i < this.length; i++) this.labels.push(null)
    }
    if (weight !== undefined && !this.weighted) {
      this.weighted = true
      this.weights = new Array<number>(this.offsets.length - 1).fill(1)
    }
    if (this.weighted) this.weights.push(weight ?? 1)
    if (label !== undefined && !this.classed) {
      this.classed = true
      this.classes = new Array<number>(this.offsets.length - 1).fill(-1)
    }
    if (this.classed) this.classes.push(label ?? -1)
    this.offsets.push(this.rows)
    this.start = this.rows
    if (this.offsets.length > this.limits.maxSequences || this.rows >= this.limits.maxObservations) this.flush()
  }

  /** Drops the unfinished sequence (a failed one: the batch keeps only whole sequences). */
  discard (): void {
    this.rows = this.start
    for (const column of this.categories) if (column !== undefined) column.length = this.rows
    if (this.labeled) this.labels.length = this.rows
  }

  /** Hands on the finished sequences (none: nothing). */
  flush (): void {
    const sequences = this.offsets.length - 1
    if (sequences === 0) return
    const rows = this.rows
    const cols = this.cols
    const hasCategories = this.categories.some(c => c !== undefined)
    const batch: SequenceBatch = {
      data: this.data.slice(0, rows * cols),
      rows,
      cols,
      offsets: Float64Array.from(this.offsets),
      weights: this.weighted ? Float64Array.from(this.weights) : undefined,
      labels: this.classed ? Float64Array.from(this.classes) : undefined,
      categories: hasCategories ? Array.from({ length: cols }, (_, c) => this.categories[c]) : undefined,
      stateLabels: this.labeled ? this.labels : undefined
    }
    this.rows = 0
    this.start = 0
    this.categories = []
    this.offsets = [0]
    this.weights = []
    this.weighted = false
    this.labels = []
    this.labeled = false
    this.classes = []
    this.classed = false
    if (this.data.length > 4 * (this.limits.maxObservations * Math.max(1, cols))) this.data = new Float64Array(1024)
    this.emit(batch)
  }
}

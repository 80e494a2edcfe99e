/**
 * Sequences, the unit of a hidden Markov model's or a Markov chain's statistics (design.md,
 * "Sequences"). Many sequences travel together as one {@link SequenceBatch}: their observations
 * concatenated into one Batch (rows = time steps) with `offsets` saying where each begins, so a
 * stream of a million short sequences is a few hundred objects, not a million.
 */
import { isBatch, sliceBatch, toBatch, type Batch, type BatchInput, type Key } from './batch.js'
import { BLOCK_ROWS } from './accumulate.js'
import { ArilError, show } from './errors.js'

/**
 * Sequences per block of a sequence model's exact sums: block k holds sequences k·B … (k+1)·B−1
 * of the summarized stream. Shards of a sequence stream start on a multiple of this.
 *
 * Why it is exact for any split: inside a block the per-sequence statistics are added in plain
 * floating point, in sequence order, so a block's partial sums depend only on which sequences it
 * holds; blocks are then added into exact expansions (accumulate.ts), whose total does not depend
 * on the order. A worker or shard that starts on a multiple of B therefore forms the very blocks of
 * the one-thread pass. Why 16: a block is also the finest piece a pass can be cut into, so 1,000
 * sequences make 63 pieces for the threads (1024 made one); closing a block costs one exact flush
 * per statistic (moved without the JSON form, `absorbSummaries`), which on 10^5 sequences of 5–10
 * steps was within the noise of a pass with 1024.
 */
export const BLOCK_SEQUENCES = 16

/**
 * Many sequences as one batch: sequence i is rows `offsets[i]` … `offsets[i + 1] − 1`.
 * `weights`, when present, hold one weight per *sequence* (not per row), and so do `labels` (a
 * classifier's class per sequence, −1 or NaN for unlabeled); `stateLabels` hold one state name
 * per row (an HMM's labeled training; null for unlabeled).
 */
export interface SequenceBatch extends Batch {
  /** Row offsets, `sequences + 1` entries, from 0 to `rows`, non-decreasing. */
  readonly offsets: Float64Array
  /** One state name per row, for `algorithm: 'labeled'`. */
  readonly stateLabels?: ReadonlyArray<string | null> | undefined
}

/** One sequence: its observations (anything `toBatch` reads: numbers, symbols, rows), or a Batch. */
export type SequenceInput = BatchInput

/** Options of {@link toSequenceBatch}. */
export interface ToSequenceOptions {
  /** Expected columns per observation; another count is `ERR_COLUMN_COUNT`. */
  cols?: number | undefined
  /** Allow symbols (strings, booleans) as observations. */
  categorical?: boolean | undefined
  /** One weight per sequence (finite, >= 0). */
  weights?: ArrayLike<number> | undefined
  /** One list of state names per sequence, as long as the sequence (labeled training). */
  labels?: ReadonlyArray<ReadonlyArray<string | null>> | undefined
}

/**
 * True for a {@link SequenceBatch}.
 * @example
 * ```ts
 * isSequenceBatch(toSequenceBatch([[1, 2], [3]])) // => true
 * ```
 */
export function isSequenceBatch (value: unknown): value is SequenceBatch {
  return isBatch(value) && (value as Partial<SequenceBatch>).offsets instanceof Float64Array
}

/**
 * Number of sequences in a sequence batch.
 * @example
 * ```ts
 * sequenceCount(toSequenceBatch([[1, 2], [3]])) // => 2
 * ```
 */
export function sequenceCount (batch: SequenceBatch): number {
  return batch.offsets.length - 1
}

/**
 * Reads a list of sequences (pomegranate's `X` for an HMM: a list of lists of numbers or
 * symbols, or of rows for multivariate emissions), or passes a SequenceBatch through after
 * checking it.
 * @throws ArilError `ERR_INVALID_INPUT` (naming the sequence) for anything else, and the errors
 *   of `toBatch` with the sequence and the row inside it
 * @example
 * ```ts
 * const b = toSequenceBatch([['H', 'T', 'H'], ['T']], { categorical: true })
 * b.offsets // => Float64Array [0, 3, 4]
 * ```
 */
export function toSequenceBatch (input: ReadonlyArray<SequenceInput> | SequenceBatch, options: ToSequenceOptions = {}): SequenceBatch {
  if (isSequenceBatch(input)) return checkSequenceBatch(input, options)
  if (!Array.isArray(input)) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected a list of sequences (each a list of observations) or a SequenceBatch, got ${show(input)}`)
  }
  const parts = input.map((sequence, i) => {
    try {
      return toBatch(sequence, { cols: options.cols, categorical: options.categorical })
    } catch (err) {
      throw withSequence(err, i)
    }
  })
  if (options.weights !== undefined && options.weights.length !== parts.length) {
    throw new ArilError('ERR_INVALID_WEIGHTS', `Expected ${parts.length} weights (one per sequence), got ${options.weights.length}`)
  }
  const batch = concatenate(parts, options.cols)
  const weights = options.weights === undefined ? undefined : sequenceWeights(options.weights)
  const stateLabels = options.labels === undefined ? undefined : labelRows(options.labels, batch.offsets)
  return { ...batch, weights, stateLabels }
}

/**
 * The rows of sequence i, sharing the batch's memory (weights of a sequence batch are per sequence, so none).
 * @example
 * ```ts
 * sequenceAt(toSequenceBatch([[1, 2], [3]]), 1).data // => Float64Array [3]
 * ```
 */
export function sequenceAt (batch: SequenceBatch, i: number): Batch {
  const view = sliceBatch({ ...batch, weights: undefined }, batch.offsets[i]!, batch.offsets[i + 1]!)
  return view
}

/**
 * The weight of sequence i (1 when the batch has none).
 * @example
 * ```ts
 * sequenceWeight(toSequenceBatch([[1], [2]], { weights: [1, 0.5] }), 1) // => 0.5
 * ```
 */
export function sequenceWeight (batch: SequenceBatch, i: number): number {
  return batch.weights === undefined ? 1 : batch.weights[i]!
}

/**
 * Sequences `start` … `end − 1` of a batch as a batch of their own, sharing its memory.
 * @example
 * ```ts
 * sliceSequences(toSequenceBatch([[1, 2], [3], [4, 5]]), 1, 3).offsets // => Float64Array [0, 1, 3]
 * ```
 */
export function sliceSequences (batch: SequenceBatch, start: number, end: number): SequenceBatch {
  const first = batch.offsets[start]!
  const last = batch.offsets[end]!
  const rows = sliceBatch({ ...batch, weights: undefined }, first, last)
  const offsets = batch.offsets.slice(start, end + 1)
  for (let i = 0; i < offsets.length; i++) offsets[i] = offsets[i]! - first
  return {
    ...rows,
    offsets,
    weights: batch.weights?.subarray(start, end),
    labels: batch.labels?.subarray(start, end),
    stateLabels: batch.stateLabels?.slice(first, last)
  }
}

/**
 * The units a model's blocks count in a batch: its sequences for a {@link SequenceBatch} (whose
 * statistics are summed per sequence, in blocks of {@link BLOCK_SEQUENCES}), else its rows. The
 * trainer and the executors cut, count and skip batches in these units.
 * @example
 * ```ts
 * unitCount(toSequenceBatch([[1, 2], [3]])) // => 2
 * unitCount(toBatch([1, 2, 3])) // => 3
 * ```
 */
export function unitCount (batch: Batch): number {
  return isSequenceBatch(batch) ? batch.offsets.length - 1 : batch.rows
}

/**
 * Units per block of a model's exact sums (see {@link unitCount}): {@link BLOCK_SEQUENCES} for a
 * SequenceBatch, BLOCK_ROWS for rows. A piece of a pass summarized elsewhere (a thread, a shard)
 * starts on a multiple of this, so its blocks are those of the one-thread pass.
 * @example
 * ```ts
 * blockUnits(toSequenceBatch([[1, 2], [3]])) // => 16
 * blockUnits(toBatch([1, 2, 3])) // => 1024
 * ```
 */
export function blockUnits (batch: Batch): number {
  return isSequenceBatch(batch) ? BLOCK_SEQUENCES : BLOCK_ROWS
}

/**
 * Units `start` … `end − 1` of a batch (see {@link unitCount}): whole sequences of a
 * SequenceBatch, rows of any other batch; sharing its memory.
 * @example
 * ```ts
 * sliceUnits(toSequenceBatch([[1, 2], [3]]), 1, 2).data // => Float64Array [3]
 * ```
 */
export function sliceUnits (batch: Batch, start: number, end: number): Batch {
  return isSequenceBatch(batch) ? sliceSequences(batch, start, end) : sliceBatch(batch, start, end)
}

/**
 * SequenceBatches of equal width glued into one: offsets shifted, per-sequence weights (1 where
 * a part has none) and state labels (null where a part has none) kept, categories merged as
 * {@link toSequenceBatch} merges them.
 * @example
 * ```ts
 * concatSequences([toSequenceBatch([[1, 2]]), toSequenceBatch([[3], []])]).offsets // => Float64Array [0, 2, 3, 3]
 * ```
 */
export function concatSequences (parts: readonly SequenceBatch[]): SequenceBatch {
  if (parts.length === 1) return parts[0]!
  const cols = parts.find(p => p.rows > 0)?.cols ?? parts[0]?.cols ?? 1
  const rowsOnly = concatenate(parts.map(p => ({ ...p, weights: undefined, cols: p.rows === 0 ? cols : p.cols })), cols)
  const sequences = parts.reduce((n, p) => n + p.offsets.length - 1, 0)
  const offsets = new Float64Array(sequences + 1)
  const weighted = parts.some(p => p.weights !== undefined)
  const weights = weighted ? new Float64Array(sequences).fill(1) : undefined
  // class labels (a classifier's, one per sequence): −1 (unlabeled) where a part has none
  const classes = parts.some(p => p.labels !== undefined) ? new Float64Array(sequences).fill(-1) : undefined
  const labeled = parts.some(p => p.stateLabels !== undefined)
  const stateLabels: Array<string | null> | undefined = labeled ? [] : undefined
  let at = 0
  parts.forEach((p, i) => {
    const base = rowsOnly.offsets[i]!
    const n = p.offsets.length - 1
    for (let j = 1; j <= n; j++) offsets[at + j] = base + p.offsets[j]!
    if (p.weights !== undefined) weights!.set(p.weights, at)
    if (p.labels !== undefined) classes!.set(p.labels, at)
    if (stateLabels !== undefined) {
      if (p.stateLabels === undefined) for (let r = 0; r < p.rows; r++) stateLabels.push(null)
      else stateLabels.push(...p.stateLabels)
    }
    at += n
  })
  return { data: rowsOnly.data, rows: rowsOnly.rows, cols, categories: rowsOnly.categories, offsets, weights, labels: classes, stateLabels }
}

function checkSequenceBatch (batch: SequenceBatch, options: ToSequenceOptions): SequenceBatch {
  const { offsets, rows } = batch
  if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== rows) {
    throw new ArilError('ERR_INVALID_INPUT', `A SequenceBatch's offsets must run from 0 to its ${rows} rows, got ${show(Array.from(offsets.subarray(0, 4)))}…`)
  }
  for (let i = 1; i < offsets.length; i++) {
    if (!(offsets[i]! >= offsets[i - 1]!) || !Number.isInteger(offsets[i])) {
      throw new ArilError('ERR_INVALID_INPUT', `A SequenceBatch's offsets must be whole and non-decreasing; offset ${i} is ${offsets[i]} after ${offsets[i - 1]}`, { sequence: i - 1 })
    }
  }
  if (batch.weights !== undefined && batch.weights.length !== offsets.length - 1) {
    throw new ArilError('ERR_INVALID_WEIGHTS', `Expected ${offsets.length - 1} weights (one per sequence), got ${batch.weights.length}`)
  }
  if (batch.stateLabels !== undefined && batch.stateLabels.length !== rows) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected ${rows} state labels (one per observation), got ${batch.stateLabels.length}`)
  }
  if (batch.labels !== undefined && batch.labels.length !== offsets.length - 1) {
    throw new ArilError('ERR_LABEL', `Expected ${offsets.length - 1} class labels (one per sequence), got ${batch.labels.length}`)
  }
  const checked = toBatch({ ...batch, weights: undefined, labels: undefined }, { cols: options.cols, categorical: options.categorical })
  return { ...checked, offsets, weights: batch.weights === undefined ? undefined : sequenceWeights(batch.weights), labels: batch.labels, stateLabels: batch.stateLabels }
}

function concatenate (parts: Batch[], expectedCols: number | undefined): SequenceBatch {
  const cols = expectedCols ?? parts.find(p => p.rows > 0)?.cols ?? 1
  const offsets = new Float64Array(parts.length + 1)
  parts.forEach((p, i) => {
    if (p.rows > 0 && p.cols !== cols) {
      throw new ArilError('ERR_COLUMN_COUNT', `Expected ${cols} column${cols === 1 ? '' : 's'} per observation, got ${p.cols}`, { sequence: i, expectedColumns: cols, foundColumns: p.cols })
    }
    offsets[i + 1] = offsets[i]! + p.rows
  })
  const rows = offsets[parts.length]!
  const data = new Float64Array(rows * cols)
  const hasCategories = parts.some(p => p.categories?.some(c => c !== undefined))
  const categories: Array<Array<Key | null> | undefined> | undefined = hasCategories ? Array.from({ length: cols }, () => undefined) : undefined
  parts.forEach((p, i) => {
    const at = offsets[i]!
    data.set(p.data, at * cols)
    if (categories === undefined) return
    for (let c = 0; c < cols; c++) {
      const values = p.categories?.[c]
      if (values === undefined && categories[c] === undefined) continue
      const column = categories[c] ??= new Array<Key | null>(rows).fill(null)
      for (let r = 0; r < p.rows; r++) column[at + r] = values === undefined ? numberKey(p.data[r * cols + c]!) : values[r]!
    }
  })
  if (categories !== undefined) fillNumericKeys(categories, data, offsets, parts, cols)
  return { data, rows, cols, offsets, categories }
}

/** A numeric cell read as a category (NaN is missing). */
function numberKey (x: number): Key | null {
  return Number.isNaN(x) ? null : x
}

/** Rows of sequences that had no categories in a column another sequence made categorical. */
function fillNumericKeys (categories: Array<Array<Key | null> | undefined>, data: Float64Array, offsets: Float64Array, parts: Batch[], cols: number): void {
  parts.forEach((p, i) => {
    for (let c = 0; c < cols; c++) {
      const column = categories[c]
      if (column === undefined || p.categories?.[c] !== undefined) continue
      for (let r = offsets[i]!; r < offsets[i + 1]!; r++) column[r] = numberKey(data[r * cols + c]!)
    }
  })
}

function sequenceWeights (weights: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(weights as ArrayLike<number>)
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) || out[i]! < 0) {
      throw new ArilError('ERR_INVALID_WEIGHTS', `Expected sequence weights that are finite and >= 0, got ${show(weights[i])}`, { sequence: i })
    }
  }
  return out
}

function labelRows (labels: ReadonlyArray<ReadonlyArray<string | null>>, offsets: Float64Array): Array<string | null> {
  if (labels.length !== offsets.length - 1) {
    throw new ArilError('ERR_INVALID_INPUT', `Expected ${offsets.length - 1} label lists (one per sequence), got ${labels.length}`)
  }
  const out: Array<string | null> = []
  labels.forEach((list, i) => {
    const length = offsets[i + 1]! - offsets[i]!
    if (!Array.isArray(list) || list.length !== length) {
      throw new ArilError('ERR_INVALID_INPUT', `Expected ${length} state labels for sequence ${i}, got ${show(list)}`, { sequence: i })
    }
    for (const name of list) {
      if (name !== null && typeof name !== 'string') throw new ArilError('ERR_INVALID_INPUT', `Expected state names (strings) as labels, got ${show(name)}`, { sequence: i })
      out.push(name)
    }
  })
  return out
}

function withSequence (err: unknown, sequence: number): unknown {
  if (err instanceof ArilError && err.sequence === undefined) err.sequence = sequence
  if (err instanceof ArilError) err.message += ` (in sequence ${sequence})`
  return err
}

/**
 * `GeneralMixtureModel.fromSamples(HiddenMarkovModel, k, sequences, { hmm })` and `fromStream`: a
 * mixture of HMMs from unlabelled sequences. An HMM needs sequences to start from, so a seeded
 * uniform sample of `initSequences` sequences (all of them when there are no more; the same
 * sequences in memory and over a stream, whatever the chunking) is clustered by what each looks
 * like: k-means (seeded k-means++, as `Kmeans.fromSamples`) on one feature vector per sequence,
 * each feature standardized over the sample, namely per column
 *  - of numbers: the mean, the standard deviation and the mean absolute step |x_t − x_{t−1}|
 *    (the level, the spread and how fast it moves: two HMMs with the same states but other
 *    transitions differ in the last);
 *  - of symbols: the share of each symbol and the share of steps that change symbol.
 * Component j is then `HiddenMarkovModel.fromSamples(hmm.distribution, hmm.nComponents,
 * <cluster j's sequences>, <the rest of hmm>)`, its weight the cluster's share of the sampled
 * sequences' weights, and EM over all the sequences follows. pomegranate 0.14.8 has no such path (its
 * `from_samples` runs k-means on the rows).
 */
import { ArilError, invalidOption } from '../core/errors.js'
import type { Batch, Key } from '../core/batch.js'
import { RowSample } from '../core/row-sample.js'
import { concatSequences, sliceSequences, type SequenceBatch } from '../core/sequence.js'
import type { Passes } from '../train/pass.js'
import { HiddenMarkovModel } from './hmm/hmm.js'
import { Kmeans } from './kmeans.js'
import type { MixtureFitOptions } from './mixture.js'
import type { HmmUpdateOptions } from './hmm/options.js'
import { gatherSequences } from './bayes-sequences.js'
import { requireHmmOption, type HmmClassOptions } from './bayes-hmm-samples.js'

/**
 * The `hmm` option of `GeneralMixtureModel.fromSamples(HiddenMarkovModel, ...)`: how every
 * component is built from its cluster of sequences.
 * @example
 * ```ts
 * const hmm: HmmComponentOptions = { distribution: NormalDistribution, nComponents: 2, maxIterations: 10 }
 * GeneralMixtureModel.fromSamples(HiddenMarkovModel, 3, sequences, { hmm, seed: 1 })
 * ```
 */
export type HmmComponentOptions = HmmClassOptions

/**
 * Options of `GeneralMixtureModel.fromSamples(HiddenMarkovModel, k, sequences, options)`: `hmm`
 * (how each component is built), `seed` (of the k-means over the sequences' features), the
 * sequences' `weights`, and the mixture's fit options.
 * @example
 * ```ts
 * GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, sequences, { hmm: { distribution: DiscreteDistribution, nComponents: 2 }, seed: 7, maxIterations: 20 })
 * ```
 */
export type HmmMixtureOptions = MixtureFitOptions & HmmUpdateOptions & {
  hmm: HmmComponentOptions
  /** Seeds the sample of sequences and the k-means over their features (default: random). */
  seed?: number | undefined
  /** Sequences the initialization looks at, a seeded uniform sample (default 10000). */
  initSequences?: number | undefined
  weights?: ArrayLike<number> | undefined
}

/** The options of {@link HmmMixtureOptions} that only the initialization reads. */
export const HMM_MIXTURE_INIT_KEYS = ['hmm', 'seed', 'initSequences'] as const

/** The initialization's settings, checked before any pass. */
export interface HmmMixtureSettings {
  hmm: HmmComponentOptions
  seed: number
  initSequences: number
}

/**
 * Reads `hmm`, `seed` and `initSequences`.
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 */
export function hmmMixtureSettings (options: HmmMixtureOptions): HmmMixtureSettings {
  const { seed, initSequences = 10000 } = options
  if (seed !== undefined && !Number.isSafeInteger(seed)) invalidOption('seed', 'an integer', seed)
  if (!Number.isInteger(initSequences) || initSequences < 1) invalidOption('initSequences', 'a whole number >= 1', initSequences)
  return { hmm: requireHmmOption(options.hmm), seed: seed ?? Math.floor(Math.random() * 2 ** 32), initSequences }
}

/**
 * Two passes that collect a seeded uniform sample of `size` sequences of weight > 0 (copied, in
 * stream order). The first picks them: bottom-m sampling over the sequence indices (RowSample on
 * one row per sequence); the second copies them. Sequences are numbered skipping empty ones, so
 * the sample depends on the sequences and the seed only, not on how a source chunks them.
 */
export function * sequenceSample (size: number, seed: number): Passes<SequenceBatch> {
  const picks = new RowSample(size, seed)
  let seen = 0
  yield (batch: Batch) => {
    const { kept, weights } = nonEmpty(batch as SequenceBatch)
    picks.add({ data: new Float64Array(kept.length), rows: kept.length, cols: 1, weights }, seen)
    seen += kept.length
  }
  const chosen = picks.rowIndices()
  const parts: SequenceBatch[] = []
  let next = 0
  seen = 0
  yield (batch: Batch) => {
    const sequences = batch as SequenceBatch
    for (const s of nonEmpty(sequences).kept) {
      if (chosen[next] === seen++) {
        parts.push(copySequences(sliceSequences(sequences, s, s + 1)))
        next++
      }
    }
  }
  return concatSequences(parts)
}

/** The indices of a batch's non-empty sequences, and their weights. */
function nonEmpty (batch: SequenceBatch): { kept: number[]; weights: Float64Array | undefined } {
  const kept: number[] = []
  for (let s = 0; s + 1 < batch.offsets.length; s++) if (batch.offsets[s + 1]! > batch.offsets[s]!) kept.push(s)
  return { kept, weights: batch.weights === undefined ? undefined : Float64Array.from(kept, s => batch.weights![s]!) }
}

/** A sequence batch in memory of its own (a source may use a chunk's memory again). */
function copySequences (batch: SequenceBatch): SequenceBatch {
  return {
    ...batch,
    data: batch.data.slice(),
    offsets: batch.offsets.slice(),
    weights: batch.weights?.slice(),
    labels: undefined,
    stateLabels: undefined,
    categories: batch.categories?.map(column => column?.slice())
  }
}

/** The starting components and weights of a mixture of k HMMs. */
export interface HmmMixtureStart {
  models: HiddenMarkovModel[]
  weights: number[]
}

/**
 * Clusters the sampled sequences and builds one HMM per cluster (see above).
 * @throws ArilError `ERR_INVALID_INPUT` with fewer than k sampled sequences (or fewer than k that
 *   look different), and what `HiddenMarkovModel.fromSamples` throws
 */
export function hmmMixtureStart (k: number, batch: SequenceBatch, settings: HmmMixtureSettings, where: string): HmmMixtureStart {
  const { distribution, nComponents, ...options } = settings.hmm
  const { seed } = settings
  const n = batch.offsets.length - 1
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ArilError('ERR_INVALID_INPUT', `${where}: expected k between 1 and the number of sampled sequences of weight > 0 (${n}), got ${k}`)
  const features = sequenceFeatures(batch)
  const clusters = k === 1 ? new Float64Array(n) : Kmeans.fromSamples(k, features, { seed }).predict(features)
  const models: HiddenMarkovModel[] = []
  const shares: number[] = []
  for (let j = 0; j < k; j++) {
    const own: number[] = []
    let share = 0
    for (let s = 0; s < n; s++) {
      if (clusters[s] !== j) continue
      own.push(s)
      share += batch.weights === undefined ? 1 : batch.weights[s]!
    }
    if (own.length === 0) throw new ArilError('ERR_INVALID_INPUT', `${where}: the sequences fall into fewer than ${k} clusters, so component ${j} has none to start from; use fewer components`)
    models.push(HiddenMarkovModel.fromSamples(distribution, nComponents, gatherSequences(batch, own), options))
    shares.push(share)
  }
  const total = shares.reduce((a, b) => a + b, 0)
  return { models, weights: shares.map(w => w / total) }
}

/**
 * One row of features per sequence (see above), each feature standardized over the sequences;
 * a feature equal for every sequence is 0 everywhere.
 */
export function sequenceFeatures (batch: SequenceBatch): { data: Float64Array; rows: number; cols: number } {
  const n = batch.offsets.length - 1
  const columns: Float64Array[] = []
  for (let c = 0; c < batch.cols; c++) {
    const symbols = batch.categories?.[c]
    columns.push(...(symbols === undefined ? numberFeatures(batch, c) : symbolFeatures(batch, symbols)))
  }
  const cols = columns.length
  const data = new Float64Array(n * cols)
  columns.forEach((values, f) => {
    standardize(values)
    for (let s = 0; s < n; s++) data[s * cols + f] = values[s]!
  })
  return { data, rows: n, cols }
}

/** Mean, standard deviation and mean absolute step of column c of every sequence (missing values skipped; an empty sequence is all 0). */
function numberFeatures (batch: SequenceBatch, c: number): Float64Array[] {
  const n = batch.offsets.length - 1
  const mean = new Float64Array(n)
  const sd = new Float64Array(n)
  const step = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    let count = 0
    let sum = 0
    let steps = 0
    let moved = 0
    let previous = NaN
    for (let r = batch.offsets[s]!; r < batch.offsets[s + 1]!; r++) {
      const x = batch.data[r * batch.cols + c]!
      if (Number.isNaN(x)) continue
      count++
      sum += x
      if (!Number.isNaN(previous)) {
        steps++
        moved += Math.abs(x - previous)
      }
      previous = x
    }
    if (count === 0) continue
    const m = mean[s] = sum / count
    let squares = 0
    for (let r = batch.offsets[s]!; r < batch.offsets[s + 1]!; r++) {
      const x = batch.data[r * batch.cols + c]!
      if (!Number.isNaN(x)) squares += (x - m) * (x - m)
    }
    sd[s] = Math.sqrt(squares / count)
    step[s] = steps === 0 ? 0 : moved / steps
  }
  return [mean, sd, step]
}

/** The share of each symbol (in sorted order) and of steps that change symbol, per sequence. */
function symbolFeatures (batch: SequenceBatch, symbols: ReadonlyArray<Key | null>): Float64Array[] {
  const n = batch.offsets.length - 1
  const keys = [...new Set(symbols.filter(key => key !== null))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const index = new Map(keys.map((key, i) => [key, i]))
  const shares = keys.map(() => new Float64Array(n))
  const changes = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    let count = 0
    let steps = 0
    let changed = 0
    let previous: Key | null = null
    for (let r = batch.offsets[s]!; r < batch.offsets[s + 1]!; r++) {
      const key = symbols[r] ?? null
      if (key === null) continue
      count++
      const share = shares[index.get(key)!]!
      share[s] = share[s]! + 1
      if (previous !== null) {
        steps++
        if (key !== previous) changed++
      }
      previous = key
    }
    for (const share of shares) share[s] = count === 0 ? 0 : share[s]! / count
    changes[s] = steps === 0 ? 0 : changed / steps
  }
  return [...shares, changes]
}

/** (x − mean) / standard deviation in place; all 0 when every value is the same. */
function standardize (values: Float64Array): void {
  let sum = 0
  for (const v of values) sum += v
  const mean = sum / values.length
  let squares = 0
  for (const v of values) squares += (v - mean) * (v - mean)
  const sd = Math.sqrt(squares / values.length)
  for (let i = 0; i < values.length; i++) values[i] = sd > 0 ? (values[i]! - mean) / sd : 0
}

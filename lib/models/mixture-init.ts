/**
 * How a mixture's `fromSamples` and `fromStream` begin (pomegranate's `from_samples`): k-means on
 * the initialization sample (init.ts: a uniform sample of all rows by default), `nInit` times
 * keeping the smallest inertia, then one component fitted to each cluster and the weights from the
 * clusters' sizes. The same passes run in memory and over a stream, so both begin alike.
 *
 * The component kinds follow pomegranate's list semantics: one kind for every component; on one
 * column a list gives one kind per component; on d > 1 columns a list of one-column kinds gives
 * one kind per column (each component an IndependentComponentsDistribution of them), and a single
 * one-column kind is used for every column (pomegranate builds the same; it is not an error).
 */
import type { Batch, BatchInput, Key } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { numberOption } from '../core/options.js'
import { Random } from '../core/random.js'
import { UnivariateDistribution } from '../core/univariate.js'
import { IndependentComponentsDistribution, type AnyUnivariateDistribution } from '../distributions/independent-components.js'
import type { Passes } from '../train/pass.js'
import { INIT_OPTION_KEYS, initialCentroids, initialSample, type InitOptions, type InitSettings } from './init.js'
import { Kmeans, refineCentroids } from './kmeans.js'

/** A kind of component that can be fitted to rows: a class with a static `fromSamples`. */
export interface ComponentKind<C extends Model<unknown, any, unknown> = Model<unknown, any, unknown>> {
  fromSamples (X: BatchInput, options?: any): C
}

/** Options of `fromSamples` and `fromStream`: the initialization (see {@link InitOptions}) and the k-means steps. */
export interface MixtureInitOptions extends InitOptions {
  /** Lloyd iterations on the sample before the components are fitted to the clusters (default 1, as pomegranate). */
  kmeansIterations?: number | undefined
}

/** The keys of {@link MixtureInitOptions}, which the EM fit must not see. */
export const INIT_KEYS = [...INIT_OPTION_KEYS, 'kmeansIterations'] as const

/**
 * The components and weights a mixture starts from. (A one-column kind on d > 1 columns gives
 * IndependentComponentsDistributions, as pomegranate: `C` is then that class.)
 */
export interface MixtureStart<C extends Model<unknown, any, unknown> = Model<unknown, any, unknown>> {
  components: C[]
  weights: Float64Array
  /** Rows of the sample when it was the first `initRows` rows (for the trainer's note). */
  headRows: number | undefined
}

/**
 * The passes that choose a mixture's first components (see the file's opening comment).
 * @throws ArilError `ERR_INVALID_OPTION` for kinds that do not fit the data, `ERR_INVALID_INPUT`
 *   when k-means leaves a cluster empty or there are fewer than k complete rows
 */
export function * mixtureStart<C extends Model<unknown, any, unknown>> (kind: ComponentKind<C> | readonly ComponentKind[], k: number, settings: InitSettings, options: MixtureInitOptions): Passes<MixtureStart<C>> {
  const kmeansIterations = numberOption(options, 'kmeansIterations', 1, 0)
  const random = new Random(settings.seed)
  const sample = yield * initialSample(settings)
  const build = builders(kind, k, sample.cols)
  let best: Kmeans | undefined
  let bestInertia = Infinity
  for (let run = 0; run < settings.runs; run++) {
    const kmeans = new Kmeans(k).setCentroids(yield * initialCentroids(k, sample, settings, random, refineCentroids))
    kmeans.fit(sample, { maxIterations: kmeansIterations, stopThreshold: -Infinity })
    const inertia = weightedInertia(kmeans, sample)
    if (best === undefined || inertia < bestInertia) [best, bestInertia] = [kmeans, inertia]
  }
  const labels = best!.predict(sample)
  const total = sample.weights === undefined ? sample.rows : sample.weights.reduce((a, b) => a + b, 0)
  const weights = new Float64Array(k)
  const components = build.map((fit, j) => {
    const rows: number[] = []
    for (let r = 0; r < sample.rows; r++) if (labels[r] === j) rows.push(r)
    if (rows.length === 0) throw new ArilError('ERR_INVALID_INPUT', `GeneralMixtureModel: k-means left cluster ${j} of ${k} empty on the ${sample.rows} rows of the initialization sample; try another seed, nInit or more initRows`)
    const cluster = selectRows(sample, rows)
    weights[j] = (cluster.weights === undefined ? cluster.rows : cluster.weights.reduce((a, b) => a + b, 0)) / total
    return fit(cluster) as C
  })
  return { components, weights, headRows: settings.sample === 'head' && sample.rows === settings.rows ? settings.rows : undefined }
}

/** Σ w·d² of the sample's rows to their nearest centroid. */
function weightedInertia (kmeans: Kmeans, sample: Batch): number {
  const logp = kmeans.logProbability(sample)
  let total = 0
  logp.forEach((v, r) => { total -= (sample.weights === undefined ? 1 : sample.weights[r]!) * v })
  return total
}

function isOneColumn (kind: unknown): kind is new () => AnyUnivariateDistribution {
  return typeof kind === 'function' && kind.prototype instanceof UnivariateDistribution
}

/** One function per component that fits it to its cluster, by pomegranate's list semantics. */
function builders (kind: ComponentKind | readonly ComponentKind[], k: number, cols: number): Array<(cluster: Batch) => Model<unknown, any, unknown>> {
  const fits = (c: unknown): boolean => typeof (c as ComponentKind | undefined)?.fromSamples === 'function'
  if (!Array.isArray(kind)) {
    if (!fits(kind)) invalidOption('distributions', 'a component class with fromSamples, or a list of them', kind)
    const one = kind as ComponentKind
    const fit = isOneColumn(one) && cols > 1
      ? (cluster: Batch) => IndependentComponentsDistribution.fromSamples(cluster, { distributions: one as new () => AnyUnivariateDistribution })
      : (cluster: Batch) => one.fromSamples(cluster)
    return Array.from({ length: k }, () => fit)
  }
  const kinds = kind as readonly ComponentKind[]
  if (!kinds.every(fits)) invalidOption('distributions', 'component classes with fromSamples', kind)
  if (cols > 1 && kinds.every(isOneColumn)) {
    if (kinds.length !== cols) invalidOption('distributions', `one one-column class per column (${cols}), as pomegranate, or one class for every column`, `a list of ${kinds.length}`)
    const perColumn = kinds as unknown as Array<new () => AnyUnivariateDistribution>
    return Array.from({ length: k }, () => (cluster: Batch) => IndependentComponentsDistribution.fromSamples(cluster, { distributions: perColumn }))
  }
  if (kinds.length !== k) invalidOption('distributions', `one class per component (${k})`, `a list of ${kinds.length}`)
  return kinds.map(c => (cluster: Batch) => c.fromSamples(cluster))
}

/** The given rows of a batch, copied. */
function selectRows (batch: Batch, rows: readonly number[]): Batch {
  const { cols } = batch
  const data = new Float64Array(rows.length * cols)
  rows.forEach((r, i) => data.set(batch.data.subarray(r * cols, (r + 1) * cols), i * cols))
  return {
    data,
    rows: rows.length,
    cols,
    weights: batch.weights === undefined ? undefined : Float64Array.from(rows, r => batch.weights![r]!),
    categories: batch.categories?.map(c => c === undefined ? undefined : rows.map(r => c[r] as Key | null))
  }
}

/**
 * Plots from data too big for memory: each reads its source once (a histogram or a row sample,
 * summary.ts), builds the Vega-Lite specification (specs.ts) and, given a path, renders it
 * (render.ts). The log-likelihood plot reads a History or a csvLogger file.
 */
import { readFile } from 'node:fs/promises'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, invalidOption } from '../core/errors.js'
import { checkKeys, pickOptions } from '../core/options.js'
import type { Model } from '../core/model.js'
import { rejectRawBytes } from '../core/raw-bytes.js'
import type { Source } from '../core/source.js'
import { openAnySource } from '../exec/shards.js'
import { writePlot } from './render.js'
import { densitySpec, historySpec, scatterSpec, type EpochPoint, PLOT_OPTION_KEYS, type PlotOptions, type VegaLiteSpec } from './specs.js'
import { RowSample, StreamingHistogram } from './summary.js'

/** Options of {@link plotDensity}. */
export interface DensityPlotOptions extends PlotOptions {
  /** At most this many bins (default 60; the histogram has between half and all of them). */
  bins?: number | undefined
  /** The column of the data to histogram (default 0). */
  column?: number | undefined
}

/** The keys of {@link plotDensity}'s options: {@link DensityPlotOptions} and `out`. */
export const DENSITY_PLOT_OPTION_KEYS = [...PLOT_OPTION_KEYS, 'bins', 'column', 'out'] as const

/** Options of {@link plotScatter}. */
export interface ScatterPlotOptions extends PlotOptions {
  /** Rows drawn (a uniform sample of the stream; default 2000). */
  sample?: number | undefined
  /** Seed of the sample (default 1). */
  seed?: number | undefined
}

/** The keys of {@link plotScatter}'s options: {@link ScatterPlotOptions} and `out`. */
export const SCATTER_PLOT_OPTION_KEYS = [...PLOT_OPTION_KEYS, 'sample', 'seed', 'out'] as const

async function eachBatch (source: Source, add: (batch: Batch) => void): Promise<void> {
  for await (const chunk of await openAnySource(source)) {
    rejectRawBytes(chunk, 'A plot')
    add(toBatch(chunk as BatchInput, { categorical: true }))
  }
}

/**
 * A univariate model's density (a mixture's components too) over the histogram of the data,
 * summarized in one streamed pass; written to `out` (`.svg` or `.png`) when given.
 * @throws ArilError `ERR_INVALID_ARGUMENT` (a model of several columns, no finite values), the
 *   source's errors, `ERR_INVALID_OPTION`
 * @example
 * ```ts
 * const spec = await plotDensity(gmm, 'heights.npy', { out: 'heights.png' })
 * ```
 */
export async function plotDensity (model: Model, source: Source, options: DensityPlotOptions & { out?: string } = {}): Promise<VegaLiteSpec> {
  checkKeys(options, DENSITY_PLOT_OPTION_KEYS, 'plotDensity')
  const histogram = new StreamingHistogram({ maxBins: options.bins ?? 60, column: options.column ?? 0 })
  await eachBatch(source, batch => histogram.add(batch))
  const spec = densitySpec(model, histogram.result(), pickOptions(options, PLOT_OPTION_KEYS))
  if (options.out !== undefined) await writePlot(options.out, spec)
  return spec
}

/**
 * Two columns of the data (a uniform sample, one streamed pass) with a model's components: the
 * ellipses of Gaussian components, k-means' centroids; written to `out` when given.
 * @throws ArilError `ERR_INVALID_ARGUMENT`, the source's errors, `ERR_INVALID_OPTION`
 * @example
 * ```ts
 * await plotScatter(kmeans, () => readNpy('xy.npy'), { out: 'clusters.svg', sample: 5000 })
 * ```
 */
export async function plotScatter (model: Model | undefined, source: Source, options: ScatterPlotOptions & { out?: string } = {}): Promise<VegaLiteSpec> {
  checkKeys(options, SCATTER_PLOT_OPTION_KEYS, 'plotScatter')
  const sample = new RowSample(options.sample ?? 2000, { seed: options.seed ?? 1, columns: [0, 1] })
  await eachBatch(source, batch => {
    if (batch.cols !== 2) throw new ArilError('ERR_COLUMN_COUNT', `plotScatter: expected rows of 2 columns, got ${batch.cols} (select two columns)`)
    sample.add(batch)
  })
  const spec = scatterSpec(model, sample.rows(), pickOptions(options, PLOT_OPTION_KEYS))
  if (options.out !== undefined) await writePlot(options.out, spec)
  return spec
}

/**
 * The log-likelihood per epoch of a fit, from its History (or its epochs) or from the file a
 * `csvLogger` wrote; written to `out` when given.
 * @throws ArilError `ERR_INVALID_ARGUMENT` (no epochs; a file without `epoch` and
 *   `logProbability` columns), `ERR_SOURCE` (the file cannot be read)
 * @example
 * ```ts
 * await plotHistory('fit.csv', { out: 'fit.svg' })
 * ```
 */
export async function plotHistory (history: string | { epochs: readonly EpochPoint[] } | readonly EpochPoint[], options: PlotOptions & { out?: string } = {}): Promise<VegaLiteSpec> {
  checkKeys(options, [...PLOT_OPTION_KEYS, 'out'], 'plotHistory')
  const epochs = typeof history === 'string' ? await readEpochs(history) : Array.isArray(history) ? history as readonly EpochPoint[] : (history as { epochs: readonly EpochPoint[] }).epochs
  if (!Array.isArray(epochs)) invalidOption('history', 'a History, an array of epochs or a csvLogger file', history)
  const spec = historySpec(epochs, pickOptions(options, PLOT_OPTION_KEYS))
  if (options.out !== undefined) await writePlot(options.out, spec)
  return spec
}

/**
 * The epochs of a csvLogger file (any separator csvLogger writes: `,`, `;`, tab).
 * @throws ArilError `ERR_SOURCE`, `ERR_INVALID_ARGUMENT` (no `epoch` and `logProbability` columns, or not numbers there)
 * @example
 * ```ts
 * (await readEpochs('fit.csv')).at(-1)?.logProbability
 * ```
 */
export async function readEpochs (path: string): Promise<EpochPoint[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ArilError('ERR_SOURCE', `Cannot read the file: ${(err as Error).message}`, { file: path }, { cause: err })
  }
  // csvLogger writes plain fields (numbers and names, never quoted) joined by its separator.
  const lines = text.split(/\r?\n/).filter(line => line !== '')
  const separator = [',', ';', '\t', '|', ' '].find(s => lines[0]?.split(s).includes('epoch')) ?? ','
  const rows = lines.map(line => line.split(separator))
  const header = rows[0] ?? []
  const epoch = header.indexOf('epoch')
  const logp = header.indexOf('logProbability')
  if (epoch < 0 || logp < 0) {
    throw new ArilError('ERR_INVALID_ARGUMENT', `Expected a csvLogger file with the columns epoch and logProbability, got ${JSON.stringify(header.join(','))}`, { file: path, line: 1 })
  }
  return rows.slice(1).map((r, i) => {
    const point = { epoch: Number(r[epoch]), logProbability: Number(r[logp]) }
    if (!Number.isFinite(point.epoch) || Number.isNaN(point.logProbability)) {
      throw new ArilError('ERR_INVALID_ARGUMENT', `Expected numbers in the columns epoch and logProbability, got ${JSON.stringify(r.join(','))}`, { file: path, line: i + 2 })
    }
    return point
  })
}

/**
 * Vega-Lite specifications of what a user wants to see of a fit: a univariate model's density (a
 * mixture's weighted components too) over the data's histogram, 2-D rows with a mixture's or
 * k-means' components (covariance ellipses, centroids), and the log-likelihood per epoch. A
 * specification is plain JSON: render it with render.ts, or hand it to any Vega-Lite tool.
 */
import { ArilError, invalidOption } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import type { Model } from '../core/model.js'
import { MultivariateGaussianDistribution } from '../distributions/multivariate-gaussian.js'
import { IndependentComponentsDistribution } from '../distributions/independent-components.js'
import { GeneralMixtureModel } from '../models/mixture.js'
import { Kmeans } from '../models/kmeans.js'
import type { Histogram } from './summary.js'

/** A Vega-Lite specification (JSON). */
export type VegaLiteSpec = Record<string, unknown>

/** Options of every plot. */
export interface PlotOptions {
  /** The title (default: what is plotted). */
  title?: string | undefined
  /** The size of the plotting area in pixels (default 560 × 320). */
  width?: number | undefined
  height?: number | undefined
  /** Names of the axes (default `x`, `y`). */
  xLabel?: string | undefined
  yLabel?: string | undefined
}

/** The keys of {@link PlotOptions}. */
export const PLOT_OPTION_KEYS = ['title', 'width', 'height', 'xLabel', 'yLabel'] as const

/** One epoch of a fit, as a History or a csvLogger file records it. */
export interface EpochPoint {
  epoch: number
  logProbability: number
}

const GRID = 240

function frame (options: PlotOptions, title: string): VegaLiteSpec {
  const size = (name: 'width' | 'height', fallback: number): number => {
    const value = options[name] ?? fallback
    if (!Number.isInteger(value) || value < 50 || value > 4000) invalidOption(name, 'a whole number of pixels in [50, 4000]', value)
    return value
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? title,
    width: size('width', 560),
    height: size('height', 320),
    background: 'white',
    config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', view: { stroke: null } }
  }
}

/** The density of each curve on a grid: the model, and for a mixture each weighted component. */
function curves (model: Model, xs: Float64Array): Array<{ x: number; density: number; curve: string }> {
  const out: Array<{ x: number; density: number; curve: string }> = []
  const add = (name: string, density: Float64Array, scale = 1): void => {
    xs.forEach((x, i) => out.push({ x, density: density[i]! * scale, curve: name }))
  }
  if (model instanceof GeneralMixtureModel) {
    const [, weights] = model.parameters
    model.distributions.forEach((d, j) => add(`component ${j}`, d.probability(xs), weights[j]))
    add('mixture', model.probability(xs))
  } else {
    add(model.name, model.probability(xs))
  }
  return out
}

/**
 * A univariate model's density over the histogram of its data (bars scaled to a density, so the
 * two share the y axis); a mixture also shows each component times its weight.
 * @throws ArilError `ERR_INVALID_ARGUMENT` for a model of more than one column or an empty histogram
 * @example
 * ```ts
 * const spec = densitySpec(gmm, histogram, { title: 'heights' })
 * await writePlot('heights.svg', spec)
 * ```
 */
export function densitySpec (model: Model, histogram: Histogram, options: PlotOptions = {}): VegaLiteSpec {
  checkKeys(options, PLOT_OPTION_KEYS, 'densitySpec')
  if (model.dimension !== undefined && model.dimension !== 1) {
    throw new ArilError('ERR_INVALID_ARGUMENT', `densitySpec: expected a model of one column, got ${model.name} of ${model.dimension}; plot two columns with scatterSpec`)
  }
  const { start, width, counts, total } = histogram
  if (!(total > 0)) throw new ArilError('ERR_INVALID_ARGUMENT', 'densitySpec: the histogram is empty (the data had no finite values)')
  const bars = counts.map((c, i) => ({ x0: start + i * width, x1: start + (i + 1) * width, density: c / (total * width) }))
  const lo = start
  const hi = start + counts.length * width
  const xs = Float64Array.from({ length: GRID }, (_, i) => lo + (hi - lo) * i / (GRID - 1))
  const x = { field: 'x0', type: 'quantitative', title: options.xLabel ?? 'x', scale: { domain: [lo, hi], nice: false } }
  return {
    ...frame(options, `${model.name} over the histogram of ${total} rows`),
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rect', color: '#c6dbef', stroke: '#6baed6', strokeWidth: 0.5 },
        encoding: { x, x2: { field: 'x1' }, y: { field: 'density', type: 'quantitative', title: options.yLabel ?? 'density' }, y2: { datum: 0 } }
      },
      {
        data: { values: curves(model, xs) },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { ...x, field: 'x' },
          y: { field: 'density', type: 'quantitative' },
          color: { field: 'curve', type: 'nominal', title: null },
          strokeDash: { condition: { test: "datum.curve === 'mixture'", value: [1, 0] }, value: [6, 3] }
        }
      }
    ]
  }
}

/** An ellipse of a 2-D Gaussian at `radius` standard deviations, as a closed polyline. */
function ellipse (mean: readonly number[], cov: readonly (readonly number[])[], radius: number): Array<[number, number]> {
  const [a, b, c] = [cov[0]![0]!, cov[0]![1]!, cov[1]![1]!]
  // Σ = L·Lᵀ (Cholesky); the ellipse is μ + radius·L·(cos t, sin t).
  const l11 = Math.sqrt(Math.max(a, 0))
  const l21 = l11 > 0 ? b / l11 : 0
  const l22 = Math.sqrt(Math.max(c - l21 * l21, 0))
  return Array.from({ length: 65 }, (_, i) => {
    const t = 2 * Math.PI * i / 64
    const u = radius * Math.cos(t)
    const v = radius * Math.sin(t)
    return [mean[0]! + l11 * u, mean[1]! + l21 * u + l22 * v]
  })
}

/** The 2-D Gaussian (mean, covariance) of a component, when it has one. */
function gaussian (model: Model): { mean: number[]; cov: number[][] } | undefined {
  if (model instanceof MultivariateGaussianDistribution) {
    const [mean, cov] = model.parameters
    return { mean, cov }
  }
  if (model instanceof IndependentComponentsDistribution && model.distributions.every(d => d.name === 'NormalDistribution')) {
    const [m0, s0] = model.distributions[0]!.parameters as [number, number]
    const [m1, s1] = model.distributions[1]!.parameters as [number, number]
    return { mean: [m0, m1], cov: [[s0 * s0, 0], [0, s1 * s1]] }
  }
  return undefined
}

/**
 * Rows of two columns (a streamed sample) with the model's components: 1σ and 2σ ellipses of
 * every Gaussian component of a mixture (or of a MultivariateGaussian), and k-means' centroids.
 * @throws ArilError `ERR_INVALID_ARGUMENT` for a model that is not of two columns
 * @example
 * ```ts
 * const spec = scatterSpec(kmeans, sample.rows(), { xLabel: 'lon', yLabel: 'lat' })
 * ```
 */
export function scatterSpec (model: Model | undefined, rows: ReadonlyArray<readonly number[]>, options: PlotOptions = {}): VegaLiteSpec {
  checkKeys(options, PLOT_OPTION_KEYS, 'scatterSpec')
  if (model !== undefined && model.dimension !== 2) {
    throw new ArilError('ERR_INVALID_ARGUMENT', `scatterSpec: expected a model of two columns, got ${model.name} of ${String(model.dimension)}`)
  }
  const points = rows.filter(r => Number.isFinite(r[0]) && Number.isFinite(r[1])).map(([x, y]) => ({ x, y }))
  const x = { field: 'x', type: 'quantitative', title: options.xLabel ?? 'x', scale: { zero: false } }
  const y = { field: 'y', type: 'quantitative', title: options.yLabel ?? 'y', scale: { zero: false } }
  const layer: VegaLiteSpec[] = [{
    data: { values: points },
    mark: { type: 'circle', size: 10, opacity: 0.35, color: '#4c78a8' },
    encoding: { x, y }
  }]
  const components = model instanceof GeneralMixtureModel ? model.distributions : model === undefined || model instanceof Kmeans ? [] : [model]
  const outlines: Array<{ x: number; y: number; component: string; ring: string; order: number }> = []
  components.forEach((d, j) => {
    const g = gaussian(d)
    if (g === undefined) throw new ArilError('ERR_INVALID_ARGUMENT', `scatterSpec: component ${j} is a ${d.name}; ellipses are drawn for MultivariateGaussian and Normal×Normal components`)
    for (const radius of [1, 2]) {
      ellipse(g.mean, g.cov, radius).forEach(([ex, ey], order) => outlines.push({ x: ex, y: ey, component: `component ${j}`, ring: `${j}-${radius}`, order }))
    }
  })
  if (outlines.length > 0) {
    layer.push({
      data: { values: outlines },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y, color: { field: 'component', type: 'nominal', title: null }, detail: { field: 'ring' }, order: { field: 'order', type: 'quantitative' } }
    })
  }
  if (model instanceof Kmeans) {
    const centroids = model.parameters.map(([cx, cy], j) => ({ x: cx, y: cy, component: `centroid ${j}` }))
    layer.push({
      data: { values: centroids },
      mark: { type: 'point', shape: 'cross', size: 220, filled: true, strokeWidth: 1 },
      encoding: { x, y, color: { field: 'component', type: 'nominal', title: null } }
    })
  }
  const title = model === undefined ? `${points.length} rows` : `${model.name}: ${Math.max(components.length, model instanceof Kmeans ? model.k : 0)} components over ${points.length} sampled rows`
  return { ...frame(options, title), layer }
}

/**
 * The log-likelihood after every epoch of a fit.
 * @throws ArilError `ERR_INVALID_ARGUMENT` when there is no epoch
 * @example
 * ```ts
 * const spec = historySpec(history.epochs)
 * ```
 */
export function historySpec (epochs: readonly EpochPoint[], options: PlotOptions = {}): VegaLiteSpec {
  checkKeys(options, PLOT_OPTION_KEYS, 'historySpec')
  if (epochs.length === 0) throw new ArilError('ERR_INVALID_ARGUMENT', 'historySpec: expected at least one epoch, got none')
  return {
    ...frame(options, `log-likelihood per epoch (${epochs.length} epochs)`),
    data: { values: epochs.map(e => ({ epoch: e.epoch, logProbability: e.logProbability })) },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: options.xLabel ?? 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'logProbability', type: 'quantitative', title: options.yLabel ?? 'log-likelihood', scale: { zero: false } }
    }
  }
}

/**
 * The arguments of a Bayes model (NaiveBayes, BayesClassifier) checked and normalized: labels in
 * pomegranate's positional forms, class labels, priors, components, the options a fit passes on,
 * and the fields of their JSON.
 */
import { ArilError, show } from '../core/errors.js'
import { Model, type SummarizeOptions } from '../core/model.js'
import { fromJSON } from '../core/serialize.js'

function isArrayLike (value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
}

/**
 * pomegranate's positional forms `(X, y)` and `(X, y, weights)` beside aril's `(X, { labels: y,
 * weights, ...options })`: the options with the labels (and weights) in them.
 * @throws ArilError `ERR_INVALID_ARGUMENT` for labels or weights given twice, or a second argument
 *   that is neither labels nor options
 */
export function labelArguments<O extends SummarizeOptions> (y: unknown, more: unknown, where: string): O {
  if (y === undefined || (typeof y === 'object' && y !== null && !isArrayLike(y))) {
    if (more !== undefined) throw new ArilError('ERR_INVALID_ARGUMENT', `${where}: expected the labels before ${show(more)}; pass ${where}(X, y, options) or ${where}(X, { labels: y, ...options })`)
    return (y ?? {}) as O
  }
  if (!isArrayLike(y)) throw new ArilError('ERR_INVALID_ARGUMENT', `${where}: expected labels (an array, one per row) or an options object, got ${show(y)}`)
  const options = (isArrayLike(more) ? { weights: more } : more ?? {}) as O
  if (typeof options !== 'object' || options === null) throw new ArilError('ERR_INVALID_ARGUMENT', `${where}: expected weights (an array) or an options object after the labels, got ${show(more)}`)
  if (options.labels !== undefined) throw new ArilError('ERR_INVALID_ARGUMENT', `${where}: labels were given twice, as an argument and as the labels option`)
  return { ...options, labels: y }
}

/** The largest label (labels given as strings or bigints read with `Number`), or −1 when none is ≥ 0. */
export function largestLabel (labels: ArrayLike<number>): number {
  let max = -1
  for (let i = 0, n = labels.length; i < n; i++) {
    const v = labels[i]
    const y = typeof v === 'number' ? v : Number(v)
    if (y > max) max = y
  }
  return max >= 0 ? max : -1
}

export function withoutKeys<T extends object> (options: T, keys: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (!keys.includes(key)) out[key] = value
  return out as Partial<T>
}

export function checkComponents (models: readonly Model[], name: string): void {
  if (!Array.isArray(models) || models.length < 2 || !models.every(m => m instanceof Model)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a list of at least two models, got ${show(models)}`)
  }
  const d = models[0]!.dimension
  const other = models.findIndex(m => m.dimension !== d)
  if (other >= 0) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected every model to read ${String(d)} columns like the first, got ${String(models[other]!.dimension)} for model ${other}`)
  }
}

export function priorsOf (weights: ArrayLike<number> | undefined, k: number, name: string): Float64Array {
  if (weights === undefined) return new Float64Array(k).fill(1 / k)
  const total = Array.from(weights).reduce((a, b) => a + b, 0)
  if (weights.length !== k || !Array.from(weights).every(w => typeof w === 'number' && w >= 0 && w < Infinity) || !(total > 0)) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected ${k} finite non-negative weights with a positive sum, got ${show(weights)}`)
  }
  // Priors that already sum to 1 up to rounding are kept bit for bit, so JSON round-trips exactly.
  return Float64Array.from(weights, w => Math.abs(total - 1) <= 1e-12 ? w : w / total)
}

export function checkLabels (labels: Float64Array, k: number, name: string): void {
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r]!
    if (y === y && y !== -1 && !(Number.isInteger(y) && y >= 0 && y < k)) {
      throw new ArilError('ERR_LABEL', `${name}: expected a class label 0 … ${k - 1} (or -1/NaN for unlabeled), got ${show(y)}`, { row: r })
    }
  }
}

/** Reads `models` of a BayesModel's JSON with the top-level reader. */
export function readModelsJSON (json: Record<string, unknown>, name: string): Model[] {
  const models = json.models
  if (!Array.isArray(models) || !models.every(m => typeof m === 'object' && m !== null)) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} JSON with a list of models, got ${show(models)}`)
  }
  return models.map(m => fromJSON<Model>(m as object))
}

/** Reads `weights` of a BayesModel's JSON: k numbers. */
export function readWeightsJSON (json: Record<string, unknown>, k: number, name: string): number[] {
  const weights = json.weights
  if (!Array.isArray(weights) || weights.length !== k || !weights.every(w => typeof w === 'number')) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} JSON with ${k} numeric weights, got ${show(weights)}`)
  }
  return weights as number[]
}

/**
 * The number of classes of a label column: the largest label + 1.
 * @throws ArilError `ERR_LABEL` (naming `where`) without a labelled row (or sequence: `unit`)
 */
export function classCount (labels: ArrayLike<number> | undefined, where: string, unit = 'row'): number {
  const k = labels === undefined ? 0 : largestLabel(labels) + 1
  if (k === 0) throw new ArilError('ERR_LABEL', `${where}: expected labels with at least one labelled ${unit}, got ${labels === undefined ? 'none' : 'none labelled'}`)
  return k
}

/**
 * What both networks do with rows once their tables are compiled to codes: read a row's values as
 * category codes (missing: −1), run belief propagation for the missing ones, and return beliefs
 * or the most probable values. One implementation, so BayesianNetwork and MarkovNetwork answer
 * `predictProba`, `predict` and `predictStream` the same way.
 */
import type { Batch, Key } from '../core/batch.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { numberOption } from '../core/options.js'
import type { Category } from '../counts/categories.js'
import { BeliefPropagation, type BeliefOptions, type Factor } from './belief-propagation.js'

/** One row of beliefs: a value where observed, else a Map category → probability. */
export type BeliefRow = Array<Category | Map<Category, number>>

/** Checks `maxIterations` (default 100, as pomegranate's networks) and `tolerance` (default 1e-12). */
export function beliefOptions (options: BeliefOptions, defaultIterations = 100): { maxIterations: number; tolerance: number } {
  const maxIterations = numberOption(options, 'maxIterations', defaultIterations, 1)
  if (!Number.isInteger(maxIterations)) invalidOption('maxIterations', 'a whole number >= 1', maxIterations)
  return { maxIterations, tolerance: numberOption(options, 'tolerance', 1e-12, 0) }
}

/** A network's variables in code space with its belief propagation graph. */
export class CodedInference {
  readonly codes: Array<Map<unknown, number>>
  readonly bp: BeliefPropagation

  /**
   * @param keys the categories of each variable (a code is an index here)
   * @param names what to call variable v in an error message
   */
  constructor (readonly keys: Category[][], factors: readonly Factor[], private readonly names: (v: number) => string) {
    this.codes = keys.map(k => new Map<unknown, number>(k.map((key, code) => [key, code])))
    this.bp = new BeliefPropagation(keys.map(k => k.length), factors)
  }

  /** The code of a value of variable v (−1 for missing); an unknown category is `ERR_INVALID_INPUT`. */
  codeOf (v: number, value: unknown, row: number): number {
    if (value === null || value === undefined || value !== value || value === 'nan') return -1
    const code = this.codes[v]!.get(value === 0 ? 0 : value)
    if (code === undefined) throw new ArilError('ERR_INVALID_INPUT', `${this.names(v)} has no category ${show(value)}`, { row, column: v })
    return code
  }

  /** Writes the codes of row r into `out`; returns how many are missing. */
  rowCodes (batch: Batch, r: number, out: Int32Array): number {
    let missing = 0
    for (let v = 0; v < batch.cols; v++) {
      const raw = batch.categories?.[v]
      out[v] = this.codeOf(v, raw === undefined ? batch.data[r * batch.cols + v] : raw[r], r)
      if (out[v]! < 0) missing++
    }
    return missing
  }

  /** The beliefs of every row of a checked batch. */
  predictProba (batch: Batch, options: BeliefOptions): BeliefRow[] {
    const settings = beliefOptions(options)
    const { keys, bp } = this
    const codes = new Int32Array(batch.cols)
    const beliefs = new Float64Array(bp.offsets[batch.cols]!)
    const out: BeliefRow[] = []
    for (let r = 0; r < batch.rows; r++) {
      if (this.rowCodes(batch, r, codes) > 0) bp.run(codes, beliefs, settings)
      out.push(Array.from(codes, (code, v) => code >= 0
        ? keys[v]![code]!
        : new Map(keys[v]!.map((key, i) => [key, beliefs[bp.offsets[v]! + i]!]))))
    }
    return out
  }

  /** A checked batch with each missing value replaced by its most probable category (the first on ties). */
  imputeBatch (batch: Batch, options: BeliefOptions): Batch {
    const settings = beliefOptions(options)
    const { keys, bp } = this
    const cols = batch.cols
    const codes = new Int32Array(cols)
    const beliefs = new Float64Array(bp.offsets[cols]!)
    const categories = Array.from({ length: cols }, () => new Array<Key | null>(batch.rows))
    const data = new Float64Array(batch.rows * cols)
    for (let r = 0; r < batch.rows; r++) {
      if (this.rowCodes(batch, r, codes) > 0) bp.run(codes, beliefs, settings)
      for (let v = 0; v < cols; v++) {
        let code = codes[v]!
        if (code < 0) {
          const at = bp.offsets[v]!
          code = 0
          for (let i = 1; i < keys[v]!.length; i++) if (beliefs[at + i]! > beliefs[at + code]!) code = i
        }
        const key = keys[v]![code]! as Key
        categories[v]![r] = key
        data[r * cols + v] = typeof key === 'number' ? key : NaN
      }
    }
    return { data, rows: batch.rows, cols, categories }
  }
}

/** The imputed rows of a batch as arrays of categories. */
export function imputedRows (batch: Batch): Category[][] {
  return Array.from({ length: batch.rows }, (_, r) => batch.categories!.map(c => c![r] as Category))
}

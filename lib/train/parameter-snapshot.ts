/**
 * Taking back an M-step. The trainer keeps the parameters of the last epoch whose log-likelihood
 * was finite (em.ts): before each M-step it records the model's own fields, and those of every
 * model it holds (a mixture's components, a classifier's per-class models), and puts them back if
 * the new parameters score the data as NaN or ±Infinity.
 *
 * This is sound because of the model contract: `update` computes new parameters and *assigns*
 * them (model.ts), it never writes into the old arrays or maps, so the recorded references still
 * hold the old values. Arrays of models are recorded with their contents, since a mixture may
 * replace a component in place.
 */
import { Model } from '../core/model.js'

/**
 * Records the fields of `model` and of the models it holds; the returned function puts them back.
 * @example
 * ```ts
 * const undo = snapshotParameters(mixture)
 * mixture.fromSummaries()
 * undo() // the parameters before the M-step
 * ```
 */
export function snapshotParameters (model: Model): () => void {
  const fields: Array<[object, string, unknown]> = []
  const arrays: Array<[unknown[], unknown[]]> = []
  const seen = new Set<object>()
  const visit = (value: unknown): void => {
    if (value instanceof Model) record(value)
    else if (Array.isArray(value) && value.some(v => v instanceof Model) && !seen.has(value)) {
      seen.add(value)
      arrays.push([value, value.slice()])
      for (const v of value) visit(v)
    }
  }
  const record = (m: Model): void => {
    if (seen.has(m)) return
    seen.add(m)
    for (const key of Object.keys(m)) {
      const value = (m as unknown as Record<string, unknown>)[key]
      fields.push([m, key, value])
      visit(value)
    }
  }
  record(model)
  return () => {
    for (const [array, contents] of arrays) array.splice(0, array.length, ...contents)
    for (const [owner, key, value] of fields) (owner as Record<string, unknown>)[key] = value
  }
}

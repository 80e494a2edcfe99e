/**
 * Normalizing the options that every model shares: each accepted form mapped once to a value,
 * anything else rejected with `ERR_INVALID_OPTION` naming the option.
 */
import { invalidOption } from './errors.js'

/** Options of `fromSummaries` shared by every model. */
export interface UpdateOptions {
  /** Weight of the old parameters: `new = inertia·old + (1 − inertia)·estimate`. In [0, 1]; default 0. */
  inertia?: number
  /** Added to every count of a categorical statistic (Discrete, Bernoulli, tables). Default 0. */
  pseudocount?: number
}

/** Reads an optional number option that must lie in [min, max]. */
export function numberOption (options: object | undefined, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const value = (options as Record<string, unknown> | undefined)?.[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    invalidOption(name, `a number in [${min}, ${max}]`, value)
  }
  return value
}

/** Reads an optional boolean option. */
export function booleanOption (options: object | undefined, name: string, fallback: boolean): boolean {
  const value = (options as Record<string, unknown> | undefined)?.[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') invalidOption(name, 'true or false', value)
  return value
}

/** `inertia` and `pseudocount`, checked. */
export function updateOptions (options: UpdateOptions | undefined): { inertia: number; pseudocount: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) invalidOption('options', 'an object', options)
  return {
    inertia: numberOption(options, 'inertia', 0, 0, 1),
    pseudocount: numberOption(options, 'pseudocount', 0, 0)
  }
}

/** The one way parameters are blended: `inertia·old + (1 − inertia)·estimate`. */
export function blend (old: number, estimate: number, inertia: number): number {
  return inertia === 0 ? estimate : inertia * old + (1 - inertia) * estimate
}

/**
 * Reads a limit option (a reader's or `fromJSON`'s documented limit, see `limitExceeded`): a whole
 * number in [min, max], `fallback` when absent.
 * @throws ArilError `ERR_INVALID_OPTION` naming the option
 * @example
 * ```ts
 * limitOption({ maxColumns: 10 }, 'maxColumns', 2 ** 20) // => 10
 * ```
 */
export function limitOption (options: object | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const value = (options as Record<string, unknown> | undefined)?.[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) invalidOption(name, `a whole number in [${min}, ${max}]`, value)
  return value
}

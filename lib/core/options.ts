/**
 * Normalizing the options that every model shares: each accepted form mapped once to a value,
 * anything else rejected with `ERR_INVALID_OPTION` naming the option.
 */
import { ArilError, invalidOption, show } from './errors.js'

/** Options of `fromSummaries` shared by every model. */
export interface UpdateOptions {
  /** Weight of the old parameters: `new = inertia·old + (1 − inertia)·estimate`. In [0, 1]; default 0. */
  inertia?: number
  /** Added to every count of a categorical statistic (Discrete, Bernoulli, tables). Default 0. */
  pseudocount?: number
}

/** The keys of {@link UpdateOptions}; a model whose update takes more lists them in `updateOptionKeys`. */
export const UPDATE_OPTION_KEYS = ['inertia', 'pseudocount'] as const

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

/**
 * Checks that an options object holds only known keys. An unknown key is `ERR_INVALID_OPTION`
 * naming the valid keys and, for a snake_case or misspelled key, the one meant (`max_iterations`
 * -> `maxIterations`). Keys whose value is `undefined` are ignored (spread defaults).
 * @throws ArilError `ERR_INVALID_OPTION`
 * @example
 * ```ts
 * checkKeys({ max_iterations: 5 }, ['maxIterations', 'stopThreshold'], 'fit')
 * // ArilError ERR_INVALID_OPTION: fit: unknown option "max_iterations" (did you mean "maxIterations"?); valid options: maxIterations, stopThreshold
 * ```
 */
export function checkKeys (options: object | undefined, allowed: readonly string[], where: string): void {
  if (options === undefined || options === null) return
  if (typeof options !== 'object' || Array.isArray(options)) invalidOption(`${where} options`, 'an object', options)
  for (const key of Object.keys(options)) {
    if (allowed.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue
    const meant = suggestKey(key, allowed)
    const hint = meant === undefined ? '' : ` (did you mean ${JSON.stringify(meant)}?)`
    throw new ArilError('ERR_INVALID_OPTION', `${where}: unknown option ${show(key)}${hint}; valid options: ${allowed.join(', ')}`)
  }
}

/**
 * The keys of several options lists, once each: the allowed keys of an options object that is
 * spread into several calls.
 * @example
 * ```ts
 * optionKeys(UPDATE_OPTION_KEYS, ['minCovar']) // => ['inertia', 'pseudocount', 'minCovar']
 * ```
 */
export function optionKeys (...lists: ReadonlyArray<readonly string[]>): readonly string[] {
  return [...new Set(lists.flat())]
}

/** The entries of `options` whose keys are in `keys` (the part of a checked object one call takes). */
export function pickOptions<T extends object> (options: T | undefined, keys: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options ?? {})) if (keys.includes(key)) out[key] = value
  return out as Partial<T>
}

/**
 * Checks an options object meant for two calls (a constructor and a fit) against the keys of
 * both, and splits it: the first part holds the keys of `first`, the second those of `second` (a
 * key of both goes to both).
 * @throws ArilError `ERR_INVALID_OPTION` for a key of neither
 * @example
 * ```ts
 * splitOptions({ minStd: 1, weights: w }, ['minStd'], ['weights'], 'fromSamples') // => [{ minStd: 1 }, { weights: w }]
 * ```
 */
export function splitOptions<T extends object> (options: T | undefined, first: readonly string[], second: readonly string[], where: string): [Partial<T>, Partial<T>] {
  checkKeys(options, optionKeys(first, second), where)
  return [pickOptions(options, first), pickOptions(options, second)]
}

/** The allowed key a user most likely meant: its camelCase form, or one within two edits. */
function suggestKey (key: string, allowed: readonly string[]): string | undefined {
  const camel = key.replace(/[_-]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase())
  const folded = camel.toLowerCase()
  const exact = allowed.find(a => a.toLowerCase() === folded)
  if (exact !== undefined) return exact
  let best: string | undefined
  let bestDistance = 3
  for (const a of allowed) {
    const d = editDistance(folded, a.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [a, d]
  }
  return best
}

/** Levenshtein distance (short strings: option names). */
function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

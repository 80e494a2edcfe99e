/**
 * JSON in pomegranate 0.14.8's shapes. Models register a reader under the name pomegranate puts
 * in `name` (for `"class": "Distribution"`) or in `class`; `fromJSON` dispatches on it. Nothing
 * is ever evaluated. pomegranate writes NaN and infinities as bare tokens, which JSON.parse
 * rejects, so text is read by {@link parseJSON}.
 */
import { ArilError, invalidOption, limitExceeded, show } from './errors.js'
import { checkKeys, numberOption } from './options.js'
import type { Model } from './model.js'

type Reader = (json: Record<string, unknown>) => Model

const readers = new Map<string, Reader>()

/** Registers the reader of a model kind (called once by each model file). */
export function registerModel (name: string, reader: Reader): void {
  readers.set(name, reader)
}

/** The model kinds `fromJSON` can read (those whose files are loaded), sorted. */
export function modelKinds (): string[] {
  return [...readers.keys()].sort()
}

/**
 * Limits of {@link fromJSON}, each with a safe default; exceeding one is `ERR_LIMIT` naming the
 * option. They are checked before anything is allocated from a size the JSON declares.
 */
export interface JsonLimits {
  /** Nesting depth of the JSON text (objects and arrays) and of models inside models. Default 1000 (Python's recursion limit, so anything pomegranate can write). */
  maxDepth?: number
  /** Keys of a DiscreteDistribution, or of one column of a probability table. Default 100,000. */
  maxKeys?: number
  /** Cells of a probability table (the product of its columns' key counts). Default 4,194,304 (2^22). */
  maxTableCells?: number
}

/**
 * The defaults of {@link JsonLimits}.
 * @example
 * ```ts
 * JSON_LIMITS.maxKeys // => 100000
 * fromJSON(text, { maxKeys: 10 * JSON_LIMITS.maxKeys })
 * ```
 */
export const JSON_LIMITS: Readonly<Required<JsonLimits>> = Object.freeze({ maxDepth: 1000, maxKeys: 100_000, maxTableCells: 4_194_304 })

/** The keys of {@link JsonLimits}, the options of `fromJSON`. */
export const JSON_LIMIT_KEYS = ['maxDepth', 'maxKeys', 'maxTableCells'] as const

/** Normalizes limits: each a whole number >= 1, or Infinity. */
export function jsonLimits (options: JsonLimits | undefined): Required<JsonLimits> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) invalidOption('options', 'an object', options)
  const limit = (name: keyof JsonLimits): number => {
    const value = numberOption(options, name, JSON_LIMITS[name], 1)
    if (!Number.isInteger(value) && value !== Infinity) invalidOption(name, 'a whole number >= 1 or Infinity', value)
    return value
  }
  return { maxDepth: limit('maxDepth'), maxKeys: limit('maxKeys'), maxTableCells: limit('maxTableCells') }
}

/** The limits of the `fromJSON` call in progress (readers run synchronously inside it), or the defaults. */
let active: Required<JsonLimits> | undefined
let depth = 0

/**
 * The limits a model reader must respect: those given to the `fromJSON` call in progress, or the
 * defaults when a reader is called on its own (`DiscreteDistribution.fromJSON(json)`).
 */
export function readingLimits (): Required<JsonLimits> {
  return active ?? JSON_LIMITS
}

/**
 * Reads any model from pomegranate's JSON (a string, possibly with bare NaN/Infinity, or an
 * already parsed object). Models inside models are read through it too, so `options` (the
 * {@link JsonLimits}) apply to the whole tree.
 *
 * @throws ArilError `ERR_INVALID_JSON_MODEL` for malformed JSON, `ERR_UNKNOWN_MODEL` for a class
 *   aril does not know, `ERR_LIMIT` when the JSON exceeds a limit (`maxDepth`, `maxKeys`,
 *   `maxTableCells`), `ERR_INVALID_OPTION` for a bad limit
 * @example
 * ```ts
 * const d = fromJSON('{"class":"Distribution","name":"NormalDistribution","parameters":[0,1],"frozen":false}')
 * d.logProbability([0]) // => Float64Array [-0.9189385332046727]
 * fromJSON(text, { maxKeys: 1_000_000 }) // a DiscreteDistribution with up to a million keys
 * ```
 */
export function fromJSON<M extends Model = Model> (json: string | object, options?: JsonLimits): M {
  const outer = active === undefined
  if (outer) checkKeys(options, JSON_LIMIT_KEYS, 'fromJSON')
  const limits = outer ? jsonLimits(options) : active!
  if (depth >= limits.maxDepth) limitExceeded('maxDepth', limits.maxDepth, `models nested ${depth + 1} deep`)
  const value = typeof json === 'string' ? parseJSON(json, { maxDepth: limits.maxDepth }) : json
  if (outer && typeof json !== 'string') checkDepth(json, limits.maxDepth)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a JSON object describing a model, got ${show(value)}`)
  }
  const record = value as Record<string, unknown>
  const key = record.class === 'Distribution' ? record.name : record.class
  const reader = typeof key === 'string' ? readers.get(key) : undefined
  if (reader === undefined) {
    throw new ArilError('ERR_UNKNOWN_MODEL', `Unknown model ${show(key)}; known: ${modelKinds().join(', ')}`)
  }
  active = limits
  depth++
  try {
    return reader(record) as M
  } finally {
    depth--
    if (outer) active = undefined
  }
}

/*
 * pomegranate's bare NaN and Infinity tokens are turned into strings that start with a NUL
 * character (MARK + token) before JSON.parse, and back into numbers by the reviver. So that no
 * string of the user's can be mistaken for one, a string value that itself starts with a NUL
 * (JSON can only write it as the escape \u0000) gets a second NUL, which the reviver removes.
 */
const MARK = '\u0000aril:'

/** Options of {@link parseJSON}. */
export interface ParseJSONOptions {
  /** Deepest nesting of objects and arrays accepted (default 1000, see {@link JsonLimits}). */
  maxDepth?: number
}

/** The keys of {@link ParseJSONOptions}. */
export const PARSE_JSON_OPTION_KEYS = ['maxDepth'] as const

/**
 * JSON.parse that also reads pomegranate's bare `NaN`, `Infinity` and `-Infinity` tokens (where a
 * value may stand; a string is never reinterpreted), within a nesting depth limit.
 * @throws ArilError `ERR_INVALID_JSON_MODEL` for malformed JSON, `ERR_LIMIT` (`maxDepth`) for
 *   JSON nested deeper than the limit
 * @example
 * ```ts
 * parseJSON('{"parameters" : [3.0,NaN]}') // => { parameters: [3, NaN] }
 * ```
 */
export function parseJSON (text: string, options?: ParseJSONOptions): unknown {
  if (typeof text !== 'string') throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected JSON text, got ${show(text)}`)
  checkKeys(options, PARSE_JSON_OPTION_KEYS, 'parseJSON')
  const { maxDepth } = jsonLimits({ maxDepth: options?.maxDepth })
  let out = ''
  let last = 0
  let marked = false
  // Open containers ('{' or '['), and whether the next token stands where a value may.
  const open: string[] = []
  let valueNext = true
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '"') {
      const end = stringEnd(text, i)
      if (valueNext && text.startsWith('\\u0000', i + 1)) {
        out += text.slice(last, i + 1) + '\\u0000'
        last = i + 1
        marked = true
      }
      valueNext = false
      i = end
    } else if (ch === '{' || ch === '[') {
      if (open.push(ch) > maxDepth) limitExceeded('maxDepth', maxDepth, `JSON nested more than ${maxDepth} deep`, { byteOffset: i })
      valueNext = ch === '['
    } else if (ch === '}' || ch === ']') {
      open.pop()
      valueNext = false
    } else if (ch === ':') {
      valueNext = true
    } else if (ch === ',') {
      valueNext = open.at(-1) === '['
    } else if (valueNext && (ch === 'N' || ch === 'I' || ch === '-')) {
      const token = ['NaN', 'Infinity', '-Infinity'].find(t => text.startsWith(t, i))
      if (token !== undefined) {
        out += text.slice(last, i) + JSON.stringify(MARK + token)
        i += token.length - 1
        last = i + 1
        marked = true
      }
      valueNext = false
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') {
      valueNext = false
    }
  }
  out += text.slice(last)
  try {
    return marked ? JSON.parse(out, revive) : JSON.parse(out)
  } catch (err) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Malformed model JSON: ${(err as Error).message}`, {}, { cause: err })
  }
}

/** The index of the quote that closes the string opened at `start` (or the end of the text). */
function stringEnd (text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]
    if (ch === '\\') i++
    else if (ch === '"') return i
  }
  return text.length
}

function revive (_key: string, v: unknown): unknown {
  if (typeof v !== 'string' || v.charCodeAt(0) !== 0) return v
  if (v.charCodeAt(1) === 0) return v.slice(1)
  switch (v) {
    case MARK + 'NaN': return NaN
    case MARK + 'Infinity': return Infinity
    case MARK + '-Infinity': return -Infinity
  }
  return v
}

/** Throws `ERR_LIMIT` when an already parsed value nests objects and arrays deeper than `maxDepth`, as its JSON text would. */
function checkDepth (value: unknown, maxDepth: number): void {
  // Iterative, so the check itself cannot overflow the stack; each object is walked once.
  const seen = new WeakSet<object>()
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null || seen.has(v)) continue
    if (depth + 1 > maxDepth) limitExceeded('maxDepth', maxDepth, `JSON nested more than ${maxDepth} deep`)
    seen.add(v)
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1])
  }
}

/**
 * JSON text as pomegranate writes it: non-finite numbers as bare `NaN`/`Infinity` tokens (which
 * `JSON.stringify` would turn into `null`). Strings are written as they are, whatever they hold.
 * @example
 * ```ts
 * stringifyJSON({ parameters: [3, NaN] }) // => '{"parameters":[3,NaN]}'
 * ```
 */
export function stringifyJSON (value: unknown, indent?: number): string {
  // The marker must not occur in any key or string, or its replacement could reach into one.
  for (let n = 0; ; n++) {
    const mark = n === 0 ? MARK : `\u0000aril${n}:`
    let clash = false
    const text = JSON.stringify(value, (key, v: unknown) => {
      if (key.includes(mark) || (typeof v === 'string' && v.includes(mark))) clash = true
      return typeof v === 'number' && !Number.isFinite(v) ? mark + String(v) : v
    }, indent)
    if (clash) continue
    const quoted = JSON.stringify(mark).slice(0, -1)
    return text.split(quoted).map((part, i) => i === 0 ? part : part.replace(/^(-?Infinity|NaN)"/, '$1')).join('')
  }
}

/**
 * Whether two values have the same {@link stringifyJSON} text, found by walking them (with an early
 * exit) instead of writing both: what JSON keeps (key order, `toJSON`, NaN and infinities, −0 as 0,
 * `undefined` entries as `null` in arrays and left out of objects) is compared as it would be written.
 * @example
 * ```ts
 * sameJSON({ a: [1, NaN], b: undefined }, { a: [1, NaN] }) // => true
 * sameJSON([-0], [0]) // => true
 * sameJSON({ a: 1, b: 2 }, { b: 2, a: 1 }) // => false (the texts differ)
 * ```
 */
export function sameJSON (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'number' && typeof b === 'number') return a !== a && b !== b
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return jsonValue(a) === jsonValue(b)
  const toA = (a as { toJSON?: unknown }).toJSON
  const toB = (b as { toJSON?: unknown }).toJSON
  if (typeof toA === 'function' || typeof toB === 'function') {
    return sameJSON(typeof toA === 'function' ? toA.call(a) : a, typeof toB === 'function' ? toB.call(b) : b)
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    if (a.length !== other.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJSON(a[i], other[i])) return false
    return true
  }
  const keysA = writtenKeys(a as Record<string, unknown>)
  const keysB = writtenKeys(b as Record<string, unknown>)
  if (keysA.length !== keysB.length) return false
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!
    if (key !== keysB[i] || !sameJSON((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

/** A primitive as JSON writes it in an array (`undefined`, functions and symbols become null). */
function jsonValue (v: unknown): unknown {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v
}

/** The keys JSON writes for an object, in order (those whose value is written). */
function writtenKeys (o: Record<string, unknown>): string[] {
  return Object.keys(o).filter(key => o[key] !== undefined && typeof o[key] !== 'function' && typeof o[key] !== 'symbol')
}

/** Reads `parameters` of a `"class": "Distribution"` object, checking its name and length. */
export function distributionParameters (json: Record<string, unknown>, name: string, count: number): unknown[] {
  const parameters = json.parameters
  if (json.name !== name || !Array.isArray(parameters) || parameters.length < count) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} JSON with ${count} parameters, got ${show(json.name)} with ${show(parameters)}`)
  }
  return parameters
}

/** A JSON field that must be a finite-or-not number. */
export function jsonNumber (value: unknown, what: string): number {
  if (typeof value !== 'number') throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${what} to be a number, got ${show(value)}`)
  return value
}

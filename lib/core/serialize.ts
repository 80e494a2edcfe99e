/**
 * JSON in pomegranate 0.14.8's shapes. Models register a reader under the name pomegranate puts
 * in `name` (for `"class": "Distribution"`) or in `class`; `fromJSON` dispatches on it. Nothing
 * is ever evaluated. pomegranate writes NaN and infinities as bare tokens, which JSON.parse
 * rejects, so text is read by {@link parseJSON}.
 */
import { ArilError, show } from './errors.js'
import type { Model } from './model.js'

type Reader = (json: Record<string, unknown>) => Model

const readers = new Map<string, Reader>()

/** Registers the reader of a model kind (called once by each model file). */
export function registerModel (name: string, reader: Reader): void {
  readers.set(name, reader)
}

/**
 * Reads any model from pomegranate's JSON (a string, possibly with bare NaN/Infinity, or an
 * already parsed object).
 *
 * @throws ArilError `ERR_INVALID_JSON_MODEL` for malformed JSON, `ERR_UNKNOWN_MODEL` for a class
 *   aril does not know
 * @example
 * ```ts
 * const d = fromJSON('{"class":"Distribution","name":"NormalDistribution","parameters":[0,1],"frozen":false}')
 * d.logProbability([0]) // => Float64Array [-0.9189385332046727]
 * ```
 */
export function fromJSON<M extends Model = Model> (json: string | object): M {
  const value = typeof json === 'string' ? parseJSON(json) : json
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a JSON object describing a model, got ${show(value)}`)
  }
  const record = value as Record<string, unknown>
  const key = record.class === 'Distribution' ? record.name : record.class
  const reader = typeof key === 'string' ? readers.get(key) : undefined
  if (reader === undefined) {
    throw new ArilError('ERR_UNKNOWN_MODEL', `Unknown model ${show(key)}; known: ${[...readers.keys()].sort().join(', ')}`)
  }
  return reader(record) as M
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }
const MARK = '\u0000aril:'

/**
 * JSON.parse that also reads pomegranate's bare `NaN`, `Infinity` and `-Infinity` tokens.
 * @throws ArilError `ERR_INVALID_JSON_MODEL` for malformed JSON
 * @example
 * ```ts
 * parseJSON('{"parameters" : [3.0,NaN]}') // => { parameters: [3, NaN] }
 * ```
 */
export function parseJSON (text: string): unknown {
  let out = ''
  let last = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === '\\') i++
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      inString = true
      continue
    }
    for (const token of ['-Infinity', 'Infinity', 'NaN']) {
      if (text.startsWith(token, i)) {
        out += text.slice(last, i) + JSON.stringify(MARK + token)
        i += token.length - 1
        last = i + 1
        break
      }
    }
  }
  out += text.slice(last)
  try {
    return JSON.parse(out, (_key, v: unknown) => typeof v === 'string' && v.startsWith(MARK) ? SPECIAL[v.slice(MARK.length)] : v)
  } catch (err) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Malformed model JSON: ${(err as Error).message}`, {}, { cause: err })
  }
}

/**
 * JSON text as pomegranate writes it: non-finite numbers as bare `NaN`/`Infinity` tokens (which
 * `JSON.stringify` would turn into `null`).
 * @example
 * ```ts
 * stringifyJSON({ parameters: [3, NaN] }) // => '{"parameters":[3,NaN]}'
 * ```
 */
export function stringifyJSON (value: unknown, indent?: number): string {
  const text = JSON.stringify(value, (_key, v: unknown) => typeof v === 'number' && !Number.isFinite(v) ? MARK + String(v) : v, indent)
  return text.replace(/"\\u0000aril:(-?Infinity|NaN)"/g, '$1')
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

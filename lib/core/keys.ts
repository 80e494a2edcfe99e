/**
 * Category keys (design.md, "Counts"): what a key is, when a value is missing, and how keys are
 * written into pomegranate's JSON and read back, so that every key a model accepts round-trips.
 *
 * A key is a string, a number or a boolean, each distinct: `1`, `"1"` and `true` are three keys,
 * and `"__proto__"` is a key like any other (models keep keys in Maps, and JSON objects are built
 * with own properties). Missing: `null`, `undefined`, NaN and the string `"nan"` (pomegranate's
 * missing value). pomegranate writes keys as text with a `dtype` saying how to read them back
 * (`str`, `int`, `float`, `bool`, numpy's `numpy.int64` ...); a column whose keys are of more than
 * one type, which pomegranate cannot write, is written with aril's dtype `json`: each key as its
 * JSON text (`"\"1\""`, `"1"`, `"true"`).
 */
import type { Key } from './batch.js'
import { ArilError, show } from './errors.js'
import { parseJSON, stringifyJSON } from './serialize.js'

/** How a column of keys is written: pomegranate's dtypes, and aril's `json` for mixed types. */
export type KeyKind = 'str' | 'int' | 'float' | 'bool' | 'json'

/**
 * True for a missing category: null, undefined, NaN or the string "nan".
 * @example
 * ```ts
 * isMissingKey('nan') // => true
 * isMissingKey(0) // => false
 * ```
 */
export function isMissingKey (value: unknown): boolean {
  return value === null || value === undefined || value !== value || value === 'nan'
}

/**
 * True for a value that can be a key: a string other than "nan", a boolean, a number other than NaN.
 * @example
 * ```ts
 * isKey(true) // => true
 * isKey('nan') // => false
 * ```
 */
export function isKey (value: unknown): value is Key {
  const type = typeof value
  return (type === 'string' || type === 'number' || type === 'boolean') && !isMissingKey(value)
}

/**
 * The kind a dtype of pomegranate's JSON names (numpy's names too); unknown or absent: `str`.
 * @example
 * ```ts
 * kindOfDtype('numpy.int64') // => 'int'
 * ```
 */
export function kindOfDtype (dtype: unknown): KeyKind {
  if (typeof dtype !== 'string') return 'str'
  if (dtype === 'json') return 'json'
  if (dtype.includes('bool')) return 'bool'
  if (dtype.includes('int')) return 'int'
  if (dtype.includes('float')) return 'float'
  return 'str'
}

/**
 * Whether every key can be written under a kind and read back as itself.
 * @example
 * ```ts
 * describes('int', [1, 2.5]) // => false
 * ```
 */
export function describes (kind: KeyKind, keys: readonly Key[]): boolean {
  switch (kind) {
    case 'str': return keys.every(k => typeof k === 'string')
    case 'int': return keys.every(k => Number.isInteger(k))
    case 'float': return keys.every(k => typeof k === 'number')
    case 'bool': return keys.every(k => typeof k === 'boolean')
    case 'json': return true
  }
}

/**
 * The kind to write a column of keys with: the narrowest that describes them all.
 * @example
 * ```ts
 * kindOfKeys([1, 2]) // => 'int'
 * kindOfKeys(['a', 1]) // => 'json'
 * ```
 */
export function kindOfKeys (keys: readonly Key[]): KeyKind {
  for (const kind of ['str', 'int', 'float', 'bool'] as const) if (describes(kind, keys)) return kind
  return 'json'
}

/**
 * A key as text under a kind (pomegranate's `str()` of the Python value; JSON text for `json`).
 * @example
 * ```ts
 * keyText(2, 'float') // => '2.0'
 * keyText(true, 'bool') // => 'True'
 * keyText('1', 'json') // => '"1"'
 * ```
 */
export function keyText (key: Key, kind: KeyKind): string {
  if (kind === 'json') return stringifyJSON(key)
  if (typeof key === 'string') return key
  if (typeof key === 'boolean') return key ? 'True' : 'False'
  if (kind === 'float') return pythonFloat(key)
  return Number.isInteger(key) ? BigInt(key).toString() : String(key)
}

/**
 * Reads a key written by {@link keyText} (or by pomegranate) under a kind.
 * @throws ArilError `ERR_INVALID_JSON_MODEL` when the text is no key of that kind
 * @example
 * ```ts
 * readKey('1e-05', 'float') // => 0.00001
 * readKey('True', 'bool') // => true
 * ```
 */
export function readKey (text: string, kind: KeyKind): Key {
  let key: unknown
  switch (kind) {
    case 'str':
      key = text
      break
    case 'bool':
      key = text === 'True' ? true : text === 'False' ? false : undefined
      break
    case 'int':
    case 'float': {
      const value = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text.trim() === '' ? NaN : Number(text)
      key = kind === 'float' || Number.isInteger(value) ? value : undefined
      break
    }
    case 'json':
      try {
        key = parseJSON(text, { maxDepth: 1 })
      } catch {
        key = undefined
      }
  }
  if (!isKey(key)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Key ${show(text)} is not a valid ${kind} key`)
  return key
}

/**
 * Orders keys the same way whatever order they were found in: numbers ascending, then false and
 * true, then strings by code unit.
 * @example
 * ```ts
 * ['b', true, 2, 'a', 1].sort(compareKeys) // => [1, 2, true, 'a', 'b']
 * ```
 */
export function compareKeys (a: Key, b: Key): number {
  const rank = (k: Key): number => typeof k === 'number' ? 0 : typeof k === 'boolean' ? 1 : 2
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra === 0) return (a as number) - (b as number)
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Python's `str(float)` (the same as `repr` in Python 3): the shortest round-trip digits, like
 * JavaScript, but with `.0` on whole numbers and exponent notation below 1e-4 or from 1e16.
 * @example
 * ```ts
 * pythonFloat(1) // => '1.0'
 * pythonFloat(0.00001) // => '1e-05'
 * ```
 */
export function pythonFloat (x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string]
  const e = Number(exponent)
  const sign = x < 0 ? '-' : ''
  const digits = mantissa.replace('-', '').replace('.', '')
  if (e < -4 || e >= 16) {
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`
  return `${sign}${digits.slice(0, e + 1).padEnd(e + 1, '0')}.${digits.slice(e + 1) || '0'}`
}


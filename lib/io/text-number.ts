/**
 * The one grammar by which every text reader turns text into a number: a CSV cell, and a string
 * where a JSON or NDJSON row (or a `toBatches` row) holds a number. It is what both Python's
 * `float()` and `numpy.loadtxt` read (numpy 1.24; float() alone also takes `_` between digits and
 * non-ASCII digits, loadtxt alone takes U+001C–U+001F as white space):
 *
 * ```
 * number  = ws* sign? (decimal | "inf" | "infinity" | "nan") ws*     letters in any case
 * decimal = digit+ ("." digit*)? exponent? | "." digit+ exponent?     digits 0-9 only
 * exponent = ("e" | "E") sign? digit+
 * sign    = "+" | "-"
 * ws      = U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 *           U+202F, U+205F, U+3000 (Python's white space, less U+001C–U+001F)
 * ```
 *
 * A value beyond the float64 range is ±Infinity (as `float('1e400')`), the empty string is a
 * missing value (NaN), and so is every spelling of `nan`. Anything else, such as `0x10`, `0b11`,
 * `1_000`, `1d5`, blank text or a U+FEFF around the digits, is not a number.
 *
 * `Number()` alone would be wrong both ways: it reads `0x10` as 16, `''` and blank text as 0 and
 * U+FEFF as white space, and refuses `inf` and `nan`. It is still the fast path: every text it
 * reads more leniently than the grammar is empty, begins or ends with a character outside
 * printable ASCII, or is a `0` followed by a letter, so only those (and what it refuses) are
 * checked against the grammar.
 */

const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const GRAMMAR = new RegExp(`^[${WS}]*([+-]?)(?:(inf(?:inity)?)|(nan)|((?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:e[+-]?\\d+)?))[${WS}]*$`, 'i')

/**
 * The number a text means under the grammar above: a number (±Infinity beyond the float64 range,
 * NaN for a missing value: `''` or a spelling of `nan`), or `undefined` when the text is not a number.
 *
 * @example
 * ```ts
 * textNumber(' 1.5e3 ') // => 1500
 * textNumber('-INF')    // => -Infinity
 * textNumber('')        // => NaN (missing)
 * textNumber('0x10')    // => undefined
 * ```
 */
export function textNumber (text: string): number | undefined {
  const x = +text
  if (x === x) {
    const first = text.charCodeAt(0)
    const last = text.charCodeAt(text.length - 1)
    // (first | 32) > 96: a letter after a leading 0, as in 0x10 (or the exponent of 0e5, checked the slow way).
    if (first > 32 && first < 127 && last > 32 && last < 127 && !(first === 48 && (text.charCodeAt(1) | 32) > 96)) return x
  }
  return strictNumber(text)
}

function strictNumber (text: string): number | undefined {
  if (text === '') return NaN
  const match = GRAMMAR.exec(text)
  if (match === null) return undefined
  if (match[2] !== undefined) return match[1] === '-' ? -Infinity : Infinity
  if (match[3] !== undefined) return NaN
  return Number(match[1]! + match[4]!)
}

/**
 * The number grammar of the text readers written out plainly, as a reference for the fuzz suites:
 * strip the white space Python's float() strips, then a sign, then `inf`, `infinity` or `nan` in
 * any case, or a decimal number of ASCII digits read by parseFloat. (lib/io/text-number.ts reads
 * the same with Number() and a check; test/io/text-number.test.ts holds both to Python and numpy.)
 */
const WHITE = new Set([...'\t\n\v\f\r \u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000'].map(c => c.charCodeAt(0)))
for (let c = 0x2000; c <= 0x200a; c++) WHITE.add(c)

/** The number a text cell means: a number (NaN for a missing value), or undefined when it is not one. */
export function referenceNumber (text: string): number | undefined {
  if (text === '') return NaN
  let start = 0
  let end = text.length
  while (start < end && WHITE.has(text.charCodeAt(start))) start++
  while (end > start && WHITE.has(text.charCodeAt(end - 1))) end--
  let core = text.slice(start, end)
  let sign = 1
  if (core.startsWith('+') || core.startsWith('-')) {
    sign = core.startsWith('-') ? -1 : 1
    core = core.slice(1)
  }
  const word = core.toLowerCase()
  if (word === 'inf' || word === 'infinity') return sign * Infinity
  if (word === 'nan') return NaN
  if (!/^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(core)) return undefined
  return sign * parseFloat(core)
}

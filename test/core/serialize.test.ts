import t from 'tap'
import fc from 'fast-check'
import { fromJSON, parseJSON, sameJSON, stringifyJSON, distributionParameters, jsonNumber } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { assertArilError } from '../helpers.js'

t.test("parseJSON reads pomegranate's bare NaN and Infinity tokens, not inside strings", async t => {
  const v = parseJSON('{"a" : [3.0,NaN, Infinity,-Infinity], "s": "NaN \\" Infinity"}') as { a: number[]; s: string }
  t.ok(Number.isNaN(v.a[1]))
  t.same(v.a.slice(2), [Infinity, -Infinity])
  t.equal(v.s, 'NaN " Infinity')
  assertArilError(t, () => parseJSON('{"a": [1,}'), { code: 'ERR_INVALID_JSON_MODEL' })
})

t.test('stringifyJSON writes them back as pomegranate does', async t => {
  t.equal(stringifyJSON({ parameters: [3, NaN, Infinity, -Infinity], name: 'NaN' }), '{"parameters":[3,NaN,Infinity,-Infinity],"name":"NaN"}')
  t.equal(stringifyJSON([1], 1), '[\n 1\n]')
})

t.test('fromJSON dispatches on class and name, and never evaluates', async t => {
  const d = fromJSON('{\n    "class" : "Distribution",\n    "name" : "NormalDistribution",\n    "parameters" : [\n        2.5,\n        4\n    ],\n    "frozen" : true\n}')
  t.ok(d instanceof NormalDistribution)
  t.same(d.parameters, [2.5, 4])
  t.ok(d.frozen)
  t.same(fromJSON({ class: 'Distribution', name: 'NormalDistribution', parameters: [0, 1], frozen: false }).parameters, [0, 1])
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"__proto__","parameters":[]}'), { code: 'ERR_UNKNOWN_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Nope"}'), { code: 'ERR_UNKNOWN_MODEL', message: /Unknown model "Nope"/ })
  assertArilError(t, () => fromJSON('[1,2]'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"NormalDistribution","parameters":[1]}'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"NormalDistribution","parameters":["a", 1]}'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => distributionParameters({ name: 'X', parameters: [1] }, 'Y', 1), { code: 'ERR_INVALID_JSON_MODEL' })
  t.ok(Number.isNaN(jsonNumber(NaN, 'x')))
})

t.test('no string is ever reinterpreted: values or keys that look like the internal markers', async t => {
  const strings = ['\u0000aril:NaN', '\u0000aril:Infinity', '\u0000aril:-Infinity', '\u0000aril:toString', '\u0000aril:constructor',
    '\u0000aril:__proto__', '\u0000', '\u0000\u0000aril:NaN', 'a"\u0000aril:NaN', '\\u0000aril:NaN', 'NaN', '-Infinity', '\u0000aril1:NaN']
  const value: Record<string, unknown> = { strings, numbers: [NaN, Infinity, -Infinity, 0] }
  for (const s of strings) value[s] = s
  const text = stringifyJSON(value)
  const back = parseJSON(text) as Record<string, unknown>
  t.strictSame(back.strings, strings, 'string values')
  t.same(back.numbers, [NaN, Infinity, -Infinity, 0], 'and the numbers around them')
  for (const s of strings) t.equal(back[s], s, `key ${JSON.stringify(s)}`)
  t.equal(Object.getPrototypeOf(back), Object.prototype)
  // text written by others: a user string that starts with the marker stays a string
  t.strictSame((parseJSON('["\\u0000aril:NaN", "\\u0000aril:toString", NaN]') as unknown[]).slice(0, 2), ['\u0000aril:NaN', '\u0000aril:toString'])
  // bare tokens are read only where a value stands
  assertArilError(t, () => parseJSON('{NaN: 1}'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => parseJSON('[1 NaN]'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => parseJSON(3 as never), { code: 'ERR_INVALID_JSON_MODEL' })
  t.same(parseJSON(' -Infinity '), -Infinity)
})

t.test('maxDepth: JSON text and models nested too deep are ERR_LIMIT, not a stack overflow', async t => {
  const normal = { class: 'Distribution', name: 'NormalDistribution', parameters: [0, 1], frozen: false }
  const nest = (depth: number): object => {
    let m: object = normal
    for (let i = 0; i < depth; i++) m = { class: 'GeneralMixtureModel', distributions: [m], weights: [1] }
    return m
  }
  await import('../../lib/models/mixture.js')
  // 100,000 nested mixtures: as an object and as text (written by hand: JSON.stringify would overflow)
  assertArilError(t, () => fromJSON(nest(100_000)), { code: 'ERR_LIMIT', limit: 'maxDepth', message: /JSON nested more than 1000 deep/ })
  // a reader that reads models it makes up itself is stopped by the count of nested calls
  const { registerModel } = await import('../../lib/core/serialize.js')
  registerModel('EndlessProbe', () => fromJSON({ class: 'EndlessProbe' }))
  assertArilError(t, () => fromJSON({ class: 'EndlessProbe' }), { code: 'ERR_LIMIT', limit: 'maxDepth', message: /models nested 1001 deep/ })
  const open = '{"class":"GeneralMixtureModel","weights":[1],"distributions":['
  const deep = open.repeat(100_000) + JSON.stringify(normal) + ']}'.repeat(100_000)
  // two levels (an object and a list) per mixture: the 1001st level opens the 501st mixture
  assertArilError(t, () => fromJSON(deep), { code: 'ERR_LIMIT', limit: 'maxDepth', byteOffset: 500 * open.length })
  assertArilError(t, () => parseJSON('['.repeat(1001) + ']'.repeat(1001)), { code: 'ERR_LIMIT', limit: 'maxDepth' })
  t.same(parseJSON('[[[1]]]', { maxDepth: 3 }), [[[1]]])
  assertArilError(t, () => parseJSON('[[[1]]]', { maxDepth: 2 }), { code: 'ERR_LIMIT', limit: 'maxDepth', message: /raise it with the option maxDepth/ })
  // within the default: 499 mixtures (999 levels of JSON) read, write and read again
  const text = JSON.stringify(nest(499))
  const model = fromJSON(text)
  t.equal(stringifyJSON(fromJSON(stringifyJSON(model))), stringifyJSON(model))
  assertArilError(t, () => fromJSON(text, { maxDepth: 100 }), { code: 'ERR_LIMIT', limit: 'maxDepth' })
  t.ok(fromJSON(JSON.stringify(nest(600)), { maxDepth: 2000 }), 'raised')
  for (const bad of [{ maxDepth: 0 }, { maxKeys: 1.5 }, { maxTableCells: 'x' }, 3]) {
    assertArilError(t, () => fromJSON(normal, bad as never), { code: 'ERR_INVALID_OPTION' })
  }
})

t.test('readers see the limits of the fromJSON call in progress, and the defaults otherwise', async t => {
  const { readingLimits, JSON_LIMITS } = await import('../../lib/core/serialize.js')
  t.same(readingLimits(), JSON_LIMITS)
  t.same(JSON_LIMITS, { maxDepth: 1000, maxKeys: 100_000, maxTableCells: 4_194_304 })
  const { registerModel } = await import('../../lib/core/serialize.js')
  let seen: unknown
  registerModel('LimitsProbe', () => { seen = readingLimits(); return new NormalDistribution() })
  fromJSON({ class: 'LimitsProbe' }, { maxKeys: 7 })
  t.same(seen, { maxDepth: 1000, maxKeys: 7, maxTableCells: 4_194_304 })
  t.same(readingLimits(), JSON_LIMITS, 'reset after the call')
  registerModel('LimitsProbe', () => { throw new Error('boom') })
  t.throws(() => fromJSON({ class: 'LimitsProbe' }, { maxKeys: 7 }), /boom/)
  t.same(readingLimits(), JSON_LIMITS, 'reset after a failed call too')
})

t.test('sameJSON agrees with comparing the stringifyJSON texts', async t => {
  const leaf = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, undefined, 'NaN'), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null))
  const { tree } = fc.letrec(tie => ({
    tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('tree'), { maxKeys: 3 }))
  }))
  const value = tree.filter(v => v !== undefined) // a summary is never undefined (stringifyJSON writes no text for it)
  fc.assert(fc.property(value, value, (a, b) => {
    const copy = structuredClone(a)
    return sameJSON(a, b) === (stringifyJSON(a) === stringifyJSON(b)) && sameJSON(a, copy) === (stringifyJSON(a) === stringifyJSON(copy))
  }), { numRuns: 2000, seed: 11 })
  t.ok(sameJSON({ s: { toJSON: () => [1, 2] } }, { s: [1, 2] }), 'toJSON is followed')
  t.notOk(sameJSON({ a: 1, b: 2 }, { b: 2, a: 1 }), 'key order is part of the text')
  t.ok(sameJSON([undefined, () => 1], [null, null]), 'what an array cannot hold is null')
  t.notOk(sameJSON([1, 2], { 0: 1, 1: 2 }), 'an array is not an object')
})

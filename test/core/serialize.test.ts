import t from 'tap'
import { fromJSON, parseJSON, stringifyJSON, distributionParameters, jsonNumber } from '../../lib/core/serialize.js'
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

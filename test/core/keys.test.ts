import t from 'tap'
import { compareKeys, describes, isKey, isMissingKey, keyText, kindOfDtype, kindOfKeys, pythonFloat, readKey } from '../../lib/core/keys.js'
import type { Key } from '../../lib/core/batch.js'
import { assertArilError } from '../helpers.js'

t.test('what a key is, and what is missing (pomegranate: None, NaN and "nan")', async t => {
  for (const missing of [null, undefined, NaN, 'nan']) t.ok(isMissingKey(missing) && !isKey(missing), `${String(missing)} is missing`)
  for (const key of ['', 'a', '__proto__', 'NaN', 0, -1.5, Infinity, -Infinity, true, false]) t.ok(isKey(key) && !isMissingKey(key), `${String(key)} is a key`)
  for (const other of [{}, [], 1n, Symbol('s')]) t.notOk(isKey(other), `${typeof other} is no key`)
})

t.test('the kind of a column of keys: pomegranate dtypes, json for mixed types', async t => {
  t.equal(kindOfKeys(['a', 'b']), 'str')
  t.equal(kindOfKeys([1, -2]), 'int')
  t.equal(kindOfKeys([1, 2.5, Infinity]), 'float')
  t.equal(kindOfKeys([true, false]), 'bool')
  t.equal(kindOfKeys([1, '1']), 'json')
  t.equal(kindOfKeys([1, true]), 'json')
  t.equal(kindOfKeys([]), 'str')
  for (const [dtype, kind] of [['numpy.int64', 'int'], ['numpy.float32', 'float'], ['numpy.str_', 'str'], ['bool', 'bool'], ['numpy.bool_', 'bool'], ['json', 'json'], [null, 'str'], [3, 'str']] as const) {
    t.equal(kindOfDtype(dtype), kind, `dtype ${String(dtype)}`)
  }
  t.notOk(describes('bool', [1, 0]), '1 and 0 are not booleans')
})

t.test('every key reads back as itself under the kind it is written with', async t => {
  const columns: Key[][] = [
    ['a', '', '__proto__', 'constructor', 'toString', '\u0000aril:NaN', 'NaN', '1', 'True', '"q"'],
    [0, 1, -7, 2 ** 53, 1e21],
    [0.5, -2, 1e16, -1.5e-5, Infinity, -Infinity, 5e-324],
    [true, false],
    ['1', 1, true, 'true', 1.5, '__proto__', -Infinity, '']
  ]
  for (const keys of columns) {
    const kind = kindOfKeys(keys)
    const texts = keys.map(k => keyText(k, kind))
    t.equal(new Set(texts).size, keys.length, `${kind}: distinct keys, distinct texts`)
    t.strictSame(texts.map(text => readKey(text, kind)), keys, `${kind}: ${texts.join(' ')}`)
  }
  t.equal(keyText(2, 'float'), '2.0', "Python's str(2.0)")
  t.equal(keyText(true, 'bool'), 'True')
  t.equal(keyText('1', 'json'), '"1"')
})

t.test('text that is no key of the kind is an error', async t => {
  for (const [text, kind] of [['x', 'int'], ['1.5', 'int'], ['', 'float'], ['nan', 'float'], ['yes', 'bool'], ['1', 'bool'], ['x', 'json'], ['[1]', 'json'], ['null', 'json'], ['"nan"', 'json'], ['nan', 'str']] as const) {
    assertArilError(t, () => readKey(text, kind), { code: 'ERR_INVALID_JSON_MODEL' }, `${JSON.stringify(text)} as ${kind}`)
  }
})

t.test('keys sort the same whatever order they were found in', async t => {
  t.strictSame(['b', true, 2, 'a', 1, false, -Infinity].sort(compareKeys), [-Infinity, 1, 2, false, true, 'a', 'b'])
})

t.test("pythonFloat writes Python's str() of a double", async t => {
  // Expected strings: Python 3.11 repr() of the same doubles.
  const python: Array<[number, string]> = [[1e-5, '1e-05'], [0.0001, '0.0001'], [1, '1.0'], [1e16, '1e+16'], [123456789012345680, '1.2345678901234568e+17'],
    [0.1, '0.1'], [9.999999999999997e-6, '9.999999999999997e-06'], [-2.5, '-2.5'], [12345.678, '12345.678'], [1e22, '1e+22'], [5e-324, '5e-324'],
    [-0, '-0.0'], [0, '0.0'], [1e15, '1000000000000000.0'], [123, '123.0'], [0.30000000000000004, '0.30000000000000004'],
    [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf']]
  for (const [x, s] of python) t.equal(pythonFloat(x), s, `str(${x})`)
})

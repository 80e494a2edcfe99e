import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DiscreteDistribution, type DiscreteJSON } from '../../lib/distributions/discrete.js'
import type { Key } from '../../lib/core/batch.js'
import { fromJSON, parseJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, fixture, randomChunks } from '../helpers.js'

type Pair = [Key, number]
interface Case {
  name: string; init: Pair[] | null; X: Array<Key | null>; weights: number[] | null; inertia: number; pseudocount: number
  table: Pair[]; sum: number; expected: Pair[]; json: string; probe: Array<Key | null>; logProbability: number[]
}
const { cases, json: jsons } = fixture<{ cases: Case[]; json: string[] }>('discrete')

function fitCase (c: Case): DiscreteDistribution {
  const options = { weights: c.weights ?? undefined, inertia: c.inertia, pseudocount: c.pseudocount }
  return c.init === null
    ? DiscreteDistribution.fromSamples(c.X, options)
    : new DiscreteDistribution(new Map(c.init)).fit(c.X, options)
}

/** Entries in one canonical order, so tables compare without depending on key order. */
function sorted (table: Map<Key, number>): Pair[] {
  return [...table].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
}

t.test('fit matches pomegranate 0.14.8 (scripts/fixtures/discrete.py)', async t => {
  for (const c of cases) {
    const d = fitCase(c)
    t.strictSame(d.keys, c.expected.map(p => p[0]), `${c.name}: keys, in pomegranate's order`)
    assertClose(t, c.expected.map(p => d.probabilityOf(p[0])), c.expected.map(p => p[1]), 1e-12, c.name)
    if (c.sum === 1) {
      assertClose(t, c.table.map(p => d.probabilityOf(p[0])), c.table.map(p => p[1]), 1e-12, `${c.name}: pomegranate's table`)
      assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-12, `${c.name}: logProbability`)
    }
  }
})

t.test('inertia blends every key, new ones from 0, so the table sums to 1 (pomegranate: 1.375)', async t => {
  const c = cases.find(c => c.sum !== 1)!
  t.ok(Math.abs(c.sum - 1) > 0.1, `pomegranate's table sums to ${c.sum}`)
  const d = fitCase(c)
  t.strictSame(sorted(d.probabilities), sorted(new Map(c.expected)))
  t.equal([...d.probabilities.values()].reduce((a, b) => a + b, 0), 1)
  t.not(d.probabilityOf('c'), c.table.find(p => p[0] === 'c')![1], 'differs from pomegranate')
})

t.test('pseudocount counts every known key: old table and new data', async t => {
  const d = new DiscreteDistribution({ a: 0.5, b: 0.5 }).fit(['c', 'c'], { pseudocount: 1 })
  t.strictSame(sorted(d.probabilities), [['a', 0.2], ['b', 0.2], ['c', 0.6]])
  const known = DiscreteDistribution.fromSamples([1, 1, 1], { keys: [1, 2, NaN], pseudocount: 1 })
  t.strictSame(sorted(known.probabilities), [[1, 0.8], [2, 0.2]], 'keys option: 2 is known though unseen')
})

t.test('pomegranate JSON loads and round-trips, every dtype', async t => {
  for (const text of [...jsons, ...cases.filter(c => c.sum === 1).map(c => c.json)]) {
    const json = parseJSON(text) as Record<string, unknown>
    const d = fromJSON<DiscreteDistribution>(text)
    t.ok(d instanceof DiscreteDistribution)
    t.strictSame(JSON.parse(JSON.stringify(d)), json, `${String(json.dtype)}: same JSON`)
  }
  const [ints, negative, floats, strings, bools, npInts, npStrs, npFloats, frozen] = jsons.map(j => fromJSON<DiscreteDistribution>(j))
  t.strictSame(ints!.keys, [0, 1])
  t.strictSame(ints!.parameters, [new Map([[0, 0.5], [1, 0.5]])], 'parameters: [table], as pomegranate\'s [dict]')
  t.strictSame(negative!.keys, [10, -3], 'JSON.parse lists index-like keys ("10") first')
  t.strictSame(floats!.keys, [1.5, 2, 1e-7])
  t.strictSame(strings!.keys, ['a', 'b'])
  t.strictSame(bools!.keys, [true, false], 'bool keys read as true and false (not 1 and 0: aril keeps them apart)')
  t.strictSame(npInts!.keys, [1, 2, 3])
  t.strictSame(npStrs!.keys, ['u', 'v'])
  t.strictSame(npFloats!.keys, [0.5, 2, 1e20])
  t.equal(frozen!.frozen, true)
  t.same(Array.from(bools!.logProbability([true, false, 1])), [Math.log(0.3), Math.log(0.7), -Infinity])
  const broken = cases.find(c => c.sum !== 1)!
  assertArilError(t, () => fromJSON(broken.json), { code: 'ERR_INVALID_PARAMETER', message: /summing to 1, got a sum of 1.375/ }, 'pomegranate\'s table that sums to 1.375 is no distribution')
})

t.test('JSON written by aril: dtype from the keys', async t => {
  const write = (d: DiscreteDistribution): DiscreteJSON => JSON.parse(JSON.stringify(d)) as DiscreteJSON
  t.strictSame(write(new DiscreteDistribution(new Map([[1, 0.5], [2, 0.5]]))), { class: 'Distribution', dtype: 'int', name: 'DiscreteDistribution', parameters: [{ 1: 0.5, 2: 0.5 }], frozen: false })
  t.strictSame(write(new DiscreteDistribution(new Map([[0.5, 0.25], [-2, 0.25], [1e16, 0.25], [-1.5e-5, 0.25]]))),
    { class: 'Distribution', dtype: 'float', name: 'DiscreteDistribution', parameters: [{ 0.5: 0.25, '-2.0': 0.25, '1e+16': 0.25, '-1.5e-05': 0.25 }], frozen: false },
    'float keys as Python writes them: repr(0.5), repr(-2.0), repr(1e16), repr(-1.5e-05)')
  t.strictSame(write(new DiscreteDistribution(new Map<Key, number>([['a', 0.5], [1, 0.5]]))), { class: 'Distribution', dtype: 'json', name: 'DiscreteDistribution', parameters: [{ '"a"': 0.5, 1: 0.5 }], frozen: false }, 'mixed keys: aril\'s dtype json')
  t.strictSame(write(new DiscreteDistribution()), { class: 'Distribution', dtype: null, name: 'DiscreteDistribution', parameters: [{}], frozen: false }, 'blank, as pomegranate\'s')
  t.strictSame(write(new DiscreteDistribution(new Map<Key, number>([['a', 0.5], [1.5, 0.5]]))).parameters, [{ '"a"': 0.5, 1.5: 0.5 }], 'mixed keys with a fraction')
  const infinite = fromJSON<DiscreteDistribution>('{"class":"Distribution","dtype":"numpy.float64","name":"DiscreteDistribution","parameters":[{"inf":0.25,"-inf":0.25,"-0.0":0.5}],"frozen":false}')
  t.strictSame(infinite.keys, [Infinity, -Infinity, 0])
  t.strictSame(write(infinite).parameters, [{ inf: 0.25, '-inf': 0.25, '0.0': 0.5 }])
  // A table read as bool that gains a key other than true and false is written with a dtype that reads back.
  const bools = fromJSON<DiscreteDistribution>(jsons[4]!).fit([2, 2, true, false])
  t.strictSame(write(bools), { class: 'Distribution', dtype: 'json', name: 'DiscreteDistribution', parameters: [{ true: 0.25, false: 0.25, 2: 0.5 }], frozen: false })
  // (A JSON object lists integer-like keys in ascending order, whatever the table's order.)
  t.strictSame(fromJSON<DiscreteDistribution>(JSON.stringify(bools)).keys, [2, true, false])
  const blank = fromJSON<DiscreteDistribution>('{"class":"Distribution","dtype":null,"name":"DiscreteDistribution","parameters":[{}],"frozen":false}').fit(['x'])
  t.strictSame(write(blank).parameters, [{ x: 1 }])
  t.equal(write(blank).dtype, 'str')
})

t.test('malformed JSON is rejected', async t => {
  const base = { class: 'Distribution', name: 'DiscreteDistribution', frozen: false }
  for (const [json, what] of [
    [{ ...base, dtype: 'int', parameters: [{ a: 0.5, 1: 0.5 }] }, 'an int key that is not one'],
    [{ ...base, dtype: 'int', parameters: [{ 1.5: 1 }] }, 'an int key with a fraction'],
    [{ ...base, dtype: 'float', parameters: [{ '': 1 }] }, 'an empty float key'],
    [{ ...base, dtype: 'bool', parameters: [{ yes: 1 }] }, 'a bool key that is not True or False'],
    [{ ...base, dtype: 'str', parameters: [{ a: '1' }] }, 'a probability that is not a number'],
    [{ ...base, dtype: 'str', parameters: [[1]] }, 'parameters that are not a table'],
    [{ ...base, dtype: 'str' }, 'no parameters']
  ] as const) {
    assertArilError(t, () => DiscreteDistribution.fromJSON(json as Record<string, unknown>), { code: 'ERR_INVALID_JSON_MODEL' }, what)
  }
  assertArilError(t, () => DiscreteDistribution.fromJSON({ ...base, dtype: 'str', parameters: [{ a: 0.7 }] }), { code: 'ERR_INVALID_PARAMETER' })
})

t.test('chunk invariance, streaming and merge order are bit-exact', async t => {
  const X = cases[0]!.X as number[]
  const w = Float64Array.from(X, (_, i) => (i % 7) / 3)
  const one = DiscreteDistribution.fromSamples(X, { weights: w })
  for (const seed of [1, 2, 3, 4, 5]) {
    const d = new DiscreteDistribution()
    let at = 0
    for (const k of randomChunks(X.length, seed, 900)) {
      d.summarize(X.slice(at, at + k), { weights: w.subarray(at, at + k) })
      at += k
    }
    d.fromSummaries()
    t.strictSame([...d.probabilities], [...one.probabilities], `chunking ${seed}: same table, same key order`)
  }
  const streamed = new DiscreteDistribution()
  await pipeline(Readable.from([0, 1, 2].map(i => ({ data: Float64Array.from(X.slice(i * 1000, (i + 1) * 1000)), rows: Math.min(1000, X.length - i * 1000), cols: 1, weights: w.subarray(i * 1000, (i + 1) * 1000) }))), streamed.sink())
  t.strictSame([...streamed.probabilities], [...one.probabilities], 'streamed')
  const shards = [0, 1024, 2048, X.length]
  const summaries = shards.slice(1).map((end, i) => {
    const d = new DiscreteDistribution()
    d.summarize(X.slice(shards[i], end), { weights: w.subarray(shards[i], end) })
    return JSON.parse(JSON.stringify(d.summary()))
  })
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const d = new DiscreteDistribution()
    for (const i of order) d.mergeSummary(summaries[i])
    d.fromSummaries()
    // Each probability is bit-exact; keys first seen in the merged summaries follow merge order.
    t.strictSame(sorted(d.probabilities), sorted(one.probabilities), `merge order ${order.join('')}`)
  }
})

t.test('categories discovered as they appear: a key first seen in a later batch or shard', async t => {
  const d = new DiscreteDistribution({ a: 1 })
  d.summarize(['a', 'a'])
  d.summarize(['b', 'a', 7])
  d.fromSummaries()
  t.strictSame([...d.probabilities], [['a', 0.6], ['b', 0.2], [7, 0.2]])
  const left = new DiscreteDistribution()
  left.summarize(['x', 'y', 'x'])
  const right = new DiscreteDistribution()
  right.summarize(['z', 'y', 1])
  const merged = new DiscreteDistribution()
  merged.summarize(['y'])
  merged.mergeSummary(JSON.parse(JSON.stringify(left.summary())))
  merged.mergeSummary(JSON.parse(JSON.stringify(right.summary())))
  merged.fromSummaries()
  t.strictSame([...merged.probabilities], [['y', 3 / 7], ['x', 2 / 7], ['z', 1 / 7], [1, 1 / 7]], 'keys mapped by value, not by slot')
})

t.test('numbers and strings are different keys; categorical and numeric columns', async t => {
  const d = DiscreteDistribution.fromSamples([1, '1', 1, 'b'] as Key[])
  t.strictSame([...d.probabilities], [[1, 0.5], ['1', 0.25], ['b', 0.25]])
  const numeric = DiscreteDistribution.fromSamples(Float64Array.from([2, 3, 3, NaN]))
  t.strictSame([...numeric.probabilities], [[2, 1 / 3], [3, 2 / 3]])
  t.same(Array.from(numeric.logProbability([3, 4, NaN])), [Math.log(2 / 3), -Infinity, 0])
  const batch = { data: Float64Array.from([NaN, NaN, NaN]), rows: 3, cols: 1, categories: [['u', null, 'u']] }
  t.strictSame([...DiscreteDistribution.fromSamples(batch).probabilities], [['u', 1]])
})

t.test('weights: frequency semantics, zero total weight keeps the table', async t => {
  const a = DiscreteDistribution.fromSamples(['a', 'b', 'b'])
  const b = DiscreteDistribution.fromSamples(['a', 'b'], { weights: [1, 2] })
  t.strictSame([...b.probabilities], [...a.probabilities])
  const c = new DiscreteDistribution({ a: 0.5, b: 0.5 }).fit(['c'], { weights: [0] })
  t.strictSame([...c.probabilities], [['a', 0.5], ['b', 0.5]])
  t.strictSame(new DiscreteDistribution({ a: 1 }).fit([]).keys, ['a'])
  const zero = new DiscreteDistribution({ a: 1 }).fit(['a', 'z'], { weights: [1, 0] })
  t.strictSame([...zero.probabilities], [['a', 1], ['z', 0]], 'a key seen with weight 0 is known (as in pomegranate)')
})

t.test('missing values: null, NaN and "nan" add nothing and have log-probability 0', async t => {
  const d = DiscreteDistribution.fromSamples(['a', null, 'nan', NaN, 'b', undefined as unknown as null])
  t.strictSame([...d.probabilities], [['a', 0.5], ['b', 0.5]])
  t.same(Array.from(d.logProbability([null, 'nan', NaN, 'c'])), [0, 0, 0, -Infinity])
  t.equal(d.probabilityOf(null), 1)
  t.equal(d.probabilityOf('zz'), 0)
  t.equal(d.probabilityOf('a'), 0.5)
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = new DiscreteDistribution({ a: 1 }, { frozen: true })
  d.summarize(['b', 'b'])
  d.fromSummaries()
  t.strictSame(d.keys, ['a'])
  d.thaw().fromSummaries()
  t.strictSame([...d.probabilities], [['a', 1]], 'nothing was kept while frozen')
})

t.test('clearSummaries forgets keys seen since the last update', async t => {
  const d = new DiscreteDistribution({ a: 0.5, b: 0.5 })
  d.summarize(['c', 'd'])
  d.clearSummaries()
  t.strictSame(d.summary().keys, ['a', 'b'])
  d.fit(['a'], { pseudocount: 1 })
  t.strictSame([...d.probabilities], [['a', 2 / 3], ['b', 1 / 3]], 'K = 2: c and d are not counted')
})

t.test('summaries of the wrong shape are rejected', async t => {
  const good = DiscreteDistribution.fromSamples(['a']).summary()
  const d = new DiscreteDistribution()
  for (const [summary, what] of [
    [{ ...good, keys: 'a' }, 'keys not a list'],
    [{ ...good, keys: [{}] }, 'a key that is not a number, string or boolean'],
    [{ ...good, keys: ['nan'] }, 'the missing value as a key'],
    [{ ...good, keys: ['a', 'a'] }, 'repeated keys'],
    [{ ...good, keys: ['a', 'b'] }, 'more keys than sums']
  ] as const) {
    assertArilError(t, () => d.mergeSummary(summary as never), { code: 'ERR_SUMMARY_MISMATCH' }, what)
  }
})

t.test('sample is reproducible and follows the table', async t => {
  const d = new DiscreteDistribution(new Map<Key, number>([['a', 0.2], [5, 0.5], ['c', 0.3], ['never', 0]]))
  t.strictSame(d.sample(10, { seed: 42 }), d.sample(10, { seed: 42 }))
  const x = d.sample(100000, { seed: 7 })
  const fitted = DiscreteDistribution.fromSamples(x)
  t.ok(Math.abs(fitted.probabilityOf('a') - 0.2) < 0.01 && Math.abs(fitted.probabilityOf(5) - 0.5) < 0.01, `${[...fitted.probabilities].join(' ')}`)
  t.equal(fitted.probabilityOf('never'), 0)
  assertArilError(t, () => new DiscreteDistribution().sample(1), { code: 'ERR_NOT_FITTED' })
})

t.test('bad tables and input: clear errors, model unchanged', async t => {
  for (const [table, what] of [
    [{ a: 0.5, b: 0.6 }, 'sum 1.1'],
    [{ a: -0.5, b: 1.5 }, 'a negative probability'],
    [{ a: NaN }, 'NaN'],
    [{ a: Infinity }, 'Infinity'],
    [{ nan: 1 }, 'the missing value as a key'],
    [new Map([[NaN, 1]]), 'NaN as a key'],
    [new Map([[{}, 1]]), 'an object as a key']
  ] as const) {
    assertArilError(t, () => new DiscreteDistribution(table as never), { code: 'ERR_INVALID_PARAMETER' }, what)
  }
  t.strictSame(new DiscreteDistribution({ a: 0.3, b: 0.7 + 5e-10 }).keys, ['a', 'b'], 'a sum within 1e-9 of 1 is accepted')
  const d = new DiscreteDistribution({ a: 0.5, b: 0.5 })
  d.summarize(['a'])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([['a', 'b']]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize(['a', 'b'], { weights: [1, -1] }), { code: 'ERR_INVALID_WEIGHTS', row: 1 })
  assertArilError(t, () => d.fit(['a'], { pseudocount: -1 }), { code: 'ERR_INVALID_OPTION' })
  t.equal(JSON.stringify(d.summary()), before)
  t.strictSame([...d.probabilities], [['a', 0.5], ['b', 0.5]])
})

t.test('any column of a wider batch (as IndependentComponents hands it)', async t => {
  const batch = { data: Float64Array.from([0, NaN, 1, NaN, 2, NaN]), rows: 3, cols: 2, weights: Float64Array.from([1, 2, 1]), categories: [undefined, ['p', 'q', 'q']] }
  const d = new DiscreteDistribution()
  d.summarizeColumn(batch, 1)
  d.fromSummaries()
  t.strictSame([...d.probabilities], [['p', 0.25], ['q', 0.75]])
  const out = new Float64Array(3)
  d.logProbabilityColumn(batch, 1, out)
  t.same(Array.from(out), [Math.log(0.25), Math.log(0.75), Math.log(0.75)])
  const numbers = new DiscreteDistribution()
  numbers.summarizeColumn(batch, 0)
  numbers.fromSummaries()
  t.strictSame([...numbers.probabilities], [[0, 0.25], [1, 0.5], [2, 0.25]])
})

t.test('every key it accepts round-trips through JSON: __proto__, 1 and "1", booleans, mixed types', async t => {
  const tables: Array<Map<Key, number>> = [
    new Map([['__proto__', 0.25], ['constructor', 0.25], ['1', 0.25], ['\u0000aril:NaN', 0.25]]),
    new Map<Key, number>([[1, 0.25], ['1', 0.25], [true, 0.25], ['__proto__', 0.25]]),
    new Map([[true, 0.4], [false, 0.6]]),
    new Map([[Infinity, 0.5], [-2.5, 0.5]])
  ]
  for (const table of tables) {
    const d = new DiscreteDistribution(table)
    const back = fromJSON<DiscreteDistribution>(stringifyJSON(d))
    // (a JSON object lists integer-like keys first, so the order may change; the keys may not)
    t.equal(back.probabilities.size, table.size, `keys ${[...table.keys()].map(String).join(', ')}`)
    for (const [key, p] of table) t.equal(back.probabilityOf(key), p, `${typeof key} ${String(key)}`)
    t.equal(stringifyJSON(back), stringifyJSON(d), 'and the same JSON again')
  }
  t.equal(new DiscreteDistribution(tables[2]).toJSON().dtype, 'bool', "booleans: pomegranate's dtype bool")
  t.equal(new DiscreteDistribution(tables[1]).toJSON().dtype, 'json', "mixed types: aril's dtype json")
  // booleans from the data are keys, apart from 1 and 0
  const fitted = DiscreteDistribution.fromSamples([true, true, false, 1, 'true'])
  t.strictSame([...fitted.probabilities], [[true, 0.4], [false, 0.2], [1, 0.2], ['true', 0.2]])
  const again = fromJSON<DiscreteDistribution>(stringifyJSON(fitted))
  for (const [key, p] of fitted.probabilities) t.equal(again.probabilityOf(key), p)
})

t.test('the JSON a model checkpoint writes loads back, whatever the keys', async t => {
  const { mkdtempSync, readFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { modelCheckpoint } = await import('../../lib/train/callbacks.js')
  const { GeneralMixtureModel } = await import('../../lib/models/mixture.js')
  const path = join(mkdtempSync(join(tmpdir(), 'aril-keys-')), 'gmm.json')
  const X = ['__proto__', 1, '1', true, '__proto__', 1, '1'].map(k => [k])
  const gmm = new GeneralMixtureModel([
    new DiscreteDistribution(new Map<Key, number>([['__proto__', 0.5], [1, 0.5]])),
    new DiscreteDistribution(new Map<Key, number>([['1', 0.5], [true, 0.5]]))
  ])
  gmm.fit(X, { maxIterations: 2, callbacks: [modelCheckpoint(path)] })
  const loaded = fromJSON(readFileSync(path, 'utf8'))
  t.equal(stringifyJSON(loaded), stringifyJSON(gmm))
  t.strictSame(Array.from(loaded.logProbability(X)), Array.from(gmm.logProbability(X)))
})

t.test('maxKeys: a column of unique ids is a coded error, and nothing of its batch is counted', async t => {
  const d = new DiscreteDistribution(new Map([['a', 1]]), { maxKeys: 3 })
  d.summarize(['a', 'b', 'a'])
  const before = d.summary()
  assertArilError(t, () => d.summarize(['b', 'c', 'd', 'a']), { code: 'ERR_LIMIT', limit: 'maxKeys', message: /Limit maxKeys = 3 exceeded/ })
  t.strictSame(d.summary(), before, 'the failed batch added no key and no count')
  d.summarize(['c', null, 'nan'])
  d.fromSummaries()
  t.strictSame(d.keys, ['a', 'b', 'c'])
  // merged summaries count too
  const other = DiscreteDistribution.fromSamples(['x', 'y'])
  other.summarize(['x', 'y'])
  const m = new DiscreteDistribution(new Map([['a', 1]]), { maxKeys: 2 })
  assertArilError(t, () => m.mergeSummary(other.summary()), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  t.strictSame(m.summary().keys, ['a'])
  assertArilError(t, () => new DiscreteDistribution({ a: 0.5, b: 0.5 }, { maxKeys: 1 }), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  assertArilError(t, () => new DiscreteDistribution({}, { maxKeys: 0 }), { code: 'ERR_INVALID_OPTION' })
  // the default: 100,000 keys
  const many = Array.from({ length: 100_001 }, (_, i) => i)
  assertArilError(t, () => new DiscreteDistribution().fit(many), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  t.equal(new DiscreteDistribution().fit(many.slice(1)).keys.length, 100_000)
  // fromJSON: its own option, which the model keeps for the data
  const json = stringifyJSON(new DiscreteDistribution(new Map(['a', 'b', 'c'].map(k => [k, 1 / 3]))))
  assertArilError(t, () => fromJSON(json, { maxKeys: 2 }), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  t.equal(fromJSON<DiscreteDistribution>(json, { maxKeys: 3 }).maxKeys, 3)
})

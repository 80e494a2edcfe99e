import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { JointProbabilityTable } from '../../lib/distributions/joint-probability-table.js'
import { toBatch, type Key } from '../../lib/core/batch.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, fixture, randomChunks } from '../helpers.js'

type Row = Array<Key | null>
interface Case {
  name: string; table: Key[][]; X: Row[]; weights: number[] | null; inertia: number; pseudocount: number
  expected: Key[][]; probe: Row[]; pomegranate?: Key[][]; pomegranateSum?: number; logProbability?: number[]
}
const { cases, json: jsonCase } = fixture<{ cases: Case[]; json: { json: string; probe: Row[]; logProbability: number[] } }>('joint-probability-table')

const last = (rows: Key[][]): number[] => rows.map(r => r[r.length - 1] as number)
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

t.test('fits match the counts bit for bit, and pomegranate 0.14.8 (scripts/fixtures/joint-probability-table.py)', async t => {
  for (const c of cases) {
    const d = new JointProbabilityTable(c.table)
    d.fit(c.X, { weights: c.weights ?? undefined, inertia: c.inertia, pseudocount: c.pseudocount })
    const fitted = d.parameters[0]
    t.same(fitted, c.expected, `${c.name}: exact counts formula`)
    assertClose(t, sum(last(fitted)), 1, 1e-15, `${c.name}: the table sums to 1`)
    const lp = d.logProbability(c.probe)
    t.equal(lp[lp.length - 1], 0, `${c.name}: a row with a missing key has log-probability 0`)
    if (c.pomegranate === undefined) continue
    if (c.pseudocount > 0) {
      t.ok(Math.abs(c.pomegranateSum! - 1) > 0.05, `${c.name}: pomegranate's table sums to ${c.pomegranateSum}`)
      // pomegranate divides by N + pc·k (k = values of the last column) instead of N + pc·K.
      const n = sum(c.X.map((_, i) => c.weights?.[i] ?? 1))
      assertClose(t, last(c.pomegranate), last(c.expected).map(p => p * (n + c.pseudocount * 12) / (n + c.pseudocount * 2)), 1e-12, `${c.name}: only the normalizer differs`)
    } else {
      assertClose(t, last(fitted), last(c.pomegranate), 1e-12, c.name, 1e-16)
      assertClose(t, lp, c.logProbability!, 1e-12, `${c.name}: logProbability`)
    }
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  const d = fromJSON<JointProbabilityTable>(jsonCase.json)
  t.ok(d instanceof JointProbabilityTable)
  t.equal(d.dimension, 3)
  assertClose(t, d.logProbability(jsonCase.probe), jsonCase.logProbability, 1e-15, 'logProbability')
  t.same(JSON.parse(JSON.stringify(d)), JSON.parse(jsonCase.json), 'same JSON')
  t.same(d.parents, [0, 1, 2])
  const withParent = new JointProbabilityTable([['a', 1, 0.5], ['b', 1, 0.5]], [['a', 'b'], 1])
  const json = withParent.toJSON()
  t.same(json.parents, [{ class: 'Distribution', dtype: 'str', name: 'DiscreteDistribution', parameters: [{ a: 0.5, b: 0.5 }], frozen: false }, 1])
  const back = JointProbabilityTable.fromJSON(JSON.parse(JSON.stringify(json)))
  t.same(back.parameters[0], withParent.parameters[0])
  t.same(back.toJSON(), json, 'a Discrete parent dict is kept')
})

/** Seeded rows; key 'top' and value 2 appear only after row 2500. */
function synthetic (n: number): { X: Row[]; w: Float64Array } {
  let s = 777
  const next = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const X: Row[] = []
  for (let i = 0; i < n; i++) {
    const late = i >= 2500
    const row: Row = [['lo', 'mid', 'hi', 'top'][Math.floor(next() * (late ? 4 : 3))]!, Math.floor(next() * (late ? 3 : 2))]
    if (next() < 0.05) row[Math.floor(next() * 2)] = next() < 0.5 ? null : NaN
    X.push(row)
  }
  return { X, w: Float64Array.from(X, (_, i) => ((i * 31) % 11) / 7) }
}

t.test('chunk invariance and merge order are bit-exact, with keys appearing late', async t => {
  const { X, w } = synthetic(5500)
  const start = (): JointProbabilityTable => new JointProbabilityTable([['lo', 0, 0.25], ['lo', 1, 0.25], ['hi', 0, 0.25], ['hi', 1, 0.25]])
  const options = { pseudocount: 0.75, inertia: 0.1 }
  const one = start().fit(X, { weights: w, ...options })
  t.same(one.columnKeys, [['lo', 'hi', 'mid', 'top'], [0, 1, 2]], 'new keys appended in a fixed order')
  assertClose(t, sum(last(one.parameters[0])), 1, 1e-15, 'sums to 1')
  for (const seed of [1, 2, 3]) {
    const d = start()
    let at = 0
    for (const k of randomChunks(X.length, seed, 1500)) {
      d.summarize(X.slice(at, at + k), { weights: w.subarray(at, at + k) })
      at += k
    }
    d.fromSummaries(options)
    t.same(d.parameters[0], one.parameters[0], `chunking ${seed}`)
  }
  const shards = [0, 2048, 3072, X.length]
  const summaries = shards.slice(1).map((end, i) => {
    const d = start()
    d.summarize(X.slice(shards[i], end), { weights: w.subarray(shards[i], end) })
    return d.summary()
  })
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const d = start()
    for (const i of order) d.mergeSummary(JSON.parse(JSON.stringify(summaries[i])))
    d.fromSummaries(options)
    t.same(d.parameters[0], one.parameters[0], `merge order ${order.join('')}`)
  }
  const streamed = start()
  const batches = [0, 1, 2, 3, 4, 5].map(i => toBatch(X.slice(i * 1000, (i + 1) * 1000), { categorical: true, weights: w.subarray(i * 1000, (i + 1) * 1000) }))
  await pipeline(Readable.from(batches), streamed.sink(options))
  t.same(streamed.parameters[0], one.parameters[0], 'through a sink')
})

t.test('new keys, pseudocount over all cells, inertia, empty tables', async t => {
  const d = new JointProbabilityTable([['a', 0, 0.1], ['a', 1, 0.2], ['b', 0, 0.3], ['b', 1, 0.4]])
  d.summarize([['a', 0], ['b', 1]])
  d.summarize([['c', 1], ['b', 1]])
  d.fromSummaries({ pseudocount: 1, inertia: 0.5 })
  // counts a0 1, a1 0, b0 0, b1 2, c0 0, c1 1; N = 4, K = 6: p = (c + 1) / 10
  t.same(d.parameters[0], [
    ['a', 0, 0.5 * 0.1 + 0.5 * 0.2], ['a', 1, 0.5 * 0.2 + 0.5 * 0.1], ['b', 0, 0.5 * 0.3 + 0.5 * 0.1],
    ['b', 1, 0.5 * 0.4 + 0.5 * 0.3], ['c', 0, 0.5 * 0.1], ['c', 1, 0.5 * 0.2]
  ])
  assertClose(t, sum(last(d.parameters[0])), 1, 1e-15, 'sums to 1')
  t.same(Array.from(d.logProbability([['c', 7], ['z', 0], [null, 0]])), [-Infinity, -Infinity, 0])

  const empty = new JointProbabilityTable([], [0, 1])
  t.same(empty.columnKeys, [[], []])
  empty.fit([['x', 1], ['x', 2], ['y', 1], ['x', 1]], { inertia: 0.5 })
  t.same(empty.parameters[0], [['x', 1, 0.125 + 0.25], ['x', 2, 0.125 + 0.125], ['y', 1, 0.125 + 0.125], ['y', 2, 0.125]], 'a table with no cells blends with the uniform one')
  const seeded = new JointProbabilityTable([], [['u', 'v'], 0])
  t.same(seeded.columnKeys, [['u', 'v'], []])
  t.same(JointProbabilityTable.fromSamples([['a', 1], ['a', 2], ['b', 1], ['b', 1]], { weights: [1, 1, 1, 1] }).parameters[0],
    [['a', 1, 0.25], ['a', 2, 0.25], ['b', 1, 0.5], ['b', 2, 0]])
  const before = d.parameters[0]
  d.fit([['a', 0]], { weights: [0] })
  d.fit([])
  t.same(d.parameters[0], before, 'zero total weight keeps the parameters')
})

t.test('frozen: summarize, fromSummaries, summarizeColumns and merges are ignored', async t => {
  const table: Key[][] = [['a', 0.5], ['b', 0.5]]
  const d = new JointProbabilityTable(table, undefined, { frozen: true })
  const batch = toBatch([['a'], ['a']], { categorical: true })
  d.summarize(batch)
  d.summarizeColumns(batch, [0])
  d.fromSummaries()
  const other = new JointProbabilityTable(table)
  other.summarize(batch)
  d.mergeSummary(other.summary())
  t.same(d.parameters[0], table)
  d.thaw().fromSummaries()
  t.same(d.parameters[0], table, 'nothing was kept while frozen')
  t.same(d.fit(batch).parameters[0], [['a', 1], ['b', 0]])
})

t.test('sample draws rows with the table frequencies', async t => {
  const d = new JointProbabilityTable([['a', 0, 0.1], ['a', 1, 0.2], ['b', 0, 0], ['b', 1, 0.7]])
  t.same(d.sample(4, { seed: 9 }), d.sample(4, { seed: 9 }))
  const rows = d.sample(30000, { seed: 1 })
  const freq = (a: Key, b: Key): number => rows.filter(r => r[0] === a && r[1] === b).length / rows.length
  assertClose(t, [freq('a', 0), freq('a', 1), freq('b', 1)], [0.1, 0.2, 0.7], 0.05, 'frequencies')
  t.equal(freq('b', 0), 0, 'probability 0 is never drawn')
  assertArilError(t, () => new JointProbabilityTable([], [0]).sample(1), { code: 'ERR_NOT_FITTED' })
})

t.test('bad tables and inputs: clear errors', async t => {
  const bad: Array<[string, () => unknown, Record<string, unknown>]> = [
    ['width', () => new JointProbabilityTable([['a', 1, 0.5], ['a', 0.5]]), { code: 'ERR_INVALID_TABLE', row: 1 }],
    ['width vs parents', () => new JointProbabilityTable([['a', 1]], [0, 1]), { code: 'ERR_INVALID_TABLE', row: 0 }],
    ['too narrow', () => new JointProbabilityTable([[1]]), { code: 'ERR_INVALID_TABLE', row: 0 }],
    ['no columns', () => new JointProbabilityTable(), { code: 'ERR_INVALID_TABLE' }],
    ['sum', () => new JointProbabilityTable([['a', 0.5], ['b', 0.5 + 2e-9]]), { code: 'ERR_INVALID_TABLE' }],
    ['repeated', () => new JointProbabilityTable([['a', 0.5], ['a', 0.5]]), { code: 'ERR_INVALID_TABLE', row: 1 }],
    ['parent', () => new JointProbabilityTable([['a', 1]], [{} as never]), { code: 'ERR_INVALID_ARGUMENT' }],
    ['JSON', () => fromJSON({ class: 'Distribution', name: 'JointProbabilityTable', table: [['a', 1]], dtypes: ['str', 'float'] }), { code: 'ERR_INVALID_JSON_MODEL' }],
    ['JSON name', () => JointProbabilityTable.fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [], dtypes: [] }), { code: 'ERR_INVALID_JSON_MODEL' }]
  ]
  for (const [name, fn, expected] of bad) assertArilError(t, fn, expected as { code: string }, name)
  const d = new JointProbabilityTable([['a', 1, 0.5], ['b', 1, 0.5]])
  assertArilError(t, () => d.summarize([['a', 1, 2]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.mergeSummary({ ...d.summary(), keys: [['a']] }), { code: 'ERR_SUMMARY_MISMATCH' })
  t.same(d.parameters[0], [['a', 1, 0.5], ['b', 1, 0.5]])
})

t.test("'nan' is missing, as in pomegranate (scripts/fixtures/table-nan.py)", async t => {
  const { jpt } = fixture<{ jpt: { table: Key[][]; probe: Key[][]; fitRows: Key[][]; logProbability: number[]; fitted: Key[][] } }>('table-nan')
  assertClose(t, new JointProbabilityTable(jpt.table).logProbability(jpt.probe), jpt.logProbability, 1e-15, 'log-probability')
  // pomegranate's fit swallows a KeyError on these rows; aril skips them (the expected table counts the rest)
  t.same(new JointProbabilityTable(jpt.table).fit(jpt.fitRows).parameters[0], jpt.fitted)
  assertArilError(t, () => new JointProbabilityTable([['a', 'nan', 1]]), { code: 'ERR_INVALID_TABLE', row: 0, column: 1 })
})

t.test('every key round-trips: __proto__, 1 and "1", booleans, ±Infinity, mixed types (native cells, json as text)', async t => {
  const X: Key[][] = [['__proto__', true, 1], ['1', false, Infinity], [1, true, -Infinity], [true, false, 2.5]]
  const jpt = JointProbabilityTable.fromSamples(X)
  t.same(jpt.toJSON().dtypes, ['json', 'bool', 'float', 'float'])
  const back = fromJSON<JointProbabilityTable>(stringifyJSON(jpt))
  t.strictSame(back.parameters[0], jpt.parameters[0])
  t.equal(stringifyJSON(back), stringifyJSON(jpt))
})

t.test('limits: a JSON table of 3 columns × 2,000 keys (8e9 cells) is rejected at once', async t => {
  const rows = Array.from({ length: 2000 }, (_, i) => [i, i, i, 0])
  const json = { class: 'Distribution', name: 'JointProbabilityTable', table: rows, dtypes: ['int', 'int', 'int', 'float'], parents: [0, 1, 2] }
  assertArilError(t, () => fromJSON(json), { code: 'ERR_INVALID_TABLE', message: /2000 × 2000 × 2000 = 8000000000/ })
  assertArilError(t, () => fromJSON(json, { maxTableCells: 1999 }), { code: 'ERR_LIMIT', limit: 'maxTableCells' })
  const table = new JointProbabilityTable([], [0, 1], { maxTableCells: 4 })
  assertArilError(t, () => table.fit([['a', 'x'], ['b', 'y'], ['c', 'z']]), { code: 'ERR_LIMIT', limit: 'maxTableCells' })
  t.same(table.parameters[0], [], 'unchanged')
  assertArilError(t, () => new JointProbabilityTable([], [['a', 'b'], ['c', 'd']], { maxTableCells: 3 }), { code: 'ERR_LIMIT', limit: 'maxTableCells' })
})

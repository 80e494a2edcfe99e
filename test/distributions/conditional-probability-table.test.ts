import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ConditionalProbabilityTable } from '../../lib/distributions/conditional-probability-table.js'
import { JsonParent } from '../../lib/distributions/table-json.js'
import { toBatch, type Key } from '../../lib/core/batch.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { assertArilError, assertClose, fixture, randomChunks } from '../helpers.js'

type Row = Array<Key | null>
interface Case {
  name: string; table: Key[][]; X: Row[]; weights: number[] | null; inertia: number; pseudocount: number
  pomegranate: Key[][]; expected: Key[][]; probe: Row[]; logProbability: number[]
}
interface JsonCase { name: string; json: string; probe: Row[]; logProbability: number[] }
const { cases, json: jsonCases } = fixture<{ cases: Case[]; json: JsonCase[] }>('conditional-probability-table')

const A = { keys: ['a', 'b', 'c'] }
const B = { keys: () => [1, 2] }
const last = (rows: Key[][]): number[] => rows.map(r => r[r.length - 1] as number)

/** Sums of each conditional row (k values per parent combination). */
function rowSums (table: Key[][], k: number): number[] {
  const p = last(table)
  const out: number[] = []
  for (let i = 0; i < p.length; i += k) out.push(p.slice(i, i + k).reduce((a, b) => a + b, 0))
  return out
}

t.test('fits match the counts bit for bit, and pomegranate 0.14.8 (scripts/fixtures/conditional-probability-table.py)', async t => {
  for (const c of cases) {
    const d = new ConditionalProbabilityTable(c.table, [A, B])
    d.fit(c.X, { weights: c.weights ?? undefined, inertia: c.inertia, pseudocount: c.pseudocount })
    const fitted = d.parameters[0]
    t.same(fitted, c.expected, `${c.name}: exact counts formula`)
    assertClose(t, rowSums(fitted, 3), new Array(6).fill(1), 1e-15, `${c.name}: rows sum to 1`)
    const lp = d.logProbability(c.probe)
    if (c.name.startsWith('unseen')) {
      // pomegranate resets the unseen row (b, 2) to 1/3; aril keeps the starting row.
      const unseen = fitted.map((r, i) => r[0] === 'b' && r[1] === 2 ? i : -1).filter(i => i >= 0)
      for (const i of unseen) {
        t.equal(c.pomegranate[i]![3], 1 / 3, 'pomegranate: uniform')
        t.equal(fitted[i]![3], c.table[i]![3], 'aril: previous row kept')
      }
      const seen = fitted.map((_, i) => i).filter(i => !unseen.includes(i))
      assertClose(t, seen.map(i => fitted[i]![3] as number), seen.map(i => c.pomegranate[i]![3] as number), 1e-12, `${c.name}: seen rows`)
      assertClose(t, seen.map(i => lp[i]!), seen.map(i => c.logProbability[i]!), 1e-12, `${c.name}: logProbability`)
    } else {
      assertClose(t, last(fitted), last(c.pomegranate), 1e-12, c.name, 1e-16)
      assertClose(t, lp, c.logProbability, 1e-12, `${c.name}: logProbability`)
    }
    t.same(Array.from(lp.slice(-2)), [0, 0], `${c.name}: rows with a missing key have log-probability 0`)
  }
})

t.test('pomegranate JSON loads (nested CPT parents too) and round-trips', async t => {
  for (const c of jsonCases) {
    const d = fromJSON<ConditionalProbabilityTable>(c.json)
    t.ok(d instanceof ConditionalProbabilityTable, c.name)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-15, `${c.name}: logProbability`)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
    t.notOk('frozen' in d.toJSON(), 'no frozen key, like pomegranate')
  }
  const nested = fromJSON<ConditionalProbabilityTable>(jsonCases[1]!.json)
  const parent = nested.parents[0] as ConditionalProbabilityTable
  t.ok(parent instanceof ConditionalProbabilityTable, 'a CPT parent is read as a CPT')
  const order = [...new Set(JSON.parse(jsonCases[1]!.json).parents[0].table.map((row: string[]) => row[2]))]
  t.same(parent.keys, order, 'its keys are its value column, in table order')
  // conditional-probability-table.ts loads discrete.ts (for marginal()), so Discrete parents are read as DiscreteDistributions
  t.equal((parent.parents[0] as { name?: string }).name, 'DiscreteDistribution', 'a Discrete parent is read as a DiscreteDistribution')
  t.same((parent.parents[1] as JsonParent).keys, [1, 2], 'int dtype keys are numbers')
  const copy = ConditionalProbabilityTable.fromJSON(nested.toJSON())
  t.same(copy.parameters[0], nested.parameters[0], 'toJSON → fromJSON keeps the table')
})

t.test('toJSON writes every cell as Python str() would', async t => {
  const d = new ConditionalProbabilityTable([[1.5, 'x', 1e-5], [1.5, 'y', 1 - 1e-5], [2, 'x', 0.5], [2, 'y', 0.5]], [[1.5, 2]])
  const json = d.toJSON()
  t.same(json.dtypes, ['float', 'str', 'float'])
  t.same(json.table[0], ['1.5', 'x', '1e-05'])
  t.same(json.table[2], ['2.0', 'x', '0.5'])
  t.same(json.parents[0], { class: 'Distribution', dtype: 'float', name: 'DiscreteDistribution', parameters: [{ 1.5: 0.5, '2.0': 0.5 }], frozen: false })
})

/** Seeded rows over growing key sets: parent 'd' and value 'w' appear only after row 3000. */
function synthetic (n: number): { X: Row[]; w: Float64Array } {
  let s = 12345
  const next = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const X: Row[] = []
  for (let i = 0; i < n; i++) {
    const late = i >= 3000
    const row: Row = [['a', 'b', 'c', 'd'][Math.floor(next() * (late ? 4 : 3))]!, [1, 2][Math.floor(next() * 2)]!, ['x', 'y', 'z', 'w'][Math.floor(next() * (late ? 4 : 3))]!]
    if (next() < 0.05) row[Math.floor(next() * 3)] = null
    X.push(row)
  }
  return { X, w: Float64Array.from(X, (_, i) => ((i * 7919) % 13) / 3) }
}

t.test('chunk invariance and merge order are bit-exact, with keys appearing late', async t => {
  const { X, w } = synthetic(6000)
  const start = (): ConditionalProbabilityTable => new ConditionalProbabilityTable(cases[0]!.table, [A, B])
  const one = start().fit(X, { weights: w, pseudocount: 0.5, inertia: 0.2 })
  t.same(one.columnKeys, [['a', 'b', 'c', 'd'], [1, 2], ['x', 'y', 'z', 'w']], 'new keys appended')
  for (const seed of [1, 2, 3]) {
    const d = start()
    let at = 0
    for (const k of randomChunks(X.length, seed, 1500)) {
      d.summarize(X.slice(at, at + k), { weights: w.subarray(at, at + k) })
      at += k
    }
    d.fromSummaries({ pseudocount: 0.5, inertia: 0.2 })
    t.same(d.parameters[0], one.parameters[0], `chunking ${seed}`)
  }
  const shards = [0, 1024, 3072, 4096, X.length]
  const summaries = shards.slice(1).map((end, i) => {
    const d = start()
    d.summarize(X.slice(shards[i], end), { weights: w.subarray(shards[i], end) })
    return d.summary()
  })
  for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
    const d = start()
    for (const i of order) d.mergeSummary(JSON.parse(JSON.stringify(summaries[i])))
    d.fromSummaries({ pseudocount: 0.5, inertia: 0.2 })
    t.same(d.parameters[0], one.parameters[0], `merge order ${order.join('')}`)
  }
  const streamed = start()
  const batches = [0, 1, 2, 3, 4, 5].map(i => toBatch(X.slice(i * 1000, (i + 1) * 1000), { categorical: true, weights: w.subarray(i * 1000, (i + 1) * 1000) }))
  await pipeline(Readable.from(batches), streamed.sink({ pseudocount: 0.5, inertia: 0.2 }))
  t.same(streamed.parameters[0], one.parameters[0], 'through a sink')
})

t.test('new keys in later batches grow the table; rows still sum to 1', async t => {
  const table: Key[][] = [['a', 'x', 0.25], ['a', 'y', 0.75], ['b', 'x', 0.5], ['b', 'y', 0.5]]
  const d = new ConditionalProbabilityTable(table, [['a', 'b']])
  d.summarize([['a', 'x'], ['a', 'y']])
  d.summarize([['c', 'z'], ['a', 'z'], ['c', 'x']])
  d.fromSummaries({ inertia: 0.5 })
  t.same(d.columnKeys, [['a', 'b', 'c'], ['x', 'y', 'z']])
  t.same(d.parameters[0], [
    ['a', 'x', 0.5 * 0.25 + 0.5 / 3], ['a', 'y', 0.5 * 0.75 + 0.5 / 3], ['a', 'z', 0.5 * 0 + 0.5 / 3],
    ['b', 'x', 0.5], ['b', 'y', 0.5], ['b', 'z', 0], // unseen: kept, the new value gets 0
    ['c', 'x', 0.5 / 3 + 0.5 * 0.5], ['c', 'y', 0.5 / 3], ['c', 'z', 0.5 / 3 + 0.5 * 0.5] // new: from uniform
  ])
  assertClose(t, rowSums(d.parameters[0], 3), [1, 1, 1], 1e-15, 'rows sum to 1')
  t.same(Array.from(d.logProbability([['c', 'y'], ['e', 'x'], ['a', 'v']])), [Math.log(0.5 / 3), -Infinity, -Infinity], 'unknown keys: -Infinity')
})

t.test('a table built empty from its parents grows from the data; fromSamples', async t => {
  const d = new ConditionalProbabilityTable([], [{ keys: ['p', 'q'] }])
  t.same(d.columnKeys, [['p', 'q'], []])
  d.fit([['p', 1], ['p', 0], ['p', 1], ['r', 0]])
  t.same(d.parameters[0], [['p', 0, 1 / 3], ['p', 1, 2 / 3], ['q', 0, 0.5], ['q', 1, 0.5], ['r', 0, 1], ['r', 1, 0]])
  const s = ConditionalProbabilityTable.fromSamples([['a', 'x'], ['a', 'y'], ['b', 'x']], { weights: [1, 3, 1], pseudocount: 1 })
  t.same(s.parameters[0], [['a', 'x', 2 / 6], ['a', 'y', 4 / 6], ['b', 'x', 2 / 3], ['b', 'y', 1 / 3]])
  t.same(s.parents, [[]], 'fromSamples gives key-list parents; their JSON uses the table keys')
  t.same(s.toJSON().parents[0], { class: 'Distribution', dtype: 'str', name: 'DiscreteDistribution', parameters: [{ a: 0.5, b: 0.5 }], frozen: false })
  const noParents = new ConditionalProbabilityTable([['x', 0.4], ['y', 0.6]])
  t.equal(noParents.dimension, 1)
  t.same(noParents.fit([['x'], ['x'], [null], ['y'], ['x']]).parameters[0], [['x', 0.75], ['y', 0.25]])
})

t.test('numeric keys from a plain numeric batch, -0 is 0; wider batches by column', async t => {
  const d = new ConditionalProbabilityTable([[0, 0, 0.5], [0, 1, 0.5], [1, 0, 0.5], [1, 1, 0.5]], [[0, 1]])
  d.fit(toBatch([[0, 1], [-0, 1], [1, 0], [NaN, 1], [0, 0]]))
  t.same(d.parameters[0], [[0, 0, 1 / 3], [0, 1, 2 / 3], [1, 0, 1], [1, 1, 0]])
  t.same(Array.from(d.logProbability(new Float64Array([0]).length === 1 ? [[1, 0], ['1', 0]] : [])), [0, -Infinity], 'the string "1" is not the number 1')
  const wide = toBatch([['x', 0, 9, 1], ['y', 1, 9, 1], ['x', 0, 9, 0]], { categorical: true })
  const e = new ConditionalProbabilityTable([[0, 0, 0.5], [0, 1, 0.5], [1, 0, 0.5], [1, 1, 0.5]], [[0, 1]])
  e.summarizeColumns(wide, [1, 3])
  e.fromSummaries()
  t.same(e.parameters[0], [[0, 0, 0.5], [0, 1, 0.5], [1, 0, 0], [1, 1, 1]])
  const out = new Float64Array(3)
  e.logProbabilityColumns(wide, [1, 3], out)
  t.same(Array.from(out), [Math.log(0.5), 0, Math.log(0.5)])
})

t.test('pseudocount and inertia; zero total weight keeps the parameters', async t => {
  const table: Key[][] = [['a', 'x', 0.2], ['a', 'y', 0.8], ['b', 'x', 0.6], ['b', 'y', 0.4]]
  const d = new ConditionalProbabilityTable(table, [['a', 'b']])
  d.fit([['a', 'x'], ['a', 'x'], ['a', 'y']], { pseudocount: 2 })
  t.same(d.parameters[0], [['a', 'x', 4 / 7], ['a', 'y', 3 / 7], ['b', 'x', 0.6], ['b', 'y', 0.4]], 'unseen row kept, not smoothed')
  const before = d.parameters[0]
  d.fit([['a', 'x'], ['b', 'y']], { weights: [0, 0] })
  d.fit([])
  d.fit([['a', 'q']], { weights: [0] })
  t.same(d.parameters[0], before)
  t.same(d.columnKeys[1], ['x', 'y'], 'a key with zero weight is not added')
})

t.test('frozen: summarize, fromSummaries, summarizeColumns and merges are ignored', async t => {
  const table: Key[][] = [['a', 'x', 0.2], ['a', 'y', 0.8]]
  const d = new ConditionalProbabilityTable(table, [['a']], { frozen: true })
  const batch = toBatch([['a', 'x'], ['a', 'x']], { categorical: true })
  d.summarize(batch)
  d.summarizeColumns(batch, [0, 1]) // what a larger model calls
  d.fromSummaries()
  t.same(d.parameters[0], table)
  const other = new ConditionalProbabilityTable(table, [['a']])
  other.summarize(batch)
  d.mergeSummary(other.summary())
  d.thaw().fromSummaries()
  t.same(d.parameters[0], table, 'nothing was kept while frozen')
  t.same(d.fit(batch).parameters[0], [['a', 'x', 1], ['a', 'y', 0]])
})

t.test('sample: given parents, or uniform parent combinations', async t => {
  const table: Key[][] = [['a', 1, 'x', 0.2], ['a', 1, 'y', 0.8], ['a', 2, 'x', 0.5], ['a', 2, 'y', 0.5],
    ['b', 1, 'x', 0.9], ['b', 1, 'y', 0.1], ['b', 2, 'x', 0], ['b', 2, 'y', 1]]
  const d = new ConditionalProbabilityTable(table, [['a', 'b'], [1, 2]])
  t.same(d.sample(5, { seed: 3 }), d.sample(5, { seed: 3 }))
  const given = d.sample(20000, { seed: 1, parents: ['b', 1] })
  t.ok(given.every(r => r[0] === 'b' && r[1] === 1))
  const x = given.filter(r => r[2] === 'x').length / given.length
  t.ok(Math.abs(x - 0.9) < 0.01, `p(x | b, 1) ≈ 0.9: ${x}`)
  t.ok(d.sample(2000, { seed: 2, parents: ['b', 2] }).every(r => r[2] === 'y'), 'probability 0 is never drawn')
  const free = d.sample(20000, { seed: 4 })
  const ab = free.filter(r => r[0] === 'a').length / free.length
  t.ok(Math.abs(ab - 0.5) < 0.01, `parents uniform: ${ab}`)
  t.same(d.sample(0), [])
})

t.test('bad tables, parents, inputs and summaries: clear errors, model unchanged', async t => {
  const bad: Array<[string, () => unknown, Record<string, unknown>]> = [
    ['width', () => new ConditionalProbabilityTable([['a', 'x', 0.5], ['a', 0.5]]), { code: 'ERR_INVALID_TABLE', row: 1 }],
    ['width vs parents', () => new ConditionalProbabilityTable([['a', 'x', 1]], [['a'], ['b']]), { code: 'ERR_INVALID_TABLE', row: 0 }],
    ['not a table', () => new ConditionalProbabilityTable(5 as never, [['a']]), { code: 'ERR_INVALID_TABLE' }],
    ['too narrow', () => new ConditionalProbabilityTable([[1]]), { code: 'ERR_INVALID_TABLE', row: 0 }],
    ['no columns', () => new ConditionalProbabilityTable([]), { code: 'ERR_INVALID_TABLE' }],
    ['key', () => new ConditionalProbabilityTable([['a', null as never, 1]]), { code: 'ERR_INVALID_TABLE', row: 0, column: 1 }],
    ['probability', () => new ConditionalProbabilityTable([['a', 'x', -0.5], ['a', 'y', 1.5]]), { code: 'ERR_INVALID_TABLE', row: 0, column: 2 }],
    ['probability string', () => new ConditionalProbabilityTable([['a', 'x', '1']]), { code: 'ERR_INVALID_TABLE', row: 0, column: 2 }],
    ['repeated', () => new ConditionalProbabilityTable([['a', 'x', 0.5], ['a', 'x', 0.5]]), { code: 'ERR_INVALID_TABLE', row: 1 }],
    ['missing combination', () => new ConditionalProbabilityTable([['a', 'x', 1], ['b', 'y', 1]]), { code: 'ERR_INVALID_TABLE' }],
    ['row sum', () => new ConditionalProbabilityTable([['a', 'x', 1], ['a', 'y', 0], ['b', 'x', 0.5], ['b', 'y', 0.5 + 2e-9]]), { code: 'ERR_INVALID_TABLE', row: 2 }],
    ['parent type', () => new ConditionalProbabilityTable([['a', 'x', 1]], [5 as never]), { code: 'ERR_INVALID_ARGUMENT' }],
    ['parent keys', () => new ConditionalProbabilityTable([['a', 'x', 1]], [[{}] as never]), { code: 'ERR_INVALID_ARGUMENT' }],
    ['JSON', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [], dtypes: ['str', 'float'] }), { code: 'ERR_INVALID_JSON_MODEL' }],
    ['JSON row', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [['a']], dtypes: ['str', 'float'], parents: [] }), { code: 'ERR_INVALID_JSON_MODEL', row: 0 }],
    ['JSON key', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [['a', 'q', '1.0']], dtypes: ['str', 'int', 'float'], parents: [{ class: 'Distribution', name: 'DiscreteDistribution', dtype: 'str', parameters: [{ a: 1 }], frozen: false }] }), { code: 'ERR_INVALID_JSON_MODEL', row: 0, column: 1 }],
    ['JSON probability', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [['a', 'p']], dtypes: ['str', 'float'], parents: [] }), { code: 'ERR_INVALID_JSON_MODEL', row: 0, column: 1 }],
    ['JSON parent', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [['a', 'x', '1.0']], dtypes: ['str', 'str', 'float'], parents: [7] }), { code: 'ERR_INVALID_JSON_MODEL' }],
    ['JSON unknown parent', () => fromJSON({ class: 'Distribution', name: 'ConditionalProbabilityTable', table: [['a', 'x', '1.0']], dtypes: ['str', 'str', 'float'], parents: [{ class: 'Distribution', name: 'Nope' }] }), { code: 'ERR_UNKNOWN_MODEL' }]
  ]
  for (const [name, fn, expected] of bad) assertArilError(t, fn, expected as { code: string }, name)

  const table: Key[][] = [['a', 'x', 0.2], ['a', 'y', 0.8]]
  const d = new ConditionalProbabilityTable(table, [['a']])
  d.summarize([['a', 'x']])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([['a', 'x', 'z']]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([['a', 'x']], { weights: [-1] }), { code: 'ERR_INVALID_WEIGHTS', row: 0 })
  assertArilError(t, () => d.fit([['a', 'y']], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => d.sample(1, { parents: ['a', 'b'] }), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => d.sample(1, { parents: ['q'] }), { code: 'ERR_INVALID_ARGUMENT', column: 0 })
  assertArilError(t, () => d.sample(-1), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => new ConditionalProbabilityTable([], [['a']]).sample(1), { code: 'ERR_NOT_FITTED' })
  const good = d.summary()
  const summaries: Array<[string, unknown]> = [
    ['other model', { ...good, model: 'JointProbabilityTable' }],
    ['columns', { ...good, keys: [['a']] }],
    ['not keys', { ...good, keys: [['a'], [{}]] }],
    ['repeated keys', { ...good, keys: [['a', 'a'], ['x']] }],
    ['cells', { ...good, cells: 'no' }],
    ['cell index', { ...good, cells: [[0, 5]] }],
    ['repeated cells', { ...good, cells: [[0, 0], [0, 0]] }],
    ['sums', { ...good, sums: { ...(good.sums as object), partial: [] } }],
    ['not an object', 5]
  ]
  for (const [name, s] of summaries) assertArilError(t, () => d.mergeSummary(s as never), { code: 'ERR_SUMMARY_MISMATCH' }, name)
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters[0], table)
  d.restoreSummary(JSON.parse(before))
  t.equal(JSON.stringify(d.summary()), before, 'restoreSummary')
})

t.test('with discrete.ts loaded, Discrete parents are read as DiscreteDistribution and round-trip', async t => {
  const { DiscreteDistribution } = await import('../../lib/distributions/discrete.js')
  for (const c of jsonCases) {
    const d = fromJSON<ConditionalProbabilityTable>(c.json)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  const d = fromJSON<ConditionalProbabilityTable>(jsonCases[0]!.json)
  t.ok(d.parents[0] instanceof DiscreteDistribution)
  const parent = new DiscreteDistribution(new Map<Key, number>([['p', 0.5], ['q', 0.5]]))
  const grown = new ConditionalProbabilityTable([], [parent]).fit([['p', 'x'], ['q', 'y']])
  t.same(grown.columnKeys, [['p', 'q'], ['x', 'y']], 'parent keys read from the distribution')
  t.same(grown.toJSON().parents[0], parent.toJSON())
})

t.test("'nan' is missing, as in pomegranate (scripts/fixtures/table-nan.py)", async t => {
  const { cpt } = fixture<{ cpt: { table: Key[][]; probe: Key[][]; fitRows: Key[][]; logProbability: number[]; probability: number[]; fitted: Key[][] } }>('table-nan')
  const make = (): ConditionalProbabilityTable => new ConditionalProbabilityTable(cpt.table, [['a', 'b']])
  assertClose(t, make().logProbability(cpt.probe), cpt.logProbability, 1e-15, 'log-probability')
  assertClose(t, make().probability(cpt.probe), cpt.probability, 1e-15, 'probability')
  const fitted = make().fit(cpt.fitRows)
  t.same(fitted.parameters[0], cpt.fitted, "fit: rows with 'nan' are skipped")
  t.strictSame(fitted.columnKeys, [['a', 'b'], ['x', 'y']], "'nan' is no key")
  assertArilError(t, () => new ConditionalProbabilityTable([['nan', 'x', 1]]), { code: 'ERR_INVALID_TABLE', row: 0, column: 0 })
})

t.test('every key round-trips: __proto__, 1 and "1", booleans, mixed types', async t => {
  const X: Key[][] = [['__proto__', true], ['__proto__', false], [1, true], ['1', false], [true, true], ['constructor', 1]]
  const cpt = ConditionalProbabilityTable.fromSamples(X)
  const back = fromJSON<ConditionalProbabilityTable>(stringifyJSON(cpt))
  t.strictSame(back.parameters[0], cpt.parameters[0], 'the same rows, keys and probabilities')
  t.equal(stringifyJSON(back), stringifyJSON(cpt))
  t.same(cpt.toJSON().dtypes, ['json', 'json', 'float'])
  t.same(cpt.toJSON().table.slice(0, 2), [['1', '1', '0.0'], ['1', 'false', '0.0']], 'json cells: the JSON text of each key')
  const parents = cpt.toJSON().parents[0] as { parameters: [Record<string, number>] }
  t.ok(Object.hasOwn(parents.parameters[0], '"__proto__"'), 'the parent keeps a __proto__ key')
  // booleans alone: pomegranate's dtype bool
  const bools = ConditionalProbabilityTable.fromSamples([[true, 'x'], [false, 'y']])
  t.same(bools.toJSON().dtypes, ['bool', 'str', 'float'])
  t.same(bools.toJSON().table[0], ['False', 'x', '0.0'])
  t.strictSame(fromJSON<ConditionalProbabilityTable>(stringifyJSON(bools)).parameters[0], bools.parameters[0])
  // a parent whose only key is __proto__ (it used to vanish from the parent's JSON)
  const proto = new ConditionalProbabilityTable([['__proto__', 'x', 1], ['b', 'x', 1]])
  t.strictSame(fromJSON<ConditionalProbabilityTable>(stringifyJSON(proto)).parameters[0], proto.parameters[0])
  t.equal(stringifyJSON(fromJSON(stringifyJSON(proto))), stringifyJSON(proto))
})

t.test('limits: maxKeys and maxTableCells, from the data (nothing counted), the table and the JSON', async t => {
  const table = new ConditionalProbabilityTable([], [['a']], { maxKeys: 3, maxTableCells: 6 })
  table.summarize([['a', 'x'], ['b', 'y']])
  const before = table.summary()
  assertArilError(t, () => table.summarize([['c', 'x'], ['c', 'z']]), { code: 'ERR_LIMIT', limit: 'maxTableCells', message: /3 × 3 = 9 cells/ })
  t.strictSame(table.summary(), before, 'the failed batch added no key, cell or count')
  assertArilError(t, () => table.summarize([['c', 'x'], ['d', 'x']]), { code: 'ERR_LIMIT', limit: 'maxKeys', column: 0 })
  t.strictSame(table.summary(), before)
  table.summarize([['c', 'x']])
  table.fromSummaries()
  t.strictSame(table.columnKeys, [['a', 'b', 'c'], ['x', 'y']])
  const other = new ConditionalProbabilityTable([], [[]])
  other.summarize([['z', 'x'], ['w', 'x']])
  const small = new ConditionalProbabilityTable([], [['a']], { maxKeys: 2 })
  assertArilError(t, () => small.mergeSummary(other.summary()), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  t.strictSame(small.summary().keys, [[], []], 'a failed merge leaves the counts as they were')
  assertArilError(t, () => new ConditionalProbabilityTable([], [['a', 'b', 'c']], { maxKeys: 2 }), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  assertArilError(t, () => new ConditionalProbabilityTable([], [['a']], { maxKeys: 0 }), { code: 'ERR_INVALID_OPTION' })
  // JSON: 12,000 keys per column in 0.45 MB claim 1.44e8 cells; rejected before the dense table is allocated
  const keys = Array.from({ length: 12000 }, (_, i) => `k${i}`)
  const rows = keys.map(k => [k, k, '1.0'])
  const json = { class: 'Distribution', name: 'ConditionalProbabilityTable', table: rows, dtypes: ['str', 'str', 'float'], parents: [{ class: 'Distribution', dtype: 'str', name: 'DiscreteDistribution', parameters: [{ a: 1 }], frozen: false }] }
  assertArilError(t, () => fromJSON(json), { code: 'ERR_INVALID_TABLE', message: /12000 × 12000 = 144000000/ })
  assertArilError(t, () => fromJSON(json, { maxKeys: 1000 }), { code: 'ERR_LIMIT', limit: 'maxKeys' })
  assertArilError(t, () => fromJSON(json, { maxTableCells: 1000 }), { code: 'ERR_LIMIT', limit: 'maxTableCells' })
})

import t from 'tap'
import { toBatch, sliceBatch, type Batch } from '../../lib/core/batch.js'
import { CategoryCounts, type CountsSummary } from '../../lib/counts/counts.js'
import { compareCategories } from '../../lib/counts/categories.js'
import { assertArilError, randomChunks } from '../helpers.js'

function rowsBatch (rows: unknown[][], weights?: number[]): Batch {
  // Booleans and odd keys go straight into a Batch's categories (toBatch reads strings and numbers).
  const cols = rows[0]!.length
  const categories = Array.from({ length: cols }, (_, c) => rows.map(r => r[c] as never))
  return { data: new Float64Array(rows.length * cols).fill(NaN), rows: rows.length, cols, categories, weights: weights === undefined ? undefined : Float64Array.from(weights) }
}

function tableOf (counts: CategoryCounts, columns: number[]): Array<[unknown[], number]> {
  const table = counts.table(columns)
  return Array.from({ length: table.size }, (_, i) => [
    columns.map((_, j) => { const code = table.codes[i * columns.length + j]!; return code < 0 ? null : table.keys[j]![code] }),
    table.counts[i]!
  ])
}

t.test('__proto__, 1, "1" and true are four categories, listed in canonical order', async t => {
  const counts = new CategoryCounts(1)
  counts.add(rowsBatch([['__proto__'], [1], ['1'], [true], [1], [null], [NaN], ['nan'], [false], [-0], [0]]))
  t.same(counts.keys(0), [0, 1, '1', '__proto__', false, true])
  t.same(tableOf(counts, [0]), [[[null], 3], [[0], 2], [[1], 2], [['1'], 1], [['__proto__'], 1], [[false], 1], [[true], 1]])
  t.same(['b', true, 2, 'a', 1, false].sort(compareCategories), [1, 2, 'a', 'b', false, true])
})

t.test('tables of any columns, missing values kept as their own code', async t => {
  const counts = new CategoryCounts(3)
  counts.add(toBatch([['a', 1, 'x'], ['b', 1, 'y'], ['a', 2, null], ['a', 1, 'x']], { categorical: true }))
  t.same(tableOf(counts, [0, 1]), [[['a', 1], 2], [['a', 2], 1], [['b', 1], 1]])
  t.same(tableOf(counts, [2, 0]), [[[null, 'a'], 1], [['x', 'a'], 2], [['y', 'b'], 1]])
  t.equal(counts.rows, 4)
  assertArilError(t, () => counts.table([0, 3]), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => counts.table([1, 1]), { code: 'ERR_INVALID_ARGUMENT' })
})

t.test('fractional weights are summed exactly: any chunking and merge order give the same bits', async t => {
  const n = 5000
  const rows: number[][] = []
  const weights: number[] = []
  let s = 7
  const next = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32 }
  for (let i = 0; i < n; i++) {
    rows.push([Math.floor(next() * 3), Math.floor(next() * 4), next() < 0.05 ? NaN : Math.floor(next() * 2)])
    weights.push(i % 7 === 0 ? 0.1 : i % 5 === 0 ? 3 : 1 / 3)
  }
  const all = toBatch(rows, { weights })
  const one = new CategoryCounts(3)
  one.add(all)
  const expected = tableOf(one, [0, 1, 2])
  for (const seed of [1, 2, 3]) {
    const c = new CategoryCounts(3)
    let at = 0
    for (const k of randomChunks(n, seed, 700)) { c.add(sliceBatch(all, at, at + k), at); at += k }
    t.same(tableOf(c, [0, 1, 2]), expected, `chunking ${seed}`)
  }
  const shards = [[0, 1234], [1234, 4000], [4000, n]].map(([a, b]) => {
    const c = new CategoryCounts(3)
    c.add(sliceBatch(all, a!, b!))
    return JSON.parse(JSON.stringify(c.summary())) as CountsSummary
  })
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const c = new CategoryCounts(3)
    for (const i of order) c.merge(shards[i]!)
    t.same(tableOf(c, [0, 1, 2]), expected, `merged in the order ${order.join(', ')}`)
    t.same(tableOf(c, [1]), tableOf(one, [1]))
  }
  // Ten weights of 0.1 count exactly 1 (math.fsum([0.1] * 10) == 1.0; a plain loop gives 0.9999999999999999).
  const tenths = new CategoryCounts(1)
  tenths.add(toBatch(new Array(10).fill(0), { weights: new Array(10).fill(0.1) }))
  t.same(Array.from(tenths.table([0]).counts), [1])
})

t.test('past memoryBudget only the planned tables are kept, with the same counts', async t => {
  const rows: number[][] = []
  for (let i = 0; i < 3000; i++) rows.push([i % 5, (i * 7) % 11, (i * 13) % 3, i % 2])
  const all = toBatch(rows)
  const full = new CategoryCounts(4)
  full.add(all)
  const small = new CategoryCounts(4, { memoryBudget: 2000, sets: [[0, 1], [1, 2], [2], [3, 0]] })
  small.add(sliceBatch(all, 0, 10))
  t.ok(small.keepsRows)
  small.add(sliceBatch(all, 10, 3000), 10)
  t.notOk(small.keepsRows)
  for (const set of [[0, 1], [2, 1], [1], [0, 3]]) t.same(tableOf(small, set), tableOf(full, set), `[${set.join(', ')}]`)
  t.notOk(small.has([0, 2]))
  assertArilError(t, () => small.table([0, 2]), { code: 'ERR_INVALID_ARGUMENT' })
  // A rows-mode summary merges into a tables-mode one, and the other way round.
  const rowsSummary = JSON.parse(JSON.stringify(full.summary())) as CountsSummary
  const both = new CategoryCounts(4, { memoryBudget: 2000, sets: [[0, 1], [1, 2], [3, 0]] })
  both.merge(JSON.parse(JSON.stringify(small.summary())) as CountsSummary)
  both.merge(rowsSummary)
  const twice = new CategoryCounts(4)
  twice.merge(rowsSummary)
  twice.merge(rowsSummary)
  t.same(tableOf(both, [0, 1]), tableOf(twice, [0, 1]))
  const fresh = new CategoryCounts(4, { sets: [[0, 1]] })
  fresh.add(sliceBatch(all, 0, 5))
  fresh.merge(JSON.parse(JSON.stringify(small.summary())) as CountsSummary)
  t.notOk(fresh.keepsRows)
  assertArilError(t, () => new CategoryCounts(4).merge(small.summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => new CategoryCounts(4, { sets: [[0, 2]] }).merge(small.summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  const unplanned = new CategoryCounts(4, { memoryBudget: 2000 })
  assertArilError(t, () => unplanned.add(all), { code: 'ERR_LIMIT', limit: 'memoryBudget' })
  const tiny = new CategoryCounts(4, { memoryBudget: 1000, maxMemory: 1500, sets: [[0, 1, 2, 3]] })
  assertArilError(t, () => tiny.add(all), { code: 'ERR_LIMIT', limit: 'maxMemory' })
})

t.test('bad values, options and summaries', async t => {
  const c = new CategoryCounts(1, { maxCategories: 2 })
  assertArilError(t, () => c.add(rowsBatch([['a'], ['b'], ['c']])), { code: 'ERR_LIMIT', limit: 'maxCategories', column: 0 })
  t.same(c.keys(0), [], 'a failed batch adds no category')
  assertArilError(t, () => c.add(toBatch([Infinity]), 5), { code: 'ERR_INVALID_INPUT', row: 5, column: 0 })
  assertArilError(t, () => c.add(rowsBatch([[{}]])), { code: 'ERR_INVALID_INPUT', row: 0 })
  assertArilError(t, () => c.add(toBatch([[1, 2]])), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => new CategoryCounts(1, { memoryBudget: 0 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => new CategoryCounts(1, { maxCategories: 0.5 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => new CategoryCounts(2, { sets: [[0, 2]] }), { code: 'ERR_INVALID_OPTION' })
  const good = new CategoryCounts(2)
  good.add(toBatch([[1, 2], [1, 3]]))
  const s = good.summary()
  const bad: Array<[string, unknown]> = [
    ['not an object', 3],
    ['columns', { ...s, columns: 3 }],
    ['rows', { ...s, rows: -1 }],
    ['mode', { ...s, mode: 'x' }],
    ['keys', { ...s, keys: [[1, 1], [2]] }],
    ['key type', { ...s, keys: [[{}], [2]] }],
    ['tables', { ...s, tables: [] }],
    ['table columns', { ...s, tables: [{ ...s.tables[0]!, columns: [0, 5] }] }],
    ['lengths', { ...s, tables: [{ ...s.tables[0]!, integer: [1] }] }],
    ['integer', { ...s, tables: [{ ...s.tables[0]!, integer: [1, -1] }] }],
    ['exact', { ...s, tables: [{ ...s.tables[0]!, exact: [0, 'x'] }] }],
    ['codes', { ...s, tables: [{ ...s.tables[0]!, cells: [0, 0, 0, 9] }] }],
    ['rows mode', { ...s, tables: [{ columns: [1], cells: [0], integer: [1], exact: [0] }] }]
  ]
  for (const [what, summary] of bad) assertArilError(t, () => good.merge(summary as CountsSummary), { code: 'ERR_SUMMARY_MISMATCH' }, what)
  good.clear()
  t.equal(good.rows, 0)
  t.same(good.keys(0), [])
  t.ok(CategoryCounts.bytesPerRow(12) > 0)
})

t.test('counts agree with counting by hand as tables grow (direct and hashed lookups)', async t => {
  for (const [cols, k] of [[2, 3], [3, 5], [8, 2], [12, 3]]) {
    const rows: Array<Array<number | null>> = []
    let s = cols * 31 + k
    const next = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32 }
    for (let i = 0; i < 3000; i++) rows.push(Array.from({ length: cols }, () => next() < 0.05 ? null : Math.floor(next() * k)))
    const counts = new CategoryCounts(cols)
    counts.add(toBatch(rows as never))
    const byHand = new Map<string, number>()
    for (const r of rows) byHand.set(JSON.stringify(r), (byHand.get(JSON.stringify(r)) ?? 0) + 1)
    const mine = new Map(tableOf(counts, Array.from({ length: cols }, (_, c) => c)).map(([keys, n]) => [JSON.stringify(keys), n]))
    t.same(mine, byHand, `${cols} columns of ${k} categories`)
  }
})

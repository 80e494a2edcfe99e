/** Coded columns (key-codes.ts): the keys row by row, and Discrete's coded paths give the bits of its per-row paths. */
import t from 'tap'
import type { Batch, Key } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { encodeKeys } from '../../lib/distributions/key-codes.js'

/** A numeric column with small whole numbers, −0, large and fractional numbers, and NaN. */
function numericColumn (random: Random, rows: number): Batch {
  const values = [0, -0, 1, 2, 3, 1023, 1024, 5000, 2.5, -1, NaN]
  const data = Float64Array.from({ length: rows }, () => values[Math.floor(random.uniform() * values.length)]!)
  return { data, rows, cols: 1 }
}

/** A categorical column with strings, numbers, booleans and the missing values null and "nan". */
function categoricalColumn (random: Random, rows: number): Batch {
  const values: Array<Key | null> = ['a', 'b', '1', 1, true, null, 'nan', '__proto__']
  const raw = Array.from({ length: rows }, () => values[Math.floor(random.uniform() * values.length)]!)
  return { data: new Float64Array(rows), rows, cols: 1, categories: [raw] }
}

t.test('each row decodes to its key (missing values to −1), first appearances in order', async t => {
  const random = new Random(3)
  for (const batch of [numericColumn(random, 500), categoricalColumn(random, 500)]) {
    const coded = encodeKeys(batch, 0)
    const seen: Key[] = []
    for (let r = 0; r < batch.rows; r++) {
      const key = batch.categories === undefined ? batch.data[r]! : batch.categories[0]![r]
      const code = coded.codes[r]!
      if (key === null || key === 'nan' || Number.isNaN(key)) {
        t.equal(code, -1, `row ${r}: missing`)
        continue
      }
      // a Map takes −0 for 0 (SameValueZero), and so do the codes
      if (!seen.some(k => Object.is(k, key) || (k === 0 && key === 0))) seen.push(key as Key)
      t.ok(coded.keys[code] === key, `row ${r}: ${String(key)}`)
    }
    t.same(coded.keys, seen)
    t.equal(new Set(coded.keys).size, coded.keys.length, 'distinct keys')
  }
})

t.test('Discrete: logProbabilityKeys and summarizeCodes give the bits of logProbabilityColumn and summarizeColumn', async t => {
  const random = new Random(8)
  for (const [name, make] of [['numeric', numericColumn], ['categorical', categoricalColumn]] as const) {
    for (let trial = 0; trial < 5; trial++) {
      const rows = 300 + trial * 900
      const batch = make(random, rows)
      const weights = Float64Array.from({ length: rows }, () => (random.uniform() < 0.2 ? 0 : random.uniform() * 3))
      const table = name === 'numeric' ? new Map<Key, number>([[0, 0.3], [1, 0.2], [2.5, 0.5]]) : new Map<Key, number>([['a', 0.6], [1, 0.4]])
      const perRow = new DiscreteDistribution(table)
      const byCode = new DiscreteDistribution(table)
      const coded = encodeKeys(batch, 0)

      const expected = new Float64Array(rows)
      perRow.logProbabilityColumn(batch, 0, expected)
      const values = new Float64Array(coded.keys.length)
      byCode.logProbabilityKeys(coded.keys, values)
      const got = Float64Array.from(coded.codes.subarray(0, rows), c => (c < 0 ? 0 : values[c]!))
      t.same(Array.from(got, x => Object.is(x, -0) ? 'neg0' : x), Array.from(expected, x => Object.is(x, -0) ? 'neg0' : x), `${name} ${trial}: log-probabilities`)

      perRow.summarizeColumn({ ...batch, weights }, 0)
      byCode.summarizeCodes(coded, weights)
      t.same(byCode.summary(), perRow.summary(), `${name} ${trial}: the same keys and exact sums`)
      perRow.fromSummaries()
      byCode.fromSummaries()
      t.same([...byCode.probabilities], [...perRow.probabilities], `${name} ${trial}: the same table`)
    }
  }
})

t.test('summarizeCodes stops at maxKeys before counting anything, as summarizeColumn', async t => {
  const batch: Batch = { data: Float64Array.of(1, 2, 3, 4), rows: 4, cols: 1 }
  const d = new DiscreteDistribution(new Map([[1, 1]]), { maxKeys: 3 })
  t.throws(() => d.summarizeCodes(encodeKeys(batch, 0), undefined), { code: 'ERR_LIMIT' })
  t.same(d.statistics.wSum, 0, 'nothing counted')
  d.summarizeCodes(encodeKeys({ ...batch, rows: 3 }, 0), undefined)
  t.same([...d.statistics.counts as Map<Key, number>], [[1, 1], [2, 1], [3, 1]])
})

/** Converting inputs piece by piece (forEachBatch, Model.fit): the same rows, errors and fits as toBatch. */
import t from 'tap'
import { CONVERSION_ROWS, forEachBatch, toBatch, type Batch, type BatchInput } from '../../lib/core/batch.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { assertArilError, assertSameValues } from '../helpers.js'

t.test('forEachBatch: pieces of CONVERSION_ROWS rows with the values, weights and labels of toBatch', async t => {
  const rows = 2 * CONVERSION_ROWS + 123
  const flat = Float64Array.from({ length: rows * 3 }, (_, i) => Math.sin(i) * 100)
  const weights = Array.from({ length: rows }, (_, i) => i % 4)
  const labels = Array.from({ length: rows }, (_, i) => i % 3)
  const inputs: Array<[string, BatchInput]> = [
    ['number[][]', Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * 3, r * 3 + 3)))],
    ['{ data: Float32Array, shape }', { data: Float32Array.from(flat), shape: [rows, 3] }],
    ['{ data: number[], shape }', { data: Array.from(flat), shape: [rows, 3] }],
    ['Int32Array', Int32Array.from(flat.subarray(0, rows))],
    ['BigInt64Array', BigInt64Array.from(Array.from(flat.subarray(0, rows), x => BigInt(Math.round(x))))],
    ['number[]', Array.from(flat.subarray(0, rows))],
    // rows that need no converting, with labels and weights that do: views of the rows, in pieces
    ['{ data: Float64Array, shape } with lists of labels and weights', { data: flat, shape: [rows, 3] }],
    ['Float64Array with lists of labels and weights', flat.subarray(0, rows)]
  ]
  for (const [name, input] of inputs) {
    const whole = toBatch(input, { weights, labels })
    const pieces: Batch[] = []
    forEachBatch(input, { weights, labels }, b => pieces.push({ ...b, data: b.data.slice(), weights: b.weights?.slice(), labels: b.labels?.slice() }))
    t.same(pieces.map(b => b.rows), [CONVERSION_ROWS, CONVERSION_ROWS, 123], `${name}: pieces`)
    assertSameValues(t, Float64Array.from(pieces.flatMap(b => Array.from(b.data))), whole.data, `${name}: values`)
    assertSameValues(t, pieces.flatMap(b => Array.from(b.weights!)), Array.from(whole.weights!), `${name}: weights`)
    assertSameValues(t, pieces.flatMap(b => Array.from(b.labels!)), Array.from(whole.labels!), `${name}: labels`)
  }
  const ready = toBatch(flat, {})
  let calls = 0
  forEachBatch(ready, {}, b => { calls++; t.equal(b.data, flat, 'a ready Batch is handed over as it is') })
  forEachBatch(flat, {}, b => { calls++; t.equal(b.data, flat, 'so is a Float64Array') })
  t.equal(calls, 2)
})

t.test('forEachBatch reports errors at their row in the whole input', async t => {
  const rows = CONVERSION_ROWS + 50
  const at = CONVERSION_ROWS + 7
  const good = (): number[][] => Array.from({ length: rows }, (_, r) => [r, r + 1])
  const ragged = good()
  ragged[at] = [1]
  assertArilError(t, () => forEachBatch(ragged, {}, () => {}), { code: 'ERR_RAGGED_ROWS', row: at })
  const text = good() as unknown as Array<Array<number | string>>
  text[at]![1] = 'x'
  assertArilError(t, () => forEachBatch(text as BatchInput, {}, () => {}), { code: 'ERR_NOT_NUMERIC', row: at, column: 1 })
  const weights = Array.from({ length: rows }, (_, i) => (i === at ? -1 : 1))
  assertArilError(t, () => forEachBatch(good(), { weights }, () => {}), { code: 'ERR_INVALID_WEIGHTS', row: at })
  assertArilError(t, () => forEachBatch(good(), { weights: [1] }, () => {}), { code: 'ERR_INVALID_WEIGHTS' })
  assertArilError(t, () => forEachBatch(good(), { labels: [1, 2] }, () => {}), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => forEachBatch(good(), { cols: 3 }, () => {}), { code: 'ERR_COLUMN_COUNT' })
  const categories: Array<Array<number | string>> = good().map((row, r) => [row[0]!, r % 2 === 0 ? 'a' : 'b'])
  const seen: Array<ReadonlyArray<unknown> | undefined> = []
  forEachBatch(categories as BatchInput, { categorical: true }, b => seen.push(b.categories?.[1]))
  t.same(seen.map(c => c?.length), [CONVERSION_ROWS, 50], 'categories come in pieces too')
  t.equal(seen[1]![7], 'b')
})

t.test('a fit from any input form equals the fit from a ready Batch, bit for bit', async t => {
  const rows = 3 * CONVERSION_ROWS + 5
  const flat = Float64Array.from({ length: rows * 2 }, (_, i) => 10 + Math.cos(i) * 3)
  const ready = new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fit({ data: flat, rows, cols: 2 })
  for (const input of [Array.from({ length: rows }, (_, r) => [flat[2 * r]!, flat[2 * r + 1]!]), { data: Float32Array.from(flat), shape: [rows, 2] }]) {
    const fitted = new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fit(input)
    if (input instanceof Array) t.same(fitted.parameters, ready.parameters, 'number[][]')
    else t.same(fitted.parameters, new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fit({ data: Float64Array.from(input.data), rows, cols: 2 }).parameters, 'Float32Array rows')
  }
  const labels = Array.from({ length: rows }, (_, i) => i % 2)
  const bayes = NaiveBayes.fromSamples(NormalDistribution, { data: flat, shape: [rows, 2] }, { labels })
  t.same(bayes.toJSON(), new NaiveBayes(NormalDistribution, 2).fit({ data: flat, rows, cols: 2, labels: Float64Array.from(labels) }).toJSON(), 'NaiveBayes.fromSamples with labels')
  const semi = labels.map((y, i) => (i % 5 === 0 ? -1 : y))
  const ready2 = { data: flat, rows, cols: 2, labels: Float64Array.from(semi) }
  const fromBatch = new NaiveBayes(NormalDistribution, 2).fit(ready2, { maxIterations: 3 })
  const fromRows = new NaiveBayes(NormalDistribution, 2).fit(Array.from({ length: rows }, (_, r) => [flat[2 * r]!, flat[2 * r + 1]!]), { labels: semi, maxIterations: 3 })
  t.same(fromRows.toJSON(), fromBatch.toJSON(), 'semi-supervised NaiveBayes from number[][] and a label list: the EM of a ready Batch')
  t.same(fromRows.history?.epochs.length, fromBatch.history?.epochs.length, 'with as many EM steps')
  t.ok((fromBatch.history?.epochs.length ?? 0) > 0, 'which ran')
  const model = new NormalDistribution(0, 1)
  assertArilError(t, () => model.fit([...Array.from({ length: rows }, () => 1), 'x'] as unknown as number[]), { code: 'ERR_NOT_NUMERIC', row: rows })
  t.same(model.parameters, [0, 1], 'a failed fit leaves the model as it was')
  t.same(model.summary(), new NormalDistribution(0, 1).summary(), 'and its statistics')
})

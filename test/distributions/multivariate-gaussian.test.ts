import t from 'tap'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { readNpy } from '../../lib/io/npy.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { fromJSON } from '../../lib/core/serialize.js'
import { Random } from '../../lib/core/random.js'
import type { Batch } from '../../lib/core/batch.js'
import { assertArilError, assertClose, fixture, randomChunks, assertSameBitsAnyChunking } from '../helpers.js'

interface Case {
  name: string
  X: number[][]
  weights: number[] | null
  parameters: [number[], number[][]]
  json: string
  probe: number[][]
  logProbability: number[]
  scipyLogpdf: number[]
  numpyMean?: number[]
  numpyCov?: number[][]
}
const { cases } = fixture<{ cases: Case[] }>('multivariate-gaussian')

/** Rows of a correlated 4-dimensional Gaussian with mean `offset`, about 8% of values missing. */
function data (rows: number, seed: number, offset = 0, missing = 0.08): Batch {
  const random = new Random(seed)
  const out = new Float64Array(rows * 4)
  for (let r = 0; r < rows; r++) {
    const a = random.normal()
    const b = random.normal()
    const row = [a, 0.5 * a + b, -a + 0.3 * b + random.normal(), 2 * random.normal()]
    for (let j = 0; j < 4; j++) out[r * 4 + j] = random.uniform() < missing ? NaN : offset + row[j]!
  }
  return { data: out, rows, cols: 4 }
}

const fresh = (d = 4): MultivariateGaussianDistribution =>
  new MultivariateGaussianDistribution(new Array(d).fill(0), Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => j === k ? 1 : 0)))

t.test('fit matches pomegranate 0.14.8 and numpy (scripts/fixtures/multivariate-gaussian.py)', async t => {
  for (const c of cases) {
    const d = fresh(c.X[0]!.length)
    d.fit(c.X, { weights: c.weights ?? undefined })
    const [mean, cov] = d.parameters
    assertClose(t, mean, c.parameters[0], 1e-12, `${c.name}: means`)
    assertClose(t, cov.flat(), c.parameters[1].flat(), 1e-12, `${c.name}: covariance`)
    // The rank-one case is repaired to a condition number of 1e8: its covariance and densities are
    // compared in the repair test, not against numpy or scipy.
    if (c.name.startsWith('rank one')) continue
    if (c.numpyCov !== undefined) {
      assertClose(t, mean, c.numpyMean!, 1e-12, `${c.name}: numpy.average`)
      assertClose(t, cov.flat(), c.numpyCov.flat(), 1e-12, `${c.name}: numpy.cov(bias=True, aweights)`)
    }
    // pomegranate truncates log(2π) to 1.83787706641, which moves its log-density by up to ~1e-11.
    assertClose(t, d.logProbability(c.probe), c.scipyLogpdf, 1e-12, `${c.name}: scipy logpdf (marginal for NaN rows)`, 1e-13)
    assertClose(t, d.logProbability(c.probe), c.logProbability, 1e-11, `${c.name}: pomegranate log_probability`, 1e-11)
  }
})

t.test('pomegranate JSON loads and round-trips', async t => {
  for (const c of cases) {
    const d = fromJSON<MultivariateGaussianDistribution>(c.json)
    t.ok(d instanceof MultivariateGaussianDistribution)
    t.equal(d.dimension, c.parameters[0].length)
    t.same(JSON.parse(JSON.stringify(d)), JSON.parse(c.json), `${c.name}: same JSON`)
  }
  const frozen = fromJSON<MultivariateGaussianDistribution>('{"class":"Distribution","name":"MultivariateGaussianDistribution","parameters":[[0],[[1]]],"frozen":true}')
  t.equal(frozen.frozen, true)
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"MultivariateGaussianDistribution","parameters":[[0],[1]]}'), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => fromJSON('{"class":"Distribution","name":"MultivariateGaussianDistribution","parameters":[[0]]}'), { code: 'ERR_INVALID_JSON_MODEL' })
})

t.test('repairs of a covariance that is not positive definite are reported', async t => {
  const one = cases.find(c => c.name.startsWith('one row'))!
  const d = fresh(2).fit(one.X)
  t.same(d.parameters, one.parameters, 'pomegranate: all-zero covariance + 1e-5·I')
  t.equal(d.repairs, 1)
  t.same(d.lastRepair, { kind: 'minCovar', added: 1e-5, minEigenvalue: 0 })
  const withOption = fresh(2).fit(one.X, { minCovar: 0.5 })
  t.same(withOption.parameters[1], [[0.5, 0], [0, 0.5]], 'minCovar as an update option')
  const ctorOption = new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]], { minCovar: 0.25 }).fit(one.X)
  t.same(ctorOption.parameters[1], [[0.25, 0], [0, 0.25]], 'minCovar as a constructor option')
  const rank = cases.find(c => c.name.startsWith('rank one'))!
  const r = fresh(3).fit(rank.X)
  assertClose(t, r.parameters[1].flat(), rank.parameters[1].flat(), 1e-15, 'pomegranate: + (1e-8 − λmin)·I')
  t.equal(r.lastRepair?.kind, 'eigenvalue')
  t.equal(r.repairs, 1)
  r.fit(rank.X)
  t.equal(r.repairs, 2, 'the counter keeps counting')
  const fine = fresh(3).fit([[0, 1, 2], [1, 0, 2], [2, 2, 0], [1, 1, 1]])
  t.equal(fine.repairs, 0)
  t.equal(fine.lastRepair, undefined)
  const huge = fresh(2).fit([[1e100, 1e100], [-1e100, -1e100]])
  t.equal(huge.lastRepair?.kind, 'eigenvalue')
  t.ok(huge.lastRepair!.added > 1e180, `a shift of 1e-8 vanishes next to variances of 1e200: it grows (${huge.lastRepair!.added})`)
  const zeroCovar = fresh(2).fit(one.X, { minCovar: 0 })
  t.equal(zeroCovar.lastRepair?.kind, 'minCovar')
  t.ok(zeroCovar.parameters[1][0]![0]! > 0, 'minCovar 0 still ends positive definite: the shift grows until Cholesky succeeds')
})

t.test('chunk invariance and merge order are bit-exact, missing values included', async t => {
  const X = data(5000, 11)
  await assertSameBitsAnyChunking(t, () => fresh(), X, Float64Array.from({ length: X.rows }, (_, i) => (i % 7) / 3))
})

t.test('accurate far from the origin: mean 1e6, unit variance', async t => {
  const near = fresh().fit(data(4000, 5, 0, 0))
  const far = fresh().fit(data(4000, 5, 1e6, 0))
  const [m0, c0] = near.parameters
  const [m1, c1] = far.parameters
  assertClose(t, m1.map(m => m - 1e6), m0, 1e-8, 'means', 1e-9)
  assertClose(t, c1.flat(), c0.flat(), 1e-8, 'covariance of shifted data equals the unshifted one')
  const constant = fresh(2).fit(new Array(7).fill([0.1, 1e9 + 0.1]), { minCovar: 1 })
  t.same(constant.parameters, [[0.1, 1e9 + 0.1], [[1, 0], [0, 1]]], 'seven copies: covariance exactly 0, then minCovar')
})

t.test('weights: frequency semantics, zero total weight keeps the parameters', async t => {
  const a = fresh(2).fit([[1, 2], [2, 1], [2, 1], [3, 5]])
  const b = fresh(2).fit([[1, 2], [2, 1], [3, 5]], { weights: [1, 2, 1] })
  t.same(b.parameters, a.parameters)
  const c = new MultivariateGaussianDistribution([4, 4], [[2, 1], [1, 2]]).fit([[1, 2], [3, 4]], { weights: [0, 0] })
  t.same(c.parameters, [[4, 4], [[2, 1], [1, 2]]])
  t.same(fresh(2).fit([]).parameters, fresh(2).parameters)
})

t.test('missing values: pairwise complete statistics; all-missing rows add nothing and score 0', async t => {
  const X = [[1, 2, NaN], [2, NaN, 1], [NaN, 4, 3], [4, 3, 2], [5, 7, 9], [3, 1, 4], [0, 2, 2], [NaN, NaN, NaN]]
  const d = fresh(3).fit(X)
  t.equal(d.repairs, 0, 'positive definite without a repair')
  const [mean, cov] = d.parameters
  // Closed form: each mean over its column's values, each covariance over rows with both values.
  const col = (j: number): number[] => X.map(r => r[j]!).filter(v => !Number.isNaN(v))
  const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
  for (let j = 0; j < 3; j++) assertClose(t, mean[j]!, avg(col(j)), 1e-15, `mean ${j}`)
  for (let j = 0; j < 3; j++) {
    for (let k = 0; k < 3; k++) {
      const both = X.filter(r => !Number.isNaN(r[j]!) && !Number.isNaN(r[k]!))
      const mj = avg(both.map(r => r[j]!))
      const mk = avg(both.map(r => r[k]!))
      assertClose(t, cov[j]![k]!, avg(both.map(r => (r[j]! - mj) * (r[k]! - mk))), 1e-14, `cov ${j}${k}`)
    }
  }
  t.same(Array.from(d.logProbability([[NaN, NaN, NaN]])), [0])
  const marginal = new MultivariateGaussianDistribution([mean[0]!], [[cov[0]![0]!]])
  t.same(d.logProbability([[2, NaN, NaN]]), marginal.logProbability([[2]]), 'one observed value: its 1-d marginal')
  const neverSeen = new MultivariateGaussianDistribution([7, 0], [[3, 0], [0, 1]]).fit([[NaN, 1], [NaN, 3]])
  t.same(neverSeen.parameters, [[7, 2], [[3, 0], [0, 1]]], 'a column without values keeps its mean and covariance entries')
})

t.test('inertia blends means and covariance; logProbability uses the blended parameters', async t => {
  const X = [[0, 0], [2, 2], [2, 0], [0, 2]]
  const d = new MultivariateGaussianDistribution([1, 1], [[3, 0], [0, 3]])
  d.summarize(X)
  d.fromSummaries({ inertia: 0.5 })
  t.same(d.parameters, [[1, 1], [[2, 0], [0, 2]]])
  const same = new MultivariateGaussianDistribution([1, 1], [[2, 0], [0, 2]])
  t.same(d.logProbability([[0, 1], [3, 3]]), same.logProbability([[0, 1], [3, 3]]))
  // Closed form: independent N(1, 2) columns.
  const lp = (x: number): number => -0.5 * Math.log(2 * Math.PI * 2) - (x - 1) ** 2 / 4
  assertClose(t, d.logProbability([[0, 1]]), [lp(0) + lp(1)], 1e-15)
})

t.test('frozen: summarize and fromSummaries are ignored', async t => {
  const d = fresh(2).freeze()
  d.summarize([[10, 20], [1, 2]])
  d.fromSummaries()
  t.same(d.parameters, fresh(2).parameters)
  d.thaw().fromSummaries()
  t.same(d.parameters, fresh(2).parameters, 'nothing was kept while frozen')
  const other = fresh(2)
  other.summarize([[1, 2]])
  d.freeze().mergeSummary(other.summary())
  d.thaw().fromSummaries()
  t.same(d.parameters, fresh(2).parameters, 'a frozen model merges nothing')
})

t.test('fromSamples infers the dimension', async t => {
  const X = data(300, 3, 0, 0)
  const d = MultivariateGaussianDistribution.fromSamples(X)
  t.equal(d.dimension, 4)
  t.same(d.parameters, fresh().fit(X).parameters)
  const w = new Array(300).fill(2)
  t.same(MultivariateGaussianDistribution.fromSamples(X, { weights: w }).parameters, d.parameters, 'uniform weights change nothing')
})

t.test('sample is reproducible and has the right moments', async t => {
  const d = new MultivariateGaussianDistribution([1, -1, 2], [[2, 0.6, -0.4], [0.6, 1, 0.3], [-0.4, 0.3, 0.5]])
  t.same(d.sample(3, { seed: 4 }), d.sample(3, { seed: 4 }))
  const x = d.sample(100000, { seed: 8 })
  t.equal(x.length, 100000)
  const fit = fresh(3).fit(x)
  const [mean, cov] = fit.parameters
  assertClose(t, mean, [1, -1, 2], 0.02, 'means', 0.02)
  assertClose(t, cov.flat(), d.parameters[1].flat(), 0.03, 'covariance', 0.02)
})

t.test('bad input and parameters: clear errors, model unchanged', async t => {
  const d = fresh(2)
  d.summarize([[1, 2], [2, 2]])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.summarize([[1, 2, 3]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.logProbability([[1, 2, 3]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => d.summarize([[1, 2]], { weights: [-1] }), { code: 'ERR_INVALID_WEIGHTS', row: 0 })
  assertArilError(t, () => d.fit([[1, 2]], { inertia: 2 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => d.fit([[1, 2]], { minCovar: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => d.mergeSummary(fresh(3).summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  t.equal(JSON.stringify(d.summary()), before)
  t.same(d.parameters, fresh(2).parameters)
  const bad: Array<[string, () => unknown, string]> = [
    ['not positive definite', () => new MultivariateGaussianDistribution([0, 0], [[1, 2], [2, 1]]), 'ERR_NOT_POSITIVE_DEFINITE'],
    ['singular', () => new MultivariateGaussianDistribution([0, 0], [[1, 1], [1, 1]]), 'ERR_NOT_POSITIVE_DEFINITE'],
    ['no means', () => new MultivariateGaussianDistribution([], []), 'ERR_INVALID_PARAMETER'],
    ['means not a list', () => new MultivariateGaussianDistribution(3 as unknown as number[], [[1]]), 'ERR_INVALID_PARAMETER'],
    ['non-finite mean', () => new MultivariateGaussianDistribution([NaN], [[1]]), 'ERR_INVALID_PARAMETER'],
    ['too few rows', () => new MultivariateGaussianDistribution([0, 0], [[1, 0]]), 'ERR_INVALID_PARAMETER'],
    ['short row', () => new MultivariateGaussianDistribution([0, 0], [[1, 0], [1]]), 'ERR_INVALID_PARAMETER'],
    ['non-finite covariance', () => new MultivariateGaussianDistribution([0], [[Infinity]]), 'ERR_INVALID_PARAMETER'],
    ['asymmetric', () => new MultivariateGaussianDistribution([0, 0], [[1, 0.5], [0, 1]]), 'ERR_INVALID_PARAMETER'],
    ['bad minCovar', () => new MultivariateGaussianDistribution([0], [[1]], { minCovar: -1 }), 'ERR_INVALID_OPTION']
  ]
  for (const [name, fn, code] of bad) assertArilError(t, fn, { code }, name)
})

t.test('a covariance that cannot be repaired throws before anything changes', async t => {
  const d = fresh(2)
  assertArilError(t, () => d.fit([[1, 1e300], [2, -1e300]]), { code: 'ERR_OVERFLOW' })
  t.same(d.summary(), fresh(2).summary(), 'fit put the statistics back')
  t.same(d.parameters, fresh(2).parameters)
})

t.test('fitting from an .npy file through sink() (numpy.save in scripts/fixtures/multivariate-gaussian.py)', async t => {
  const c = cases.find(c => c.name.startsWith('missing values (pairwise'))!
  const file = fileURLToPath(new URL('../fixtures/multivariate-gaussian.npy', import.meta.url))
  const d = fresh(3)
  await pipeline(readNpy(file, { rowsPerBatch: 64 }), d.sink())
  t.same(d.parameters, fresh(3).fit(c.X).parameters, 'the same bits as fit() in memory')
  assertClose(t, d.parameters[1].flat(), c.parameters[1].flat(), 1e-12, 'pomegranate')
  const viaFitStream = await fresh(3).fitStream(() => readNpy(file, { rowsPerBatch: 100 }))
  t.same(viaFitStream.parameters, d.parameters, 'fitStream')
})

t.test('malformed summaries are rejected', async t => {
  const d = fresh(2)
  const good = fresh(2)
  good.summarize([[1, 2], [2, 3]])
  const s = good.summary() as { model: string; sums: Record<string, unknown> }
  const broken: Array<[string, unknown]> = [
    ['not an object', 3],
    ['block size', { ...s.sums, blockRows: 10 }],
    ['dimension', { ...s.sums, dimension: 3 }],
    ['slot count', { ...s.sums, partial: [1] }],
    ['row counts', { ...s.sums, pending: 2000 }],
    ['partials', { ...s.sums, sums: (s.sums.sums as { counts: number[] }).counts.map(() => [1]) }],
    ['partial counts', { ...s.sums, sums: { ...(s.sums.sums as object), parts: [1] } }]
  ]
  for (const [name, sums] of broken) assertArilError(t, () => d.mergeSummary({ model: s.model, sums }), { code: 'ERR_SUMMARY_MISMATCH' }, name)
  d.summarize([[5, 5]])
  d.mergeSummary(JSON.parse(JSON.stringify(s)))
  d.fromSummaries()
  t.same(d.parameters, fresh(2).fit([[5, 5], [1, 2], [2, 3]]).parameters, 'merged into a non-empty model: the other stream as its own block')
})

t.test('odd dimensions and tiny chunks: whole batches and chunks of 1 to 9 rows agree to the bit', async t => {
  // d = 5 runs the written-out kernel; d = 35 (above UNROLL_LIMIT) the grouped loop, whose groups
  // of four rows are cut short by the chunks and by the rows with missing values
  for (const d of [5, 35]) {
    const random = new Random(21)
    const rows = 3000
    const X = Float64Array.from({ length: rows * d }, () => random.uniform() < 0.02 / Math.sqrt(d) ? NaN : 50 + random.normal())
    const whole = fresh(d).fit({ data: X, rows, cols: d })
    const tiny = fresh(d)
    let at = 0
    for (const k of randomChunks(rows, 4, 9)) {
      tiny.summarize({ data: X.subarray(at * d, (at + k) * d), rows: k, cols: d })
      at += k
    }
    tiny.fromSummaries()
    t.same(tiny.parameters, whole.parameters, `d = ${d}`)
    const [mean, cov] = whole.parameters
    const observed = (j: number): number[] => Array.from({ length: rows }, (_, r) => X[r * d + j]!).filter(x => x === x)
    const m0 = observed(0).reduce((a, x) => a + x, 0) / observed(0).length
    t.ok(Math.abs(mean[0]! - m0) < 1e-12 * 50, `d = ${d}: the mean of column 0 (${mean[0]} vs ${m0})`)
    const v0 = observed(0).reduce((a, x) => a + (x - m0) ** 2, 0) / observed(0).length
    t.ok(Math.abs(cov[0]![0]! - v0) < 1e-10 * v0, `d = ${d}: the variance of column 0 (${cov[0]![0]} vs ${v0})`)
  }
})

t.test('exact sums that need many partials: blocks of 2^(−30·b) (compressed, then kept apart)', async t => {
  const rows = 8 * 1024
  const x = Float64Array.from({ length: rows }, (_, i) => 2 ** (-30 * Math.floor(i / 1024)))
  const d = fresh(1).fit({ data: x, rows, cols: 1 })
  // Σx² needs eight partials 2^(−60·b) apart: more than a slot keeps in place.
  let mean = 0
  for (const v of x) mean += v
  mean /= rows
  let ss = 0
  for (const v of x) ss += (v - mean) ** 2
  assertClose(t, d.parameters[0], [mean], 1e-15, 'mean')
  assertClose(t, d.parameters[1][0]!, [ss / rows], 1e-15, 'variance (two-pass)')
  const shards = [0, 1024, 4096, rows].slice(1).map((end, i, ends) => {
    const m = fresh(1)
    const start = i === 0 ? 0 : ends[i - 1]!
    m.summarize({ data: x.subarray(start, end), rows: end - start, cols: 1 })
    return JSON.parse(JSON.stringify(m.summary()))
  })
  const merged = fresh(1)
  for (const s of shards.reverse()) merged.mergeSummary(s)
  merged.fromSummaries()
  t.same(merged.parameters, d.parameters, 'merged in reverse order: the same bits')
})

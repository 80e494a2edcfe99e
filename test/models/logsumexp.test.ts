import t from 'tap'
import { expNonPositive, jointLogSumExp, logPositive, responsibilities } from '../../lib/models/logsumexp.js'
import { Random } from '../../lib/core/random.js'

t.test('expNonPositive is within 2 ulp of Math.exp', async t => {
  const random = new Random(3)
  let worst = 0
  for (let i = 0; i < 200000; i++) {
    const x = -random.uniform() * [700, 1, 40, 1e-6][i % 4]!
    const e = Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x)
    if (e > worst) worst = e
  }
  t.ok(worst <= 2 ** -51, `worst relative error ${worst}`)
  t.same([expNonPositive(0), expNonPositive(-0), expNonPositive(-1e-300)], [1, 1, 1])
  t.same([expNonPositive(-720), expNonPositive(-Infinity)], [Math.exp(-720), 0], 'subnormal results defer to Math.exp')
  t.ok(Number.isNaN(expNonPositive(NaN)))
})

t.test('logPositive is within 1 ulp of Math.log', async t => {
  const random = new Random(5)
  let worst = 0
  for (let i = 0; i < 200000; i++) {
    // the range of an E-step's sums, values next to 1, and the whole normal range
    const x = [1 + 3 * random.uniform(), 1 + (random.uniform() - 0.5) * 1e-6, Math.exp((random.uniform() - 0.5) * 1400)][i % 3]!
    const expected = Math.log(x)
    const e = Math.abs(logPositive(x) - expected) / Math.abs(expected)
    if (e > worst) worst = e
  }
  t.ok(worst <= 2 ** -52, `worst relative error ${worst}`)
  t.same([logPositive(1), logPositive(2), logPositive(0.5)], [0, Math.LN2, -Math.LN2])
  t.same([logPositive(1 - 2 ** -53), logPositive(1 + 2 ** -52)], [Math.log(1 - 2 ** -53), Math.log(1 + 2 ** -52)], 'next to 1 from both sides')
  t.same([logPositive(Number.MAX_VALUE), logPositive(2 ** -1022)], [Math.log(Number.MAX_VALUE), Math.log(2 ** -1022)])
  t.same([logPositive(0), logPositive(5e-324), logPositive(Infinity)], [-Infinity, Math.log(5e-324), Infinity], 'the rest defers to Math.log')
  t.ok(Number.isNaN(logPositive(-1)) && Number.isNaN(logPositive(NaN)))
})

/** Naive responsibilities from the definition. */
function naive (logp: number[][], logWeights: number[], w: number[]): { r: number[][]; lse: number[] } {
  const rows = logp[0]!.length
  const lse = Array.from({ length: rows }, (_, i) => Math.log(logp.reduce((s, a, j) => s + Math.exp(a[i]! + logWeights[j]!), 0)))
  return { r: logp.map((a, j) => a.map((v, i) => Math.exp(v + logWeights[j]! - lse[i]!) * w[i]!)), lse }
}

t.test('responsibilities and log-sum-exp match the definition', async t => {
  const random = new Random(4)
  const k = 4
  const rows = 300
  const logp = Array.from({ length: k }, () => Array.from({ length: rows }, () => -30 * random.uniform()))
  const logWeights = [0.1, 0.2, 0.3, 0.4].map(Math.log)
  const w = Array.from({ length: rows }, () => 2 * random.uniform())
  const expected = naive(logp, logWeights, w)
  const out = logp.map(a => Float64Array.from(a))
  const lse = new Float64Array(rows)
  const total = responsibilities(out, Float64Array.from(logWeights), Float64Array.from(w), lse, rows)
  const expectedTotal = expected.lse.reduce((a, l, i) => a + w[i]! * l, 0)
  t.ok(Math.abs(total - expectedTotal) <= 1e-12 * Math.abs(expectedTotal), `returns Σ w·lse: ${total} vs ${expectedTotal}`)
  let worst = 0
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(out[j]![i]! - expected.r[j]![i]!) / w[i]!)
  }
  t.ok(worst <= 1e-14, `responsibilities: worst error ${worst}`)
  t.ok(lse.every((v, i) => Math.abs(v - expected.lse[i]!) <= 1e-13 * Math.abs(expected.lse[i]!)), 'lse')
  const joint = logp.map(a => Float64Array.from(a))
  const lse2 = new Float64Array(rows)
  jointLogSumExp(joint, Float64Array.from(logWeights), lse2, rows)
  t.same(lse2, lse, 'the joint path gives the same row log-densities')
  t.same(joint[2]!.slice(0, 3), Float64Array.from(logp[2]!.slice(0, 3), v => v + logWeights[2]!))
})

t.test('rows impossible everywhere, infinite densities, NaN', async t => {
  const lw = Float64Array.from([0.5, 0.5], Math.log)
  const out = [Float64Array.of(-Infinity, Infinity, 0, NaN), Float64Array.of(-Infinity, 0, Infinity, 0)]
  const lse = new Float64Array(4)
  t.ok(Number.isNaN(responsibilities(out, lw, Float64Array.of(1, 2, 3, 4), lse, 4)), 'a NaN row makes the total NaN')
  t.same(Array.from(lse), [-Infinity, Infinity, Infinity, NaN])
  t.same(out.map(a => Array.from(a)), [[0, 2, 0, 0], [0, 0, 3, 0]])
  const both = [Float64Array.of(Infinity, -Infinity), Float64Array.of(Infinity, -Infinity)]
  t.equal(responsibilities(both, lw, Float64Array.of(1, 0), new Float64Array(2), 2), Infinity, 'rows of weight 0 left out of the total')
  t.same(both.map(a => a[0]), [0.5, 0.5], 'two infinite densities share the row')
  const some = [Float64Array.of(-Infinity, 0, -1e308), Float64Array.of(-3, -Infinity, -1e308)]
  const l1 = new Float64Array(3)
  t.equal(responsibilities(some, Float64Array.of(0, 0), undefined, l1, 3), -3 + 0 + (-1e308 + Math.LN2))
  t.same(some.map(a => Array.from(a)), [[0, 1, 0.5], [1, 0, 0.5]], 'a component impossible in a row leaves it to the others')
  t.same(Array.from(l1), [-3, 0, -1e308 + Math.LN2])
  const joint = [Float64Array.of(-Infinity, Infinity), Float64Array.of(-Infinity, 0)]
  const l2 = new Float64Array(2)
  jointLogSumExp(joint, lw, l2, 2)
  t.same(Array.from(l2), [-Infinity, Infinity])
})

import t from 'tap'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { assertArilError } from '../helpers.js'

t.test('mergeSummary rejects summaries of another model or shape', async t => {
  const d = new NormalDistribution()
  d.summarize([1, 2, 3])
  const before = JSON.stringify(d.summary())
  assertArilError(t, () => d.mergeSummary({ model: 'PoissonDistribution', sums: {} }), { code: 'ERR_SUMMARY_MISMATCH', message: /one of a PoissonDistribution/ })
  assertArilError(t, () => d.mergeSummary(null as never), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => d.mergeSummary({ model: 'NormalDistribution', sums: { ...(d.summary().sums as object), partial: [1] } }), { code: 'ERR_SUMMARY_MISMATCH', message: /does not fit/ })
  t.equal(JSON.stringify(d.summary()), before)
})

t.test('a frozen model ignores merges; restoreSummary puts a snapshot back', async t => {
  const a = new NormalDistribution()
  a.summarize([1, 2, 3])
  const b = new NormalDistribution().freeze()
  b.mergeSummary(a.summary())
  t.equal((b.summary().sums as { rows: number }).rows, 0)
  const snapshot = a.summary()
  a.summarize([10, 20])
  a.restoreSummary(snapshot)
  t.same(a.summary(), snapshot)
})

t.test('probability is exp(logProbability); sample checks n', async t => {
  const d = new NormalDistribution(0, 1)
  t.same(Array.from(d.probability([0])), [Math.exp(d.logProbability([0])[0]!)])
  assertArilError(t, () => d.sample(-1), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => d.sample(1.5), { code: 'ERR_INVALID_ARGUMENT' })
  t.equal(d.sample(3).length, 3, 'unseeded sampling works')
})

t.test('fit on a frozen model changes nothing', async t => {
  const d = new NormalDistribution(1, 2, { frozen: true })
  t.same(d.fit([5, 6]).parameters, [1, 2])
  t.equal(d.summarize([5, 6]), undefined)
  t.ok(d.frozen)
  t.same(d.toJSON(), { class: 'Distribution', name: 'NormalDistribution', parameters: [1, 2], frozen: true })
})

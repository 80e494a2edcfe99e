import t from 'tap'
import { packSummary, unpackSummary } from '../../lib/exec/packed-summary.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'

t.test('a packed summary moves its long lists of numbers as buffers, and unpacks to the same JSON', async t => {
  const long = Array.from({ length: 300 }, (_, i) => i / 7)
  const mixed = [...long, 'NaN']
  const summary = { model: 'x', sums: { partial: long, parts: mixed, short: [1, 2], nested: [[...long], [3]] }, rows: 5 }
  const transfer: ArrayBuffer[] = []
  const packed = packSummary(summary, transfer) as { sums: { partial: unknown; parts: unknown; nested: unknown[] } }
  t.equal(transfer.length, 2, 'the list of numbers and the nested one; not the list holding a string')
  t.ok(!Array.isArray(packed.sums.partial), 'a long list of numbers is packed')
  t.ok(Array.isArray(packed.sums.parts), 'a list holding a string is not')
  const { port1, port2 } = new MessageChannel()
  const received = new Promise<unknown>(resolve => port2.once('message', resolve))
  port1.postMessage(packed, transfer)
  const back = unpackSummary(await received)
  port1.close()
  t.same(back, summary)
  t.equal(JSON.stringify(back), JSON.stringify(summary), 'the same JSON text')
})

t.test("a MultivariateGaussian's summary survives packing: the merged model has the same bits", async t => {
  const d = 12 // 390 slots: the summary's lists are long enough to be packed
  const identity = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? 1 : 0)))
  const rows = Array.from({ length: 3000 }, (_, i) => Array.from({ length: d }, (_, j) => (i % 17 === j ? NaN : Math.sin(i * (j + 1)))))
  const a = new MultivariateGaussianDistribution(new Array(d).fill(0), identity)
  a.summarize(rows)
  const transfer: ArrayBuffer[] = []
  const packed = packSummary(a.summary(), transfer)
  t.ok(transfer.length >= 2, 'its running sums and partials are packed')
  const b = new MultivariateGaussianDistribution(new Array(d).fill(0), identity)
  b.mergeSummary(unpackSummary(structuredClone(packed)) as ReturnType<typeof a.summary>)
  t.same(b.fromSummaries().parameters, a.fromSummaries().parameters)
})

import t from 'tap'
import { fromJSON } from '../../lib/core/serialize.js'
import { JointProbabilityTable } from '../../lib/distributions/joint-probability-table.js'
import { MarkovNetwork } from '../../lib/models/markov-network.js'
import { logPartition } from '../../lib/models/variable-elimination.js'
import { assertArilError, assertClose, assertSameBitsAnyChunking, fixture } from '../helpers.js'

const F = fixture('markov-network')
const asia: number[][] = fixture('bayesian-network').asia

/** log Σ over all 2^8 rows of exp(unnormalized log-probability), by brute force. */
function bruteLogZ (net: MarkovNetwork): number {
  const rows: number[][] = []
  for (let i = 0; i < 256; i++) rows.push(Array.from({ length: 8 }, (_, b) => (i >> b) & 1))
  const logp = Array.from(net.logProbability(rows), x => x + net.logPartition)
  const max = Math.max(...logp)
  return max + Math.log(logp.reduce((s, x) => s + Math.exp(x - max), 0))
}

t.test('fromSamples: pomegranate\'s Chow-Liu structure and tables; the partition function', async t => {
  const net = MarkovNetwork.fromSamples(asia)
  t.same(net.structure, F.structure)
  net.distributions.forEach((d, i) => {
    const mine = new Map(d.parameters[0].map(r => [JSON.stringify(r.slice(0, -1)), r[r.length - 1] as number]))
    const theirs = F.tables[i] as number[][]
    assertClose(t, theirs.map(r => mine.get(JSON.stringify(r.slice(0, -1)))!), theirs.map(r => r[r.length - 1]!), 1e-12, `table ${i}`)
  })
  assertClose(t, net.logPartition, bruteLogZ(net), 1e-13, 'log Z by variable elimination = by enumeration')
  // pomegranate keeps Z in a C float (float32), hence 1e-7.
  assertClose(t, net.logPartition, F.partition, 1e-7, 'log Z as pomegranate\'s float32')
  const logp = Array.from(net.logProbability(F.probe))
  assertClose(t, logp.map(x => x + net.logPartition), F.logProbability.map((x: number) => x + F.partition), 1e-12, 'unnormalized log-probabilities')
  const loop = MarkovNetwork.fromStructure(asia, F.loop.structure)
  assertClose(t, loop.logPartition, bruteLogZ(loop), 1e-13, 'a loopy structure')
  assertClose(t, Array.from(loop.logProbability(F.probe), x => x + loop.logPartition), F.loop.logProbability.map((x: number) => x + F.loop.partition), 1e-12)
})

t.test('predictProba and predict with missing values (a tree: exact)', async t => {
  const net = MarkovNetwork.fromSamples(asia)
  const rows = F.rows.map((r: { row: unknown[] }) => r.row)
  const beliefs = net.predictProba(rows)
  F.rows.forEach((c: { beliefs: unknown[] }, r: number) => {
    c.beliefs.forEach((b, v) => {
      const got = beliefs[r]![v]
      if (typeof b !== 'object') return t.equal(got, b)
      const expected = b as Record<string, number>
      assertClose(t, Object.keys(expected).map(k => (got as Map<number, number>).get(Number(k))!), Object.values(expected), 0, `row ${r}, column ${v}`, 1e-12)
    })
  })
  t.same(net.predict(rows), F.rows.map((r: { predict: number[] }) => r.predict))
  // The marginals against p(x) summed over all 2^8 rows (belief propagation is exact on a tree).
  const marginal = net.marginal()
  const all: number[][] = []
  for (let i = 0; i < 256; i++) all.push(Array.from({ length: 8 }, (_, b) => (i >> b) & 1))
  const p = net.probability(all)
  for (let v = 0; v < 8; v++) {
    const ones = all.reduce((s, row, i) => s + (row[v] === 1 ? p[i]! : 0), 0)
    assertClose(t, marginal[v]!.get(1)!, ones, 1e-12, `marginal ${v}`)
  }
})

t.test('fit works (pomegranate 0.14.8 swallows a KeyError); the same bits for any chunking', async t => {
  const three = asia.map(r => r.slice(0, 3))
  const net = MarkovNetwork.fromStructure(three.slice(0, 100), [[0, 1], [1, 2]])
  const before = JSON.stringify(net)
  net.fit(three.slice(100, 800))
  t.not(JSON.stringify(net), before)
  t.same(JSON.stringify(net), JSON.stringify(MarkovNetwork.fromStructure(three.slice(100, 800), [[0, 1], [1, 2]])))
  await assertSameBitsAnyChunking(t, () => MarkovNetwork.fromStructure(asia.slice(0, 10).map(r => r.slice(0, 5)), [[0, 1], [1, 2], [2, 3, 4]]), asia.map(r => r.slice(0, 5)), undefined, { update: { pseudocount: 1 }, state: m => JSON.stringify(m) })
})

t.test('JSON round trip; sampling; errors', async t => {
  const net = MarkovNetwork.fromSamples(asia, { name: 'asia' })
  const back = fromJSON<MarkovNetwork>(JSON.parse(JSON.stringify(net)))
  t.same(JSON.stringify(back), JSON.stringify(net))
  t.equal(back.logPartition, net.logPartition)
  const draws = net.sample(4000, { seed: 2 })
  const share = draws.filter(r => r[3] === 1).length / draws.length
  const truth = net.marginal()[3]!.get(1)!
  t.ok(Math.abs(share - truth) < 0.03, `sampled share ${share} near ${truth}`)
  assertArilError(t, () => new MarkovNetwork([]), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => new MarkovNetwork([new JointProbabilityTable([['a', 1]], [{ keys: ['a'] }])]), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => MarkovNetwork.fromSamples(asia, { algorithm: 'greedy' as never }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => MarkovNetwork.fromStructure(asia, [[0, 9]]), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => MarkovNetwork.fromStructure(asia, [[0, 1]]), { code: 'ERR_INVALID_OPTION' }, 'columns no clique covers')
  assertArilError(t, () => MarkovNetwork.fromJSON({ class: 'MarkovNetwork' }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => net.predictProba([[0, 0, 0, 0, 0, 0, 0, 7]]), { code: 'ERR_INVALID_INPUT', column: 7 })
  assertArilError(t, () => logPartition([2, 2, 2], [{ scope: [0, 1, 2], table: new Float64Array(8).fill(1) }], 4), { code: 'ERR_LIMIT', limit: 'maxCells' })
})

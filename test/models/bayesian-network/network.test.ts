import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { toBatch } from '../../../lib/core/batch.js'
import { fromJSON } from '../../../lib/core/serialize.js'
import { ConditionalProbabilityTable } from '../../../lib/distributions/conditional-probability-table.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { BayesianNetwork } from '../../../lib/models/bayesian-network/network.js'
import { State } from '../../../lib/models/state.js'
import { assertArilError, assertClose, assertSameBitsAnyChunking, fixture } from '../../helpers.js'

const F = fixture('bayesian-network')

/** A table as a Map from its key tuple (JSON text) to its probability. */
function tableMap (rows: unknown[][]): Map<string, number> {
  return new Map(rows.map(r => [JSON.stringify(r.slice(0, -1)), r[r.length - 1] as number]))
}

function tablesOf (net: BayesianNetwork): unknown[][][] {
  return net.states.map(s => s.distribution instanceof DiscreteDistribution
    ? [...s.distribution.probabilities].map(([k, p]) => [k, p])
    : s.distribution.parameters[0] as unknown[][])
}

t.test('fromStructure fits the tables pomegranate fits, with missing values, weights and a pseudocount', async t => {
  const { rows, weights, cases } = F.fitted
  for (const c of cases) {
    const net = BayesianNetwork.fromStructure(rows, F.asiaStructure, { weights: c.weights ?? undefined, pseudocount: c.pseudocount })
    t.same(net.structure, F.asiaStructure)
    const ours = tablesOf(net)
    c.tables.forEach((expected: unknown[][], i: number) => {
      const mine = tableMap(ours[i]!)
      const theirs = tableMap(expected)
      t.same([...mine.keys()].sort(), [...theirs.keys()].sort(), `node ${i} keys`)
      // pomegranate: from_structure(X, structure, weights, pseudocount, keys) (scripts/fixtures/bayesian-network.py)
      assertClose(t, [...theirs.keys()].map(k => mine.get(k)!), [...theirs.values()], 1e-12, `node ${i}, pseudocount ${c.pseudocount}`)
    })
  }
})

t.test('the same bits for any chunking, merge order and stream', async t => {
  const { rows, weights } = F.fitted
  const make = (): BayesianNetwork => BayesianNetwork.fromStructure(F.asia.slice(0, 50), F.asiaStructure)
  await assertSameBitsAnyChunking(t, make, rows, Float64Array.from(weights), { update: { pseudocount: 0.5 }, state: m => JSON.stringify(m) })
})

t.test('a category first seen in the last batch is learned', async t => {
  const net = BayesianNetwork.fromStructure([['a', 'x'], ['b', 'y'], ['a', 'y']], [[], [0]])
  net.summarize([['a', 'x'], ['b', 'x']])
  net.summarize([['c', 'z']])
  net.fromSummaries()
  t.same(net.states[0]!.distribution.keys, ['a', 'b', 'c'])
  t.equal(net.probability([['c', 'z']])[0], 1 / 3)
  t.same(net.predict([[null, 'z']]), [['c', 'z']])
})

t.test('frozen nodes keep their tables; inertia blends', async t => {
  const net = BayesianNetwork.fromStructure(F.asia.slice(0, 300), F.asiaStructure)
  const before = JSON.stringify(net.states[3]!.distribution.parameters[0])
  net.states[3]!.distribution.freeze()
  const root = net.states[0]!.distribution as DiscreteDistribution
  const old = root.probabilities.get(1)!
  net.fit(F.asia.slice(300, 600), { inertia: 0.25 })
  t.equal(JSON.stringify(net.states[3]!.distribution.parameters[0]), before)
  const fresh = DiscreteDistribution.fromSamples(F.asia.slice(300, 600).map((r: number[]) => r[0]))
  t.equal(root.probabilities.get(1), 0.25 * old + 0.75 * fresh.probabilities.get(1)!)
  net.freeze()
  net.fit(F.asia.slice(0, 10))
  t.equal(root.probabilities.get(1), 0.25 * old + 0.75 * fresh.probabilities.get(1)!)
})

t.test('logProbability is the sum of the families\' log-probabilities; missing values count 0', async t => {
  const net = BayesianNetwork.fromStructure(F.asia, F.asiaStructure)
  const row = [1, 0, 1, 1, 0, 1, 1, null]
  const tables = tablesOf(net).map(tableMap)
  let expected = 0
  F.asiaStructure.forEach((parents: number[], i: number) => {
    const family = [...parents, i].map(c => row[c])
    if (family.some(v => v === null)) return
    expected += Math.log(tables[i]!.get(JSON.stringify(family))!)
  })
  assertClose(t, net.logProbability([row])[0]!, expected, 1e-15)
  t.equal(net.probability([row])[0], Math.exp(net.logProbability([row])[0]!))
})

t.test('JSON: pomegranate\'s network read and written back', async t => {
  const net = fromJSON<BayesianNetwork>(F.json)
  t.ok(net instanceof BayesianNetwork)
  t.same(JSON.parse(JSON.stringify(net)), F.json)
  t.equal(net.networkName, 'asia')
  // The CPTs are linked to their parents' distributions, not to the copies in the JSON.
  t.equal((net.states[1]!.distribution as ConditionalProbabilityTable).parents[0], net.states[0]!.distribution)
  // pomegranate keeps tables as logs and writes exp(log p), so its numbers are within an ulp or two of aril's.
  const mine = JSON.parse(JSON.stringify(BayesianNetwork.fromStructure(F.asia.slice(0, 500), F.asiaStructure, { name: 'asia' })))
  const numbers = (json: unknown): number[] => JSON.stringify(json).match(/-?\d+\.\d+(e-?\d+)?/g)!.map(Number)
  assertClose(t, numbers(mine), numbers(F.json), 1e-15, 'the same network fitted by aril writes the same JSON, up to exp(log p)')
  t.same(JSON.stringify(mine).replace(/-?\d+\.\d+(e-?\d+)?/g, '#'), JSON.stringify(F.json).replace(/-?\d+\.\d+(e-?\d+)?/g, '#'))
  const monty = fromJSON<BayesianNetwork>(F.montyHall.json)
  t.same(JSON.parse(JSON.stringify(monty)), F.montyHall.json)
  assertArilError(t, () => BayesianNetwork.fromJSON({ class: 'BayesianNetwork', states: 3 }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => BayesianNetwork.fromJSON({ ...F.json, structure: [[1], [0], [], [], [], [], [], []] }), { code: 'ERR_GRAPH' })
  assertArilError(t, () => BayesianNetwork.fromJSON({ ...F.json, structure: [[], [], [], [], [], [], [], []] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => BayesianNetwork.fromJSON({ ...F.json, structure: [[1], [], [], [], [], [], [], []] }), { code: 'ERR_INVALID_JSON_MODEL' })
})

function beliefsAsPlain (row: unknown[]): unknown[] {
  return row.map(v => v instanceof Map ? Object.fromEntries([...v].map(([k, p]) => [String(k), p])) : v)
}

t.test('Monty Hall: predictProba as pomegranate', async t => {
  const net = fromJSON<BayesianNetwork>(F.montyHall.json)
  for (const c of F.montyHall.cases) {
    const [mine] = net.predictProba([c.row])
    const plain = beliefsAsPlain(mine!)
    c.beliefs.forEach((b: unknown, v: number) => {
      if (typeof b !== 'object') return t.equal(plain[v], b)
      const expected = b as Record<string, number>
      const got = plain[v] as Record<string, number>
      // pomegranate multiplies (x + eps)(y + eps), so its beliefs differ by ~1e-16 absolute.
      assertClose(t, Object.keys(expected).map(k => got[k]!), Object.values(expected), 0, `row ${JSON.stringify(c.row)}, node ${v}`, 1e-12)
    })
  }
  // The same through dict evidence.
  const [dict] = net.predictProba([{ guest: 'A', monty: 'B' }])
  t.same(beliefsAsPlain(dict!), beliefsAsPlain(net.predictProba([['A', null, 'B']])[0]!))
  assertArilError(t, () => net.predictProba([{ nobody: 'A' }]), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => net.predictProba([['A', 'Z', null]]), { code: 'ERR_INVALID_INPUT', row: 0, column: 1 })
})

t.test('Asia (loopy): beliefs, imputation and marginals as pomegranate', async t => {
  const net = BayesianNetwork.fromStructure(F.asia, F.asiaStructure)
  const rows = F.asiaBeliefs.rows
  const beliefs = net.predictProba(rows.map((r: { row: unknown[] }) => r.row))
  rows.forEach((c: { row: unknown[]; beliefs: unknown[]; predict: number[] }, r: number) => {
    const plain = beliefsAsPlain(beliefs[r]!)
    c.beliefs.forEach((b, v) => {
      if (typeof b !== 'object') return t.equal(plain[v], b)
      const expected = b as Record<string, number>
      assertClose(t, Object.keys(expected).map(k => (plain[v] as Record<string, number>)[k]!), Object.values(expected), 0, `row ${r}, node ${v}`, 1e-12)
    })
  })
  t.same(net.predict(rows.map((r: { row: unknown[] }) => r.row)), rows.map((r: { predict: number[] }) => r.predict))
  const marginal = net.marginal()
  F.asiaBeliefs.marginal.forEach((m: Record<string, number>, v: number) => {
    assertClose(t, Object.keys(m).map(k => marginal[v]!.get(Number(k))!), Object.values(m), 0, `marginal ${v}`, 1e-12)
  })
  const imputed = await (async () => {
    const out: unknown[][] = []
    const source = Readable.from([toBatch(rows.slice(0, 15).map((r: { row: unknown[] }) => r.row)), toBatch(rows.slice(15).map((r: { row: unknown[] }) => r.row))])
    await pipeline(source, net.predictStream(), async function * (batches) {
      for await (const b of batches) for (let r = 0; r < b.rows; r++) out.push(b.categories.map((c: unknown[]) => c[r]))
    })
    return out
  })()
  t.same(imputed, rows.map((r: { predict: number[] }) => r.predict), 'predictStream imputes as predict')
})

t.test('construction as pomegranate; bake checks the graph', async t => {
  const rain = new State(new DiscreteDistribution({ yes: 0.2, no: 0.8 }), 'rain')
  const wet = new State(new ConditionalProbabilityTable([
    ['yes', 'wet', 0.9], ['yes', 'dry', 0.1], ['no', 'wet', 0.2], ['no', 'dry', 0.8]], [rain.distribution]), 'wet')
  const net = new BayesianNetwork('garden')
  assertArilError(t, () => net.bake(), { code: 'ERR_GRAPH' })
  net.addStates(rain, wet)
  assertArilError(t, () => net.logProbability([['yes', 'wet']]), { code: 'ERR_NOT_FITTED' })
  assertArilError(t, () => net.bake(), { code: 'ERR_GRAPH' }, 'the table lists a parent without an edge')
  net.addEdge(rain, wet)
  net.bake()
  assertClose(t, net.probability([['yes', 'wet']])[0]!, 0.18, 1e-15)
  const [row] = net.predictProba([[null, 'wet']])
  assertClose(t, [...(row![0] as Map<string, number>).values()], [0.18 / 0.34, 0.16 / 0.34], 1e-14)
  t.equal(net.edges.length, 1)
  const stray = new State(new DiscreteDistribution({ a: 1 }), 'stray')
  const bad = new BayesianNetwork()
  bad.addStates(rain, wet, stray).addEdge(rain, wet).addEdge(stray, wet)
  assertArilError(t, () => bad.bake(), { code: 'ERR_GRAPH' }, 'an edge the table does not list')
  const orphan = new BayesianNetwork().addStates(wet)
  assertArilError(t, () => orphan.bake(), { code: 'ERR_GRAPH' }, 'a parent that is no state')
  assertArilError(t, () => new BayesianNetwork().addStates(rain, rain).bake(), { code: 'ERR_GRAPH' })
  assertArilError(t, () => new BayesianNetwork().addEdge(rain, wet).bake(), { code: 'ERR_GRAPH' })
  assertArilError(t, () => new BayesianNetwork().addStates({} as State<DiscreteDistribution>), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => BayesianNetwork.fromStructure([[1, 2], [2, 1]], [[1], [0]]), { code: 'ERR_GRAPH' }, 'a cycle')
  assertArilError(t, () => BayesianNetwork.fromStructure([[1, 2]], [[2], []]), { code: 'ERR_GRAPH' })
  assertArilError(t, () => BayesianNetwork.fromStructure([[1, 2]], [[], []], { stateNames: ['a'] }), { code: 'ERR_INVALID_OPTION' })
})

t.test('sample: forward draws, evidence on roots and by rejection', async t => {
  const net = fromJSON<BayesianNetwork>(F.montyHall.json)
  const draws = net.sample(3000, { seed: 3 })
  t.same(net.sample(5, { seed: 3 }), draws.slice(0, 5), 'seeded')
  t.ok(draws.every(r => r[2] !== r[0] && r[2] !== r[1]), 'Monty never opens the guest\'s or the prize\'s door')
  const given = net.sample(2000, { seed: 4, evidence: { guest: 'A', monty: 'B' } })
  t.ok(given.every(r => r[0] === 'A' && r[2] === 'B'))
  const switchWins = given.filter(r => r[1] === 'C').length / given.length
  t.ok(Math.abs(switchWins - 2 / 3) < 0.04, `switching wins 2/3 of the time (${switchWins})`)
  assertArilError(t, () => net.sample(10, { evidence: { guest: 'A', monty: 'A' }, seed: 1 }), { code: 'ERR_LIMIT', limit: 'minProbability' })
  assertArilError(t, () => net.sample(1, { evidence: { host: 'A' } }), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => net.sample(1, { evidence: new Map([['guest', 'Z']]) }), { code: 'ERR_INVALID_ARGUMENT' })
})

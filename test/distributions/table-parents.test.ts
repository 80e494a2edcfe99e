import t from 'tap'
import { ConditionalProbabilityTable } from '../../lib/distributions/conditional-probability-table.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { JsonParent } from '../../lib/distributions/table-json.js'
import { parentProbabilities } from '../../lib/distributions/table-parents.js'
import { fromJSON } from '../../lib/core/serialize.js'
import type { Key } from '../../lib/core/batch.js'
import { assertArilError, assertClose, fixture } from '../helpers.js'

interface Case {
  name: string; table: number[][]; parents: Array<Record<string, number>>
  marginal: Record<string, number>; draws: number; frequencies: Record<string, number>
}
const { cases } = fixture<{ cases: Case[] }>('cpt-marginal')
const discrete = (p: Record<string, number>): DiscreteDistribution => new DiscreteDistribution(new Map(Object.entries(p).map(([k, v]) => [Number(k), v])))

t.test('marginal() matches pomegranate 0.14.8 (scripts/fixtures/cpt-marginal.py)', async t => {
  for (const c of cases) {
    const cpt = new ConditionalProbabilityTable(c.table, c.parents.map(discrete))
    const m = cpt.marginal()
    t.ok(m instanceof DiscreteDistribution, c.name)
    t.same(m.keys, [0, 1])
    assertClose(t, [m.probabilityOf(0), m.probabilityOf(1)], [c.marginal['0']!, c.marginal['1']!], 1e-15, c.name)
  }
})

t.test('sampling without parent values draws the parents from their distributions, as pomegranate', async t => {
  for (const c of cases) {
    const cpt = new ConditionalProbabilityTable(c.table, c.parents.map(discrete))
    const rows = cpt.sample(c.draws, { seed: 12 })
    const share = rows.filter(r => r.at(-1) === 1).length / c.draws
    // two independent estimates of a proportion p from 20000 draws each: the difference has
    // standard deviation sqrt(2·p(1−p)/20000) <= 0.005; 4 of them is 0.02
    t.ok(Math.abs(share - c.frequencies['1']!) < 0.02, `${c.name}: ${share} vs pomegranate's ${c.frequencies['1']}`)
    // against the exact marginal: standard deviation <= 0.0035, 4 of them 0.014
    t.ok(Math.abs(share - c.marginal['1']!) < 0.014, `${c.name}: ${share} vs the marginal ${c.marginal['1']}`)
    for (let j = 0; j < c.parents.length; j++) {
      const parentShare = rows.filter(r => r[j] === 1).length / c.draws
      t.ok(Math.abs(parentShare - c.parents[j]!['1']!) < 0.014, `${c.name}: parent ${j} drawn by its distribution (${parentShare})`)
    }
  }
  const cpt = new ConditionalProbabilityTable(cases[0]!.table, [discrete(cases[0]!.parents[0]!)])
  t.same(cpt.sample(50, { seed: 3 }), cpt.sample(50, { seed: 3 }), 'reproducible')
  t.ok(cpt.sample(200, { seed: 3, parents: [0] }).every(r => r[0] === 0), 'given parents still hold')
})

t.test('a chain: a conditional parent gives its own marginal', async t => {
  const a = new DiscreteDistribution({ x: 0.2, y: 0.8 })
  const b = new ConditionalProbabilityTable([['x', 'p', 0.5], ['x', 'q', 0.5], ['y', 'p', 0.1], ['y', 'q', 0.9]], [a])
  const c = new ConditionalProbabilityTable([['p', 'u', 1], ['p', 'v', 0], ['q', 'u', 0.25], ['q', 'v', 0.75]], [b])
  // closed form: P(b = p) = 0.2·0.5 + 0.8·0.1 = 0.18; P(c = u) = 0.18·1 + 0.82·0.25 = 0.385
  assertClose(t, b.marginal().probabilityOf('p'), 0.18, 1e-15)
  assertClose(t, c.marginal().probabilityOf('u'), 0.385, 1e-15)
  const rows = c.sample(20000, { seed: 5 })
  // standard deviation of the share sqrt(0.385·0.615/20000) ≈ 0.0034
  t.ok(Math.abs(rows.filter(r => r[1] === 'u').length / 20000 - 0.385) < 0.014)
})

t.test('parents of every kind: distributions, key lists, JSON dicts', async t => {
  t.same(Array.from(parentProbabilities(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'])), [0.25, 0.25, 0.25, 0.25], 'a key list is uniform')
  t.same(Array.from(parentProbabilities(new DiscreteDistribution({ a: 0.5, z: 0.5 }), ['a', 'b'])), [1, 0], 'keys the table lacks are left out, then normalized')
  t.same(Array.from(parentProbabilities(new DiscreteDistribution({ z: 1 }), ['a', 'b'])), [0.5, 0.5], 'none of the keys: uniform')
  const json = new JsonParent({ class: 'Distribution', name: 'DiscreteDistribution', parameters: [{ 1: 0.25, 2: 0.75 }] }, [1, 2])
  t.same(Array.from(parentProbabilities(json, [1, 2])), [0.25, 0.75], 'a DiscreteDistribution kept as JSON')
  const uniform = new ConditionalProbabilityTable([['a', 'x', 0.9], ['a', 'y', 0.1], ['b', 'x', 0.3], ['b', 'y', 0.7]])
  assertClose(t, uniform.marginal().probabilityOf('x'), 0.6, 1e-15, 'parents read from the table: uniform')
  const read = fromJSON<ConditionalProbabilityTable>(new ConditionalProbabilityTable([[0, 0, 0.9], [0, 1, 0.1], [1, 0, 0.2], [1, 1, 0.8]], [discrete({ 0: 0.3, 1: 0.7 })]).toJSON())
  assertClose(t, read.marginal().probabilityOf(0 as Key), 0.41, 1e-15, 'after a JSON round trip')
  assertArilError(t, () => new ConditionalProbabilityTable([], [['a']]).marginal(), { code: 'ERR_NOT_FITTED' })
})

import t from 'tap'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { JointProbabilityTable } from '../../lib/distributions/joint-probability-table.js'
import { FactorGraph } from '../../lib/models/factor-graph.js'
import { State } from '../../lib/models/state.js'
import { assertArilError, assertClose, fixture } from '../helpers.js'

const F = fixture('factor-graph')

function build (): FactorGraph {
  const m: Record<string, State> = {}
  for (const [k, v] of Object.entries(F.priors)) m[k] = new State(new DiscreteDistribution(v as Record<string, number>), k)
  const g = new FactorGraph('loop').addStates(...Object.values(m))
  for (const [name, rows] of Object.entries(F.tables)) {
    const f = new State(new JointProbabilityTable(rows as never, [m[name[0]!]!.distribution as DiscreteDistribution, m[name[1]!]!.distribution as DiscreteDistribution]), `${name}-joint`)
    g.addStates(f).addEdge(m[name[0]!]!, f).addEdge(f, m[name[1]!]!)
  }
  const u = new State(new DiscreteDistribution(F.unary), 'u-joint')
  return g.addStates(u).addEdge(m.b!, u).bake()
}

t.test('loopy belief propagation as pomegranate\'s FactorGraph, any evidence and iteration count', async t => {
  const g = build()
  for (const c of F.cases) {
    const got = g.predictProba(c.evidence, { maxIterations: c.maxIterations })
    c.beliefs.forEach((b: string | Record<string, number>, v: number) => {
      if (typeof b === 'string') return t.equal(got[v], b)
      // pomegranate: FactorGraph.predict_proba(evidence, max_iterations) (scripts/fixtures/factor-graph.py)
      assertClose(t, Object.keys(b).map(k => (got[v] as Map<string, number>).get(k)!), Object.values(b), 0, `${JSON.stringify(c.evidence)} ×${c.maxIterations}, node ${v}`, 1e-12)
    })
  }
  const marginal = g.marginal({ maxIterations: 10 })
  t.same(marginal.map(m => [...m.values()]), g.predictProba({}).map(m => [...(m as Map<string, number>).values()]))
})

t.test('errors', async t => {
  const a = new State(new DiscreteDistribution({ x: 1 }), 'a')
  const b = new State(new DiscreteDistribution({ x: 1 }), 'b')
  assertArilError(t, () => new FactorGraph().addStates(a, b).addEdge(a, b).bake(), { code: 'ERR_GRAPH' })
  const u = new State(new DiscreteDistribution({ x: 1 }), 'u-joint')
  assertArilError(t, () => new FactorGraph().addStates(a, b, u).addEdge(a, u).addEdge(b, u).bake(), { code: 'ERR_GRAPH' })
  const j = new State(new JointProbabilityTable([['x', 'x', 1]], [{ keys: ['x'] }, { keys: ['x'] }]), 'j')
  assertArilError(t, () => new FactorGraph().addStates(a, j).addEdge(a, j).bake(), { code: 'ERR_GRAPH' })
  assertArilError(t, () => new FactorGraph().predictProba({}), { code: 'ERR_NOT_FITTED' })
  const g = build()
  assertArilError(t, () => g.predictProba({ z: 'x' }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => g.predictProba({ a: 'q' }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => g.predictProba({}, { maxIterations: 1.5 }), { code: 'ERR_INVALID_OPTION' })
})

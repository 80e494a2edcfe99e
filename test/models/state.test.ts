import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { State, Node } from '../../lib/models/state.js'
import { imputeStream } from '../../lib/core/impute-stream.js'
import { checkStructure, topologicalOrder } from '../../lib/models/bayesian-network/graph.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

t.test('State: pomegranate\'s dict both ways', async t => {
  const s = new Node(new DiscreteDistribution({ a: 0.25, b: 0.75 }), 'x')
  t.ok(s instanceof State)
  const json = JSON.parse(JSON.stringify(s))
  t.same(json, { class: 'State', distribution: { class: 'Distribution', dtype: 'str', name: 'DiscreteDistribution', parameters: [{ a: 0.25, b: 0.75 }], frozen: false }, name: 'x', weight: 1 })
  const back = State.fromJSON({ ...json, weight: 2 })
  t.equal(back.name, 'x')
  t.equal(back.weight, 2)
  t.same(back.distribution.parameters, s.distribution.parameters)
  t.equal(State.fromJSON({ ...json, weight: undefined }).weight, 1)
  assertArilError(t, () => State.fromJSON(null), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => State.fromJSON({ ...json, class: 'Node' }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => new State(new DiscreteDistribution(), 3 as never), { code: 'ERR_INVALID_ARGUMENT' })
})

t.test('structures: checked, ordered parents first', async t => {
  t.same(topologicalOrder([[2], [], [1]]), [1, 2, 0])
  assertArilError(t, () => checkStructure('x', 2), { code: 'ERR_GRAPH' })
  assertArilError(t, () => checkStructure([[], 3], 2), { code: 'ERR_GRAPH' })
  assertArilError(t, () => checkStructure([[], [5]], 2), { code: 'ERR_GRAPH' })
  assertArilError(t, () => checkStructure([[], [0, 0]], 2), { code: 'ERR_GRAPH' })
  assertArilError(t, () => checkStructure([[1], [0]], 2), { code: 'ERR_GRAPH' })
})

t.test('imputeStream fails on what is not a batch', async t => {
  const model = { toBatch: (X: never) => X, imputeBatch: (b: never) => b }
  await rejectsArilError(t, pipeline(Readable.from([7]), imputeStream(model), async function * (s) { for await (const _ of s) yield _ }), { code: 'ERR_INVALID_INPUT' })
})

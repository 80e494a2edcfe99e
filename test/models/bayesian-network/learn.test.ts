import t from 'tap'
import { Readable } from 'node:stream'
import { toBatch, sliceBatch } from '../../../lib/core/batch.js'
import { BayesianNetwork } from '../../../lib/models/bayesian-network/network.js'
import { learnStructure, plannedSets, structureOptions } from '../../../lib/models/bayesian-network/learn.js'
import { CategoryCounts } from '../../../lib/counts/counts.js'
import { assertArilError, fixture, rejectsArilError } from '../../helpers.js'

const F = fixture('bayesian-network')

function options (o: Record<string, unknown>): Record<string, unknown> {
  const map: Record<string, string> = { max_parents: 'maxParents', include_edges: 'includeEdges', exclude_edges: 'excludeEdges' }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [map[k] ?? k, v]))
}

t.test('structures learned as pomegranate learns them', async t => {
  for (const c of F.structures) {
    const X = c.data === 'asia' ? F.asia : F.random12
    const net = BayesianNetwork.fromSamples(X, { algorithm: c.algorithm, ...options(c.options) })
    // pomegranate: BayesianNetwork.from_samples(X, algorithm, **options) (scripts/fixtures/bayesian-network.py)
    t.same(net.structure, c.structure, `${c.data} ${c.algorithm} ${JSON.stringify(c.options)}`)
  }
})

t.test('constraint graphs, as pomegranate\'s exact search with constraint_graph', async t => {
  for (const c of F.constrained) {
    const net = BayesianNetwork.fromSamples(F.asia, { algorithm: 'exact', constraintGraph: c.edges })
    t.same(net.structure, c.structure, c.name)
  }
  assertArilError(t, () => BayesianNetwork.fromSamples(F.asia, { algorithm: 'greedy', constraintGraph: [[[0], [1]]] }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => BayesianNetwork.fromSamples(F.asia, { algorithm: 'exact', constraintGraph: [[[0], [1]]], includeEdges: [[0, 1]] }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => BayesianNetwork.fromSamples(F.asia, { algorithm: 'exact', constraintGraph: [[[0], []]] }), { code: 'ERR_INVALID_OPTION' })
})

t.test('fromStream learns the structure and bits of fromSamples, for any chunking', async t => {
  const all = toBatch(F.random12)
  const expected = JSON.stringify(BayesianNetwork.fromSamples(all, { algorithm: 'greedy', maxParents: 2 }))
  for (const size of [1, 777, 3000]) {
    const chunks = Array.from({ length: Math.ceil(all.rows / size) }, (_, i) => sliceBatch(all, i * size, Math.min(all.rows, (i + 1) * size)))
    const net = await BayesianNetwork.fromStream(() => Readable.from(chunks), { algorithm: 'greedy', maxParents: 2 })
    t.equal(JSON.stringify(net), expected, `chunks of ${size}`)
  }
  // Past the memory budget only the planned tables are kept, with the same result.
  const small = await BayesianNetwork.fromStream(Readable.from([all]), { algorithm: 'greedy', maxParents: 2, memoryBudget: 10000 })
  t.equal(JSON.stringify(small), expected, 'from planned tables')
  const tree = await BayesianNetwork.fromStream(Readable.from([all]), { algorithm: 'chow-liu', memoryBudget: 10000 })
  t.same(tree.structure, F.structures.find((s: { data: string; algorithm: string }) => s.data === 'random12' && s.algorithm === 'chow-liu').structure)
  await rejectsArilError(t, BayesianNetwork.fromStream(Readable.from([all]), { algorithm: 'exact', memoryBudget: 10000 }), { code: 'ERR_LIMIT', limit: 'memoryBudget' })
  await rejectsArilError(t, BayesianNetwork.fromStream(Readable.from([]), {}), { code: 'ERR_NOT_FITTED' })
  const controller = new AbortController()
  controller.abort()
  await rejectsArilError(t, BayesianNetwork.fromStream(Readable.from([all]), { signal: controller.signal }), { code: 'ERR_ABORTED' })
})

t.test('options are checked', async t => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ algorithm: 'annealing' }, 'algorithm'],
    [{ maxParents: 1.5 }, 'maxParents'],
    [{ penalty: NaN }, 'penalty'],
    [{ root: 9 }, 'root'],
    [{ includeEdges: [[0, 0]] }, 'includeEdges'],
    [{ excludeEdges: 3 }, 'excludeEdges'],
    [{ algorithm: 'chow-liu', includeEdges: [[0, 1]] }, 'includeEdges'],
    [{ pseudocount: -1 }, 'pseudocount'],
    [{ lowMemory: 'yes' }, 'lowMemory']
  ]
  for (const [o, name] of bad) assertArilError(t, () => structureOptions(o as never, 3), { code: 'ERR_INVALID_OPTION' }, name)
  assertArilError(t, () => structureOptions({ algorithm: 'exact-dp' }, 26), { code: 'ERR_INVALID_OPTION' })
  // forced edges no acyclic structure can honour: every search would return one that ignores them
  for (const algorithm of ['exact', 'exact-dp', 'greedy'] as const) {
    assertArilError(t, () => BayesianNetwork.fromSamples(F.asia, { algorithm, includeEdges: [[0, 1], [1, 2], [2, 0]] }), { code: 'ERR_INVALID_OPTION', message: /without a cycle \(0 -> 1 -> 2 -> 0\)/ }, `${algorithm}: a cycle`)
    assertArilError(t, () => BayesianNetwork.fromSamples(F.asia, { algorithm, includeEdges: [[2, 3]], excludeEdges: [[0, 1], [2, 3]] }), { code: 'ERR_INVALID_OPTION', message: /both list \[2, 3\]/ }, `${algorithm}: included and excluded`)
  }
  t.ok(structureOptions({ includeEdges: [[0, 1], [0, 2], [1, 2]] }, 3), 'a DAG of forced edges is fine')
  t.same(plannedSets({ algorithm: 'exact', maxParents: 1 }, 3), [[0, 1], [0, 2], [1, 2]])
  t.same(plannedSets({ algorithm: 'chow-liu' }, 1), [[0]])
  t.equal(plannedSets({ algorithm: 'greedy' }, 3), undefined)
  assertArilError(t, () => learnStructure(new CategoryCounts(2), {}), { code: 'ERR_NOT_FITTED' })
})

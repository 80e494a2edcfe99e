/**
 * Viterbi training on one HMM sequence longer than memory: the checkpointed Viterbi E-step
 * (long-viterbi.ts) against the in-memory one (`summarize(..., { algorithm: 'viterbi' })`) on the
 * same sequence, bit for bit, for every segment size; fit against fit.
 */
import t from 'tap'
import type { Batch } from '../../../lib/core/batch.js'
import { Random } from '../../../lib/core/random.js'
import { stringifyJSON } from '../../../lib/core/serialize.js'
import { toSequenceBatch } from '../../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import type { Graph } from '../../../lib/models/hmm/graph.js'
import { edgeBetween } from '../../../lib/models/hmm/statistics.js'
import { State } from '../../../lib/models/state.js'
import { bitsOf, rejectsArilError } from '../../helpers.js'
import { cases, discrete, inMemory, normal3, npy, series, symbols } from './long-fixtures.js'

const d = (p: number[]): DiscreteDistribution => new DiscreteDistribution(new Map(p.map((x, i) => [i, x])))

/** Two states sharing one distribution with the same edges: every row's scores tie, so the first in-edge must win in every segment. */
function ties (): HiddenMarkovModel {
  const shared = d([0.25, 0.25, 0.25, 0.25])
  return HiddenMarkovModel.fromMatrix([[0.4, 0.4, 0.2], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4]], [shared, shared, d([0.1, 0.2, 0.3, 0.4])], [0.4, 0.4, 0.2])
}

/** Tied edges: the three self-loops share one count (group 'stay'); an end state. */
function grouped (): HiddenMarkovModel {
  const m = new HiddenMarkovModel('grouped')
  const [a, b, c] = [new State(new NormalDistribution(-2, 1), 'a'), new State(new NormalDistribution(0, 0.5), 'b'), new State(new NormalDistribution(3, 1.5), 'c')]
  m.addStates(a, b, c)
  m.addTransition(m.start, a, 0.5).addTransition(m.start, b, 0.5)
  for (const s of [a, b, c]) m.addTransition(s, s, 0.8, { group: 'stay' })
  m.addTransition(a, b, 0.2).addTransition(b, c, 0.2).addTransition(c, a, 0.1).addTransition(c, m.end, 0.1)
  return m.bake()
}

const all = [
  ...cases,
  { name: 'ties between two tied states', make: ties, x: symbols(230, 21) },
  { name: 'tied edges', make: grouped, x: series(210, 22) }
]

t.test('checkpointed Viterbi == in-memory Viterbi, bit for bit, for every segment size; then the same parameters', async t => {
  for (const { name, make, x, cols } of all) {
    const path = npy(x, cols)
    const rows = x.length / (cols ?? 1)
    const expected = inMemory(make, x, cols, 'viterbi')
    const logp = expected.summaryLogProbability()
    t.ok(Number.isFinite(logp), `${name}: a possible sequence`)
    const ref = expected.summary()
    t.not(bitsOf(ref), bitsOf(inMemory(make, x, cols).summary()), `${name}: Viterbi's statistics are not Baum-Welch's`)
    expected.fromSummaries()
    for (const size of [1, 2, 7, Math.ceil(Math.sqrt(rows)), rows - 1, rows, rows + 5]) {
      const m = make()
      const result = await m.summarizeLongSequence(path, { segmentRows: size, algorithm: 'viterbi' })
      t.equal(result.logProbability, logp, `${name}, segments of ${size}: the forward log-probability`)
      t.equal(result.segments, Math.ceil(rows / size))
      t.equal(bitsOf(m.summary()), bitsOf(ref), `${name}, segments of ${size}: statistics`)
      m.fromSummaries()
      t.equal(stringifyJSON(m), stringifyJSON(expected), `${name}, segments of ${size}: parameters`)
    }
  }
})

t.test('the counts are those of the decoded path (viterbi()): 1 per edge, 1 per row', async t => {
  const x = series(180, 23)
  const path = npy(x)
  const m = normal3()
  const decoded = m.viterbi(Array.from(x)).path
  await m.summarizeLongSequence(path, { segmentRows: 13, algorithm: 'viterbi' })
  const g = (m as unknown as { graph: Graph }).graph
  const counts = new Float64Array(g.from.length)
  for (let i = 1; i < decoded.length; i++) counts[edgeBetween(g, decoded[i - 1]!, decoded[i]!)!]!++
  const sums = m.summary() as unknown as { sums: { partial: string[] } }
  t.same(sums.sums.partial.slice(0, g.from.length).map(Number), Array.from(counts), 'edge counts')
  t.equal(counts.reduce((a, b) => a + b, 0), x.length + 1, 'start → … → end: rows + 1 edges')
})

t.test('a sequence of 2·10^5 steps (the in-memory kernel spills its rows): the in-memory bits', async t => {
  const make = (): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.7, 0.3], [0.4, 0.6]], [new NormalDistribution(0, 1), new NormalDistribution(0.5, 1)], [0.5, 0.5])
  const random = new Random(24)
  const x = Float64Array.from({ length: 2e5 }, () => random.normal())
  const m = make()
  const result = await m.summarizeLongSequence(npy(x), { algorithm: 'viterbi' })
  t.equal(result.segmentRows, 448)
  const expected = inMemory(make, x, 1, 'viterbi')
  t.equal(result.logProbability, expected.summaryLogProbability())
  t.equal(bitsOf(m.summary()), bitsOf(expected.summary()))
})

t.test('memory: checkpoints O(states · T / segmentRows), buffers O(states · segmentRows)', async t => {
  const x = series(10000, 25)
  const m = normal3()
  const states = m.states.length
  const result = await m.summarizeLongSequence(npy(x), { algorithm: 'viterbi' })
  t.equal(result.segments, 100)
  t.equal(result.checkpointValues, (2 * 100 + 1) * states + 100, 'a forward and a Viterbi vector per segment, the final scores, a state per segment')
  // per row: the observation, emission log-probabilities and scaled emissions (3 emitting states),
  // forward rows and back-pointers (5 states, no backward rows), a row sum, a row maximum, a
  // weight, a column of log-probabilities, the path's state
  const perRow = 1 + 2 * 3 + 2 * 5 + 4 + 1
  t.ok(result.segmentValues <= 100 * perRow + 2 * 5 + 1, `segment buffers hold ${result.segmentValues} numbers`)
  t.ok(result.checkpointValues + result.segmentValues < 2 * 10001 * states / 10, 'a tenth of the in-memory tables or less')
})

t.test('an impossible sequence is counted and adds what it adds in memory', async t => {
  const x = symbols(50, 26)
  x[20] = 9
  for (const size of [1, 6, 50]) {
    const m = discrete()
    const result = await m.summarizeLongSequence(npy(x), { segmentRows: size, algorithm: 'viterbi' })
    t.equal(result.logProbability, -Infinity)
    t.equal(m.statistics.impossible, 1)
    t.equal(bitsOf(m.summary()), bitsOf(inMemory(discrete, x, 1, 'viterbi').summary()), `segments of ${size}`)
  }
})

t.test('frozen distributions: transitions only, as in memory', async t => {
  const x = series(90, 27)
  const m = normal3().freezeDistributions()
  await m.summarizeLongSequence(npy(x), { segmentRows: 8, algorithm: 'viterbi' })
  t.equal(bitsOf(m.summary()), bitsOf(inMemory(() => normal3().freezeDistributions(), x, 1, 'viterbi').summary()))
})

t.test('fitLongSequence with Viterbi == fit with Viterbi for N iterations (and the same History)', async t => {
  for (const { name, make, x, cols } of all) {
    const path = npy(x, cols)
    const a = make()
    const batch: Batch = { data: x, rows: x.length / (cols ?? 1), cols: cols ?? 1 }
    const ha = a.trainBatch(toSequenceBatch([batch], { cols: cols ?? 1 }), { algorithm: 'viterbi', maxIterations: 4, stopThreshold: -1, transitionPseudocount: 0.5, emissionPseudocount: 0.5 })
    const b = make()
    const hb = await b.fitLongSequence(path, { algorithm: 'viterbi', maxIterations: 4, stopThreshold: -1, transitionPseudocount: 0.5, emissionPseudocount: 0.5, segmentRows: 11 })
    t.equal(stringifyJSON(b), stringifyJSON(a), `${name}: parameters`)
    t.equal(bitsOf(hb.epochs.map(e => [e.logProbability, e.rows, e.batches])), bitsOf(ha.epochs.map(e => [e.logProbability, e.rows, e.batches])), `${name}: epochs`)
    t.same([hb.iterations, hb.stopReason, hb.initialLogProbability], [ha.iterations, ha.stopReason, ha.initialLogProbability])
  }
  const x = series(200, 28)
  const a = normal3()
  const ha = a.trainBatch([Array.from(x)], { algorithm: 'viterbi', stopThreshold: 1e-3 })
  const b = normal3()
  const hb = await b.fitLongSequence(npy(x), { algorithm: 'viterbi', stopThreshold: 1e-3 })
  t.equal(hb.iterations, ha.iterations)
  t.equal(hb.stopReason, ha.stopReason)
  t.equal(stringifyJSON(b), stringifyJSON(a), 'until it stops')
})

t.test('the algorithm given stays the model\'s for its next E-steps, as summarize(X, { algorithm }) leaves it', async t => {
  const x = series(120, 29)
  const long = normal3()
  await long.summarizeLongSequence(npy(x), { segmentRows: 9, algorithm: 'viterbi' })
  long.clearSummaries()
  long.summarize([Array.from(x)])
  const memory = normal3()
  memory.summarize([Array.from(x)], { algorithm: 'viterbi' })
  memory.clearSummaries()
  memory.summarize([Array.from(x)])
  t.equal(long.passMode(), 'viterbi')
  t.equal(bitsOf(long.summary()), bitsOf(memory.summary()), 'the next summarize is a Viterbi E-step in both')
  long.clearSummaries()
  await long.summarizeLongSequence(npy(x), { segmentRows: 9 })
  t.equal(long.passMode(), 'viterbi', 'no algorithm given: the model keeps its own')
  t.equal(bitsOf(long.summary()), bitsOf(memory.summary()), 'and runs it, as summarize does')
})

/** A Normal whose log-probabilities call `hook` once per batch of rows (to abort mid-pass). */
class Hooked extends NormalDistribution {
  hook: () => void = () => {}
  override logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    this.hook()
    super.logProbabilityColumn(batch, column, out)
  }
}

t.test('abort in any pass leaves the model unchanged; labeled training is refused', async t => {
  const path = npy(series(40, 29))
  const hooked = new Hooked(0, 1)
  const model = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [hooked, new NormalDistribution(2, 1)], [0.5, 0.5])
  model.summarize([[0.1, 0.2]], { algorithm: 'viterbi' })
  const json = stringifyJSON(model)
  const summary = bitsOf(model.summary())
  // 40 rows in segments of 4: pass 1 reads segments 0 … 9 (calls 1 … 10), pass 2 segments 9 … 1
  // (calls 11 … 19), pass 3 segments 0 … 9 (calls 20 … 29)
  let calls = 0
  const counter = new Hooked(0, 1)
  counter.hook = () => { calls++ }
  await HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [counter, new NormalDistribution(2, 1)], [0.5, 0.5]).summarizeLongSequence(path, { segmentRows: 4, algorithm: 'viterbi' })
  t.equal(calls, 29, 'three passes over the file, the second without its first segment')
  for (const at of [5, 15, 25, 29]) {
    const controller = new AbortController()
    calls = 0
    hooked.hook = () => { if (++calls === at) controller.abort() }
    await rejectsArilError(t, model.summarizeLongSequence(path, { segmentRows: 4, signal: controller.signal, algorithm: 'viterbi' }), { code: 'ERR_ABORTED' }, `aborted at emission batch ${at}`)
    t.equal(bitsOf(model.summary()), summary, 'statistics unchanged')
    t.equal(stringifyJSON(model), json, 'parameters unchanged')
  }
  await rejectsArilError(t, model.summarizeLongSequence(path, { algorithm: 'labeled' } as never), { code: 'ERR_INVALID_OPTION' })
  t.equal(bitsOf(model.summary()), summary)
})

/**
 * One HMM sequence longer than memory: the checkpointed E-step (long-sequence.ts) against the
 * in-memory E-step on the same sequence, bit for bit, for every segment size; fit against fit.
 */
import { join } from 'node:path'
import t from 'tap'
import type { Batch } from '../../../lib/core/batch.js'
import { Random } from '../../../lib/core/random.js'
import { stringifyJSON } from '../../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, toSequenceBatch } from '../../../lib/core/sequence.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import { bitsOf, rejectsArilError } from '../../helpers.js'
import { cases, dir, discrete, inMemory, mvg, normal3, npy, series, symbols, tied } from './long-fixtures.js'

t.test('checkpointed == in memory, bit for bit, for every segment size; then the same parameters', async t => {
  for (const { name, make, x, cols } of cases) {
    const path = npy(x, cols)
    const rows = x.length / (cols ?? 1)
    const expected = inMemory(make, x, cols)
    const logp = expected.summaryLogProbability()
    t.ok(Number.isFinite(logp), `${name}: a possible sequence`)
    const ref = expected.summary()
    expected.fromSummaries()
    for (const size of [1, 7, Math.ceil(Math.sqrt(rows)), rows, rows + 5]) {
      const m = make()
      const result = await m.summarizeLongSequence(path, { segmentRows: size })
      t.equal(result.logProbability, logp, `${name}, segments of ${size}: log-probability`)
      t.equal(result.segments, Math.ceil(rows / size))
      t.equal(bitsOf(m.summary()), bitsOf(ref), `${name}, segments of ${size}: statistics`)
      const merged = make().mergeSummary(m.summary())
      m.fromSummaries()
      t.equal(stringifyJSON(m), stringifyJSON(expected), `${name}, segments of ${size}: parameters`)
      t.equal(stringifyJSON(merged.fromSummaries()), stringifyJSON(expected), `${name}, segments of ${size}: merged into another model`)
    }
  }
})

t.test('with other sequences around it: the same as summarizing them all in memory (blocks of BLOCK_SEQUENCES sequences too)', async t => {
  const x = series(120, 6)
  const path = npy(x)
  const random = new Random(7)
  const short = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: 1 + i % 5 }, () => random.normal() * 2))
  // the long sequence ends a block of sequences, or sits in the middle of one
  for (const before of [3, BLOCK_SEQUENCES - 1, BLOCK_SEQUENCES + 6, 3 * BLOCK_SEQUENCES - 1]) {
    const head = short(before)
    const tail = short(4)
    const expected = normal3()
    expected.summarize([...head, Array.from(x), ...tail])
    const m = normal3()
    m.summarize(head)
    await m.summarizeLongSequence(path, { segmentRows: 11 })
    m.summarize(tail)
    t.equal(bitsOf(m.summary()), bitsOf(expected.summary()), `${before} sequences before`)
    t.equal(m.statistics.sequences, before + 5)
    m.fromSummaries()
    expected.fromSummaries()
    t.equal(stringifyJSON(m), stringifyJSON(expected))
  }
})

t.test('frozen distributions: transitions only, as in memory', async t => {
  const x = series(90, 14)
  const path = npy(x)
  const freeze = (m: HiddenMarkovModel): HiddenMarkovModel => m.freezeDistributions()
  const m = freeze(tied())
  await m.summarizeLongSequence(path, { segmentRows: 8 })
  t.equal(bitsOf(m.summary()), bitsOf(inMemory(() => freeze(tied()), x).summary()))
  const one = tied()
  one.states[0]!.distribution!.freeze()
  await one.summarizeLongSequence(path, { segmentRows: 8 })
  const memory = tied()
  memory.states[0]!.distribution!.freeze()
  memory.summarize([Array.from(x)])
  t.equal(bitsOf(one.summary()), bitsOf(memory.summary()), 'one frozen, one not')
})

t.test('an impossible sequence is counted and adds what it adds in memory', async t => {
  const x = symbols(50, 8)
  x[20] = 9
  const path = npy(x)
  const m = discrete()
  const result = await m.summarizeLongSequence(path, { segmentRows: 6 })
  t.equal(result.logProbability, -Infinity)
  t.equal(m.statistics.impossible, 1)
  t.equal(bitsOf(m.summary()), bitsOf(inMemory(discrete, x).summary()))
})

t.test('fitLongSequence == fit for N iterations (and the same History)', async t => {
  for (const { name, make, x, cols } of cases.slice(0, 4)) {
    const path = npy(x, cols)
    const a = make()
    const batch: Batch = { data: x, rows: x.length / (cols ?? 1), cols: cols ?? 1 }
    const ha = a.trainBatch(toSequenceBatch([batch], { cols: cols ?? 1 }), { maxIterations: 4, stopThreshold: -1, transitionPseudocount: 0.5 })
    const b = make()
    const epochs: number[] = []
    const hb = await b.fitLongSequence(path, { maxIterations: 4, stopThreshold: -1, transitionPseudocount: 0.5, segmentRows: 13, callbacks: [{ onEpochEnd: log => { epochs.push(log.epoch) } }] })
    t.equal(stringifyJSON(b), stringifyJSON(a), `${name}: parameters`)
    t.equal(bitsOf(hb.epochs.map(e => [e.logProbability, e.rows, e.batches])), bitsOf(ha.epochs.map(e => [e.logProbability, e.rows, e.batches])), `${name}: epochs`)
    t.same([hb.iterations, hb.stopReason, hb.initialLogProbability], [ha.iterations, ha.stopReason, ha.initialLogProbability])
    t.same(epochs, [1, 2, 3, 4], 'callbacks called')
  }
  const x = series(200, 9)
  const path = npy(x)
  const a = normal3()
  const ha = a.trainBatch([Array.from(x)], { stopThreshold: 1e-3 })
  const b = normal3()
  const hb = await b.fitLongSequence(path, { stopThreshold: 1e-3 })
  t.equal(hb.stopReason, 'converged')
  t.equal(hb.iterations, ha.iterations)
  t.equal(stringifyJSON(b), stringifyJSON(a), 'until convergence')
  const frozen = normal3().freeze()
  t.equal((await frozen.fitLongSequence(path)).stopReason, 'frozen')
  t.equal((await frozen.summarizeLongSequence(path)).logProbability, undefined, 'a frozen model summarizes nothing')
})

t.test('memory: checkpoints O(states · T / segmentRows), buffers O(states · segmentRows)', async t => {
  const x = series(10000, 10)
  const path = npy(x)
  const m = normal3()
  const states = m.states.length
  const result = await m.summarizeLongSequence(path)
  t.equal(result.segmentRows, 100, 'default: √T rows per segment')
  t.equal(result.segments, 100)
  t.equal(result.checkpointValues, 2 * 100 * states, 'one forward and one backward vector per segment')
  // per row: the observation, emission log-probabilities and scaled emissions (3 emitting states),
  // forward and backward rows (5 states), a row sum, a row maximum, a weight, a column of log-probabilities
  const perRow = 1 + 2 * 3 + 2 * 5 + 4
  t.ok(result.segmentValues <= 100 * perRow + 2 * 5 + 1, `segment buffers hold ${result.segmentValues} numbers`)
  t.ok(result.checkpointValues + result.segmentValues < 2 * 10001 * states / 10, 'a tenth of the in-memory tables or less')
  const small = await normal3().summarizeLongSequence(path, { segmentRows: 10 })
  t.equal(small.checkpointValues, 2 * 1000 * states)
  t.ok(small.segmentValues <= 10 * perRow + 2 * 5 + 1, `segment buffers hold ${small.segmentValues} numbers`)
})

t.test('a sequence of 10^6 steps: no underflow, the in-memory bits', async t => {
  const make = (): HiddenMarkovModel => HiddenMarkovModel.fromMatrix([[0.7, 0.3], [0.4, 0.6]], [new NormalDistribution(0, 1), new NormalDistribution(0.5, 1)], [0.5, 0.5])
  const random = new Random(11)
  const x = Float64Array.from({ length: 1e6 }, () => random.normal())
  const path = npy(x)
  const m = make()
  const result = await m.summarizeLongSequence(path)
  t.equal(result.segments, 1000)
  t.ok(Number.isFinite(result.logProbability) && result.logProbability! < -1e6, `log-probability ${result.logProbability}`)
  const expected = inMemory(make, x)
  t.equal(result.logProbability, expected.summaryLogProbability())
  t.equal(bitsOf(m.summary()), bitsOf(expected.summary()))
})

/** A Normal whose log-probabilities call `hook` once per batch of rows (to abort mid-pass). */
class Hooked extends NormalDistribution {
  hook: () => void = () => {}
  override logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void {
    this.hook()
    super.logProbabilityColumn(batch, column, out)
  }
}

t.test('errors: not one sequence, bad options, abort mid-pass; the model is unchanged', async t => {
  const m = normal3()
  m.summarize([[0.5, 1, 2]])
  const before = bitsOf(m.summary())
  const two = npy(series(20, 12, 2), 2)
  await rejectsArilError(t, m.summarizeLongSequence(two), { code: 'ERR_COLUMN_COUNT' }, 'two columns for a univariate model')
  await rejectsArilError(t, mvg().summarizeLongSequence(npy(series(20, 12))), { code: 'ERR_COLUMN_COUNT' }, 'one column for a 2-D model')
  await rejectsArilError(t, m.summarizeLongSequence(npy(new Float64Array(0))), { code: 'ERR_INVALID_INPUT' }, 'no rows')
  await rejectsArilError(t, m.summarizeLongSequence(join(dir, 'missing.npy')), { code: 'ERR_SOURCE' })
  const path = npy(series(40, 13))
  await rejectsArilError(t, m.summarizeLongSequence(path, { segmentRows: 0 }), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, m.summarizeLongSequence(path, { segmentSize: 5 } as never), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, m.summarizeLongSequence(path, { signal: 'no' } as never), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, m.fitLongSequence(path, { algorithm: 'labeled' } as never), { code: 'ERR_INVALID_OPTION' }, 'no labeled training for a long sequence')
  await rejectsArilError(t, m.summarizeLongSequence(path, { algorithm: 'map' } as never), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, m.fitLongSequence(path, { batchSize: 5 } as never), { code: 'ERR_INVALID_OPTION' })
  t.equal(bitsOf(m.summary()), before, 'statistics unchanged after the errors')

  const hooked = new Hooked(0, 1)
  const model = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [hooked, new NormalDistribution(2, 1)], [0.5, 0.5])
  model.summarize([[0.1, 0.2]])
  const json = stringifyJSON(model)
  const summary = bitsOf(model.summary())
  // 40 rows in segments of 4: 10 emission computations per pass; abort in pass 1, 2 and 3
  for (const at of [5, 15, 25]) {
    const controller = new AbortController()
    let calls = 0
    hooked.hook = () => { if (++calls === at) controller.abort() }
    await rejectsArilError(t, model.summarizeLongSequence(path, { segmentRows: 4, signal: controller.signal }), { code: 'ERR_ABORTED' }, `aborted at emission batch ${at}`)
    t.equal(bitsOf(model.summary()), summary, 'statistics unchanged')
    t.equal(stringifyJSON(model), json, 'parameters unchanged')
  }
  hooked.hook = () => { model.bake() }
  await rejectsArilError(t, model.summarizeLongSequence(path, { segmentRows: 4 }), { code: 'ERR_MODEL_BUSY' }, 'baked again mid-pass')
  t.equal(model.statistics.sequences, 0, 'the new bake holds no statistics, and nothing was added to it')
  hooked.hook = () => {}
  const controller = new AbortController()
  const fitted = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [new NormalDistribution(0, 1), new NormalDistribution(2, 1)], [0.5, 0.5])
  const reference = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [new NormalDistribution(0, 1), new NormalDistribution(2, 1)], [0.5, 0.5])
  await reference.fitLongSequence(path, { maxIterations: 3, stopThreshold: -1 })
  await rejectsArilError(t, fitted.fitLongSequence(path, { maxIterations: 5, stopThreshold: -1, signal: controller.signal, callbacks: [{ onEpochEnd: log => { if (log.epoch === 2) controller.abort() } }] }), { code: 'ERR_ABORTED' })
  // aborted while logging epoch 2: M-step 3 runs, the E-step after it is refused
  t.equal(stringifyJSON(fitted), stringifyJSON(reference), 'an aborted fit keeps the parameters of its last M-step')
  t.equal(fitted.statistics.sequences, 0, 'and no statistics')
})

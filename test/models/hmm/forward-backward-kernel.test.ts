/**
 * The WebAssembly kernel of the Baum-Welch E-step (forward-backward-wasm.ts) against the
 * JavaScript loops: the same fitted models, log-probabilities and statistics, bit for bit, on
 * random topologies (start and end only, or silent states between emitting ones and chains of
 * them; finite or not), with Normal emissions (computed in the kernel, with missing values),
 * coded Discrete emissions (impossible sequences among them) and MultivariateGaussian ones (scaled
 * in the kernel), weights of 0, empty sequences, and a sequence longer than the kernel takes.
 */
import t from 'tap'
import { Random } from '../../../lib/core/random.js'
import { stringifyJSON } from '../../../lib/core/serialize.js'
import type { Model } from '../../../lib/core/model.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { MultivariateGaussianDistribution } from '../../../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import { forwardBackwardKernel } from '../../../lib/models/hmm/forward-backward-wasm.js'
import type { Graph } from '../../../lib/models/hmm/graph.js'
import { State } from '../../../lib/models/state.js'
import { assertSameBitsWithoutWasm } from '../../helpers.js'

const graphOf = (model: HiddenMarkovModel): Graph => (model as unknown as { graph: Graph }).graph

type Kind = 'normal' | 'discrete' | 'mvg'

function distribution (random: Random, kind: Kind): Model {
  if (kind === 'normal') return new NormalDistribution(Math.round(random.normal() * 2), 0.5 + random.uniform())
  if (kind === 'mvg') return new MultivariateGaussianDistribution([random.normal(), random.normal()], [[1 + random.uniform(), 0.3], [0.3, 1]])
  // 'd' has probability 0 in every state: a sequence with it is impossible
  const w = [0.25 + random.uniform(), 0.25, random.uniform()]
  const z = w[0]! + w[1]! + w[2]!
  return new DiscreteDistribution({ a: w[0]! / z, b: w[1]! / z, c: w[2]! / z, d: 0 })
}

/**
 * k emitting states (some sharing a distribution), rounded probabilities (ties), some pairs left
 * out, an end state when `finite`, and with `silent` two silent states between emitting ones
 * (one leading to the other).
 */
function randomModel (random: Random, k: number, kind: Kind, finite: boolean, silent: boolean): HiddenMarkovModel {
  const rounded = (): number => Math.round(random.uniform() * 4) / 4
  const distributions = Array.from({ length: Math.ceil(k / 2) }, () => distribution(random, kind))
  const model = new HiddenMarkovModel('k')
  const states = Array.from({ length: k }, (_, i) => new State(distributions[Math.floor(random.uniform() * distributions.length)]!, `s${String(i).padStart(2, '0')}`))
  model.addStates(states)
  for (const a of states) {
    model.addTransition(model.start, a, 0.25 + rounded() / 2)
    for (const b of states) {
      const x = rounded()
      if (x > 0 || a === b) model.addTransition(a, b, x || 0.5)
    }
    if (finite) model.addTransition(a, model.end, 0.25)
  }
  if (silent) {
    const q = new State(null, 'q1')
    const r = new State(null, 'q2')
    model.addStates([q, r])
    model.addTransition(model.start, q, 0.5)
    model.addTransition(states[0]!, q, 0.5)
    model.addTransition(q, r, 0.5)
    model.addTransition(q, states[k - 1]!, 0.5)
    model.addTransition(r, states[Math.floor(k / 2)]!, 1)
  }
  return model.bake()
}

function randomSequence (random: Random, n: number, kind: Kind, impossible: boolean): unknown[] {
  const s: unknown[] = Array.from({ length: n }, () => kind === 'discrete' ? 'abc'[Math.floor(random.uniform() * 3)]! : kind === 'mvg' ? [random.normal() * 2, random.normal()] : random.normal() * 2)
  if (impossible && n > 0) s[Math.floor(random.uniform() * n)] = 'd'
  // a missing Normal value: emission log 1
  if (kind === 'normal' && n > 2) s[1] = NaN
  return s
}

t.test('kernel == JavaScript loops, bit for bit: Baum-Welch fits on random topologies', async t => {
  const random = new Random(31)
  const kinds: Kind[] = ['normal', 'discrete', 'mvg']
  let kernels = 0
  for (let trial = 0; trial < 36; trial++) {
    const k = 1 + (trial % 7)
    const kind = kinds[trial % 3]!
    const silent = trial % 4 >= 2 && k > 1
    const seed = random.uniform()
    const build = (): HiddenMarkovModel => randomModel(new Random(Math.floor(seed * 1e9)), k, kind, trial % 5 === 0, silent)
    const lengths = [1, 0, 2, 3, 17, 40, 200]
    const sequences = lengths.map((n, i) => randomSequence(random, n, kind, kind === 'discrete' && i === 4 && trial % 2 === 0))
    const weights = lengths.map((_, i) => (i === 3 ? 0 : 1 + (i % 3) / 2))
    const fitted = assertSameBitsWithoutWasm(t, () => {
      const model = build()
      const history = model.trainBatch(sequences as never, { weights, maxIterations: 2, stopThreshold: -Infinity })
      return { model: stringifyJSON(model), log: history.epochs.map(e => e.logProbability), probability: model.logProbability(sequences as never) }
    }, `trial ${trial} (${k} states, ${kind}${silent ? ', silent states' : ''})`)
    t.ok(typeof fitted.model === 'string', `trial ${trial}: fitted, not refused`)
    if (forwardBackwardKernel(graphOf(build())) !== undefined) kernels++
  }
  t.equal(kernels, 36, 'every topology has a kernel')
})

t.test('a sequence longer than the kernel takes runs in JavaScript beside short ones, with the same bits', async t => {
  const random = new Random(5)
  const model = (): HiddenMarkovModel => randomModel(new Random(8), 3, 'normal', false, false)
  const rows = forwardBackwardKernel(graphOf(model()))!.rows
  const sequences = [randomSequence(random, 50, 'normal', false), randomSequence(random, rows + 3, 'normal', false), randomSequence(random, 30, 'normal', false)]
  assertSameBitsWithoutWasm(t, () => stringifyJSON(model().fit(sequences as never, { maxIterations: 1, stopThreshold: -Infinity })))
})

t.test('an impossible sequence under the kernel is counted and adds nothing', async t => {
  const build = (): HiddenMarkovModel => {
    const model = new HiddenMarkovModel('z')
    const a = new State(new DiscreteDistribution({ a: 1, b: 0 }), 'a')
    const b = new State(new DiscreteDistribution({ a: 0, b: 1 }), 'b')
    model.addStates([a, b])
    model.addTransition(model.start, a, 0.5)
    model.addTransition(model.start, b, 0.5)
    model.addTransition(a, a, 1)
    model.addTransition(b, b, 1)
    return model.bake()
  }
  const out = assertSameBitsWithoutWasm(t, () => {
    const m = build()
    const total = m.summarize([['a', 'a'], ['a', 'b'], ['a']])
    return { total, impossible: m.skippedInPass() }
  })
  t.equal(out.impossible, 1)
  // log 0.5 for each possible sequence
  t.ok(Math.abs(out.total! - 2 * Math.log(0.5)) < 1e-12)
})

t.test('a topology of more than 512 edges has no kernel (the JavaScript loops run it)', async t => {
  const k = 23
  const model = HiddenMarkovModel.fromMatrix(
    Array.from({ length: k }, () => new Array<number>(k).fill(1 / k)),
    Array.from({ length: k }, (_, i) => new NormalDistribution(i, 1)),
    new Array<number>(k).fill(1 / k)
  )
  t.ok(graphOf(model).from.length > 512)
  t.equal(forwardBackwardKernel(graphOf(model)), undefined)
  t.equal(forwardBackwardKernel(graphOf(randomModel(new Random(1), 3, 'normal', false, false))) === undefined, false)
})

/**
 * The WebAssembly kernel of the Viterbi recursion (viterbi-wasm.ts) against the JavaScript loop
 * and the full-table reference: the same paths and log-probability bits on random models whose
 * only silent states are start and end, with ties, sparse and differently ordered in-edges,
 * impossible sequences, sequences longer than a kernel chunk, and states with and without
 * back-pointers in the kernel (where it also computes Normal emissions from the observations).
 */
import t from 'tap'
import { Random } from '../../../lib/core/random.js'
import type { SequenceBatch } from '../../../lib/core/sequence.js'
import type { Model } from '../../../lib/core/model.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import { emissionMatrix } from '../../../lib/models/hmm/emissions.js'
import type { Graph } from '../../../lib/models/hmm/graph.js'
import { Workspace } from '../../../lib/models/hmm/statistics.js'
import { State } from '../../../lib/models/state.js'
import { assertSameBitsWithoutWasm } from '../../helpers.js'
import { ViterbiScratch, viterbiPath } from './viterbi-reference.js'

const graphOf = (model: HiddenMarkovModel): Graph => (model as unknown as { graph: Graph }).graph
/** Sequences as the model reads them (symbols coded as its Discrete distributions expect). */
const batchOf = (model: HiddenMarkovModel, sequences: unknown[]): SequenceBatch => (model as unknown as { toBatch: (s: unknown[]) => SequenceBatch }).toBatch(sequences)
const SYMBOLS = ['a', 'b', 'c', 'd']

/**
 * k emitting states (Discrete or Normal, some sharing a distribution so that scores tie), edges
 * added in a shuffled order with rounded probabilities (ties again; some pairs left out), and an
 * end state when `finite`.
 */
function randomModel (random: Random, k: number, discrete: boolean, finite: boolean): HiddenMarkovModel {
  const rounded = (): number => Math.round(random.uniform() * 4) / 4
  const distributions: Model[] = Array.from({ length: Math.ceil(k / 2) }, () => {
    // whole and fractional parameters: exact sums (ties) and rounded ones
    if (!discrete) return random.uniform() < 0.5 ? new NormalDistribution(Math.round(random.uniform() * 3), 1 + Math.round(random.uniform())) : new NormalDistribution(random.normal(), 0.5 + random.uniform())
    // 'd' has probability 0 in every state: a sequence with it is impossible
    const w = [0.25 + rounded(), 0.25, rounded()]
    const z = w[0]! + w[1]! + w[2]!
    return new DiscreteDistribution({ a: w[0]! / z, b: w[1]! / z, c: w[2]! / z, d: 0 })
  })
  const model = new HiddenMarkovModel('k')
  const states = Array.from({ length: k }, (_, i) => new State(distributions[Math.floor(random.uniform() * distributions.length)]!, `s${String(i).padStart(2, '0')}`))
  model.addStates(states)
  const edges: Array<[State<Model | null>, State<Model | null>, number]> = []
  for (const a of states) {
    edges.push([model.start, a, 0.25 + rounded() / 2])
    for (const b of states) {
      const x = rounded()
      if (x > 0 || a === b) edges.push([a, b, x || 0.5])
    }
    if (finite) edges.push([a, model.end, 0.25])
  }
  for (let i = edges.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1))
    ;[edges[i], edges[j]] = [edges[j]!, edges[i]!]
  }
  for (const [a, b, x] of edges) model.addTransition(a, b, x)
  return model.bake()
}

function randomSequence (random: Random, n: number, discrete: boolean, impossible: boolean): Array<string | number> {
  const whole = random.uniform() < 0.5
  const s: Array<string | number> = Array.from({ length: n }, () => discrete ? SYMBOLS[Math.floor(random.uniform() * 3)]! : whole ? Math.round(random.normal() * 2) : random.normal() * 2)
  if (impossible && n > 0) s[Math.floor(random.uniform() * n)] = 'd'
  // a missing Normal value: emission log 1 (the kernel's own Normal emissions must agree)
  if (!discrete && n > 2) s[1] = NaN
  return s
}

t.test('kernel == JavaScript loop == full-table reference, bit for bit, on random start/end models', async t => {
  const random = new Random(23)
  let kernelRuns = 0
  for (let trial = 0; trial < 48; trial++) {
    // 1 … 6 states keep back-pointers in the kernel, 7 … 13 find them from the scores
    const k = 1 + (trial % 13)
    const discrete = trial % 2 === 0
    const model = randomModel(random, k, discrete, trial % 3 === 0)
    const g = graphOf(model)
    const lengths = [0, 1, 2, 3, 17, trial % 4 === 0 ? 5000 : 40]
    const sequences = lengths.map((n, i) => randomSequence(random, n, discrete, discrete && i === 4 && trial % 5 === 0))
    const ws = new Workspace()
    const decoded = assertSameBitsWithoutWasm(t, () => {
      const d = model.decodeBatch(batchOf(model, sequences), 'viterbi')
      return { one: sequences.map(s => model.viterbi(s)), paths: Array.from(d.paths.data), offsets: Array.from(d.paths.offsets), logProbability: Array.from(d.logProbability) }
    }, `trial ${trial}: kernel and JavaScript loop`)
    const scratch = (model as unknown as { workspace: Workspace }).workspace.viterbi
    if (scratch.lanes !== undefined) kernelRuns++
    sequences.forEach((s, i) => {
      const e = emissionMatrix(g, batchOf(model, [s]), ws)
      const reference = viterbiPath(g, e, 0, s.length, new ViterbiScratch())
      t.same(decoded.one[i]!.path, reference.path, `trial ${trial}, sequence ${i}: path`)
      t.ok(Object.is(decoded.one[i]!.logProbability, reference.logProbability), `trial ${trial}, sequence ${i}: log-probability bits`)
      t.ok(Object.is(decoded.logProbability[i], reference.logProbability), `trial ${trial}, sequence ${i}: decodeBatch log-probability bits`)
      t.same(decoded.paths.slice(decoded.offsets[i], decoded.offsets[i + 1]), reference.path.filter(x => x < g.p), `trial ${trial}, sequence ${i}: decodeBatch states`)
    })
  }
  t.equal(kernelRuns, 48, 'every model took the kernel path')
})

t.test('a model with silent states between emitting ones stays on the JavaScript loop', async t => {
  const model = new HiddenMarkovModel('silent')
  const a = new State(new NormalDistribution(0, 1), 'a')
  const b = new State(new NormalDistribution(2, 1), 'b')
  const q = new State(null, 'q')
  model.addStates([a, b, q])
  model.addTransition(model.start, a, 1)
  model.addTransition(a, q, 0.5)
  model.addTransition(a, a, 0.5)
  model.addTransition(q, b, 1)
  model.addTransition(b, b, 1)
  model.bake()
  const v = model.viterbi([0, 0.1, 2, 2.1])
  t.equal((model as unknown as { workspace: Workspace }).workspace.viterbi.lanes, undefined)
  const names = v.path.map(s => model.states[s]!.name)
  t.same(names, ['silent-start', 'a', 'a', 'q', 'b', 'b'])
})

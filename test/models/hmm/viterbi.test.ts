/** The flat-array Viterbi: the bits and tie-breaking of the previous implementation, and the brute-force optimum. */
import t from 'tap'
import { Random } from '../../../lib/core/random.js'
import { toSequenceBatch } from '../../../lib/core/sequence.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import { emissionMatrix } from '../../../lib/models/hmm/emissions.js'
import { Workspace } from '../../../lib/models/hmm/statistics.js'
import type { Graph } from '../../../lib/models/hmm/graph.js'
import { State } from '../../../lib/models/state.js'
import { ViterbiScratch, viterbiPath } from './viterbi-reference.js'

const graphOf = (model: HiddenMarkovModel): Graph => (model as unknown as { graph: Graph }).graph

/** A random model: k Normal states (some sharing parameters, for ties), silent states between them, maybe an end. */
function randomModel (random: Random, k: number, silent: number, finite: boolean): HiddenMarkovModel {
  const model = new HiddenMarkovModel('r')
  const emit = Array.from({ length: k }, (_, i) => new State(new NormalDistribution(i % 2 === 0 ? 0 : Math.round(random.uniform() * 4), 1), `e${i}`))
  const quiet = Array.from({ length: silent }, (_, i) => new State(null, `q${i}`))
  model.addStates(emit, quiet)
  // rounded probabilities make equal scores (ties) common
  const p = (): number => Math.round(random.uniform() * 4) / 4
  for (const s of [...emit, ...quiet]) model.addTransition(model.start, s, 0.25 + p() / 2)
  emit.forEach((a, i) => {
    emit.forEach(b => { const x = p(); if (x > 0 || a === b) model.addTransition(a, b, x || 0.5) })
    quiet.forEach(q => { const x = p(); if (x > 0) model.addTransition(a, q, x) })
    if (finite) model.addTransition(a, model.end, 0.1 + (i % 2) * 0.1)
  })
  quiet.forEach((q, j) => {
    emit.forEach(b => { const x = p(); if (x > 0) model.addTransition(q, b, x) })
    model.addTransition(q, emit[j % k]!, 0.5)
    if (j + 1 < silent) model.addTransition(q, quiet[j + 1]!, 0.25)
  })
  return model.bake()
}

t.test('the same log-probabilities and paths as the previous recursion, on random models with silent states and ties', async t => {
  const random = new Random(11)
  const ws = new Workspace()
  let compared = 0
  for (let trial = 0; trial < 60; trial++) {
    const model = randomModel(random, 1 + trial % 4, trial % 3, trial % 2 === 0)
    const g = graphOf(model)
    const seqs = Array.from({ length: 6 }, (_, i) => Array.from({ length: i * 3 }, () => Math.round(random.normal() * 2)))
    const batch = toSequenceBatch(seqs)
    const decoded = model.decodeBatch(batch, 'viterbi')
    seqs.forEach((s, i) => {
      const e = emissionMatrix(g, toSequenceBatch([s]), ws)
      const before = viterbiPath(g, e, 0, s.length, new ViterbiScratch())
      const now = model.viterbi(s)
      t.same(now.path, before.path, `trial ${trial}, sequence ${i}: path`)
      t.ok(Object.is(now.logProbability, before.logProbability), `trial ${trial}, sequence ${i}: log-probability bits`)
      const states = Array.from(decoded.paths.data.subarray(decoded.paths.offsets[i], decoded.paths.offsets[i + 1]))
      t.same(states, before.path.filter(x => x < g.p), 'decodeBatch: the emitting states')
      t.ok(Object.is(decoded.logProbability[i], before.logProbability))
      compared++
    })
  }
  t.equal(compared, 360)
})

t.test('the Viterbi log-probability is the brute-force maximum over all paths (emitting states only)', async t => {
  const random = new Random(5)
  for (let trial = 0; trial < 20; trial++) {
    const k = 2 + trial % 3
    const rows = Array.from({ length: k }, () => Array.from({ length: k }, () => 0.05 + random.uniform()))
    const starts = Array.from({ length: k }, () => 0.05 + random.uniform())
    const symbols = ['a', 'b', 'c']
    const model = HiddenMarkovModel.fromMatrix(rows.map(r => r.map(x => x / r.reduce((a, b) => a + b))), Array.from({ length: k }, () => {
      const w = symbols.map(() => 0.1 + random.uniform())
      const z = w.reduce((a, b) => a + b)
      return new DiscreteDistribution(Object.fromEntries(symbols.map((c, i) => [c, w[i]! / z])))
    }), starts.map(x => x / starts.reduce((a, b) => a + b)))
    const g = graphOf(model)
    const dense = model.denseTransitionMatrix()
    const seq = Array.from({ length: 1 + trial % 5 }, () => symbols[Math.floor(random.uniform() * 3)]!)
    let best = -Infinity
    const states = model.states
    const visit = (path: number[]): void => {
      if (path.length === seq.length) {
        let lp = Math.log(dense[g.start]![path[0]!]!)
        path.forEach((s, i) => {
          if (i > 0) lp += Math.log(dense[path[i - 1]!]![s]!)
          lp += (states[s]!.distribution as DiscreteDistribution).logProbability([seq[i]!])[0]!
        })
        best = Math.max(best, lp)
        return
      }
      for (let s = 0; s < k; s++) visit([...path, s])
    }
    visit([])
    const v = model.viterbi(seq)
    t.ok(Math.abs(v.logProbability - best) <= 1e-12 * Math.abs(best), `trial ${trial}: ${v.logProbability} vs ${best}`)
  }
})

t.test('decoding follows the M-step: new probabilities are read after a fit', async t => {
  const model = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [new NormalDistribution(0, 1), new NormalDistribution(3, 1)], [0.5, 0.5])
  const seqs = [[0, 0.2, 3, 3.1, 0.1], [3, 2.9, 0]]
  const before = model.viterbi(seqs[0]!).logProbability
  model.fit(seqs, { maxIterations: 2 })
  const g = graphOf(model)
  const e = emissionMatrix(g, toSequenceBatch([seqs[0]!]), new Workspace())
  const reference = viterbiPath(g, e, 0, seqs[0]!.length, new ViterbiScratch())
  t.ok(Object.is(model.viterbi(seqs[0]!).logProbability, reference.logProbability))
  t.not(reference.logProbability, before)
})

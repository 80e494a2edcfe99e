/** HiddenMarkovModel against pomegranate 0.14.8 (scripts/fixtures/hmm.py → test/fixtures/hmm.json). */
import t from 'tap'
import '../../../lib/distributions/discrete.js'
import '../../../lib/distributions/normal.js'
import { HiddenMarkovModel, type HmmSummarizeOptions, type HmmUpdateOptions } from '../../../lib/models/hmm/hmm.js'
import { assertClose, fixture } from '../../helpers.js'
import { assertHmmParams } from '../hmm-params.js'

interface Inference {
  logProbability: number; forward: number[][]; backward: number[][]; viterbiLogProbability: number; viterbiPath: number[] | null
  predictProba: number[][]; predictMap: number[]; expectedTransitions: number[][]; emissionWeights: number[][]
}
interface Trained { logProbabilities: number[]; params: { transitions: number[][]; distributions: Array<null | number[] | Record<string, number>> }; json: string }
interface Case { json: string; states: string[]; sequences: Array<string[] | number[]>; weights?: number[]; inference: Inference[]; baumWelch: Trained; [k: string]: unknown }
const cases = fixture<Record<string, Case>>('hmm')

// the issue asks 1e-10 after training and 1e-12 on well-conditioned fixtures; the worst seen is 2.6e-13
const REL = 1e-12
const load = (c: Case): HiddenMarkovModel => HiddenMarkovModel.fromJSON(JSON.parse(c.json))
const flat = (rows: number[][]): number[] => rows.flat()


function train (c: Case, k: number, summarize: HmmSummarizeOptions, update: HmmUpdateOptions, sequences: Array<string[] | number[]> = c.sequences): { model: HiddenMarkovModel; logps: number[] } {
  const model = load(c)
  const logps: number[] = []
  for (let i = 0; i < k; i++) {
    logps.push(model.summarize(sequences, summarize)!)
    model.fromSummaries(update)
  }
  return { model, logps }
}

for (const [name, c] of Object.entries(cases)) {
  t.test(`${name}: states in pomegranate's order, and inference`, async t => {
    const model = load(c)
    t.same(model.states.map(s => s.name), c.states)
    c.inference.forEach((want, i) => {
      const seq = c.sequences[i]!
      assertClose(t, model.logProbability([seq])[0]!, want.logProbability, REL, `logProbability ${i}`)
      assertClose(t, flat(model.forward(seq)), flat(want.forward), REL, `forward ${i}`)
      assertClose(t, flat(model.backward(seq)), flat(want.backward), REL, `backward ${i}`)
      const v = model.viterbi(seq)
      assertClose(t, v.logProbability, want.viterbiLogProbability, REL, `viterbi ${i}`)
      t.same(v.path, want.viterbiPath, `viterbi path ${i}`)
      assertClose(t, flat(model.predictProba(seq)), flat(want.predictProba), REL, `predictProba ${i}`, 1e-300)
      t.same(model.predict(seq), want.predictMap, `predict map ${i}`)
      const fb = model.forwardBackward(seq)!
      assertClose(t, flat(fb.transitions), flat(want.expectedTransitions), REL, `expected transitions ${i}`, 1e-300)
      // log-posteriors near 0: an absolute 1e-12 in log space is a relative 1e-12 in probability
      assertClose(t, flat(fb.emissions), flat(want.emissionWeights), REL, `emission weights ${i}`, 1e-12)
    })
  })

  t.test(`${name}: Baum-Welch, ${c.baumWelch.logProbabilities.length} M-steps`, async t => {
    const { model, logps } = train(c, c.baumWelch.logProbabilities.length, { weights: c.weights }, name === 'profile' ? { transitionPseudocount: 0.1, usePseudocount: true } : {})
    assertClose(t, logps, c.baumWelch.logProbabilities, REL, 'log-probabilities per pass')
    assertHmmParams(t, model, c.baumWelch.params, 'after training')
  })
}

t.test('casino: pseudocounts, inertia, Viterbi and labeled training', async t => {
  const c = cases.casino!
  const pc = c.emissionPseudocount as Trained
  assertHmmParams(t, train(c, 3, {}, { emissionPseudocount: 1, transitionPseudocount: 0.5 }).model, pc.params, 'pseudocounts')
  const inertia = c.inertia as Trained
  assertHmmParams(t, train(c, 3, {}, { edgeInertia: 0.3, distributionInertia: 0.2 }).model, inertia.params, 'inertia')
  const viterbi = c.viterbi as Trained
  assertHmmParams(t, train(c, 3, { algorithm: 'viterbi' }, {}).model, viterbi.params, 'viterbi')
  const labeled = c.labeled as Trained & { sequences: string[][]; labels: string[][] }
  assertHmmParams(t, train(c, 2, { algorithm: 'labeled', labels: labeled.labels }, {}, labeled.sequences).model, labeled.params, 'labeled')
})

t.test("casino: pomegranate's fit(max_iterations=3) is 4 M-steps, aril's fit({ maxIterations: 4 })", async t => {
  const c = cases.casino!
  const model = load(c)
  const history = model.trainBatch(c.sequences, { maxIterations: 4, stopThreshold: -Infinity })
  t.equal(history.iterations, 4)
  assertHmmParams(t, model, (c.fitMaxIterations3 as Trained).params, 'fit')
})

t.test('pomegranate JSON after training loads and gives the trained parameters', async t => {
  for (const c of Object.values(cases)) {
    const trained = HiddenMarkovModel.fromJSON(JSON.parse(c.baumWelch.json))
    assertHmmParams(t, trained, c.baumWelch.params, 'loaded')
  }
})

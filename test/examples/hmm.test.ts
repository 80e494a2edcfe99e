import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'

t.test('the hmm example trains the casino HMM out of core from its NDJSON file', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('hmm.ts', [dir])
  t.match(out, /wrote 1000 sequences \(\d+ rolls\) to .*casino\.ndjson/)
  t.match(out, /stopped: maxIterations after 40 Baum-Welch steps/)
  const model = HiddenMarkovModel.fromJSON(JSON.parse(out.split('\n').find(l => l.startsWith('model: '))!.slice('model: '.length)))

  // Independent check: the file read by hand and fitted in memory from the same start gives the streamed model, bit for bit.
  const sequences = readFileSync(join(dir, 'casino.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l) as number[])
  const faces = [1, 2, 3, 4, 5, 6]
  const start = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [
    new DiscreteDistribution(new Map(faces.map(f => [f, 1 / 6]))),
    new DiscreteDistribution(new Map(faces.map(f => [f, f === 6 ? 0.25 : 0.15])))
  ], [0.5, 0.5], undefined, { stateNames: ['fair', 'loaded'], name: 'casino' })
  start.fit(sequences, { maxIterations: 40, stopThreshold: 1e-3 })
  t.equal(JSON.stringify(model), JSON.stringify(start), 'stream fit == in-memory fit')

  // The generating model: fair → loaded 0.05, loaded → fair 0.1, p(6 | loaded) = 0.5, p(6 | fair) = 1/6, 30% start loaded.
  const [transitions] = model.parameters
  t.ok(Math.abs(transitions[0]![1]! - 0.05) < 0.01, `fair → loaded ${transitions[0]![1]}`)
  t.ok(Math.abs(transitions[1]![0]! - 0.1) < 0.02, `loaded → fair ${transitions[1]![0]}`)
  const six = [0, 1].map(i => (model.states[i]!.distribution as DiscreteDistribution).probability([6])[0]!)
  t.ok(Math.abs(six[0]! - 1 / 6) < 0.02 && Math.abs(six[1]! - 0.5) < 0.03, `p(6): ${six.join(', ')}`)

  const path = model.predict(sequences[0]!.slice(0, 60), { algorithm: 'viterbi' }).map(i => (i === 1 ? 'L' : 'F')).join('')
  t.match(out, new RegExp(`^dice: +${path}$`, 'm'), 'the printed path is the Viterbi path')
})

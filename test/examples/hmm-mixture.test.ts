import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'

t.test('the hmm-mixture example clusters its traces out of core by how they move', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('hmm-mixture.ts', [dir])
  t.match(out, /wrote 2000 traces to .*traces\.ndjson/)
  const model = GeneralMixtureModel.fromJSON(JSON.parse(out.split('\n').find(l => l.startsWith('model: '))!.slice('model: '.length))) as GeneralMixtureModel<HiddenMarkovModel>

  // Independent check: the files read by hand, each trace put with its most probable component, against the devices that wrote them.
  const traces = readFileSync(join(dir, 'traces.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l) as number[])
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as number[]
  const predicted = model.predict(traces)
  const same = truth.filter((y, i) => predicted[i] === y).length
  t.ok(Math.max(same, truth.length - same) / truth.length >= 0.99, `at least 99% of the traces with their device (${same} of ${truth.length} under one labeling)`)
  // The devices: steady stays with probability 0.95, flickering with 0.2; 40% flicker.
  const stays = model.distributions.map(h => h.parameters[0][0]![0]!).sort((a, b) => a - b)
  t.ok(Math.abs(stays[0]! - 0.2) < 0.02 && Math.abs(stays[1]! - 0.95) < 0.01, `self-transitions ${stays.join(', ')}`)
  const flickering = model.parameters[1][model.distributions.findIndex(h => h.parameters[0][0]![0]! < 0.5)]!
  t.ok(Math.abs(flickering - 0.4) < 0.03, `the flickering devices' weight ${flickering}`)

  // The same bits as the in-memory fromSamples on the traces read by hand.
  const inMemory = GeneralMixtureModel.fromSamples(HiddenMarkovModel, 2, traces, {
    hmm: { distribution: NormalDistribution, nComponents: 2, seed: 1, maxIterations: 10 }, seed: 2, initSequences: 500, maxIterations: 20
  })
  t.equal(JSON.stringify(model), JSON.stringify(inMemory), 'fromStream == fromSamples')
  t.match(out, /traces with the device that wrote them: (99\.\d|100\.0)%/)
})

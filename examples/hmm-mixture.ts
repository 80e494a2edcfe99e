/**
 * Clustering sequences with a mixture of hidden Markov models, out of core, without labels.
 *
 * Writes `traces.ndjson`: 2,000 sensor traces, one per line (50 to 150 readings each), from two
 * kinds of device that share their two levels (around 0 and around 4) but not their habits: a
 * steady device stays at a level for about 20 readings, a flickering one switches at 4 readings
 * out of 5. No mean or spread tells them apart; how the readings move does. `truth.json` keeps
 * which device wrote each trace. `GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, ...)` then
 * reads the file in passes: two to sample 500 traces and cluster them by their features (level,
 * spread, step size), one HMM per cluster fitted to its traces, then EM over every trace, each
 * pass re-reading the file, so memory stays flat however many traces it holds. Prints the
 * learned transitions, the cluster sizes, how many traces went with the device that wrote them,
 * and the model's JSON.
 *
 * Run: node --import tsx examples/hmm-mixture.ts [directory]   (default: a new temp dir)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GeneralMixtureModel, HiddenMarkovModel, NormalDistribution, Random, readSequences } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-hmm-mixture-'))
const file = join(dir, 'traces.ndjson')

const random = new Random(21)
const lines: string[] = []
const truth: number[] = []
for (let s = 0; s < 2000; s++) {
  const device = random.uniform() < 0.4 ? 1 : 0 // 0: steady, 1: flickering
  const stay = device === 0 ? 0.95 : 0.2
  const length = 50 + Math.floor(random.uniform() * 101)
  let high = random.uniform() < 0.5
  const trace: number[] = []
  for (let i = 0; i < length; i++) {
    trace.push(Number(((high ? 4 : 0) + random.normal()).toFixed(4)))
    if (random.uniform() > stay) high = !high
  }
  lines.push(JSON.stringify(trace))
  truth.push(device)
}
writeFileSync(file, lines.join('\n') + '\n')
writeFileSync(join(dir, 'truth.json'), JSON.stringify(truth))
console.log(`wrote ${lines.length} traces to ${file}`)

const mixture = await GeneralMixtureModel.fromStream(HiddenMarkovModel, 2, () => readSequences(file), {
  hmm: { distribution: NormalDistribution, nComponents: 2, seed: 1, maxIterations: 10 },
  seed: 2,
  initSequences: 500,
  maxIterations: 20,
  callbacks: [{ onEpochEnd: e => console.log(`epoch ${e.epoch}: log-likelihood ${e.logProbability.toFixed(1)}`) }]
})

for (const [j, hmm] of mixture.distributions.entries()) {
  const [transitions] = hmm.parameters
  console.log(`component ${j} (weight ${mixture.parameters[1][j]!.toFixed(3)}): stay ${transitions[0]![0]!.toFixed(3)} / ${transitions[1]![1]!.toFixed(3)}`)
}

let agree = 0
const sizes = [0, 0]
let s = 0
for await (const batch of readSequences(file)) {
  for (const cluster of mixture.predict(batch)) {
    sizes[cluster]!++
    if (cluster === truth[s++]) agree++
  }
}
console.log(`cluster sizes: ${sizes.join(', ')}`)
console.log(`traces with the device that wrote them: ${(Math.max(agree, s - agree) / s * 100).toFixed(1)}%`)
console.log('model: ' + JSON.stringify(mixture))

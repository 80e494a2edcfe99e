/**
 * Training a hidden Markov model out of core from a file of sequences.
 *
 * Writes `casino.ndjson`: 1,000 sessions of a dishonest casino, one sequence of die rolls per line
 * (200 to 600 rolls each, 400,000 in all), drawn from a known model: a fair die and a loaded
 * die that shows 6 half the time, switching now and then. Then starts from a rough guess and
 * trains with Baum-Welch through `fitStream`: every pass re-reads the file with `readSequences`,
 * so memory stays flat however many sessions the file holds. Prints each epoch, the learned model,
 * the decoded dice of the first rolls of one session, and the model's JSON.
 *
 * Run: node --import tsx examples/hmm.ts [directory]   (default: a new temp dir)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiscreteDistribution, HiddenMarkovModel, Random, readSequences } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-hmm-'))
const file = join(dir, 'casino.ndjson')

// The truth: fair ⇄ loaded with probabilities 0.05 and 0.1 per roll; the loaded die shows 6 half the time.
const random = new Random(11)
const roll = (loaded: boolean): number => {
  if (!loaded) return 1 + Math.floor(random.uniform() * 6)
  return random.uniform() < 0.5 ? 6 : 1 + Math.floor(random.uniform() * 5)
}
const lines: string[] = []
let rolls = 0
for (let s = 0; s < 1000; s++) {
  const length = 200 + Math.floor(random.uniform() * 401)
  let loaded = random.uniform() < 0.3
  const sequence: number[] = []
  for (let i = 0; i < length; i++) {
    sequence.push(roll(loaded))
    if (random.uniform() < (loaded ? 0.1 : 0.05)) loaded = !loaded
  }
  rolls += length
  lines.push(JSON.stringify(sequence))
}
writeFileSync(file, lines.join('\n') + '\n')
console.log(`wrote ${lines.length} sequences (${rolls} rolls) to ${file}`)

// A rough start: two dice, one slightly favouring 6, sticky transitions. The faces are numbers, as
// in the file: a Map keeps them so (an object's keys would be the strings "1" … "6", other symbols).
const faces = [1, 2, 3, 4, 5, 6]
const fair = new DiscreteDistribution(new Map(faces.map(f => [f, 1 / 6])))
const loaded = new DiscreteDistribution(new Map(faces.map(f => [f, f === 6 ? 0.25 : 0.15])))
const hmm = HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.1, 0.9]], [fair, loaded], [0.5, 0.5], undefined, { stateNames: ['fair', 'loaded'], name: 'casino' })

const history = await hmm.trainStream(() => readSequences(file), {
  maxIterations: 40,
  stopThreshold: 1e-3,
  callbacks: [{ onEpochEnd: e => console.log(`epoch ${e.epoch}: log-likelihood ${e.logProbability.toFixed(3)}, improvement ${e.improvement.toExponential(3)}${e.note === undefined ? '' : ` (${e.note})`}`) }]
})
console.log(`stopped: ${history.stopReason} after ${history.iterations} Baum-Welch steps`)

const [transitions] = hmm.parameters
const names = hmm.states.map(s => s.name)
console.log('transitions:')
for (const [i, row] of transitions.entries()) console.log(`  ${names[i]!.padEnd(14)} ${row.map(p => p.toFixed(4)).join(' ')}`)
console.log('p(6 | fair), p(6 | loaded):', [0, 1].map(i => (hmm.states[i]!.distribution as DiscreteDistribution).probability([6])[0]!.toFixed(4)).join(', '))

const first = JSON.parse(lines[0]!) as number[]
const path = hmm.predict(first.slice(0, 60), { algorithm: 'viterbi' })
console.log('rolls:  ' + first.slice(0, 60).join(''))
console.log('dice:   ' + path.map(i => (names[i] === 'loaded' ? 'L' : 'F')).join(''))
console.log('model: ' + JSON.stringify(hmm))

/**
 * A naive Bayes classifier trained out of core, with most labels missing, then used to score a
 * file as a stream.
 *
 * 1. Writes `train.csv` (20 000 rows: four measurements and a `label` column, 3 classes; 70% of
 *    the labels are empty) and `test.npy` (5 000 rows of measurements) into a directory.
 * 2. Fits `NaiveBayes(NormalDistribution, 3)` from the CSV: one supervised pass over the labelled
 *    rows, then semi-supervised EM that re-reads the file on every pass (`fitStream` with a
 *    function that opens it afresh), printing each epoch as it ends.
 * 3. Scores `test.npy` → `predictions.npy` with `readNpy → model.predictStream() → writeNpy`,
 *    whatever the file's size, in flat memory, and prints the accuracy.
 *
 * Run: node --import tsx examples/classifier.ts [directory]   (default: a fresh temporary directory)
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NaiveBayes, NormalDistribution, Random, loadNpy, readCsv, readNpy, writeNpy } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-classifier-'))
mkdirSync(dir, { recursive: true })

// Three classes; measurement j of class c is N(means[c][j], stds[c][j]).
const means = [[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]]
const stds = [[0.35, 0.38, 0.17, 0.1], [0.5, 0.3, 0.47, 0.2], [0.63, 0.32, 0.55, 0.27]]
const random = new Random(42)
function draw (n: number): { rows: number[][]; labels: number[] } {
  const rows: number[][] = []
  const labels: number[] = []
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random.uniform() * 3)
    labels.push(c)
    rows.push(means[c]!.map((m, j) => m + stds[c]![j]! * random.normal()))
  }
  return { rows, labels }
}

const train = draw(20_000)
const trainPath = join(dir, 'train.csv')
const lines = train.rows.map((row, i) => `${row.join(',')},${random.uniform() < 0.7 ? '' : train.labels[i]}`)
writeFileSync(trainPath, `sepal_length,sepal_width,petal_length,petal_width,label\n${lines.join('\n')}\n`)

const test = draw(5_000)
const testPath = join(dir, 'test.npy')
await pipeline(Readable.from([test.rows]), writeNpy(testPath))

const model = new NaiveBayes(NormalDistribution, 3)
await model.fitStream(() => readCsv(trainPath, { columns: true, label: 'label' }), {
  maxIterations: 50,
  stopThreshold: 1e-6,
  callbacks: [{ onEpochEnd: log => { console.log(`epoch ${log.epoch}: log-likelihood of the unlabeled rows ${log.logProbability.toFixed(6)}, improvement ${log.improvement.toExponential(3)}`) } }]
})
console.log(`stopped: ${model.history?.stopReason} after ${model.history?.iterations} EM steps`)
console.log('priors:', model.weights.map(w => w.toFixed(4)).join(' '))
console.log('model:', JSON.stringify(model))

const predictionsPath = join(dir, 'predictions.npy')
await pipeline(readNpy(testPath), model.predictStream({ output: 'class' }), writeNpy(predictionsPath, { dtype: 'i1' }))
const predicted = loadNpy(readFileSync(predictionsPath)).data
const correct = test.labels.filter((y, i) => predicted[i] === y).length
console.log(`accuracy on ${test.labels.length} test rows: ${(correct / test.labels.length).toFixed(4)}`)
console.log(`files in ${dir}`)

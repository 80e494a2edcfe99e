import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { loadNpy } from '../../lib/io/npy.js'
import { fromJSON } from '../../lib/core/serialize.js'

t.test('the classifier example trains out of core and scores its test file', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-classifier-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('classifier.ts', [dir])
  const printed = JSON.parse(/^model: (.*)$/m.exec(out)![1]!)
  const epochs = [...out.matchAll(/^epoch (\d+): /gm)].map(m => Number(m[1]))
  t.same(epochs, epochs.map((_, i) => i + 1), 'epochs printed as they end')
  t.match(out, new RegExp(`stopped: converged after ${epochs.length} EM steps`))

  // Independent check: the CSV read by hand and fitted in memory gives the streamed model, bit for bit.
  const [, ...lines] = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n')
  const cells = lines.map(line => line.split(','))
  const rows = cells.map(c => c.slice(0, 4).map(Number))
  const labels = cells.map(c => (c[4] === '' ? -1 : Number(c[4])))
  t.ok(labels.filter(y => y === -1).length > 0.6 * labels.length, 'most labels are missing')
  const inMemory = new NaiveBayes(NormalDistribution, 3).fit(rows, { labels, maxIterations: 50, stopThreshold: 1e-6 })
  t.same(JSON.parse(JSON.stringify(inMemory)), printed, 'stream fit == in-memory fit')

  const test = loadNpy(readFileSync(join(dir, 'test.npy')))
  const predictions = loadNpy(readFileSync(join(dir, 'predictions.npy')))
  t.same([predictions.rows, predictions.cols], [test.rows, 1])
  t.same(Array.from(predictions.data), Array.from(fromJSON<NaiveBayes>(printed).predict(test)), 'predictions.npy = predict(test.npy)')
  const accuracy = Number(/accuracy on 5000 test rows: ([\d.]+)/.exec(out)![1])
  t.ok(accuracy > 0.95, `accuracy ${accuracy}`)
})

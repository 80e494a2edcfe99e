import { Random } from './lib/core/random.js'
import { NormalDistribution } from './lib/distributions/normal.js'
import { NaiveBayes } from './lib/models/naive-bayes.js'
import { sliceBatch } from './lib/core/batch.js'
import { threadCpu, delta } from './cpu.js'
const ROWS = 1_000_000
const random = new Random(1)
const xb = new Float64Array(ROWS * 10); const lb = new Float64Array(ROWS)
for (let r = 0; r < ROWS; r++) { const c = Math.min(2, Math.floor(random.uniform() * 3)); lb[r] = c; for (let j = 0; j < 10; j++) xb[r * 10 + j] = c + j / 10 + (1 + c / 2) * random.normal() }
const bayes = { data: xb, rows: ROWS, cols: 10, labels: lb }
for (const piece of [ROWS, 65536, 7168, 7168, 65536, ROWS]) {
  const nb = new NaiveBayes([0,1,2].map(() => new (NaiveBayes as any)(NormalDistribution, 2)) as any)
  const m = new NaiveBayes(NormalDistribution, 3)
  m.summarize(sliceBatch(bayes, 0, 1024))
  m.clearSummaries()
  const c0 = threadCpu()
  for (let at = 0; at < ROWS; at += piece) m.summarizeBatch(sliceBatch(bayes, at, Math.min(ROWS, at + piece)))
  const d = delta(c0, threadCpu())
  console.log('piece', piece, d[0]![1].toFixed(1), 'ms CPU')
}

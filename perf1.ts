import { Random } from './lib/core/random.js'
import { NormalDistribution } from './lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from './lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from './lib/models/mixture.js'
import { Kmeans } from './lib/models/kmeans.js'
import { NaiveBayes } from './lib/models/naive-bayes.js'
import { threadExecutor } from './lib/exec/threads.js'
import { inProcessExecutor } from './lib/exec/in-process.js'
const ROWS = 1_000_000
const random = new Random(1)
const x1 = { data: Float64Array.from({ length: ROWS }, () => { const u = random.uniform(); return u < 0.3 ? -4 + random.normal() : u < 0.55 ? 0.7 * random.normal() : 5 + 1.5 * random.normal() }), rows: ROWS, cols: 1 }
const d = 5
const x5d = new Float64Array(ROWS * d)
const centers = [[0, 0, 0, 0, 0], [3, 3, 3, 3, 3], [3, -3, 0, 2, -1]]
for (let i = 0; i < ROWS; i++) { const c = centers[Math.floor(random.uniform() * 3)]!; const z = Array.from({ length: d }, () => random.normal()); for (let j = 0; j < d; j++) x5d[i * d + j] = c[j]! + z[j]! + 0.5 * z[(j + 1) % d]! }
const x5 = { data: x5d, rows: ROWS, cols: d }
const xb = new Float64Array(ROWS * 10); const lb = new Float64Array(ROWS)
for (let r = 0; r < ROWS; r++) { const c = Math.min(2, Math.floor(random.uniform() * 3)); lb[r] = c; for (let j = 0; j < 10; j++) xb[r * 10 + j] = c + j / 10 + (1 + c / 2) * random.normal() }
const bayes = { data: xb, rows: ROWS, cols: 10, labels: lb }
const identity = (s: number) => Array.from({ length: 5 }, (_, j) => Array.from({ length: 5 }, (_, k) => (j === k ? s : 0)))
const cases: Array<[string, () => any, any, number]> = [
  ['1-D mixture', () => new GeneralMixtureModel([new NormalDistribution(-3, 1), new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)], { weights: [0.3, 0.3, 0.4] }), x1, 6],
  ['5-D mixture', () => new GeneralMixtureModel([new MultivariateGaussianDistribution([0.5, 0.5, 0.5, 0.5, 0.5], identity(1)), new MultivariateGaussianDistribution([2.5, 2.5, 2.5, 2.5, 2.5], identity(2)), new MultivariateGaussianDistribution([2, -2, 0.5, 1.5, -0.5], identity(1.5))], { weights: [0.4, 0.3, 0.3] }), x5, 3],
  ['Kmeans k=8', () => new Kmeans(8).setCentroids(Array.from({ length: 8 }, (_, j) => Array.from(x5d.subarray(j * 5, j * 5 + 5)))), x5, 6]
]
import { threadCpu, delta } from './cpu.js'
const ex = threadExecutor({ threads: 2 })
await ex.ready()
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)]!
for (const [name, make, batch, iters] of cases) {
  for (const [label, executor] of [['1 thread', inProcessExecutor()], ['workers 2', ex]] as const) {
    let best = Infinity
    await make().trainStream([batch], { maxIterations: 1, stopThreshold: -Infinity, executor })
    const c0 = threadCpu()
    const h = await make().trainStream([batch], { maxIterations: iters, stopThreshold: -Infinity, executor })
    const c1 = threadCpu()
    best = Math.min(best, median(h.epochs.map((e: any) => e.duration)))
    const passes = iters + 1
    console.log(name, label, best.toFixed(1), 'ms per epoch (wall, loaded);', 'CPU ms per pass by thread:', delta(c0, c1).slice(0, 4).map(([k, v]) => `${k.split(':')[1]} ${(v / passes).toFixed(1)}`).join(', '))
  }
}
for (const [label, executor] of [['1 thread', inProcessExecutor()], ['workers 2', ex]] as const) {
  let best = Infinity
  for (let rep = 0; rep < 5; rep++) {
    const nb = new NaiveBayes(NormalDistribution, 3)
    const c0 = threadCpu()
    const t0 = performance.now()
    await nb.fitStream([bayes], { executor })
    best = Math.min(best, performance.now() - t0)
    if (rep === 4) console.log('NaiveBayes CPU', delta(c0, threadCpu()).slice(0, 4).map(([k, v]) => `${k.split(':')[1]} ${v.toFixed(1)}`).join(', '))
  }
  console.log('NaiveBayes', label, best.toFixed(1), 'ms per fit')
}
await ex.close()

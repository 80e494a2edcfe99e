import t from 'tap'
import { ArilError } from '../../lib/core/errors.js'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Random } from '../../lib/core/random.js'
import { sliceBatch, type Batch } from '../../lib/core/batch.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { MAX_COMPONENTS } from '../../lib/models/mixture-wasm.js'
import { MAX_DIMENSION } from '../../lib/models/gaussian-mixture-wasm.js'
import { assertSameBitsWithoutWasm } from '../helpers.js'

type Test = import('tap').Test

/** Everything an E-step leaves behind: the summary, what summarize returned, a few EM steps and their log-likelihoods. */
async function emTrace (make: () => GeneralMixtureModel, batch: Batch): Promise<unknown> {
  try {
    return await trace(make, batch)
  } catch (err) {
    if (!(err instanceof ArilError)) throw err
    return { error: err.code, row: err.row, column: err.column, message: err.message }
  }
}

async function trace (make: () => GeneralMixtureModel, batch: Batch): Promise<unknown> {
  const summarized = make()
  const totals: number[] = []
  for (let start = 0; start < batch.rows; start += 1500) totals.push(summarized.summarize(sliceBatch(batch, start, Math.min(batch.rows, start + 1500)))!)
  const fitted = make()
  const history = fitted.trainBatch(batch, { maxIterations: 3, stopThreshold: -Infinity })
  const streamed = make()
  await pipeline(Readable.from([sliceBatch(batch, 0, 1001), sliceBatch(batch, 1001, batch.rows)]), streamed.sink())
  return { summary: summarized.summary(), totals, parameters: fitted.parameters, epochs: history.epochs.map(e => e.logProbability), streamed: streamed.parameters }
}

async function sameBits (t: Test, make: () => GeneralMixtureModel, batch: Batch, message: string): Promise<void> {
  const withWasm = await emTrace(make, batch)
  const { setWasmEnabled } = await import('../../lib/core/wasm-runtime.js')
  setWasmEnabled(false)
  try {
    t.same(JSON.stringify(await emTrace(make, batch), bits), JSON.stringify(withWasm, bits), message)
  } finally {
    setWasmEnabled(true)
  }
}
const bits = (_key: string, v: unknown): unknown => typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v

function oneColumn (rows: number, seed: number, tweak: (x: number, i: number) => number = x => x): Batch {
  const random = new Random(seed)
  const data = Float64Array.from({ length: rows }, (_, i) => tweak([-4, 0, 5][i % 3]! + (i % 3 === 1 ? 0.7 : 1.3) * random.normal(), i))
  return { data, rows, cols: 1 }
}

const normals = (k: number, spread = 3): (() => GeneralMixtureModel) => () =>
  new GeneralMixtureModel(Array.from({ length: k }, (_, j) => new NormalDistribution((j - k / 2) * spread, 1 + j / 4)))

t.test('mixtures of Normals: the fused kernel has the bits of the general path', async t => {
  const batch = oneColumn(5003, 1)
  for (const k of [1, 2, 3, 5, MAX_COMPONENTS, MAX_COMPONENTS + 1]) await sameBits(t, normals(k), batch, `${k} components`)
  const weights = Float64Array.from({ length: batch.rows }, (_, i) => (i % 11 === 0 ? 0 : 0.25 + (i % 3)))
  await sameBits(t, normals(3), { ...batch, weights }, 'with weights (some 0)')
  await sameBits(t, normals(3), oneColumn(4000, 2, (x, i) => (i % 701 === 5 ? NaN : x)), 'missing values (those tiles take the general path)')
  await sameBits(t, normals(3), oneColumn(4000, 3, (x, i) => (i === 2500 ? Infinity : x)), 'an infinite value (both paths refuse it at its row)')
  await sameBits(t, normals(3, 0.01), oneColumn(4000, 4, (x, i) => x * (i % 5 === 0 ? 50 : 1)), 'far outliers: exponentials below −708 through Math.exp')
  await sameBits(t, () => new GeneralMixtureModel([new NormalDistribution(0, 1e-200), new NormalDistribution(1, 1)]), oneColumn(3000, 5), 'σ so small that 1/(2σ²) overflows')
  await sameBits(t, () => new GeneralMixtureModel([new NormalDistribution(0, 1).freeze(), new NormalDistribution(3, 2)]), oneColumn(3000, 6), 'a frozen component')
  await sameBits(t, () => new GeneralMixtureModel([new NormalDistribution(1e20, 1), new NormalDistribution(-1e20, 1)]), oneColumn(3000, 7, x => x * 1e17), 'log-densities beyond 2^51')
})

t.test('mixtures of full-covariance Gaussians: the kernel has the bits of the general path', async t => {
  for (const d of [1, 2, 5, MAX_DIMENSION, MAX_DIMENSION + 1]) {
    const random = new Random(d)
    const rows = 3001
    const data = Float64Array.from({ length: rows * d }, (_, i) => (Math.floor(i / d) % 3) * 2 + random.normal() + 0.3 * Math.sin(i))
    const make = (): GeneralMixtureModel => new GeneralMixtureModel(Array.from({ length: 3 }, (_, j) => new MultivariateGaussianDistribution(
      Array.from({ length: d }, (_, q) => j * 2 + q * 0.01),
      Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => (a === b ? 1 + j / 2 : 0.1 / (1 + Math.abs(a - b))))))))
    await sameBits(t, make, { data, rows, cols: d }, `d = ${d}`)
    if (d === 5) {
      const weights = Float64Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? 0 : 1 + (i % 2)))
      await sameBits(t, make, { data, rows, cols: d, weights }, 'd = 5, weighted')
      await sameBits(t, make, { data: data.map((v, i) => (i % 509 === 3 ? NaN : v)), rows, cols: d }, 'd = 5, missing values')
    }
  }
})

t.test('predictions and log-probabilities do not depend on the kernels', async t => {
  const model = normals(3)().fit(oneColumn(3000, 8), { maxIterations: 2, stopThreshold: -Infinity })
  assertSameBitsWithoutWasm(t, () => [model.logProbability([0.5, -3, 8]), model.predictProba([0.5, -3, 8])])
})

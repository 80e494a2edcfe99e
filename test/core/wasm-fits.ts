/**
 * Fits of every model that has a WebAssembly kernel, on small data, as text that tells every
 * double apart: run by test/core/wasm-runtime.test.ts in the test process and in children without
 * WebAssembly, which must print the same text.
 */
import { CrossProductSums } from '../../lib/core/accumulate.js'
import { Random } from '../../lib/core/random.js'
import { wasmEnabled } from '../../lib/core/wasm-runtime.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { bitsOf } from '../helpers.js'

export function kernelFits (): string {
  const random = new Random(5)
  const rows = 2500
  const x3 = Float64Array.from({ length: rows * 3 }, (_, i) => (i % 3) * 2 + random.normal() + (i % 101 === 7 ? NaN : 0))
  const x1 = Float64Array.from({ length: rows }, (_, i) => (i % 2) * 4 + random.normal())
  const labels = Float64Array.from({ length: rows }, (_, i) => i % 3)
  const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
  const acc = new CrossProductSums(3)
  acc.add(x3, undefined, rows)
  return bitsOf({
    wasm: wasmEnabled(),
    kmeans: new Kmeans(4).setCentroids([[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]).fit({ data: x3, rows, cols: 3 }, { maxIterations: 3, stopThreshold: -Infinity }).parameters,
    normals: new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(3, 1)]).fit(x1, { maxIterations: 3, stopThreshold: -Infinity }).parameters,
    gaussians: new GeneralMixtureModel([new MultivariateGaussianDistribution([0, 1, 2], eye), new MultivariateGaussianDistribution([1, 2, 3], eye)])
      .fit({ data: x3.map(v => v === v ? v : 0), rows, cols: 3 }, { maxIterations: 2, stopThreshold: -Infinity }).parameters,
    bayes: new NaiveBayes(NormalDistribution, 3).fit({ data: x3, shape: [rows, 3] }, { labels }).toJSON(),
    crossProducts: acc.summary()
  })
}

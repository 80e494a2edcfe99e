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
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
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
    crossProducts: acc.summary(),
    viterbi: viterbiPaths(x1),
    baumWelch: baumWelchFits(x1)
  })
}

/** Viterbi decodings through both kernel modes: 3 Normal states (back-pointers, emissions in the kernel) and 8 Discrete ones (traceback from scores). */
function viterbiPaths (x: Float64Array): unknown {
  const sticky = (k: number): number[][] => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 0.7 : 0.3 / (k - 1))))
  const normal = HiddenMarkovModel.fromMatrix(sticky(3), [new NormalDistribution(0, 1), new NormalDistribution(2, 1.5), new NormalDistribution(4, 1)], [0.5, 0.25, 0.25])
  const symbols = ['a', 'b', 'c']
  const discrete = HiddenMarkovModel.fromMatrix(sticky(8), Array.from({ length: 8 }, (_, s) => new DiscreteDistribution(Object.fromEntries(symbols.map((c, i) => [c, (1 + ((s + i) % 3)) / 6])))), new Array<number>(8).fill(1 / 8))
  const sequence = Array.from(x.subarray(0, 3000))
  sequence[5] = NaN
  return {
    normal: normal.viterbi(sequence),
    discrete: discrete.viterbi(sequence.map(v => symbols[Math.abs(Math.round(v)) % 3]!)),
    predicted: normal.predict(sequence.slice(700), { algorithm: 'viterbi' })
  }
}

/** Baum-Welch fits through the E-step kernel: Normal emissions computed in it, and coded Discrete ones. */
function baumWelchFits (x: Float64Array): unknown {
  const sticky = (k: number): number[][] => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 0.7 : 0.3 / (k - 1))))
  const normal = HiddenMarkovModel.fromMatrix(sticky(3), [new NormalDistribution(0, 1), new NormalDistribution(2, 1.5), new NormalDistribution(4, 1)], [0.5, 0.25, 0.25])
  const symbols = ['a', 'b', 'c']
  const discrete = HiddenMarkovModel.fromMatrix(sticky(4), Array.from({ length: 4 }, (_, s) => new DiscreteDistribution(Object.fromEntries(symbols.map((c, i) => [c, (1 + ((s + i) % 3)) / 6])))), new Array<number>(4).fill(1 / 4))
  const sequences = Array.from({ length: 10 }, (_, i) => Array.from(x.subarray(i * 200, i * 200 + 150 + i)))
  sequences[3]![5] = NaN
  const options = { maxIterations: 2, stopThreshold: -Infinity }
  return {
    normal: normal.fit(sequences, options).toJSON(),
    discrete: discrete.fit(sequences.map(s => s.map(v => symbols[Math.abs(Math.round(v)) % 3]!)), options).toJSON()
  }
}

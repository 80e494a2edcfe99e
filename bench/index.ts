/**
 * `npm run bench`: every benchmark, one after the other, each printing its figures as ratios
 * against a baseline measured in the same run (a raw stream read, a bare parser, a plain loop),
 * and against the peers at their best configuration when Debian's /usr/bin/python3 can import
 * them: pomegranate 0.14.8 at its fastest batch_size, scikit-learn 1.2.1 where it has the model
 * (bench/pomegranate.ts runs them, without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE).
 *
 *   bench/npy.ts                   readNpy → NormalDistribution sink vs a raw createReadStream loop; peak RSS; pomegranate
 *   bench/text.ts                  parseCsv / parseNdjson / parseJson vs csv-parse, JSON.parse, stream-json alone
 *   bench/multivariate-gaussian.ts summarize throughput for d = 5, 20, 100 vs pomegranate and numpy
 *   bench/mixture.ts               ms per EM iteration: 1-D and 5-D mixtures, Kmeans, vs pomegranate and scikit-learn
 *   bench/bayes.ts                 NaiveBayes fit on 10^6 × 10, 3 classes, vs pomegranate and GaussianNB; input forms vs a Batch
 *   bench/init.ts                  whole-stream initialization sample and 'kmeans||' vs an E-step pass; binned KDE vs Normal summarize
 *   bench/networks.ts              BayesianNetwork structure learning, fixed-structure fit, predictProba, vs pomegranate
 *   bench/columnar.ts              readParquet / readArrow vs hyparquet's and apache-arrow's own reader loops
 *   bench/keys.ts                  Discrete and JointProbabilityTable fits with many keys vs a plain Map counting loop
 *   bench/hmm.ts                   HMM Baum-Welch ms per iteration (Normal, Discrete, 5-D MVG) and Viterbi decoding vs pomegranate
 *   bench/hmm-semi.ts              semi-supervised BayesClassifier of two HMMs, ms per EM step vs pomegranate
 *   bench/hmm-memory.ts            an HMM's peak RSS training on 10^4, 10^5, 10^6 sequences from .npy (flat memory)
 *   bench/executors.ts             workers: 2 vs one thread; readNpy on 2 threads; BullMQ workers vs threads, per-epoch cost
 *
 * Run: npm run bench [-- --large]   (data files go to data/bench/, made on first use; a few minutes on 2 cores)
 * One benchmark alone: node --import tsx bench/<name>.ts
 */
import { run as npy } from './npy.js'
import { run as text } from './text.js'
import { run as multivariateGaussian } from './multivariate-gaussian.js'
import { run as mixture } from './mixture.js'
import { run as bayes } from './bayes.js'
import { run as init } from './init.js'
import { run as networks } from './networks.js'
import { run as columnar } from './columnar.js'
import { run as keys } from './keys.js'
import { run as executors } from './executors.js'
import { run as hmm } from './hmm.js'
import { run as hmmSemi } from './hmm-semi.js'
import { run as hmmMemory } from './hmm-memory.js'

const benches: Array<[string, () => Promise<unknown>]> = [
  ['.npy source', () => npy({ large: process.argv.includes('--large') })],
  ['text sources', text],
  ['MultivariateGaussian summarize', multivariateGaussian],
  ['mixtures and Kmeans (EM)', mixture],
  ['NaiveBayes', bayes],
  ['initialization and kernel densities', init],
  ['Bayesian networks', networks],
  ['Parquet and Arrow sources', columnar],
  ['categorical keys', keys],
  ['hidden Markov models', hmm],
  ['semi-supervised classifiers of HMMs', hmmSemi],
  ['HMM peak memory', hmmMemory],
  ['executors (threads, BullMQ)', executors]
]
for (const [name, run] of benches) {
  console.log(`\n=== ${name} ===`)
  await run()
}

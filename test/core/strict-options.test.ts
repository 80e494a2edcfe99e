/**
 * Every public options object is checked once, at its entry point (issue 15): a table of entry
 * points, each with the key list it documents (the exported const arrays), walked as a property.
 * For every entry point: `{ no_such_option: 1 }` is ERR_INVALID_OPTION naming the entry point and
 * its valid keys; the snake_case form of each of its camelCase keys names the key meant; and none
 * of its documented keys is refused as unknown (each is given a value no option takes, so the
 * call fails on the value, or succeeds, but never calls the key unknown: the lists of the parts an
 * options object is spread into add up).
 */
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable, Writable } from 'node:stream'
import {
  ArilError, BayesClassifier, BayesianNetwork, BernoulliDistribution, BetaDistribution, CategoryCounts, ConditionalProbabilityTable,
  csvLogger, densitySpec, DirichletDistribution, DiscreteDistribution, ExponentialDistribution, FactorGraph, fileCheckpoint, formatCsv,
  formatNdjson, fromJSON, GammaDistribution, GaussianKernelDensity, GeneralMixtureModel, historySpec, IndependentComponentsDistribution,
  JointProbabilityTable, Kmeans, loadNpy, LogNormalDistribution, MarkovNetwork, MultivariateGaussianDistribution, NaiveBayes,
  NormalDistribution, npyShards, parseCsv, parseJSON, parseJson, parseNdjson, parseNpy, plotDensity, plotHistory, plotScatter,
  PoissonDistribution, predictStream, progress, readArrow, readCsv, readJson, readNdjson, readNpy, readParquet, renderPng, RowSample,
  scatterSpec, startWorker, StreamingHistogram, threadExecutor, bullmqExecutor, toBatch, toBatches, trainBatch, trainStream,
  TriangleKernelDensity, UniformDistribution, UniformKernelDensity, writeCsv, writeNdjson, writeNpy
} from '../../lib/index.js'
import { FIT_OPTION_KEYS, FIT_STREAM_OPTION_KEYS, SAMPLE_OPTION_KEYS, SUMMARIZE_OPTION_KEYS } from '../../lib/core/model.js'
import { optionKeys, UPDATE_OPTION_KEYS } from '../../lib/core/options.js'
import { SINK_OPTION_KEYS } from '../../lib/core/sink.js'
import { TO_BATCH_OPTION_KEYS } from '../../lib/core/batch.js'
import { toSequenceBatch } from '../../lib/core/sequence.js'
import { MarkovChain } from '../../lib/models/markov-chain.js'
import { PREDICT_STREAM_OPTION_KEYS } from '../../lib/core/predict-stream.js'
import { JSON_LIMIT_KEYS, PARSE_JSON_OPTION_KEYS } from '../../lib/core/serialize.js'
import { NORMAL_OPTION_KEYS } from '../../lib/distributions/normal.js'
import { LOG_NORMAL_OPTION_KEYS } from '../../lib/distributions/log-normal.js'
import { BERNOULLI_OPTION_KEYS } from '../../lib/distributions/bernoulli.js'
import { BETA_OPTION_KEYS } from '../../lib/distributions/beta.js'
import { EXPONENTIAL_OPTION_KEYS } from '../../lib/distributions/exponential.js'
import { GAMMA_OPTION_KEYS } from '../../lib/distributions/gamma.js'
import { POISSON_OPTION_KEYS } from '../../lib/distributions/poisson.js'
import { UNIFORM_OPTION_KEYS } from '../../lib/distributions/uniform.js'
import { DISCRETE_OPTION_KEYS } from '../../lib/distributions/discrete.js'
import { DIRICHLET_OPTION_KEYS } from '../../lib/distributions/dirichlet.js'
import { MULTIVARIATE_GAUSSIAN_OPTION_KEYS, MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS } from '../../lib/distributions/multivariate-gaussian.js'
import { INDEPENDENT_COMPONENTS_OPTION_KEYS } from '../../lib/distributions/independent-components.js'
import { KERNEL_DENSITY_OPTION_KEYS } from '../../lib/distributions/kernel-density.js'
import { TABLE_OPTION_KEYS } from '../../lib/distributions/probability-table.js'
import { CONDITIONAL_SAMPLE_OPTION_KEYS } from '../../lib/distributions/conditional-probability-table.js'
import { MIXTURE_OPTION_KEYS } from '../../lib/models/mixture.js'
import { INIT_KEYS } from '../../lib/models/mixture-init.js'
import { INIT_OPTION_KEYS } from '../../lib/models/init.js'
import { BAYES_OPTION_KEYS } from '../../lib/models/bayes.js'
import { BELIEF_OPTION_KEYS } from '../../lib/models/belief-propagation.js'
import { BAYESIAN_NETWORK_OPTION_KEYS, NETWORK_FIT_OPTION_KEYS, NETWORK_FROM_SAMPLES_OPTION_KEYS, NETWORK_SAMPLE_OPTION_KEYS } from '../../lib/models/bayesian-network/network.js'
import { MARKOV_FROM_SAMPLES_OPTION_KEYS, MARKOV_NETWORK_OPTION_KEYS } from '../../lib/models/markov-network.js'
import { COUNTS_OPTION_KEYS } from '../../lib/counts/counts.js'
import { TRAIN_OPTION_KEYS } from '../../lib/train/em.js'
import { CHECKPOINT_OPTION_KEYS } from '../../lib/train/checkpoint.js'
import { CSV_LOGGER_OPTION_KEYS, PROGRESS_OPTION_KEYS } from '../../lib/train/callbacks.js'
import { COLUMN_OPTION_KEYS } from '../../lib/io/columns.js'
import { COLUMNAR_OPTION_KEYS } from '../../lib/io/columnar.js'
import { STREAM_OPTION_KEYS } from '../../lib/io/batches.js'
import { CSV_OPTION_KEYS } from '../../lib/io/csv.js'
import { JSON_OPTION_KEYS } from '../../lib/io/json.js'
import { NDJSON_OPTION_KEYS } from '../../lib/io/ndjson.js'
import { NPY_READ_OPTION_KEYS } from '../../lib/io/npy-decoder.js'
import { READ_NPY_OPTION_KEYS, WRITE_NPY_OPTION_KEYS } from '../../lib/io/npy.js'
import { WRITE_CSV_OPTION_KEYS, WRITE_NDJSON_OPTION_KEYS } from '../../lib/io/write-text.js'
import { THREAD_EXECUTOR_OPTION_KEYS } from '../../lib/exec/threads.js'
import { BULLMQ_EXECUTOR_OPTION_KEYS } from '../../lib/exec/bullmq.js'
import { WORKER_OPTION_KEYS } from '../../lib/exec/bullmq-worker.js'
import { NPY_SHARDS_OPTION_KEYS } from '../../lib/exec/shards.js'
import { PLOT_OPTION_KEYS } from '../../lib/plot/specs.js'
import { DENSITY_PLOT_OPTION_KEYS, SCATTER_PLOT_OPTION_KEYS } from '../../lib/plot/plots.js'

type Options = Record<string, unknown>

/** An entry point: where its errors say they come from, the keys it documents, and a call. */
interface Entry {
  where: string
  keys: readonly string[]
  call: (options: Options) => unknown
  /** Documented keys whose sentinel value would start real work (a Redis connection): not tried. */
  skipSentinel?: boolean
}

const dir = await mkdtemp(join(tmpdir(), 'aril-strict-'))
t.teardown(async () => await rm(dir, { recursive: true, force: true }))
const csvPath = join(dir, 'x.csv')
await writeFile(csvPath, '1,2\n2,1\n3,3\n0,1\n')
const npyPath = join(dir, 'x.npy')
await pipeline(Readable.from([toBatch([[1, 2], [2, 1], [3, 3], [0, 1]])]), writeNpy(npyPath))
const missing = join(dir, 'missing')

const X1 = [1, 2, 3, 4, 2.5, 0.5]
const X2 = [[1, 2], [2, 1], [3, 3], [0, 1], [4, 3], [1, 1]]
const labels = [0, 1, 0, 1, 0, 1]
const rows = [['a', 'x'], ['b', 'y'], ['a', 'y'], ['b', 'x'], ['a', 'x']]
const twoNormals = (): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(3, 1)])
const mvgMixture = (): GeneralMixtureModel => new GeneralMixtureModel([
  new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]), new MultivariateGaussianDistribution([3, 3], [[1, 0], [0, 1]])
])
const network = (): BayesianNetwork => BayesianNetwork.fromSamples(rows)
const markov = (): MarkovNetwork => MarkovNetwork.fromSamples(rows)
const cpt = (): ConditionalProbabilityTable => ConditionalProbabilityTable.fromSamples(rows)
const npyBytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0, ...new TextEncoder().encode("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }".padEnd(117, ' ') + '\n')])
const fitKeys = (keys: readonly string[]): readonly string[] => optionKeys(keys, FIT_OPTION_KEYS)
const streamKeys = (update: readonly string[]): readonly string[] => optionKeys(update, FIT_STREAM_OPTION_KEYS)
const emKeys = (update: readonly string[]): readonly string[] => optionKeys(TRAIN_OPTION_KEYS, update)

const distributions: Array<[string, readonly string[], (o: Options) => unknown, (o: Options) => unknown]> = [
  ['NormalDistribution', NORMAL_OPTION_KEYS, o => new NormalDistribution(0, 1, o), o => NormalDistribution.fromSamples(X1, o)],
  ['LogNormalDistribution', LOG_NORMAL_OPTION_KEYS, o => new LogNormalDistribution(0, 1, o), o => LogNormalDistribution.fromSamples(X1, o)],
  ['ExponentialDistribution', EXPONENTIAL_OPTION_KEYS, o => new ExponentialDistribution(1, o), o => ExponentialDistribution.fromSamples(X1, o)],
  ['GammaDistribution', GAMMA_OPTION_KEYS, o => new GammaDistribution(1, 1, o), o => GammaDistribution.fromSamples(X1, o)],
  ['PoissonDistribution', POISSON_OPTION_KEYS, o => new PoissonDistribution(1, o), o => PoissonDistribution.fromSamples([1, 2, 0], o)],
  ['BernoulliDistribution', BERNOULLI_OPTION_KEYS, o => new BernoulliDistribution(0.5, o), o => BernoulliDistribution.fromSamples([0, 1, 1], o)],
  ['BetaDistribution', BETA_OPTION_KEYS, o => new BetaDistribution(1, 1, o), o => BetaDistribution.fromSamples([0.2, 0.5, 0.7], o)],
  ['UniformDistribution', UNIFORM_OPTION_KEYS, o => new UniformDistribution(0, 1, o), o => UniformDistribution.fromSamples(X1, o)],
  ['DiscreteDistribution', DISCRETE_OPTION_KEYS, o => new DiscreteDistribution({ a: 1 }, o), o => DiscreteDistribution.fromSamples(['a', 'b'], o)],
  ['DirichletDistribution', DIRICHLET_OPTION_KEYS, o => new DirichletDistribution([1, 1], o), o => DirichletDistribution.fromSamples([[0.2, 0.8], [0.5, 0.5]], o)],
  ['MultivariateGaussianDistribution', MULTIVARIATE_GAUSSIAN_OPTION_KEYS, o => new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]], o), o => MultivariateGaussianDistribution.fromSamples(X2, o)],
  ['GaussianKernelDensity', KERNEL_DENSITY_OPTION_KEYS, o => new GaussianKernelDensity([1, 2], 1, null, o), o => GaussianKernelDensity.fromSamples(X1, o)],
  ['UniformKernelDensity', KERNEL_DENSITY_OPTION_KEYS, o => new UniformKernelDensity([1, 2], 1, null, o), o => UniformKernelDensity.fromSamples(X1, o)],
  ['TriangleKernelDensity', KERNEL_DENSITY_OPTION_KEYS, o => new TriangleKernelDensity([1, 2], 1, null, o), o => TriangleKernelDensity.fromSamples(X1, o)]
]
const fromSamplesExtra: Record<string, readonly string[]> = {
  DiscreteDistribution: ['keys'],
  GaussianKernelDensity: ['bandwidth'],
  UniformKernelDensity: ['bandwidth'],
  TriangleKernelDensity: ['bandwidth'],
  MultivariateGaussianDistribution: MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS
}

const entries: Entry[] = [
  ...distributions.flatMap(([name, keys, construct, fromSamples]): Entry[] => [
    { where: name, keys, call: construct },
    { where: `${name}.fromSamples`, keys: fitKeys(optionKeys(keys, fromSamplesExtra[name] ?? [])), call: fromSamples }
  ]),
  { where: 'IndependentComponentsDistribution', keys: INDEPENDENT_COMPONENTS_OPTION_KEYS, call: o => new IndependentComponentsDistribution([new NormalDistribution()], undefined, o) },
  { where: 'IndependentComponentsDistribution.fromSamples', keys: optionKeys(['distributions', 'distributionWeights'], fitKeys(INDEPENDENT_COMPONENTS_OPTION_KEYS)), call: o => IndependentComponentsDistribution.fromSamples(X2, { distributions: NormalDistribution, ...o }) },
  { where: 'JointProbabilityTable', keys: TABLE_OPTION_KEYS, call: o => new JointProbabilityTable([['a', 'x', 1]], [0, 1], o) },
  { where: 'JointProbabilityTable.fromSamples', keys: FIT_OPTION_KEYS, call: o => JointProbabilityTable.fromSamples(rows, o) },
  { where: 'ConditionalProbabilityTable', keys: TABLE_OPTION_KEYS, call: o => new ConditionalProbabilityTable([['a', 'x', 1]], undefined, o) },
  { where: 'ConditionalProbabilityTable.fromSamples', keys: optionKeys(['parents'], FIT_OPTION_KEYS), call: o => ConditionalProbabilityTable.fromSamples(rows, o) },
  { where: 'ConditionalProbabilityTable.sample', keys: CONDITIONAL_SAMPLE_OPTION_KEYS, call: o => cpt().sample(2, o) },
  // the Model methods every model has
  { where: 'NormalDistribution.fit', keys: FIT_OPTION_KEYS, call: o => new NormalDistribution().fit(X1, o) },
  { where: 'NormalDistribution.summarize', keys: SUMMARIZE_OPTION_KEYS, call: o => new NormalDistribution().summarize(X1, o) },
  { where: 'NormalDistribution.fromSummaries', keys: UPDATE_OPTION_KEYS, call: o => new NormalDistribution().fromSummaries(o) },
  { where: 'NormalDistribution.sink', keys: optionKeys(UPDATE_OPTION_KEYS, SINK_OPTION_KEYS), call: o => new NormalDistribution().sink(o) },
  { where: 'NormalDistribution.fitStream', keys: streamKeys(UPDATE_OPTION_KEYS), call: async o => await new NormalDistribution().fitStream([toBatch(X1)], o) },
  { where: 'NormalDistribution.sample', keys: SAMPLE_OPTION_KEYS, call: o => new NormalDistribution().sample(2, o) },
  { where: 'GaussianKernelDensity.fit', keys: FIT_OPTION_KEYS, call: o => new GaussianKernelDensity([], 1, null, { binned: true }).fit(X1, o) },
  { where: 'GaussianKernelDensity.fitStream', keys: streamKeys(UPDATE_OPTION_KEYS), call: async o => await new GaussianKernelDensity([], 1, null, { binned: true }).fitStream([toBatch(X1)], o) },
  { where: 'MultivariateGaussianDistribution.fit', keys: fitKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS), call: o => new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fit(X2, o) },
  { where: 'MultivariateGaussianDistribution.fromSummaries', keys: MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, call: o => new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fromSummaries(o) },
  // EM models: the trainer's keys and the update keys of the model and its parts
  { where: 'GeneralMixtureModel', keys: MIXTURE_OPTION_KEYS, call: o => new GeneralMixtureModel([new NormalDistribution()], o) },
  { where: 'GeneralMixtureModel.fit', keys: emKeys(UPDATE_OPTION_KEYS), call: o => twoNormals().fit(X1, o) },
  { where: 'GeneralMixtureModel.fit', keys: emKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS), call: o => mvgMixture().fit(X2, { maxIterations: 2, ...o }) },
  { where: 'GeneralMixtureModel.fitStream', keys: emKeys(UPDATE_OPTION_KEYS), call: async o => await twoNormals().fitStream([toBatch(X1)], o) },
  { where: 'GeneralMixtureModel.sink', keys: optionKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, SINK_OPTION_KEYS), call: o => mvgMixture().sink(o) },
  { where: 'GeneralMixtureModel.fromSummaries', keys: MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS, call: o => mvgMixture().fromSummaries(o) },
  // before the components exist the widest built-in update keys pass; the fit then checks the components'
  { where: 'GeneralMixtureModel.fromSamples', keys: optionKeys(INIT_KEYS, emKeys(UPDATE_OPTION_KEYS)), call: o => GeneralMixtureModel.fromSamples(NormalDistribution, 2, X1, { seed: 1, ...o }) },
  { where: 'GeneralMixtureModel.fromSamples', keys: optionKeys(INIT_KEYS, emKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS)), call: o => GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 2, X2, { seed: 1, maxIterations: 2, ...o }) },
  { where: 'GeneralMixtureModel.fromStream', keys: optionKeys(INIT_KEYS, emKeys(UPDATE_OPTION_KEYS)), call: async o => await GeneralMixtureModel.fromStream(NormalDistribution, 2, [toBatch(X1)], { seed: 1, ...o }) },
  { where: 'predictStream', keys: PREDICT_STREAM_OPTION_KEYS, call: o => twoNormals().predictStream(o) },
  { where: 'predictStream', keys: PREDICT_STREAM_OPTION_KEYS, call: o => predictStream(twoNormals(), o) },
  { where: 'Kmeans constructor', keys: INIT_OPTION_KEYS, call: o => new Kmeans(2, o) },
  { where: 'Kmeans.fit', keys: emKeys(UPDATE_OPTION_KEYS), call: o => new Kmeans(2, { seed: 1 }).fit(X2, o) },
  { where: 'Kmeans.fitStream', keys: emKeys(UPDATE_OPTION_KEYS), call: async o => await new Kmeans(2, { seed: 1 }).fitStream([toBatch(X2)], o) },
  { where: 'Kmeans.fromSamples', keys: optionKeys(INIT_OPTION_KEYS, emKeys(UPDATE_OPTION_KEYS)), call: o => Kmeans.fromSamples(2, X2, o) },
  { where: 'NaiveBayes', keys: BAYES_OPTION_KEYS, call: o => new NaiveBayes([new NormalDistribution(), new NormalDistribution(1)], o) },
  { where: 'NaiveBayes.fit', keys: emKeys(UPDATE_OPTION_KEYS), call: o => new NaiveBayes(NormalDistribution, 2).fit(X1, labels, o) },
  { where: 'NaiveBayes.fitStream', keys: optionKeys(emKeys(UPDATE_OPTION_KEYS), FIT_STREAM_OPTION_KEYS), call: async o => await new NaiveBayes(NormalDistribution, 2).fitStream([toBatch(X1, { labels })], o) },
  { where: 'BayesClassifier.fit', keys: emKeys(MULTIVARIATE_GAUSSIAN_UPDATE_OPTION_KEYS), call: o => BayesClassifier.fromSamples(MultivariateGaussianDistribution, X2, labels, o) },
  { where: 'GeneralMixtureModel.fit', keys: emKeys(UPDATE_OPTION_KEYS), call: o => trainBatch(twoNormals(), toBatch(X1), o) },
  { where: 'GeneralMixtureModel.fitStream', keys: emKeys(UPDATE_OPTION_KEYS), call: async o => await trainStream(twoNormals(), [toBatch(X1)], o) },
  { where: 'checkpoint', keys: CHECKPOINT_OPTION_KEYS, call: o => twoNormals().fit(X1, { checkpoint: { save: () => {}, ...o } }) },
  { where: 'fileCheckpoint', keys: CHECKPOINT_OPTION_KEYS.filter(k => k !== 'save'), call: o => fileCheckpoint(join(dir, 'state.json'), o) },
  { where: 'csvLogger', keys: CSV_LOGGER_OPTION_KEYS, call: o => csvLogger(join(dir, 'log.csv'), o) },
  { where: 'progress', keys: PROGRESS_OPTION_KEYS, call: o => progress(o) },
  // networks and counts
  { where: 'CategoryCounts', keys: COUNTS_OPTION_KEYS, call: o => new CategoryCounts(2, o) },
  { where: 'BayesianNetwork', keys: BAYESIAN_NETWORK_OPTION_KEYS, call: o => new BayesianNetwork('net', o) },
  { where: 'BayesianNetwork.fromSamples', keys: optionKeys(NETWORK_FROM_SAMPLES_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), call: o => BayesianNetwork.fromSamples(rows, o) },
  { where: 'BayesianNetwork.fromStream', keys: optionKeys(NETWORK_FROM_SAMPLES_OPTION_KEYS, ['signal']), call: async o => await BayesianNetwork.fromStream([toBatch(rows, { categorical: true })], o) },
  { where: 'BayesianNetwork.fromStructure', keys: optionKeys(NETWORK_FIT_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), call: o => BayesianNetwork.fromStructure(rows, [[], [0]], o) },
  { where: 'BayesianNetwork.fromCounts', keys: NETWORK_FIT_OPTION_KEYS, call: o => { const c = new CategoryCounts(2); c.add(toBatch(rows, { categorical: true })); return BayesianNetwork.fromCounts(c, [[], [0]], o) } },
  { where: 'BayesianNetwork.predictProba', keys: BELIEF_OPTION_KEYS, call: o => network().predictProba([['a', null]], o) },
  { where: 'BayesianNetwork.predict', keys: BELIEF_OPTION_KEYS, call: o => network().predict([['a', null]], o) },
  { where: 'BayesianNetwork.sample', keys: NETWORK_SAMPLE_OPTION_KEYS, call: o => network().sample(2, o) },
  { where: 'MarkovNetwork', keys: MARKOV_NETWORK_OPTION_KEYS, call: o => new MarkovNetwork([new JointProbabilityTable([['a', 'x', 1]], [0, 1])], o) },
  { where: 'MarkovNetwork.fromSamples', keys: optionKeys(MARKOV_FROM_SAMPLES_OPTION_KEYS, SUMMARIZE_OPTION_KEYS), call: o => MarkovNetwork.fromSamples(rows, o) },
  { where: 'MarkovNetwork.fromStructure', keys: optionKeys(MARKOV_NETWORK_OPTION_KEYS, FIT_OPTION_KEYS), call: o => MarkovNetwork.fromStructure(rows, [[0, 1]], o) },
  { where: 'MarkovNetwork.predictProba', keys: BELIEF_OPTION_KEYS, call: o => markov().predictProba([['a', null]], o) },
  { where: 'MarkovNetwork.predict', keys: BELIEF_OPTION_KEYS, call: o => markov().predict([['a', null]], o) },
  { where: 'FactorGraph.predictProba', keys: BELIEF_OPTION_KEYS, call: o => new FactorGraph().predictProba({}, o) },
  // sequence models
  { where: 'MarkovChain', keys: ['maxCategories'], call: o => MarkovChain.blank(1, o) },
  { where: 'MarkovChain.fromSamples', keys: optionKeys(['k', 'maxCategories'], FIT_OPTION_KEYS), call: o => MarkovChain.fromSamples([['a', 'b', 'a']], o) },
  { where: 'MarkovChain.fromStream', keys: optionKeys(['k', 'maxCategories'], UPDATE_OPTION_KEYS, FIT_STREAM_OPTION_KEYS), call: async o => await MarkovChain.fromStream([toSequenceBatch([['a', 'b', 'a']], { categorical: true })], o) },
  // readers, writers, conversions
  { where: 'toBatch', keys: TO_BATCH_OPTION_KEYS, call: o => toBatch(X2, o) },
  { where: 'toBatches', keys: optionKeys(COLUMN_OPTION_KEYS, STREAM_OPTION_KEYS), call: o => toBatches(o) },
  { where: 'parseCsv', keys: optionKeys(COLUMN_OPTION_KEYS, CSV_OPTION_KEYS), call: o => parseCsv(o) },
  { where: 'readCsv', keys: optionKeys(COLUMN_OPTION_KEYS, CSV_OPTION_KEYS), call: o => readCsv(csvPath, o) },
  { where: 'parseJson', keys: optionKeys(COLUMN_OPTION_KEYS, JSON_OPTION_KEYS), call: o => parseJson(o) },
  { where: 'readJson', keys: optionKeys(COLUMN_OPTION_KEYS, JSON_OPTION_KEYS), call: o => readJson(missing, o) },
  { where: 'parseNdjson', keys: optionKeys(COLUMN_OPTION_KEYS, NDJSON_OPTION_KEYS), call: o => parseNdjson(o) },
  { where: 'readNdjson', keys: optionKeys(COLUMN_OPTION_KEYS, NDJSON_OPTION_KEYS), call: o => readNdjson(missing, o) },
  { where: 'parseNpy', keys: NPY_READ_OPTION_KEYS, call: o => parseNpy(o) },
  { where: 'readNpy', keys: READ_NPY_OPTION_KEYS, call: o => readNpy(npyPath, o) },
  { where: 'loadNpy', keys: NPY_READ_OPTION_KEYS.filter(k => k !== 'rowsPerBatch'), call: o => loadNpy(npyBytes, o) },
  { where: 'readParquet', keys: optionKeys(COLUMNAR_OPTION_KEYS, ['rowGroups']), call: o => readParquet(missing, o) },
  { where: 'readArrow', keys: COLUMNAR_OPTION_KEYS, call: o => readArrow(missing, o) },
  { where: 'writeNpy', keys: WRITE_NPY_OPTION_KEYS, call: o => writeNpy(join(dir, 'out.npy'), o) },
  { where: 'writeCsv', keys: WRITE_CSV_OPTION_KEYS, call: o => writeCsv(join(dir, 'out.csv'), o) },
  { where: 'formatCsv', keys: WRITE_CSV_OPTION_KEYS, call: o => formatCsv(o) },
  { where: 'writeNdjson', keys: WRITE_NDJSON_OPTION_KEYS, call: o => writeNdjson(join(dir, 'out.ndjson'), o) },
  { where: 'formatNdjson', keys: WRITE_NDJSON_OPTION_KEYS, call: o => formatNdjson(o) },
  { where: 'fromJSON', keys: JSON_LIMIT_KEYS, call: o => fromJSON(new NormalDistribution().toJSON(), o) },
  { where: 'parseJSON', keys: PARSE_JSON_OPTION_KEYS, call: o => parseJSON('[1]', o) },
  // executors
  { where: 'threadExecutor', keys: THREAD_EXECUTOR_OPTION_KEYS, call: o => threadExecutor(o) },
  { where: 'bullmqExecutor', keys: BULLMQ_EXECUTOR_OPTION_KEYS, call: o => bullmqExecutor(o) },
  { where: 'startWorker', keys: WORKER_OPTION_KEYS, call: async o => await startWorker(o), skipSentinel: true },
  { where: 'npyShards', keys: NPY_SHARDS_OPTION_KEYS, call: async o => await npyShards(npyPath, o) },
  // plots
  { where: 'plotDensity', keys: DENSITY_PLOT_OPTION_KEYS, call: async o => await plotDensity(new NormalDistribution(), [toBatch(X1)], o) },
  { where: 'plotScatter', keys: SCATTER_PLOT_OPTION_KEYS, call: async o => await plotScatter(undefined, [toBatch(X2)], o) },
  { where: 'plotHistory', keys: [...PLOT_OPTION_KEYS, 'out'], call: async o => await plotHistory([{ epoch: 1, logProbability: -3 }], o) },
  { where: 'densitySpec', keys: PLOT_OPTION_KEYS, call: o => densitySpec(new NormalDistribution(), { edges: [0, 1], counts: [1], total: 1, missing: 0 } as never, o) },
  { where: 'scatterSpec', keys: PLOT_OPTION_KEYS, call: o => scatterSpec(undefined, [[1, 2]], o) },
  { where: 'historySpec', keys: PLOT_OPTION_KEYS, call: o => historySpec([{ epoch: 1, logProbability: -3 }], o) },
  { where: 'renderPng', keys: ['scale'], call: async o => await renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>', o) },
  { where: 'StreamingHistogram', keys: ['maxBins', 'column'], call: o => new StreamingHistogram(o) },
  { where: 'RowSample', keys: ['seed', 'columns'], call: o => new RowSample(5, o) }
]

/** Runs a call and lets go of what it made (streams destroyed, executors closed); resolves with its error. */
async function attempt (entry: Entry, options: Options): Promise<unknown> {
  try {
    let made = entry.call(options)
    if (made instanceof Promise) made = await made
    if (made instanceof Readable || made instanceof Writable) {
      made.on('error', () => {})
      made.destroy()
    } else if (typeof made === 'object' && made !== null && typeof (made as { close?: unknown }).close === 'function') {
      await (made as { close: () => Promise<void> }).close()
    }
  } catch (err) {
    return err
  }
  return undefined
}

/** The snake_case form of a camelCase key (undefined for a key without capitals). */
function snake (key: string): string | undefined {
  const s = key.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`)
  return s === key ? undefined : s
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function isUnknownOption (err: unknown): boolean {
  return err instanceof ArilError && err.code === 'ERR_INVALID_OPTION' && /unknown option/.test(err.message)
}

t.test('every entry point refuses an unknown key, naming itself and its valid keys', async t => {
  for (const entry of entries) {
    const err = await attempt(entry, { no_such_option: 1 })
    t.ok(isUnknownOption(err), `${entry.where}: ERR_INVALID_OPTION (${String(err)})`)
    t.match((err as Error)?.message, new RegExp(`^${escape(entry.where)}: unknown option "no_such_option"; valid options: `), entry.where)
    // each documented key is among the valid keys the message lists
    const listed = (err as Error)?.message.replace(/^.*valid options: /, '').split(', ') ?? []
    t.same(entry.keys.filter(k => !listed.includes(k)), [], `${entry.where}: the documented keys are the valid ones`)
  }
})

t.test('the snake_case form of every camelCase key names the key meant', async t => {
  let checked = 0
  for (const entry of entries) {
    for (const key of entry.keys) {
      const wrong = snake(key)
      if (wrong === undefined || entry.keys.includes(wrong)) continue // csv-parse's own keys are valid in both forms
      const err = await attempt(entry, { [wrong]: 1 })
      checked++
      t.ok(isUnknownOption(err), `${entry.where} ${wrong}: refused`)
      t.match((err as Error)?.message, `${entry.where}: unknown option "${wrong}" (did you mean "${key}"?)`, `${entry.where}: ${wrong} -> ${key}`)
    }
  }
  t.ok(checked > 150, `${checked} snake_case keys checked`)
})

t.test('no documented key is refused as unknown, whatever part of the call it belongs to', async t => {
  const sentinel = Symbol('not a value of any option')
  for (const entry of entries) {
    if (entry.skipSentinel === true) continue
    for (const key of entry.keys) {
      const err = await attempt(entry, { [key]: sentinel })
      t.notOk(isUnknownOption(err), `${entry.where} ${key}: accepted as a key (${String((err as Error)?.message ?? 'no error')})`)
    }
  }
})

t.test('documented options work together where they are spread into several calls', async t => {
  // fromSamples: one object for the constructor and the fit
  const d = NormalDistribution.fromSamples(X1, { minStd: 2, weights: [1, 1, 1, 1, 1, 1], inertia: 0 })
  t.equal(d.parameters[1], 2, 'minStd reached the constructor')
  t.equal(d.parameters[0], X1.reduce((a, b) => a + b) / X1.length, 'the fit ran with the weights')
  // fitStream: update keys, sink keys and single-pass keys in one object
  const e = await new NormalDistribution().fitStream([toBatch(X1)], { inertia: 0, update: true, batchSize: 2, onProgress: () => {} })
  t.equal(e.parameters[0], d.parameters[0])
  // a mixture hands minCovar to its components, the trainer takes its own keys
  const m = mvgMixture().fit(X2, { maxIterations: 3, stopThreshold: 0, minCovar: 1e-3, inertia: 0 })
  t.equal(m.distributions.length, 2)
})

t.test('a column-count error from a reader names the file and its column option', async t => {
  const mvg = (): MultivariateGaussianDistribution => new MultivariateGaussianDistribution([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
  for (const [what, run, file, option] of [
    ['readCsv into a sink', async () => await pipeline(readCsv(csvPath), new NormalDistribution().sink()), csvPath, 'select'],
    ['fitStream of a CSV path', async () => await new NormalDistribution().fitStream(csvPath), csvPath, 'select'],
    ['fewer columns than the model reads (select cannot add any)', async () => await mvg().fitStream(csvPath), csvPath, undefined],
    ['fitStream of an .npy path', async () => await mvg().fitStream(npyPath), npyPath, undefined],
    ['EM over a CSV', async () => await twoNormals().fitStream(() => readCsv(csvPath)), csvPath, 'select']
  ] as const) {
    try {
      await run()
      t.fail(`${what}: expected ERR_COLUMN_COUNT`)
    } catch (err) {
      t.match(err, { code: 'ERR_COLUMN_COUNT', file, row: 0 }, what)
      if (option === undefined) t.notMatch((err as Error).message, 'option', what)
      else t.match((err as Error).message, `choose the columns with the reader's ${option} option`, what)
      t.match((err as Error).message, `of ${file}`, what)
    }
  }
  // rows that come from no file keep the error as it was
  t.rejects(mvg().fitStream([toBatch(X2)]), { code: 'ERR_COLUMN_COUNT', message: /^Expected 3 columns, got 2, at row 0$/ })
})

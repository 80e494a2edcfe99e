import t from 'tap'
import { Readable } from 'node:stream'
import { BayesClassifier } from '../../lib/models/bayes-classifier.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { ExponentialDistribution } from '../../lib/distributions/exponential.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { sliceBatch, type Batch } from '../../lib/core/batch.js'
import { assertArilError, assertClose, fixture, randomChunks } from '../helpers.js'

type Test = import('tap').Test

interface Case {
  name: string; kind: string; X: number[] | number[][]; y: number[]; weights: number[] | null
  priors: number[]; components: unknown[]; probe: number[] | number[][]
  predictProba: number[][]; predict: number[]; logProbability: number[]; json: string
  init?: Array<[[number, number], [number, number], number[]]>
}
const { cases, roundTrip } = fixture<{ cases: Case[]; roundTrip: { json: string; pomegranateReadsBack: number[]; priors: number[] } }>('bayes')
const byName = (prefix: string): Case => cases.find(c => c.name.startsWith(prefix))!

function numbers (value: unknown): number[] {
  if (typeof value === 'number') return [value]
  if (Array.isArray(value)) return value.flatMap(numbers)
  if (typeof value === 'object' && value !== null) {
    const v = value as { parameters?: unknown; distributions?: unknown; weights?: unknown }
    if ('parameters' in v) return numbers(v.parameters)
    if ('distributions' in v) return [...numbers(v.distributions), ...numbers(v.weights)]
  }
  return []
}

function checkCase (t: Test, model: BayesClassifier, c: Case): void {
  assertClose(t, model.weights, c.priors, 1e-10, `${c.name}: priors`)
  assertClose(t, numbers(model.toJSON().models), numbers(c.components), 1e-10, `${c.name}: component parameters`)
  assertClose(t, model.predictProba(c.probe).flat(), c.predictProba.flat(), 1e-10, `${c.name}: predictProba`, 1e-300)
  t.same(Array.from(model.predict(c.probe)), c.predict, `${c.name}: predict`)
  assertClose(t, model.logProbability(c.probe), c.logProbability, 1e-10, `${c.name}: logProbability`)
}

function mixtures (c: Case): BayesClassifier {
  return new BayesClassifier(c.init!.map(([a, b, weights]) => new GeneralMixtureModel([new NormalDistribution(...a), new NormalDistribution(...b)], { weights })))
}

t.test('supervised fits match pomegranate 0.14.8 (scripts/fixtures/bayes.py)', async t => {
  const mvg = byName('BayesClassifier 3-D MultivariateGaussian')
  checkCase(t, BayesClassifier.fromSamples(MultivariateGaussianDistribution, mvg.X, { labels: mvg.y, weights: mvg.weights! }), mvg)
  const normal = byName('BayesClassifier 1-D Normal')
  const given = new BayesClassifier([new NormalDistribution(0, 1), new NormalDistribution(1, 1), new NormalDistribution(2, 1)])
  checkCase(t, given.fit(normal.X, { labels: normal.y, weights: normal.weights! }), normal)
  const ofMixtures = byName('BayesClassifier of two-component Normal mixtures')
  checkCase(t, mixtures(ofMixtures).fit(ofMixtures.X, { labels: ofMixtures.y }), ofMixtures)
})

t.test('JSON: pomegranate log priors are read as such; aril writes linear priors', async t => {
  const loaded = fromJSON<BayesClassifier>(roundTrip.json)
  t.ok(loaded instanceof BayesClassifier)
  assertClose(t, loaded.weights, roundTrip.priors, 1e-15, 'pomegranate wrote log([.25, .75]); aril reads [.25, .75]')
  t.not(roundTrip.pomegranateReadsBack[0]!.toFixed(3), '0.250', `(pomegranate itself reads back ${roundTrip.pomegranateReadsBack.map(w => w.toFixed(3)).join(', ')})`)
  const written = JSON.parse(stringifyJSON(loaded))
  t.equal(written.class, 'BayesClassifier')
  assertClose(t, written.weights, [0.25, 0.75], 1e-15, 'linear priors written')
  t.same(JSON.parse(stringifyJSON(fromJSON(written))), written, 'aril JSON round-trips exactly')
  for (const c of cases.filter(c => c.kind === 'BayesClassifier')) {
    const model = fromJSON<BayesClassifier>(c.json)
    assertClose(t, model.weights, c.priors, 1e-15, `${c.name}: priors from pomegranate JSON`)
    assertClose(t, model.predictProba(c.probe).flat(), c.predictProba.flat(), 1e-12, `${c.name}: loaded model predicts the same`, 1e-300)
    t.same(JSON.parse(stringifyJSON(model)).models, JSON.parse(c.json).models, `${c.name}: same components`)
  }
  const zeroPrior = new BayesClassifier([new NormalDistribution(0, 1), new NormalDistribution(3, 1)], { weights: [0, 1] })
  t.same(fromJSON<BayesClassifier>(JSON.stringify(zeroPrior)).weights, [0, 1], 'a zero prior is linear')
  t.same(fromJSON<BayesClassifier>({ ...zeroPrior.toJSON(), weights: [-Infinity, 0] }).weights, [0, 1], 'a log prior of -Infinity')
})

t.test('a BayesClassifier of mixtures: one inner EM step, chunk- and merge-invariant bits', async t => {
  const c = byName('BayesClassifier of two-component Normal mixtures')
  const X = Float64Array.from([...c.X as number[], ...c.X as number[], ...c.X as number[]])
  const labels = Float64Array.from([...c.y, ...c.y, ...c.y])
  const weights = Float64Array.from(X, (_, i) => 0.5 + (i % 3) / 2)
  const all: Batch = { data: X, rows: X.length, cols: 1, labels, weights }
  const one = mixtures(c).fit(all)
  const chunked = mixtures(c)
  let at = 0
  for (const k of randomChunks(all.rows, 4, 300)) chunked.summarize(sliceBatch(all, at, (at += k)))
  chunked.fromSummaries()
  t.same(chunked.toJSON(), one.toJSON(), 'chunked')
  const shards = [0, 1024, 2048, all.rows]
  const summaries = shards.slice(1).map((end, i) => {
    const m = mixtures(c)
    m.summarize(sliceBatch(all, shards[i]!, end))
    return JSON.parse(JSON.stringify(m.summary()))
  })
  const merged = mixtures(c)
  for (const s of summaries.reverse()) merged.mergeSummary(s)
  merged.fromSummaries()
  t.same(merged.toJSON(), one.toJSON(), 'merged in reverse order')
  const streamed = await mixtures(c).fitStream(Readable.from([sliceBatch(all, 0, 333), sliceBatch(all, 333, all.rows)]))
  t.same(streamed.toJSON(), one.toJSON(), 'streamed')
})

t.test('MultivariateGaussian components: chunk invariance and semi-supervised EM', async t => {
  const c = byName('BayesClassifier 3-D MultivariateGaussian')
  const rows = c.X as number[][]
  const all: Batch = { data: Float64Array.from(rows.flat()), rows: rows.length, cols: 3, labels: Float64Array.from(c.y, (y, i) => (i % 4 === 0 ? -1 : y)), weights: Float64Array.from(c.weights!) }
  const one = BayesClassifier.fromSamples(MultivariateGaussianDistribution, all, { maxIterations: 3, stopThreshold: -Infinity })
  t.equal(one.history?.epochs.length, 3, 'semi-supervised: 3 EM steps')
  let seed = 10
  const streamed = await new BayesClassifier([0, 1].map(() => new MultivariateGaussianDistribution([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])))
    .fitStream(() => {
      let at = 0
      return Readable.from(randomChunks(all.rows, ++seed, 250).map(k => sliceBatch(all, at, (at += k))))
    }, { maxIterations: 3, stopThreshold: -Infinity })
  t.same(streamed.toJSON(), one.toJSON(), 'stream fit == in-memory fit, bit for bit')
  t.same(streamed.history!.epochs.map(e => e.logProbability), one.history!.epochs.map(e => e.logProbability))
})

t.test('fromSamples takes a class, a class with blank(d), or a factory', async t => {
  const X = [[0, 1], [1, 0], [5, 6], [6, 5]]
  const labels = [0, 0, 1, 1]
  const viaClass = BayesClassifier.fromSamples(MultivariateGaussianDistribution, X, { labels })
  const viaFactory = BayesClassifier.fromSamples((d: number) => new MultivariateGaussianDistribution(new Array(d).fill(0), Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)))), X, { labels })
  t.same(viaFactory.toJSON(), viaClass.toJSON())
  class Blank extends NormalDistribution {
    static override blank (): NormalDistribution { return new NormalDistribution(0, 1) }
  }
  const viaBlank = BayesClassifier.fromSamples(Blank, [1, 2, 8, 9], { labels })
  t.same(viaBlank.weights, [0.5, 0.5])
  t.same(viaBlank.models!.map(m => m.parameters), [[1.5, 0.5], [8.5, 0.5]])
  const viaNew = BayesClassifier.fromSamples(NormalDistribution, [1, 2, 8, 9], { labels })
  t.same(viaNew.toJSON(), viaBlank.toJSON())
  const nb = new NaiveBayes([new NormalDistribution(1.5, 0.5), new NormalDistribution(8.5, 0.5)])
  t.same(viaNew.predictProba([0, 5, 10]), nb.predictProba([0, 5, 10]), 'same math as NaiveBayes')
  assertArilError(t, () => BayesClassifier.fromSamples((() => 3) as never, X, { labels }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => BayesClassifier.fromSamples(3 as never, X, { labels }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => BayesClassifier.fromSamples(NormalDistribution, X, { labels: [-1, -1, -1, -1] }), { code: 'ERR_LABEL' })
  assertArilError(t, () => new BayesClassifier(3 as never), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new BayesClassifier([new NormalDistribution(), new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]])]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => BayesClassifier.fromJSON({ class: 'BayesClassifier', models: [], weights: [] }), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new BayesClassifier([new NormalDistribution(), new NormalDistribution()]).fit([[1, 2]], { labels: [0] }), { code: 'ERR_COLUMN_COUNT' })
})

t.test('posteriors: impossible rows and sampling multivariate components', async t => {
  const clf = new BayesClassifier([new NormalDistribution(0, 0), new NormalDistribution(1, 0)])
  const proba = clf.predictProba([0, 0.5])
  t.same(proba[1], [NaN, NaN], 'a row impossible under every class has NaN posteriors (pomegranate)')
  t.same(Array.from(clf.predict([0.5, 1])), [0, 1])
  t.same(Array.from(clf.logProbability([0.5])), [-Infinity])
  const semi = new BayesClassifier([new NormalDistribution(0, 1), new NormalDistribution(5, 1)])
  semi.fit([0, 5, 1e6], { labels: [0, 1, -1], maxIterations: 1, stopThreshold: -Infinity })
  t.ok(semi.history !== undefined && Number.isFinite((semi.models![0]!.parameters as number[])[0]), 'an outlying unlabeled row does not poison the fit')
  const mvg = new BayesClassifier([new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]), new MultivariateGaussianDistribution([9, 9], [[1, 0], [0, 1]])], { weights: [0.5, 0.5] })
  const rows = mvg.sample(20, { seed: 2 }) as number[][]
  t.equal(rows.length, 20)
  t.ok(rows.every(r => r.length === 2), 'rows of 2 values')
  t.same(mvg.sample(20, { seed: 2 }), rows, 'seeded')
})

t.test('fromSamples: pomegranate\'s positional labels, a list of classes per class, one-column classes on d columns', async t => {
  const X = [[0, 1], [1, 0], [5, 6], [6, 5], [0.5, 0.5], [5.5, 5]]
  const y = [0, 0, 1, 1, 0, 1]
  const named = BayesClassifier.fromSamples(MultivariateGaussianDistribution, X, { labels: y })
  t.same(BayesClassifier.fromSamples(MultivariateGaussianDistribution, X, y).toJSON(), named.toJSON(), 'fromSamples(Dist, X, y)')
  t.same(BayesClassifier.fromSamples(MultivariateGaussianDistribution, X, y, [1, 1, 1, 1, 1, 1]).toJSON(), named.toJSON(), 'fromSamples(Dist, X, y, weights)')
  t.same(new BayesClassifier([MultivariateGaussianDistribution.blank(), MultivariateGaussianDistribution.blank()]).fit(X, y).toJSON(), named.toJSON(), 'fit(X, y)')
  // pomegranate's BayesClassifier calls NormalDistribution.blank(d) and fails; aril builds what its NaiveBayes and mixtures build
  const normal = BayesClassifier.fromSamples(NormalDistribution, X, y)
  t.ok(normal.models!.every(m => m instanceof IndependentComponentsDistribution && m.dimension === 2), 'a one-column class on 2 columns: IndependentComponents of 2')
  t.same(normal.predictProba(X), NaiveBayes.fromSamples(NormalDistribution, X, y).predictProba(X), 'the same model as NaiveBayes')
  const perClass = BayesClassifier.fromSamples([NormalDistribution, ExponentialDistribution], [0.5, 1, 1.5, 4, 5, 6], [0, 0, 0, 1, 1, 1])
  t.same(perClass.models!.map(m => m.name), ['NormalDistribution', 'ExponentialDistribution'], 'a list: one class per class')
  assertArilError(t, () => BayesClassifier.fromSamples([NormalDistribution], [1, 2], [0, 1]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => BayesClassifier.fromSamples(NormalDistribution, X, y, { labels: y }), { code: 'ERR_INVALID_ARGUMENT' })
})

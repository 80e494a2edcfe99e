import t from 'tap'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  GeneralMixtureModel, IndependentComponentsDistribution, Kmeans, MultivariateGaussianDistribution, NormalDistribution, Random,
  csvLogger, densitySpec, historySpec, plotDensity, plotHistory, plotScatter, readEpochs, renderPng, renderSvg, scatterSpec, writeNpy, writePlot
} from '../../lib/index.js'
import { assertArilError, assertClose, rejectsArilError } from '../helpers.js'
import { decodePng } from './png.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-plot-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const random = new Random(7)
const X = Float64Array.from({ length: 6000 }, (_, i) => i % 3 === 0 ? -3 + random.normal() : 2 + 1.5 * random.normal())
const XY = Array.from({ length: 3000 }, (_, i) => i % 2 === 0 ? [random.normal(), 2 * random.normal()] : [5 + random.normal(), 5 + random.normal()])
const npy = join(dir, 'x.npy')
await pipeline(Readable.from([X]), writeNpy(npy))

const count = (svg: string, what: string): number => svg.split(what).length - 1

t.test('density over the histogram: bars, one curve per component and the mixture, two axes', async t => {
  const gmm = new GeneralMixtureModel([new NormalDistribution(-3, 1), new NormalDistribution(2, 1.5)], { weights: [1 / 3, 2 / 3] })
  const spec = await plotDensity(gmm, npy, { bins: 40 })
  const layers = spec.layer as Array<{ data: { values: Array<Record<string, number>> } }>
  const bars = layers[0]!.data.values
  t.ok(bars.length > 20 && bars.length <= 40, `${bars.length} bins`)
  const area = bars.reduce((s, b) => s + b.density! * (b.x1! - b.x0!), 0)
  assertClose(t, area, 1, 1e-12, 'the bars are a density: their area is 1')
  const curves = layers[1]!.data.values as unknown as Array<{ x: number; density: number; curve: string }>
  t.same([...new Set(curves.map(c => c.curve))], ['component 0', 'component 1', 'mixture'])
  const at = curves.filter(c => c.curve === 'mixture')
  const expected = gmm.probability(at.map(c => c.x))
  assertClose(t, at.map(c => c.density), expected, 0, 'the mixture curve is the model\'s density')
  const c0 = curves.filter(c => c.curve === 'component 0')
  assertClose(t, c0.map(c => c.density), new NormalDistribution(-3, 1).probability(c0.map(c => c.x)).map(p => p / 3), 1e-15, 'a component curve is weight × density')
  const svg = await renderSvg(spec)
  t.equal(count(svg, 'aria-roledescription="axis"'), 2, 'two axes')
  t.equal(count(svg, 'aria-roledescription="rect mark"'), bars.length, 'one bar per bin')
  t.equal(count(svg, 'aria-roledescription="line mark container"'), 3, 'two components and the mixture')
  t.match(svg, /^<svg[^>]+width="\d+" height="\d+"/)
})

t.test('a single distribution: one curve', async t => {
  const d = new NormalDistribution().fit(X)
  const svg = await renderSvg(await plotDensity(d, [X]))
  t.equal(count(svg, 'aria-roledescription="line mark container"'), 1)
  t.match(svg, /NormalDistribution over the histogram of 6000 rows/)
})

t.test('scatter: sampled points and two ellipses per Gaussian component', async t => {
  const gmm = GeneralMixtureModel.fromSamples(MultivariateGaussianDistribution, 2, XY, { seed: 1, maxIterations: 10 })
  const spec = await plotScatter(gmm, [XY], { sample: 500 })
  const layers = spec.layer as Array<{ data: { values: Array<Record<string, number | string>> } }>
  t.equal(layers[0]!.data.values.length, 500, 'the sample')
  const rings = layers[1]!.data.values
  t.equal(new Set(rings.map(r => r.ring)).size, 4, '1σ and 2σ rings of 2 components')
  const [[mean, cov]] = [gmm.distributions[0]!.parameters as [number[], number[][]]]
  const ring = rings.filter(r => r.ring === '0-1')
  const inv = (() => { const [a, b, c] = [cov[0]![0]!, cov[0]![1]!, cov[1]![1]!]; const det = a * c - b * b; return [[c / det, -b / det], [-b / det, a / det]] })()
  const distances = ring.map(r => { const u = (r.x as number) - mean[0]!; const v = (r.y as number) - mean[1]!; return u * (inv[0]![0]! * u + inv[0]![1]! * v) + v * (inv[1]![0]! * u + inv[1]![1]! * v) })
  assertClose(t, distances, distances.map(() => 1), 1e-9, 'the 1σ ring is at Mahalanobis distance 1')
  const svg = await renderSvg(spec)
  t.equal(count(svg, 'aria-roledescription="line mark container"'), 4, 'four rings')
  t.equal(count(svg, 'aria-roledescription="circle"'), 500, 'the points')
  t.equal(count(svg, 'aria-roledescription="axis"'), 2)
})

t.test('scatter with k-means centroids and with Normal×Normal components', async t => {
  const km = new Kmeans(3, { seed: 2 }).fit(XY)
  const svg = await renderSvg(scatterSpec(km, XY.slice(0, 200)))
  t.match(svg, /Kmeans: 3 components over 200 sampled rows/)
  t.equal(count(svg, 'aria-roledescription="point"'), 3, 'three centroids')
  t.equal(count(svg, 'aria-roledescription="circle"'), 200)
  const ic = new GeneralMixtureModel([0, 5].map(m => new IndependentComponentsDistribution([new NormalDistribution(m, 1), new NormalDistribution(m, 2)])))
  const rings = (scatterSpec(ic, XY).layer as Array<{ data: { values: Array<{ x: number; y: number; ring: string }> } }>)[1]!.data.values
  const r = rings.filter(p => p.ring === '1-2')
  t.same([Math.max(...r.map(p => p.x)), Math.max(...r.map(p => p.y))].map(v => Math.round(v * 1e9) / 1e9), [7, 9], 'axis-aligned: 5 + 2·1 and 5 + 2·2')
  t.same((scatterSpec(undefined, [[1, 2], [NaN, 1]]).layer as unknown[]).length, 1, 'no model: points only, NaN rows dropped')
})

t.test('history: from a History, from epochs, from a csvLogger file', async t => {
  const log = join(dir, 'fit.csv')
  const gmm = new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
  const history = gmm.trainBatch(X, { maxIterations: 6, stopThreshold: -Infinity, callbacks: [csvLogger(log)] })
  const fromHistory = await plotHistory(history)
  const fromFile = await plotHistory(log)
  t.same(fromFile.data, fromHistory.data, 'the csvLogger file gives the same points')
  t.same((fromHistory.data as { values: unknown[] }).values.length, 6)
  const tabs = join(dir, 'tabs.csv')
  gmm.trainBatch(X, { maxIterations: 2, callbacks: [csvLogger(tabs, { separator: '\t' })] })
  t.equal((await readEpochs(tabs)).length, 2)
  const svg = await renderSvg(historySpec(history.epochs))
  t.equal(count(svg, 'aria-roledescription="line mark container"'), 1)
  t.equal(count(svg, 'aria-roledescription="point"'), 6, 'a point per epoch')
  t.same((await plotHistory([{ epoch: 1, logProbability: -3 }])).data, { values: [{ epoch: 1, logProbability: -3 }] })
})

t.test('SVG and PNG files: the PNG decodes, nothing partial is left', async t => {
  const spec = historySpec([{ epoch: 1, logProbability: -10 }, { epoch: 2, logProbability: -5 }], { width: 300, height: 200 })
  const png = join(dir, 'h.png')
  await writePlot(png, spec)
  const image = decodePng(await readFile(png))
  t.ok(image.width > 600 && image.height > 400, `twice the SVG's size (${image.width}×${image.height})`)
  t.equal(image.channels, 4)
  const direct = decodePng(await renderPng(await renderSvg(spec), { scale: 1 }))
  t.ok(direct.width > 300 && direct.width < 500)
  await writePlot(join(dir, 'h.svg'), spec)
  t.match(await readFile(join(dir, 'h.svg'), 'utf8'), /^<svg/)
  t.same((await readdir(dir)).filter(f => f.includes('.tmp')), [], 'no temporary file left')
})

t.test('errors', async t => {
  const mvn = new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]])
  const histogram = { start: 0, width: 1, counts: [1], total: 1, min: 0, max: 0 }
  assertArilError(t, () => densitySpec(mvn, histogram), { code: 'ERR_INVALID_ARGUMENT', message: /one column/ })
  assertArilError(t, () => densitySpec(new NormalDistribution(), { ...histogram, counts: [], total: 0 }), { code: 'ERR_INVALID_ARGUMENT', message: /empty/ })
  assertArilError(t, () => densitySpec(new NormalDistribution(), histogram, { width: 10 }), { code: 'ERR_INVALID_OPTION', message: /width/ })
  assertArilError(t, () => scatterSpec(new NormalDistribution(), []), { code: 'ERR_INVALID_ARGUMENT', message: /two columns/ })
  assertArilError(t, () => scatterSpec(new GeneralMixtureModel([new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution(), new NormalDistribution()]).freeze()]), []), { code: 'ERR_INVALID_ARGUMENT' })
  assertArilError(t, () => historySpec([]), { code: 'ERR_INVALID_ARGUMENT', message: /at least one epoch/ })
  await rejectsArilError(t, plotScatter(undefined, [[[1, 2, 3]]]), { code: 'ERR_COLUMN_COUNT', message: /select two columns/ })
  await rejectsArilError(t, plotDensity(new NormalDistribution(), [Buffer.from('1\n2\n')]), { code: 'ERR_RAW_BYTES' })
  await rejectsArilError(t, writePlot(join(dir, 'x.pdf'), historySpec([{ epoch: 1, logProbability: 0 }])), { code: 'ERR_INVALID_OPTION', message: /\.svg or \.png/ })
  await rejectsArilError(t, writePlot(join(dir, 'no', 'dir.svg'), historySpec([{ epoch: 1, logProbability: 0 }])), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, renderSvg({ mark: 'nonsense' }), { code: 'ERR_INVALID_ARGUMENT', message: /cannot be rendered/ })
  await rejectsArilError(t, renderPng('<svg', { scale: 0 }), { code: 'ERR_INVALID_OPTION', message: /scale/ })
  await rejectsArilError(t, readEpochs(join(dir, 'none.csv')), { code: 'ERR_SOURCE' })
  const { writeFile } = await import('node:fs/promises')
  await writeFile(join(dir, 'bad.csv'), 'a,b\n1,2\n')
  await rejectsArilError(t, readEpochs(join(dir, 'bad.csv')), { code: 'ERR_INVALID_ARGUMENT', line: 1 })
  await writeFile(join(dir, 'bad2.csv'), 'epoch,logProbability\n1,x\n')
  await rejectsArilError(t, readEpochs(join(dir, 'bad2.csv')), { code: 'ERR_INVALID_ARGUMENT', line: 2 })
  await rejectsArilError(t, plotHistory({} as never), { code: 'ERR_INVALID_OPTION' })
})

/** The command line in process (runCli): every command on .npy, CSV and Parquet data, progress, errors, exit codes. */
import t from 'tap'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BayesClassifier, GeneralMixtureModel, Kmeans, MultivariateGaussianDistribution, NaiveBayes, NormalDistribution, IndependentComponentsDistribution,
  ExactSum, fromJSON, loadNpy, parseJSON
} from '../../lib/index.js'
import { parseModel } from '../../lib/cli/models.js'
import { cli, makeData } from './cli-helpers.js'
import { writeParquetFiles, x as px, y as py, label as plabel } from '../io/parquet-files.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-cli-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const { x, xy, labels, npy, csv, xyNpy } = await makeData(dir)
await writeParquetFiles(dir)
const parquet = join(dir, 'xy.parquet')
const out = (name: string): string => join(dir, name)
const json = async (path: string): Promise<unknown> => parseJSON(await readFile(path, 'utf8'))

t.test('--model specs', async t => {
  t.same(parseModel('gmm:3'), { kind: 'gmm', name: 'gmm', k: 3 })
  t.same(parseModel('Normal'), { kind: 'univariate', name: 'normal', k: undefined })
  t.same(parseModel('naive-bayes'), { kind: 'naive-bayes', name: 'naive-bayes', k: undefined })
  t.same(parseModel('bayes:4'), { kind: 'bayes', name: 'bayes', k: 4 })
  t.same(parseModel('mvn'), { kind: 'mvn', name: 'mvn', k: undefined })
  for (const bad of ['gmm', 'gmm:0', 'kmeans', 'normal:2', 'mvn:2', 'nonsense', 'gmm:x']) t.equal(parseModel(bad), undefined, bad)
})

t.test('fit a distribution: the same JSON as the library fit in memory', async t => {
  const r = await cli(['fit', npy, '--model', 'normal', '--out', out('normal.json'), '--progress', 'none'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /NormalDistribution fitted to .*x\.npy \(1 column\) in [\d.]+ s; written to/)
  t.same(await json(out('normal.json')), new NormalDistribution().fit(x).toJSON())
  const two = await cli(['fit', csv, '--model', 'normal', '--label', 'class', '--out', out('ic.json'), '--progress', 'none'])
  t.equal(two.code, 0, two.stderr)
  t.same(await json(out('ic.json')), new IndependentComponentsDistribution([new NormalDistribution(), new NormalDistribution()]).fit(xy).toJSON(), 'one per column for several columns')
  const mvn = await cli(['fit', csv, '--model', 'mvn', '--select', 'a,b', '--out', out('mvn.json'), '--progress', 'none'])
  t.equal(mvn.code, 0, mvn.stderr)
  t.same(await json(out('mvn.json')), new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]).fit(xy).toJSON())
})

t.test('fit a mixture out of core: the in-memory fit bit for bit, progress as JSON lines, a csvLogger file', async t => {
  const r = await cli(['fit', npy, '--model', 'gmm:2', '--seed', '1', '--max-iterations', '8', '--stop-threshold', '0.01', '--log', out('fit.csv'), '--out', out('gmm.json')])
  t.equal(r.code, 0, r.stderr)
  const expected = GeneralMixtureModel.fromSamples(NormalDistribution, 2, x, { seed: 1, maxIterations: 8, stopThreshold: 0.01 })
  t.same(await json(out('gmm.json')), expected.toJSON())
  t.match(r.stdout, /GeneralMixtureModel fitted .* 8 EM steps \(maxIterations\), log-likelihood -?\d/)
  const lines = r.stderr.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  t.same(lines.filter(l => l.event === 'epoch').map(l => l.epoch), [1, 2, 3, 4, 5, 6, 7, 8], 'an epoch line per EM step')
  t.ok(lines.filter(l => l.event === 'progress').every(l => l.phase === 'fit' && typeof l.rows === 'number'), 'progress lines')
  t.match(lines.find(l => l.event === 'progress' && l.fraction === 1), { rows: x.length, totalBytes: (await stat(npy)).size })
  t.equal((await readFile(out('fit.csv'), 'utf8')).trim().split('\n').length, 9, 'a header and 8 epochs')
})

t.test('k-means, naive Bayes and a Bayes classifier', async t => {
  const km = await cli(['fit', xyNpy, '--model', 'kmeans:2', '--select', '0,1', '--seed', '3', '--out', out('km.json'), '--progress', 'none'])
  t.equal(km.code, 0, km.stderr)
  t.same(await json(out('km.json')), new Kmeans(2, { seed: 3 }).fit(xy).toJSON())
  const nb = await cli(['fit', csv, '--model', 'naive-bayes', '--label', 'class', '--out', out('nb.json'), '--progress', 'none'])
  t.equal(nb.code, 0, nb.stderr)
  t.same(await json(out('nb.json')), NaiveBayes.fromSamples(NormalDistribution, xy, { labels }).toJSON(), 'the classes counted from the labels')
  const npyLabels = await cli(['fit', xyNpy, '--model', 'naive-bayes:2', '--label', '2', '--out', out('nb2.json'), '--progress', 'none'])
  t.equal(npyLabels.code, 0, npyLabels.stderr)
  t.same(await json(out('nb2.json')), await json(out('nb.json')), '.npy columns by index')
  const bayes = await cli(['fit', parquet, '--model', 'bayes:2', '--select', 'x,y', '--label', 'label', '--out', out('bc.json'), '--progress', 'none'])
  t.equal(bayes.code, 0, bayes.stderr)
  const XY = Array.from(px, (v, i) => [v, py[i]!])
  t.same(await json(out('bc.json')), BayesClassifier.fromSamples(MultivariateGaussianDistribution, XY, { labels: plabel }).toJSON(), 'from Parquet')
})

t.test('predict: classes and posteriors to .npy, CSV and NDJSON', async t => {
  const nb = fromJSON<NaiveBayes>(await readFile(out('nb.json'), 'utf8'))
  const r = await cli(['predict', out('nb.json'), csv, '--label', 'class', '--out', out('pred.npy'), '--progress', 'none'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /6000 predictions \(class\) of NaiveBayes written/)
  t.same(Array.from(loadNpy(await readFile(out('pred.npy'))).data), Array.from(nb.predict(xy)))
  const proba = await cli(['predict', out('nb.json'), csv, '--label', 'class', '--output', 'proba', '--out', out('proba.csv'), '--progress', 'none'])
  t.equal(proba.code, 0, proba.stderr)
  const lines = (await readFile(out('proba.csv'), 'utf8')).trim().split('\n')
  t.equal(lines[0], 'p0,p1')
  t.same(lines.slice(1, 4).map(l => l.split(',').map(Number)), nb.predictProba(xy.slice(0, 3)), 'shortest round-trip numbers')
  const km = await cli(['predict', out('km.json'), xyNpy, '--select', '0,1', '--out', out('km.ndjson'), '--progress', 'none'])
  t.equal(km.code, 0, km.stderr)
  t.same((await readFile(out('km.ndjson'), 'utf8')).trim().split('\n').map(Number), Array.from(fromJSON<Kmeans>(await readFile(out('km.json'), 'utf8')).predict(xy)))
  const kmProba = await cli(['predict', out('km.json'), xyNpy, '--select', '0,1', '--output', 'proba', '--out', out('x.csv')])
  t.equal(kmProba.code, 1)
  t.match(kmProba.stderr, /ERR_INVALID_OPTION: Option output: Kmeans predicts classes only/)
  const dist = await cli(['predict', out('normal.json'), npy, '--out', out('x.csv')])
  t.equal(dist.code, 1)
  t.match(dist.stderr, /ERR_INVALID_ARGUMENT: A NormalDistribution does not predict classes .* aril score/)
  const ext = await cli(['predict', out('nb.json'), csv, '--label', 'class', '--out', out('x.txt')])
  t.match(ext, { code: 1, stderr: /ERR_INVALID_OPTION: Option out: expected a file ending in \.npy, \.csv, \.ndjson or \.jsonl/ })
})

t.test('score: the exact total, and per-row log-probabilities', async t => {
  const gmm = fromJSON<GeneralMixtureModel>(await readFile(out('gmm.json'), 'utf8'))
  const logp = gmm.logProbability(x)
  const total = new ExactSum()
  for (const v of logp) total.add(v)
  const r = await cli(['score', out('gmm.json'), npy, '--progress', 'none'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, new RegExp(`^6000 rows, log-likelihood ${total.value().toString().replace(/[.-]/g, '\\$&')}, mean `))
  const rows = await cli(['score', out('gmm.json'), npy, '--out', out('scores.npy'), '--progress', 'json'])
  t.equal(rows.code, 0, rows.stderr)
  t.same(Array.from(loadNpy(await readFile(out('scores.npy'))).data), Array.from(logp))
})

t.test('inspect: .npy header, CSV header and rows, Parquet row groups', async t => {
  const n = await cli(['inspect', xyNpy, '--json', '--progress', 'none'])
  t.equal(n.code, 0, n.stderr)
  t.match(JSON.parse(n.stdout), { format: 'npy', rows: 6000, columns: [{ name: '0', type: '<f8' }, {}, {}], header: { descr: '<f8', fortran_order: false, shape: [6000, 3], version: '1.0' } })
  const c = await cli(['inspect', csv, '--progress', 'none'])
  t.equal(c.code, 0, c.stderr)
  t.match(c.stdout, /format +csv\n.*\nrows +6000\ncolumns +3\n +0 +a +number\n +1 +b +number\n +2 +class +number\nheader\n +firstLine: a,b,class/s)
  const p = await cli(['inspect', join(dir, 'data.parquet'), '--json', '--progress', 'none'])
  t.equal(p.code, 0, p.stderr)
  t.match(JSON.parse(p.stdout), { format: 'parquet', rows: 2500, header: { rowGroups: [1000, 1000, 500] }, columns: [{ name: 'x', type: 'DOUBLE' }] })
  const nd = join(dir, 'rows.ndjson')
  await writeFile(nd, '[1,2]\n[3,4]\n[5,6]\n')
  t.match(JSON.parse((await cli(['inspect', nd, '--json', '--progress', 'none'])).stdout), { format: 'ndjson', rows: 3, columns: [{}, {}] })
  const arrow = await import('apache-arrow')
  const ipc = join(dir, 't.arrow')
  await writeFile(ipc, arrow.tableToIPC(arrow.tableFromArrays({ a: Float64Array.of(1, 2), s: ['u', 'v'] }), 'file'))
  t.match(JSON.parse((await cli(['inspect', ipc, '--json'])).stdout), { format: 'arrow', rows: 2, columns: [{ name: 'a', type: 'Float64' }, { name: 's' }], header: { ipc: 'file', recordBatches: 1 } })
})

t.test('plot: a density, a scatter with ellipses, a history, from the data and the model files', async t => {
  const d = await cli(['plot', npy, '--model', out('gmm.json'), '--out', out('density.svg'), '--progress', 'none'])
  t.equal(d.code, 0, d.stderr)
  t.match(d.stdout, /density plot of GeneralMixtureModel over .* written to/)
  const svg = await readFile(out('density.svg'), 'utf8')
  t.equal(svg.split('aria-roledescription="line mark container"').length - 1, 3, 'two components and the mixture')
  await cli(['fit', csv, '--model', 'gmm:2', '--select', 'a,b', '--seed', '1', '--out', out('gmm2.json'), '--progress', 'none'])
  const s = await cli(['plot', csv, '--select', 'a,b', '--model', out('gmm2.json'), '--out', out('scatter.png'), '--sample', '300', '--progress', 'none'])
  t.equal(s.code, 0, s.stderr)
  t.ok((await stat(out('scatter.png'))).size > 1000)
  const h = await cli(['plot', '--history', out('fit.csv'), '--out', out('history.svg')])
  t.equal(h.code, 0, h.stderr)
  t.match(await readFile(out('history.svg'), 'utf8'), /8 epochs/)
  const noModel = await cli(['plot', npy, '--out', out('x.svg')])
  t.match(noModel, { code: 1, stderr: /a density plot needs the fitted model/ })
  const scatterOnly = await cli(['plot', csv, '--select', 'a,b', '--out', out('points.svg'), '--progress', 'none'])
  t.equal(scatterOnly.code, 0, scatterOnly.stderr)
  t.match(await cli(['plot', '--out', out('x.svg')]), { code: 1, stderr: /give the data to plot/ })
})

t.test('progress as a bar on a terminal', async t => {
  const r = await cli(['fit', npy, '--model', 'gmm:2', '--seed', '1', '--max-iterations', '2', '--out', out('bar.json')], { tty: true })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /fit epoch 0 \|[█░]+\| 100% 6000 rows/)
  t.match(r.stderr, /epoch 1: log-likelihood -?\d+\.\d{4}, improvement/)
})

t.test('usage errors exit 2, user errors exit 1 with the coded message', async t => {
  const usage = [
    ['fit', npy, '--out', out('u.json')],
    ['fit', npy, '--model', 'gmm', '--out', out('u.json')],
    ['fit', npy, '--model', 'normal', '--out', out('u.json'), '--max-iterations', '-1'],
    ['fit', npy, '--model', 'normal', '--out', out('u.json'), '--stop-threshold', 'x'],
    ['fit', npy, '--model', 'normal', '--out', out('u.json'), '--format', 'xls'],
    ['frobnicate'],
    ['predict', out('gmm.json')],
    ['fit', npy, '--model', 'normal', '--out', out('u.json'), '--bogus']
  ]
  for (const args of usage) {
    const r = await cli(args)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, /error: /)
  }
  const help = await cli(['fit', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: aril fit \[options\] <data>[\s\S]*--model <model>[\s\S]*gmm:K,\s+kmeans:K/)
  t.match(await cli(['--version']), { code: 0, stdout: /^\d+\.\d+\.\d+/ })
  const user: Array<[string[], RegExp]> = [
    [['fit', join(dir, 'none.npy'), '--model', 'normal', '--out', out('u.json')], /ERR_SOURCE: Cannot read the file/],
    [['fit', npy, '--model', 'normal', '--max-iterations', '3', '--out', out('u.json')], /ERR_INVALID_OPTION: Option --max-iterations: --model normal is fitted in one pass/],
    [['fit', npy, '--model', 'mvn', '--workers', '2', '--out', out('u.json')], /ERR_INVALID_OPTION: Option --workers:/],
    [['fit', join(dir, 'x.xls'), '--model', 'normal', '--out', out('u.json')], /ERR_SOURCE: Cannot tell the format .* --format/],
    [['fit', csv, '--model', 'naive-bayes', '--out', out('u.json')], /ERR_LABEL: --model naive-bayes is a classifier: name the column of the classes with --label/],
    [['fit', csv, '--model', 'normal', '--select', 'nope', '--out', out('u.json')], /ERR_INVALID_OPTION: Option select: expected a column of the header "a,b,class", got "nope"/],
    [['fit', npy, '--model', 'normal', '--select', 'a', '--out', out('u.json')], /ERR_INVALID_OPTION: Option select: \.npy columns have no names/],
    [['fit', xyNpy, '--model', 'normal', '--select', '7', '--out', out('u.json')], /ERR_INVALID_OPTION: Expected column indices below 3/],
    [['fit', parquet, '--model', 'normal', '--select', '0', '--out', out('u.json')], /ERR_INVALID_OPTION: Option select: parquet columns are picked by name/],
    [['fit', csv, '--model', 'mvn', '--select', 'a,b', '--out', join(dir, 'no', 'dir', 'm.json')], /ERR_SOURCE: Cannot write the file/],
    [['predict', join(dir, 'none.json'), csv, '--out', out('p.csv')], /ERR_SOURCE: Cannot read the model/],
    [['score', csv, npy], /ERR_INVALID_JSON_MODEL: [\s\S]*xy\.csv/],
    [['fit', csv, '--model', 'naive-bayes', '--label', 'a', '--select', 'b', '--out', out('u.json')], /ERR_LABEL|ERR_INVALID/]
  ]
  for (const [args, message] of user) {
    const r = await cli([...args, '--progress', 'none'])
    t.equal(r.code, 1, args.join(' '))
    t.match(r.stderr, message, args.join(' '))
  }
  const empty = join(dir, 'empty.csv')
  await writeFile(empty, 'a,b\n')
  t.match(await cli(['fit', empty, '--model', 'normal', '--out', out('u.json')]), { code: 1, stderr: /ERR_SOURCE: The data has no rows/ })
  await t.rejects(stat(out('u.json')), { code: 'ENOENT' }, 'no model file from a failed fit')
})

t.test('an aborted fit exits 130 and leaves the existing model file untouched', async t => {
  const path = out('keep.json')
  await writeFile(path, 'the previous model')
  const controller = new AbortController()
  const running = cli(['fit', npy, '--model', 'gmm:2', '--seed', '1', '--stop-threshold', '-1', '--max-iterations', '100000', '--out', path, '--progress', 'json'], { signal: controller.signal })
  setTimeout(() => controller.abort(), 300)
  const r = await running
  t.equal(r.code, 130, r.stderr)
  t.match(r.stderr, /aril: interrupted; no output file was written or changed/)
  t.equal(await readFile(path, 'utf8'), 'the previous model')
})

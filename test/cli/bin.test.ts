/**
 * The built `aril` bin as a user runs it (a subprocess of `node dist/cli/main.js`): every command
 * on generated .npy, CSV and Parquet files, exit codes 1 and 2 with their messages, and Ctrl-C
 * (SIGINT) during a fit, which leaves no model file and no temporary file behind.
 */
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, Random, loadNpy, parseJSON, writeNpy } from '../../lib/index.js'
import { built, uncovered } from '../built.js'
import { makeData } from './cli-helpers.js'
import { decodePng } from '../plot/png.js'
import { writeParquetFiles } from '../io/parquet-files.js'

const bin = await built()
const dir = await mkdtemp(join(tmpdir(), 'aril-bin-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
const { x, npy, csv } = await makeData(dir)
await writeParquetFiles(dir)
const parquet = join(dir, 'xy.parquet')
const out = (name: string): string => join(dir, name)

function aril (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(...uncovered(process.execPath, [bin, ...args]), { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code: number }).code, stdout, stderr })
    })
  })
}

t.test('--help on each command, --version', async t => {
  const top = await aril(['--help'])
  t.equal(top.code, 0)
  for (const command of ['fit', 'predict', 'score', 'inspect', 'plot']) t.match(top.stdout, new RegExp(`\\n  ${command} `), `aril --help lists ${command}`)
  const help = await aril(['plot', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: aril plot \[options\] \[data\]/)
  t.match((await aril(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/)
})

t.test('fit, predict, score, inspect and plot on .npy, CSV and Parquet', async t => {
  const fit = await aril(['fit', npy, '--model', 'gmm:2', '--seed', '1', '--max-iterations', '5', '--out', out('gmm.json')])
  t.equal(fit.code, 0, fit.stderr)
  t.same(parseJSON(await readFile(out('gmm.json'), 'utf8')), GeneralMixtureModel.fromSamples(NormalDistribution, 2, x, { seed: 1, maxIterations: 5 }).toJSON(), 'the in-memory fit, bit for bit')
  t.ok(fit.stderr.trim().split('\n').every(line => typeof JSON.parse(line).event === 'string'), 'stderr is not a terminal: JSON lines')
  const predict = await aril(['predict', out('gmm.json'), npy, '--out', out('classes.npy'), '--progress', 'none'])
  t.equal(predict.code, 0, predict.stderr)
  t.equal(predict.stderr, '')
  const gmm = GeneralMixtureModel.fromJSON(parseJSON(await readFile(out('gmm.json'), 'utf8')) as Record<string, unknown>)
  t.same(Array.from(loadNpy(await readFile(out('classes.npy'))).data), Array.from(gmm.predict(x)))
  const score = await aril(['score', out('gmm.json'), npy, '--progress', 'none'])
  t.match(score, { code: 0, stdout: /^6000 rows, log-likelihood -\d/ })
  const csvFit = await aril(['fit', csv, '--model', 'kmeans:2', '--label', 'class', '--seed', '2', '--out', out('km.json'), '--progress', 'none'])
  t.equal(csvFit.code, 0, csvFit.stderr)
  const pq = await aril(['fit', parquet, '--model', 'naive-bayes', '--select', 'x,y', '--label', 'label', '--out', out('nb.json'), '--progress', 'none'])
  t.equal(pq.code, 0, pq.stderr)
  t.match(JSON.parse(await readFile(out('nb.json'), 'utf8')), { class: 'NaiveBayes', models: [{}, {}] })
  const inspect = await aril(['inspect', parquet, '--json'])
  t.match(JSON.parse(inspect.stdout), { format: 'parquet', rows: 2500, columns: [{ name: 'x' }, { name: 'y' }, { name: 'label' }] })
  const plot = await aril(['plot', npy, '--model', out('gmm.json'), '--out', out('gmm.png'), '--progress', 'none'])
  t.equal(plot.code, 0, plot.stderr)
  t.ok(decodePng(await readFile(out('gmm.png'))).width > 500, 'the PNG decodes')
})

t.test('exit code 2 for usage, 1 for user errors, with the coded message', async t => {
  const usage = await aril(['fit', npy, '--model', 'gmm:x', '--out', out('u.json')])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /error: option '--model <model>' argument 'gmm:x' is invalid/)
  t.equal((await aril(['nonsense'])).code, 2)
  const missing = await aril(['fit', join(dir, 'missing.npy'), '--model', 'normal', '--out', out('u.json')])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^aril: ERR_SOURCE: Cannot read the file: ENOENT/m)
  const bad = join(dir, 'bad.npy')
  await writeFile(bad, 'not an npy file at all')
  const corrupt = await aril(['fit', bad, '--model', 'normal', '--out', out('u.json'), '--progress', 'none'])
  t.equal(corrupt.code, 1)
  t.match(corrupt.stderr, /^aril: ERR_NPY_(MAGIC|TRUNCATED): /m)
  const badCsv = join(dir, 'bad.csv')
  await writeFile(badCsv, 'a\n1\nx\n')
  t.match(await aril(['fit', badCsv, '--model', 'normal', '--out', out('u.json'), '--progress', 'none']), { code: 1, stderr: /aril: ERR_CSV_VALUE: Expected a number in column "a", got "x", at row 1, column a, line 3/ })
})

t.test('Ctrl-C during a fit: exit 130, no model file, no temporary file', async t => {
  const r = new Random(9)
  const big = join(dir, 'big.npy')
  await pipeline(Readable.from([Float64Array.from({ length: 200000 }, () => r.normal())]), writeNpy(big))
  const model = out('interrupted.json')
  // /usr/bin/env execs node in its own process, so the signal reaches node itself.
  const child = spawn(...uncovered(process.execPath, [bin, 'fit', big, '--model', 'gmm:3', '--seed', '1', '--stop-threshold', '-1', '--max-iterations', '100000', '--out', model]), { cwd: dir })
  let stderr = ''
  const sent = new Promise<void>(resolve => {
    child.stderr.on('data', chunk => {
      stderr += String(chunk)
      // interrupt once the fit is under way (an epoch line)
      if (stderr.includes('"event":"epoch"') && child.exitCode === null && !child.killed) {
        child.kill('SIGINT')
        resolve()
      }
    })
  })
  const code = await new Promise<number | null>(resolve => child.on('exit', c => resolve(c)))
  await sent
  t.equal(code, 130, stderr.split('\n').slice(-3).join('\n'))
  t.match(stderr, /aril: interrupted; no output file was written or changed/)
  t.same((await readdir(dir)).filter(f => f.startsWith('interrupted.json')), [], 'neither the model nor a temporary file')
})

import t from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { runExample } from './run-example.js'
import { built, uncovered } from '../built.js'
import { GeneralMixtureModel, NormalDistribution, loadNpy } from '../../lib/index.js'
import { assertClose } from '../helpers.js'

t.test('npm start: generates its data, then fits out of core', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aril-main-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = { ARIL_ROWS: '200000', ARIL_DATA: dir }
  const out = await runExample('main.ts', [], env)
  t.match(out, /Generating 200000 rows/)
  const X = loadNpy(await readFile(join(dir, 'mixture-1d.npy')))
  t.equal(X.rows, 200000)

  const models = [...out.matchAll(/(\{"class".*\})$/gm)].map(m => JSON.parse(m[1]!))
  t.equal(models.length, 3, 'a Normal, a Uniform and a mixture')
  const [normal, uniform, mixture] = models
  t.same(normal.parameters, new NormalDistribution().fit(X).parameters, 'the streamed Normal equals the in-memory fit')
  let mean = 0
  for (const x of X.data) mean += x / X.rows
  let ss = 0
  for (const x of X.data) ss += (x - mean) ** 2
  assertClose(t, normal.parameters, [mean, Math.sqrt(ss / X.rows)], 1e-12, 'two-pass mean and std')
  t.same(uniform.parameters, [X.data.reduce((a, b) => Math.min(a, b)), X.data.reduce((a, b) => Math.max(a, b))], 'Uniform: the minimum and maximum')

  const inMemory = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { seed: 1, initRows: 100000, maxIterations: 50, stopThreshold: 1 })
  t.same(mixture, JSON.parse(JSON.stringify(inMemory)), 'the mixture trained out of core equals the in-memory fit, bit for bit')
  const means = mixture.distributions.map((d: { parameters: number[] }) => d.parameters[0]).sort((a: number, b: number) => a - b)
  assertClose(t, means, [-4, 0, 5], 0.05, 'the means it was drawn from', 0.05)
  t.ok((out.match(/^ {2}epoch +\d+/gm) ?? []).length >= 2, 'epochs are printed as they go')

  // The aril command it prints fits the same mixture, bit for bit.
  const command = /^ {2}aril (fit \S+ --model gmm:3 .*) --out mixture\.json$/m.exec(out)
  t.ok(command, 'the CLI equivalent is printed')
  const args = [...command![1]!.split(' '), '--out', join(dir, 'cli.json'), '--progress', 'none']
  await promisify(execFile)(...uncovered(process.execPath, [await built(), ...args]), { cwd: fileURLToPath(new URL('../..', import.meta.url)) })
  t.same(JSON.parse(await readFile(join(dir, 'cli.json'), 'utf8')), mixture, 'aril fit gives the same mixture')

  const again = await runExample('main.ts', [], env)
  t.notMatch(again, /Generating/, 'the data set is made once')
})

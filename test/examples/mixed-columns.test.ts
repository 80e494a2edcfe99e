import t from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { DirichletDistribution, loadNpy } from '../../lib/index.js'
import { assertClose } from '../helpers.js'

t.test('mixed columns: an IndependentComponents from a CSV, a Dirichlet from an .npy file', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'aril-mixed-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const out = await runExample('mixed-columns.ts', [dir])
  const visits = JSON.parse(/^visits: (.*)$/m.exec(out)![1]!)
  const shares = JSON.parse(/^shares: (.*)$/m.exec(out)![1]!)

  // Independent check of the visits model: weighted frequencies and log-moments from the CSV text.
  const rows = (await readFile(join(dir, 'visits.csv'), 'utf8')).trim().split('\n').slice(1).map(line => line.split(','))
  const counts = new Map<string, number>()
  let total = 0
  let logSum = 0
  for (const [duration, browser, count] of rows) {
    counts.set(browser!, (counts.get(browser!) ?? 0) + Number(count))
    total += Number(count)
    logSum += Number(count) * Math.log(Number(duration))
  }
  const mean = logSum / total
  let ss = 0
  for (const [duration, , count] of rows) ss += Number(count) * (Math.log(Number(duration)) - mean) ** 2
  const [lognormal, discrete] = visits.parameters[0]
  assertClose(t, lognormal.parameters, [mean, Math.sqrt(ss / total)], 1e-12, 'LogNormal: weighted mean and std of log duration')
  const table = discrete.parameters[0] as Record<string, number>
  for (const [browser, count] of counts) t.equal(table[browser], count / total, `P(${browser}) is its weighted frequency`)

  const X = loadNpy(await readFile(join(dir, 'shares.npy')))
  t.same(shares.parameters, new DirichletDistribution([1, 1, 1, 1]).fit(X).parameters, 'Dirichlet from the stream equals the in-memory fit')
  assertClose(t, shares.parameters[0], [8, 4, 2, 1], 0.05, 'the alphas it was drawn from (100000 rows)')
})

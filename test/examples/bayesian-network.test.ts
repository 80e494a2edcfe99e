import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { BayesianNetwork } from '../../lib/models/bayesian-network/network.js'

t.test('the bayesian-network example learns the garden network out of core from its CSV', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('bayesian-network.ts', [dir])
  t.match(out, /wrote 20000 rows to .*garden\.csv/)
  // The network the example draws from: cloudy → sprinkler, cloudy → rain, (sprinkler, rain) → wet, wet → slippery.
  t.match(out, /structure: \[\[\],\[0\],\[0\],\[1,2\],\[3\]\]/)
  const rows = readFileSync(join(dir, 'garden.csv'), 'utf8').trim().split('\n').slice(1).map(l => l.split(','))
  const model = BayesianNetwork.fromJSON(JSON.parse(out.split('\n').find(l => l.startsWith('model: '))!.slice('model: '.length)))
  // Independent check: p(rain | cloudy) counted by hand from the file.
  for (const row of model.states[2]!.distribution.parameters[0] as Array<[string, string, number]>) {
    const given = rows.filter(r => r[0] === row[0])
    t.equal(row[2], given.filter(r => r[2] === row[1]).length / given.length, `p(${row[1]} | ${row[0]})`)
  }
  t.ok(model.states[0]!.distribution.keys.includes('storm'), 'storm, first seen near the end, was learned')
  // The same bits as learning in memory from the rows.
  const inMemory = BayesianNetwork.fromSamples(rows, { algorithm: 'exact', maxParents: 2, stateNames: ['cloudy', 'sprinkler', 'rain', 'wet', 'slippery'], name: 'garden' })
  t.equal(JSON.stringify(model), JSON.stringify(inMemory))
  t.match(out, /imputed: \["storm","off","rain","wet","slippery"\]/)
})

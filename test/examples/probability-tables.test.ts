import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { ConditionalProbabilityTable } from '../../lib/distributions/conditional-probability-table.js'

t.test('the probability-tables example fits p(activity | weather, season) from its CSV', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('probability-tables.ts', [dir])
  t.match(out, /wrote 3000 rows to .*activities\.csv/)

  // Independent check: count the CSV by hand; p = (c + 1) / (m + k) with the weights (integers, so exact).
  const rows = readFileSync(join(dir, 'activities.csv'), 'utf8').trim().split('\n').slice(1).map(l => l.split(','))
  t.equal(rows.length, 3000)
  const kept = rows.filter(r => r.every(cell => cell !== ''))
  t.ok(kept.length < rows.length, 'some rows have a missing season and are skipped')
  const activities = [...new Set(kept.map(r => r[2]!))].sort()
  t.same(activities, ['cycle', 'read', 'swim', 'walk'], 'swim, seen only late in the file, was added')
  const expected: Array<[string, string, string, number]> = []
  for (const weather of ['sunny', 'cloudy', 'rainy']) {
    for (const season of ['summer', 'winter']) {
      const here = kept.filter(r => r[0] === weather && r[1] === season)
      const m = here.reduce((s, r) => s + Number(r[3]), 0)
      for (const a of activities) {
        const c = here.filter(r => r[2] === a).reduce((s, r) => s + Number(r[3]), 0)
        expected.push([weather, season, a, (c + 1) / (m + activities.length)])
      }
    }
  }
  const json = out.split('\n').find(l => l.startsWith('model: '))!.slice('model: '.length)
  const model = ConditionalProbabilityTable.fromJSON(JSON.parse(json))
  t.same(model.parameters[0], expected, 'the printed model is the counts formula, bit for bit')
  t.match(out, new RegExp(`sunny {4}summer {2}swim {6}${(expected[2]![3]).toFixed(4)}`), 'the printed table')
})

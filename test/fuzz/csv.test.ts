import t from 'tap'
import { fuzz } from './settings.js'

t.test('CSV text, generated and random, in random chunks: parseCsv ends, throws only ArilErrors, and reads what csv-parse and the number grammar read', async t => {
  const report = await fuzz(t, new URL('./csv-cases.ts', import.meta.url), 'fuzzCsv', 1500)
  if (report === undefined) return
  t.ok((report.outcomes.accepted ?? 0) > report.runs / 5, 'a fifth or more of the texts are read')
  t.ok((report.outcomes.ERR_CSV_VALUE ?? 0) > 0 && (report.outcomes.ERR_CSV_PARSE ?? 0) + (report.outcomes.ERR_CSV_COLUMN ?? 0) > 0, 'and others refused, for bad cells and bad CSV')
})

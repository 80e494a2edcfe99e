import t from 'tap'
import { fuzz } from './settings.js'

t.test('NDJSON text in random chunks: parseNdjson ends, throws only ArilErrors, reads what JSON.parse per line reads, and agrees with parseJson', async t => {
  const report = await fuzz(t, new URL('./ndjson-cases.ts', import.meta.url), 'fuzzNdjson', 1500)
  if (report === undefined) return
  t.ok((report.outcomes.accepted ?? 0) > report.runs / 5, 'a fifth or more of the texts are read')
  t.ok(['ERR_JSON_VALUE', 'ERR_RAGGED_ROWS', 'ERR_NDJSON_PARSE'].every(code => (report.outcomes[code] ?? 0) > 0), 'and others refused, for each reason')
})

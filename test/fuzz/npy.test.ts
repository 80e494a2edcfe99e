import t from 'tap'
import { fuzz } from './settings.js'

t.test('.npy headers and bodies, generated and mutated: every reader ends, throws only ArilErrors, and reads what numpy reads', async t => {
  const report = await fuzz(t, new URL('./npy-cases.ts', import.meta.url), 'fuzzNpy', 1500)
  if (report === undefined) return
  // Not vacuous: many files are read, and many are refused for several reasons.
  t.ok((report.outcomes.accepted ?? 0) > report.runs / 5, 'a fifth or more of the files are read')
  t.ok(Object.keys(report.outcomes).length >= 6, 'refused with several codes')
})

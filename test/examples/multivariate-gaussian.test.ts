import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExample } from './run-example.js'
import { loadNpy } from '../../lib/io/npy.js'
import { assertClose } from '../helpers.js'

t.test('the multivariate Gaussian example: streamed and sharded fits are identical and right', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'aril-mvg-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = await runExample('multivariate-gaussian.ts', [dir])
  const models = [...out.matchAll(/(\{"class".*\})/g)].map(m => JSON.parse(m[1]!))
  t.equal(models.length, 2)
  t.same(models[1], models[0])
  t.match(out, /identical: true/)
  t.match(out, /covariance repairs: 0/)
  // Independent check: two-pass, pairwise-complete mean and biased covariance of the file's rows.
  const { data, rows, cols } = loadNpy(readFileSync(join(dir, 'sensors.npy')))
  t.equal(rows, 200000)
  const mean = Array.from({ length: cols }, (_, j) => {
    let s = 0
    let n = 0
    for (let r = 0; r < rows; r++) if (!Number.isNaN(data[r * cols + j]!)) { s += data[r * cols + j]!; n++ }
    return s / n
  })
  const cov = Array.from({ length: cols * cols }, (_, i) => {
    const j = Math.floor(i / cols)
    const k = i % cols
    let sj = 0, sk = 0, n = 0
    for (let r = 0; r < rows; r++) {
      const a = data[r * cols + j]!
      const b = data[r * cols + k]!
      if (!Number.isNaN(a) && !Number.isNaN(b)) { sj += a; sk += b; n++ }
    }
    const mj = sj / n
    const mk = sk / n
    let s = 0
    for (let r = 0; r < rows; r++) {
      const a = data[r * cols + j]!
      const b = data[r * cols + k]!
      if (!Number.isNaN(a) && !Number.isNaN(b)) s += (a - mj) * (b - mk)
    }
    return s / n
  })
  assertClose(t, models[0].parameters[0], mean, 1e-12, 'means')
  assertClose(t, models[0].parameters[1].flat(), cov, 1e-12, 'covariance')
  assertClose(t, models[0].parameters[1].flat(), [4, 1, -2, 1, 1.25, -0.2, -2, -0.2, 1.25], 0.02, 'near the truth', 0.02)
})

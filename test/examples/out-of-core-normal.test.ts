import t from 'tap'
import { runExample } from './run-example.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { assertClose } from '../helpers.js'

t.test('the seed example prints three identical models', async t => {
  const out = await runExample('out-of-core-normal.ts')
  const models = [...out.matchAll(/(\{"class".*\})/g)].map(m => JSON.parse(m[1]!))
  t.equal(models.length, 3)
  t.same(models[1], models[0])
  t.same(models[2], models[0])
  t.equal(out.match(/identical: true/g)?.length, 2)
  // Independent check: a two-pass mean and standard deviation of the same draws.
  const X = new NormalDistribution(3, 5).sample(5000, { seed: 0 })
  let mean = 0
  for (const x of X) mean += x
  mean /= X.length
  let ss = 0
  for (const x of X) ss += (x - mean) ** 2
  assertClose(t, models[0].parameters, [mean, Math.sqrt(ss / X.length)], 1e-12)
})

import t from 'tap'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { assertArilError } from '../helpers.js'

// More values than a typed array may hold (2^53 > any engine's limit): a coded error, allocated nothing.
t.test('a sample too large for one array is ERR_INVALID_ARGUMENT with the engine\'s RangeError as cause', async t => {
  for (const [name, model] of [['Normal', new NormalDistribution(0, 1)], ['Discrete', new DiscreteDistribution({ a: 1 })],
    ['mixture', GeneralMixtureModel.fromSamples(NormalDistribution, 2, [1, 2, 10, 11], { seed: 1 })]] as const) {
    const err = assertArilError(t, () => model.sample(2 ** 53), { code: 'ERR_INVALID_ARGUMENT', message: /^sample: 9007199254740992 samples do not fit in one array/ }, name)
    t.ok(err?.cause instanceof RangeError, `${name}: the RangeError is the cause`)
  }
  t.equal(new NormalDistribution(0, 1).sample(3, { seed: 1 }).length, 3, 'an ordinary sample is unchanged')
})

// Rows past the heap limit would abort the process (a fatal out-of-memory, not an exception): refused before drawing.
t.test('rows of several values past the heap are ERR_INVALID_ARGUMENT before anything is drawn', async t => {
  const mvg = new MultivariateGaussianDistribution([0, 0, 0, 0, 0], [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])
  const ic = new IndependentComponentsDistribution([new NormalDistribution(0, 1), new NormalDistribution(1, 1)])
  for (const [name, model] of [['MultivariateGaussian', mvg], ['IndependentComponents', ic]] as const) {
    assertArilError(t, () => model.sample(1e9), { code: 'ERR_INVALID_ARGUMENT', message: /^sample: 1000000000 rows of \d values need about \d+ MiB, more than the \d+ MiB heap; draw them in parts/ }, name)
    t.equal(model.sample(1000, { seed: 1 }).length, 1000, `${name}: an ordinary sample is unchanged`)
  }
})

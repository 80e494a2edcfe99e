import t from 'tap'
import { snapshotParameters } from '../../lib/train/parameter-snapshot.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { IndependentComponentsDistribution } from '../../lib/distributions/independent-components.js'
import { stringifyJSON } from '../../lib/core/serialize.js'

t.test('undo puts back the parameters of a model and of the models it holds', async t => {
  const inner = new IndependentComponentsDistribution([new NormalDistribution(0, 1), new DiscreteDistribution({ a: 0.5, b: 0.5 })])
  const gmm = new GeneralMixtureModel([inner, new IndependentComponentsDistribution([new NormalDistribution(5, 1), new DiscreteDistribution({ a: 0.1, b: 0.9 })])])
  const before = stringifyJSON(gmm)
  const undo = snapshotParameters(gmm)
  gmm.fit([[0, 'a'], [1, 'b'], [5, 'b'], [6, 'a']], { maxIterations: 3 })
  t.not(stringifyJSON(gmm), before, 'the fit changed the parameters')
  const components = gmm.distributions
  ;(components as unknown[])[0] = new NormalDistribution()
  undo()
  t.equal(stringifyJSON(gmm), before, 'the parameters before the snapshot')
  t.equal(gmm.distributions[0], inner, 'the same component objects, in place')
  t.same(Array.from(gmm.logProbability([[0, 'a']])), Array.from(new GeneralMixtureModel([
    new IndependentComponentsDistribution([new NormalDistribution(0, 1), new DiscreteDistribution({ a: 0.5, b: 0.5 })]),
    new IndependentComponentsDistribution([new NormalDistribution(5, 1), new DiscreteDistribution({ a: 0.1, b: 0.9 })])
  ]).logProbability([[0, 'a']])), 'the caches are put back with the parameters')
})

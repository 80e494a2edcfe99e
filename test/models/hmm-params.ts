/** An HMM's parameters against pomegranate's fixtures (test/fixtures/hmm-stacks.json). */
import type { Test } from 'tap'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import type { HiddenMarkovModel } from '../../lib/models/hmm/hmm.js'
import { assertClose } from '../helpers.js'

/** pomegranate's dense transition matrix and each state's parameters (null: silent). */
export interface HmmParams { transitions: number[][]; distributions: Array<null | number[] | Record<string, number>> }

// the HMM fixtures match to 1e-12
const REL = 1e-12

/** An HMM's parameters against pomegranate's: the dense transition matrix and each state's distribution. */
export function assertHmmParams (t: Test, model: HiddenMarkovModel, expected: HmmParams, what: string): void {
  assertClose(t, model.denseTransitionMatrix().flat(), expected.transitions.flat(), REL, `${what}: transitions`, 1e-300)
  model.states.forEach((s, i) => {
    const want = expected.distributions[i]
    if (s.distribution === null) { t.equal(want, null, `${what}: ${s.name} silent`); return }
    if (s.distribution instanceof DiscreteDistribution) {
      const table = s.distribution.parameters[0]
      const keys = Object.keys(want as Record<string, number>)
      assertClose(t, keys.map(k => table.get(k) ?? 0), keys.map(k => (want as Record<string, number>)[k]!), REL, `${what}: ${s.name}`)
    } else {
      assertClose(t, s.distribution.parameters as number[], want as number[], REL, `${what}: ${s.name}`)
    }
  })
}


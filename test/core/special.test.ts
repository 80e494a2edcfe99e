import t from 'tap'
import { digamma, logGamma, trigamma } from '../../lib/core/special.js'
import { assertClose, fixture } from '../helpers.js'

// Rows: x, scipy gammaln, psi, polygamma(1, x), then mpmath's log|Γ|, ψ, ψ′ (scripts/fixtures/special.py).
const { positive, negative } = fixture<{ positive: number[][]; negative: number[][] }>('special')
const column = (rows: number[][], i: number): number[] => rows.map(r => r[i]!)
const xs = column(positive, 0)
const near = (x: number, root: number): boolean => Math.abs(x - root) < 0.05

t.test('logGamma matches mpmath to a few ulp, including next to its zeros at 1 and 2', async t => {
  assertClose(t, xs.map(logGamma), column(positive, 4), 1e-15, 'x > 0')
  assertClose(t, column(negative, 0).map(logGamma), column(negative, 3), 2e-15, 'x < 0 (reflection)')
})

t.test('logGamma matches scipy.special.gammaln (which is only absolutely accurate next to 1 and 2)', async t => {
  const far = positive.filter(r => !near(r[0]!, 1) && !near(r[0]!, 2))
  const close = positive.filter(r => near(r[0]!, 1) || near(r[0]!, 2))
  assertClose(t, column(far, 0).map(logGamma), column(far, 1), 2e-15, 'away from 1 and 2')
  assertClose(t, column(close, 0).map(logGamma), column(close, 1), 0, 'next to 1 and 2', 3e-16)
  assertClose(t, column(negative, 0).map(logGamma), column(negative, 1), 2e-15, 'x < 0')
})

t.test('digamma matches mpmath and scipy.special.psi', async t => {
  // Next to the zero of ψ at 1.4616… only the absolute error is small.
  const far = positive.filter(r => !near(r[0]!, 1.4616321449683622))
  const root = positive.filter(r => near(r[0]!, 1.4616321449683622))
  assertClose(t, column(far, 0).map(digamma), column(far, 5), 5e-16, 'mpmath')
  assertClose(t, column(root, 0).map(digamma), column(root, 5), 0, 'mpmath next to the zero', 1e-16)
  assertClose(t, column(far, 0).map(digamma), column(far, 2), 2e-15, 'scipy')
  // ψ(−n − 1/2) = ψ(n + 3/2): π/tan(π/2) is 1.9e-16, not 0, in floating point.
  assertClose(t, column(negative, 0).map(digamma), column(negative, 4), 1e-14, 'x < 0 (reflection), mpmath')
  assertClose(t, column(negative, 0).map(digamma), column(negative, 2), 1e-14, 'x < 0, scipy')
})

t.test('trigamma matches mpmath and scipy.special.polygamma(1, x)', async t => {
  assertClose(t, xs.map(trigamma), column(positive, 6), 1e-15, 'mpmath')
  assertClose(t, xs.map(trigamma), column(positive, 3), 1e-15, 'scipy')
})

t.test('closed forms and special arguments', async t => {
  t.equal(logGamma(1), 0)
  t.equal(logGamma(2), 0)
  assertClose(t, logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 2e-16, 'log Γ(1/2) = log √π')
  assertClose(t, logGamma(171), 706.5730622457874, 2e-16, 'log 170!')
  for (const x of [0, -1, -2, Infinity, -Infinity]) t.equal(logGamma(x), Infinity, `logGamma(${x})`)
  t.ok(Number.isNaN(logGamma(NaN)))
  assertClose(t, digamma(1), -0.5772156649015329, 2e-16, 'ψ(1) = −γ')
  for (const x of [0, -3, NaN, -Infinity]) t.ok(Number.isNaN(digamma(x)), `digamma(${x}) is NaN`)
  assertClose(t, trigamma(1), Math.PI * Math.PI / 6, 2e-16, 'ψ′(1) = π²/6')
  for (const x of [0, -1.5, NaN]) t.ok(Number.isNaN(trigamma(x)), `trigamma(${x}) is NaN`)
})

import t from 'tap'
import { cholesky, logDeterminant, solveLower, symmetricEigenvalues } from '../../lib/core/linear-algebra.js'
import { Random } from '../../lib/core/random.js'
import { assertClose } from '../helpers.js'

/** A random symmetric positive definite d×d matrix B·Bᵀ + d·I. */
function spd (d: number, seed: number): Float64Array {
  const random = new Random(seed)
  const b = Float64Array.from({ length: d * d }, () => random.normal())
  const a = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = i === j ? d : 0
      for (let k = 0; k < d; k++) s += b[i * d + k]! * b[j * d + k]!
      a[i * d + j] = s
    }
  }
  return a
}

t.test('cholesky: closed form, and L·Lᵀ reproduces A', async t => {
  t.same(cholesky(Float64Array.of(4, 2, 2, 5), 2), Float64Array.of(2, 0, 1, 2))
  for (const d of [1, 3, 10, 40]) {
    const a = spd(d, d)
    const l = cholesky(a, d)!
    const back = new Float64Array(d * d)
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0
        for (let k = 0; k < d; k++) s += l[i * d + k]! * l[j * d + k]!
        back[i * d + j] = s
        if (j > i) t.equal(l[i * d + j], 0)
      }
    }
    assertClose(t, back, a, 1e-13, `d = ${d}`, 1e-13 * d)
  }
  t.equal(cholesky(Float64Array.of(1, 2, 2, 1), 2), undefined, 'indefinite')
  t.equal(cholesky(Float64Array.of(1, 1, 1, 1), 2), undefined, 'singular')
  t.equal(cholesky(Float64Array.of(Infinity), 1), undefined, 'infinite')
  t.equal(cholesky(Float64Array.of(NaN), 1), undefined, 'NaN')
})

t.test('solveLower solves L·z = b; logDeterminant is log det A', async t => {
  t.same(solveLower(Float64Array.of(2, 0, 1, 2), 2, Float64Array.of(2, 5)), Float64Array.of(1, 2))
  t.equal(logDeterminant(Float64Array.of(2, 0, 1, 2), 2), Math.log(16))
  const d = 12
  const a = spd(d, 7)
  const l = cholesky(a, d)!
  const random = new Random(1)
  const z = Float64Array.from({ length: d }, () => random.normal())
  const b = new Float64Array(d)
  for (let i = 0; i < d; i++) for (let k = 0; k <= i; k++) b[i] += l[i * d + k]! * z[k]!
  assertClose(t, solveLower(l, d, b), z, 1e-12, 'L·z round trip', 1e-13)
  // det of a diagonal matrix, and of a 3×3 one by cofactor expansion.
  const diagonal = Float64Array.of(2, 0, 0, 0, 3, 0, 0, 0, 7)
  assertClose(t, logDeterminant(cholesky(diagonal, 3)!, 3), Math.log(42), 1e-15)
  const m = Float64Array.of(4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2)
  const det = 4 * (3 * 2 - 0.2 * 0.2) - 1 * (1 * 2 - 0.2 * 0.5) + 0.5 * (1 * 0.2 - 3 * 0.5)
  assertClose(t, logDeterminant(cholesky(m, 3)!, 3), Math.log(det), 1e-15)
})

t.test('symmetricEigenvalues: closed forms and invariants', async t => {
  assertClose(t, symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2), [1, 3], 1e-15, '[[2, 1], [1, 2]]')
  t.same(symmetricEigenvalues(Float64Array.of(5, 0, 0, -1), 2), Float64Array.of(-1, 5), 'already diagonal')
  assertClose(t, symmetricEigenvalues(Float64Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1), 3), [0, 0, 3], 1e-15, 'all ones: rank one', 1e-15)
  // [[a, b], [b, c]]: (a + c)/2 ± sqrt(((a − c)/2)² + b²)
  const [lo, hi] = symmetricEigenvalues(Float64Array.of(3, -2, -2, 0.5), 2)
  assertClose(t, [lo!, hi!], [1.75 - Math.sqrt(1.25 ** 2 + 4), 1.75 + Math.sqrt(1.25 ** 2 + 4)], 1e-15)
  const d = 20
  const a = spd(d, 3)
  const values = symmetricEigenvalues(a, d)
  let trace = 0
  for (let i = 0; i < d; i++) trace += a[i * d + i]!
  assertClose(t, values.reduce((s, v) => s + v, 0), trace, 1e-13, 'sum = trace')
  assertClose(t, values.reduce((s, v) => s + Math.log(v), 0), logDeterminant(cholesky(a, d)!, d), 1e-12, 'Σ log λ = log det')
  t.ok(values.every((v, i) => i === 0 || v >= values[i - 1]!), 'increasing')
  t.ok(values[0]! >= d - 1e-9, 'B·Bᵀ + d·I has every eigenvalue >= d')
})

/**
 * Squared Mahalanobis distances of complete rows, (x − μ)ᵀ Σ⁻¹ (x − μ) = |y|² with L·y = x − μ and
 * L the lower Cholesky factor of Σ: the hot loop of a MultivariateGaussianDistribution's density.
 * For d ≤ UNROLL_LIMIT the row is written out once per dimension (see core/generated.ts), in
 * exactly the loop's order of operations.
 */
import { compileKernel, range } from '../core/generated.js'

/**
 * Writes |y|² for every complete row r of `data` (rows × d, row-major) into `out[r]`, and NaN for
 * a row with a missing value. `factor` is L (d × d, row-major) and `inverseDiagonal` its
 * diagonal's reciprocals.
 */
export type MahalanobisKernel = (
  data: Float64Array, rows: number, mean: Float64Array, factor: Float64Array, inverseDiagonal: Float64Array, out: Float64Array
) => void

/** The largest dimension written out (its row takes d(d+1)/2 constants and as many lines). */
export const UNROLL_LIMIT = 32

/**
 * The loop form of {@link MahalanobisKernel}: forward substitution with the diagonal's
 * reciprocals (a division per entry costs more than the rest of the row).
 *
 * @example
 * ```ts
 * const out = new Float64Array(1)
 * mahalanobisLoop(2)(Float64Array.of(3, 4), 1, Float64Array.of(1, 0), Float64Array.of(2, 0, 0, 2), Float64Array.of(0.5, 0.5), out)
 * out[0] // => 5 (|(2, 4) / 2|²)
 * ```
 */
export function mahalanobisLoop (d: number): MahalanobisKernel {
  const z = new Float64Array(d)
  return (data, rows, mean, factor, inverseDiagonal, out) => {
    for (let r = 0, base = 0; r < rows; r++, base += d) {
      let missing = 0
      for (let j = 0; j < d; j++) {
        const v = data[base + j]! - mean[j]!
        z[j] = v
        missing += v - v // 0, or NaN once a value is missing
      }
      let q = 0
      for (let i = 0, at = 0; i < d; i++, at += d) {
        let s = z[i]!
        for (let k = 0; k < i; k++) s -= factor[at + k]! * z[k]!
        const y = s * inverseDiagonal[i]!
        z[i] = y
        q += y * y
      }
      out[r] = q + missing
    }
  }
}

const kernels = new Map<number, MahalanobisKernel>()

/**
 * The fastest {@link MahalanobisKernel} for dimension d: written out for d ≤ UNROLL_LIMIT when
 * code generation is allowed, else {@link mahalanobisLoop}. Same bits either way.
 *
 * @example
 * ```ts
 * const out = new Float64Array(2)
 * mahalanobisKernel(1)(Float64Array.of(3, NaN), 2, Float64Array.of(1), Float64Array.of(2), Float64Array.of(0.5), out)
 * out // => Float64Array [1, NaN]
 * ```
 */
export function mahalanobisKernel (d: number): MahalanobisKernel {
  let kernel = kernels.get(d)
  if (kernel === undefined) {
    kernel = (d <= UNROLL_LIMIT ? unrolled(d) : undefined) ?? mahalanobisLoop(d)
    kernels.set(d, kernel)
  }
  return kernel
}

/** The written-out kernel, or undefined where `new Function` is disallowed. */
function unrolled (d: number): MahalanobisKernel | undefined {
  const constants = [
    ...range(d).map(j => `const m${j} = mean[${j}], v${j} = inverseDiagonal[${j}];`),
    ...range(d).flatMap(i => range(i).map(k => `const l${i}_${k} = factor[${i * d + k}];`))
  ]
  const row = [
    ...range(d).map(j => `const z${j} = data[base + ${j}] - m${j};`),
    `const missing = ${range(d).map(j => `(z${j} - z${j})`).join(' + ')};`,
    // s = z_i − l_i0·y_0 − l_i1·y_1 − …, left to right as in the loop
    ...range(d).map(i => `const y${i} = (${['z' + String(i), ...range(i).map(k => `l${i}_${k} * y${k}`)].join(' - ')}) * v${i};`),
    `out[r] = ${range(d).map(i => `y${i} * y${i}`).reduce((q, term) => `(${q} + ${term})`, '0')} + missing;`
  ]
  const source = `${constants.join('\n')}
for (let r = 0, base = 0; r < rows; r++, base += ${d}) {
${row.join('\n')}
}`
  return compileKernel<MahalanobisKernel>(['data', 'rows', 'mean', 'factor', 'inverseDiagonal', 'out'], source)
}

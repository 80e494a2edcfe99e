/**
 * The small dense linear algebra the multivariate distributions need, on row-major d×d
 * Float64Arrays: Cholesky factorization, triangular solves, the log-determinant from a factor and
 * the smallest eigenvalue of a symmetric matrix. Plain loops; d is at most a few hundred.
 */

/**
 * The lower Cholesky factor L of a symmetric matrix A (A = L·Lᵀ, only the lower triangle of A is
 * read), or undefined when A is not (numerically) positive definite.
 * See [Cholesky decomposition](https://en.wikipedia.org/wiki/Cholesky_decomposition).
 *
 * @example
 * ```ts
 * cholesky(Float64Array.of(4, 2, 2, 5), 2) // => Float64Array [2, 0, 1, 2]
 * ```
 */
export function cholesky (a: ArrayLike<number>, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j]!
    for (let k = 0; k < j; k++) diag -= l[j * d + k]! * l[j * d + k]!
    if (!(diag > 0) || diag === Infinity) return undefined
    const ljj = Math.sqrt(diag)
    l[j * d + j] = ljj
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j]!
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!
      l[i * d + j] = s / ljj
    }
  }
  return l
}

/**
 * Solves L·z = b in place (forward substitution) for a lower-triangular L; `b` holds z afterwards.
 *
 * @example
 * ```ts
 * const z = Float64Array.of(2, 5)
 * solveLower(Float64Array.of(2, 0, 1, 2), 2, z) // z => [1, 2]
 * ```
 */
export function solveLower (l: ArrayLike<number>, d: number, b: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * b[k]!
    b[i] = s / l[i * d + i]!
  }
  return b
}

/**
 * Σ v_i² over the first n entries of v (all of them by default), added in order.
 *
 * @example
 * ```ts
 * squaredNorm(Float64Array.of(3, 4)) // => 25
 * ```
 */
export function squaredNorm (v: Float64Array, n = v.length): number {
  let q = 0
  for (let i = 0; i < n; i++) q += v[i]! * v[i]!
  return q
}

/**
 * log det A from its Cholesky factor: 2·Σ log L_ii.
 *
 * @example
 * ```ts
 * logDeterminant(Float64Array.of(2, 0, 1, 2), 2) // => 2.772588722239781 (log 16)
 * ```
 */
export function logDeterminant (l: ArrayLike<number>, d: number): number {
  let s = 0
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!)
  return 2 * s
}

/**
 * The eigenvalues of a symmetric matrix, in increasing order (cyclic Jacobi rotations until the
 * off-diagonal part is negligible; accurate to a few ulp of the largest eigenvalue).
 * See [Jacobi eigenvalue algorithm](https://en.wikipedia.org/wiki/Jacobi_eigenvalue_algorithm).
 *
 * @example
 * ```ts
 * symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2) // => Float64Array [1, 3]
 * ```
 */
export function symmetricEigenvalues (a: ArrayLike<number>, d: number): Float64Array {
  // Work on A / max|a_ij| so that the sums of squares below cannot overflow.
  let scale = 0
  for (let i = 0; i < d * d; i++) scale = Math.max(scale, Math.abs(a[i]!))
  if (scale === 0 || scale === Infinity || scale !== scale) scale = 1
  const m = Float64Array.from({ length: d * d }, (_, i) => a[i]! / scale)
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    let total = 0
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const v = m[i * d + j]! * m[i * d + j]!
        total += v
        if (i !== j) off += v
      }
    }
    if (!(off > 1e-30 * total)) break
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!
        if (apq === 0) continue
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < d; k++) {
          const akp = m[k * d + p]!
          const akq = m[k * d + q]!
          m[k * d + p] = c * akp - s * akq
          m[k * d + q] = s * akp + c * akq
        }
        for (let k = 0; k < d; k++) {
          const apk = m[p * d + k]!
          const aqk = m[q * d + k]!
          m[p * d + k] = c * apk - s * aqk
          m[q * d + k] = s * apk + c * aqk
        }
      }
    }
  }
  const out = new Float64Array(d)
  for (let i = 0; i < d; i++) out[i] = m[i * d + i]! * scale
  return out.sort()
}

/**
 * Row-wise log-sum-exp over a model's components: the hot loop of every mixture E-step.
 *
 * V8's `Math.exp` is a call into C (fdlibm) costing about as much as the rest of the E-step of a
 * one-dimensional mixture, so the exponentials here use {@link expNonPositive}: Tang's table
 * method (256 entries of 2^(j/256), Cody–Waite reduction, a degree-4 polynomial), within 2 ulp of
 * `Math.exp` and made of plain arithmetic, so the same on every platform.
 */

const TABLE_BITS = 8
const TABLE_SIZE = 1 << TABLE_BITS
const EXP_TABLE = Float64Array.from({ length: TABLE_SIZE }, (_, j) => 2 ** (j / TABLE_SIZE))
const POW2 = Float64Array.from({ length: 1024 }, (_, i) => 2 ** -i)
const INV_STEP = TABLE_SIZE / Math.LN2
/** ln2/256 in two parts: the high part keeps 21 significant bits, so n·HI is exact for the |n| < 2^18 used here. */
const STEP_HI = 0.0027076043188571930
const STEP_LO = Math.LN2 / TABLE_SIZE - STEP_HI + 2.3190468138462996e-17 / TABLE_SIZE

/**
 * e^x for x ≤ 0 (NaN for NaN), within 2 ulp of `Math.exp`; below −708, where the result is
 * subnormal, it defers to `Math.exp`.
 *
 * @example
 * ```ts
 * expNonPositive(-0.5) // => 0.6065306597126334
 * ```
 */
export function expNonPositive (x: number): number {
  if (!(x > -708)) return Math.exp(x)
  const n = (x * INV_STEP - 0.5) | 0
  const r = (x - n * STEP_HI) - n * STEP_LO
  // |r| ≤ ln2/512: the Taylor terms after r⁴/24 add less than 2^-54
  const p = r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24)))
  const t = EXP_TABLE[n & (TABLE_SIZE - 1)]!
  return (t + t * p) * POW2[-(n >> TABLE_BITS)]!
}

/**
 * For rows 0…rows−1 of k component log-densities `logp[j]` and log-weights `logWeights[j]`:
 * writes `lse[r] = log Σ_j exp(logp[j][r] + logWeights[j])` and replaces `logp[j][r]` by the
 * responsibility exp(logp[j][r] + logWeights[j] − lse[r]) times the row's weight (1 without
 * `weights`). A row impossible under every component (or NaN) gets no responsibility anywhere;
 * components with infinite density share the row.
 *
 * The work goes column by column (one tight loop per component and step, no branch on which
 * component is largest), which is what lets V8 keep up with compiled code here.
 *
 * @example
 * ```ts
 * const logp = [Float64Array.of(-1, -5), Float64Array.of(-2, -1)]
 * const lse = new Float64Array(2)
 * responsibilities(logp, Float64Array.of(Math.log(0.5), Math.log(0.5)), undefined, lse, 2)
 * logp[0][0] + logp[1][0] // => 1
 * ```
 */
export function responsibilities (logp: Float64Array[], logWeights: Float64Array, weights: Float64Array | undefined, lse: Float64Array, rows: number): void {
  const k = logp.length
  const max = lse
  addAndMax(logp, logWeights, max, rows)
  const sum = scratch(rows)
  for (let j = 0; j < k; j++) {
    const a = logp[j]!
    for (let r = 0; r < rows; r++) {
      const e = expNonPositive(a[r]! - max[r]!)
      a[r] = e
      sum[r]! += e
    }
  }
  let special = false
  for (let r = 0; r < rows; r++) {
    const m = max[r]!
    const s = sum[r]!
    if (m > -Infinity && m < Infinity) {
      lse[r] = m + Math.log(s)
      sum[r] = (weights === undefined ? 1 : weights[r]!) / s
    } else {
      special = true
      sum[r] = 1 // keeps the NaN that marks the infinite components for fixInfinite
    }
  }
  for (let j = 0; j < k; j++) {
    const a = logp[j]!
    for (let r = 0; r < rows; r++) a[r]! *= sum[r]!
  }
  if (special) fixInfinite(logp, weights, lse, rows)
}

/**
 * The rows whose largest term is ±∞ or NaN: there the loops above left NaN. With +∞ the row goes
 * to the components of infinite density (their exponent was ∞ − ∞ = NaN), in equal shares;
 * otherwise (−∞ everywhere, or NaN) nowhere. `lse` keeps the largest term.
 */
function fixInfinite (logp: Float64Array[], weights: Float64Array | undefined, lse: Float64Array, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const m = lse[r]!
    if (m > -Infinity && m < Infinity) continue
    let infinite = 0
    if (m === Infinity) for (const a of logp) if (a[r] !== a[r]) infinite++
    const share = infinite === 0 ? 0 : (weights === undefined ? 1 : weights[r]!) / infinite
    for (const a of logp) a[r] = m === Infinity && a[r] !== a[r] ? share : 0
  }
}

/**
 * Adds `logWeights[j]` into every `logp[j][r]` (the joint log-densities) and writes
 * `lse[r] = log Σ_j exp(joint[j][r])`, the log-density of the row under the mixture.
 *
 * @example
 * ```ts
 * const lse = new Float64Array(1)
 * jointLogSumExp([Float64Array.of(0), Float64Array.of(0)], Float64Array.of(0, 0), lse, 1)
 * lse[0] // => Math.log(2)
 * ```
 */
export function jointLogSumExp (logp: Float64Array[], logWeights: Float64Array, lse: Float64Array, rows: number): void {
  const max = lse
  addAndMax(logp, logWeights, max, rows)
  const sum = scratch(rows)
  for (const a of logp) {
    for (let r = 0; r < rows; r++) sum[r]! += expNonPositive(a[r]! - max[r]!)
  }
  for (let r = 0; r < rows; r++) {
    const m = max[r]!
    if (m > -Infinity && m < Infinity) lse[r] = m + Math.log(sum[r]!)
  }
}

/** logp[j][r] += logWeights[j], and max[r] = max_j logp[j][r] (NaN if any is NaN). */
function addAndMax (logp: Float64Array[], logWeights: Float64Array, max: Float64Array, rows: number): void {
  const first = logp[0]!
  const w0 = logWeights[0]!
  for (let r = 0; r < rows; r++) {
    const v = first[r]! + w0
    first[r] = v
    max[r] = v
  }
  for (let j = 1; j < logp.length; j++) {
    const a = logp[j]!
    const w = logWeights[j]!
    for (let r = 0; r < rows; r++) {
      const v = a[r]! + w
      a[r] = v
      max[r] = Math.max(max[r]!, v)
    }
  }
}

let scratchBuffer = new Float64Array(0)

/** A zeroed scratch array of `rows` entries (reused between calls: the E-step runs synchronously). */
function scratch (rows: number): Float64Array {
  if (scratchBuffer.length < rows) scratchBuffer = new Float64Array(rows)
  return scratchBuffer.fill(0, 0, rows).subarray(0, rows)
}

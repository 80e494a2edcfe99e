/**
 * Row-wise log-sum-exp over a model's components: the hot loop of every mixture E-step.
 *
 * V8's `Math.exp` and `Math.log` are calls into C (fdlibm) costing about as much as the rest of the
 * E-step of a one-dimensional mixture, so the exponentials here use {@link expNonPositive} (Tang's
 * table method: 256 entries of 2^(j/256), Cody–Waite reduction, a degree-4 polynomial) and the
 * logarithms {@link logPositive}: within 2 and 1 ulp of V8's, made of plain arithmetic (so the
 * same on every platform) and without branches that depend on the data, which a CPU mispredicts.
 */

const TABLE_BITS = 8
const TABLE_SIZE = 1 << TABLE_BITS
/** 2^(j/256), j = 0 … 255 (exported with the other constants for the WebAssembly form, logsumexp-wasm.ts). */
export const EXP_TABLE = Float64Array.from({ length: TABLE_SIZE }, (_, j) => 2 ** (j / TABLE_SIZE))
const POW2 = Float64Array.from({ length: 1024 }, (_, i) => 2 ** -i)
export const INV_STEP = TABLE_SIZE / Math.LN2
/** ln2/256 in two parts: the high part keeps 21 significant bits, so n·HI is exact for the |n| < 2^18 used here. */
export const STEP_HI = 0.0027076043188571930
export const STEP_LO = Math.LN2 / TABLE_SIZE - STEP_HI + 2.3190468138462996e-17 / TABLE_SIZE

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

const F64 = new Float64Array(1)
const U32 = new Uint32Array(F64.buffer)
/** Which 32-bit half of a float64 holds the sign, the exponent and the top of the mantissa. */
const HIGH_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0
/** 2^(1023−b) for every biased exponent b of a normal number: x·SCALE[b] is x's mantissa, in [1, 2). */
const SCALE = Float64Array.from({ length: 2047 }, (_, b) => 2 ** (1023 - b))
/**
 * Reduction points c_j for the mantissa intervals [1 + j/128, 1 + (j+1)/128): the left end for
 * j < 64, the right end above, with the exponent raised by one there (so c_127 = 2 counts as 1).
 * Values next to 1, from either side, are then reduced around exactly 1 and keep their relative
 * accuracy.
 */
const CENTRE = Float64Array.from({ length: 128 }, (_, j) => 1 + (j < 64 ? j : j + 1) / 128)
export const CENTRE_INV = CENTRE.map(c => 1 / c)
export const CENTRE_LOG = CENTRE.map((c, j) => Math.log(j < 64 ? c : c / 2))
/** fdlibm's split of ln 2: LN2_HI has 32 significant bits, so e·LN2_HI is exact. */
export const LN2_HI = 6.93147180369123816490e-01
export const LN2_LO = 1.90821492927058770002e-10

/**
 * log x for x > 0, within 1 ulp of `Math.log` (and exactly 0 at 1). Zero, subnormal, infinite,
 * negative and NaN arguments defer to `Math.log`.
 *
 * `Math.log` (fdlibm) branches on where its argument falls, and the sums of exponentials an
 * E-step feeds it fall everywhere in [1, k]: the mispredictions cost more than the arithmetic.
 * This is a table method without data-dependent branches: the exponent and the top 7 mantissa
 * bits pick a reduction point c, r = x/c − 1 is at most 2^-7 in size, and log(1 + r) is its
 * Taylor series to r⁸ (the rest is below 2^-63).
 *
 * @example
 * ```ts
 * logPositive(Math.E) // => 1
 * ```
 */
export function logPositive (x: number): number {
  if (!(x >= 2.2250738585072014e-308 && x < Infinity)) return Math.log(x)
  F64[0] = x
  const high = U32[HIGH_WORD]!
  const biased = high >>> 20
  const j = (high >>> 13) & 127
  const e = biased - 1023 + (j >>> 6)
  // x·SCALE − c is exact: both lie in [1, 2] on the grid of 2^-52
  const r = (x * SCALE[biased]! - CENTRE[j]!) * CENTRE_INV[j]!
  const p = r - r * r * (0.5 - r * (1 / 3 - r * (0.25 - r * (0.2 - r * (1 / 6 - r * (1 / 7 - r * 0.125))))))
  return e * LN2_HI + (CENTRE_LOG[j]! + (p + e * LN2_LO))
}

/**
 * For rows 0…rows−1 of k component log-densities `logp[j]` and log-weights `logWeights[j]`:
 * writes `lse[r] = log Σ_j exp(logp[j][r] + logWeights[j])`, replaces `logp[j][r]` by the
 * responsibility exp(logp[j][r] + logWeights[j] − lse[r]) times the row's weight (1 without
 * `weights`), and returns Σ_r w_r·lse[r] over the rows of non-zero weight. A row impossible
 * under every component (or NaN) gets no responsibility anywhere; components with infinite
 * density share the row.
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
export function responsibilities (logp: Float64Array[], logWeights: Float64Array, weights: Float64Array | undefined, lse: Float64Array, rows: number): number {
  const k = logp.length
  const max = lse
  rowMax(logp, logWeights, max, rows)
  const sum = scratch(rows)
  for (let j = 0; j < k; j++) {
    const a = logp[j]!
    const logWeight = logWeights[j]!
    for (let r = 0; r < rows; r++) {
      const e = expNonPositive(a[r]! + logWeight - max[r]!)
      a[r] = e
      sum[r]! += e
    }
  }
  let special = false
  let total = 0
  for (let r = 0; r < rows; r++) {
    const m = max[r]!
    const s = sum[r]!
    if (m > -Infinity && m < Infinity) {
      const l = m + logPositive(s)
      const w = weights === undefined ? 1 : weights[r]!
      lse[r] = l
      sum[r] = w / s
      if (w !== 0) total += w * l
    } else {
      special = true
      sum[r] = 1 // keeps the NaN that marks the infinite components for fixInfinite
    }
  }
  for (let j = 0; j < k; j++) {
    const a = logp[j]!
    for (let r = 0; r < rows; r++) a[r]! *= sum[r]!
  }
  return special ? total + fixInfinite(logp, weights, lse, rows) : total
}

/**
 * The rows whose largest term is ±∞ or NaN: there the loops above left NaN. With +∞ the row goes
 * to the components of infinite density (their exponent was ∞ − ∞ = NaN), in equal shares;
 * otherwise (−∞ everywhere, or NaN) nowhere. `lse` keeps the largest term. Returns Σ w·lse over
 * these rows (weight 0 left out).
 */
function fixInfinite (logp: Float64Array[], weights: Float64Array | undefined, lse: Float64Array, rows: number): number {
  let total = 0
  for (let r = 0; r < rows; r++) {
    const m = lse[r]!
    if (m > -Infinity && m < Infinity) continue
    const w = weights === undefined ? 1 : weights[r]!
    if (w !== 0) total += w * m
    let infinite = 0
    if (m === Infinity) for (const a of logp) if (a[r] !== a[r]) infinite++
    const share = infinite === 0 ? 0 : w / infinite
    for (const a of logp) a[r] = m === Infinity && a[r] !== a[r] ? share : 0
  }
  return total
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
  logp.forEach((a, j) => {
    const logWeight = logWeights[j]!
    for (let r = 0; r < rows; r++) a[r]! += logWeight
  })
  const max = lse
  rowMax(logp, undefined, max, rows)
  const sum = scratch(rows)
  for (const a of logp) {
    for (let r = 0; r < rows; r++) sum[r]! += expNonPositive(a[r]! - max[r]!)
  }
  for (let r = 0; r < rows; r++) {
    const m = max[r]!
    if (m > -Infinity && m < Infinity) lse[r] = m + logPositive(sum[r]!)
  }
}

/**
 * max[r] = max_j (logp[j][r] + logWeights[j]) (NaN if any is NaN), up to an ulp; without
 * `logWeights`, of logp[j][r] alone.
 *
 * `Math.max` compiles to compare-and-branch, and which component is largest changes from row to
 * row unpredictably: a mispredicted branch per component and row tripled the cost of this loop.
 * m + ½(d + |d|) with d = v − m has no branch: it is m when v < m, and v within an ulp otherwise,
 * which is all a log-sum-exp shift needs. Only infinite or NaN terms make it NaN, and those rare
 * rows take `Math.max`.
 */
function rowMax (logp: Float64Array[], logWeights: Float64Array | undefined, max: Float64Array, rows: number): void {
  const first = logp[0]!
  const w0 = logWeights === undefined ? 0 : logWeights[0]!
  for (let r = 0; r < rows; r++) max[r] = first[r]! + w0
  for (let j = 1; j < logp.length; j++) {
    const a = logp[j]!
    const w = logWeights === undefined ? 0 : logWeights[j]!
    for (let r = 0; r < rows; r++) {
      const v = a[r]! + w
      const m = max[r]!
      const d = v - m
      const branchless = m + 0.5 * (d + Math.abs(d))
      max[r] = branchless === branchless ? branchless : Math.max(m, v)
    }
  }
}

let scratchBuffer = new Float64Array(0)

/** A zeroed scratch array of `rows` entries (reused between calls: the E-step runs synchronously). */
function scratch (rows: number): Float64Array {
  if (scratchBuffer.length < rows) scratchBuffer = new Float64Array(rows)
  return scratchBuffer.fill(0, 0, rows).subarray(0, rows)
}

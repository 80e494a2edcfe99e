/**
 * The hot loops that add columns into {@link BlockedSums}: moments (Σw, Σw·x, Σw·x² around a
 * per-block shift), plain sums in two lanes, and the mean and variance read back from them.
 */
import { BlockedSums, LANES, MOMENT_PARTIALS } from './blocked-sums.js'
import { ExactSum } from './exact-sum.js'

/**
 * Adds rows start…end−1 (one run of {@link BlockedSums.runs}) of one column into the moment slots
 * of `column`: the hot loop of every model with a mean and a variance. Values are read at
 * `values[offset + r·stride]`; NaN is missing, and so is a row of weight 0.
 *
 * Row r goes to lane (its position in the block) mod 2, whatever the chunking. The loops first
 * run without tests for missing values or zero weights: only a NaN value (or 0·∞) can make a sum
 * of squares NaN, and then the run is redone, row by row, with the tests. Otherwise the two give
 * the same bits: a skipped row would only add ±0 to a lane, and no lane sum is ever −0.
 */
export function sumMoments (
  acc: BlockedSums, column: number, values: Float64Array, stride: number, offset: number,
  weights: Float64Array | undefined, start: number, end: number
): void {
  const partial = acc.partial
  const at = column * MOMENT_PARTIALS
  let k = acc.shift[column]!
  let r = start
  if (k !== k) {
    // The shift is the block's first value that counts: observed, with a weight other than 0.
    for (; r < end; r++) {
      const x = values[offset + r * stride]!
      if (x === x && (weights === undefined || weights[r] !== 0)) break
    }
    if (r < end) k = values[offset + r * stride]!
  }
  acc.shift[column] = k
  // The lane of row r is its position in the block mod LANES; the run starts at `pending`.
  const base = acc.pending - start
  if (sumLanes(partial, at, values, stride, offset, weights, k, base, r, end)) return
  const lanes = scratch
  lanes.set(partial.subarray(at, at + MOMENT_PARTIALS))
  for (; r < end; r++) {
    const w = weights === undefined ? 1 : weights[r]!
    if (w === 0) continue
    const x = values[offset + r * stride]!
    if (x !== x) continue
    const lane = (base + r) & (LANES - 1)
    const d = x - k
    const wd = w * d
    lanes[lane] += w
    lanes[LANES + lane] += wd
    lanes[2 * LANES + lane] += wd * d
  }
  partial.set(lanes, at)
}

const scratch = new Float64Array(MOMENT_PARTIALS)

/**
 * Adds rows start…end−1 (one run of {@link BlockedSums.runs}) of `values`, times `weights` when
 * given, into the two slots `at`, `at+1` of `acc.partial`: row r goes to lane (its position in
 * the block) mod 2, so the bits do not depend on the chunking, and two independent sums run at
 * about twice the speed of one. A row of weight 0 adds nothing, even where its value is infinite
 * or NaN. Read the totals with {@link BlockedSums.laneTotals}.
 *
 * @example
 * ```ts
 * const acc = new BlockedSums(4)
 * const values = Float64Array.of(1, 2, 3, 4, 5)
 * acc.runs(5, (start, end) => sumInLanes(acc, 0, values, undefined, start, end))
 * acc.laneTotals()[0].value() // => 15
 * ```
 */
export function sumInLanes (acc: BlockedSums, at: number, values: Float64Array, weights: Float64Array | undefined, start: number, end: number): void {
  const partial = acc.partial
  const base = acc.pending - start
  let r = start
  // A run that starts in lane 1 takes its first row there, so the loops start in lane 0.
  if (r < end && ((base + r) & 1) !== 0) partial[at + 1]! += weighted(values, weights, r++)
  let s0 = partial[at]!; let s1 = partial[at + 1]!
  if (weights === undefined) {
    for (; r + 4 <= end; r += 4) {
      s0 += values[r]!; s1 += values[r + 1]!; s0 += values[r + 2]!; s1 += values[r + 3]!
    }
  } else {
    for (; r + 2 <= end; r += 2) {
      s0 += weighted(values, weights, r); s1 += weighted(values, weights, r + 1)
    }
  }
  for (let lane = 0; r < end; r++, lane ^= 1) {
    if (lane === 0) s0 += weighted(values, weights, r)
    else s1 += weighted(values, weights, r)
  }
  partial[at] = s0; partial[at + 1] = s1
}

function weighted (values: Float64Array, weights: Float64Array | undefined, r: number): number {
  if (weights === undefined) return values[r]!
  const w = weights[r]!
  return w === 0 ? 0 : w * values[r]!
}

/**
 * The fast path of {@link sumMoments}: rows r…end−1 in lanes, without tests. Returns false,
 * storing nothing, when a sum of squares came out NaN (a missing value, or 0·∞ in a row of
 * weight 0), so the caller redoes the run with the tests.
 */
function sumLanes (partial: Float64Array, at: number, values: Float64Array, stride: number, offset: number, weights: Float64Array | undefined, k: number, base: number, r: number, end: number): boolean {
  let w0 = partial[at]!; let w1 = partial[at + 1]!
  let a0 = partial[at + 2]!; let a1 = partial[at + 3]!
  let b0 = partial[at + 4]!; let b1 = partial[at + 5]!
  // A run that starts in lane 1 takes its first row there, so the loops start in lane 0.
  if (r < end && ((base + r) & 1) !== 0) {
    const w = weights === undefined ? 1 : weights[r]!
    const d = values[offset + r * stride]! - k
    const wd = w * d
    w1 += w; a1 += wd; b1 += wd * d
    r++
  }
  if (weights === undefined) {
    // Each lane's Σw grows by one per row: counted once after the loop. That gives the bits of
    // adding 1 row by row while the lane sums are whole numbers below 2^52; an earlier weighted
    // run can leave fractions, and then the row-by-row path runs instead.
    if (!(wholeCount(w0) && wholeCount(w1))) return false
    const first = r
    // Four rows a turn, two per lane, still in row order within each lane.
    for (let i = offset + r * stride; r + 4 <= end; r += 4, i += 4 * stride) {
      let d0 = values[i]! - k
      let d1 = values[i + stride]! - k
      a0 += d0; b0 += d0 * d0; a1 += d1; b1 += d1 * d1
      d0 = values[i + 2 * stride]! - k
      d1 = values[i + 3 * stride]! - k
      a0 += d0; b0 += d0 * d0; a1 += d1; b1 += d1 * d1
    }
    const perLane = (r - first) / 2
    w0 += perLane; w1 += perLane
  } else {
    for (let i = offset + r * stride; r + 2 <= end; r += 2, i += 2 * stride) {
      const v0 = weights[r]!; const v1 = weights[r + 1]!
      const d0 = values[i]! - k
      const d1 = values[i + stride]! - k
      const e0 = v0 * d0; const e1 = v1 * d1
      w0 += v0; a0 += e0; b0 += e0 * d0
      w1 += v1; a1 += e1; b1 += e1 * d1
    }
  }
  // The last rows, from lane 0 on.
  for (let lane = 0; r < end; r++, lane ^= 1) {
    const w = weights === undefined ? 1 : weights[r]!
    const d = values[offset + r * stride]! - k
    const wd = w * d
    if (lane === 0) { w0 += w; a0 += wd; b0 += wd * d } else { w1 += w; a1 += wd; b1 += wd * d }
  }
  if (b0 !== b0 || b1 !== b1) return false
  partial[at] = w0; partial[at + 1] = w1
  partial[at + 2] = a0; partial[at + 3] = a1
  partial[at + 4] = b0; partial[at + 5] = b1
  return true
}

function wholeCount (w: number): boolean {
  return Math.floor(w) === w && w < 2 ** 52
}

/**
 * Mean and biased variance (ddof = 0) of a column from its moment slots, or undefined when the
 * total weight is zero. The variance is `(W·Σwx² − (Σwx)²) / W²` with the numerator exact.
 */
export function meanVariance (acc: BlockedSums, column: number): { weight: number; mean: number; variance: number } | undefined {
  const totals = acc.totals()
  const w = totals[3 * column]!
  const x = totals[3 * column + 1]!
  const xx = totals[3 * column + 2]!
  const weight = w.value()
  if (!(weight > 0)) return undefined
  const numerator = new ExactSum()
  numerator.addSumProduct(w, xx)
  numerator.addSumProduct(x, x, -1)
  const mean = x.value() / weight
  const variance = Math.max(0, numerator.value() / weight / weight)
  return { weight, mean, variance }
}

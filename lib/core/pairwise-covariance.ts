/**
 * Means and the pairwise-complete covariance of a {@link CrossProductSums}, from its exact sums.
 */
import { ExactSum } from './exact-sum.js'
import { triangleRow, type CrossProductSums } from './cross-products.js'

/** What {@link pairwiseCovariance} returns; NaN marks entries without any weight. */
export interface PairwiseCovariance {
  /** Σw over the rows where each column is observed. */
  weights: Float64Array
  /** Per-column weighted means over each column's observed values. */
  means: Float64Array
  /** Σw over the rows where both columns are observed, d×d row-major. */
  pairWeights: Float64Array
  /** Biased (ddof = 0) pairwise-complete covariance, d×d row-major, symmetric. */
  covariance: Float64Array
}

/**
 * Means and the biased, pairwise-complete weighted covariance from a {@link CrossProductSums}:
 * `cov_jk = (W_jk·Σw·x_j·x_k − S_j·S_k) / W_jk²` over the rows where both columns are observed
 * (pomegranate's formula), with the numerator formed exactly from the expansions and rounded once.
 *
 * @example
 * ```ts
 * const acc = new CrossProductSums(1)
 * acc.add(Float64Array.of(1, 3), undefined, 2)
 * pairwiseCovariance(acc) // => { weights: [2], means: [2], pairWeights: [2], covariance: [1] }
 * ```
 */
export function pairwiseCovariance (acc: CrossProductSums): PairwiseCovariance {
  const d = acc.dimension
  const totals = acc.totals()
  const cross = 2 * d
  const missW = 2 * d + (d * (d + 1)) / 2
  const missX = missW + d * d
  const weights = new Float64Array(d)
  const means = new Float64Array(d)
  const pairWeights = new Float64Array(d * d)
  const covariance = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    weights[j] = totals[j]!.value()
    means[j] = weights[j]! > 0 ? totals[d + j]!.value() / weights[j]! : NaN
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const w = totals[j]!.clone()
      const sj = totals[d + j]!.clone()
      const sk = totals[d + k]!.clone()
      if (k !== j) {
        w.addSum(totals[missW + j * d + k]!, -1)
        sj.addSum(totals[missX + j * d + k]!, -1)
        sk.addSum(totals[missX + k * d + j]!, -1)
      }
      const weight = w.value()
      let c = NaN
      if (weight > 0) {
        const numerator = new ExactSum()
        numerator.addSumProduct(w, totals[cross + triangleRow(j, d) + k - j]!)
        numerator.addSumProduct(sj, sk, -1)
        c = numerator.value() / weight / weight
        if (k === j) c = Math.max(0, c)
      }
      covariance[j * d + k] = c
      covariance[k * d + j] = c
      pairWeights[j * d + k] = weight
      pairWeights[k * d + j] = weight
    }
  }
  return { weights, means, pairWeights, covariance }
}

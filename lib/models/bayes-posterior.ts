/**
 * The posterior formulas of a Bayes model over its joint table `log π_j + log p_j(x_r)`, stored
 * class-major at `[j·rows + r]` so that each component writes its log-probabilities in one run.
 */
import type { Batch } from '../core/batch.js'
import type { Component } from './bayes.js'
import { unitCount } from '../core/sequence.js'

/** `log π_j + log p_j(x_r)` at `[j·rows + r]`, for k = `logWeights.length` components. */
export function jointLogProbability (batch: Batch, models: readonly Component[], logWeights: Float64Array): Float64Array {
  const rows = unitCount(batch)
  const k = logWeights.length
  const joint = new Float64Array(k * rows)
  for (let j = 0; j < k; j++) {
    const logp = models[j]!.logProbabilityBatch(batch)
    const prior = logWeights[j]!
    for (let r = 0; r < rows; r++) joint[j * rows + r] = logp[r]! + prior
  }
  return joint
}

/** log Σ_j exp(joint[j·rows + r]), stable; −∞ when every term is −∞. */
export function logSumExpColumn (joint: Float64Array, r: number, rows: number, k: number): number {
  let max = -Infinity
  for (let j = 0; j < k; j++) if (joint[j * rows + r]! > max) max = joint[j * rows + r]!
  if (max === -Infinity || max === Infinity || max !== max) return max
  let sum = 0
  for (let j = 0; j < k; j++) sum += Math.exp(joint[j * rows + r]! - max)
  return max + Math.log(sum)
}

/** log p(x_r) = log Σ_j π_j p_j(x_r), per row. */
export function marginalLogProbability (joint: Float64Array, rows: number, k: number): Float64Array {
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) out[r] = logSumExpColumn(joint, r, rows, k)
  return out
}

/** `log P(class j | x_r)` as a rows × k batch (NaN for a row impossible under every class, as pomegranate). */
export function posteriorLogProbability (joint: Float64Array, rows: number, k: number): Batch {
  const data = new Float64Array(rows * k)
  for (let r = 0; r < rows; r++) {
    const total = logSumExpColumn(joint, r, rows, k)
    for (let j = 0; j < k; j++) data[r * k + j] = joint[j * rows + r]! - total
  }
  return { data, rows, cols: k }
}

/** The most probable class of each row (the first on ties). */
export function mostProbableClass (joint: Float64Array, rows: number, k: number): Float64Array {
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    let max = -Infinity
    for (let j = 0; j < k; j++) {
      const v = joint[j * rows + r]!
      if (v > max) { max = v; best = j }
    }
    out[r] = best
  }
  return out
}

/**
 * Drawing from a Bayes model: a class by the priors, then a row (or, for HMM components, a whole
 * sequence) from that class's component, in the order the classes were drawn.
 */
import type { Component } from './bayes.js'
import type { Random } from '../core/random.js'

/**
 * n draws: rows (a Float64Array when one column), or sequences when `sequential`.
 * The classes are drawn first, then each component draws its count in one call.
 */
export function sampleBayes (models: readonly Component[], priors: readonly number[], n: number, random: Random, sequential: boolean): Float64Array | number[][] {
  const k = models.length
  const classes = new Int32Array(n)
  const counts = new Array<number>(k).fill(0)
  for (let i = 0; i < n; i++) {
    let u = random.uniform()
    let j = 0
    while (j < k - 1 && u >= priors[j]!) u -= priors[j++]!
    classes[i] = j
    counts[j]!++
  }
  const next = new Array<number>(k).fill(0)
  if (sequential) {
    const sequences = models.map((m, j) => m.sampleWith(counts[j]!, random) as number[][])
    return Array.from(classes, j => sequences[j]![next[j]!++]!)
  }
  const drawn = models.map((m, j) => sampleRows(m.sampleWith(counts[j]!, random), counts[j]!))
  const rows = Array.from(classes, j => drawn[j]![next[j]!++]!)
  return models[0]!.dimension === 1 ? Float64Array.from(rows, row => row[0]!) : rows
}

/** A component's `sample` output as rows: one value per row (univariate), or rows already. */
function sampleRows (sample: unknown, n: number): number[][] {
  if (Array.isArray(sample) && (n === 0 || typeof sample[0] === 'object')) return sample.map(row => Array.from(row as ArrayLike<number>))
  const values = sample as ArrayLike<number>
  const d = n === 0 ? 1 : values.length / n
  return Array.from({ length: n }, (_, i) => Array.prototype.slice.call(values, i * d, (i + 1) * d) as number[])
}

/**
 * The nearest of k centroids for every row whose values are all finite: the hot loop of Kmeans.
 * The nearest centroid minimizes |c|² − 2·x·c (pomegranate's expansion: one multiply-add per
 * centroid and dimension). For k·d ≤ UNROLL_LIMIT the row is written out once per shape (see
 * core/generated.ts), in exactly the loop's order of operations, so both pick the same centroid.
 */
import { compileKernel, range } from '../core/generated.js'

/**
 * Writes, for rows start…end−1 of `data` (row-major, d columns), the index of the nearest
 * centroid into `best[r − start]` (the first one on ties), or −1 for a row with a missing or
 * infinite value. `centroids` is k × d row-major and `norms[j]` = |c_j|².
 */
export type NearestKernel = (
  data: Float64Array, start: number, end: number, centroids: Float64Array, norms: Float64Array, best: Int32Array
) => void

/** The largest k·d written out. */
export const UNROLL_LIMIT = 256

/**
 * The loop form of {@link NearestKernel}.
 *
 * @example
 * ```ts
 * const best = new Int32Array(2)
 * nearestLoop(2, 1)(Float64Array.of(0.9, NaN), 0, 2, Float64Array.of(0, 1), Float64Array.of(0, 1), best)
 * best // => Int32Array [1, -1]
 * ```
 */
export function nearestLoop (k: number, d: number): NearestKernel {
  return (data, start, end, centroids, norms, best) => {
    for (let r = start, o = start * d; r < end; r++, o += d) {
      let missing = 0
      for (let q = 0; q < d; q++) missing += data[o + q]! - data[o + q]!
      best[r - start] = missing === 0 ? nearestByScore(data, o, centroids, norms, k, d) : -1
    }
  }
}

/**
 * The centroid minimizing |c|² − 2·x·c for the row at data[o…o+d) (the first one on ties); with
 * an infinite value, whichever score comparison decides.
 *
 * @example
 * ```ts
 * nearestByScore(Float64Array.of(0.9), 0, Float64Array.of(0, 1), Float64Array.of(0, 1), 2, 1) // => 1
 * ```
 */
export function nearestByScore (data: Float64Array, o: number, centroids: Float64Array, norms: Float64Array, k: number, d: number): number {
  let nearest = 0
  let score = Infinity
  for (let j = 0; j < k; j++) {
    let dot = 0
    for (let q = 0; q < d; q++) dot += data[o + q]! * centroids[j * d + q]!
    const s = norms[j]! - 2 * dot
    if (s < score) {
      score = s
      nearest = j
    }
  }
  return nearest
}

const kernels = new Map<string, NearestKernel>()

/**
 * The fastest {@link NearestKernel} for k centroids of dimension d: written out when k·d ≤
 * UNROLL_LIMIT and code generation is allowed, else {@link nearestLoop}. Same results either way.
 *
 * @example
 * ```ts
 * const best = new Int32Array(1)
 * nearestKernel(2, 2)(Float64Array.of(3, 3), 0, 1, Float64Array.of(0, 0, 2, 2), Float64Array.of(0, 8), best)
 * best[0] // => 1
 * ```
 */
export function nearestKernel (k: number, d: number): NearestKernel {
  const key = `${k}×${d}`
  let kernel = kernels.get(key)
  if (kernel === undefined) {
    kernel = (k * d <= UNROLL_LIMIT ? unrolled(k, d) : undefined) ?? nearestLoop(k, d)
    kernels.set(key, kernel)
  }
  return kernel
}

function unrolled (k: number, d: number): NearestKernel | undefined {
  const constants = [
    ...range(k).map(j => `const n${j} = norms[${j}];`),
    ...range(k).flatMap(j => range(d).map(q => `const c${j}_${q} = centroids[${j * d + q}];`))
  ]
  const row = [
    ...range(d).map(q => `const x${q} = data[o + ${q}];`),
    `const missing = ${range(d).map(q => `(x${q} - x${q})`).reduce((sum, term) => `(${sum} + ${term})`, '0')};`,
    'let nearest = 0;',
    'let score = Infinity;',
    ...range(k).map(j => `{ const s = n${j} - 2 * ${range(d).map(q => `x${q} * c${j}_${q}`).reduce((dot, term) => `(${dot} + ${term})`, '0')}; if (s < score) { score = s; nearest = ${j}; } }`),
    'best[r - start] = missing === 0 ? nearest : -1;'
  ]
  const source = `${constants.join('\n')}
for (let r = start, o = start * ${d}; r < end; r++, o += ${d}) {
${row.join('\n')}
}`
  return compileKernel<NearestKernel>(['data', 'start', 'end', 'centroids', 'norms', 'best'], source)
}

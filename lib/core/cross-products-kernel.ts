/**
 * The complete rows of a CrossProductSums run, written out per dimension (see generated.ts):
 * the hot loop of a MultivariateGaussianDistribution's summarize.
 *
 * For each row with every value observed, with δ_j = x_j − shift_j and t_j = w·δ_j, it adds w to
 * `partial[j]`, t_j to `partial[d + j]` and t_j·δ_k to the packed upper triangle from `partial[2d]`
 * (j ≤ k, row by row), each slot in row order: the order of the loop in CrossProductSums, so the
 * bits are the same. The sums stay in locals for the whole run instead of going through memory.
 */
import { compileKernel, range } from './generated.js'

/**
 * Adds complete rows from `start` on; stops at the first row with a missing value (NaN) or at
 * `end`, and returns that row.
 */
export type CrossProductsKernel = (
  data: Float64Array, weights: Float64Array | undefined, start: number, end: number, shift: Float64Array, partial: Float64Array
) => number

/** The largest dimension written out (its row takes d(d+1)/2 + 2d running sums). */
export const UNROLL_LIMIT = 32

const kernels = new Map<number, CrossProductsKernel | undefined>()

/**
 * The written-out kernel for dimension d, or undefined (above UNROLL_LIMIT, or where code
 * generation is disallowed): then CrossProductSums runs its loop.
 *
 * @example
 * ```ts
 * const partial = new Float64Array(2 + 1 + 2)
 * crossProductsKernel(1)!(Float64Array.of(3, 5, NaN), undefined, 0, 3, Float64Array.of(3), partial) // => 2
 * partial // => Float64Array [2, 2, 4, 0, 0]  (Σw, Σw·δ, Σw·δ², then the missing-value slots)
 * ```
 */
export function crossProductsKernel (d: number): CrossProductsKernel | undefined {
  if (!kernels.has(d)) kernels.set(d, d <= UNROLL_LIMIT ? unrolled(d) : undefined)
  return kernels.get(d)
}

function unrolled (d: number): CrossProductsKernel | undefined {
  const pairs = range(d).flatMap(j => range(d - j).map(i => [j, j + i] as const))
  const sums = [
    ...range(d).map(j => `w${j}`),
    ...range(d).map(j => `t${j}`),
    ...pairs.map(([j, k]) => `c${j}_${k}`)
  ]
  const source = `${range(d).map(j => `const s${j} = shift[${j}];`).join('\n')}
let ${sums.map((name, i) => `${name} = partial[${i}]`).join(', ')};
let r = start;
for (let o = start * ${d}; r < end; r++, o += ${d}) {
${range(d).map(j => `const x${j} = data[o + ${j}];`).join('\n')}
if (${range(d).map(j => `x${j} !== x${j}`).join(' || ')}) break;
const w = weights === undefined ? 1 : weights[r];
${range(d).map(j => `const d${j} = x${j} - s${j}; const a${j} = w * d${j};`).join('\n')}
${range(d).map(j => `w${j} += w; t${j} += a${j};`).join('\n')}
${pairs.map(([j, k]) => `c${j}_${k} += a${j} * d${k};`).join('\n')}
}
${sums.map((name, i) => `partial[${i}] = ${name};`).join('\n')}
return r;`
  return compileKernel<CrossProductsKernel>(['data', 'weights', 'start', 'end', 'shift', 'partial'], source)
}

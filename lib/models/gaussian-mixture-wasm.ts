/**
 * The E-step posterior of a mixture of full-covariance MultivariateGaussianDistributions as
 * WebAssembly SIMD (mixture-wasm.ts), one kernel per (components, dimension): the first pass is
 * the Mahalanobis distance of mahalanobis.ts written out for the dimension, two rows at a time,
 * with its order of operations, then log π_j + full_j − q/2 as `logProbabilityBatch` and
 * `responsibilities` compute them; the responsibilities go back to the mixture, whose components
 * then summarize with them as in the general path. The module also holds CrossProductSums' `add`
 * for the dimension (cross-products-wasm.ts), so the components' cross-products read the tile
 * and the responsibilities where the posterior left them, instead of a copy of them each.
 */
import type { ResidentRows } from '../core/accumulate.js'
import type { Batch } from '../core/batch.js'
import { crossProductsAdd, crossProductsLayout, type CrossProductsIn } from '../core/cross-products-wasm.js'
import { f64x2, get, i32, set, v128, type Code, type ConstantPool, type FunctionBuilder } from '../core/wasm-emitter.js'
import { KernelCache } from '../core/wasm-runtime.js'
import { buildMixtureKernel, MAX_COMPONENTS, respAt, runPosterior, TILE_ROWS, writeParam, type MixtureKernel, type MixtureLayout } from './mixture-wasm.js'

/** What the kernel needs from each component (MultivariateGaussianDistribution.mixtureTerms). */
export interface GaussianTerms {
  mean: Float64Array
  /** The lower Cholesky factor L (d × d, row-major) and 1/L_ii. */
  factor: Float64Array
  inverseDiagonal: Float64Array
  /** −(d·log 2π + log det Σ)/2. */
  full: number
}

/** The largest dimension written out (the first pass takes d(d+1)/2 multiply-adds per row and component). */
export const MAX_DIMENSION = 16

/** The posterior kernel, and where each component's cross-products find the tile and its responsibilities. */
interface GaussianMixtureKernel {
  kernel: MixtureKernel<{ add: CrossProductsIn['add'] }>
  resident: ResidentRows[]
}

const cache = new KernelCache<GaussianMixtureKernel>()

/** Constants per component: d means, the d(d−1)/2 entries of L below the diagonal, d reciprocals, full, log π. */
const paramSlots = (d: number): number => 2 * d + (d * (d - 1)) / 2 + 2

function build (k: number, d: number): GaussianMixtureKernel | undefined {
  const kernel = buildPosterior(k, d)
  if (kernel === undefined) return undefined
  const { partial, shift } = crossProductsLayout(d, kernel.layout.extra)
  const add: CrossProductsIn = { add: kernel.exports.add, f64: kernel.f64, partial, shift }
  return { kernel, resident: Array.from({ length: k }, (_, j) => ({ kernel: add, data: kernel.layout.x, weights: respAt(kernel.layout, j) })) }
}

function buildPosterior (k: number, d: number): MixtureKernel<{ add: CrossProductsIn['add'] }> | undefined {
  const below = (i: number, c: number): number => d + (i * (i - 1)) / 2 + c
  const functions = (at: MixtureLayout, pool: ConstantPool): Record<string, FunctionBuilder> => ({ add: crossProductsAdd(d, crossProductsLayout(d, at.extra).scratch, pool) })
  return buildMixtureKernel(k, d, paramSlots(d), crossProductsLayout(d, 0).end, ({ f, pool, at, r, bad, v, param }) => {
    const x = f.localArray('v128', d)
    const y = f.localArray('v128', d)
    const first = f.local('i32')
    return {
      // lane 0: row r, lane 1: row r + 1
      prologue: [
        set(first, i32.mul(get(r), i32.const(d * 8))),
        ...x.map((xq, q) => [
          set(xq, v128.load64_lane(get(first), v128.load64_splat(get(first), at.x + q * 8), 1, at.x + (d + q) * 8)),
          set(bad, f64x2.add(get(bad), f64x2.sub(get(xq), get(xq))))
        ])
      ],
      joint: j => {
        const code: Code[] = []
        let q: Code = []
        for (let i = 0; i < d; i++) {
          // y_i = (z_i − l_i0·y_0 − l_i1·y_1 − …)·(1/l_ii), left to right, with z = x − μ
          let s: Code = f64x2.sub(get(x[i]!), param(j, i))
          for (let c = 0; c < i; c++) s = f64x2.sub(s, f64x2.mul(param(j, below(i, c)), get(y[c]!)))
          code.push(set(y[i]!, f64x2.mul(s, param(j, d + (d * (d - 1)) / 2 + i))))
          const square = f64x2.mul(get(y[i]!), get(y[i]!))
          // (0 + y_0²) is y_0²: a square is never −0
          q = i === 0 ? square : f64x2.add(q, square)
        }
        const last = 2 * d + (d * (d - 1)) / 2
        return [...code, set(v, f64x2.add(f64x2.sub(param(j, last), f64x2.mul(pool.f64x2(0.5), q)), param(j, last + 1)))]
      }
    }
  }, functions)
}

/**
 * The posterior of a tile through the kernel: writes each component's responsibilities (times
 * the row weights) into `out[j]` and log p(x) into `lse`, and returns Σ w·log p(x), as
 * `responsibilities` would, with where component j's cross-products find the tile and its
 * responsibilities until the next call (`resident[j]`, for `summarizeResident`); undefined when
 * the kernel does not take the tile (or WebAssembly is off), with nothing written.
 *
 * @example
 * ```ts
 * const taken = gaussianMixturePosterior(tile, terms, logWeights, out, lse)
 * if (taken !== undefined) components[0].summarizeResident({ ...tile, weights: out[0] }, taken.resident[0])
 * ```
 */
export function gaussianMixturePosterior (
  batch: Batch, terms: readonly GaussianTerms[], logWeights: Float64Array, out: readonly Float64Array[], lse: Float64Array
): { total: number; resident: readonly ResidentRows[] } | undefined {
  const k = terms.length
  const d = batch.cols
  if (k > MAX_COMPONENTS || d > MAX_DIMENSION || d < 1 || batch.rows > TILE_ROWS || batch.rows === 0) return undefined
  const built = cache.get(`${k}×${d}`, () => build(k, d))
  if (built === undefined) return undefined
  const { kernel, resident } = built
  const slots = paramSlots(d)
  const total = runPosterior(kernel, batch, k, slots, (f64, j, p) => {
    const t = terms[j]!
    for (let i = 0; i < d; i++) writeParam(f64, p, i, t.mean[i]!)
    for (let i = 0, slot = d; i < d; i++) for (let c = 0; c < i; c++) writeParam(f64, p, slot++, t.factor[i * d + c]!)
    for (let i = 0; i < d; i++) writeParam(f64, p, d + (d * (d - 1)) / 2 + i, t.inverseDiagonal[i]!)
    writeParam(f64, p, slots - 2, t.full)
    writeParam(f64, p, slots - 1, logWeights[j]!)
  })
  if (total === undefined) return undefined
  const { layout: at, f64 } = kernel
  for (let j = 0; j < k; j++) out[j]!.set(f64.subarray(respAt(at, j) / 8, respAt(at, j) / 8 + batch.rows))
  lse.set(f64.subarray(at.lse / 8, at.lse / 8 + batch.rows))
  return { total, resident }
}

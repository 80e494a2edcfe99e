/**
 * The E-step of a mixture of one-column NormalDistributions, fused into one WebAssembly SIMD
 * kernel per number of components: the posterior of mixture-wasm.ts with the Normal log-density
 * as its first pass, then the components' weighted moments (accumulate.ts, `sumMoments`) and the
 * mixture's own sums (`sumInLanes`) from the responsibilities still in the kernel's memory. Every
 * value is computed with the operations of the general path (NormalDistribution's
 * `logProbabilityColumn` and `summarizeColumn`, `responsibilities`, `sumInLanes`) in their order,
 * so the statistics are the same bits; the two SIMD lanes are the two lanes of accumulate.ts (rows
 * at even and odd positions of a block).
 */
import type { BlockedSums } from '../core/accumulate.js'
import type { Batch } from '../core/batch.js'
import {
  block, br, br_if, f64, f64x2, FunctionBuilder, get, i32, if_, loop, set, v128, type Code, type ConstantPool, type Local
} from '../core/wasm-emitter.js'
import { KernelCache } from '../core/wasm-runtime.js'
import { buildMixtureKernel, MAX_COMPONENTS, respAt, runPosterior, TILE_ROWS, writeParam, type MixtureKernel, type MixtureLayout } from './mixture-wasm.js'

/** What the kernel needs from each component (NormalDistribution.kernelTerms). */
export interface NormalTerms {
  mean: number
  /** −log σ − log √(2π) and 1/(2σ²), as `logProbabilityColumn` computes them. */
  logNorm: number
  half: number
  /** The component's moment sums (3 slots, moments). */
  sums: BlockedSums
}

const skip = (): void => {}

/** Constants per component: mean, logNorm, half, log π. */
const PARAMS = 4

type Kernel = MixtureKernel<{ accumulate: (from: number, to: number, odd: number, weighted: number) => void }>

const cache = new KernelCache<Kernel>()

/** Byte offsets in the kernel's `extra` memory: per component 8 values (6 lane sums, the shift), then the mixture's 2(k + 1) lane sums. */
const compAt = (at: MixtureLayout, j: number): number => at.extra + j * 64
const mixAt = (at: MixtureLayout, k: number): number => at.extra + k * 64

function build (k: number): Kernel | undefined {
  return buildMixtureKernel(k, 1, PARAMS, k * 64 + 2 * (k + 1) * 8, ({ at, r, bad, v, param, f }) => {
    const x = f.local('v128')
    const o = i32.shl(get(r), i32.const(3))
    return {
      prologue: [set(x, v128.load(o, at.x)), set(bad, f64x2.add(get(bad), f64x2.sub(get(x), get(x))))],
      // log π_j + (logNorm_j − (x − μ_j)²·half_j), as logProbabilityColumn then rowMax compute it
      joint: j => [
        set(v, f64x2.sub(get(x), param(j, 0))),
        set(v, f64x2.add(f64x2.sub(param(j, 1), f64x2.mul(f64x2.mul(get(v), get(v)), param(j, 2))), param(j, 3)))
      ]
    }
  }, (at, pool) => ({ accumulate: accumulateFunction(k, at, pool) }))
}

/**
 * The E-step of a tile through the kernel, or undefined when it does not take the tile (or
 * WebAssembly is off): then nothing has changed and the caller runs the general path. Adds each
 * component's moments into its `sums` and Σ r_ij per component and Σ w·log p(x) into `mixture`
 * (LANES slots each), and returns the tile's Σ w·log p(x) as `responsibilities` does.
 *
 * @example
 * ```ts
 * const total = normalMixtureTile(tile, terms, logWeights, mixtureSums) ?? generalPath(tile)
 * ```
 */
export function normalMixtureTile (batch: Batch, terms: readonly NormalTerms[], logWeights: Float64Array, mixture: BlockedSums): number | undefined {
  const k = terms.length
  if (k > MAX_COMPONENTS || batch.cols !== 1 || batch.rows > TILE_ROWS || batch.rows === 0) return undefined
  if (!terms.every(t => t.sums.pending === mixture.pending)) return undefined
  const kernel = cache.get(String(k), () => build(k))
  if (kernel === undefined) return undefined
  const total = runPosterior(kernel, batch, k, PARAMS, (f64, j, p) => {
    const t = terms[j]!
    writeParam(f64, p, 0, t.mean)
    writeParam(f64, p, 1, t.logNorm)
    writeParam(f64, p, 2, t.half)
    writeParam(f64, p, 3, logWeights[j]!)
  })
  if (total === undefined) return undefined
  const { layout: at, f64, exports } = kernel
  const weighted = batch.weights === undefined ? 0 : 1
  mixture.runs(batch.rows, (start, end) => {
    terms.forEach((t, j) => {
      f64.set(t.sums.partial.subarray(0, 6), compAt(at, j) / 8)
      f64[compAt(at, j) / 8 + 6] = t.sums.shift[0]!
    })
    f64.set(mixture.partial, mixAt(at, k) / 8)
    exports.accumulate(start, end, mixture.pending & 1, weighted)
    mixture.partial.set(f64.subarray(mixAt(at, k) / 8, mixAt(at, k) / 8 + 2 * (k + 1)))
    for (let j = 0; j < k; j++) {
      const { sums } = terms[j]!
      sums.partial.set(f64.subarray(compAt(at, j) / 8, compAt(at, j) / 8 + 6))
      sums.shift[0] = f64[compAt(at, j) / 8 + 6]!
      sums.runs(end - start, skip)
    }
  })
  return total
}

function accumulateFunction (k: number, at: MixtureLayout, pool: ConstantPool): FunctionBuilder {
  const splat = (x: number): Code => pool.f64x2(x)
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32'])
  const [from, to, odd, weighted] = f.params as [Local, Local, Local, Local]
  const r = f.local('i32')
  const shift = f.local('v128')
  const sw = f.local('v128')
  const sa = f.local('v128')
  const sb = f.local('v128')
  const value = f.local('v128')
  const d = f.local('v128')
  const t = f.local('v128')
  const zero = i32.const(0)
  const resp = (j: number): number => respAt(at, j)
  const comp = (j: number): number => compAt(at, j)
  const byte = (): Code => i32.shl(get(r), i32.const(3))
  /**
   * Rows from … to − 1 of a block in lanes: `add(load)` adds rows through `load(address)`, which
   * gives two rows (lane 0 at an even position of the block) or one row in one lane and 0 in the
   * other (a run that starts at an odd position, or its last row). Adding ±0 to the other lane
   * leaves it unchanged: no lane sum is ever −0.
   */
  const inLanes = (add: (load: (address: number) => Code) => Code): Code => [
    set(r, get(from)),
    if_(get(odd), [add(address => v128.load64_lane(byte(), splat(0), 1, address)), set(r, i32.add(get(r), i32.const(1)))]),
    block(loop([
      br_if(1, i32.gt_s(i32.add(get(r), i32.const(2)), get(to))),
      add(address => v128.load(byte(), address)),
      set(r, i32.add(get(r), i32.const(2))),
      br(0)
    ])),
    if_(i32.lt_s(get(r), get(to)), add(address => v128.load64_zero(byte(), address)))
  ]
  /** sumMoments with the responsibilities as weights: Σw, Σw·δ, Σw·δ² with δ = x − shift. */
  const moments = (j: number): Code => [
    set(shift, v128.load64_splat(zero, comp(j) + 48)),
    // The block's shift: the x of its first row of non-zero weight (every x of the tile is observed).
    if_(f64.ne(f64x2.extract_lane(get(shift), 0), f64x2.extract_lane(get(shift), 0)), [
      set(r, get(from)),
      block(loop([
        br_if(1, i32.ge_s(get(r), get(to))),
        if_(f64.ne(f64.load(byte(), resp(j)), f64.const(0)), [
          set(shift, v128.load64_splat(byte(), at.x)),
          f64.store(zero, f64x2.extract_lane(get(shift), 0), comp(j) + 48),
          br(2)
        ]),
        set(r, i32.add(get(r), i32.const(1))),
        br(0)
      ]))
    ]),
    // No row of weight ≠ 0 yet in this block: nothing to add. Otherwise the rows before the shift
    // row (weight 0) add ±0, as if skipped.
    if_(f64.eq(f64x2.extract_lane(get(shift), 0), f64x2.extract_lane(get(shift), 0)), [
      set(sw, v128.load(zero, comp(j))),
      set(sa, v128.load(zero, comp(j) + 16)),
      set(sb, v128.load(zero, comp(j) + 32)),
      inLanes(load => [
        set(value, load(resp(j))),
        set(d, f64x2.sub(load(at.x), get(shift))),
        set(t, f64x2.mul(get(value), get(d))),
        set(sw, f64x2.add(get(sw), get(value))),
        set(sa, f64x2.add(get(sa), get(t))),
        set(sb, f64x2.add(get(sb), f64x2.mul(get(t), get(d))))
      ]),
      v128.store(zero, get(sw), comp(j)),
      v128.store(zero, get(sa), comp(j) + 16),
      v128.store(zero, get(sb), comp(j) + 32)
    ])
  ]
  /** sumInLanes of the responsibilities (slot j) or of w·log p(x) (slot k; a row of weight 0 adds 0). */
  const mixtureSum = (slot: number): Code => [
    set(sw, v128.load(zero, mixAt(at, k) + slot * 16)),
    slot < k
      ? inLanes(load => set(sw, f64x2.add(get(sw), load(resp(slot)))))
      : if_(get(weighted),
        inLanes(load => [
          set(value, load(at.w)),
          set(t, f64x2.mul(get(value), load(at.lse))),
          set(sw, f64x2.add(get(sw), v128.bitselect(splat(0), get(t), f64x2.eq(get(value), splat(0)))))
        ]),
        inLanes(load => set(sw, f64x2.add(get(sw), load(at.lse))))),
    v128.store(zero, get(sw), mixAt(at, k) + slot * 16)
  ]
  f.body = [
    ...Array.from({ length: k }, (_, j) => moments(j)),
    ...Array.from({ length: k + 1 }, (_, slot) => mixtureSum(slot))
  ]
  return f
}

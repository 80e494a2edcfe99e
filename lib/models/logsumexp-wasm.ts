/**
 * The exponentials and logarithms of logsumexp.ts as WebAssembly SIMD code, two values at a time
 * and bit for bit: the same reductions, tables and polynomials, in the same order of operations.
 * The fused E-step kernels (normal-mixture-wasm.ts, gaussian-mixture-wasm.ts) are built from these.
 *
 * Table lookups become a load per lane; the powers of two that logsumexp.ts reads from tables
 * (2^(n>>8) and the mantissa scale 2^(1023−b)) are built from their exponent bits instead, which
 * gives the same doubles for every exponent the fast paths use. `expNonPositive` defers to
 * `Math.exp` below −708; so does this code, lane by lane, through an imported `Math.exp`.
 */
import {
  call, f64, f64x2, get, i32, i32x4, i64x2, if_, set, v128, type Code, type ConstantPool, type FunctionBuilder, type Local
} from '../core/wasm-emitter.js'
import { CENTRE_INV, CENTRE_LOG, EXP_TABLE, INV_STEP, LN2_HI, LN2_LO, STEP_HI, STEP_LO } from './logsumexp.js'

/** Bytes of the tables: 2^(j/256) (256 entries), 1/c_j and log c_j (128 each). */
export const TABLE_BYTES = (256 + 128 + 128) * 8

/** Writes the tables at Float64 index `at` of a memory view. */
export function writeTables (f64View: Float64Array, at: number): void {
  f64View.set(EXP_TABLE, at)
  f64View.set(CENTRE_INV, at + 256)
  f64View.set(CENTRE_LOG, at + 384)
}

/** The imported function `exp` (Math.exp) that the code calls below −708. */
export const EXP_IMPORT = { name: 'exp', params: ['f64'] as const, results: ['f64'] as const, fn: Math.exp }

/** Locals the exp and log code needs, made once per function. */
export interface ExpLogLocals {
  n: Local
  r: Local
  t: Local
  bits: Local
  lane: Local
}

export function expLogLocals (f: FunctionBuilder): ExpLogLocals {
  return { n: f.local('v128'), r: f.local('v128'), t: f.local('v128'), bits: f.local('v128'), lane: f.local('f64') }
}

/** The two low i32 lanes of `v` as an f64x2. */
const lowInt32sToF64 = (v: Code): Code => f64x2.convert_low_i32x4_s(v)
/** The two i64 lanes (small values) as an f64x2: their low halves moved into i32 lanes 0 and 1. */
const int64sToF64 = (v: Code): Code => f64x2.convert_low_i32x4_s(v128.shuffle(v, v, [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]))

/**
 * `out = expNonPositive(x)` lane by lane (x ≤ 0; see logsumexp.ts). `tablesAt` is the byte
 * offset of the tables; constants come from `pool`. Lanes at or below −708 (or NaN), where
 * `expNonPositive` calls `Math.exp`, call the imported `Math.exp` (function `slow.exp`) here too;
 * or, with `slow.mask`, are only marked in that v128 (all ones) for a second pass with calls, so
 * that the hot loop holds no call (around which every live register would be saved).
 */
export function expVector (x: Local, out: Local, l: ExpLogLocals, pool: ConstantPool, tablesAt: number, slow: { exp: number } | { mask: Local }): Code[] {
  const splat = (v: number): Code => pool.f64x2(v)
  const gather = (index: Code): Code => i32.shl(i32.and(index, i32.const(255)), i32.const(3))
  return [
    // Lanes at or below −708 are computed from −708 here, and replaced (or marked) below.
    set(l.r, f64x2.pmax(get(x), splat(-708))),
    set(l.n, f64x2.trunc_sat_to_i32x4_zero(f64x2.sub(f64x2.mul(get(l.r), splat(INV_STEP)), splat(0.5)))),
    set(l.t, lowInt32sToF64(get(l.n))),
    set(l.r, f64x2.sub(f64x2.sub(get(l.r), f64x2.mul(get(l.t), splat(STEP_HI))), f64x2.mul(get(l.t), splat(STEP_LO)))),
    // p = r + r·r·(1/2 + r·(1/6 + r/24))
    set(l.r, f64x2.add(get(l.r), f64x2.mul(f64x2.mul(get(l.r), get(l.r)), f64x2.add(splat(0.5), f64x2.mul(get(l.r), f64x2.add(splat(1 / 6), f64x2.mul(get(l.r), splat(1 / 24)))))))),
    set(l.t, v128.load64_lane(gather(i32x4.extract_lane(get(l.n), 1)), v128.load64_splat(gather(i32x4.extract_lane(get(l.n), 0)), tablesAt), 1, tablesAt)),
    // 2^(n >> 8) from its exponent bits: n >> 8 lies in [−1022, 0] above −708
    set(l.bits, i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.shr_s(get(l.n), i32.const(8))), pool.i64x2(1023n)), i32.const(52))),
    set(out, f64x2.mul(f64x2.add(get(l.t), f64x2.mul(get(l.t), get(l.r))), get(l.bits))),
    'mask' in slow
      ? set(slow.mask, v128.or(get(slow.mask), f64x2.le(get(x), splat(-708))))
      : if_(v128.any_true(f64x2.le(get(x), splat(-708))), [0, 1].map(lane => [
        set(l.lane, f64x2.extract_lane(get(x), lane)),
        if_(f64.le(get(l.lane), f64.const(-708)), set(out, f64x2.replace_lane(get(out), call(slow.exp, get(l.lane)), lane)))
      ]))
  ]
}

/**
 * `out = logPositive(x)` lane by lane for normal positive x (the rows of a clean E-step: x is a
 * sum of exponentials with one term near 1).
 */
export function logVector (x: Local, out: Local, l: ExpLogLocals, pool: ConstantPool, tablesAt: number): Code[] {
  const splat = (v: number): Code => pool.f64x2(v)
  const splat64 = (v: bigint): Code => pool.i64x2(v)
  const inverseAt = tablesAt + 256 * 8
  const logAt = tablesAt + 384 * 8
  const jOf = (lane: number): Code => i32.shl(i32.wrap_i64(i64x2.extract_lane(get(l.bits), lane)), i32.const(3))
  return [
    // bits = [biased exponent, top 7 mantissa bits] of x, i.e. x's bits >> 45
    set(l.bits, i64x2.shr_u(get(x), i32.const(45))),
    set(l.n, v128.and(get(l.bits), splat64(127n))),
    set(l.bits, i64x2.shr_u(get(l.bits), i32.const(7))),
    // x·2^(1023−b) − c_j, with c_j = 1 + (j + (j >> 6))/128 exactly
    set(l.r, f64x2.mul(get(x), i64x2.shl(i64x2.sub(splat64(2046n), get(l.bits)), i32.const(52)))),
    set(l.t, f64x2.add(splat(1), f64x2.mul(int64sToF64(i64x2.add(get(l.n), i64x2.shr_u(get(l.n), i32.const(6)))), splat(1 / 128)))),
    set(l.r, f64x2.sub(get(l.r), get(l.t))),
    // e = b − 1023 + (j >> 6), as f64
    set(l.t, int64sToF64(i64x2.add(i64x2.sub(get(l.bits), splat64(1023n)), i64x2.shr_u(get(l.n), i32.const(6))))),
    set(l.bits, get(l.n)),
    set(l.r, f64x2.mul(get(l.r), v128.load64_lane(jOf(1), v128.load64_splat(jOf(0), inverseAt), 1, inverseAt))),
    // p = r − r·r·(1/2 − r·(1/3 − r·(1/4 − r·(1/5 − r·(1/6 − r·(1/7 − r/8))))))
    set(out, f64x2.sub(get(l.r), f64x2.mul(f64x2.mul(get(l.r), get(l.r)),
      f64x2.sub(splat(0.5), f64x2.mul(get(l.r), f64x2.sub(splat(1 / 3), f64x2.mul(get(l.r), f64x2.sub(splat(0.25), f64x2.mul(get(l.r),
        f64x2.sub(splat(0.2), f64x2.mul(get(l.r), f64x2.sub(splat(1 / 6), f64x2.mul(get(l.r), f64x2.sub(splat(1 / 7), f64x2.mul(get(l.r), splat(0.125)))))))))))))))),
    // e·LN2_HI + (log c_j + (p + e·LN2_LO))
    set(out, f64x2.add(f64x2.mul(get(l.t), splat(LN2_HI)),
      f64x2.add(v128.load64_lane(jOf(1), v128.load64_splat(jOf(0), logAt), 1, logAt), f64x2.add(get(out), f64x2.mul(get(l.t), splat(LN2_LO))))))
  ]
}

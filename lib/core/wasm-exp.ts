/**
 * `Math.exp` in WebAssembly, to the bit: V8 computes `Math.exp` with fdlibm's `__ieee754_exp`
 * (src/base/ieee754.cc, FreeBSD's msun version, which also returns the nearest double to e for
 * exp(1)), and this is that algorithm's every operation in the same order: argument reduction
 * k = round(x/ln 2), hi − lo with ln 2 split in two, the degree-5 rational approximation, and the
 * scaling by 2^k. Plain IEEE-754 double operations, which WebAssembly performs without fusing or
 * reordering, so a kernel that calls it gets the bits of the JavaScript loop that calls `Math.exp`
 * (test/core/wasm-exp.test.ts compares the two over every branch and millions of arguments).
 */
import { block, br, call, f64, f64x2, FunctionBuilder, get, i32, i64, i64x2, if_, return_, select, set, v128, type Code, type ConstantPool, type Local } from './wasm-emitter.js'

const ONE = 1
const HUGE = 1.0e300
const TWOM1000 = 9.33263618503218878990e-302
const TWO1023 = 8.988465674311579539e307
const O_THRESHOLD = 7.09782712893383973096e+02
const U_THRESHOLD = -7.45133219101941108420e+02
const LN2_HI = 6.93147180369123816490e-01
const LN2_LO = 1.90821492927058770002e-10
const INV_LN2 = 1.44269504088896338700e+00
const P1 = 1.66666666666666019037e-01
const P2 = -2.77777777770155933842e-03
const P3 = 6.61375632143793436117e-05
const P4 = -1.65339022054652515390e-06
const P5 = 4.13813679705723846039e-08
const E = 2.718281828459045

/** A function `(x: f64) → f64` computing `Math.exp(x)`'s bits. */
export function expFunction (): FunctionBuilder {
  const fn = new FunctionBuilder(['f64'], ['f64'])
  const [x] = fn.params as [Local]
  const hx = fn.local('i32')
  const xsb = fn.local('i32')
  const k = fn.local('i32')
  const hi = fn.local('f64')
  const lo = fn.local('f64')
  const t = fn.local('f64')
  const c = fn.local('f64')
  const y = fn.local('f64')
  const c64 = f64.const
  // 2^k (or 2^(k + 1000) below −1021) from its high word
  const power = (exponent: Code): Code => f64.reinterpret_i64(i64.shl(i64.extend_i32_u(i32.add(i32.const(0x3ff00000), i32.shl(exponent, i32.const(20)))), i64.const(32n)))
  fn.body = [
    set(hx, i32.wrap_i64(i64.shr_u(i64.reinterpret_f64(get(x)), i64.const(32n)))),
    set(xsb, i32.shr_u(get(hx), i32.const(31))),
    set(hx, i32.and(get(hx), i32.const(0x7fffffff))),
    set(k, i32.const(0)),
    if_(i32.ge_u(get(hx), i32.const(0x40862e42)), [
      // NaN: x + x; ±Infinity: Infinity or +0
      if_(i32.ge_u(get(hx), i32.const(0x7ff00000)), return_(select(f64.add(get(x), get(x)), select(get(x), c64(0), i32.eqz(get(xsb))), f64.ne(get(x), get(x))))),
      if_(f64.gt(get(x), c64(O_THRESHOLD)), return_(f64.mul(c64(HUGE), c64(HUGE)))),
      if_(f64.lt(get(x), c64(U_THRESHOLD)), return_(f64.mul(c64(TWOM1000), c64(TWOM1000))))
    ]),
    block([
      if_(i32.gt_u(get(hx), i32.const(0x3fd62e42)), [
        if_(i32.lt_u(get(hx), i32.const(0x3ff0a2b2)), [
          if_(f64.eq(get(x), c64(1)), return_(c64(E))),
          set(hi, f64.sub(get(x), select(c64(-LN2_HI), c64(LN2_HI), get(xsb)))),
          set(lo, select(c64(-LN2_LO), c64(LN2_LO), get(xsb))),
          set(k, i32.sub(i32.sub(i32.const(1), get(xsb)), get(xsb)))
        ], [
          set(k, i32.trunc_sat_f64_s(f64.add(f64.mul(c64(INV_LN2), get(x)), select(c64(-0.5), c64(0.5), get(xsb))))),
          set(t, f64.convert_i32_s(get(k))),
          set(hi, f64.sub(get(x), f64.mul(get(t), c64(LN2_HI)))),
          set(lo, f64.mul(get(t), c64(LN2_LO)))
        ]),
        set(x, f64.sub(get(hi), get(lo))),
        br(1)
      ]),
      // |x| < 2^−28: 1 + x (fdlibm's `huge + x > one` is always true there)
      if_(i32.lt_u(get(hx), i32.const(0x3e300000)), return_(f64.add(c64(ONE), get(x))))
    ]),
    set(t, f64.mul(get(x), get(x))),
    // c = x − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5))))
    set(c, f64.sub(get(x), f64.mul(get(t), [P4, P3, P2, P1].reduce<Code>((inner, P) => f64.add(c64(P), f64.mul(get(t), inner)), c64(P5))))),
    if_(i32.eqz(get(k)), return_(f64.sub(c64(ONE), f64.sub(f64.div(f64.mul(get(x), get(c)), f64.sub(get(c), c64(2))), get(x))))),
    set(y, f64.sub(c64(ONE), f64.sub(f64.sub(get(lo), f64.div(f64.mul(get(x), get(c)), f64.sub(c64(2), get(c)))), get(hi)))),
    if_(i32.ge_s(get(k), i32.const(-1021)), [
      if_(i32.eq(get(k), i32.const(1024)), return_(f64.mul(f64.mul(get(y), c64(2)), c64(TWO1023)))),
      return_(f64.mul(get(y), power(get(k))))
    ]),
    f64.mul(f64.mul(get(y), power(i32.add(get(k), i32.const(1000)))), c64(TWOM1000))
  ]
  return fn
}

/** Below it (as |x|), fdlibm's exp takes no argument reduction (high word <= 0x3FD62E42). */
const NO_REDUCTION = new Float64Array(new BigUint64Array([0x3fd62e4300000000n]).buffer)[0]!
/** Below it (as |x|), exp(x) is 1 + x. */
const TINY = 2 ** -28
/** Down to it, 2^k stays a normal number (k >= −1021) and no overflow or underflow branch is taken. */
const LOWEST = -708

/**
 * `Math.exp` of both f64 lanes of `x`, as a v128: two lanes at once where both lie in
 * [{@link LOWEST}, 0], else a call per lane of the scalar function (index `scalar` of the
 * module, an {@link expFunction}). For x <= 0 in that range fdlibm's branches collapse into lane
 * operations with the same bits: the reduction by k = trunc(x/ln 2 − 1/2) (k = −1 where fdlibm
 * takes its ±ln 2 shortcut, where it subtracts the same hi and lo), k = 0 and hi = x, lo = 0 where
 * it takes no reduction (then `1 − ((lo − x·c/(2 − c)) − hi)` is its `1 − (x·c/(c − 2) − x)`: a
 * negated quotient), 1 + x below 2^−28, and the scaling by 2^k as one multiplication.
 */
export function expPair (fn: FunctionBuilder, pool: ConstantPool, x: Local, scalar: number): Code {
  const small = fn.local('v128')
  const t = fn.local('v128')
  const hi = fn.local('v128')
  const lo = fn.local('v128')
  const r = fn.local('v128')
  const t2 = fn.local('v128')
  const c = fn.local('v128')
  const y = fn.local('v128')
  const C = (v: number): Code => pool.f64x2(v)
  const lanes = (): Code => f64x2.replace_lane(f64x2.splat(call(scalar, f64x2.extract_lane(get(x), 0))), call(scalar, f64x2.extract_lane(get(x), 1)), 1)
  const pair: Code = [
    set(small, f64x2.lt(f64x2.abs(get(x)), C(NO_REDUCTION))),
    set(t, v128.bitselect(C(0), f64x2.trunc(f64x2.add(f64x2.mul(C(INV_LN2), get(x)), C(-0.5))), get(small))),
    set(hi, f64x2.sub(get(x), f64x2.mul(get(t), C(LN2_HI)))),
    set(lo, f64x2.mul(get(t), C(LN2_LO))),
    set(r, f64x2.sub(get(hi), get(lo))),
    set(t2, f64x2.mul(get(r), get(r))),
    set(c, f64x2.sub(get(r), f64x2.mul(get(t2), [P4, P3, P2, P1].reduce<Code>((inner, P) => f64x2.add(C(P), f64x2.mul(get(t2), inner)), C(P5))))),
    set(y, f64x2.sub(C(ONE), f64x2.sub(f64x2.sub(get(lo), f64x2.div(f64x2.mul(get(r), get(c)), f64x2.sub(C(2), get(c)))), get(hi)))),
    v128.bitselect(
      f64x2.add(C(ONE), get(x)),
      f64x2.mul(get(y), i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(f64x2.trunc_sat_to_i32x4_zero(get(t))), pool.i64x2(1023n)), i32.const(52))),
      f64x2.lt(f64x2.abs(get(x)), C(TINY))
    )
  ]
  const inRange = i32.eq(i64x2.bitmask(v128.and(f64x2.ge(get(x), C(LOWEST)), f64x2.le(get(x), C(0)))), i32.const(3))
  return if_(inRange, pair, lanes(), 'v128')
}

import t from 'tap'
import {
  assembleModule, block, br, br_if, call, ConstantPool, drop, f64, f64x2, forLoop, FunctionBuilder, get, i32, i32x4, i64, i64x2,
  if_, loop, return_, select, set, signed, tee, unsigned, v128
} from '../../lib/core/wasm-emitter.js'
import { instantiate } from '../../lib/core/wasm-runtime.js'

type Exports = Record<string, (...args: number[]) => number>

/** Compiles functions (wasm-runtime.ts) with a one-page memory of their own, returned as a Float64 view. */
function compile (functions: Record<string, FunctionBuilder>, imports: Array<{ name: string; params: ['f64']; results: ['f64']; fn: (x: number) => number }> = [], pool?: ConstantPool): { exports: Exports; f64: Float64Array } {
  const instance = instantiate<Exports>(functions, imports, 65536, pool)
  if (instance === undefined) throw new Error('WebAssembly SIMD is not available')
  return instance
}

t.test('LEB128 encodings (the examples of the WebAssembly specification and Wikipedia)', async t => {
  t.same(unsigned(0), [0])
  t.same(unsigned(127), [127])
  t.same(unsigned(128), [0x80, 0x01])
  t.same(unsigned(624485), [0xe5, 0x8e, 0x26])
  t.same(signed(0), [0])
  t.same(signed(-1), [0x7f])
  t.same(signed(63), [0x3f])
  t.same(signed(64), [0xc0, 0x00])
  t.same(signed(-64), [0x40])
  t.same(signed(-123456), [0xc0, 0xbb, 0x78])
  t.same(i64.const(-1n), [0x42, 0x7f])
  t.same(i64.const(1023n), [0x42, 0xff, 0x07])
})

t.test('an empty module is the 8-byte header plus empty sections that validate', async t => {
  const bytes = assembleModule({})
  t.same(Array.from(bytes.subarray(0, 8)), [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
  t.ok(instantiate({}) !== undefined, 'it compiles')
})

t.test('scalar arithmetic, control flow, locals and calls compute what they say', async t => {
  // Σ_{i<n} i² by a loop with br_if; closed form n(n−1)(2n−1)/6
  const squares = new FunctionBuilder(['i32'], ['f64'])
  const i = squares.local('i32')
  const sum = squares.local('f64')
  squares.body = [
    block(loop([
      br_if(1, i32.ge_s(get(i), get(squares.params[0]!))),
      set(sum, f64.add(get(sum), f64.mul(f64.convert_i32_s(get(i)), f64.convert_i32_s(get(i))))),
      set(i, i32.add(get(i), i32.const(1))),
      br(0)
    ])),
    get(sum)
  ]
  // |x| by if/else with an early return, and select
  const abs = new FunctionBuilder(['f64'], ['f64'])
  abs.body = [if_(f64.lt(get(abs.params[0]!), f64.const(0)), return_(f64.neg(get(abs.params[0]!)))), get(abs.params[0]!)]
  const pick = new FunctionBuilder(['i32'], ['f64'])
  pick.body = select(f64.const(1.5), f64.const(-2), get(pick.params[0]!))
  // a call to the imported Math.exp, through tee and drop
  const e = new FunctionBuilder(['f64'], ['f64'])
  const tmp = e.local('f64')
  e.body = [drop(tee(tmp, get(e.params[0]!))), call(0, get(tmp))]
  // forLoop: Σ_{k<10, step 3} k = 0 + 3 + 6 + 9; the shifts and bit operations
  const stepped = new FunctionBuilder([], ['i32'])
  const k = stepped.local('i32')
  const total = stepped.local('i32')
  stepped.body = [forLoop(k, i32.const(10), 3, set(total, i32.add(get(total), get(k)))), get(total)]
  const bits = new FunctionBuilder(['i32'], ['i32'])
  const x = bits.params[0]!
  bits.body = i32.xor(i32.or(i32.shl(get(x), i32.const(4)), i32.shr_u(get(x), i32.const(28))), i32.and(i32.shr_s(get(x), i32.const(1)), i32.const(0xff)))
  const { exports } = compile({ squares, abs, pick, e, stepped, bits }, [{ name: 'exp', params: ['f64'], results: ['f64'], fn: Math.exp }])
  t.equal(exports.squares!(100), (100 * 99 * 199) / 6)
  t.equal(exports.abs!(-2.5), 2.5)
  t.equal(exports.abs!(3), 3)
  t.equal(exports.pick!(1), 1.5)
  t.equal(exports.pick!(0), -2)
  t.equal(exports.e!(1), Math.E)
  t.equal(exports.stepped!(), 18)
  const v = 0x12345678
  t.equal(exports.bits!(v), ((v << 4) | (v >>> 28)) ^ ((v >> 1) & 0xff))
})

t.test('SIMD lanes: loads, lanes, arithmetic, comparisons and bit-selects match lane-wise scalar arithmetic', async t => {
  const pool = new ConstantPool(1024)
  const f = new FunctionBuilder([])
  const a = f.local('v128')
  const b = f.local('v128')
  const zero = i32.const(0)
  // memory: a = (x0, x1) at byte 0, b = (y0, y1) at 16; results from byte 64 on, 16 bytes each
  const out = (n: number, value: ReturnType<typeof f64x2.add>): ReturnType<typeof v128.store> => v128.store(zero, value, 64 + 16 * n)
  f.body = [
    set(a, v128.load(zero, 0)),
    set(b, v128.load(zero, 16)),
    out(0, f64x2.add(get(a), get(b))),
    out(1, f64x2.sub(get(a), get(b))),
    out(2, f64x2.mul(get(a), get(b))),
    out(3, f64x2.div(get(a), get(b))),
    out(4, f64x2.max(get(a), get(b))),
    out(5, f64x2.pmin(get(a), get(b))),
    out(6, f64x2.pmax(get(a), get(b))),
    out(7, v128.bitselect(get(a), get(b), f64x2.lt(get(a), get(b)))),
    out(8, f64x2.abs(get(a))),
    out(9, f64x2.replace_lane(f64x2.splat(f64x2.extract_lane(get(a), 1)), f64.const(7), 1)),
    out(10, v128.load64_lane(zero, v128.load64_splat(zero, 16), 1, 0)),
    out(11, v128.load64_zero(zero, 8)),
    out(12, f64x2.mul(get(a), pool.f64x2(0.5))),
    out(13, v128.shuffle(get(a), get(b), [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23])),
    out(14, f64x2.convert_low_i32x4_s(f64x2.trunc_sat_to_i32x4_zero(get(b)))),
    out(15, i64x2.shl(i64x2.add(i64x2.shr_s(i64x2.splat(i64.const(-1024n)), i32.const(8)), pool.i64x2(1023n)), i32.const(52))),
    out(16, f64x2.convert_low_i32x4_s(i32x4.shr_s(i32x4.splat(i32.const(-1000)), i32.const(8)))),
    out(17, v128.or(f64x2.eq(get(a), get(a)), f64x2.ne(get(b), get(b)))),
    v128.store64_lane(zero, get(b), 1, 64 + 16 * 18),
    // byte 8 of i64 lanes (5, 300): the low byte of the second lane, 300 & 255 = 44
    v128.store8_lane(zero, i64x2.add(i64x2.splat(i64.const(5n)), v128.load(zero, 1024 - 16)), 8, 64 + 16 * 19)
  ]
  const { exports, f64: m } = compile({ f }, [], pool)
  m.set([-3.5, 2], 0)
  m.set([4.25, NaN], 2)
  new BigInt64Array(m.buffer, 1024 - 16, 2).set([0n, 295n])
  exports.f!()
  const lanes = (n: number): number[] => [m[8 + 2 * n]!, m[8 + 2 * n + 1]!]
  t.same(lanes(0), [-3.5 + 4.25, NaN])
  t.same(lanes(1), [-3.5 - 4.25, NaN])
  t.same(lanes(2), [-3.5 * 4.25, NaN])
  t.same(lanes(3), [-3.5 / 4.25, NaN])
  t.same(lanes(4), [4.25, NaN], 'max: NaN wins, as Math.max')
  t.same(lanes(5), [-3.5, 2], 'pmin(a, b) = b < a ? b : a, so NaN in b keeps a')
  t.same(lanes(6), [4.25, 2])
  t.same(lanes(7), [-3.5, NaN], 'bit-select by a < b')
  t.same(lanes(8), [3.5, 2])
  t.same(lanes(9), [2, 7])
  t.same(lanes(10), [4.25, -3.5], 'lane 1 of a splat of y0 replaced by x0')
  t.same(lanes(11), [2, 0])
  t.same(lanes(12), [-1.75, 1], 'a pool constant')
  t.same(lanes(13), [2, 4.25], 'bytes 8–23 of a then b')
  t.same(lanes(14), [4, 0], 'truncation toward zero, NaN to 0')
  t.same(lanes(15), [2 ** -4, 2 ** -4], '2^(−1024 >> 8) from its exponent bits')
  t.same(lanes(16), [-4, -4], '−1000 >> 8 is −4 (arithmetic shift)')
  const mask = new BigInt64Array(m.buffer, (8 + 2 * 17) * 8, 2)
  t.same(Array.from(mask), [-1n, -1n], 'all ones where a == a or b ≠ b')
  t.ok(Number.isNaN(m[8 + 2 * 18]!) && m[8 + 2 * 18 + 1] === 0, 'the second lane of b (NaN) stored alone')
  t.same(Array.from(new Uint8Array(m.buffer, 64 + 16 * 19, 2)), [44, 0], 'byte lane 8 stored alone')
})

t.test('a constant pool stores each constant once and writes little-endian lanes', async t => {
  const pool = new ConstantPool(32)
  t.equal(pool.bytes, 0)
  const one = pool.f64x2(1)
  t.same(pool.f64x2(1), one, 'the same load for the same value')
  t.not(JSON.stringify(pool.f64x2(-0)), JSON.stringify(pool.f64x2(0)), '−0 and 0 are two constants')
  pool.i64x2(-1n)
  t.equal(pool.bytes, 4 * 16)
  const buffer = new ArrayBuffer(128)
  pool.write(buffer)
  const values = new Float64Array(buffer, 32, 6)
  t.same(Array.from(values), [1, 1, -0, -0, 0, 0])
  t.ok(Object.is(values[2], -0))
  t.same(Array.from(new BigInt64Array(buffer, 32 + 48, 2)), [-1n, -1n])
})

/**
 * core/wasm-exp.ts against `Math.exp`: the same bits on every branch of fdlibm's exp (NaN,
 * ±Infinity, overflow, underflow to 0 and to subnormals, |x| < 2^−28, |x| <= ln2/2 and its
 * boundary, the k = ±1 range, exp(1)) and on millions of arguments, random and as the HMM kernel
 * meets them (differences of log-probabilities, <= 0); and its two-lane form on arguments <= 0 (the
 * lane operations where both lie in [−708, 0], a call per lane elsewhere).
 */
import t from 'tap'
import { Random } from '../../lib/core/random.js'
import { expFunction, expPair } from '../../lib/core/wasm-exp.js'
import { ConstantPool, forLoop, FunctionBuilder, get, i32, set, v128, type Local } from '../../lib/core/wasm-emitter.js'
import { instantiate } from '../../lib/core/wasm-runtime.js'

t.test('WebAssembly exp == Math.exp, bit for bit', async t => {
  const instance = instantiate<{ exp: (x: number) => number }>({ exp: expFunction() })
  t.ok(instance !== undefined, 'WebAssembly is available here')
  const exp = instance!.exports.exp
  const pair = new Float64Array(2)
  const bits = new BigUint64Array(pair.buffer)
  let differ = 0
  let first: number | undefined
  let count = 0
  const check = (x: number): void => {
    count++
    pair[0] = Math.exp(x)
    pair[1] = exp(x)
    if (bits[0] !== bits[1] && !(pair[0] !== pair[0] && pair[1] !== pair[1])) {
      differ++
      first ??= x
    }
  }
  const ln2 = Math.LN2
  const edges = [0, -0, 1, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324,
    709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.3964185322641, -708.4, -709, -720, -740,
    2 ** -28, -(2 ** -28), 2 ** -29, -(2 ** -29), ln2 / 2, -ln2 / 2, 1.5 * ln2, -1.5 * ln2, 1.0397205352783203, -1.0397205352783203,
    1023 * ln2, 1024 * ln2, -1021 * ln2, -1022 * ln2, -1074 * ln2]
  const view = new Float64Array(1)
  const word = new BigUint64Array(view.buffer)
  for (const x of edges) {
    check(x)
    // the neighbouring doubles
    view[0] = x
    for (const step of [1n, 2n, 1000n, 1n << 32n]) {
      if (!Number.isFinite(x) || x === 0) continue
      word[0] += step
      check(view[0]!)
      word[0] -= 2n * step
      check(view[0]!)
      word[0] += step
    }
  }
  // the high word's thresholds: |x| <= 0x3FD62E42FFFFFFFF takes the k = 0 branch
  for (const high of [0x3fd62e42n, 0x3fd62e43n, 0x3ff0a2b1n, 0x3ff0a2b2n, 0x3e2fffffn, 0x3e300000n, 0x40862e41n, 0x40862e42n]) {
    for (const low of [0n, 1n, 0xfefa39efn, 0xfefa39f0n, 0xffffffffn]) {
      word[0] = (high << 32n) | low
      check(view[0]!)
      check(-view[0]!)
    }
  }
  const random = new Random(7)
  for (let i = 0; i < 400000; i++) {
    check((random.uniform() - 0.5) * 1500)
    check(-random.uniform() * 40)
    check((random.uniform() - 0.5) * 3)
    check((random.uniform() - 0.5) * 1e-7)
    // as the HMM kernel meets them: a log-density minus the row's largest
    check((-0.5 * random.normal() ** 2 - 1.2) - (-0.5 * random.normal() ** 2))
    // any bit pattern
    word[0] = (BigInt(Math.floor(random.uniform() * 2 ** 32)) << 32n) | BigInt(Math.floor(random.uniform() * 2 ** 32))
    check(view[0]!)
  }
  t.equal(differ, 0, first === undefined ? `${count} arguments, the same bits` : `first difference at ${first}`)
})

t.test('the two-lane exp == Math.exp, bit for bit, in and out of its lane range', async t => {
  const N = 1 << 14
  const pool = new ConstantPool(N * 16)
  const fn = new FunctionBuilder(['i32'])
  const [n] = fn.params as [Local]
  const i = fn.local('i32')
  const x = fn.local('v128')
  fn.body = [set(i, i32.const(0)), forLoop(i, get(n), 2, [set(x, v128.load(i32.shl(get(i), i32.const(3)))), v128.store(i32.shl(get(i), i32.const(3)), expPair(fn, pool, x, 0), N * 8)])]
  // the scalar exp first: expPair calls function 0
  const instance = instantiate<{ pairs: (n: number) => void }>({ exp: expFunction(), pairs: fn }, [], N * 16, pool)
  t.ok(instance !== undefined, 'WebAssembly is available here')
  const f = instance!.f64
  const random = new Random(11)
  const view = new Float64Array(1)
  const word = new BigUint64Array(view.buffer)
  const ln2 = Math.LN2
  const near: number[] = []
  // around the branch points of fdlibm and of the lane range, and out of it (NaN, ±Infinity, x > 0, x < −708)
  for (const v of [0, -0, -ln2 / 2, -1.5 * ln2, -708, -745.2, -(2 ** -28), -(2 ** -29), NaN, -Infinity, Infinity, 1, 0.3]) {
    near.push(v)
    view[0] = v
    for (let step = -200n; step <= 200n && v !== 0 && Number.isFinite(v); step++) {
      word[0] += step
      near.push(view[0]!)
      word[0] -= step
    }
  }
  for (const high of [0x3fd62e42n, 0x3fd62e43n, 0x3ff0a2b1n, 0x3ff0a2b2n, 0x3e2fffffn, 0x3e300000n]) {
    for (let k = 0; k < 1000; k++) {
      word[0] = (1n << 63n) | (high << 32n) | BigInt(Math.floor(random.uniform() * 2 ** 32))
      near.push(view[0]!)
    }
  }
  const draws: Array<() => number> = [() => -random.uniform() * 760, () => -random.uniform() * 2, () => -random.uniform() * 1e-7, () => near[Math.floor(random.uniform() * near.length)]!]
  let differ = 0
  let count = 0
  for (let round = 0; round < 40; round++) {
    const draw = draws[round % draws.length]!
    for (let k = 0; k < N; k++) f[k] = draw()
    instance!.exports.pairs(N)
    for (let k = 0; k < N; k++) {
      count++
      const want = Math.exp(f[k]!)
      const got = f[N + k]!
      if (!Object.is(want, got) && !(want !== want && got !== got)) differ++
    }
  }
  t.equal(differ, 0, `${count} arguments, the same bits`)
})

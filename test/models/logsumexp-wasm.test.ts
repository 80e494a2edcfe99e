import t from 'tap'
import { block, br, br_if, ConstantPool, FunctionBuilder, get, i32, loop, set, v128 } from '../../lib/core/wasm-emitter.js'
import { instantiate } from '../../lib/core/wasm-runtime.js'
import { expNonPositive, logPositive } from '../../lib/models/logsumexp.js'
import { EXP_IMPORT, expLogLocals, expVector, logVector, TABLE_BYTES, writeTables } from '../../lib/models/logsumexp-wasm.js'
import { Random } from '../../lib/core/random.js'

const N = 4096
const inAt = TABLE_BYTES
const outAt = inAt + N * 8

/** A module applying the vector exp (with Math.exp below −708, or only marking those lanes) or log to N values. */
function kernel (which: 'exp' | 'exp-marked' | 'log'): { run: (n: number) => void; f64: Float64Array } {
  const pool = new ConstantPool(outAt + N * 8)
  const f = new FunctionBuilder(['i32'])
  const x = f.local('v128')
  const out = f.local('v128')
  const mask = f.local('v128')
  const i = f.local('i32')
  const l = expLogLocals(f)
  const body = which === 'log' ? logVector(x, out, l, pool, 0) : expVector(x, out, l, pool, 0, which === 'exp' ? { exp: 0 } : { mask })
  f.body = block(loop([
    br_if(1, i32.ge_s(get(i), get(f.params[0]!))),
    set(x, v128.load(i32.shl(get(i), i32.const(3)), inAt)),
    set(mask, pool.i64x2(0n)),
    ...body,
    v128.store(i32.shl(get(i), i32.const(3)), which === 'exp-marked' ? get(mask) : get(out), outAt),
    set(i, i32.add(get(i), i32.const(2))),
    br(0)
  ]))
  const instance = instantiate<{ f: (n: number) => void }>({ f }, [EXP_IMPORT], pool.at, pool)!
  writeTables(instance.f64, 0)
  return { run: instance.exports.f, f64: instance.f64 }
}

t.test('the vector exp is expNonPositive bit for bit, including the Math.exp range below −708', async t => {
  const { run, f64 } = kernel('exp')
  const random = new Random(1)
  let mismatches = 0
  for (let trial = 0; trial < 30; trial++) {
    const xs = Float64Array.from({ length: N }, (_, i) => {
      if (i % 7 === 0) return -random.uniform() * 800
      if (i % 11 === 0) return -random.uniform() * 1e-6
      if (i % 13 === 0) return [-708, -0, 0, -745.2, -Infinity, 1e-300][i % 6]!
      return -random.uniform() * 40
    })
    f64.set(xs, inAt / 8)
    run(N)
    for (let i = 0; i < N; i++) if (!Object.is(f64[outAt / 8 + i], expNonPositive(xs[i]!))) mismatches++
  }
  t.equal(mismatches, 0, `${30 * N} values`)
})

t.test('marking instead of calling: lanes at or below −708 are marked, the others computed', async t => {
  const { run, f64 } = kernel('exp-marked')
  f64.set([-708, -1, -707.9, -800], inAt / 8)
  run(4)
  const marks = new BigInt64Array(f64.buffer, outAt, 4)
  t.same(Array.from(marks), [-1n, 0n, 0n, -1n])
})

t.test('the vector log is logPositive bit for bit on normal positive values', async t => {
  const { run, f64 } = kernel('log')
  const random = new Random(2)
  let mismatches = 0
  for (let trial = 0; trial < 30; trial++) {
    const xs = Float64Array.from({ length: N }, (_, i) => {
      if (i % 5 === 0) return 1 + random.uniform() * 1e-10
      if (i % 7 === 0) return 1 - random.uniform() * 1e-12
      if (i % 3 === 0) return random.uniform() * 1e6 + 1e-300
      return 1 + random.uniform() * 15
    })
    f64.set(xs, inAt / 8)
    run(N)
    for (let i = 0; i < N; i++) if (!Object.is(f64[outAt / 8 + i], logPositive(xs[i]!))) mismatches++
  }
  t.equal(mismatches, 0, `${30 * N} values`)
})

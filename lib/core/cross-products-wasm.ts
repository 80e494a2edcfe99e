/**
 * The complete rows of a CrossProductSums run as WebAssembly SIMD, per dimension: the same sums as
 * the JavaScript kernel (cross-products-kernel.ts) and loop (accumulate.ts), in the same order.
 *
 * For each complete row, with δ_j = x_j − shift_j and a_j = w·δ_j, Σw and Σw·δ of every column are
 * added at once (two columns per instruction); δ and a are kept, and every {@link GROUP_ROWS} rows
 * the packed upper triangle of cross-products is swept once, each slot taking
 * `((p + a_0j·δ_0k) + a_1j·δ_1k) + …` for the group's rows in row order: the same bits as adding
 * one row at a time, with the triangle read and written once per group instead of once per row
 * (two slots per instruction). The kernel stops at the first row with a missing value and
 * returns it, as the JavaScript kernel does, so CrossProductSums adds that row itself. Wide rows
 * (from {@link TILED_DIMENSION} columns) sweep the triangle in register tiles instead
 * (cross-products-tiled.ts), with the same order of additions.
 *
 * The addresses of the rows, weights, sums and shifts are arguments, so one module serves every
 * accumulator of a dimension, also inside a larger kernel (gaussian-mixture-wasm.ts).
 */
import {
  block, br, br_if, ConstantPool, f64, f64x2, forLoop, FunctionBuilder, get, i32, if_, loop, return_, set, v128, type Code, type Local
} from './wasm-emitter.js'
import { instantiate, KernelCache } from './wasm-runtime.js'
import { crossProductsTiledFunction, tiledScratchBytes } from './cross-products-tiled.js'

/** Rows whose cross-products go into the triangle in one sweep. */
export const GROUP_ROWS = 8

/** Up to this dimension the loops over columns are written out. */
const UNROLL = 16

/** Slots of the complete rows' sums: Σw and Σw·δ per column, then the packed triangle. */
export function completeSlots (d: number): number {
  return 2 * d + (d * (d + 1)) / 2
}

/** Bytes of scratch the function for dimension d needs (δ and a of a group, or of a band of rows from TILED_DIMENSION on). */
export function scratchBytes (d: number): number {
  return d >= TILED_DIMENSION ? tiledScratchBytes(d) : 2 * GROUP_ROWS * d * 8
}

/**
 * `add(data, weights, partial, shift, from, to, weighted) → stop`: adds rows from … to − 1 of the
 * row-major block at byte `data` (d columns; weights at byte `weights` when `weighted`) into the
 * sums at byte `partial` ({@link completeSlots} of them, laid out as in CrossProductSums), with the
 * shifts at byte `shift`; returns the first row with a missing value, or `to`. `scratchAt` is the
 * byte offset of {@link scratchBytes} bytes of scratch memory.
 *
 * @example
 * ```ts
 * const f = crossProductsFunction(2, 1024, pool)
 * // instantiate({ add: f }, [], bytes, pool) and call add(…) on rows copied into memory
 * ```
 */
export function crossProductsFunction (d: number, scratchAt: number, pool: ConstantPool): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], ['i32'])
  const [data, weights, partial, shift, from, to, weighted] = f.params as [Local, Local, Local, Local, Local, Local, Local]
  const r = f.local('i32')
  const g = f.local('i32')
  const o = f.local('i32')
  const q = f.local('i32')
  const j = f.local('i32')
  const k = f.local('i32')
  const p = f.local('i32')
  const rowAt = f.local('i32')
  const w = f.local('v128')
  const v = f.local('v128')
  const miss = f.local('v128')
  const a = f.localArray('v128', GROUP_ROWS)
  const deltaAt = scratchAt
  const aAt = scratchAt + GROUP_ROWS * d * 8
  const zero = i32.const(0)
  const tri = 2 * d * 8

  /** `body(q)` for q = 0, 2, 4, … < d − 1 (pairs), then `tail(d − 1)` when d is odd; written out up to UNROLL. */
  const columns = (body: (q: Code, offset: number) => Code, tail: (q: Code, offset: number) => Code): Code => {
    if (d <= UNROLL) {
      const code: Code[] = []
      for (let c = 0; c + 2 <= d; c += 2) code.push(body(zero, c * 8))
      if (d % 2 === 1) code.push(tail(zero, (d - 1) * 8))
      return code
    }
    return [
      set(q, zero),
      forLoop(q, i32.const(d - 1), 2, body(i32.shl(get(q), i32.const(3)), 0)),
      d % 2 === 1 ? tail(zero, (d - 1) * 8) : []
    ]
  }
  const deltaRow = (row: Code): Code => i32.add(i32.mul(row, i32.const(d * 8)), i32.const(deltaAt))
  const aRow = (row: Code): Code => i32.add(i32.mul(row, i32.const(d * 8)), i32.const(aAt))

  /** One complete row: δ, a into the group's scratch row g; Σw and Σw·δ. */
  const addRow: Code = [
    set(w, pool.f64x2(1)),
    if_(get(weighted), set(w, v128.load64_splat(i32.add(get(weights), i32.shl(get(r), i32.const(3)))))),
    set(rowAt, i32.mul(get(g), i32.const(d * 8))),
    columns(
      (c, offset) => [
        set(v, f64x2.sub(v128.load(i32.add(get(o), c), offset), v128.load(i32.add(get(shift), c), offset))),
        v128.store(i32.add(get(rowAt), c), get(v), deltaAt + offset),
        set(v, f64x2.mul(get(w), get(v))),
        v128.store(i32.add(get(rowAt), c), get(v), aAt + offset),
        v128.store(i32.add(get(partial), c), f64x2.add(v128.load(i32.add(get(partial), c), offset), get(w)), offset),
        v128.store(i32.add(get(partial), c), f64x2.add(v128.load(i32.add(get(partial), c), d * 8 + offset), get(v)), d * 8 + offset)
      ],
      (_c, offset) => [
        set(v, f64x2.sub(v128.load64_zero(get(o), offset), v128.load64_zero(get(shift), offset))),
        f64.store(get(rowAt), f64x2.extract_lane(get(v), 0), deltaAt + offset),
        set(v, f64x2.mul(get(w), get(v))),
        f64.store(get(rowAt), f64x2.extract_lane(get(v), 0), aAt + offset),
        f64.store(get(partial), f64.add(f64.load(get(partial), offset), f64x2.extract_lane(get(w), 0)), offset),
        f64.store(get(partial), f64.add(f64.load(get(partial), d * 8 + offset), f64x2.extract_lane(get(v), 0)), d * 8 + offset)
      ]
    )
  ]

  /**
   * The triangle for the first `rows` scratch rows (a whole group, or one row of a partial group
   * at `single`): slot (j, k) += a_0j·δ_0k + a_1j·δ_1k + …, left to right.
   */
  const sweep = (rows: number, single?: Code): Code => {
    // Scratch rows of a whole group are at constant offsets (folded into the loads' addressing);
    // the one row of a partial group is at a computed address.
    const terms = Array.from({ length: rows }, (_, i) => single === undefined
      ? { a: i32.const(aAt + i * d * 8), delta: (kc: Code, offset: number): Code => v128.load(kc, deltaAt + i * d * 8 + offset), deltaLane: (kc: Code, offset: number): Code => f64.load(kc, deltaAt + i * d * 8 + offset) }
      : { a: aRow(single), delta: (kc: Code, offset: number): Code => v128.load(i32.add(deltaRow(single), kc), offset), deltaLane: (kc: Code, offset: number): Code => f64.load(i32.add(deltaRow(single), kc), offset) })
    const pairAt = (kc: Code, offset: number): Code => {
      let sum: Code = v128.load(i32.add(get(p), kc), offset)
      terms.forEach((t, i) => { sum = f64x2.add(sum, f64x2.mul(get(a[i]!), t.delta(kc, offset))) })
      return v128.store(i32.add(get(p), kc), sum, offset)
    }
    const lastAt = (kc: Code, offset: number): Code => {
      let sum: Code = f64.load(i32.add(get(p), kc), offset)
      terms.forEach((t, i) => { sum = f64.add(sum, f64.mul(f64x2.extract_lane(get(a[i]!), 0), t.deltaLane(kc, offset))) })
      return f64.store(i32.add(get(p), kc), sum, offset)
    }
    const loadA = (jc: Code, offset: number): Code => terms.map((t, i) => set(a[i]!, v128.load64_splat(i32.add(t.a, jc), offset)))
    if (d <= UNROLL) {
      const code: Code[] = []
      let slot = 0
      for (let jj = 0; jj < d; jj++) {
        code.push(set(p, i32.add(get(partial), i32.const(tri + slot * 8 - jj * 8))), loadA(zero, jj * 8))
        let kk = jj
        for (; kk + 2 <= d; kk += 2) code.push(pairAt(zero, kk * 8))
        if (kk < d) code.push(lastAt(zero, kk * 8))
        slot += d - jj
      }
      return code
    }
    // p points at slot (j, 0) of a full row, so slot (j, k) is at p + 8k
    return [
      set(j, zero),
      set(p, i32.add(get(partial), i32.const(tri))),
      forLoop(j, i32.const(d), 1, [
        loadA(i32.shl(get(j), i32.const(3)), 0),
        set(k, get(j)),
        block(loop([
          br_if(1, i32.gt_s(i32.add(get(k), i32.const(2)), i32.const(d))),
          pairAt(i32.shl(get(k), i32.const(3)), 0),
          set(k, i32.add(get(k), i32.const(2))),
          br(0)
        ])),
        if_(i32.lt_s(get(k), i32.const(d)), lastAt(i32.shl(get(k), i32.const(3)), 0)),
        // row j + 1, addressed from its column 0, starts d − j − 1 slots further
        set(p, i32.add(get(p), i32.sub(i32.const((d - 1) * 8), i32.shl(get(j), i32.const(3)))))
      ])
    ]
  }
  /** The rows of an unfinished group, one at a time. */
  const sweepPartial: Code = [
    set(q, zero),
    forLoop(q, get(g), 1, sweep(1, get(q)))
  ]

  f.body = [
    set(r, get(from)),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(to))),
      set(o, i32.add(get(data), i32.mul(get(r), i32.const(d * 8)))),
      // a missing value (NaN) stops the kernel, as in the JavaScript kernel
      set(miss, pool.i64x2(0n)),
      columns(
        (c, offset) => [set(v, v128.load(i32.add(get(o), c), offset)), set(miss, v128.or(get(miss), f64x2.ne(get(v), get(v))))],
        (_c, offset) => [set(v, v128.load64_zero(get(o), offset)), set(miss, v128.or(get(miss), f64x2.ne(get(v), get(v))))]
      ),
      if_(v128.any_true(get(miss)), [sweepPartial, return_(get(r))]),
      addRow,
      set(g, i32.add(get(g), i32.const(1))),
      if_(i32.eq(get(g), i32.const(GROUP_ROWS)), [sweep(GROUP_ROWS), set(g, zero)]),
      set(r, i32.add(get(r), i32.const(1))),
      br(0)
    ])),
    sweepPartial,
    get(to)
  ]
  return f
}

/** The largest dimension given a kernel. */
export const MAX_DIMENSION = 512

/** From this dimension on the triangle is swept in register tiles (cross-products-tiled.ts). */
export const TILED_DIMENSION = 17

/** Up to this dimension the sums stay in registers for the whole run (see {@link crossProductsSmallFunction}). */
export const SMALL_DIMENSION = 6

/**
 * The kernel of {@link crossProductsFunction} for d ≤ {@link SMALL_DIMENSION}: the 2d + d(d+1)/2
 * sums stay in v128 locals for the whole call, two adjacent slots per local, and each row adds to
 * every pair of slots the pair of its increments (w, a_j = w·δ_j or a_j·δ_k, as the slots' layout
 * asks), built from the row's vectors of a and δ by one shuffle each: one row at a time, so each
 * slot adds its rows in row order.
 */
export function crossProductsSmallFunction (d: number, pool: ConstantPool): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], ['i32'])
  const [data, weights, partial, shift, from, to, weighted] = f.params as [Local, Local, Local, Local, Local, Local, Local]
  const r = f.local('i32')
  const o = f.local('i32')
  const w = f.local('v128')
  const miss = f.local('v128')
  const vectors = Math.ceil(d / 2)
  const delta = f.localArray('v128', vectors)
  const a = f.localArray('v128', vectors)
  const slots = completeSlots(d)
  const sums = f.localArray('v128', Math.ceil(slots / 2))
  // What each slot adds per row: a factor from {w, a_j} times one from {1, δ_k}.
  type Factor = { kind: 'w' } | { kind: 'a' | 'delta'; index: number } | { kind: 'one' } | { kind: 'zero' }
  const increments: Array<[Factor, Factor]> = []
  for (let j = 0; j < d; j++) increments.push([{ kind: 'w' }, { kind: 'one' }])
  for (let j = 0; j < d; j++) increments.push([{ kind: 'a', index: j }, { kind: 'one' }])
  for (let j = 0; j < d; j++) for (let k = j; k < d; k++) increments.push([{ kind: 'a', index: j }, { kind: 'delta', index: k }])
  // an odd count leaves the last local's second lane on padding, which adds 0
  if (slots % 2 === 1) increments.push([{ kind: 'zero' }, { kind: 'one' }])
  const source = (factor: Factor): { vector: Code; lane: number } => {
    if (factor.kind === 'w') return { vector: get(w), lane: 0 }
    if (factor.kind === 'one') return { vector: pool.f64x2(1), lane: 0 }
    if (factor.kind === 'zero') return { vector: pool.f64x2(0), lane: 0 }
    return { vector: get((factor.kind === 'a' ? a : delta)[factor.index >> 1]!), lane: factor.index & 1 }
  }
  /** The vector (x, y) of two factors: a local as it is, or one shuffle of two. */
  const pairOf = (x: Factor, y: Factor): Code => {
    const sx = source(x)
    const sy = source(y)
    if (JSON.stringify(sx.vector) === JSON.stringify(sy.vector) && sx.lane === 0 && sy.lane === 1) return sx.vector
    if (JSON.stringify(sx.vector) === JSON.stringify(sy.vector) && sx.lane === sy.lane && (x.kind === 'w' || x.kind === 'one')) return sx.vector
    const bytes = (lane: number, base: number): number[] => Array.from({ length: 8 }, (_, i) => base + lane * 8 + i)
    return v128.shuffle(sx.vector, sy.vector, [...bytes(sx.lane, 0), ...bytes(sy.lane, 16)])
  }
  const addRow: Code[] = sums.map((sum, i) => {
    const [[lx, rx], [ly, ry]] = [increments[2 * i]!, increments[2 * i + 1]!]
    const left = pairOf(lx, ly)
    // x·1 is x: a pair whose right factors are both 1 adds its left factors
    const step = rx.kind === 'one' && ry.kind === 'one' ? left : f64x2.mul(left, pairOf(rx.kind === 'one' ? { kind: 'one' } : rx, ry.kind === 'one' ? { kind: 'one' } : ry))
    return set(sum, f64x2.add(get(sum), step))
  })
  f.body = [
    ...sums.map((sum, i) => set(sum, v128.load(get(partial), i * 16))),
    set(r, get(from)),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(to))),
      set(o, i32.add(get(data), i32.mul(get(r), i32.const(d * 8)))),
      set(miss, pool.i64x2(0n)),
      ...delta.map((v, i) => [
        set(v, 2 * i + 1 < d ? v128.load(get(o), i * 16) : v128.load64_zero(get(o), i * 16)),
        set(miss, v128.or(get(miss), f64x2.ne(get(v), get(v))))
      ]),
      // a missing value (NaN) stops the kernel, with the sums stored
      if_(v128.any_true(get(miss)), [...sums.map((sum, i) => v128.store(get(partial), get(sum), i * 16)), return_(get(r))]),
      set(w, pool.f64x2(1)),
      if_(get(weighted), set(w, v128.load64_splat(i32.add(get(weights), i32.shl(get(r), i32.const(3)))))),
      ...delta.map((v, i) => [
        set(v, f64x2.sub(get(v), 2 * i + 1 < d ? v128.load(get(shift), i * 16) : v128.load64_zero(get(shift), i * 16))),
        set(a[i]!, f64x2.mul(get(w), get(v)))
      ]),
      ...addRow,
      set(r, i32.add(get(r), i32.const(1))),
      br(0)
    ])),
    ...sums.map((sum, i) => v128.store(get(partial), get(sum), i * 16)),
    get(to)
  ]
  return f
}

/** A compiled `add` for one dimension, its memory, and where the sums and shifts go (byte offsets). */
export interface CrossProductsIn {
  add: (data: number, weights: number, partial: number, shift: number, from: number, to: number, weighted: number) => number
  f64: Float64Array
  partial: number
  shift: number
}

/** A standalone kernel ({@link CrossProductsIn}) with room for a block of rows and their weights. */
export interface CrossProductsWasm extends CrossProductsIn {
  data: number
  weights: number
}

/** Bytes after `at` for the sums, the shifts and the scratch of {@link crossProductsAdd}, and where each goes. */
export function crossProductsLayout (d: number, at: number): { partial: number; shift: number; scratch: number; end: number } {
  const align = (n: number): number => Math.ceil(n / 16) * 16
  const partial = align(at)
  const shift = align(partial + completeSlots(d) * 8)
  const scratch = align(shift + d * 8)
  return { partial, shift, scratch, end: align(scratch + (d <= SMALL_DIMENSION ? 0 : scratchBytes(d))) }
}

/** The `add` function for dimension d: the registers' form up to SMALL_DIMENSION, the grouped sweeps above, the register tiles from TILED_DIMENSION. */
export function crossProductsAdd (d: number, scratchAt: number, pool: ConstantPool): FunctionBuilder {
  if (d <= SMALL_DIMENSION) return crossProductsSmallFunction(d, pool)
  return d >= TILED_DIMENSION ? crossProductsTiledFunction(d, scratchAt, pool) : crossProductsFunction(d, scratchAt, pool)
}

const cache = new KernelCache<CrossProductsWasm>()

/**
 * The standalone kernel for CrossProductSums of dimension d and runs of at most `blockRows` rows,
 * or undefined where WebAssembly is off or unavailable.
 *
 * @example
 * ```ts
 * const kernel = crossProductsWasm(2, 1024)
 * // kernel.f64.set(rows, kernel.data / 8) … kernel.add(kernel.data, kernel.weights, kernel.partial, kernel.shift, 0, n, 0)
 * ```
 */
export function crossProductsWasm (d: number, blockRows: number): CrossProductsWasm | undefined {
  // Beyond MAX_DIMENSION the kernel's memory (a block of rows and the triangle) grows past tens of
  // megabytes, and the per-block flush dominates anyway: the JavaScript loop runs.
  if (d > MAX_DIMENSION) return undefined
  return cache.get(`${d}×${blockRows}`, () => {
    const align = (n: number): number => Math.ceil(n / 16) * 16
    const data = 0
    const weights = align(data + blockRows * d * 8)
    const { partial, shift, scratch } = crossProductsLayout(d, weights + blockRows * 8)
    const pool = new ConstantPool(align(scratch + scratchBytes(d)))
    const add = crossProductsAdd(d, scratch, pool)
    const instance = instantiate<{ add: CrossProductsWasm['add'] }>({ add }, [], pool.at + 16, pool)
    if (instance === undefined) return undefined
    return { add: instance.exports.add, f64: instance.f64, data, weights, partial, shift }
  })
}

/**
 * The double-double totals of a block's cross-products, shifted back to the origin, for the flush
 * of CrossProductSums (cross-products.ts): for columns j ≤ k with shifts k_j, k_k, running sums
 * p = Σw·dj·dk and s = Σw·d, and W_j = Σw,
 *
 *   Σw·x_j·x_k = p + k_k·s_j + k_j·s_k + (W_j·k_j)·k_k
 *
 * as hi + lo: each product rounded with its error (Dekker's, from splits made once per column),
 * Knuth's two-sums of p and the three rounded products, then every error added once. WebAssembly
 * SIMD computes two slots per instruction with the same operations in the same order as the
 * JavaScript loop, so both give the same bits; its `add` then grows the accumulator's expansions
 * (kept in the kernel's memory) by the two halves, as ExpansionTable.addPair does.
 */
import { productError, SPLITTER } from './exact-sum.js'
import { EXPANSION_CAPACITY, type ExpansionStorage } from './expansion-table.js'
import { f64, f64x2, forLoop, FunctionBuilder, get, i32, if_, set, v128, block, loop, br, br_if, type Code, type Local } from './wasm-emitter.js'
import { compileKernel, KernelCache, type WasmInstance } from './wasm-runtime.js'

/** Per-column inputs of a block's totals (each `dimension` + 2 long: the kernel reads a column past the last). */
export interface BlockColumns {
  /** s_j = Σw·dj and its Dekker split. */
  sum: Float64Array
  sumHigh: Float64Array
  sumLow: Float64Array
  /** k_j and its split. */
  shift: Float64Array
  shiftHigh: Float64Array
  shiftLow: Float64Array
  /** W_j·k_j rounded, its split, and its rounding error. */
  weightShift: Float64Array
  weightShiftHigh: Float64Array
  weightShiftLow: Float64Array
  weightShiftError: Float64Array
}

const COLUMN_NAMES = ['sum', 'sumHigh', 'sumLow', 'shift', 'shiftHigh', 'shiftLow', 'weightShift', 'weightShiftHigh', 'weightShiftLow', 'weightShiftError'] as const

/** Where a block's totals are computed: its column inputs, and its triangles of running sums (in) and of hi and lo (out). */
export interface BlockTotals {
  columns: BlockColumns
  /** The packed upper triangle of p, then of hi, then of lo (each d(d+1)/2 + 2 long). */
  partial: Float64Array
  hi: Float64Array
  lo: Float64Array
}

/**
 * Fills the columns' splits from `sum`, `shift` and the per-column weights `w` (rows 0 … d − 1).
 * @example
 * ```ts
 * splitColumns(totals.columns, Float64Array.of(2), 1) // after columns.sum and columns.shift are set
 * ```
 */
export function splitColumns (c: BlockColumns, w: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    const s = c.sum[j]!
    const k = c.shift[j]!
    let t = SPLITTER * s
    c.sumHigh[j] = t - (t - s)
    c.sumLow[j] = s - c.sumHigh[j]!
    t = SPLITTER * k
    c.shiftHigh[j] = t - (t - k)
    c.shiftLow[j] = k - c.shiftHigh[j]!
    const wk = w[j]! * k
    c.weightShift[j] = wk
    t = SPLITTER * wk
    c.weightShiftHigh[j] = t - (t - wk)
    c.weightShiftLow[j] = wk - c.weightShiftHigh[j]!
    c.weightShiftError[j] = Number.isFinite(wk) ? productError(w[j]!, k, wk) : 0
  }
}

/**
 * The JavaScript loop: hi and lo of every slot of the triangle from the columns and `partial`.
 * @example
 * ```ts
 * const totals = blockTotalsJs(3) // fill totals.columns (splitColumns) and totals.partial, then:
 * runBlockTotals(3, totals) // totals.hi, totals.lo
 * ```
 */
export function runBlockTotals (d: number, totals: BlockTotals): void {
  const { columns: c, partial, hi: his, lo: los } = totals
  let slot = 0
  for (let j = 0; j < d; j++) {
    const kj = c.shift[j]!
    const kjh = c.shiftHigh[j]!
    const kjl = c.shiftLow[j]!
    const sj = c.sum[j]!
    const sjh = c.sumHigh[j]!
    const sjl = c.sumLow[j]!
    const wk = c.weightShift[j]!
    const wkh = c.weightShiftHigh[j]!
    const wkl = c.weightShiftLow[j]!
    const wke = c.weightShiftError[j]!
    for (let k = j; k < d; k++, slot++) {
      const kk = c.shift[k]!
      const kkh = c.shiftHigh[k]!
      const kkl = c.shiftLow[k]!
      const sk = c.sum[k]!
      const skh = c.sumHigh[k]!
      const skl = c.sumLow[k]!
      const p = partial[slot]!
      const a = kk * sj
      const aError = ((kkh * sjh - a) + kkh * sjl + kkl * sjh) + kkl * sjl
      const b = kj * sk
      const bError = ((kjh * skh - b) + kjh * skl + kjl * skh) + kjl * skl
      const c2 = wk * kk
      const cError = ((wkh * kkh - c2) + wkh * kkl + wkl * kkh) + wkl * kkl
      let hi = p + a
      let t = hi - p
      let lo = (p - (hi - t)) + (a - t)
      let x = hi
      hi = x + b
      t = hi - x
      lo += (x - (hi - t)) + (b - t)
      x = hi
      hi = x + c2
      t = hi - x
      lo += (x - (hi - t)) + (c2 - t)
      lo += aError + bError + cError + wke * kk
      his[slot] = hi
      los[slot] = lo
    }
  }
}

/** Byte offsets of a kernel's arrays: the columns, the three triangles, then the expansions of `slots` slots with low halves and what `add` leaves to the caller. */
function layout (d: number, slots: number): { columns: number[]; partial: number; hi: number; lo: number; parts: number; count: number; skip: number; fullCells: number; fullTops: number; flags: number; end: number } {
  const align = (n: number): number => Math.ceil(n / 16) * 16
  const triangle = d * (d + 1) / 2 + 2
  const columnBytes = align((d + 2) * 8)
  const triangleBytes = align(triangle * 8)
  const columns = COLUMN_NAMES.map((_, i) => i * columnBytes)
  const partial = COLUMN_NAMES.length * columnBytes
  const parts = partial + 3 * triangleBytes
  const count = parts + align(2 * slots * EXPANSION_CAPACITY * 8)
  const skip = count + align(2 * slots)
  const fullCells = skip + align(triangle)
  const fullTops = fullCells + align(2 * triangle * 4)
  const flags = fullTops + align(2 * triangle * 8)
  return { columns, partial, hi: partial + triangleBytes, lo: partial + 2 * triangleBytes, parts, count, skip, fullCells, fullTops, flags, end: flags + 16 }
}

/** The kernel: runBlockTotals two slots at a time (a row's last odd slot computes one past it, into the next row's first slot, which that row then writes). */
function blockTotalsFunction (d: number, slots: number): FunctionBuilder {
  const at = layout(d, slots)
  const f = new FunctionBuilder([])
  const j = f.local('i32')
  const k = f.local('i32')
  const q = f.local('i32')
  const [kj, kjh, kjl, sj, sjh, sjl, wk, wkh, wkl, wke] = f.localArray('v128', 10) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local]
  const [kk, kkh, kkl, sk, skh, skl, p, a, b, c, ae, be, ce, hi, lo, x, t] = f.localArray('v128', 17) as Local[] as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local]
  const column = (name: typeof COLUMN_NAMES[number]): number => at.columns[COLUMN_NAMES.indexOf(name)]!
  const { add, sub, mul } = f64x2
  const productError = (u: Local, uh: Local, ul: Local, vh: Local, vl: Local, product: Local): Code =>
    add(add(add(sub(mul(get(uh), get(vh)), get(product)), mul(get(uh), get(vl))), mul(get(ul), get(vh))), mul(get(ul), get(vl)))
  const twoSumInto = (y: Local): Code => [
    set(x, get(hi)),
    set(hi, add(get(x), get(y))),
    set(t, sub(get(hi), get(x))),
    set(lo, add(get(lo), add(sub(get(x), sub(get(hi), get(t))), sub(get(y), get(t)))))
  ]
  const kb = i32.shl(get(k), i32.const(3))
  const slotAt = i32.add(get(q), kb)
  f.body = [
    // slot (j, k) is at byte q + 8k of a triangle
    set(q, i32.const(0)),
    forLoop(j, i32.const(d), 1, [
      ...([[kj, 'shift'], [kjh, 'shiftHigh'], [kjl, 'shiftLow'], [sj, 'sum'], [sjh, 'sumHigh'], [sjl, 'sumLow'], [wk, 'weightShift'], [wkh, 'weightShiftHigh'], [wkl, 'weightShiftLow'], [wke, 'weightShiftError']] as const)
        .map(([local, name]) => set(local, v128.load64_splat(i32.shl(get(j), i32.const(3)), column(name)))),
      set(k, get(j)),
      block(loop([
        br_if(1, i32.ge_s(get(k), i32.const(d))),
        ...([[kk, 'shift'], [kkh, 'shiftHigh'], [kkl, 'shiftLow'], [sk, 'sum'], [skh, 'sumHigh'], [skl, 'sumLow']] as const)
          .map(([local, name]) => set(local, v128.load(kb, column(name)))),
        set(p, v128.load(slotAt, at.partial)),
        set(a, mul(get(kk), get(sj))),
        set(ae, productError(kk, kkh, kkl, sjh, sjl, a)),
        set(b, mul(get(kj), get(sk))),
        set(be, productError(kj, kjh, kjl, skh, skl, b)),
        set(c, mul(get(wk), get(kk))),
        set(ce, productError(wk, wkh, wkl, kkh, kkl, c)),
        set(hi, add(get(p), get(a))),
        set(t, sub(get(hi), get(p))),
        set(lo, add(sub(get(p), sub(get(hi), get(t))), sub(get(a), get(t)))),
        twoSumInto(b),
        twoSumInto(c),
        set(lo, add(get(lo), add(add(add(get(ae), get(be)), get(ce)), mul(get(wke), get(kk))))),
        v128.store(slotAt, get(hi), at.hi),
        v128.store(slotAt, get(lo), at.lo),
        set(k, i32.add(get(k), i32.const(2))),
        br(0)
      ])),
      // row j + 1's slot (j + 1, j + 1) is d − j slots after (j, j)
      set(q, i32.add(get(q), i32.sub(i32.const((d - 1) * 8), i32.shl(get(j), i32.const(3)))))
    ])
  ]
  return f
}

/**
 * `add()`: for every slot i of the triangle (j ≤ k), unless p = 0 with s_j or s_k = 0 (a column
 * constant in the block, whose exact terms the caller adds) or hi or lo is not finite, grows cell
 * 2d + i of the table by hi and cell slots + 2d + i by lo as ExpansionTable.addPair does (Knuth's
 * two-sums up the partials, zeros dropped). A slot it leaves gets skip[i] = 1. A cell grown full
 * with a new largest partial is listed (fullCells, fullTops) for ExpansionTable.completeFull; flags
 * hold [overflowed, cells listed].
 */
function addPairsFunction (d: number, slots: number): FunctionBuilder {
  const at = layout(d, slots)
  const f = new FunctionBuilder([])
  const [j, k, i, cell, base, have, m, q, full] = f.localArray('i32', 9) as [Local, Local, Local, Local, Local, Local, Local, Local, Local]
  const [p, h, l, x, y, s, yv, e, sj] = f.localArray('f64', 9) as [Local, Local, Local, Local, Local, Local, Local, Local, Local]
  const sumAt = at.columns[COLUMN_NAMES.indexOf('sum')]!
  const zero = f64.const(0)
  const grow = (target: Code, value: Local): Code => if_(f64.ne(get(value), zero), [
    set(x, get(value)),
    set(cell, target),
    set(base, i32.mul(get(cell), i32.const(EXPANSION_CAPACITY * 8))),
    set(have, i32.load8_u(get(cell), at.count)),
    set(m, i32.const(0)),
    set(q, i32.const(0)),
    forLoop(q, get(have), 1, [
      set(y, f64.load(i32.add(get(base), i32.shl(get(q), i32.const(3))), at.parts)),
      set(s, f64.add(get(x), get(y))),
      set(yv, f64.sub(get(s), get(x))),
      set(e, f64.add(f64.sub(get(x), f64.sub(get(s), get(yv))), f64.sub(get(y), get(yv)))),
      if_(f64.ne(get(e), zero), [
        f64.store(i32.add(get(base), i32.shl(get(m), i32.const(3))), get(e), at.parts),
        set(m, i32.add(get(m), i32.const(1)))
      ]),
      set(x, get(s))
    ]),
    if_(f64.ne(f64.sub(get(x), get(x)), zero), i32.store(i32.const(0), i32.const(1), at.flags)),
    if_(f64.eq(get(x), zero), i32.store8(get(cell), get(m), at.count),
      if_(i32.eq(get(m), i32.const(EXPANSION_CAPACITY)), [
        i32.store(i32.shl(get(full), i32.const(2)), get(cell), at.fullCells),
        f64.store(i32.shl(get(full), i32.const(3)), get(x), at.fullTops),
        set(full, i32.add(get(full), i32.const(1)))
      ], [
        f64.store(i32.add(get(base), i32.shl(get(m), i32.const(3))), get(x), at.parts),
        i32.store8(get(cell), i32.add(get(m), i32.const(1)), at.count)
      ]))
  ])
  const i8 = i32.shl(get(i), i32.const(3))
  f.body = [
    i32.store(i32.const(0), i32.const(0), at.flags),
    set(i, i32.const(0)),
    set(full, i32.const(0)),
    set(j, i32.const(0)),
    forLoop(j, i32.const(d), 1, [
      set(sj, f64.load(i32.shl(get(j), i32.const(3)), sumAt)),
      set(k, get(j)),
      forLoop(k, i32.const(d), 1, [
        set(p, f64.load(i8, at.partial)),
        set(h, f64.load(i8, at.hi)),
        set(l, f64.load(i8, at.lo)),
        if_(i32.or(
          i32.and(f64.eq(get(p), zero), i32.or(f64.eq(get(sj), zero), f64.eq(f64.load(i32.shl(get(k), i32.const(3)), sumAt), zero))),
          f64.ne(f64.add(f64.sub(get(h), get(h)), f64.sub(get(l), get(l))), zero)
        ), i32.store8(get(i), i32.const(1), at.skip), [
          i32.store8(get(i), i32.const(0), at.skip),
          grow(i32.add(get(i), i32.const(2 * d)), h),
          grow(i32.add(get(i), i32.const(slots + 2 * d)), l)
        ]),
        set(i, i32.add(get(i), i32.const(1)))
      ])
    ]),
    i32.store(i32.const(0), get(full), at.flags + 4)
  ]
  return f
}

/**
 * Dimensions with a flush kernel. Below, a flush of d(d+1)/2 slots is cheap in JavaScript, and an
 * accumulator's own WebAssembly memory (64 KB at least, with a reservation of address space) is
 * not worth it; beyond, the memory (the triangles and an accumulator's 2·(2d + d(d+1)/2 + 2d²)
 * expansions) passes 100 MB.
 */
const MIN_KERNEL_DIMENSION = 16
const MAX_KERNEL_DIMENSION = 512

/** A flush kernel of one accumulator: {@link BlockTotals} in its memory, with the cells of the accumulator's ExpansionTable and their `add`. */
export interface FlushKernel extends BlockTotals {
  /** {@link runBlockTotals} in WebAssembly. */
  run: () => void
  /** Room for the cells of the accumulator's ExpansionTable (`slots` slots with low halves): see ExpansionTable.moveTo. */
  table: ExpansionStorage
  /** Grows the table by every slot's hi and lo of the last `run` (see addPairsFunction). */
  add: () => void
  /** Per slot of the triangle, 1 where `add` left it to the caller. */
  skip: Uint8Array
  /** The cells `add` grew full and their new largest partials, `flags[1]` of them; `flags[0]` is 1 if an addition overflowed. */
  fullCells: Int32Array
  fullTops: Float64Array
  flags: Int32Array
}

type FlushExports = { run: () => void; add: () => void }

const modules = new KernelCache<(bytes: number) => WasmInstance<FlushExports> | undefined>()

/**
 * A flush kernel for an accumulator of dimension d with `slots` slots: the module is compiled once
 * per shape, and each accumulator gets an instance with a memory of its own, holding its
 * expansions; undefined where WebAssembly is off or unavailable, or d is outside
 * MIN_KERNEL_DIMENSION … MAX_KERNEL_DIMENSION.
 * @example
 * ```ts
 * const kernel = flushKernel(16, 2 * 16 + 136 + 2 * 256)
 * if (kernel !== undefined) sums.moveTo(kernel.table) // sums: an ExpansionTable of 680 slots with low halves
 * ```
 */
export function flushKernel (d: number, slots: number): FlushKernel | undefined {
  if (d < MIN_KERNEL_DIMENSION || d > MAX_KERNEL_DIMENSION) return undefined
  const make = modules.get(`${d}×${slots}`, () => compileKernel<FlushExports>({ run: blockTotalsFunction(d, slots), add: addPairsFunction(d, slots) }))
  const at = layout(d, slots)
  const instance = make?.(at.end)
  if (instance === undefined) return undefined
  const { f64, i32: words } = instance
  const buffer = f64.buffer
  const triangle = d * (d + 1) / 2 + 2
  const view = (byte: number, n: number): Float64Array => f64.subarray(byte / 8, byte / 8 + n)
  const columns = Object.fromEntries(COLUMN_NAMES.map((name, i) => [name, view(at.columns[i]!, d + 2)])) as unknown as BlockColumns
  return {
    columns,
    partial: view(at.partial, triangle),
    hi: view(at.hi, triangle),
    lo: view(at.lo, triangle),
    run: instance.exports.run,
    table: { parts: view(at.parts, 2 * slots * EXPANSION_CAPACITY), count: new Uint8Array(buffer, at.count, 2 * slots) },
    add: instance.exports.add,
    skip: new Uint8Array(buffer, at.skip, triangle),
    fullCells: words.subarray(at.fullCells / 4, at.fullCells / 4 + 2 * triangle),
    fullTops: view(at.fullTops, 2 * triangle),
    flags: words.subarray(at.flags / 4, at.flags / 4 + 2)
  }
}

/**
 * The arrays of {@link BlockTotals}, of an accumulator's own, for {@link runBlockTotals}.
 * @example
 * ```ts
 * const totals = blockTotalsJs(3)
 * ```
 */
export function blockTotalsJs (d: number): BlockTotals {
  const triangle = d * (d + 1) / 2 + 2
  const columns = Object.fromEntries(COLUMN_NAMES.map(name => [name, new Float64Array(d + 2)])) as unknown as BlockColumns
  // plain arrays and no function: a deep copy of the accumulator holding them copies them whole
  return { columns, partial: new Float64Array(triangle), hi: new Float64Array(triangle), lo: new Float64Array(triangle) }
}

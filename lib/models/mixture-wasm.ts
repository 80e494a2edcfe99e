/**
 * A mixture's E-step posterior as WebAssembly SIMD: for a tile of rows copied once into the
 * kernel's memory, the components' joint log-densities log π_j + log p_j(x), their row-wise
 * log-sum-exp and the responsibilities, computed with the operations of the general path
 * (the components' `logProbability…`, then `responsibilities` in logsumexp.ts) in their order, so
 * the same bits. Two rows go through at a time, one per SIMD lane.
 *
 * The component kind supplies the first pass (its joint log-density; normal-mixture-wasm.ts,
 * gaussian-mixture-wasm.ts); the rest is here. The work goes in passes over the tile, as in
 * logsumexp.ts: each pass's loop is short enough that the CPU overlaps consecutive pairs, where
 * one loop doing everything would wait on its long chain of dependent operations.
 *
 * The kernel declines a tile (status 0) with a missing or infinite value, a row whose largest term
 * is not finite (the general path's special rows), or one beyond 2^51 in size, where the
 * branch-free maximum may be more than 0.5 off and an exponent leave the fast path's range; the
 * general path then runs on that tile. Declining changes nothing.
 */
import type { Batch } from '../core/batch.js'
import {
  block, br, br_if, ConstantPool, f64, f64x2, FunctionBuilder, get, i32, if_, loop, set, v128, type Code, type Local
} from '../core/wasm-emitter.js'
import { instantiate, type WasmInstance } from '../core/wasm-runtime.js'
import { EXP_IMPORT, expLogLocals, expVector, logVector, TABLE_BYTES, writeTables } from './logsumexp-wasm.js'

/** Rows of a tile (the mixture's TILE_ROWS). */
export const TILE_ROWS = 2048
/** The most components written out. */
export const MAX_COMPONENTS = 16

/** Byte offsets in a kernel's memory. */
export interface MixtureLayout {
  /** The tile's rows (row-major, one spare row for an odd last pair), their weights. */
  x: number
  w: number
  /** Per component, TILE_ROWS + 2 values: the joint log-density, then the responsibility. */
  resp: number
  /** Per component, e_j = exp(joint_j − max) (apart from the joint, which a pair done again reads). */
  exps: number
  /** Σ_j e_j, then w / Σ_j e_j. */
  sum: number
  /** The row maximum, then log p(x). */
  lse: number
  /** Per component `paramSlots` constants, each in both lanes (16 bytes). */
  params: number
  /** What a fused kernel needs beyond the posterior (`extra` bytes). */
  extra: number
  flags: number
  status: number
  bytes: number
}

/** Byte offsets for k components of `cols` columns, `paramSlots` constants each. */
export function mixtureLayout (k: number, cols: number, paramSlots: number, extra: number): MixtureLayout {
  const at: Record<string, number> = {}
  let offset = TABLE_BYTES
  const place = (name: string, bytes: number): void => {
    at[name] = offset
    offset = Math.ceil((offset + bytes) / 16) * 16
  }
  place('x', (TILE_ROWS + 2) * cols * 8)
  place('w', (TILE_ROWS + 2) * 8)
  place('resp', k * (TILE_ROWS + 2) * 8)
  place('exps', k * (TILE_ROWS + 2) * 8)
  place('sum', (TILE_ROWS + 2) * 8)
  place('lse', (TILE_ROWS + 2) * 8)
  place('params', k * paramSlots * 16)
  place('extra', extra)
  place('flags', (TILE_ROWS + 2) * 4)
  place('status', 16)
  return { ...at, bytes: offset } as unknown as MixtureLayout
}

/** Byte offset of component j's values (responsibilities, after the posterior). */
export function respAt (at: MixtureLayout, j: number): number {
  return at.resp + j * (TILE_ROWS + 2) * 8
}

/** What the first pass of a kind gets: the function, its constants, the layout, and locals. */
export interface JointContext {
  f: FunctionBuilder
  pool: ConstantPool
  at: MixtureLayout
  /** The pair's first row. */
  r: Local
  /** Accumulates NaN for a missing or infinite value: `bad += x − x`. */
  bad: Local
  /** Where `joint(j)` leaves its value. */
  v: Local
  /** Constant `slot` of component j, in both lanes. */
  param: (j: number, slot: number) => Code
}

/** A kind's first pass: `prologue` reads the pair's rows, `joint(j)` sets `v` to log π_j + log p_j(x). */
export interface JointPass {
  prologue: Code
  joint: (j: number) => Code
}

/** The posterior export: (rows, weighted) → Σ w·log p(x), status 1 at `status` when the tile was taken. */
export type PosteriorExport = (rows: number, weighted: number) => number

/** A compiled mixture kernel: `posterior` and whatever else the kind exports, with its layout. */
export interface MixtureKernel<E> extends WasmInstance<E & { posterior: PosteriorExport }> {
  layout: MixtureLayout
  cols: number
}

/**
 * Builds a kernel: the posterior from `joint`, plus the kind's own `functions` (made with the
 * same layout and pool); undefined where WebAssembly is off or unavailable.
 */
export function buildMixtureKernel<E> (
  k: number, cols: number, paramSlots: number, extra: number,
  joint: (context: JointContext) => JointPass,
  functions: (at: MixtureLayout, pool: ConstantPool) => Record<string, FunctionBuilder> = () => ({})
): MixtureKernel<E> | undefined {
  const at = mixtureLayout(k, cols, paramSlots, extra)
  const pool = new ConstantPool(at.bytes)
  const instance = instantiate<E & { posterior: PosteriorExport }>(
    { posterior: posteriorFunction(k, paramSlots, at, pool, joint), ...functions(at, pool) }, [EXP_IMPORT], at.bytes, pool)
  if (instance === undefined) return undefined
  writeTables(instance.f64, 0)
  return { ...instance, layout: at, cols }
}

/**
 * Copies a tile (and its weights) into the kernel, with `params(f64, j, at)` writing component j's
 * constants at Float64 index `at`, and runs the posterior; returns Σ w·log p(x) of the tile, or
 * undefined when the kernel declined it.
 */
export function runPosterior<E> (
  kernel: MixtureKernel<E>, batch: Batch, k: number, paramSlots: number, params: (f64: Float64Array, j: number, at: number) => void
): number | undefined {
  const { layout: at, f64, i32, exports, cols } = kernel
  const rows = batch.rows
  const weights = batch.weights
  f64.set(batch.data, at.x / 8)
  // the spare row of an odd last pair: finite values, never read back
  f64.fill(0, at.x / 8 + rows * cols, at.x / 8 + (rows + 1) * cols)
  if (weights !== undefined) {
    f64.set(weights, at.w / 8)
    f64[at.w / 8 + rows] = 0
  }
  for (let j = 0; j < k; j++) params(f64, j, at.params / 8 + j * paramSlots * 2)
  const total = exports.posterior(rows, weights === undefined ? 0 : 1)
  return i32[at.status / 4] === 1 ? total : undefined
}

/** Writes `value` in both lanes of constant `slot` of a component whose constants start at `at`. */
export function writeParam (f64: Float64Array, at: number, slot: number, value: number): void {
  f64[at + 2 * slot] = value
  f64[at + 2 * slot + 1] = value
}

function posteriorFunction (k: number, paramSlots: number, at: MixtureLayout, pool: ConstantPool, kind: (context: JointContext) => JointPass): FunctionBuilder {
  const splat = (x: number): Code => pool.f64x2(x)
  const f = new FunctionBuilder(['i32', 'i32'], ['f64'])
  const [rows, weighted] = f.params as [Local, Local]
  const r = f.local('i32')
  const o = f.local('i32')
  const any = f.local('i32')
  const m = f.local('v128')
  const v = f.local('v128')
  const dd = f.local('v128')
  const e = f.local('v128')
  const l = f.local('v128')
  const bad = f.local('v128')
  const large = f.local('v128')
  const slow = f.local('v128')
  const total = f.local('f64')
  const wr = f.local('f64')
  const scratch = expLogLocals(f)
  const zero = i32.const(0)
  const param = (j: number, slot: number): Code => v128.load(zero, at.params + (j * paramSlots + slot) * 16)
  const row = (address: number): Code => v128.load(get(o), address)
  const { prologue, joint } = kind({ f, pool, at, r, bad, v, param })
  /** `body` for every pair of rows (o: the pair's byte offset in per-row arrays); only pairs whose flag is set, with `flagged`. */
  const pairs = (body: Code, flagged = false): Code => [
    set(r, zero),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(rows))),
      set(o, i32.shl(get(r), i32.const(3))),
      flagged ? if_(i32.load(i32.shl(get(r), i32.const(1)), at.flags), body) : body,
      set(r, i32.add(get(r), i32.const(2))),
      br(0)
    ]))
  ]
  const expsAt = (j: number): number => at.exps + j * (TILE_ROWS + 2) * 8
  /** e_j = exp(joint_j − max) of one pair, and Σ_j e_j in component order. */
  const exponentials = (j: number, fast: boolean): Code => [
    set(v, f64x2.sub(row(respAt(at, j)), row(at.lse))),
    ...expVector(v, e, scratch, pool, 0, fast ? { mask: slow } : { exp: 0 }),
    v128.store(get(o), get(e), expsAt(j)),
    v128.store(get(o), j === 0 ? get(e) : f64x2.add(row(at.sum), get(e)), at.sum)
  ]
  f.body = [
    // 1. the joint log-densities into resp_j, and their branch-free maximum (rowMax) into lse
    pairs([
      prologue,
      ...Array.from({ length: k }, (_, j) => [
        joint(j),
        v128.store(get(o), get(v), respAt(at, j)),
        j === 0
          ? set(m, get(v))
          : [
              set(dd, f64x2.sub(get(v), get(m))),
              set(dd, f64x2.add(get(m), f64x2.mul(splat(0.5), f64x2.add(get(dd), f64x2.abs(get(dd)))))),
              // NaN only when one of the two is infinite (neither is NaN in a tile that is taken): then pmax is Math.max
              set(m, v128.bitselect(get(dd), f64x2.pmax(get(m), get(v)), f64x2.eq(get(dd), get(dd))))
            ]
      ]),
      set(bad, f64x2.add(get(bad), f64x2.sub(get(m), get(m)))),
      set(large, v128.or(get(large), f64x2.le(splat(2 ** 51), f64x2.abs(get(m))))),
      v128.store(get(o), get(m), at.lse)
    ]),
    // 2. e_j and Σ_j e_j; below −708 the fast pass only marks the pair, and marked pairs are done
    //    again with Math.exp
    pairs([
      set(slow, pool.i64x2(0n)),
      ...Array.from({ length: k }, (_, j) => exponentials(j, true)),
      i32.store(i32.shl(get(r), i32.const(1)), v128.any_true(get(slow)), at.flags),
      set(any, i32.or(get(any), v128.any_true(get(slow))))
    ]),
    if_(get(any), pairs(Array.from({ length: k }, (_, j) => exponentials(j, false)), true)),
    // 3. log p(x) = max + log Σ e_j, and w / Σ e_j
    pairs([
      set(l, row(at.sum)),
      ...logVector(l, e, scratch, pool, 0),
      v128.store(get(o), f64x2.add(row(at.lse), get(e)), at.lse),
      v128.store(get(o), f64x2.div(if_(get(weighted), row(at.w), splat(1), 'v128'), get(l)), at.sum)
    ]),
    // 4. the responsibilities e_j·w/Σe
    pairs(Array.from({ length: k }, (_, j) => v128.store(get(o), f64x2.mul(row(expsAt(j)), row(at.sum)), respAt(at, j)))),
    i32.store(zero, i32.eqz(v128.any_true(v128.or(get(large), f64x2.ne(get(bad), get(bad))))), at.status),
    // Σ w·log p(x) row by row over the rows of non-zero weight, as `responsibilities` adds it up
    set(r, zero),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(rows))),
      set(wr, f64.const(1)),
      if_(get(weighted), set(wr, f64.load(i32.shl(get(r), i32.const(3)), at.w))),
      if_(f64.ne(get(wr), f64.const(0)), set(total, f64.add(get(total), f64.mul(get(wr), f64.load(i32.shl(get(r), i32.const(3)), at.lse))))),
      set(r, i32.add(get(r), i32.const(1))),
      br(0)
    ])),
    get(total)
  ]
  return f
}

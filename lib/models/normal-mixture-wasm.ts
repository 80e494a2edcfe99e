/**
 * The E-step of a mixture of one-column NormalDistributions, fused into one WebAssembly SIMD
 * kernel per number of components: the components' log-densities, the responsibilities
 * (logsumexp.ts), the components' weighted moments (accumulate.ts, `sumMoments`) and the mixture's
 * own sums (`sumInLanes`), for a tile of rows copied once into the kernel's memory. It computes
 * every value with the operations of the general path (NormalDistribution.logProbabilityColumn,
 * `responsibilities`, `sumMoments`, `sumInLanes`) in their order, so the statistics are the same
 * bits; the two SIMD lanes are the two lanes of accumulate.ts (rows at even and odd positions of
 * a block), and the rows' log-likelihood is added up row by row as `responsibilities` does.
 *
 * `posterior` works on the whole tile and changes no statistic; it reports a tile it does not take
 * (a missing or infinite value, a row whose largest term is not finite or beyond 2^51, where an
 * exponent's argument could leave the fast path's range), and the general path then runs on that
 * tile instead. `accumulate` then adds the rows of one block at a time.
 */
import { BLOCK_ROWS, type BlockedSums } from '../core/accumulate.js'
import type { Batch } from '../core/batch.js'
import {
  block, br, br_if, ConstantPool, f64, f64x2, FunctionBuilder, get, i32, if_, loop, set, v128, type Code, type Local
} from '../core/wasm-emitter.js'
import { instantiate, KernelCache, type WasmInstance } from '../core/wasm-runtime.js'
import { EXP_IMPORT, expLogLocals, expVector, logVector, TABLE_BYTES, writeTables } from './logsumexp-wasm.js'

/** What the kernel needs from each component (NormalDistribution.mixtureTerms). */
export interface NormalTerms {
  mean: number
  /** −log σ − log √(2π) and 1/(2σ²), as `logProbabilityColumn` computes them. */
  logNorm: number
  half: number
  /** The component's moment sums (3 slots, moments). */
  sums: BlockedSums
}

/** The most components written out. */
export const MAX_COMPONENTS = 16
/** Rows of a tile (the mixture's TILE_ROWS). */
export const TILE_ROWS = 2048

interface Layout {
  x: number
  w: number
  resp: number
  sum: number
  lse: number
  params: number
  comp: number
  mix: number
  flags: number
  status: number
  bytes: number
}

interface Exports {
  posterior: (rows: number, weighted: number) => number
  accumulate: (from: number, to: number, odd: number, weighted: number) => void
}

interface Kernel extends WasmInstance<Exports> {
  layout: Layout
}

const cache = new KernelCache<Kernel>()

/** Byte offsets of everything in memory (16-aligned). */
function layout (k: number): Layout {
  const at: Record<string, number> = {}
  let offset = TABLE_BYTES
  const place = (name: string, bytes: number): void => {
    at[name] = offset
    offset = Math.ceil((offset + bytes) / 16) * 16
  }
  place('x', (TILE_ROWS + 2) * 8)
  place('w', (TILE_ROWS + 2) * 8)
  place('resp', k * (TILE_ROWS + 2) * 8)
  place('sum', (TILE_ROWS + 2) * 8)
  place('lse', (TILE_ROWS + 2) * 8)
  place('params', k * 4 * 16)
  place('comp', k * 8 * 8)
  place('mix', 2 * (k + 1) * 8)
  place('flags', (TILE_ROWS + 2) * 4)
  place('status', 16)
  return { ...at, bytes: offset } as unknown as Layout
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
  const { layout: at, f64, i32, exports } = kernel
  const rows = batch.rows
  const weights = batch.weights
  f64.set(batch.data, at.x / 8)
  f64[at.x / 8 + rows] = 0
  if (weights !== undefined) {
    f64.set(weights, at.w / 8)
    f64[at.w / 8 + rows] = 0
  }
  terms.forEach((t, j) => {
    const p = at.params / 8 + j * 8
    f64.fill(t.mean, p, p + 2)
    f64.fill(t.logNorm, p + 2, p + 4)
    f64.fill(t.half, p + 4, p + 6)
    f64.fill(logWeights[j]!, p + 6, p + 8)
  })
  const weighted = weights === undefined ? 0 : 1
  const total = exports.posterior(rows, weighted)
  if (i32[at.status / 4] !== 1) return undefined
  mixture.runs(rows, (start, end) => {
    terms.forEach((t, j) => {
      f64.set(t.sums.partial.subarray(0, 6), at.comp / 8 + j * 8)
      f64[at.comp / 8 + j * 8 + 6] = t.sums.shift[0]!
    })
    f64.set(mixture.partial, at.mix / 8)
    exports.accumulate(start, end, mixture.pending & 1, weighted)
    mixture.partial.set(f64.subarray(at.mix / 8, at.mix / 8 + 2 * (k + 1)))
    for (let j = 0; j < k; j++) {
      const { sums } = terms[j]!
      sums.partial.set(f64.subarray(at.comp / 8 + j * 8, at.comp / 8 + j * 8 + 6))
      sums.shift[0] = f64[at.comp / 8 + j * 8 + 6]!
      sums.runs(end - start, () => {})
    }
  })
  return total
}

function build (k: number): Kernel | undefined {
  const at = layout(k)
  const pool = new ConstantPool(at.bytes)
  const instance = instantiate<Exports>({ posterior: posteriorFunction(k, at, pool), accumulate: accumulateFunction(k, at, pool) }, [EXP_IMPORT], at.bytes, pool)
  if (instance === undefined) return undefined
  writeTables(instance.f64, 0)
  return { ...instance, layout: at }
}

function posteriorFunction (k: number, at: Layout, pool: ConstantPool): FunctionBuilder {
  const splat = (x: number): Code => pool.f64x2(x)
  const f = new FunctionBuilder(['i32', 'i32'], ['f64'])
  const [rows, weighted] = f.params as [Local, Local]
  const r = f.local('i32')
  const o = f.local('i32')
  const any = f.local('i32')
  const x = f.local('v128')
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
  const param = (j: number, p: number): Code => v128.load(zero, at.params + (j * 4 + p) * 16)
  const resp = (j: number): number => at.resp + j * (TILE_ROWS + 2) * 8
  const row = (address: number): Code => v128.load(get(o), address)
  /** `body` for every pair of rows (o: the pair's byte offset); pairs whose flag is set only, with `flagged`. */
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
  /** The exponentials of one pair, e_j = exp(joint_j − max), into resp_j, and their sum into `sum` in component order. */
  const exponentials = (j: number, fast: boolean): Code => [
    set(v, f64x2.sub(row(resp(j)), row(at.lse))),
    ...expVector(v, e, scratch, pool, 0, fast ? { mask: slow } : { exp: 0 }),
    v128.store(get(o), get(e), resp(j)),
    v128.store(get(o), j === 0 ? get(e) : f64x2.add(row(at.sum), get(e)), at.sum)
  ]
  // The work goes in passes over the tile, as in logsumexp.ts: each pass's loop is short enough
  // that the CPU overlaps consecutive pairs, where one loop doing everything would wait on its
  // long chain of dependent operations.
  f.body = [
    // 1. joint_j = log π_j + logNorm_j − (x − μ_j)²·half_j (as logProbabilityColumn, then rowMax)
    //    into resp_j, and their branch-free maximum into lse. NaN accumulates in `bad` for a
    //    missing or infinite x or a non-finite maximum; `large` marks a maximum beyond 2^51
    //    (where it may be over 0.5 off, which the fast exp does not take).
    pairs([
      set(x, row(at.x)),
      set(bad, f64x2.add(get(bad), f64x2.sub(get(x), get(x)))),
      ...Array.from({ length: k }, (_, j) => [
        set(v, f64x2.sub(get(x), param(j, 0))),
        set(v, f64x2.add(f64x2.sub(param(j, 1), f64x2.mul(f64x2.mul(get(v), get(v)), param(j, 2))), param(j, 3))),
        v128.store(get(o), get(v), resp(j)),
        j === 0
          ? set(m, get(v))
          : [
              set(dd, f64x2.sub(get(v), get(m))),
              set(dd, f64x2.add(get(m), f64x2.mul(splat(0.5), f64x2.add(get(dd), f64x2.abs(get(dd)))))),
              // NaN only when one of the two is infinite (neither is NaN for a finite x): then pmax is Math.max
              set(m, v128.bitselect(get(dd), f64x2.pmax(get(m), get(v)), f64x2.eq(get(dd), get(dd))))
            ]
      ]),
      set(bad, f64x2.add(get(bad), f64x2.sub(get(m), get(m)))),
      set(large, v128.or(get(large), f64x2.le(splat(2 ** 51), f64x2.abs(get(m))))),
      v128.store(get(o), get(m), at.lse)
    ]),
    // 2. e_j = exp(joint_j − max) and Σ_j e_j. Below −708 the fast pass only marks the pair;
    //    marked pairs are done again with Math.exp.
    pairs([
      set(slow, pool.i64x2(0n)),
      ...Array.from({ length: k }, (_, j) => exponentials(j, true)),
      i32.store(i32.shl(get(r), i32.const(1)), v128.any_true(get(slow)), at.flags),
      set(any, i32.or(get(any), v128.any_true(get(slow))))
    ]),
    if_(get(any), pairs(Array.from({ length: k }, (_, j) => exponentials(j, false)), true)),
    // 3. lse = max + log Σ e_j, and the row weight over the sum
    pairs([
      set(l, row(at.sum)),
      ...logVector(l, e, scratch, pool, 0),
      v128.store(get(o), f64x2.add(row(at.lse), get(e)), at.lse),
      v128.store(get(o), f64x2.div(if_(get(weighted), row(at.w), splat(1), 'v128'), get(l)), at.sum)
    ]),
    // 4. the responsibilities e_j·w/Σe
    pairs(Array.from({ length: k }, (_, j) => v128.store(get(o), f64x2.mul(row(resp(j)), row(at.sum)), resp(j)))),
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

function accumulateFunction (k: number, at: Layout, pool: ConstantPool): FunctionBuilder {
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
  const resp = (j: number): number => at.resp + j * (TILE_ROWS + 2) * 8
  const comp = (j: number): number => at.comp + j * 64
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
    set(sw, v128.load(zero, at.mix + slot * 16)),
    slot < k
      ? inLanes(load => set(sw, f64x2.add(get(sw), load(resp(slot)))))
      : if_(get(weighted),
        inLanes(load => [
          set(value, load(at.w)),
          set(t, f64x2.mul(get(value), load(at.lse))),
          set(sw, f64x2.add(get(sw), v128.bitselect(splat(0), get(t), f64x2.eq(get(value), splat(0)))))
        ]),
        inLanes(load => set(sw, f64x2.add(get(sw), load(at.lse))))),
    v128.store(zero, get(sw), at.mix + slot * 16)
  ]
  f.body = [
    ...Array.from({ length: k }, (_, j) => moments(j)),
    ...Array.from({ length: k + 1 }, (_, slot) => mixtureSum(slot))
  ]
  return f
}
export const _debug = { cache, build }

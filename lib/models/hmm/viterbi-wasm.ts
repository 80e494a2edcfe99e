/**
 * The steady rows of the Viterbi recursion (viterbi.ts) as one WebAssembly SIMD kernel per
 * topology, for the common models whose only silent states are start and end: after the first
 * observation every in-edge of an emitting state comes from an emitting state, so a row is p
 * maxima over in-edges, and nothing else.
 *
 * Two target states share an instruction (one per f64x2 lane). Each lane walks its own state's
 * in-edges in in-edge order with the general loop's operations: the candidate is
 * `(score + log p) + emission`, and it replaces the best when it compares strictly greater
 * (`f64x2.pmax`, no branch). Up to {@link POINTER_STATES} states the back-pointer follows it by a
 * bit-select on the comparison's mask. A lane whose state has fewer in-edges than its partner's
 * is padded with log p = −Infinity, which never compares greater. So the scores and the
 * back-pointers are those of the general loop, bit for bit (a state that no edge reaches keeps
 * −Infinity; its back-pointer is never read).
 *
 * The edge lists are written into the code (a source is a shuffle of the previous row's scores,
 * kept in registers), so a kernel serves one topology; the log-probabilities are in memory,
 * copied before each sequence, so the M-step needs no new kernel. Rows go through the kernel's
 * memory in chunks of {@link CHUNK_ROWS}: their emissions (or, for coded Discrete emissions, their
 * codes and the per-key table) in; each row's scores, and back-pointers (one byte per state),
 * stay there for the traceback when the sequence fits in one chunk, else are copied out.
 *
 * Normal emissions can be computed here too (`normalRows`, for models with back-pointers): from
 * the observations, each state's `(logNorm − d·d·half, or +0 when NaN) + log weight`, the
 * operations of `NormalDistribution.logProbabilityColumn` and of emissions.ts's sum, two states
 * per instruction, so decoding needs no emission matrix.
 */
import {
  ConstantPool, f64x2, forLoop, FunctionBuilder, get, i32, select, set, v128, type Code, type Local
} from '../../core/wasm-emitter.js'
import { instantiate, KernelCache, type WasmInstance } from '../../core/wasm-runtime.js'
import type { NormalStateTerms } from './emissions.js'

/** The most emitting states the kernel is written out for (back-pointers are bytes; the code grows as p²). */
export const MAX_KERNEL_STATES = 32

/**
 * Up to this many emitting states the kernel also keeps back-pointers (a compare and a select per
 * edge); above, the traceback finds them from the scores (a scan of one state's in-edges per row),
 * which costs less than the selects of p² edges per row.
 */
const POINTER_STATES = 6

/** Rows per kernel call. */
const CHUNK_ROWS = 2048

/** The largest per-key table (rows of p emissions) the kernel's memory holds; larger alphabets run in JavaScript. */
const TABLE_ROWS = 4096

/**
 * The in-edges of the emitting states laid out in lanes: for pair q (states 2q and 2q + 1), slots
 * `start[q]` … `start[q + 1]`, each with a source per lane (`source[2k]`, `source[2k + 1]`);
 * `logP` in the same order, −Infinity in padding.
 */
export interface LaneEdges {
  p: number
  start: Int32Array
  source: Int32Array
  logP: Float64Array
  /** The topology as a string: the kernel's cache key. */
  key: string
}

/**
 * The lanes of the steady in-edges of a graph's emitting states (`edges(l)` gives state l's
 * sources and log-probabilities in in-edge order).
 */
export function laneEdges (p: number, edges: (l: number) => { source: number[]; logP: number[] }): LaneEdges {
  const pairs = Math.ceil(p / 2)
  const start = new Int32Array(pairs + 1)
  const source: number[] = []
  const logP: number[] = []
  for (let q = 0; q < pairs; q++) {
    const a = edges(2 * q)
    const b = 2 * q + 1 < p ? edges(2 * q + 1) : { source: [], logP: [] }
    const slots = Math.max(a.source.length, b.source.length)
    for (let k = 0; k < slots; k++) {
      // a padded lane reads its partner's source (one splat load) and never wins
      const sa = a.source[k] ?? b.source[k]!
      const sb = b.source[k] ?? sa
      source.push(sa, sb)
      logP.push(a.logP[k] ?? -Infinity, b.logP[k] ?? -Infinity)
    }
    start[q + 1] = start[q]! + slots
  }
  return { p, start, source: Int32Array.from(source), logP: Float64Array.from(logP), key: `${p}:${source.join(',')}:${Array.from(start).join(',')}` }
}

interface Layout {
  /** Rows of scores, `stride` bytes apart: the row before the chunk, then the chunk's rows. */
  scores: number
  stride: number
  /** With back-pointers: each row's, p bytes apart, and each edge slot's sources (i64 lanes). */
  back: number
  sources: number
  logP: number
  /** Normal emissions: the chunk's observations, and per state pair its mean, logNorm, half and log weight. */
  x: number
  normal: number
  codes: number
  e: number
  table: number
}

type Steps = (rows: number, coded: number) => void
type NormalRows = (rows: number) => void
interface Kernel extends WasmInstance<{ steps: Steps; normalRows: NormalRows }> {
  layout: Layout
  pointers: boolean
  u8: Uint8Array
  /** The per-key table now in memory (copied again only for another table). */
  table: Float64Array | undefined
}

const cache = new KernelCache<Kernel>()

function build (lanes: LaneEdges): Kernel | undefined {
  const { p, start } = lanes
  const slots = start[start.length - 1]!
  const align = (n: number): number => Math.ceil(n / 16) * 16
  const pointers = p <= POINTER_STATES
  const stride = align(p * 8)
  const scores = 0
  const back = align(scores + (CHUNK_ROWS + 1) * stride)
  const sources = align(back + (pointers ? CHUNK_ROWS * p : 0))
  const logP = align(sources + slots * 16)
  const x = align(logP + slots * 16)
  const normal = align(x + CHUNK_ROWS * 8)
  const codes = align(normal + start.length * 4 * 16)
  const e = align(codes + CHUNK_ROWS * 4)
  // one row of padding: the last state pair's second lane reads past an odd row
  const table = align(e + (CHUNK_ROWS + 1) * p * 8)
  const pool = new ConstantPool(align(table + (TABLE_ROWS + 2) * p * 8))
  const layout = { scores, stride, back, sources, logP, x, normal, codes, e, table }
  const functions = { steps: stepsFunction(lanes, layout, pool, pointers), normalRows: normalRowsFunction(p, layout) }
  const instance = instantiate<{ steps: Steps; normalRows: NormalRows }>(functions, [], pool.at, pool)
  if (instance === undefined) return undefined
  const i64 = new BigInt64Array(instance.f64.buffer, sources, 2 * slots)
  for (let k = 0; k < 2 * slots; k++) i64[k] = BigInt(lanes.source[k]!)
  return { ...instance, layout, pointers, u8: new Uint8Array(instance.f64.buffer), table: undefined }
}

/**
 * `normalRows(rows)`: the emissions of the chunk's rows 0 … rows − 1 from its observations. A
 * pair's store writes a lane past an odd row, into the next row (written after it) or the padding.
 */
function normalRowsFunction (p: number, at: Layout): FunctionBuilder {
  const pairs = Math.ceil(p / 2)
  const f = new FunctionBuilder(['i32'])
  const [rows] = f.params as [Local]
  const t = f.local('i32')
  const x = f.local('v128')
  const d = f.local('v128')
  const v = f.local('v128')
  const zero = i32.const(0)
  const term = (q: number, k: number): Code => v128.load(zero, at.normal + (4 * q + k) * 16)
  f.body = [
    set(t, zero),
    forLoop(t, get(rows), 1, [
      set(x, v128.load64_splat(i32.shl(get(t), i32.const(3)), at.x)),
      Array.from({ length: pairs }, (_, q) => [
        set(d, f64x2.sub(get(x), term(q, 0))),
        set(v, f64x2.sub(term(q, 1), f64x2.mul(f64x2.mul(get(d), get(d)), term(q, 2)))),
        // a missing value (NaN) has log-probability +0, as logProbabilityColumn's `v === v ? v : 0`
        set(v, v128.and(get(v), f64x2.eq(get(v), get(v)))),
        v128.store(i32.mul(get(t), i32.const(p * 8)), f64x2.add(get(v), term(q, 3)), at.e + q * 16)
      ])
    ])
  ]
  return f
}

/**
 * `steps(rows, coded)`: score rows 1 … rows of memory from each row before (with `pointers`, row
 * t's back-pointers at `back + (t − 1)·p`); row t's emissions are row t − 1 of the chunk's
 * emissions, or with `coded` row `codes[t − 1] + 1` of the table. `f64x2.pmax(best, candidate)`
 * is `best < candidate ? candidate : best`: the general loop's strict `>` (NaN never wins) in one
 * instruction.
 */
function stepsFunction (lanes: LaneEdges, at: Layout, pool: ConstantPool, pointers: boolean): FunctionBuilder {
  const { p, start, source } = lanes
  const pairs = start.length - 1
  const f = new FunctionBuilder(['i32', 'i32'])
  const [rows, coded] = f.params as [Local, Local]
  const t = f.local('i32')
  const row = f.local('i32')
  const before = f.local('i32')
  const emission = f.local('v128')
  const candidate = f.local('v128')
  const better = f.local('v128')
  const best = f.localArray('v128', pairs)
  const arg = f.localArray('v128', pairs)
  const last = f.localArray('v128', pairs)
  const zero = i32.const(0)
  // the previous row's scores stay in registers: source s is lane s & 1 of last[s >> 1]
  const lane = (s: number, second: boolean): number[] => Array.from({ length: 8 }, (_, b) => (s & 1) * 8 + b + (second ? 16 : 0))
  const score = (s: number, u: number): Code => v128.shuffle(get(last[s >> 1]!), get(last[u >> 1]!), [...lane(s, false), ...lane(u, true)])
  const pair = (q: number): Code => {
    const code: Code[] = [
      set(emission, v128.load(get(row), q * 16)),
      set(best[q]!, pool.f64x2(-Infinity)),
      pointers ? set(arg[q]!, pool.i64x2(0n)) : []
    ]
    for (let k = start[q]!; k < start[q + 1]!; k++) {
      code.push(set(candidate, f64x2.add(f64x2.add(score(source[2 * k]!, source[2 * k + 1]!), v128.load(zero, at.logP + k * 16)), get(emission))))
      if (pointers) {
        code.push(
          set(better, f64x2.gt(get(candidate), get(best[q]!))),
          set(arg[q]!, v128.bitselect(v128.load(zero, at.sources + k * 16), get(arg[q]!), get(better)))
        )
      }
      code.push(set(best[q]!, f64x2.pmax(get(best[q]!), get(candidate))))
    }
    return code
  }
  const rowBytes = p * 8
  f.body = [
    set(t, zero),
    Array.from({ length: pairs }, (_, q) => set(last[q]!, v128.load(zero, at.scores + q * 16))),
    forLoop(t, get(rows), 1, [
      set(row, select(
        i32.add(i32.mul(i32.add(i32.load(i32.shl(get(t), i32.const(2)), at.codes), i32.const(1)), i32.const(rowBytes)), i32.const(at.table)),
        i32.add(i32.mul(get(t), i32.const(rowBytes)), i32.const(at.e)),
        get(coded)
      )),
      set(before, i32.add(i32.mul(get(t), i32.const(at.stride)), i32.const(at.scores))),
      Array.from({ length: pairs }, (_, q) => pair(q)),
      Array.from({ length: pairs }, (_, q) => [v128.store(get(before), get(best[q]!), at.stride + q * 16), set(last[q]!, get(best[q]!))]),
      pointers ? Array.from({ length: p }, (_, l) => v128.store8_lane(i32.mul(get(t), i32.const(p)), get(arg[l >> 1]!), (l & 1) * 8, at.back + l)) : []
    ])
  ]
  return f
}

/** A kernel of the steady rows of a topology (see {@link steadyRows}). */
export type SteadyKernel = Kernel

/**
 * The kernel of `lanes`' topology, when one runs here: undefined where WebAssembly is off or
 * unavailable, or for a per-key `table` (coded emissions) too large for its memory; the caller
 * then runs the JavaScript loop.
 */
export function steadyKernel (lanes: LaneEdges, table: Float64Array | undefined): SteadyKernel | undefined {
  if (table !== undefined && table.length > (TABLE_ROWS + 1) * lanes.p) return undefined
  return cache.get(lanes.key, () => build(lanes))
}

/**
 * Where the traceback reads the steady rows: with `back`, the back-pointers of row r (2 … n) at
 * `base + (r − 2)·p` of `back`; else the scores of row r (1 … n) at `base + (r − 1)·stride` of
 * `scores`.
 */
export interface SteadyTrace {
  back: Uint8Array | undefined
  scores: Float64Array
  base: number
  stride: number
}

/** Normal emissions computed from the observations: step i's is `x[row + i]` (one column). */
export interface NormalSource {
  x: Float64Array
  row: number
  terms: NormalStateTerms
}

/** Whether a kernel computes Normal emissions itself ({@link NormalSource}): one with back-pointers (the traceback needs no emissions). */
export function computesNormalEmissions (kernel: SteadyKernel): boolean {
  return kernel.pointers
}

/** Per state pair: mean, logNorm, half and log weight in both lanes' order (zeros past p). */
function writeNormalTerms (f64: Float64Array, at: number, p: number, terms: NormalStateTerms): void {
  const { mean, logNorm, half, logWeight } = terms
  const pairs = Math.ceil(p / 2)
  for (let q = 0; q < pairs; q++) {
    for (let lane = 0; lane < 2; lane++) {
      const s = 2 * q + lane
      const base = at + q * 8 + lane
      f64[base] = s < p ? mean[s]! : 0
      f64[base + 2] = s < p ? logNorm[s]! : 0
      f64[base + 4] = s < p ? half[s]! : 0
      f64[base + 6] = s < p ? logWeight[s]! : 0
    }
  }
}

/** Room for a long sequence's rows outside the kernel's memory. */
export interface Spill {
  scores: (size: number) => Float64Array
  back: (size: number) => Uint8Array
}

/**
 * Rows 2 … n of the recursion (row 1, the first observation, has its scores in `v[at …]`), the
 * last row's scores into `v[at …]`. What the traceback reads stays in the kernel's memory when the
 * sequence fits in one chunk, else it is copied chunk by chunk into `spill`. Emissions as in
 * viterbi.ts's `recurse`: rows `eRow` … of `e`, or with `codes` row `codes[i] + 1` of the per-key
 * table `e`.
 */
export function steadyRows (
  kernel: SteadyKernel, lanes: LaneEdges, e: Float64Array, eRow: number, n: number, codes: Int32Array | undefined, v: Float64Array, at: number, spill: Spill,
  normal?: NormalSource
): SteadyTrace {
  const { p } = lanes
  const { f64, i32: i32s, u8, layout, pointers } = kernel
  const stride = layout.stride / 8
  const scores = layout.scores / 8
  const long = n - 1 > CHUNK_ROWS
  const trace: SteadyTrace = !long
    ? { back: pointers ? u8 : undefined, scores: f64, base: pointers ? layout.back : scores, stride }
    : { back: pointers ? spill.back((n - 1) * p) : undefined, scores: pointers ? f64 : spill.scores(n * stride), base: 0, stride }
  f64.set(lanes.logP, layout.logP / 8)
  for (let l = 0; l < p; l++) f64[scores + l] = v[at + l]!
  if (codes !== undefined && kernel.table !== e) {
    f64.set(e, layout.table / 8)
    kernel.table = e
  }
  if (normal !== undefined) writeNormalTerms(f64, layout.normal / 8, p, normal.terms)
  for (let a = 1; a < n; a += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, n - a)
    if (normal !== undefined) {
      f64.set(normal.x.subarray(normal.row + a, normal.row + a + count), layout.x / 8)
      kernel.exports.normalRows(count)
    } else if (codes === undefined) f64.set(e.subarray((eRow + a) * p, (eRow + a + count) * p), layout.e / 8)
    else i32s.set(codes.subarray(eRow + a, eRow + a + count), layout.codes / 4)
    kernel.exports.steps(count, codes === undefined ? 0 : 1)
    if (long) {
      if (pointers) trace.back!.set(u8.subarray(layout.back, layout.back + count * p), (a - 1) * p)
      else trace.scores.set(f64.subarray(scores + (a === 1 ? 0 : stride), scores + (count + 1) * stride), (a === 1 ? 0 : a) * stride)
      // the chunk's last row is the next chunk's row before
      f64.copyWithin(scores, scores + count * stride, scores + (count + 1) * stride)
    }
  }
  const lastRow = long ? scores : scores + (n - 1) * stride
  for (let l = 0; l < p; l++) v[at + l] = f64[lastRow + l]!
  return trace
}

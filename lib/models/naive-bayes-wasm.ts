/**
 * The supervised summarize of a NaiveBayes whose classes are NormalDistributions (one column) or
 * IndependentComponentsDistributions of NormalDistributions, as one WebAssembly SIMD kernel per
 * (classes, columns): each row adds its columns' moments to its own class only, two columns per
 * instruction.
 *
 * The general path hands every class every row, with weight 0 for the rows of other classes, and
 * each column's `sumMoments` adds them in two lanes by the row's position in the block. A row of
 * weight 0 adds ±0 there, which changes no lane sum (none is ever −0), so adding each row to its
 * own class's lane only, with the same operations (w, w·δ, w·δ·δ with δ = x − shift, the shift
 * being the block's first value of non-zero weight), gives the same bits. A missing value adds
 * nothing to its column, as in `sumMoments`.
 */
import type { BlockedSums } from '../core/accumulate.js'
import type { Batch } from '../core/batch.js'
import {
  block, br, br_if, ConstantPool, f64, f64x2, FunctionBuilder, get, i32, if_, loop, set, v128, type Code, type Local
} from '../core/wasm-emitter.js'
import { instantiate, KernelCache, type WasmInstance } from '../core/wasm-runtime.js'

const skip = (): void => {}

/** The most columns written out. */
export const MAX_COLUMNS = 64

interface Layout {
  x: number
  labels: number
  w: number
  acc: number
  shift: number
  classes: number
  bytes: number
}

type Add = (from: number, to: number, odd: number, weighted: number) => number
type Kernel = WasmInstance<{ add: Add }> & { layout: Layout; pairs: number }

const cache = new KernelCache<Kernel>()

function build (k: number, d: number, blockRows: number): Kernel | undefined {
  const pairs = Math.ceil(d / 2)
  const align = (n: number): number => Math.ceil(n / 16) * 16
  const x = 0
  const labels = align(x + (blockRows + 1) * d * 8)
  const w = align(labels + blockRows * 8)
  const acc = align(w + blockRows * 8)
  // per class: for lane 0 then lane 1, Σw, Σw·δ and Σw·δ² of every column (2·pairs each)
  const shift = align(acc + k * 2 * 3 * pairs * 16)
  const classes = align(shift + k * pairs * 16)
  const pool = new ConstantPool(align(classes + k * 8))
  const layout = { x, labels, w, acc, shift, classes, bytes: pool.at }
  const instance = instantiate<{ add: Add }>({ add: addFunction(d, layout, pool) }, [], pool.at, pool)
  return instance === undefined ? undefined : { ...instance, layout, pairs }
}

function addFunction (d: number, at: Layout, pool: ConstantPool): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32'], ['i32'])
  const [from, to, odd, weighted] = f.params as [Local, Local, Local, Local]
  const label = f.local('f64')
  const unlabeled = f.local('i32')
  const pairs = Math.ceil(d / 2)
  const r = f.local('i32')
  const c = f.local('i32')
  const row = f.local('i32')
  const sums = f.local('i32')
  const shifts = f.local('i32')
  const w = f.local('v128')
  const xv = f.local('v128')
  const s = f.local('v128')
  const missing = f.local('v128')
  const delta = f.local('v128')
  const e = f.local('v128')
  const zero = pool.f64x2(0)
  const column = (p: number): Code => [
    set(xv, v128.load(get(row), at.x + p * 16)),
    set(missing, f64x2.ne(get(xv), get(xv))),
    // the block's shift: the first observed value of non-zero weight
    set(s, v128.load(get(shifts), at.shift + p * 16)),
    set(s, v128.bitselect(get(xv), get(s), v128.and(f64x2.ne(get(s), get(s)), f64x2.eq(get(xv), get(xv))))),
    v128.store(get(shifts), get(s), at.shift + p * 16),
    // a missing value adds +0 everywhere: nothing
    set(delta, v128.bitselect(zero, f64x2.sub(get(xv), get(s)), get(missing))),
    set(e, f64x2.mul(v128.bitselect(zero, get(w), get(missing)), get(delta))),
    v128.store(get(sums), f64x2.add(v128.load(get(sums), at.acc + p * 16), v128.bitselect(zero, get(w), get(missing))), at.acc + p * 16),
    v128.store(get(sums), f64x2.add(v128.load(get(sums), at.acc + (pairs + p) * 16), get(e)), at.acc + (pairs + p) * 16),
    v128.store(get(sums), f64x2.add(v128.load(get(sums), at.acc + (2 * pairs + p) * 16), f64x2.mul(get(e), get(delta))), at.acc + (2 * pairs + p) * 16)
  ]
  f.body = [
    set(r, get(from)),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(to))),
      set(label, f64.load(i32.shl(get(r), i32.const(3)), at.labels)),
      set(w, pool.f64x2(1)),
      if_(get(weighted), set(w, v128.load64_splat(i32.shl(get(r), i32.const(3)), at.w))),
      // unlabeled rows (−1 or NaN) are counted when their weight is positive
      if_(i32.eqz(f64.ge(get(label), f64.const(0))), set(unlabeled, i32.add(get(unlabeled), f64.gt(f64x2.extract_lane(get(w), 0), f64.const(0))))),
      // rows of weight 0 add nothing (the general path adds ±0); the class's Σw adds its rows in order
      if_(i32.and(f64.ge(get(label), f64.const(0)), i32.eqz(v128.any_true(f64x2.eq(get(w), zero)))), [
        set(c, i32.trunc_sat_f64_s(get(label))),
        f64.store(i32.shl(get(c), i32.const(3)), f64.add(f64.load(i32.shl(get(c), i32.const(3)), at.classes), f64x2.extract_lane(get(w), 0)), at.classes),
        set(row, i32.mul(get(r), i32.const(d * 8))),
        // the class's sums of the row's lane: (c·2 + lane)·3·pairs vectors
        set(sums, i32.mul(i32.add(i32.shl(get(c), i32.const(1)), i32.and(i32.add(get(odd), i32.sub(get(r), get(from))), i32.const(1))), i32.const(3 * pairs * 16))),
        set(shifts, i32.mul(get(c), i32.const(pairs * 16))),
        ...Array.from({ length: pairs }, (_, p) => column(p))
      ]),
      set(r, i32.add(get(r), i32.const(1))),
      br(0)
    ])),
    get(unlabeled)
  ]
  return f
}

/**
 * Adds the labelled rows of a slice (at most `blockRows`, the statistics' block size) to their
 * class's column sums and Σw (`classes`) through the kernel; returns the number of unlabeled rows
 * of positive weight, or −1, with nothing changed, when the kernel is not available or the sums
 * are not in step. `sums[c][j]` holds the moment sums of column j of class c; labels are checked
 * whole numbers 0 … k − 1, or −1 or NaN for unlabeled rows.
 *
 * @example
 * ```ts
 * const unlabeled = naiveBayesSlice(slice, sums, classSums)
 * if (unlabeled < 0) generalPath()
 * ```
 */
export function naiveBayesSlice (slice: Batch, sums: ReadonlyArray<readonly BlockedSums[]>, classes: BlockedSums): number {
  const { rows, cols, data, labels, weights } = slice
  const k = sums.length
  const first = sums[0]![0]!
  if (labels === undefined || cols > MAX_COLUMNS || rows > first.blockRows || classes.pending !== first.pending ||
      !sums.every(s => s.length === cols && s.every(acc => acc.pending === first.pending))) return -1
  const kernel = cache.get(`${k}×${cols}×${first.blockRows}`, () => build(k, cols, first.blockRows))
  if (kernel === undefined) return -1
  const { f64, layout: at, pairs, exports } = kernel
  f64.set(data.subarray(0, rows * cols), at.x / 8)
  f64.set(labels.subarray(0, rows), at.labels / 8)
  if (weights !== undefined) f64.set(weights.subarray(0, rows), at.w / 8)
  const stride = 3 * pairs * 2
  let unlabeled = 0
  classes.runs(rows, (start, end) => {
    // in: per class and lane, [Σw × cols, Σw·δ × cols, Σw·δ² × cols] (each padded to 2·pairs), the shifts, the class sums
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < cols; j++) {
        const p = sums[c]![j]!.partial
        for (let lane = 0; lane < 2; lane++) {
          const base = at.acc / 8 + (c * 2 + lane) * stride
          f64[base + j] = p[lane]!
          f64[base + 2 * pairs + j] = p[2 + lane]!
          f64[base + 4 * pairs + j] = p[4 + lane]!
        }
        f64[at.shift / 8 + c * 2 * pairs + j] = sums[c]![j]!.shift[0]!
      }
    }
    f64.set(classes.partial, at.classes / 8)
    unlabeled += exports.add(start, end, first.pending & 1, weights === undefined ? 0 : 1)
    classes.partial.set(f64.subarray(at.classes / 8, at.classes / 8 + k))
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < cols; j++) {
        const acc = sums[c]![j]!
        for (let lane = 0; lane < 2; lane++) {
          const base = at.acc / 8 + (c * 2 + lane) * stride
          acc.partial[lane] = f64[base + j]!
          acc.partial[2 + lane] = f64[base + 2 * pairs + j]!
          acc.partial[4 + lane] = f64[base + 4 * pairs + j]!
        }
        acc.shift[0] = f64[at.shift / 8 + c * 2 * pairs + j]!
        acc.runs(end - start, skip)
      }
    }
  })
  return unlabeled
}

/**
 * Kmeans's E-step as WebAssembly with 128-bit SIMD, written out per (k, d) like the JavaScript
 * kernels of nearest-centroid.ts and with their order of operations, so the same centroid is
 * chosen and the same bits are summed.
 *
 * `nearest` scores two rows at a time, one per SIMD lane: for every centroid j,
 * s_j = |c_j|² − 2·x·c_j with the dot product added up in dimension order, and a lane takes j when
 * s_j < its best so far (a compare and two bit-selects, no branch), which is the first-on-ties
 * minimum of the loop. `accumulate` then adds each row with every value finite into its centroid's
 * Σw and Σw·x and its squared distance into the inertia, in row order, exactly as `assign` in
 * kmeans.ts does, and stops at the first row it cannot take (a missing or infinite value) so that
 * `assign` handles that row and calls it again.
 *
 * Memory (the kernel's own): the run's rows, their weights, the centroids, |c_j|², the statistics
 * (Σw per (cluster, dim), Σw·x per (cluster, dim), Σw·distance²), the nearest centroid of each
 * row, the stop row, and the centroids and norms in both lanes (written by `nearest`).
 */
import { BLOCK_ROWS } from '../core/accumulate.js'
import {
  block, br, br_if, ConstantPool, f64, f64x2, FunctionBuilder, get, i32, i64x2, if_, loop, return_, set, v128, type Code
} from '../core/wasm-emitter.js'
import { instantiate, KernelCache } from '../core/wasm-runtime.js'

/** The largest k·d written out (as for the JavaScript kernel). */
export const WASM_UNROLL_LIMIT = 256

/** A compiled kernel for one (k, d) and where its arguments live in memory (Float64/Int32 indices). */
export interface NearestCentroidWasm {
  /** Float64 index of the rows (row-major, at most BLOCK_ROWS), of their weights, centroids, norms and statistics. */
  readonly data: number
  readonly weights: number
  readonly centroids: number
  readonly norms: number
  readonly partial: number
  /** Int32 index of the nearest centroid per row (−1: a missing or infinite value), and of the stop row. */
  readonly best: number
  readonly stop: number
  /** Views of the kernel's memory. */
  readonly f64: Float64Array
  readonly i32: Int32Array
  /** Fills `best` for rows 0 … rows − 1. */
  nearest (rows: number): void
  /**
   * Adds rows from … rows − 1 (weights when `weighted` is 1) to the statistics and `total`
   * (Σw·distance²), returning the new total; writes to `stop` the first row left for JavaScript,
   * or `rows`.
   */
  accumulate (from: number, rows: number, weighted: number, total: number): number
}

const cache = new KernelCache<NearestCentroidWasm>()

/**
 * The kernel for k centroids of dimension d, or undefined (k·d above WASM_UNROLL_LIMIT, or
 * WebAssembly off or unavailable): then `assign` runs the JavaScript kernel, with the same results.
 *
 * @example
 * ```ts
 * const kernel = nearestCentroidWasm(2, 1)
 * if (kernel !== undefined) {
 *   kernel.f64.set([0.9, 0.2], kernel.data); kernel.f64.set([0, 1], kernel.centroids); kernel.f64.set([0, 1], kernel.norms)
 *   kernel.nearest(2)
 *   Array.from(kernel.i32.subarray(kernel.best, kernel.best + 2)) // => [1, 0]
 * }
 * ```
 */
export function nearestCentroidWasm (k: number, d: number): NearestCentroidWasm | undefined {
  if (k * d > WASM_UNROLL_LIMIT) return undefined
  return cache.get(`${k}×${d}`, () => build(k, d))
}

/** Rounds a byte offset up to 16. */
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16

function build (k: number, d: number): NearestCentroidWasm | undefined {
  // One spare row: `nearest` reads rows in pairs, and an odd run's last pair reads one row past it.
  const dataAt = 0
  const weightsAt = align(dataAt + (BLOCK_ROWS + 1) * d * 8)
  const centroidsAt = align(weightsAt + BLOCK_ROWS * 8)
  const normsAt = align(centroidsAt + k * d * 8)
  const partialAt = align(normsAt + k * 8)
  const bestAt = align(partialAt + (2 * k * d + 1) * 8)
  const stopAt = align(bestAt + (BLOCK_ROWS + 2) * 4)
  const splatAt = align(stopAt + 32)
  const pool = new ConstantPool(splatAt + (k * d + k) * 16)
  const instance = instantiate<Pick<NearestCentroidWasm, 'nearest' | 'accumulate'>>({
    nearest: nearestFunction(k, d, dataAt, centroidsAt, normsAt, bestAt, splatAt, pool),
    accumulate: accumulateFunction(k, d, dataAt, weightsAt, centroidsAt, partialAt, bestAt, stopAt, pool)
  }, [], pool.at, pool)
  if (instance === undefined) return undefined
  const { exports, f64, i32 } = instance
  return {
    f64,
    i32,
    data: dataAt / 8,
    weights: weightsAt / 8,
    centroids: centroidsAt / 8,
    norms: normsAt / 8,
    partial: partialAt / 8,
    best: bestAt / 4,
    stop: stopAt / 4,
    nearest: exports.nearest,
    accumulate: exports.accumulate
  }
}

function nearestFunction (k: number, d: number, dataAt: number, centroidsAt: number, normsAt: number, bestAt: number, splatAt: number, pool: ConstantPool): FunctionBuilder {
  const f = new FunctionBuilder(['i32'])
  const [rows] = f.params as [typeof f.params[0]]
  const r = f.local('i32')
  const at = f.local('i32')
  const x = f.localArray('v128', d)
  const dot = f.local('v128')
  const s = f.local('v128')
  const best = f.local('v128')
  const index = f.local('v128')
  const missing = f.local('v128')
  const mask = f.local('v128')
  const zero = i32.const(0)
  // Each centroid value and |c_j|² in both lanes, from memory (written at the start of the call)
  const centroid = (j: number, q: number): Code => v128.load(zero, splatAt + (j * d + q) * 16)
  const norm = (j: number): Code => v128.load(zero, splatAt + (k * d + j) * 16)
  const indexOf = (j: number): Code => pool.i64x2(BigInt(j))
  const lane = (value: Code, l: number): Code => i32.wrap_i64(i64x2.extract_lane(value, l))
  const score = (j: number): Code[] => {
    // The dot product in dimension order, as the JavaScript kernel. (It starts that sum from 0,
    // which can only change the sign of a zero dot product, and |c|² − 2·(±0) is the same number.)
    let sum: Code = f64x2.mul(get(x[0]!), centroid(j, 0))
    for (let q = 1; q < d; q++) sum = f64x2.add(sum, f64x2.mul(get(x[q]!), centroid(j, q)))
    return [
      set(dot, sum),
      // dot + dot is 2·dot exactly
      set(s, f64x2.sub(norm(j), f64x2.add(get(dot), get(dot)))),
      set(mask, f64x2.lt(get(s), get(best))),
      set(best, f64x2.pmin(get(best), get(s))),
      set(index, v128.bitselect(indexOf(j), get(index), get(mask))),
      // A store per centroid keeps TurboFan from hoisting every constant's load to the top of the
      // loop (loads stay in program order), where they would not fit the 16 registers.
      v128.store(zero, get(index), splatAt - 16)
    ]
  }
  f.body = [
    ...Array.from({ length: k * d }, (_, i) => v128.store(zero, v128.load64_splat(zero, centroidsAt + i * 8), splatAt + i * 16)),
    ...Array.from({ length: k }, (_, j) => v128.store(zero, v128.load64_splat(zero, normsAt + j * 8), splatAt + (k * d + j) * 16)),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(rows))),
      set(at, i32.mul(get(r), i32.const(d * 8))),
      // lane 0: row r, lane 1: row r + 1
      ...x.map((xq, q) => set(xq, v128.load64_lane(get(at), v128.load64_splat(get(at), dataAt + q * 8), 1, dataAt + (d + q) * 8))),
      set(missing, f64x2.sub(get(x[0]!), get(x[0]!))),
      ...x.slice(1).map(xq => set(missing, f64x2.add(get(missing), f64x2.sub(get(xq), get(xq))))),
      set(best, pool.f64x2(Infinity)),
      set(index, indexOf(0)),
      ...Array.from({ length: k }, (_, j) => score(j)),
      set(index, v128.bitselect(pool.i64x2(-1n), get(index), f64x2.ne(get(missing), get(missing)))),
      i32.store(i32.mul(get(r), i32.const(4)), lane(get(index), 0), bestAt),
      i32.store(i32.mul(get(r), i32.const(4)), lane(get(index), 1), bestAt + 4),
      set(r, i32.add(get(r), i32.const(2))),
      br(0)
    ]))
  ]
  return f
}

function accumulateFunction (
  k: number, d: number, dataAt: number, weightsAt: number, centroidsAt: number, partialAt: number, bestAt: number, stopAt: number, pool: ConstantPool
): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'f64'], ['f64'])
  const [from, rows, weighted, total] = f.params as [typeof f.params[0], typeof f.params[0], typeof f.params[0], typeof f.params[0]]
  const r = f.local('i32')
  const w = f.local('f64')
  const wv = f.local('v128')
  const nearest = f.local('i32')
  const at = f.local('i32')
  const c = f.local('i32')
  const xv = f.local('v128')
  const sq = f.local('v128')
  const xq = f.local('f64')
  const diff = f.local('f64')
  const distance = f.local('f64')
  const xwAt = partialAt + k * d * 8
  const inertiaAt = partialAt + 2 * k * d * 8
  const zero = i32.const(0)
  /**
   * One row of `assign`: its squared distance to the centroid in dimension order, and Σw, Σw·x
   * of the centroid's slots (two dimensions per instruction: each slot still adds its rows in
   * row order). Without weights w is 1, and 1·x is x.
   */
  const addRow = (isWeighted: boolean): Code[] => {
    const code: Code[] = []
    let q = 0
    for (; q + 2 <= d; q += 2) {
      code.push(
        set(xv, v128.load(get(at), dataAt + q * 8)),
        set(sq, f64x2.sub(get(xv), v128.load(get(c), centroidsAt + q * 8))),
        set(sq, f64x2.mul(get(sq), get(sq))),
        set(distance, f64.add(q === 0 ? f64x2.extract_lane(get(sq), 0) : f64.add(get(distance), f64x2.extract_lane(get(sq), 0)), f64x2.extract_lane(get(sq), 1))),
        v128.store(get(c), f64x2.add(v128.load(get(c), partialAt + q * 8), get(wv)), partialAt + q * 8),
        v128.store(get(c), f64x2.add(v128.load(get(c), xwAt + q * 8), isWeighted ? f64x2.mul(get(wv), get(xv)) : get(xv)), xwAt + q * 8)
      )
    }
    if (q < d) {
      code.push(
        set(xq, f64.load(get(at), dataAt + q * 8)),
        set(diff, f64.sub(get(xq), f64.load(get(c), centroidsAt + q * 8))),
        set(distance, q === 0 ? f64.mul(get(diff), get(diff)) : f64.add(get(distance), f64.mul(get(diff), get(diff)))),
        f64.store(get(c), f64.add(f64.load(get(c), partialAt + q * 8), get(w)), partialAt + q * 8),
        f64.store(get(c), f64.add(f64.load(get(c), xwAt + q * 8), isWeighted ? f64.mul(get(w), get(xq)) : get(xq)), xwAt + q * 8)
      )
    }
    const wd = isWeighted ? f64.mul(get(w), get(distance)) : get(distance)
    return [
      ...code,
      f64.store(zero, f64.add(f64.load(zero, inertiaAt), wd), inertiaAt),
      set(total, f64.add(get(total), wd))
    ]
  }
  const rowsLoop = (isWeighted: boolean): Code => block(loop([
    br_if(1, i32.ge_s(get(r), get(rows))),
    isWeighted ? [set(w, f64.load(i32.mul(get(r), i32.const(8)), weightsAt)), set(wv, f64x2.splat(get(w)))] : [],
    if_(isWeighted ? f64.ne(get(w), f64.const(0)) : i32.const(1), [
      set(nearest, i32.load(i32.mul(get(r), i32.const(4)), bestAt)),
      if_(i32.lt_s(get(nearest), i32.const(0)), [
        i32.store(zero, get(r), stopAt),
        return_(get(total))
      ]),
      set(at, i32.mul(get(r), i32.const(d * 8))),
      set(c, i32.mul(get(nearest), i32.const(d * 8))),
      ...addRow(isWeighted)
    ]),
    set(r, i32.add(get(r), i32.const(1))),
    br(0)
  ]))
  f.body = [
    set(r, get(from)),
    set(w, f64.const(1)),
    set(wv, pool.f64x2(1)),
    if_(get(weighted), rowsLoop(true), rowsLoop(false)),
    i32.store(zero, get(rows), stopAt),
    get(total)
  ]
  return f
}

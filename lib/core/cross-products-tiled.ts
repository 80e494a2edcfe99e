/**
 * The complete rows of a CrossProductSums run as WebAssembly SIMD for wide rows (many columns):
 * the triangle of cross-products in register tiles, the same sums as cross-products-wasm.ts and
 * the JavaScript loop, in the same order.
 *
 * Rows are taken in bands of {@link BAND_ROWS}: for each complete row of a band, δ_j = x_j − shift_j
 * and a_j = w·δ_j go into scratch and Σw, Σw·δ of every column are added (two columns per
 * instruction). Then the packed upper triangle is swept once per band, in tiles of
 * {@link TILE_ROWS} rows of the triangle by 2·{@link TILE_PAIRS} columns: a tile's slots are loaded
 * into registers, take the band's rows one after the other (slot (j, k) += a_ij·δ_ik, two slots per
 * instruction), and are stored. Each slot still adds its rows in row order, as one row at a time
 * would, so the bits are those of every other form of the kernel; but a row's a_j and δ_k, loaded
 * once per tile, serve all of its slots, and the triangle goes through memory once per band instead
 * of once per group of rows. The diagonal corner of each band of the triangle, where a row starts,
 * takes its own small set of registers.
 */
import { block, br, br_if, ConstantPool, f64, f64x2, FunctionBuilder, get, i32, if_, loop, set, v128, type Code, type Local } from './wasm-emitter.js'

/** Rows whose δ and a sit in scratch while the triangle is swept once. */
export const BAND_ROWS = 32

/** Rows of the triangle in one tile. */
const TILE_ROWS = 4

/** Pairs of columns in one tile. */
const TILE_PAIRS = 2

/** Bytes of scratch {@link crossProductsTiledFunction} needs (δ and a of a band). */
export function tiledScratchBytes (d: number): number {
  return 2 * BAND_ROWS * d * 8
}

/** Start of row j of a packed upper triangle of a d×d matrix. */
function triangleRow (j: number, d: number): number {
  return j * d - (j * (j - 1)) / 2
}

/**
 * `add(data, weights, partial, shift, from, to, weighted) → stop` for dimension d, as
 * crossProductsFunction (cross-products-wasm.ts) has it: rows from … to − 1 at byte `data`, the sums
 * at byte `partial`, the shifts at byte `shift`; returns the first row with a missing value, or `to`.
 * `scratchAt` is the byte offset of {@link tiledScratchBytes} bytes of scratch.
 *
 * @example
 * ```ts
 * const f = crossProductsTiledFunction(100, scratchAt, pool)
 * // instantiate({ add: f }, [], bytes, pool) and call add(…) on rows copied into memory
 * ```
 */
export function crossProductsTiledFunction (d: number, scratchAt: number, pool: ConstantPool): FunctionBuilder {
  const f = new FunctionBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], ['i32'])
  const [data, weights, partial, shift, from, to, weighted] = f.params as [Local, Local, Local, Local, Local, Local, Local]
  const r = f.local('i32')
  const n = f.local('i32')
  const o = f.local('i32')
  const c = f.local('i32')
  const rowAt = f.local('i32')
  const stop = f.local('i32')
  const bandBytes = f.local('i32')
  const q = f.local('i32')
  const t = f.local('i32')
  const p = f.local('i32')
  const kb = f.local('i32')
  const w = f.local('v128')
  const v = f.local('v128')
  const miss = f.local('v128')
  const acc = f.localArray('v128', TILE_ROWS * TILE_PAIRS)
  const single = f.localArray('f64', TILE_ROWS)
  const a = f.localArray('v128', TILE_ROWS)
  const x = f.localArray('v128', TILE_PAIRS)
  const deltaAt = scratchAt
  const aAt = scratchAt + BAND_ROWS * d * 8
  const rowBytes = d * 8
  const pairBytes = Math.floor(d / 2) * 16

  /** `body(c)` for each pair of columns (c the byte offset of the first), then `tail` when d is odd. */
  const columns = (body: Code, tail: Code): Code => [
    set(c, i32.const(0)),
    pairBytes > 0 ? loop([body, set(c, i32.add(get(c), i32.const(16))), br_if(0, i32.lt_s(get(c), i32.const(pairBytes)))]) : [],
    d % 2 === 1 ? tail : []
  ]
  const last = (d - 1) * 8
  const checkRow: Code = [
    set(miss, pool.i64x2(0n)),
    columns(
      [set(v, v128.load(i32.add(get(o), get(c)))), set(miss, v128.or(get(miss), f64x2.ne(get(v), get(v))))],
      [set(v, v128.load64_zero(get(o), last)), set(miss, v128.or(get(miss), f64x2.ne(get(v), get(v))))]
    )
  ]
  /** One complete row into scratch row n: δ and a; Σw and Σw·δ. */
  const addRow: Code = [
    set(w, pool.f64x2(1)),
    if_(get(weighted), set(w, v128.load64_splat(i32.add(get(weights), i32.shl(i32.add(get(r), get(n)), i32.const(3)))))),
    set(rowAt, i32.mul(get(n), i32.const(rowBytes))),
    columns(
      [
        set(v, f64x2.sub(v128.load(i32.add(get(o), get(c))), v128.load(i32.add(get(shift), get(c))))),
        v128.store(i32.add(get(rowAt), get(c)), get(v), deltaAt),
        set(v, f64x2.mul(get(w), get(v))),
        v128.store(i32.add(get(rowAt), get(c)), get(v), aAt),
        v128.store(i32.add(get(partial), get(c)), f64x2.add(v128.load(i32.add(get(partial), get(c))), get(w))),
        v128.store(i32.add(get(partial), get(c)), f64x2.add(v128.load(i32.add(get(partial), get(c)), rowBytes), get(v)), rowBytes)
      ],
      [
        set(v, f64x2.sub(v128.load64_zero(get(o), last), v128.load64_zero(get(shift), last))),
        f64.store(get(rowAt), f64x2.extract_lane(get(v), 0), deltaAt + last),
        set(v, f64x2.mul(get(w), get(v))),
        f64.store(get(rowAt), f64x2.extract_lane(get(v), 0), aAt + last),
        f64.store(get(partial), f64.add(f64.load(get(partial), last), f64x2.extract_lane(get(w), 0)), last),
        f64.store(get(partial), f64.add(f64.load(get(partial), rowBytes + last), f64x2.extract_lane(get(v), 0)), rowBytes + last)
      ]
    )
  ]

  /** Byte offset from `partial` of slot (j, k) minus 8k: slot (j, k) is at that plus 8k. */
  const rowBase = (j: number): number => (2 * d + triangleRow(j, d) - j) * 8

  /**
   * The band's rows (scratch rows 0 … n − 1) into some slots held in registers: `load` them, run
   * `step` for each row (q its byte offset in scratch), `store` them.
   */
  const overRows = (load: Code, step: Code, store: Code): Code => [
    load,
    set(q, i32.const(0)),
    loop([step, set(q, i32.add(get(q), i32.const(rowBytes))), br_if(0, i32.lt_s(get(q), get(bandBytes)))]),
    store
  ]

  /** The slots of triangle rows j0 … j0 + rows − 1 at columns k0 … k0 + 2·pairs − 1 (k0 at byte kb + 8·k0, all at or right of the rows' diagonals), in registers. */
  const tile = (j0: number, rows: number, k0: number, pairs: number): Code => {
    const accAt = (i: number, m: number): Local => acc[i * TILE_PAIRS + m]!
    const slotOffset = (i: number, m: number): number => rowBase(j0 + i) + (k0 + 2 * m) * 8
    return overRows(
      [set(p, i32.add(get(partial), get(kb))), ...range(rows).flatMap(i => range(pairs).map(m => set(accAt(i, m), v128.load(get(p), slotOffset(i, m)))))],
      [
        set(t, i32.add(get(q), get(kb))),
        ...range(rows).map(i => set(a[i]!, v128.load64_splat(get(q), aAt + (j0 + i) * 8))),
        ...range(pairs).map(m => set(x[m]!, v128.load(get(t), deltaAt + (k0 + 2 * m) * 8))),
        ...range(rows).flatMap(i => range(pairs).map(m => set(accAt(i, m), f64x2.add(get(accAt(i, m)), f64x2.mul(get(a[i]!), get(x[m]!))))))
      ],
      range(rows).flatMap(i => range(pairs).map(m => v128.store(get(p), get(accAt(i, m)), slotOffset(i, m))))
    )
  }
  /** One column k0 (at byte kb + 8·k0) of triangle rows j0 … j0 + rows − 1, one slot per register. */
  const column = (j0: number, rows: number, k0: number): Code => overRows(
    [set(p, i32.add(get(partial), get(kb))), ...range(rows).map(i => set(single[i]!, f64.load(get(p), rowBase(j0 + i) + k0 * 8)))],
    [
      set(t, i32.add(get(q), get(kb))),
      ...range(rows).map(i => set(single[i]!, f64.add(get(single[i]!), f64.mul(f64.load(get(q), aAt + (j0 + i) * 8), f64.load(get(t), deltaAt + k0 * 8)))))
    ],
    range(rows).map(i => f64.store(get(p), get(single[i]!), rowBase(j0 + i) + k0 * 8))
  )
  /** The corner of triangle rows j0 … j0 + rows − 1 left of column j0 + rows: row j0 + i from its diagonal, in pairs and a last single. */
  const corner = (j0: number, rows: number): Code => {
    const pairs: Array<[number, number]> = []
    const singles: Array<[number, number]> = []
    for (let i = 0; i < rows; i++) {
      let k = j0 + i
      for (; k + 1 < j0 + rows; k += 2) pairs.push([i, k])
      if (k < j0 + rows) singles.push([i, k])
    }
    return overRows(
      [
        ...pairs.map(([i, k], s) => set(acc[s]!, v128.load(get(partial), rowBase(j0 + i) + k * 8))),
        ...singles.map(([i, k], s) => set(single[s]!, f64.load(get(partial), rowBase(j0 + i) + k * 8)))
      ],
      [
        ...range(rows).map(i => set(a[i]!, v128.load64_splat(get(q), aAt + (j0 + i) * 8))),
        ...pairs.map(([i, k], s) => set(acc[s]!, f64x2.add(get(acc[s]!), f64x2.mul(get(a[i]!), v128.load(get(q), deltaAt + k * 8))))),
        ...singles.map(([i, k], s) => set(single[s]!, f64.add(get(single[s]!), f64.mul(f64x2.extract_lane(get(a[i]!), 0), f64.load(get(q), deltaAt + k * 8)))))
      ],
      [
        ...pairs.map(([i, k], s) => v128.store(get(partial), get(acc[s]!), rowBase(j0 + i) + k * 8)),
        ...singles.map(([i, k], s) => f64.store(get(partial), get(single[s]!), rowBase(j0 + i) + k * 8))
      ]
    )
  }
  const width = 2 * TILE_PAIRS
  const sweep: Code[] = []
  for (let j0 = 0; j0 < d; j0 += TILE_ROWS) {
    const rows = Math.min(TILE_ROWS, d - j0)
    sweep.push(corner(j0, rows))
    const k0 = j0 + rows
    const tiles = Math.floor((d - k0) / width)
    // whole tiles from column k0, the column at byte kb + 8·k0
    if (tiles > 0) {
      sweep.push(set(kb, i32.const(0)), loop([
        tile(j0, rows, k0, TILE_PAIRS),
        set(kb, i32.add(get(kb), i32.const(width * 8))),
        br_if(0, i32.lt_s(get(kb), i32.const(tiles * width * 8)))
      ]))
    }
    let k = k0 + tiles * width
    sweep.push(set(kb, i32.const(0)))
    for (; k + 2 <= d; k += 2) sweep.push(tile(j0, rows, k, 1))
    if (k < d) sweep.push(column(j0, rows, k))
  }

  f.body = [
    set(r, get(from)),
    block(loop([
      br_if(1, i32.ge_s(get(r), get(to))),
      // δ and a of the band's complete rows, up to the first with a missing value (NaN)
      set(n, i32.const(0)),
      set(stop, i32.const(0)),
      block(loop([
        br_if(1, i32.ge_s(get(n), i32.const(BAND_ROWS))),
        br_if(1, i32.ge_s(i32.add(get(r), get(n)), get(to))),
        set(o, i32.add(get(data), i32.mul(i32.add(get(r), get(n)), i32.const(rowBytes)))),
        checkRow,
        set(stop, v128.any_true(get(miss))),
        br_if(1, get(stop)),
        addRow,
        set(n, i32.add(get(n), i32.const(1))),
        br(0)
      ])),
      if_(get(n), [set(bandBytes, i32.mul(get(n), i32.const(rowBytes))), sweep]),
      set(r, i32.add(get(r), get(n))),
      br_if(1, get(stop)),
      br(0)
    ])),
    get(r)
  ]
  return f
}

function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

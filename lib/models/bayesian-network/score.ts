/**
 * The score of a node's parent set, from counts: pomegranate 0.14.8's `discrete_score_node`
 * (BayesianNetwork.pyx), reproduced operation for operation so that structure searches break ties
 * as pomegranate does. For node i with parents P (in the order given, ascending in every search):
 *
 *     score = Σ_cells c · log2(c / m) − penalty · |P-combinations| · (k_i − 1)
 *
 * where c = count + pseudocount of a cell, m = its parent combination's count + pseudocount·k_i,
 * cells run with the first parent fastest and the node slowest, and the default penalty is
 * log2(N) / 2 with N the weight of the family's complete rows (minimum description length); a
 * family with N <= 1 scores −Infinity. Rows with a missing value in the family are skipped.
 *
 * Counts come from dense joint tables of variable sets (missing values as one more category of a
 * column that has them), each built once: by summing out one variable of a cached table of one
 * more variable when there is one (the searches ask for large sets before their subsets), else
 * by one pass over the distinct rows. Counts are whole numbers for whole weights, so the order of
 * these sums changes no bit.
 *
 * Categories are numbered in canonical order (categories.ts), which is pomegranate's order for the
 * keys it lists in ascending order (small non-negative integers); with other keys pomegranate's
 * order is Python's set order, and exact ties can fall the other way.
 */
import type { CategoryCounts } from '../../counts/counts.js'

/** The rows (or a table's tuples) that cover some columns, with where each column sits in a tuple. */
interface Rows {
  codes: Int32Array
  counts: Float64Array
  size: number
  width: number
}

/** A dense count table over a set of variables (ascending), the last one fastest. */
interface Joint {
  vars: number[]
  strides: Int32Array
  values: Float64Array
}

/** Cells the cached joint tables may hold together (8 bytes each). */
const CACHE_CELLS = 2 ** 23

/** Scores of parent sets, computed once each. */
export class FamilyScorer {
  /** Categories per column (missing excluded). */
  readonly cards: number[]
  readonly d: number
  private readonly all: Rows | undefined
  private readonly tables = new Map<string, Rows>()
  private readonly cache = new Map<string, number>()
  /** 1 for a column with missing values (its tables have a slot for them, first), else 0. */
  private readonly missing: Uint8Array
  private readonly joints = new Map<string, Joint>()
  private cachedCells = 0
  /** Scratch for counts and parent-combination counts, grown as needed. */
  private cells = new Float64Array(64)
  private margins = new Float64Array(64)

  /**
   * @param penalty the weight of each free parameter; undefined for log2(N)/2 (pomegranate's −1)
   */
  constructor (private readonly counts: CategoryCounts, private readonly pseudocount: number, private readonly penalty: number | undefined) {
    this.d = counts.columns
    this.cards = Array.from({ length: this.d }, (_, c) => counts.keys(c).length)
    this.missing = new Uint8Array(this.d)
    if (counts.keepsRows) {
      const t = counts.table(Array.from({ length: this.d }, (_, c) => c))
      this.all = { codes: t.codes, counts: t.counts, size: t.size, width: this.d }
      for (let i = 0; i < t.codes.length; i++) if (t.codes[i]! < 0) this.missing[i % this.d] = 1
    }
  }

  private size (v: number): number {
    return this.cards[v]! + this.missing[v]!
  }

  /** The joint counts of `vars` (ascending), from a cached table of one more variable or the rows. */
  private joint (vars: readonly number[]): Joint {
    const key = vars.join(',')
    const known = this.joints.get(key)
    if (known !== undefined) return known
    const strides = new Int32Array(vars.length)
    let cells = 1
    for (let j = vars.length - 1; j >= 0; j--) { strides[j] = cells; cells *= this.size(vars[j]!) }
    const values = new Float64Array(cells)
    let from: Joint | undefined
    let extra = -1
    for (let u = 0; u < this.d && from === undefined; u++) {
      if (vars.includes(u)) continue
      from = this.joints.get([...vars, u].sort((a, b) => a - b).join(','))
      extra = u
    }
    if (from !== undefined) {
      const p = from.vars.indexOf(extra)
      const inner = from.strides[p]!
      const k = this.size(extra)
      const outer = from.values.length / (inner * k)
      for (let a = 0; a < outer; a++) {
        for (let x = 0; x < k; x++) {
          const src = (a * k + x) * inner
          const dst = a * inner
          for (let b = 0; b < inner; b++) values[dst + b] += from.values[src + b]!
        }
      }
    } else {
      const { rows, at } = this.rows(vars)
      for (let r = 0; r < rows.size; r++) {
        let idx = 0
        for (let j = 0; j < vars.length; j++) idx += (rows.codes[r * rows.width + at[j]!]! + this.missing[vars[j]!]!) * strides[j]!
        values[idx] += rows.counts[r]!
      }
    }
    const joint = { vars: vars.slice(), strides, values }
    if (this.cachedCells + cells <= CACHE_CELLS) {
      this.joints.set(key, joint)
      this.cachedCells += cells
    }
    return joint
  }

  /** The tuples covering `columns` and the position of each column in a tuple. */
  rows (columns: readonly number[]): { rows: Rows; at: number[] } {
    if (this.all !== undefined) return { rows: this.all, at: columns.slice() }
    const sorted = [...columns].sort((a, b) => a - b)
    const key = sorted.join(',')
    let rows = this.tables.get(key)
    if (rows === undefined) {
      const t = this.counts.table(sorted)
      rows = { codes: t.codes, counts: t.counts, size: t.size, width: sorted.length }
      this.tables.set(key, rows)
    }
    return { rows, at: columns.map(c => sorted.indexOf(c)) }
  }

  /** The score of node `child` with `parents` (pomegranate's `discrete_score_node`). */
  score (child: number, parents: readonly number[]): number {
    const key = `${child}:${parents.join(',')}`
    const known = this.cache.get(key)
    if (known !== undefined) return known
    const value = this.compute(child, parents)
    this.cache.set(key, value)
    return value
  }

  /**
   * Fills `counts` in pomegranate's cell order (first parent fastest, the child slowest) and the
   * parent-combination `margins` from the joint table of the family, skipping missing values.
   */
  private countFromJoint (child: number, parents: readonly number[], m: number[], counts: Float64Array, margins: Float64Array): void {
    const vars = [...parents, child].sort((a, b) => a - b)
    const joint = this.joint(vars)
    const stride = (v: number): number => joint.strides[vars.indexOf(v)]!
    const l = parents.length
    const parentStrides = parents.map(stride)
    let base = 0
    for (let j = 0; j < l; j++) base += this.missing[parents[j]!]! * parentStrides[j]!
    const childStride = stride(child)
    const code = new Int32Array(l)
    const combos = m[l]!
    for (let x = 0; x < this.cards[child]!; x++) {
      const childAt = (x + this.missing[child]!) * childStride
      code.fill(0)
      let at = base
      for (let i = 0; i < combos; i++) {
        const c = joint.values[childAt + at]!
        counts[x * combos + i] = c
        margins[i] += c
        for (let j = 0; j < l; j++) {
          at += parentStrides[j]!
          if (++code[j]! < this.cards[parents[j]!]!) break
          at -= code[j]! * parentStrides[j]!
          code[j] = 0
        }
      }
    }
  }

  private compute (child: number, parents: readonly number[]): number {
    const l = parents.length
    const m = new Array<number>(l + 3)
    m[0] = 1
    for (let k = 0; k < l; k++) m[k + 1] = m[k]! * this.cards[parents[k]!]!
    const k = this.cards[child]!
    m[l + 1] = m[l]! * k
    m[l + 2] = m[l]! * (k - 1)
    const size = m[l + 1]!
    if (this.cells.length < size) this.cells = new Float64Array(size)
    if (this.margins.length < m[l]!) this.margins = new Float64Array(m[l]!)
    const counts = this.cells
    const margins = this.margins
    counts.fill(0, 0, size)
    margins.fill(0, 0, m[l]!)
    if (this.all !== undefined) {
      this.countFromJoint(child, parents, m, counts, margins)
    } else {
      const { rows, at } = this.rows([...parents, child])
      const { codes, width } = rows
      const childAt = at[l]!
      for (let r = 0; r < rows.size; r++) {
        const base = r * width
        let idx = 0
        let j = 0
        for (; j < l; j++) {
          const code = codes[base + at[j]!]!
          if (code < 0) break
          idx += code * m[j]!
        }
        if (j < l) continue
        const code = codes[base + childAt]!
        if (code < 0) continue
        const w = rows.counts[r]!
        margins[idx] += w
        counts[idx + code * m[l]!] += w
      }
    }
    let wSum = 0
    let logp = 0
    const pc = this.pseudocount
    const extra = pc * (size / m[l]!)
    for (let i = 0; i < size; i++) {
      wSum += counts[i]!
      const count = pc + counts[i]!
      const marginal = extra + margins[i % m[l]!]!
      if (count > 0) logp += count * log2(count / marginal)
    }
    if (!(wSum > 1)) return -Infinity
    if (this.penalty === undefined) logp -= log2(wSum) / 2 * m[l + 2]!
    else logp -= this.penalty * m[l + 2]!
    return logp
  }
}

/** log2 with pomegranate's `_log2`: −Infinity at 0. */
export function log2 (x: number): number {
  return x > 0 ? Math.log2(x) : -Infinity
}

/** Natural log with pomegranate's `_log`: −Infinity at 0. */
export function log (x: number): number {
  return x > 0 ? Math.log(x) : -Infinity
}

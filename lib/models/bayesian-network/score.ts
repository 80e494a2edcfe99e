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

/** Scores of parent sets, computed once each. */
export class FamilyScorer {
  /** Categories per column (missing excluded). */
  readonly cards: number[]
  readonly d: number
  private readonly all: Rows | undefined
  private readonly tables = new Map<string, Rows>()
  private readonly cache = new Map<string, number>()
  /** Scratch for counts and parent-combination counts, grown as needed. */
  private cells = new Float64Array(64)
  private margins = new Float64Array(64)

  /**
   * @param penalty the weight of each free parameter; undefined for log2(N)/2 (pomegranate's −1)
   */
  constructor (private readonly counts: CategoryCounts, private readonly pseudocount: number, private readonly penalty: number | undefined) {
    this.d = counts.columns
    this.cards = Array.from({ length: this.d }, (_, c) => counts.keys(c).length)
    if (counts.keepsRows) {
      const t = counts.table(Array.from({ length: this.d }, (_, c) => c))
      this.all = { codes: t.codes, counts: t.counts, size: t.size, width: this.d }
    }
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

/**
 * The statistics of a k-th order Markov chain: exact weighted counts of each sequence's prefixes
 * of length 1 … k and of its (k+1)-grams, one count table per length. Counts are exact
 * (counts/tuple-counts.ts), so any batching of the sequences, any split into shards and any merge
 * order give the same bits, with no block alignment needed.
 */
import type { Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { ColumnCategories, isCategory, MISSING } from '../counts/categories.js'
import { TupleCounts, type TupleCountsSummary } from '../counts/tuple-counts.js'
import { sequenceCount, sequenceWeight, type SequenceBatch } from '../core/sequence.js'

/** The counts as plain JSON (`summary()` of a MarkovChain). */
export interface ChainCountsSummary {
  k: number
  /** The symbols, a code being an index here. */
  keys: Key[]
  /** Level l counts tuples of l + 1 symbols (prefixes below k, (k+1)-grams at k). */
  levels: TupleCountsSummary[]
}

export class ChainCounts {
  symbols: ColumnCategories
  levels: TupleCounts[]
  private codes = new Int32Array(64)

  constructor (readonly k: number, private readonly maxCategories: number) {
    this.symbols = new ColumnCategories(0, maxCategories)
    this.levels = Array.from({ length: k + 1 }, (_, l) => new TupleCounts(Array.from({ length: l + 1 }, (_, j) => j)))
  }

  /**
   * Counts a batch of sequences, each with its own weight. A sequence of length n < k gives its
   * n prefixes and no (k+1)-gram; a tuple holding a missing symbol is skipped.
   * @throws ArilError `ERR_LIMIT` beyond `maxCategories` symbols, `ERR_INVALID_INPUT` for a value that is no symbol
   */
  add (batch: SequenceBatch): void {
    if (batch.cols !== 1) throw new ArilError('ERR_COLUMN_COUNT', `A MarkovChain reads one symbol per step, got ${batch.cols} columns`, { expectedColumns: 1, foundColumns: batch.cols })
    if (this.codes.length < batch.rows) this.codes = new Int32Array(batch.rows)
    const codes = this.codes
    this.symbols.readColumn(batch, codes, 1, 0, 0)
    const size = this.symbols.size
    for (const level of this.levels) for (let j = 0; j < level.width; j++) level.fit(j, size)
    const { offsets } = batch
    const k = this.k
    const last = this.levels[k]!
    for (let i = 0; i < sequenceCount(batch); i++) {
      const w = sequenceWeight(batch, i)
      if (w === 0) continue
      const start = offsets[i]!
      const n = offsets[i + 1]! - start
      for (let l = 0; l < Math.min(k, n); l++) this.count(this.levels[l]!, codes, start, w)
      for (let j = 0; j + k < n; j++) this.count(last, codes, start + j, w)
    }
  }

  private count (level: TupleCounts, codes: Int32Array, at: number, w: number): void {
    for (let j = 0; j < level.width; j++) if (codes[at + j] === MISSING) return
    level.add(level.slot(codes, at), w)
  }

  /** Level l's tuples as symbol lists with their counts, sorted by symbols (so their order never depends on the stream's). */
  rows (l: number, compare: (a: Key, b: Key) => number): Array<{ keys: Key[]; count: number }> {
    const level = this.levels[l]!
    const keys = this.symbols.keys as Key[]
    const out: Array<{ keys: Key[]; count: number }> = []
    for (let s = 0; s < level.size; s++) {
      out.push({ keys: Array.from(level.codes.subarray(s * level.width, (s + 1) * level.width), c => keys[c]!), count: level.value(s) })
    }
    return out.sort((a, b) => {
      for (let j = 0; j < a.keys.length; j++) {
        const c = compare(a.keys[j]!, b.keys[j]!)
        if (c !== 0) return c
      }
      return 0
    })
  }

  summary (): ChainCountsSummary {
    return { k: this.k, keys: [...this.symbols.keys], levels: this.levels.map(l => l.summary()) }
  }

  /** Adds a checked summary, renumbering its symbols into this one's. */
  merge (s: ChainCountsSummary): void {
    const remap = Int32Array.from(s.keys, key => this.symbols.code(key))
    const size = this.symbols.size
    this.levels.forEach((level, l) => {
      const other = TupleCounts.from(s.levels[l]!, new Array<number>(l + 1).fill(s.keys.length))
      for (let j = 0; j < level.width; j++) level.fit(j, size)
      level.addTable(other, level.columns, level.columns.map(() => remap))
    })
  }

  /** What is wrong with a value meant as a summary of a chain of order `k`, or undefined. */
  static problem (value: Record<string, unknown>, k: number): string | undefined {
    const { keys, levels } = value
    if (value.k !== k) return `order ${show(value.k)}, this chain's is ${k}`
    if (!Array.isArray(keys) || !keys.every(isCategory) || new Set(keys).size !== keys.length) return 'its keys are not a list of distinct symbols'
    if (!Array.isArray(levels) || levels.length !== k + 1) return `expected ${k + 1} count tables`
    for (let l = 0; l <= k; l++) {
      const t = levels[l] as Partial<TupleCountsSummary> | undefined
      const n = Array.isArray(t?.integer) ? t.integer.length : -1
      if (t === undefined || !Array.isArray(t.cells) || n < 0 || !Array.isArray(t.exact) || t.exact.length !== n ||
          t.cells.length !== n * (l + 1) || !t.cells.every(c => Number.isInteger(c) && c >= 0 && c < keys.length) ||
          !(t.integer as unknown[]).every(c => typeof c === 'number' && c >= 0 && Number.isFinite(c)) ||
          !Array.isArray(t.columns) || t.columns.length !== l + 1) {
        return `count table ${l} is malformed`
      }
    }
    return undefined
  }
}

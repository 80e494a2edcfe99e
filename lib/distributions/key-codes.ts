/**
 * One column of keys as small integer codes, for models that hand the same rows to several
 * categorical distributions (an HMM's Discrete states): the column is read and hashed once, and
 * each distribution then looks up each distinct key once instead of once per row.
 *
 * Why: a `Map.get` per row and distribution was the largest cost of a 10-state Discrete HMM
 * (14% of a Baum-Welch pass for the lookups of `summarize`, 7% for the log-probabilities), and a
 * number read from a Float64Array is boxed before a Map can hash it. Whole numbers in
 * [0, SMALL) skip the Map through a direct table.
 */
import type { Batch, Key } from '../core/batch.js'
import { isMissingKey } from '../core/keys.js'

/** Whole numbers below this are coded through a direct table rather than a Map. */
const SMALL = 1024

/** The keys of `rows` rows: row r holds `keys[codes[r]]`, or a missing value when `codes[r]` is −1. */
export interface KeyCodes {
  rows: number
  codes: Int32Array
  /** The distinct keys, in order of first appearance. */
  keys: Key[]
}

/** Codes one column; `reuse` (a previous result) lends its code array when it is long enough. */
export function encodeKeys (batch: Batch, column: number, reuse?: KeyCodes): KeyCodes {
  const { rows } = batch
  const codes = reuse !== undefined && reuse.codes.length >= rows ? reuse.codes : new Int32Array(Math.max(rows, 2 * (reuse?.codes.length ?? 0)))
  const keys: Key[] = []
  const raw = batch.categories?.[column]
  if (raw !== undefined) {
    const codeOf = new Map<Key, number>()
    for (let r = 0; r < rows; r++) {
      const key = raw[r]
      if (isMissingKey(key)) {
        codes[r] = -1
        continue
      }
      let code = codeOf.get(key!)
      if (code === undefined) {
        code = keys.push(key!) - 1
        codeOf.set(key!, code)
      }
      codes[r] = code
    }
    return { rows, codes, keys }
  }
  const { data, cols } = batch
  const small = new Int32Array(SMALL).fill(-1)
  let codeOf: Map<number, number> | undefined
  for (let r = 0, i = column; r < rows; r++, i += cols) {
    const x = data[i]!
    if (x !== x) {
      codes[r] = -1
      continue
    }
    // −0 lands on slot 0, as a Map (SameValueZero) takes it for 0
    const direct = x >= 0 && x < SMALL && Math.floor(x) === x
    let code = direct ? small[x]! : (codeOf ??= new Map()).get(x) ?? -1
    if (code < 0) {
      code = keys.push(x) - 1
      if (direct) small[x] = code
      else codeOf!.set(x, code)
    }
    codes[r] = code
  }
  return { rows, codes, keys }
}

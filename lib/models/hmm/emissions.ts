/**
 * The emissions of a run of observations: each emitting state's log-probability of each row
 * (rows × p, the state's log weight added), one call per distinct distribution, so tied states
 * cost one; and their scaled form for the forward-backward recursions (see forward-backward.ts).
 *
 * When every emitting distribution is a DiscreteDistribution, the column is coded once
 * (key-codes.ts) and each row's emissions, scaled emissions and maximum are copied from a table
 * with one row per distinct key: the table's entries are computed by the same operations on the
 * same numbers as the general path (one `log p(key) + log weight`, one `exp`), so the bits are
 * the same, with a Map lookup per key instead of per row and state, and an `exp` per key
 * instead of per row and state. The codes stay in the workspace for the states' statistics.
 */
import type { Batch } from '../../core/batch.js'
import { UnivariateDistribution } from '../../core/univariate.js'
import { DiscreteDistribution } from '../../distributions/discrete.js'
import { NormalDistribution } from '../../distributions/normal.js'
import { encodeKeys, type KeyCodes } from '../../distributions/key-codes.js'
import { scaleEmissions } from './forward-backward.js'
import type { Graph } from './graph.js'

/** Discrete emissions of the rows of the last {@link emissionMatrix}: row r's emissions are row `codes[r] + 1` of the tables (row 0: a missing value). */
export interface CodedEmissions {
  codes: KeyCodes
  /** Emission log-probabilities ((keys + 1) × p). */
  e: Float64Array
  /** Scaled emissions ((keys + 1) × p) and each row's maximum log-probability (keys + 1). */
  x: Float64Array
  top: Float64Array
}

/** What the emission functions keep between calls (a part of the HMM's workspace). */
export interface EmissionSpace {
  e: Float64Array
  column: Float64Array
  coded: CodedEmissions | undefined
  grow: (name: 'e' | 'column', size: number) => Float64Array
}

/**
 * Emission log-probabilities of `rows` (a batch of observations) into `ws.e`, rows × p. Coded
 * emissions (`ws.coded`) are copied into `ws.e` only with `copyCoded`: the recursions read them
 * from the per-key tables (see {@link emissionRows}).
 */
export function emissionMatrix (g: Graph, rows: Batch, ws: EmissionSpace, copyCoded = true): Float64Array {
  const { p } = g
  const n = rows.rows
  const e = ws.grow('e', n * p)
  if (rows.cols === 1 && g.distributions.every(d => d instanceof DiscreteDistribution)) {
    ws.coded = codedEmissions(g, rows, copyCoded ? e : undefined, ws.coded?.codes)
    return e
  }
  ws.coded = undefined
  g.distributions.forEach((d, j) => {
    let column: Float64Array
    if (d instanceof UnivariateDistribution) {
      column = ws.grow('column', n).subarray(0, n)
      d.logProbabilityColumn(rows, 0, column)
    } else {
      column = d.logProbabilityBatch(rows)
    }
    for (let s = 0; s < p; s++) {
      if (g.stateDistribution[s] !== j) continue
      const w = g.logWeight[s]!
      for (let r = 0; r < n; r++) e[r * p + s] = column[r]! + w
    }
  })
  return e
}

/**
 * Each emitting state's Normal density terms (`NormalDistribution.densityTerms`) and log weight,
 * for loops that compute a state's emission `(logNorm − d·d·half, or 0 when missing) + weight`
 * themselves with the bits of {@link emissionMatrix}; undefined unless every distribution is a
 * NormalDistribution with a finite 1/(2σ²) (std 0 is a point mass, computed otherwise).
 */
export interface NormalStateTerms { mean: Float64Array; logNorm: Float64Array; half: Float64Array; logWeight: Float64Array }

export function normalStateTerms (g: Graph): NormalStateTerms | undefined {
  if (!g.distributions.every(d => d instanceof NormalDistribution)) return undefined
  const { p } = g
  const terms = { mean: new Float64Array(p), logNorm: new Float64Array(p), half: new Float64Array(p), logWeight: g.logWeight }
  for (let s = 0; s < p; s++) {
    const { mean, logNorm, half } = (g.distributions[g.stateDistribution[s]!] as NormalDistribution).densityTerms()
    if (!(half < Infinity)) return undefined
    terms.mean[s] = mean
    terms.logNorm[s] = logNorm
    terms.half[s] = half
  }
  return terms
}

function codedEmissions (g: Graph, rows: Batch, e: Float64Array | undefined, reuse: KeyCodes | undefined): CodedEmissions {
  const { p } = g
  const codes = encodeKeys(rows, 0, reuse)
  const K = codes.keys.length
  const table = new Float64Array((K + 1) * p)
  const values = new Float64Array(K + 1)
  g.distributions.forEach((d, j) => {
    // row 0 is a missing value: log 1
    ;(d as DiscreteDistribution).logProbabilityKeys(codes.keys, values.subarray(1))
    for (let s = 0; s < p; s++) {
      if (g.stateDistribution[s] !== j) continue
      const w = g.logWeight[s]!
      for (let c = 0; c <= K; c++) table[c * p + s] = values[c]! + w
    }
  })
  const x = new Float64Array((K + 1) * p)
  const top = new Float64Array(K + 1)
  scaleEmissions(p, table, 0, K + 1, x, top)
  const { codes: code } = codes
  for (let r = 0; e !== undefined && r < rows.rows; r++) {
    const from = (code[r]! + 1) * p
    const to = r * p
    for (let s = 0; s < p; s++) e[to + s] = table[from + s]!
  }
  return { codes, e: table, x, top }
}

/**
 * Where the recursions read the emissions of the last {@link emissionMatrix}: its rows, or for
 * coded emissions the per-key table and the codes (step i's row is `codes[i] + 1`).
 */
export function emissionRows (e: Float64Array, coded: CodedEmissions | undefined): { e: Float64Array; codes: Int32Array | undefined } {
  return coded === undefined ? { e, codes: undefined } : { e: coded.e, codes: coded.codes.codes }
}

/**
 * Scaled emissions of rows eRow … eRow + n − 1 of the last {@link emissionMatrix} into `x` (from
 * row 0) and their maxima into `top`: forward-backward.ts's `scaleEmissions`, copied from the
 * per-key tables when the emissions are coded.
 */
export function scaledEmissions (p: number, e: Float64Array, eRow: number, n: number, coded: CodedEmissions | undefined, x: Float64Array, top: Float64Array): void {
  if (coded === undefined) {
    scaleEmissions(p, e, eRow, n, x, top)
    return
  }
  const { codes } = coded.codes
  for (let i = 0; i < n; i++) {
    const code = codes[eRow + i]! + 1
    const from = code * p
    const to = i * p
    for (let s = 0; s < p; s++) x[to + s] = coded.x[from + s]!
    top[i] = coded.top[code]!
  }
}

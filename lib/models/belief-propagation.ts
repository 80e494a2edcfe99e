/**
 * Loopy belief propagation (sum-product) on a factor graph of categorical variables, with
 * pomegranate 0.14.8's flooding schedule (`FactorGraph.predict_proba`): every factor sends its
 * messages, the beliefs are compared with the last round's, then every variable sends its
 * messages; it stops when no belief moved by more than `tolerance` in log space, or after
 * `maxIterations` rounds. On a factor graph without loops (the graph of a tree or polytree
 * Bayesian network, of a Chow-Liu Markov network) the beliefs are then the exact marginals; with
 * loops they are the usual loopy approximation, the same as pomegranate's.
 *
 * This is the one inference kernel: BayesianNetwork, MarkovNetwork and FactorGraph compile their
 * tables into it. Messages are kept in flat Float64Arrays allocated once per graph, so scoring
 * a stream of rows allocates nothing per row but the beliefs it returns.
 *
 * pomegranate multiplies messages as `(x + eps)·(y + eps)` and clips results within eps of 0 or
 * 1; this kernel multiplies exactly, so beliefs differ from pomegranate's by about 1e-16 absolute.
 */
import { ArilError } from '../core/errors.js'

/** A factor: a dense table over its scope (last variable fastest), non-negative values. */
export interface Factor {
  readonly scope: readonly number[]
  readonly table: Float64Array
}

/** Options of belief propagation. */
export interface BeliefOptions {
  /** Rounds at most (pomegranate's `max_iterations`). Default 100. */
  maxIterations?: number | undefined
  /** Converged when no log-belief moved by more than this. Default 1e-12. */
  tolerance?: number | undefined
}

/** The keys of {@link BeliefOptions}. */
export const BELIEF_OPTION_KEYS = ['maxIterations', 'tolerance'] as const

/** The compiled factor graph with its message buffers. */
export class BeliefPropagation {
  /** Offset of each variable's values in belief arrays; `offsets[n]` is the total. */
  readonly offsets: Int32Array
  private readonly edgeVar: Int32Array
  private readonly edgeOffset: Int32Array
  private readonly factorEdges: Int32Array[]
  private readonly varEdges: Int32Array[]
  private readonly strides: Int32Array[]
  private readonly toFactor: Float64Array
  private readonly toVar: Float64Array
  private readonly prior: Float64Array
  private readonly last: Float64Array
  private readonly scratch: Float64Array

  /**
   * @param priors per variable, the distribution an unobserved variable starts from and keeps
   *   multiplying in (pomegranate's marginal nodes' distributions); default uniform
   */
  constructor (readonly cards: readonly number[], readonly factors: readonly Factor[], private readonly priors?: ReadonlyArray<Float64Array | undefined>) {
    const n = cards.length
    this.offsets = new Int32Array(n + 1)
    for (let v = 0; v < n; v++) this.offsets[v + 1] = this.offsets[v]! + cards[v]!
    const edgeVar: number[] = []
    const edgeOffset: number[] = []
    const varEdges: number[][] = cards.map(() => [])
    let size = 0
    this.factorEdges = factors.map(f => {
      let cells = 1
      for (const v of f.scope) {
        if (!(v >= 0 && v < n)) throw new ArilError('ERR_INVALID_ARGUMENT', `Factor scope names variable ${v}; there are ${n}`)
        cells *= cards[v]!
      }
      if (f.table.length !== cells) throw new ArilError('ERR_INVALID_ARGUMENT', `Factor table has ${f.table.length} cells, its scope needs ${cells}`)
      return Int32Array.from(f.scope, v => {
        const e = edgeVar.push(v) - 1
        edgeOffset.push(size)
        size += cards[v]!
        varEdges[v]!.push(e)
        return e
      })
    })
    this.strides = factors.map(f => {
      const s = new Int32Array(f.scope.length)
      let k = 1
      for (let p = f.scope.length - 1; p >= 0; p--) { s[p] = k; k *= cards[f.scope[p]!]! }
      return s
    })
    this.edgeVar = Int32Array.from(edgeVar)
    this.edgeOffset = Int32Array.from(edgeOffset)
    this.varEdges = varEdges.map(e => Int32Array.from(e))
    this.toFactor = new Float64Array(size)
    this.toVar = new Float64Array(size)
    this.prior = new Float64Array(this.offsets[n]!)
    this.last = new Float64Array(this.offsets[n]!)
    this.scratch = new Float64Array(Math.max(1, ...cards))
  }

  /**
   * The belief of every variable given evidence: `evidence[v]` is an observed value's index, or
   * −1. Writes beliefs into `out` (at `offsets[v]`; an observed variable gets its indicator).
   * @returns the rounds run
   */
  run (evidence: Int32Array, out: Float64Array, options: { maxIterations: number; tolerance: number }): number {
    const { cards, offsets, prior, last } = this
    const n = cards.length
    for (let v = 0; v < n; v++) {
      const k = cards[v]!
      const at = offsets[v]!
      const x = evidence[v]!
      const given = this.priors?.[v]
      for (let i = 0; i < k; i++) prior[at + i] = x >= 0 ? (i === x ? 1 : 0) : given === undefined ? 1 / k : given[i]!
      if (x < 0 && given !== undefined) normalize(prior, at, k)
    }
    last.set(prior)
    for (let e = 0; e < this.edgeVar.length; e++) {
      const v = this.edgeVar[e]!
      this.toFactor.set(prior.subarray(offsets[v]!, offsets[v + 1]!), this.edgeOffset[e]!)
    }
    let round = 0
    for (;;) {
      for (let f = 0; f < this.factors.length; f++) this.factorMessages(f)
      let done = true
      for (let v = 0; v < n; v++) {
        this.product(v, -1, out, offsets[v]!)
        if (done && !close(out, last, offsets[v]!, cards[v]!, options.tolerance)) done = false
      }
      if (done) break
      round++
      if (round >= options.maxIterations) break
      last.set(out)
      for (let v = 0; v < n; v++) {
        for (const e of this.varEdges[v]!) this.product(v, e, this.toFactor, this.edgeOffset[e]!)
      }
    }
    return round
  }

  /** prior(v) × every message into v except along edge `skip`, normalized, written at out[at..]. */
  private product (v: number, skip: number, out: Float64Array, at: number): void {
    const k = this.cards[v]!
    const from = this.offsets[v]!
    for (let i = 0; i < k; i++) out[at + i] = this.prior[from + i]!
    for (const e of this.varEdges[v]!) {
      if (e === skip) continue
      const m = this.edgeOffset[e]!
      for (let i = 0; i < k; i++) out[at + i] *= this.toVar[m + i]!
    }
    normalize(out, at, k)
  }

  /** The messages of factor f to each variable of its scope. */
  private factorMessages (f: number): void {
    const { table } = this.factors[f]!
    const edges = this.factorEdges[f]!
    const strides = this.strides[f]!
    const s = edges.length
    for (let p = 0; p < s; p++) {
      const target = this.edgeVar[edges[p]!]!
      const k = this.cards[target]!
      const sum = this.scratch
      sum.fill(0, 0, k)
      for (let cell = 0; cell < table.length; cell++) {
        let w = table[cell]!
        for (let q = 0; q < s && w !== 0; q++) {
          if (q === p) continue
          const e = edges[q]!
          const x = Math.floor(cell / strides[q]!) % this.cards[this.edgeVar[e]!]!
          w *= this.toFactor[this.edgeOffset[e]! + x]!
        }
        if (w !== 0) sum[Math.floor(cell / strides[p]!) % k] += w
      }
      const at = this.edgeOffset[edges[p]!]!
      for (let i = 0; i < k; i++) this.toVar[at + i] = sum[i]!
      normalize(this.toVar, at, k)
    }
  }
}

/** Scales values[at..at+k) to sum to 1; all zeros (impossible evidence) become uniform. */
function normalize (values: Float64Array, at: number, k: number): void {
  let total = 0
  for (let i = 0; i < k; i++) total += values[at + i]!
  if (total > 0) {
    for (let i = 0; i < k; i++) values[at + i] /= total
  } else {
    for (let i = 0; i < k; i++) values[at + i] = 1 / k
  }
}

/** Whether two beliefs agree within `tolerance` in log space (zeros agree with zeros only). */
function close (a: Float64Array, b: Float64Array, at: number, k: number, tolerance: number): boolean {
  for (let i = at; i < at + k; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x === y) continue
    if (x === 0 || y === 0 || !(Math.abs(Math.log(x) - Math.log(y)) <= tolerance)) return false
  }
  return true
}

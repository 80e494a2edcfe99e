/**
 * The Dirichlet distribution over the probability simplex, fitted by maximum likelihood.
 */
import { BlockedSums } from '../core/accumulate.js'
import { toBatch, type Batch, type BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { FIT_OPTION_KEYS, type Statistics, type SummarizeOptions } from '../core/model.js'
import { SummedModel } from '../core/summed-model.js'
import { blend, checkKeys, splitOptions, updateOptions, type UpdateOptions } from '../core/options.js'
import type { Random } from '../core/random.js'
import { distributionParameters, registerModel } from '../core/serialize.js'
import { digamma, logGamma, trigamma } from '../core/special.js'

/** How far a row's sum may be from 1. */
const SIMPLEX_TOLERANCE = 1e-9
const MAX_ITERATIONS = 200
/** Newton's method stops when no alpha moves by more than this, relatively. */
const CONVERGED = 1e-13

/** Options of the {@link DirichletDistribution} constructor. */
export interface DirichletOptions {
  frozen?: boolean
}

/** The keys of {@link DirichletOptions}. */
export const DIRICHLET_OPTION_KEYS = ['frozen'] as const

/**
 * The [Dirichlet distribution](https://en.wikipedia.org/wiki/Dirichlet_distribution) Dir(α) of a
 * row x on the simplex (x_j > 0, Σ x_j = 1), with density
 * `Γ(Σα) / Π Γ(α_j) · Π x_j^(α_j − 1)`.
 *
 * **Not pomegranate's fit.** pomegranate 0.14.8 adds the rows up as counts and its log-probability
 * uses α·log x; aril keeps the name and the JSON shape (`parameters: [[alphas]]`) but fits the
 * maximum-likelihood α from the sufficient statistics `[Σw, Σw·log x_1, …, Σw·log x_K]` (summed
 * exactly, see accumulate.ts) by Newton's method with Minka's O(K) Hessian solve
 * ([Minka 2000, "Estimating a Dirichlet distribution"](https://tminka.github.io/papers/dirichlet/)),
 * started from Minka's closed-form approximation and halving steps that leave the domain or lower
 * the likelihood; deterministic. With inertia, each α_j is blended. `pseudocount` does not apply.
 *
 * A row with a missing (NaN) value is missing as a whole: it adds nothing and has
 * log-probability 0.
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` unless there are at least 2 finite alphas > 0;
 *   `ERR_INVALID_INPUT` (with the row) for a row that is not on the simplex, in `summarize` and
 *   `logProbability`; `ERR_NOT_CONVERGED` when no maximum exists (every row the same) or Newton's
 *   method does not converge
 * @example
 * ```ts
 * const d = new DirichletDistribution([1, 1, 1])
 * d.logProbability([[0.2, 0.3, 0.5]]) // => Float64Array [0.6931471805599453] (log 2)
 * d.fit(d.sample(1000, { seed: 1 })).parameters // => [[0.94186…, 0.97608…, 0.97888…]]
 * ```
 */
export class DirichletDistribution extends SummedModel<[alphas: number[]], UpdateOptions, Float64Array[]> {
  readonly name = 'DirichletDistribution'
  readonly dimension: number
  /** `[Σw, Σw·log x_1, …, Σw·log x_K]` over complete rows. */
  protected readonly sums: BlockedSums
  private alphas: Float64Array
  /** log Γ(Σα) − Σ log Γ(α_j), rebuilt with the alphas. */
  private logNorm: number

  constructor (alphas: readonly number[], options: DirichletOptions = {}) {
    super()
    checkKeys(options, DIRICHLET_OPTION_KEYS, 'DirichletDistribution')
    if (!Array.isArray(alphas) || alphas.length < 2) {
      throw new ArilError('ERR_INVALID_PARAMETER', `DirichletDistribution: expected a list of at least 2 alphas, got ${show(alphas)}`)
    }
    alphas.forEach((a, j) => {
      if (typeof a !== 'number' || !(a > 0) || a === Infinity) {
        throw new ArilError('ERR_INVALID_PARAMETER', `DirichletDistribution: expected finite alphas > 0, got ${show(a)} at index ${j}`)
      }
    })
    this.dimension = alphas.length
    this.alphas = Float64Array.from(alphas)
    this.logNorm = logNormalizer(this.alphas)
    this.sums = new BlockedSums(1 + alphas.length)
    this.frozen = options.frozen === true
  }

  get parameters (): [alphas: number[]] {
    return [Array.from(this.alphas)]
  }

  summarizeBatch (batch: Batch): undefined {
    const complete = checkSimplex(batch)
    const { data, weights } = batch
    const d = this.dimension
    const partial = this.sums.partial
    this.sums.runs(batch.rows, (start, end) => {
      for (let r = start; r < end; r++) {
        if (complete[r] === 0) continue
        const w = weights === undefined ? 1 : weights[r]!
        partial[0] += w
        for (let j = 0; j < d; j++) partial[1 + j] += w * Math.log(data[r * d + j]!)
      }
    })
    return undefined
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [wSum, ...logXwSum] = this.sums.values()
    if (!(wSum! > 0)) return
    const estimate = maximumLikelihood(logXwSum.map(s => s / wSum!))
    this.alphas = this.alphas.map((old, j) => blend(old, estimate[j]!, inertia))
    this.logNorm = logNormalizer(this.alphas)
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    const complete = checkSimplex(batch)
    const d = this.dimension
    const out = new Float64Array(batch.rows)
    for (let r = 0; r < batch.rows; r++) {
      if (complete[r] === 0) continue
      let lp = this.logNorm
      for (let j = 0; j < d; j++) lp += (this.alphas[j]! - 1) * Math.log(batch.data[r * d + j]!)
      out[r] = lp
    }
    return out
  }

  /** Rows of independent Gamma(α_j, 1) draws divided by their sum. */
  sampleWith (n: number, random: Random): Float64Array[] {
    const out: Float64Array[] = []
    for (let i = 0; i < n; i++) {
      const x = this.alphas.map(a => random.gamma(a))
      const total = x.reduce((s, v) => s + v, 0)
      out.push(x.map(v => v / total))
    }
    return out
  }

  toJSON (): { class: 'Distribution'; name: string; parameters: [number[]]; frozen: boolean } {
    return { class: 'Distribution', name: this.name, parameters: this.parameters, frozen: this.frozen }
  }

  /** The statistics: Σw and, per column, Σw·log x over complete rows. */
  override get statistics (): Statistics {
    const [wSum, ...logXwSum] = this.sums.values()
    return { wSum, logXwSum }
  }

  /** pomegranate's `blank(d)`: every alpha 1 in d dimensions (default 2; pomegranate's zeros are no distribution), to be fitted. */
  static blank (d = 2): DirichletDistribution {
    return new DirichletDistribution(new Array<number>(d).fill(1))
  }

  /** A DirichletDistribution fitted to X; the dimension is the number of columns of X. */
  static fromSamples (X: BatchInput, options: DirichletOptions & UpdateOptions & SummarizeOptions = {}): DirichletDistribution {
    const [own, fit] = splitOptions(options, DIRICHLET_OPTION_KEYS, FIT_OPTION_KEYS, 'DirichletDistribution.fromSamples')
    const batch = toBatch(X, { weights: options.weights })
    return new DirichletDistribution(new Array<number>(batch.cols).fill(1), own).fit(batch, { ...fit, weights: undefined })
  }

  /** Reads pomegranate's `{"class":"Distribution","name":"DirichletDistribution","parameters":[[alphas]],...}`. */
  static fromJSON (json: Record<string, unknown>): DirichletDistribution {
    const [alphas] = distributionParameters(json, 'DirichletDistribution', 1)
    if (!Array.isArray(alphas)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected DirichletDistribution parameters [[alphas]], got ${show(alphas)}`)
    return new DirichletDistribution(alphas as number[], { frozen: json.frozen === true })
  }
}

function logNormalizer (alphas: Float64Array): number {
  let total = 0
  let s = 0
  for (const a of alphas) {
    total += a
    s -= logGamma(a)
  }
  return s + logGamma(total)
}

/**
 * Marks each row complete (1) or missing (0: some value is NaN), checking that complete rows lie
 * on the simplex.
 */
function checkSimplex (batch: Batch): Uint8Array {
  const { data, rows, cols } = batch
  const complete = new Uint8Array(rows)
  for (let r = 0; r < rows; r++) {
    let total = 0
    let missing = false
    for (let j = 0; j < cols; j++) {
      const x = data[r * cols + j]!
      if (x !== x) {
        missing = true
        continue
      }
      if (!(x > 0) || x === Infinity) {
        throw new ArilError('ERR_INVALID_INPUT', `DirichletDistribution: expected values > 0 (a point of the simplex), got ${x}`, { row: r, column: j })
      }
      total += x
    }
    if (missing) continue
    if (!(Math.abs(total - 1) <= SIMPLEX_TOLERANCE)) {
      throw new ArilError('ERR_INVALID_INPUT', `DirichletDistribution: expected a row summing to 1 (within ${SIMPLEX_TOLERANCE}), got a sum of ${total}`, { row: r })
    }
    complete[r] = 1
  }
  return complete
}

/** The log-likelihood per unit weight, for the line search. */
function objective (alphas: Float64Array, meanLog: readonly number[]): number {
  let s = logNormalizer(alphas)
  for (let j = 0; j < alphas.length; j++) s += (alphas[j]! - 1) * meanLog[j]!
  return s
}

/**
 * The α maximizing `logΓ(Σα) − Σ logΓ(α_j) + Σ (α_j − 1)·meanLog_j` (the log-likelihood per unit
 * weight), by Newton's method (see the class comment).
 */
function maximumLikelihood (meanLog: readonly number[]): Float64Array {
  const k = meanLog.length
  // Minka's start: means ∝ exp(meanLog), precision (K − 1) / (2 Σ m_j (log m_j − meanLog_j)).
  const top = Math.max(...meanLog)
  let z = 0
  for (const l of meanLog) z += Math.exp(l - top)
  const logZ = top + Math.log(z)
  const gap = -logZ // Σ m_j (log m_j − meanLog_j), the same for every j here
  // Rows that are all the same point (up to rounding) have no spread to estimate a precision from.
  if (!(gap > 4 * Number.EPSILON)) {
    throw new ArilError('ERR_NOT_CONVERGED', 'DirichletDistribution: no maximum-likelihood estimate exists when every row is the same point')
  }
  const precision = (k - 1) / (2 * gap)
  let alphas = Float64Array.from(meanLog, l => precision * Math.exp(l - logZ))
  let value = objective(alphas, meanLog)
  const g = new Float64Array(k)
  const q = new Float64Array(k)
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let total = 0
    for (const a of alphas) total += a
    const psiTotal = digamma(total)
    const zHessian = trigamma(total)
    let sumGq = 0
    let sumInvQ = 0
    for (let j = 0; j < k; j++) {
      g[j] = psiTotal - digamma(alphas[j]!) + meanLog[j]!
      q[j] = -trigamma(alphas[j]!)
      sumGq += g[j]! / q[j]!
      sumInvQ += 1 / q[j]!
    }
    const b = sumGq / (1 / zHessian + sumInvQ)
    let largest = 0
    for (let j = 0; j < k; j++) largest = Math.max(largest, Math.abs((g[j]! - b) / q[j]! / alphas[j]!))
    if (largest < CONVERGED) return alphas
    // Halve the step until it stays positive and does not lower the likelihood (a step too small
    // to change the likelihood measurably is taken as it is).
    let step = 1
    for (;;) {
      const next = alphas.map((a, j) => a - step * (g[j]! - b) / q[j]!)
      // Outside the domain (or where the likelihood is not a number) counts as −∞; a small enough
      // step always gets back to where the likelihood is no lower, so the loop ends.
      const candidate = next.every(a => a > 0 && a < Infinity) ? objective(next, meanLog) : -Infinity
      const nextValue = candidate === candidate ? candidate : -Infinity
      if (nextValue >= value || (nextValue > -Infinity && largest * step < 1e-9)) {
        alphas = next
        value = nextValue
        break
      }
      step /= 2
    }
  }
  throw new ArilError('ERR_NOT_CONVERGED', `DirichletDistribution: Newton's method did not converge in ${MAX_ITERATIONS} iterations`)
}

registerModel('DirichletDistribution', DirichletDistribution.fromJSON)

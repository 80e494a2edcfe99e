/**
 * The segments of one sequence read from an `.npy` by row ranges (long-sequence.ts): where they
 * are, the buffers each is computed in (allocated once per E-step, O(states × segmentRows)), and
 * in which passes the states hand their rows to their distributions.
 */
import { ArilError } from '../../core/errors.js'
import type { Batch } from '../../core/batch.js'
import type { SequenceBatch } from '../../core/sequence.js'
import { readNpy } from '../../io/npy.js'
import { finalLikelihood, forwardStart, forwardSteps, scaleEmissions } from './forward-backward.js'
import type { Graph } from './graph.js'
import type { HiddenMarkovModel } from './hmm.js'
import { emissionMatrix } from './emissions.js'
import { Workspace } from './statistics.js'

export function aborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ArilError('ERR_ABORTED', 'The long-sequence E-step was aborted; the model is unchanged', {}, { cause: signal.reason })
}

/** Where the segments are and the buffers they are computed in (allocated once per E-step). */
export class Segments {
  readonly count: number
  readonly data: Float64Array
  /** Scaled forward and backward rows (none for Viterbi), the forward rows' sums, one state's weights. */
  readonly f: Float64Array
  readonly b: Float64Array
  readonly c: Float64Array
  readonly weights: Float64Array
  /** Emission log-probabilities, scaled emissions and their row maxima (see forward-backward.ts). */
  readonly ws = new Workspace()

  constructor (readonly g: Graph, readonly path: string, readonly rows: number, readonly cols: number, readonly size: number, readonly signal: AbortSignal | undefined, backward: boolean) {
    this.count = Math.ceil(rows / size)
    const s = Math.min(size, rows)
    this.data = new Float64Array(s * cols)
    this.f = new Float64Array((s + 1) * g.m)
    this.b = new Float64Array(backward ? (s + 1) * g.m : 0)
    this.c = new Float64Array(s + 1)
    this.weights = new Float64Array(s)
    this.ws.grow('e', s * g.p)
    this.ws.grow('x', s * g.p)
    this.ws.grow('top', s)
  }

  get values (): number {
    const { ws } = this
    return this.data.length + this.f.length + this.b.length + this.c.length + this.weights.length + ws.e.length + ws.x.length + ws.top.length + ws.column.length
  }

  length (k: number): number {
    return Math.min(this.rows, (k + 1) * this.size) - k * this.size
  }

  /** Segment k's observations, read by its row range. */
  private async read (k: number): Promise<void> {
    aborted(this.signal)
    const start = k * this.size
    const rows = this.length(k)
    let at = 0
    for await (const batch of readNpy(this.path, { start, end: start + rows, rowsPerBatch: rows, signal: this.signal }) as AsyncIterable<Batch>) {
      this.data.set(batch.data, at)
      at += batch.data.length
    }
  }

  /**
   * Segment k's observations (in `data`) as the model reads them (checked and converted by its
   * `toBatch`), and its scaled emissions and their maxima in `ws.x` and `ws.top`.
   */
  private compute (hmm: HiddenMarkovModel, k: number): Batch {
    const rows = this.length(k)
    const sequence: SequenceBatch = { data: this.data.subarray(0, rows * this.cols), rows, cols: this.cols, offsets: Float64Array.of(0, rows) }
    const batch = hmm.toBatch(sequence)
    const e = emissionMatrix(this.g, batch, this.ws)
    scaleEmissions(this.g.p, e, 0, batch.rows, this.ws.x, this.ws.top)
    return batch
  }

  /** Segment k's observations, and its scaled emissions and their maxima in `ws.x` and `ws.top`. */
  async emissions (hmm: HiddenMarkovModel, k: number): Promise<Batch> {
    await this.read(k)
    return this.compute(hmm, k)
  }

  /**
   * Every segment in order, as {@link emissions} gives it, from one reader of the whole file: a
   * pass in time order opens the file once, where reading by row range costs an open, a header
   * and a close per segment (for 10^6 rows in 1000 segments, 0.4 to 1.6 s against 0.05 s for one
   * reader, on a loaded machine).
   */
  async * inOrder (hmm: HiddenMarkovModel): AsyncGenerator<{ k: number; batch: Batch }> {
    const { cols } = this
    let k = 0
    let at = 0
    for await (const chunk of readNpy(this.path, { rowsPerBatch: this.size, signal: this.signal }) as AsyncIterable<Batch>) {
      // the reader's batches need not fall on segment boundaries
      for (let from = 0; from < chunk.rows && k < this.count;) {
        const take = Math.min(this.length(k) - at, chunk.rows - from)
        this.data.set(chunk.data.subarray(from * cols, (from + take) * cols), at * cols)
        at += take
        from += take
        if (at < this.length(k)) continue
        aborted(this.signal)
        yield { k, batch: this.compute(hmm, k) }
        k++
        at = 0
      }
    }
  }

  /** Segment k's scaled forward rows and their sums from its checkpoint (after `emissions`); false when a row sums to 0. */
  forward (k: number, checkpoints: Float64Array): boolean {
    const { m } = this.g
    this.f.set(checkpoints.subarray(k * m, (k + 1) * m), 0)
    return forwardSteps(this.g, this.ws.edges.prepare(this.g), this.ws.x, 0, this.f, 0, this.length(k), this.c)
  }

  /** `logp` (log L at the first segment) continued over a segment's n rows after `forward`, added as `forwardSequence` adds them. */
  addLogScales (logp: number, n: number): number {
    const { c, ws } = this
    for (let i = 0; i < n; i++) logp += Math.log(c[i + 1]!) + ws.top[i]!
    return logp
  }
}

/**
 * Pass 1: the scaled forward vector at each segment's start (rows of m) and the likelihood of
 * the last row, L (0 for an impossible sequence, as `forwardSequence`, and the pass stops there).
 * `each` sees every segment read, after its forward rows (its emissions are in `s.ws`).
 */
export async function forwardPass (hmm: HiddenMarkovModel, s: Segments, each?: (k: number) => void): Promise<{ checkpoints: Float64Array; L: number }> {
  const { g, f } = s
  const { m } = g
  const checkpoints = new Float64Array(s.count * m)
  forwardStart(g, checkpoints, 0)
  for await (const { k } of s.inOrder(hmm)) {
    const n = s.length(k)
    if (!s.forward(k, checkpoints)) return { checkpoints, L: 0 }
    each?.(k)
    if (k + 1 < s.count) checkpoints.set(f.subarray(n * m, (n + 1) * m), (k + 1) * m)
  }
  return { checkpoints, L: finalLikelihood(g, f, s.length(s.count - 1)) }
}

/** The emitting states in order, grouped in rounds: round r holds each distribution's r-th state. */
export function rounds (g: Graph): number[][] {
  const out: number[][] = []
  const seen = new Array<number>(g.distributions.length).fill(0)
  for (let s = 0; s < g.p; s++) {
    const j = g.stateDistribution[s]!
    if (g.distributions[j]!.frozen) continue
    const r = seen[j]!++
    ;(out[r] ??= []).push(s)
  }
  return out
}


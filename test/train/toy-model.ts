/**
 * A tiny EM-shaped model for trainer tests: one location m, log-likelihood −Σw(x−m)²/2, and an
 * M-step that moves m halfway to the weighted mean (so training takes many steps and improves
 * every time). Every row it summarizes is recorded, so tests can see what each epoch read.
 */
import { BlockedSums, blockedSumsProblem, type BlockedSumsSummary } from '../../lib/core/accumulate.js'
import type { Batch } from '../../lib/core/batch.js'
import { Model, type Summary } from '../../lib/core/model.js'
import { blend, updateOptions, type UpdateOptions } from '../../lib/core/options.js'
import type { Random } from '../../lib/core/random.js'
import { registerModel } from '../../lib/core/serialize.js'

export class ToyMean extends Model<[number], UpdateOptions, Float64Array> {
  readonly name = 'ToyMean'
  readonly dimension = 1
  private readonly sums = new BlockedSums(3)
  /** First value of every summarized batch and the inertias seen, for the tests. */
  seen: number[] = []
  inertias: number[] = []

  constructor (public m = 0) {
    super()
  }

  summarizeBatch (batch: Batch): number {
    const { data, weights } = batch
    let total = 0
    this.seen.push(...data)
    this.sums.runs(batch.rows, (start, end) => {
      const p = this.sums.partial
      for (let r = start; r < end; r++) {
        const w = weights === undefined ? 1 : weights[r]!
        const d = data[r]! - this.m
        p[0]! += w
        p[1]! += w * data[r]!
        p[2]! += -0.5 * w * d * d
        total += -0.5 * w * d * d
      }
    })
    return total
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    this.inertias.push(inertia)
    const [w, xw] = this.sums.values()
    if (!(w! > 0)) return
    this.m = blend(this.m, (this.m + xw! / w!) / 2, inertia)
  }

  clearSummaries (): void {
    this.sums.clear()
  }

  summary (): Summary {
    return { model: this.name, sums: this.sums.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return blockedSumsProblem(summary.sums, 3, false)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
  }

  logProbabilityBatch (batch: Batch): Float64Array {
    return batch.data.map(x => -0.5 * (x - this.m) * (x - this.m))
  }

  sampleWith (n: number, random: Random): Float64Array {
    return Float64Array.from({ length: n }, () => this.m + random.normal())
  }

  get parameters (): [number] {
    return [this.m]
  }

  toJSON (): object {
    return { class: 'ToyMean', m: this.m }
  }
}

/** The same model reporting its exact log-likelihood, as mixtures do. */
export class ExactToyMean extends ToyMean {
  summaryLogProbability (): number {
    return (this as unknown as { sums: BlockedSums }).sums.values()[2]!
  }
}

registerModel('ToyMean', json => new ToyMean(json.m as number))

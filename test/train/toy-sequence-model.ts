/**
 * A tiny sequence model for trainer and executor tests: one location m; a sequence of weight w
 * adds w·Σx and w·n to sums kept in blocks of BLOCK_SEQUENCES sequences (rounded inside a block,
 * exact across blocks, as a hidden Markov model's expected counts are), so a sequence cut in two
 * or a block moved changes the bits. Its M-step moves m halfway to the mean of every observation.
 */
import { BlockedSums, blockedSumsProblem, type BlockedSumsSummary } from '../../lib/core/accumulate.js'
import type { Batch } from '../../lib/core/batch.js'
import { ArilError } from '../../lib/core/errors.js'
import { Model, type Summary } from '../../lib/core/model.js'
import { blend, updateOptions, type UpdateOptions } from '../../lib/core/options.js'
import type { Random } from '../../lib/core/random.js'
import { registerModel } from '../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, isSequenceBatch, sequenceCount, sequenceWeight, toSequenceBatch } from '../../lib/core/sequence.js'

export class ToySequenceMean extends Model<[number], UpdateOptions, Float64Array> {
  readonly name = 'ToySequenceMean'
  readonly dimension = 1
  private readonly sums = new BlockedSums(2, false, BLOCK_SEQUENCES)
  /** Length of every sequence summarized, in order. */
  lengths: number[] = []

  constructor (public m = 0) {
    super()
  }

  override toBatch (X: unknown): Batch {
    return toSequenceBatch(X as never, { cols: 1 })
  }

  summarizeBatch (batch: Batch): undefined {
    if (!isSequenceBatch(batch)) throw new ArilError('ERR_INVALID_INPUT', 'ToySequenceMean summarizes sequences')
    const { data, offsets } = batch
    this.sums.runs(sequenceCount(batch), (start, end) => {
      const p = this.sums.partial
      for (let i = start; i < end; i++) {
        const w = sequenceWeight(batch, i)
        let s = 0
        for (let r = offsets[i]!; r < offsets[i + 1]!; r++) s += data[r]!
        this.lengths.push(offsets[i + 1]! - offsets[i]!)
        p[0]! += w * s
        p[1]! += w * (offsets[i + 1]! - offsets[i]!)
      }
    })
    return undefined
  }

  protected update (options: UpdateOptions): void {
    const { inertia } = updateOptions(options)
    const [xw, w] = this.sums.values()
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
    return blockedSumsProblem(summary.sums, 2, false, BLOCK_SEQUENCES)
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
    return { class: 'ToySequenceMean', m: this.m }
  }

  static fromJSON (json: Record<string, unknown>): ToySequenceMean {
    return new ToySequenceMean(json.m as number)
  }
}

registerModel('ToySequenceMean', ToySequenceMean.fromJSON)

/**
 * A model whose statistics are one {@link BlockedSums}: clearing, exporting, checking and
 * merging its summary are the same for all of them, so they live here once.
 */
import { blockedSumsProblem, type BlockedSums, type BlockedSumsSummary } from './accumulate.js'
import { Model, type Statistics, type Summary } from './model.js'
import type { UpdateOptions } from './options.js'

export abstract class SummedModel<P = unknown, U extends UpdateOptions = UpdateOptions, S = unknown> extends Model<P, U, S> {
  /** The running statistics, one slot per sum the model keeps. */
  protected abstract readonly sums: BlockedSums
  /** The names of the slots of `sums`, in order (pomegranate's summaries, named), for `statistics`. */
  protected readonly statisticNames: readonly string[] | undefined = undefined

  /** The slots' rounded totals under their names (or the generic form without names). */
  override get statistics (): Statistics {
    const names = this.statisticNames
    if (names === undefined) return super.statistics
    const values = this.sums.values()
    return Object.fromEntries(names.map((name, i) => [name, values[i]]))
  }

  clearSummaries (): void {
    this.sums.clear()
  }

  summary (): Summary {
    return { model: this.name, sums: this.sums.summary() }
  }

  protected summaryProblem (summary: Summary): string | undefined {
    return blockedSumsProblem(summary.sums, this.sums.slots, this.sums.moments, this.sums.blockRows)
  }

  protected mergeChecked (summary: Summary): void {
    this.sums.merge(summary.sums as BlockedSumsSummary)
  }

  /**
   * Moves the sums without the plain-JSON form. Only for a model whose summary is its sums alone:
   * a subclass that overrides `summary()` keeps more, and takes the general path.
   */
  override absorbSummaries (other: this): void {
    const { sums } = other
    if (this.frozen || this.summary !== SummedModel.prototype.summary || other.constructor !== this.constructor ||
        sums.slots !== this.sums.slots || sums.moments !== this.sums.moments || sums.blockRows !== this.sums.blockRows) {
      super.absorbSummaries(other)
      return
    }
    this.sums.absorb(sums)
  }
}

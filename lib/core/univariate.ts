/**
 * What every one-column distribution shares: it reads one column of a batch (so that
 * IndependentComponents and mixtures can hand it any column with any weights), writes
 * pomegranate's `{"class":"Distribution", ...}` JSON, and gets summaries, merging and clearing
 * from {@link SummedModel}.
 */
import type { Batch } from './batch.js'
import { ArilError } from './errors.js'
import { SummedModel } from './summed-model.js'
import type { UpdateOptions } from './options.js'

export abstract class UnivariateDistribution<P extends readonly unknown[] = number[], U extends UpdateOptions = UpdateOptions, S = Float64Array> extends SummedModel<P, U, S> {
  readonly dimension: number | undefined = 1

  summarizeBatch (batch: Batch): undefined {
    this.summarizeColumn(batch, 0)
    return undefined
  }

  /** Adds column `column` of a batch, with the batch's weights, into the statistics. */
  abstract summarizeColumn (batch: Batch, column: number): void

  logProbabilityBatch (batch: Batch): Float64Array {
    const out = new Float64Array(batch.rows)
    this.logProbabilityColumn(batch, 0, out)
    return out
  }

  /** Writes the log-probability of each value of column `column` into `out` (0 for missing). */
  abstract logProbabilityColumn (batch: Batch, column: number, out: Float64Array): void

  toJSON (): { class: 'Distribution'; name: string; parameters: unknown[]; frozen: boolean } {
    return { class: 'Distribution', name: this.name, parameters: [...this.parameters], frozen: this.frozen }
  }
}

/** Checks that a parameter is finite and > 0. */
export function checkPositive (value: number, what: string, name: string): void {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${name}: expected a finite ${what} > 0, got ${String(value)}`)
  }
}

/**
 * Checks that every observed value of a column lies in a distribution's support: finite and
 * above `min` (`strict`) or at least `min`. Runs over the whole column before anything is added,
 * so a bad value leaves the statistics untouched.
 *
 * @throws ArilError `ERR_INVALID_INPUT` with the row and column of the first value outside
 */
export function checkSupport (batch: Batch, column: number, name: string, min: number, strict: boolean): void {
  const { data, cols } = batch
  for (let r = 0; r < batch.rows; r++) {
    const x = data[r * cols + column]!
    if (x !== x || (x < Infinity && (strict ? x > min : x >= min))) continue
    throw new ArilError('ERR_INVALID_INPUT', `${name}: expected finite values ${strict ? '>' : '>='} ${min}, got ${x}`, { row: r, column })
  }
}

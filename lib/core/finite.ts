/**
 * Non-finite numbers in data and statistics. NaN is a missing value everywhere; ±Infinity in a
 * numeric column is an error with its row and column (every model that reads numbers says so the
 * same way); and finite data whose sums overflow a double is `ERR_OVERFLOW`, never parameters of
 * Infinity or NaN that could not be written to JSON and read back.
 */
import type { Batch } from './batch.js'
import { ArilError } from './errors.js'

/**
 * Checks that the numeric columns of a batch (those without raw categories) hold no ±Infinity:
 * a model that reads numbers takes NaN as missing and anything else non-finite as an error.
 * Runs before anything is added, so the statistics stay untouched.
 *
 * @throws ArilError `ERR_INVALID_INPUT` with the row and column of the first infinite value
 */
export function checkFinite (batch: Batch, name: string): void {
  const { data, cols, categories } = batch
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!
    if (x - x === 0 || x !== x || categories?.[i % cols] !== undefined) continue
    throw new ArilError('ERR_INVALID_INPUT', `${name}: expected finite values (NaN for missing), got ${x}`, { row: Math.floor(i / cols), column: i % cols })
  }
}

/**
 * After a model's sums came out non-finite: throws `ERR_INVALID_INPUT` at the first ±Infinity (in
 * `column`, or in any column), and returns when there is none (the sums overflowed). Models on a
 * hot path check their sums once per batch and call this only then, so a row of weight 0, which
 * they do not read, may hold anything.
 */
export function rejectInfinite (batch: Batch, name: string, column?: number): void {
  const { data, cols } = batch
  const first = column ?? 0
  const last = column ?? cols - 1
  for (let r = 0; r < batch.rows; r++) {
    for (let c = first; c <= last; c++) {
      const x = data[r * cols + c]!
      if (x - x !== 0 && x === x) throw new ArilError('ERR_INVALID_INPUT', `${name}: expected finite values (NaN for missing), got ${x}`, { row: r, column: c })
    }
  }
}

/**
 * Throws `ERR_OVERFLOW`: finite data whose statistics (sums of values or of their squares) do not
 * fit in a double, so no parameters can be computed from them.
 */
export function overflow (name: string, what: string): never {
  throw new ArilError('ERR_OVERFLOW', `${name}: ${what} cannot be represented in double precision (overflow); rescale the data, e.g. divide it by a power of 10`)
}

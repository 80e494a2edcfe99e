/**
 * The first rows of a re-openable source, for initializations (k-means++ seeding) that look at
 * the start of the data before training reads all of it.
 */
import type { Batch, BatchInput } from '../core/batch.js'
import { sliceUnits, unitCount } from '../core/sequence.js'
import { ArilError, show } from '../core/errors.js'
import { sourceError } from '../core/source.js'
import { isShardList, openAnySource } from '../exec/shards.js'
import type { Opener } from './em.js'
import { concatUnits } from './rebatch.js'

/**
 * Reads up to `rows` rows from a fresh opening of `open` (then closes it), each chunk checked by
 * `toBatch` (a model's, so shapes are checked as training will check them).
 *
 * @throws ArilError `ERR_SOURCE` when `open` cannot be opened again or its stream fails (the
 *   original as `cause`), `ERR_COLUMN_COUNT` when batches
 *   differ in width, and whatever `toBatch` throws
 * @example
 * ```ts
 * const head = await readHead(() => readNpy('big.npy'), 10000, X => toBatch(X))
 * ```
 */
export async function readHead (open: Opener, rows: number, toBatch: (X: BatchInput) => Batch): Promise<Batch> {
  if (typeof open !== 'function' && typeof open !== 'string' && !Array.isArray(open) && !isShardList(open)) {
    throw new ArilError('ERR_SOURCE', `Multi-pass training needs a file path or a function that opens the source again (or an array of batches, or shards), got ${show(open)}`)
  }
  // Shards are read here, in order: give an initialized model to keep the driver off the data.
  const readable = await openAnySource(typeof open === 'function' || isShardList(open) ? open : () => open)
  const parts: Batch[] = []
  let held = 0
  try {
    for await (const chunk of readable) {
      const batch = toBatch(chunk as BatchInput)
      if (parts.length > 0 && batch.cols !== parts[0]!.cols && batch.rows > 0) {
        throw new ArilError('ERR_COLUMN_COUNT', `Expected ${parts[0]!.cols} columns like the first batch, got ${batch.cols}`, { row: held })
      }
      // rows, or whole sequences of a SequenceBatch
      const units = unitCount(batch)
      parts.push(held + units > rows ? sliceUnits(batch, 0, rows - held) : batch)
      held += unitCount(parts.at(-1)!)
      if (held >= rows) break
    }
  } catch (err) {
    throw sourceError(err)
  } finally {
    readable.destroy()
  }
  if (parts.length === 0) return toBatch([])
  return concatUnits(parts)
}

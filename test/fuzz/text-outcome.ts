/** What a text reader made of a text fed in chunks, for the CSV and NDJSON fuzz suites. */
import { Readable, type Transform } from 'node:stream'
import type { Batch } from '../../lib/core/batch.js'
import { ArilError } from '../../lib/core/errors.js'

/** The values and categories read, or the code of the ArilError the reader failed with. */
export type TextOutcome = { data: number[]; categories: unknown[][] } | { code: string }

/**
 * Feeds `text` to `parser` in chunks of the byte lengths `chunks` (repeated); any error that is not
 * an ArilError fails the property.
 */
export async function readText (parser: Transform, text: string, chunks: readonly number[]): Promise<TextOutcome> {
  const bytes = Buffer.from(text)
  const parts: Buffer[] = []
  for (let at = 0, i = 0; at < bytes.length; at += chunks[i++ % chunks.length]!) parts.push(bytes.subarray(at, at + chunks[i % chunks.length]!))
  try {
    const batches: Batch[] = []
    for await (const b of Readable.from(parts).pipe(parser)) batches.push(b as Batch)
    return {
      data: batches.flatMap(b => Array.from(b.data)),
      categories: (batches[0]?.categories ?? []).flatMap((c, i) => c === undefined ? [] : [batches.flatMap(b => [...b.categories![i]!])])
    }
  } catch (err) {
    if (!(err instanceof ArilError)) throw new Error(`not an ArilError: ${String(err)}`, { cause: err })
    return { code: err.code }
  }
}

/** Equal lists, with NaN equal to NaN and 0 unequal to −0. */
export const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]))

/** Helpers shared by the tests of the text sources: feeding text in chunks, reading Batches back. */
import { Readable, type Transform } from 'node:stream'
import type { Batch } from '../../lib/core/batch.js'

/** Every Batch a stream yields. */
export async function collect (stream: AsyncIterable<unknown>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const batch of stream) out.push(batch as Batch)
  return out
}

/** The contents of Batches, joined, as plain arrays (NaN kept: t.same compares NaN equal to NaN). */
export function rows (batches: Batch[]): { data: number[]; weights?: number[]; labels?: number[]; categories?: unknown[] } {
  const out: { data: number[]; weights?: number[]; labels?: number[]; categories?: unknown[] } = { data: batches.flatMap(b => Array.from(b.data)) }
  if (batches[0]?.weights !== undefined) out.weights = batches.flatMap(b => Array.from(b.weights!))
  if (batches[0]?.labels !== undefined) out.labels = batches.flatMap(b => Array.from(b.labels!))
  if (batches[0]?.categories !== undefined) {
    out.categories = batches[0].categories.map((c, i) => c === undefined ? undefined : batches.flatMap(b => [...b.categories![i]!]))
  }
  return out
}

/** Feeds text to a parser in chunks of the given byte lengths (whole when omitted). */
export async function parseText (text: string, parser: Transform, lengths?: number[]): Promise<Batch[]> {
  const bytes = Buffer.from(text)
  const chunks: Buffer[] = []
  let at = 0
  for (const k of lengths ?? [bytes.length]) {
    chunks.push(bytes.subarray(at, at + k))
    at += k
  }
  return collect(Readable.from(chunks).pipe(parser))
}

/** The error a promise rejects with, or undefined. */
export async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  return undefined
}

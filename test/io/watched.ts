/**
 * Calls that once hung, run by the readers' tests in a worker thread under a deadline
 * (test/watchdog.ts): each returns what it read, so the test can check it.
 */
import { writeFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { Batch } from '../../lib/core/batch.js'
import { loadNpy, parseNpy, readNpy } from '../../lib/io/npy.js'
import { parseNdjson } from '../../lib/io/ndjson.js'
import { collect } from './sources.js'

const shapes = (batches: Batch[]): Array<[number, number, number]> => batches.map(b => [b.rows, b.cols, b.data.length])

/**
 * A 128-byte `.npy` of shape (2^53 − 1, 0) through every reader, with a timer that must fire
 * meanwhile (readNpy once kept the event loop busy with billions of empty reads).
 */
export async function zeroWidthNpy (bytes: Uint8Array, file: string): Promise<{ parsed: unknown; read: unknown; loaded: unknown; timerFired: boolean }> {
  writeFileSync(file, bytes)
  let timerFired = false
  const timer = new Promise<void>(resolve => setTimeout(() => { timerFired = true; resolve() }, 0))
  const read = shapes(await collect(readNpy(file)))
  await timer
  const parsed = shapes(await collect(Readable.from([bytes]).pipe(parseNpy())))
  const batch = loadNpy(bytes)
  return { parsed, read, loaded: [batch.rows, batch.cols, batch.data.length], timerFired }
}

/** One NDJSON line holding a string of `chars` characters, fed in chunks of `chunk` bytes (a long line was quadratic in its length). */
export async function longNdjsonLine (chars: number, chunk: number, progress: (note: string) => void): Promise<{ rows: number; length: number }> {
  const bytes = Buffer.from(JSON.stringify('x'.repeat(chars)) + '\n')
  progress(`${bytes.length} bytes in chunks of ${chunk}`)
  const chunks: Buffer[] = []
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk))
  const batches = await collect(Readable.from(chunks).pipe(parseNdjson({ categorical: [0] })))
  return { rows: batches.reduce((n, b) => n + b.rows, 0), length: (batches[0]!.categories![0]![0] as string).length }
}

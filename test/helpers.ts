/** Shared test helpers: fixtures, relative tolerances, error assertions. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BLOCK_ROWS } from '../lib/core/accumulate.js'
import { sliceBatch, toBatch, type Batch, type BatchInput } from '../lib/core/batch.js'
import { ArilError } from '../lib/core/errors.js'
import type { Model } from '../lib/core/model.js'
import type { UpdateOptions } from '../lib/core/options.js'
import { parseJSON } from '../lib/core/serialize.js'
import { setWasmEnabled, wasmEnabled } from '../lib/core/wasm-runtime.js'

type Test = import('tap').Test

/** Reads test/fixtures/<name>.json (pomegranate writes bare NaN tokens, hence parseJSON). */
export function fixture<T = any> (name: string): T {
  return parseJSON(readFileSync(fileURLToPath(new URL(`./fixtures/${name}.json`, import.meta.url)), 'utf8')) as T
}

/** Relative difference |a − b| / max(|a|, |b|), 0 when both are equal (including both infinite). */
export function relativeError (a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b))
}

/**
 * Asserts every entry of `actual` is within `rel` relative error of `expected`, or within `abs`
 * absolute error when given (for values near 0, or constants pomegranate truncates).
 */
export function assertClose (t: Test, actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, rel: number, message = 'close', abs = 0): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual)
  const e = typeof expected === 'number' ? [expected] : Array.from(expected)
  t.equal(a.length, e.length, `${message}: length`)
  let worst = 0
  let where = -1
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!) <= abs ? 0 : relativeError(a[i]!, e[i]!)
    if (!(err <= worst)) { worst = err; where = i }
  }
  t.ok(worst <= rel, `${message}: worst relative error ${worst} <= ${rel}` + (where >= 0 ? ` (at ${where}: ${a[where]} vs ${e[where]})` : ''))
}

/** Asserts that fn throws an ArilError with the given code and location fields. */
export function assertArilError (t: Test, fn: () => unknown, expected: { code: string } & Record<string, unknown>, message?: string): ArilError | undefined {
  try {
    fn()
  } catch (err) {
    t.ok(err instanceof ArilError, `${message ?? expected.code}: is an ArilError (${String(err)})`)
    t.match(err, expected, message ?? expected.code)
    return err as ArilError
  }
  t.fail(`${message ?? expected.code}: expected an ArilError, nothing was thrown`)
  return undefined
}

/** Like assertArilError for promises. */
export async function rejectsArilError (t: Test, promise: Promise<unknown>, expected: { code: string } & Record<string, unknown>, message?: string): Promise<void> {
  try {
    await promise
  } catch (err) {
    t.ok(err instanceof ArilError, `${message ?? expected.code}: is an ArilError (${String(err)})`)
    t.match(err, expected, message ?? expected.code)
    return
  }
  t.fail(`${message ?? expected.code}: expected a rejection`)
}

/** Splits n rows into consecutive chunk lengths drawn from a seeded generator. */
export function randomChunks (n: number, seed: number, maxChunk: number): number[] {
  let s = seed >>> 0
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const out: number[] = []
  let left = n
  while (left > 0) {
    const k = Math.min(left, 1 + Math.floor(next() * maxChunk))
    out.push(k)
    left -= k
  }
  return out
}

/**
 * The exactness property every model must have (design.md, "Numbers"): fitting X (with weights)
 * in one call, in random chunks, through a sink, or by merging summaries of block-aligned shards
 * in several orders (through JSON) gives bit-identical parameters.
 */
export async function assertSameBitsAnyChunking<M extends Model> (
  t: Test, make: () => M, X: BatchInput, weights?: Float64Array,
  { update = {}, state = m => m.parameters }: { update?: UpdateOptions; state?: (model: M) => unknown } = {}
): Promise<void> {
  const all = toBatch(X, { categorical: true, weights })
  const rows = (start: number, end: number): Batch => sliceBatch(all, start, end)
  const one = state(make().fit(all, update))
  for (const seed of [1, 2, 3, 4, 5]) {
    const d = make()
    let at = 0
    for (const k of randomChunks(all.rows, seed, 1500)) {
      d.summarize(rows(at, at + k))
      at += k
    }
    d.fromSummaries(update)
    t.same(state(d), one, `chunking ${seed}`)
  }
  const bounds = [0, BLOCK_ROWS, 3 * BLOCK_ROWS, 4 * BLOCK_ROWS].filter(b => b < all.rows).concat(all.rows)
  const summaries = bounds.slice(1).map((end, i) => {
    const d = make()
    d.summarize(rows(bounds[i]!, end))
    return d.summary()
  })
  for (const order of [summaries.map((_, i) => i), summaries.map((_, i) => summaries.length - 1 - i)]) {
    const d = make()
    for (const i of order) d.mergeSummary(JSON.parse(JSON.stringify(summaries[i])))
    d.fromSummaries(update)
    t.same(state(d), one, `shards merged in the order ${order.join(', ')}`)
  }
  const streamed = make()
  const chunks = Array.from({ length: Math.ceil(all.rows / 1000) }, (_, i) => rows(i * 1000, Math.min(all.rows, (i + 1) * 1000)))
  await pipeline(Readable.from(chunks), streamed.sink(update))
  t.same(state(streamed), one, 'streamed through a sink')
}

/** A re-openable source cutting a batch into random chunks, a different chunking on every opening. */
export function chunked (batch: Batch, seed: number, maxChunk: number): () => Readable {
  let pass = 0
  return () => {
    const parts: Batch[] = []
    let at = 0
    for (const k of randomChunks(batch.rows, seed + pass++, maxChunk)) {
      parts.push(sliceBatch(batch, at, at + k))
      at += k
    }
    return Readable.from(parts)
  }
}

/** Missing values (NaN and null) add nothing to a fit of `make()` and have log-probability 0. */
export function assertMissingIgnored (t: Test, make: () => Model<unknown, any, unknown>, observed: [number, number, number]): void {
  const [x, y, z] = observed
  const a = make().fit([x, NaN, y, null as unknown as number, z])
  const b = make().fit(observed)
  t.same(a.parameters, b.parameters)
  t.same(Array.from(a.logProbability([NaN]) as Float64Array), [0])
}

/**
 * Asserts that two lists hold the same values in the same order (Object.is per element, so −0
 * and NaN count) and names the first index that differs. For long lists, in place of t.same,
 * which formats every element as it compares: seconds of a test's time for 10^5 numbers.
 */
export function assertSameValues<T> (t: Test, actual: ArrayLike<T>, expected: ArrayLike<T>, message = 'the same values'): void {
  let at = actual.length === expected.length ? -1 : Math.min(actual.length, expected.length)
  for (let i = 0; at < 0 && i < actual.length; i++) if (!Object.is(actual[i], expected[i])) at = i
  if (at < 0) t.pass(message)
  else t.fail(message, { index: at, found: actual[at], wanted: expected[at], lengths: [actual.length, expected.length] })
}

/** A value as text that tells every double apart (−0, NaN and ±∞ included; typed arrays as lists). */
export function bitsOf (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float64Array, x => Object.is(x, -0) ? '-0' : String(x))
    return v
  })
}

/**
 * Runs `run` with the WebAssembly kernels on, then off (the JavaScript loops), and asserts the
 * two results are the same bits ({@link bitsOf}). Returns the result with WebAssembly. That the
 * kernels really ran is asserted too: `wasmEnabled()` is on.
 */
/** (An input both paths refuse compares their ArilErrors; what is returned is then that error as a value.) */
export function assertSameBitsWithoutWasm<T> (t: Test, run: () => T, message = 'WebAssembly and JavaScript give the same bits'): T {
  t.ok(wasmEnabled(), 'WebAssembly SIMD is available here')
  const withWasm = outcome(run)
  const before = setWasmEnabled(false)
  let withoutWasm: T | ErrorOutcome
  try {
    withoutWasm = outcome(run)
  } finally {
    setWasmEnabled(before)
  }
  t.equal(bitsOf(withWasm), bitsOf(withoutWasm), message)
  return withWasm as T
}

/** An ArilError as a value: what both paths must agree on when the input is refused. */
export interface ErrorOutcome { error: string; row: number | undefined; column: number | string | undefined; message: string }

/** What `run` returns, or the ArilError it throws as a value (anything else is thrown on). */
export function outcome<T> (run: () => T): T | ErrorOutcome {
  try {
    return run()
  } catch (err) {
    if (!(err instanceof ArilError)) throw err
    return { error: err.code, row: err.row, column: err.column, message: err.message }
  }
}

/** Every Batch a reader yields, kept (a `for await` consumer). */
export async function readAll (reader: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const batch of reader) out.push(batch)
  return out
}

/** Column c of a list of Batches, row after row. */
export function columnOf (batches: readonly Batch[], c: number): number[] {
  return batches.flatMap(b => Array.from({ length: b.rows }, (_, r) => b.data[r * b.cols + c]!))
}

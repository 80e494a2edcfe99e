/** Shared test helpers: fixtures, relative tolerances, error assertions. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ArilError } from '../lib/core/errors.js'
import { parseJSON } from '../lib/core/serialize.js'

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

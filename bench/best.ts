/**
 * The shortest of `repeats` timed runs of `f`, in ms, after one untimed run that warms the JIT up.
 * @example
 * ```ts
 * const ms = best(5, () => model.fit(batch))
 * ```
 */
export function best (repeats: number, f: () => unknown): number {
  let ms = Infinity
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now()
    f()
    if (i > 0) ms = Math.min(ms, performance.now() - started)
  }
  return ms
}

/** {@link best} for an async `f`. */
export async function bestAsync (repeats: number, f: () => Promise<unknown>): Promise<number> {
  let ms = Infinity
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now()
    await f()
    if (i > 0) ms = Math.min(ms, performance.now() - started)
  }
  return ms
}

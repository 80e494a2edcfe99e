/**
 * Numeric kernels written out as JavaScript source for one shape (a dimension, a number of
 * centroids) and compiled with `new Function`. V8 runs short loops of unknown length about three
 * times slower than the same arithmetic written out, and the hot loops of the multivariate models
 * are exactly such loops over d entries. The source is built from numbers only: nothing a user
 * passes becomes code. Every kernel has a loop form with the same order of operations (so the same
 * bits), which runs where code generation is disallowed (`--disallow-code-generation-from-strings`)
 * or the shape is too large to write out.
 */

/**
 * Compiles `body` as a function of `parameters`, or returns undefined where code generation is
 * disallowed.
 *
 * @example
 * ```ts
 * const add = compileKernel<(a: number, b: number) => number>(['a', 'b'], 'return a + b')
 * add?.(1, 2) // => 3
 * ```
 */
export function compileKernel<F> (parameters: string[], body: string): F | undefined {
  try {
    return new Function(...parameters, body) as F
  } catch {
    return undefined
  }
}

/** 0, 1, …, n − 1: the indices a generator writes out. */
export function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

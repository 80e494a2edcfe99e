/**
 * Deep copies of models: every object a model reaches is copied once (shared references stay
 * shared inside the copy, cycles are kept), with its prototype, so a copy keeps everything the
 * original holds: parameters, options the JSON lacks (`minStd`, `minCovar`, a Kmeans's `init` and
 * seed, a kernel density's grid), the frozen flag and the statistics gathered so far. Functions
 * (generated kernels, component builders) hold no model state and are shared.
 */

/**
 * A deep, independent copy of a value (see the file's opening comment).
 * @example
 * ```ts
 * const a = new NormalDistribution(0, 1, { minStd: 0.5 })
 * const b = deepCopy(a)
 * b.fit([1, 1, 1]).parameters // => [1, 0.5]; a is unchanged
 * ```
 */
export function deepCopy<T> (value: T): T {
  return copyOf(value, new Map())
}

function copyOf<T> (value: T, seen: Map<unknown, unknown>): T {
  if (typeof value !== 'object' || value === null) return value
  const done = seen.get(value)
  if (done !== undefined) return done as T
  let copy: object
  if (ArrayBuffer.isView(value)) {
    copy = value instanceof DataView ? new DataView(value.buffer.slice(0)) : (value as unknown as Float64Array).slice()
    seen.set(value, copy)
    return copy as T
  }
  if (value instanceof Map) {
    const map = new Map()
    seen.set(value, map)
    for (const [k, v] of value) map.set(copyOf(k, seen), copyOf(v, seen))
    return map as T
  }
  if (value instanceof Set) {
    const set = new Set()
    seen.set(value, set)
    for (const v of value) set.add(copyOf(v, seen))
    return set as T
  }
  copy = Array.isArray(value) ? new Array(value.length) : Object.create(Object.getPrototypeOf(value) as object | null) as object
  seen.set(value, copy)
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!
    if ('value' in descriptor) descriptor.value = copyOf(descriptor.value, seen)
    Object.defineProperty(copy, key, descriptor)
  }
  return copy as T
}

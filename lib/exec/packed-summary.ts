/**
 * Summaries sent between threads with their long lists of numbers as Float64Arrays. A structured
 * clone copies a plain array element by element (about 4 ms each way for the 65,000 numbers of a
 * MultivariateGaussian's summary at d = 100, on the main thread for every thread's summary); a
 * Float64Array moves as one buffer.
 */

/** The key of an object standing for a packed list of numbers. */
const PACKED = 'arilPackedNumbers'
/** Shorter lists are not worth a buffer of their own. */
const PACK_LENGTH = 256

/**
 * A copy of a summary whose lists of at least {@link PACK_LENGTH} numbers are Float64Arrays
 * (their buffers pushed to `transfer`); everything else is kept as it is.
 * @example
 * ```ts
 * const transfer: ArrayBuffer[] = []
 * port.postMessage({ summary: packSummary(model.summary(), transfer) }, transfer)
 * ```
 */
export function packSummary (value: unknown, transfer: ArrayBuffer[]): unknown {
  if (Array.isArray(value)) {
    if (value.length < PACK_LENGTH) return value.map(v => packSummary(v, transfer))
    const numbers = new Float64Array(value.length)
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (typeof v !== 'number') return value.map(v => packSummary(v, transfer))
      numbers[i] = v
    }
    transfer.push(numbers.buffer)
    return { [PACKED]: numbers }
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) out[key] = packSummary(v, transfer)
  return out
}

/**
 * The summary {@link packSummary} packed, with plain arrays again (the received value is reused).
 * @example
 * ```ts
 * model.mergeSummary(unpackSummary(message.summary))
 * ```
 */
export function unpackSummary (value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = unpackSummary(value[i])
    return value
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value
  const numbers = (value as Record<string, unknown>)[PACKED]
  if (numbers instanceof Float64Array) {
    const out: number[] = new Array(numbers.length)
    for (let i = 0; i < numbers.length; i++) out[i] = numbers[i]!
    return out
  }
  for (const [key, v] of Object.entries(value)) (value as Record<string, unknown>)[key] = unpackSummary(v)
  return value
}

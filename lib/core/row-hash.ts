/**
 * A uniform number for every (seed, row index) pair: MurmurHash3's x86_32 mixing (Appleby) of the
 * row index's two 32-bit halves, under two seeds for 53 bits. Decisions made from it (which rows
 * a sample keeps, which rows k-means|| picks) depend on the row's place in the stream and the seed
 * only, never on how the stream is chunked or which thread reads it, and cost no state.
 */

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

function mixWord (h: number, k: number): number {
  k = Math.imul(k, C1)
  k = (k << 15) | (k >>> 17)
  h ^= Math.imul(k, C2)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

function murmur (seed: number, lo: number, hi: number): number {
  let h = mixWord(mixWord(seed | 0, lo), hi)
  h ^= 8
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A double in [0, 1) determined by `seed` (any integer; its low 32 bits count) and `row` (a row
 * index, a whole number below 2^53): the same pair always gives the same number.
 * @example
 * ```ts
 * rowUniform(7, 123456) === rowUniform(7, 123456) // => true, in every process
 * ```
 */
export function rowUniform (seed: number, row: number): number {
  const lo = row >>> 0
  const hi = Math.floor(row / 4294967296) >>> 0
  const a = murmur(seed, lo, hi)
  const b = murmur(seed ^ 0x9e3779b9, lo, hi)
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992
}

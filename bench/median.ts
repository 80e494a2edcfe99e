/**
 * The median of a few timings, as the HMM benches report an epoch: the upper middle value of an
 * even count (a timing that occurred, not an average of two).
 */
export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

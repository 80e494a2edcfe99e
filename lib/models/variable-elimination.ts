/**
 * The log of the sum over every assignment of a product of factors (a Markov network's partition
 * function), by variable elimination (Zhang & Poole 1994): repeatedly multiply the factors that
 * hold the variable touching the fewest others and sum it out. Exact for any graph; the cost is
 * the size of the largest table built, which `maxCells` bounds (beyond it `ERR_LIMIT`). Each new
 * table is scaled to a maximum of 1 and the scale kept as a logarithm, so nothing underflows.
 */
import { limitExceeded } from '../core/errors.js'
import type { Factor } from './belief-propagation.js'

interface Table {
  scope: number[]
  values: Float64Array
}

/**
 * log Σ_x Π_f f(x_f) over variables with `cards[v]` values each.
 * @throws ArilError `ERR_LIMIT` (limit `maxCells`) when an intermediate table would be larger
 */
export function logPartition (cards: readonly number[], factors: readonly Factor[], maxCells = 2 ** 24): number {
  let tables: Table[] = factors.map(f => ({ scope: [...f.scope], values: f.table }))
  let logScale = 0
  const remaining = new Set(cards.map((_, v) => v))
  while (remaining.size > 0) {
    let best = -1
    let bestSize = Infinity
    for (const v of remaining) {
      const touched = new Set<number>()
      for (const t of tables) if (t.scope.includes(v)) for (const u of t.scope) touched.add(u)
      let size = 1
      for (const u of touched) size *= cards[u]!
      if (size < bestSize) { bestSize = size; best = v }
    }
    if (bestSize > maxCells) limitExceeded('maxCells', maxCells, `a table of ${bestSize} cells for variable elimination`)
    const using = tables.filter(t => t.scope.includes(best))
    tables = tables.filter(t => !t.scope.includes(best))
    const scope = [...new Set(using.flatMap(t => t.scope))].filter(u => u !== best).sort((a, b) => a - b)
    const values = new Float64Array(scope.reduce((n, u) => n * cards[u]!, 1))
    const full = [...scope, best]
    const assignment = new Int32Array(cards.length)
    const total = values.length * cards[best]!
    for (let at = 0; at < total; at++) {
      let rest = at
      for (let j = full.length - 1; j >= 0; j--) {
        const u = full[j]!
        assignment[u] = rest % cards[u]!
        rest = Math.floor(rest / cards[u]!)
      }
      let p = 1
      for (const t of using) {
        let cell = 0
        for (const u of t.scope) cell = cell * cards[u]! + assignment[u]!
        p *= t.values[cell]!
      }
      values[Math.floor(at / cards[best]!)] += p
    }
    let max = 0
    for (const x of values) if (x > max) max = x
    if (!(max > 0)) return -Infinity
    for (let i = 0; i < values.length; i++) values[i] /= max
    logScale += Math.log(max)
    tables.push({ scope, values })
    remaining.delete(best)
  }
  // Only empty-scope tables (single numbers) are left.
  for (const t of tables) logScale += Math.log(t.values[0]!)
  return logScale
}

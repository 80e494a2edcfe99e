/**
 * pomegranate 0.14.8's `ParentGraph` (BayesianNetwork.pyx): for one node and a set of candidate
 * parents, the best-scoring allowed subset and its score, memoized. Invariant (the tie-breaking
 * pomegranate has): the set itself wins ties against its subsets, and earlier subsets win ties
 * against later ones, where subsets come from dropping one member in order (or, `lowMemory`,
 * from `itertools.combinations` of the largest allowed size).
 */
import { combinations } from './python-heap.js'
import type { FamilyScorer } from './score.js'

/** The best parents among a candidate set and their score. */
export type Best = readonly [parents: readonly number[], score: number]

export class ParentGraph {
  private readonly values = new Map<string, Best>()
  private readonly include: Set<number>
  private readonly exclude: Set<number>

  constructor (
    private readonly scorer: FamilyScorer, readonly node: number, private readonly maxParents: number,
    include: ReadonlyArray<readonly [number, number]>, exclude: ReadonlyArray<readonly [number, number]>,
    private readonly lowMemory: boolean
  ) {
    this.include = new Set(include.filter(([, child]) => child === node).map(([parent]) => parent))
    this.exclude = new Set(exclude.filter(([, child]) => child === node).map(([parent]) => parent))
  }

  /** The best parents within `candidates` (ascending indices), pomegranate's `__getitem__`. */
  get (candidates: readonly number[]): Best {
    const key = candidates.join(',')
    const known = this.values.get(key)
    if (known !== undefined) return known
    let best: Best = [[], -Infinity]
    let maxParents = Math.max(this.maxParents, this.include.size)
    if (candidates.length <= maxParents && !candidates.some(p => this.exclude.has(p)) && [...this.include].every(p => candidates.includes(p))) {
      best = [candidates, this.scorer.score(this.node, candidates)]
    }
    if (this.lowMemory) {
      if (candidates.length > 0) {
        maxParents = Math.min(maxParents, candidates.length - 1)
        for (const subset of combinations(candidates, maxParents)) {
          const found = this.get(subset)
          if (found[1] > best[1]) best = found
        }
      }
    } else {
      for (let i = 0; i < candidates.length; i++) {
        const found = this.get([...candidates.slice(0, i), ...candidates.slice(i + 1)])
        if (found[1] > best[1]) best = found
      }
    }
    this.values.set(key, best)
    return best
  }
}

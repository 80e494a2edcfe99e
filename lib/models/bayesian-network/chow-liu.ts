/**
 * The Chow-Liu tree (Chow & Liu 1968) as pomegranate 0.14.8's `discrete_chow_liu_tree`
 * (BayesianNetwork.pyx): for every pair j > k the score −Σ c·ln(c / (m_j·m_k)) over the pair's
 * count table (counts and margins start at the pseudocount; this is N·ln N − N·MI, so the lowest
 * score is the highest mutual information), then Prim's algorithm from `root`, adding the edge of
 * lowest score from a visited node to an unvisited one. Ties go to the first pair met, visited
 * nodes in the order they were visited and unvisited ones ascending, as in pomegranate.
 *
 * pomegranate refuses missing values here; aril skips a row for the pairs where it has one.
 */
import type { Structure } from './graph.js'
import { log, type FamilyScorer } from './score.js'

/** The mutual-information scores of every pair, d × d (symmetric, 0 on the diagonal). */
export function pairScores (scorer: FamilyScorer, pseudocount: number): Float64Array {
  const { d, cards } = scorer
  const maxKeys = Math.max(1, ...cards)
  const scores = new Float64Array(d * d)
  const margJ = new Float64Array(maxKeys)
  const margK = new Float64Array(maxKeys)
  const joint = new Float64Array(maxKeys * maxKeys)
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) {
      const lj = cards[j]!
      const lk = cards[k]!
      margJ.fill(pseudocount)
      margK.fill(pseudocount)
      joint.fill(pseudocount)
      const { rows, at } = scorer.rows([j, k])
      for (let r = 0; r < rows.size; r++) {
        const xj = rows.codes[r * rows.width + at[0]!]!
        const xk = rows.codes[r * rows.width + at[1]!]!
        if (xj < 0 || xk < 0) continue
        const w = rows.counts[r]!
        joint[xj * lk + xk] += w
        margJ[xj] += w
        margK[xk] += w
      }
      let score = 0
      for (let xj = 0; xj < lj; xj++) {
        for (let xk = 0; xk < lk; xk++) {
          const c = joint[xj * lk + xk]!
          if (c > 0) score -= c * log(c / (margJ[xj]! * margK[xk]!))
        }
      }
      scores[j * d + k] = score
      scores[k * d + j] = score
    }
  }
  return scores
}

/** The Chow-Liu tree of a Bayesian network, every edge pointing away from `root`. */
export function chowLiuTree (scorer: FamilyScorer, pseudocount: number, root: number): Structure {
  const d = scorer.d
  const scores = pairScores(scorer, pseudocount)
  const structure: Structure = Array.from({ length: d }, () => [])
  prim(scores, d, [root], (x, y) => { structure[y]!.push(x) })
  return structure
}

/**
 * The Chow-Liu tree of a Markov network as pomegranate 0.14.8's MarkovNetwork builds it: the
 * first edge is the best one of the last column (its loop keeps only the last column's minimum),
 * then Prim's algorithm as above; each edge is the pair [visited, new].
 */
export function chowLiuPairs (scorer: FamilyScorer, pseudocount: number): number[][] {
  const d = scorer.d
  if (d < 2) return [[0]]
  const scores = pairScores(scorer, pseudocount)
  const minX = d - 1
  let minY = -1
  let min = Infinity
  for (let y = 0; y < d - 1; y++) {
    if (scores[(d - 1) * d + y]! < min) {
      min = scores[(d - 1) * d + y]!
      minY = y
    }
  }
  const structure = [[minX, minY]]
  prim(scores, d, [minY, minX], (x, y) => { structure.push([x, y]) })
  return structure
}

/**
 * Prim's algorithm as both of pomegranate's Chow-Liu loops run it: grow the tree from `visited`,
 * each time by the pair of lowest score from a visited node (in the order visited) to an
 * unvisited one (ascending), the first such pair on ties.
 */
function prim (scores: Float64Array, d: number, visited: number[], add: (from: number, to: number) => void): void {
  const unvisited = Array.from({ length: d }, (_, i) => i).filter(i => !visited.includes(i))
  while (unvisited.length > 0) {
    let min = Infinity
    let minX = -1
    let minY = -1
    for (const x of visited) {
      for (const y of unvisited) {
        const score = scores[x * d + y]!
        if (score < min) {
          min = score
          minX = x
          minY = y
        }
      }
    }
    add(minX, minY)
    visited.push(minY)
    unvisited.splice(unvisited.indexOf(minY), 1)
  }
}

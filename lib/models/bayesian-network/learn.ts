/**
 * Structure learning on counts: the options of pomegranate's `BayesianNetwork.from_samples`,
 * checked once, and the dispatch to the search of each algorithm. Searches read count tables,
 * never rows, so they run after one streamed counting pass.
 */
import { ArilError, invalidOption } from '../../core/errors.js'
import type { CategoryCounts } from '../../counts/counts.js'
import { chowLiuTree } from './chow-liu.js'
import { constrainedStructure, type ConstraintEdge } from './constraints.js'
import { exactAStar } from './exact.js'
import { exactDp } from './exact-dp.js'
import type { Structure } from './graph.js'
import { greedy } from './greedy.js'
import { ParentGraph } from './parent-graph.js'
import { combinations } from './python-heap.js'
import { FamilyScorer, log2 } from './score.js'

/** The structure-learning algorithms of pomegranate 0.14.8. */
export type Algorithm = 'chow-liu' | 'greedy' | 'exact' | 'exact-dp'

/** An edge, as (parent, child) column indices. */
export type Edge = readonly [parent: number, child: number]

/** Options of structure learning (pomegranate's `from_samples` arguments). */
export interface StructureOptions {
  /** Default 'greedy', as pomegranate. */
  algorithm?: Algorithm | undefined
  /** Parents per node at most; default (and cap) ⌊log2(2N / log2 N)⌋ for N the total weight, as pomegranate. */
  maxParents?: number | undefined
  /** Weight of each free parameter in the score; default log2(N)/2 per family (MDL). */
  penalty?: number | undefined
  /** The root of a Chow-Liu tree. Default 0. */
  root?: number | undefined
  /** Edges the structure must have (not with 'chow-liu'). */
  includeEdges?: readonly Edge[] | undefined
  /** Edges the structure must not have (not with 'chow-liu'). */
  excludeEdges?: readonly Edge[] | undefined
  /** Added to every count in the scores and the tables. Default 0. */
  pseudocount?: number | undefined
  /** pomegranate's `low_memory`: subsets by combinations in the parent graphs. Default: true for 'greedy' only. */
  lowMemory?: boolean | undefined
  /**
   * With 'exact' only: edges between groups of columns, `[parents, children]`; the variables of
   * a group may only have parents in the groups with an edge to it (a self-loop `[g, g]`: in
   * their own group). pomegranate's `constraint_graph` (a networkx DiGraph of tuples).
   */
  constraintGraph?: readonly ConstraintEdge[] | undefined
}

/** The keys of {@link StructureOptions}. */
export const STRUCTURE_OPTION_KEYS = ['algorithm', 'maxParents', 'penalty', 'root', 'includeEdges', 'excludeEdges', 'pseudocount', 'lowMemory', 'constraintGraph'] as const

interface Checked {
  algorithm: Algorithm
  maxParents: number | undefined
  penalty: number | undefined
  root: number
  include: Edge[]
  exclude: Edge[]
  pseudocount: number
  lowMemory: boolean
  constraintGraph: ConstraintEdge[] | undefined
}

const ALGORITHMS: readonly Algorithm[] = ['chow-liu', 'greedy', 'exact', 'exact-dp']

/** Checks the structure options for `d` columns (every accepted form mapped once). */
export function structureOptions (options: StructureOptions, d: number): Checked {
  const algorithm = options.algorithm ?? 'greedy'
  if (!ALGORITHMS.includes(algorithm)) invalidOption('algorithm', ALGORITHMS.map(a => `'${a}'`).join(', '), algorithm)
  const maxParents = options.maxParents === undefined || options.maxParents === -1 ? undefined : options.maxParents
  if (maxParents !== undefined && !(Number.isInteger(maxParents) && maxParents >= 0)) invalidOption('maxParents', 'a whole number >= 0 (or -1)', maxParents)
  const penalty = options.penalty === undefined || options.penalty === -1 ? undefined : options.penalty
  if (penalty !== undefined && !(typeof penalty === 'number' && Number.isFinite(penalty))) invalidOption('penalty', 'a finite number', penalty)
  const root = options.root ?? 0
  if (!Number.isInteger(root) || root < 0 || root >= d) invalidOption('root', `a column index below ${d}`, root)
  const edges = (name: string, value: readonly Edge[] | undefined): Edge[] => {
    if (value === undefined) return []
    if (!Array.isArray(value)) invalidOption(name, 'a list of [parent, child] pairs', value)
    for (const e of value) {
      if (!Array.isArray(e) || e.length !== 2 || !e.every(v => Number.isInteger(v) && v >= 0 && v < d) || e[0] === e[1]) {
        invalidOption(name, `[parent, child] pairs of distinct column indices below ${d}`, e)
      }
    }
    return value.map(([p, c]) => [p, c] as const)
  }
  const include = edges('includeEdges', options.includeEdges)
  const exclude = edges('excludeEdges', options.excludeEdges)
  // No acyclic structure honours these: every search would return one that ignores them.
  const both = include.find(([p, c]) => exclude.some(([q, e]) => p === q && c === e))
  if (both !== undefined) invalidOption('includeEdges', `edges that excludeEdges does not also list (both list [${both.join(', ')}])`, options.includeEdges)
  const cycle = forcedCycle(include, d)
  if (cycle !== undefined) invalidOption('includeEdges', `edges without a cycle (${cycle.join(' -> ')})`, options.includeEdges)
  if (algorithm === 'chow-liu' && (options.includeEdges !== undefined || options.excludeEdges !== undefined)) {
    invalidOption(options.includeEdges !== undefined ? 'includeEdges' : 'excludeEdges', "no edge constraints with algorithm 'chow-liu' (as pomegranate)", options.includeEdges ?? options.excludeEdges)
  }
  const pseudocount = options.pseudocount ?? 0
  if (typeof pseudocount !== 'number' || !(pseudocount >= 0) || pseudocount === Infinity) invalidOption('pseudocount', 'a finite number >= 0', pseudocount)
  const lowMemory = options.lowMemory ?? algorithm === 'greedy'
  if (typeof lowMemory !== 'boolean') invalidOption('lowMemory', 'true or false', lowMemory)
  if (algorithm === 'exact-dp' && d > 25) invalidOption('algorithm', "'exact-dp' only up to 25 columns (it visits all 2^d subsets)", algorithm)
  let constraintGraph: ConstraintEdge[] | undefined
  if (options.constraintGraph !== undefined) {
    const g = options.constraintGraph
    if (algorithm !== 'exact') invalidOption('constraintGraph', "a constraint graph only with algorithm 'exact' (pomegranate ignores it otherwise)", algorithm)
    if (include.length > 0) invalidOption('includeEdges', 'no forced edges together with a constraintGraph (as pomegranate)', options.includeEdges)
    const group = (x: unknown): boolean => Array.isArray(x) && x.length > 0 && x.every(v => Number.isInteger(v) && v >= 0 && v < d) && new Set(x).size === x.length
    if (!Array.isArray(g) || !g.every(e => Array.isArray(e) && e.length === 2 && group(e[0]) && group(e[1]))) {
      invalidOption('constraintGraph', `a list of [parents, children] pairs of groups of distinct column indices below ${d}`, g)
    }
    constraintGraph = g.map(([a, b]) => [a.slice(), b.slice()] as const)
  }
  return { algorithm, maxParents, penalty, root, include, exclude, pseudocount, lowMemory, constraintGraph }
}

/** A cycle among the forced edges, as its columns from the first back to it; undefined when they are acyclic. */
function forcedCycle (include: ReadonlyArray<readonly [number, number]>, d: number): number[] | undefined {
  const children = Array.from({ length: d }, () => [] as number[])
  for (const [p, c] of include) children[p]!.push(c)
  const state = new Uint8Array(d) // 0 unvisited, 1 on the path, 2 done
  const path: number[] = []
  const visit = (v: number): number[] | undefined => {
    state[v] = 1
    path.push(v)
    for (const c of children[v]!) {
      if (state[c] === 1) return [...path.slice(path.indexOf(c)), c]
      if (state[c] === 0) {
        const found = visit(c)
        if (found !== undefined) return found
      }
    }
    path.pop()
    state[v] = 2
    return undefined
  }
  for (let v = 0; v < d; v++) {
    if (state[v] !== 0) continue
    const found = visit(v)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * The count tables a search needs, for a count summary's memory budget: all pairs for Chow-Liu,
 * all sets of `maxParents + 1` columns for the other searches (undefined without `maxParents`:
 * then only the distinct rows will do).
 */
export function plannedSets (options: StructureOptions, d: number): number[][] | undefined {
  const o = structureOptions(options, d)
  const all = Array.from({ length: d }, (_, i) => i)
  if (o.algorithm === 'chow-liu') return d < 2 ? [all] : [...combinations(all, 2)]
  if (o.maxParents === undefined) return undefined
  const includes = Math.max(0, ...all.map(i => o.include.filter(([, c]) => c === i).length))
  return [...combinations(all, Math.min(d, Math.max(o.maxParents, includes) + 1))]
}

/**
 * The structure pomegranate's `from_samples` finds on these counts.
 * @throws ArilError `ERR_INVALID_OPTION`; `ERR_INVALID_ARGUMENT` when the counts do not hold the
 *   tables the search needs
 */
export function learnStructure (counts: CategoryCounts, options: StructureOptions): Structure {
  const d = counts.columns
  const o = structureOptions(options, d)
  if (counts.rows === 0) throw new ArilError('ERR_NOT_FITTED', 'Structure learning needs data: no rows were counted')
  const scorer = new FamilyScorer(counts, o.pseudocount, o.penalty)
  if (o.algorithm === 'chow-liu') return chowLiuTree(scorer, o.pseudocount, o.root)
  const total = scorer.rows([0]).rows.counts.reduce((s, w) => s + w, 0)
  const bound = Math.trunc(log2(2 * total / log2(total)))
  const cap = Number.isFinite(bound) ? Math.max(0, bound) : d
  const maxParents = o.maxParents === undefined || o.maxParents > cap ? cap : o.maxParents
  const graphs = Array.from({ length: d }, (_, i) => new ParentGraph(scorer, i, maxParents, o.include, o.exclude, o.algorithm === 'exact-dp' ? false : o.lowMemory))
  if (o.algorithm === 'greedy') return greedy(graphs)
  if (o.constraintGraph !== undefined) return constrainedStructure(o.constraintGraph, { scorer, maxParents, include: o.include, exclude: o.exclude, lowMemory: o.lowMemory })
  if (o.algorithm === 'exact') return exactAStar(graphs)
  return exactDp(graphs)
}

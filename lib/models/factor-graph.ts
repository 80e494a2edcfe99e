/**
 * pomegranate's FactorGraph: a bipartite graph of marginal nodes (one per variable) and factor
 * nodes (tables over some variables), queried by loopy belief propagation.
 */
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys, numberOption } from '../core/options.js'
import type { Category } from '../counts/categories.js'
import { DiscreteDistribution } from '../distributions/discrete.js'
import { JointProbabilityTable } from '../distributions/joint-probability-table.js'
import { BELIEF_OPTION_KEYS, BeliefPropagation, type BeliefOptions, type Factor } from './belief-propagation.js'
import type { State } from './state.js'

interface Baked {
  marginals: State[]
  keys: Category[][]
  codes: Array<Map<unknown, number>>
  bp: BeliefPropagation
}

/**
 * A [factor graph](https://en.wikipedia.org/wiki/Factor_graph) as pomegranate builds one: states
 * holding a DiscreteDistribution are marginal nodes (one per variable; the distribution is its
 * prior), states holding a JointProbabilityTable, or a DiscreteDistribution with a name ending in
 * `-joint`, are factor nodes; edges join a marginal node to a factor node. A JPT factor's columns
 * are its `parents` when those are the marginal nodes' distributions, else its edges in the order
 * they were added. BayesianNetwork and MarkovNetwork run the same belief propagation kernel.
 *
 * @throws ArilError `ERR_GRAPH` from `bake()` for an edge between two nodes of the same kind, or
 *   a factor whose columns do not match its edges
 * @example
 * ```ts
 * const a = new State(new DiscreteDistribution({ x: 0.5, y: 0.5 }), 'a')
 * const b = new State(new DiscreteDistribution({ x: 0.5, y: 0.5 }), 'b')
 * const f = new State(new JointProbabilityTable([['x', 'x', 0.4], ['x', 'y', 0.1], ['y', 'x', 0.1], ['y', 'y', 0.4]], [a.distribution, b.distribution]), 'f')
 * const g = new FactorGraph('pair').addStates(a, b, f).addEdge(a, f).addEdge(b, f).bake()
 * g.predictProba({ a: 'x' }) // => ['x', Map { 'x' => 0.8, 'y' => 0.2 }]
 * ```
 */
export class FactorGraph {
  readonly states: State[] = []
  private readonly edgeList: Array<[State, State]> = []
  private baked: Baked | undefined

  constructor (readonly name = 'FactorGraph') {}

  addStates (...states: State[]): this {
    this.states.push(...states)
    this.baked = undefined
    return this
  }

  addEdge (a: State, b: State): this {
    this.edgeList.push([a, b])
    this.baked = undefined
    return this
  }

  private static isMarginal (s: State): boolean {
    return s.distribution instanceof DiscreteDistribution && !s.name.endsWith('-joint')
  }

  /** Finalizes the graph. */
  bake (): this {
    const marginals = this.states.filter(FactorGraph.isMarginal)
    const index = new Map<State, number>(marginals.map((s, i) => [s, i]))
    const keys = marginals.map(s => (s.distribution as DiscreteDistribution).keys as Category[])
    const codes = keys.map(k => new Map<unknown, number>(k.map((key, i) => [key, i])))
    const scopes = new Map<State, number[]>()
    for (const [a, b] of this.edgeList) {
      const [m, f] = index.has(a) ? [a, b] : [b, a]
      if (!index.has(m) || index.has(f) || !this.states.includes(f)) {
        throw new ArilError('ERR_GRAPH', `An edge must join a marginal node to a factor node of this graph, got ${show(a?.name)} – ${show(b?.name)}`)
      }
      if (!scopes.has(f)) scopes.set(f, [])
      scopes.get(f)!.push(index.get(m)!)
    }
    const factors = this.states.filter(s => !FactorGraph.isMarginal(s)).map((s): Factor => {
      const linked = scopes.get(s) ?? []
      const d = s.distribution
      if (d instanceof DiscreteDistribution) {
        if (linked.length !== 1) throw new ArilError('ERR_GRAPH', `Factor ${show(s.name)} is a DiscreteDistribution: it needs exactly one edge, got ${linked.length}`)
        const v = linked[0]!
        const table = new Float64Array(keys[v]!.length)
        for (const [key, p] of d.probabilities) if (codes[v]!.has(key)) table[codes[v]!.get(key)!] = p
        return { scope: [v], table }
      }
      if (!(d instanceof JointProbabilityTable)) throw new ArilError('ERR_GRAPH', `Node ${show(s.name)} must hold a DiscreteDistribution or a JointProbabilityTable, got ${show(d)}`)
      const byParent = d.parents.map(p => marginals.findIndex(m => (m.distribution as unknown) === p))
      const scope = byParent.every(i => i >= 0) ? byParent : linked
      if (scope.length !== d.dimension || new Set(scope).size !== linked.length || !scope.every(v => linked.includes(v))) {
        throw new ArilError('ERR_GRAPH', `Factor ${show(s.name)} has ${d.dimension} columns but ${linked.length} edges to other variables`)
      }
      const table = new Float64Array(scope.reduce((n, v) => n * keys[v]!.length, 1))
      for (const row of d.parameters[0]) {
        let at = 0
        let known = true
        scope.forEach((v, j) => {
          const code = codes[v]!.get(row[j])
          if (code === undefined) known = false
          else at = at * keys[v]!.length + code
        })
        if (known) table[at] = row[scope.length] as number
      }
      return { scope, table }
    })
    const priors = marginals.map((m, v) => Float64Array.from(keys[v]!, k => (m.distribution as DiscreteDistribution).probabilityOf(k as string)))
    this.baked = { marginals, keys, codes, bp: new BeliefPropagation(keys.map(k => k.length), factors, priors) }
    return this
  }

  /**
   * The belief of every marginal node given evidence (a value per node name): observed nodes
   * give their value, others a Map category → probability (pomegranate's `predict_proba`).
   * @throws ArilError `ERR_NOT_FITTED` before `bake()`; `ERR_INVALID_INPUT` for evidence naming
   *   no marginal node or no category of it
   */
  predictProba (evidence: Readonly<Record<string, Category | null | undefined>> = {}, options: BeliefOptions = {}): Array<Category | Map<Category, number>> {
    checkKeys(options, BELIEF_OPTION_KEYS, 'FactorGraph.predictProba')
    if (this.baked === undefined) throw new ArilError('ERR_NOT_FITTED', 'FactorGraph: call bake() first')
    const { marginals, keys, codes, bp } = this.baked
    const maxIterations = numberOption(options, 'maxIterations', 10, 1)
    if (!Number.isInteger(maxIterations)) invalidOption('maxIterations', 'a whole number >= 1', maxIterations)
    const tolerance = numberOption(options, 'tolerance', 1e-12, 0)
    const observed = new Int32Array(marginals.length).fill(-1)
    for (const [name, value] of Object.entries(evidence)) {
      if (value === null || value === undefined) continue
      const v = marginals.findIndex(m => m.name === name)
      if (v < 0) throw new ArilError('ERR_INVALID_INPUT', `The factor graph has no marginal node named ${show(name)}`)
      const code = codes[v]!.get(value)
      if (code === undefined) throw new ArilError('ERR_INVALID_INPUT', `Node ${show(name)} has no category ${show(value)}`)
      observed[v] = code
    }
    const beliefs = new Float64Array(bp.offsets[marginals.length]!)
    bp.run(observed, beliefs, { maxIterations, tolerance })
    return Array.from(observed, (code, v) => code >= 0 ? keys[v]![code]! : new Map(keys[v]!.map((k, i) => [k, beliefs[bp.offsets[v]! + i]!])))
  }

  /** The beliefs with nothing observed (pomegranate's `marginal`). */
  marginal (options: BeliefOptions = {}): Array<Map<Category, number>> {
    return this.predictProba({}, options) as Array<Map<Category, number>>
  }
}

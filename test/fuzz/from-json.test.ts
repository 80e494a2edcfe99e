/**
 * Property tests over fromJSON input (issue 9): mutated JSON of every registered model kind, deep
 * nesting, huge declared sizes and prototype keys. Each call must end (a hang guard, not a speed
 * test: the bound is generous), throw nothing but an ArilError, and whatever it accepts must
 * round-trip: toJSON → fromJSON → the same JSON.
 *
 * A few thousand cases run in the normal suite; ARIL_FUZZ_RUNS=n multiplies every property's runs
 * by n/1000 (harden-io's fuzz suites read the same variable), e.g. ARIL_FUZZ_RUNS=100000 for a soak,
 * with fresh random seeds.
 */
import t from 'tap'
import fc from 'fast-check'
import { ArilError } from '../../lib/core/errors.js'
import { fromJSON, modelKinds, parseJSON, stringifyJSON } from '../../lib/core/serialize.js'
import type { Model } from '../../lib/core/model.js'
import * as aril from '../../lib/index.js'

const scale = Number(process.env.ARIL_FUZZ_RUNS ?? 1000) / 1000
const runs = (n: number): number => Math.max(1, Math.round(n * scale))
/** The normal run is reproducible; a soak explores new cases (fast-check prints the seed of a failure). */
const seed = (n: number): number | undefined => process.env.ARIL_FUZZ_RUNS === undefined ? n : undefined
/** Seconds any one call may take before it counts as a hang (generous: the machine is shared). */
const HANG_MS = 5000

/** Rows of three categorical columns for the networks (a category of each key type). */
const NETWORK_ROWS = [['a', 0, true], ['b', 1, false], ['a', 1, true], ['__proto__', 0, false], ['b', 0, true], ['a', 1, false]]

/** One valid model of every kind, fitted to a little data so tables and statistics are non-trivial. */
function corpus (): Array<[string, unknown]> {
  const n = (m: number, s: number): aril.NormalDistribution => new aril.NormalDistribution(m, s)
  const models: Model[] = [
    n(1, 2),
    new aril.LogNormalDistribution(0.5, 1),
    new aril.ExponentialDistribution(2),
    new aril.GammaDistribution(2, 3),
    new aril.PoissonDistribution(4),
    new aril.BernoulliDistribution(0.3),
    new aril.BetaDistribution(2, 5),
    new aril.UniformDistribution(-1, 4),
    new aril.DiscreteDistribution(new Map<aril.Key, number>([['__proto__', 0.25], [1, 0.25], ['1', 0.25], [true, 0.25]])),
    new aril.DiscreteDistribution({ a: 0.5, b: 0.5 }),
    new aril.MultivariateGaussianDistribution([0, 1], [[2, 0.5], [0.5, 1]]),
    new aril.IndependentComponentsDistribution([n(0, 1), new aril.DiscreteDistribution({ x: 1 })], [1, 2]),
    new aril.DirichletDistribution([1, 2, 3]),
    aril.ConditionalProbabilityTable.fromSamples([['a', 'x'], ['b', 'y'], ['a', 'y'], ['constructor', true]]),
    aril.JointProbabilityTable.fromSamples([['a', 1], ['b', 2], ['a', 2], [false, 1]]),
    new aril.GeneralMixtureModel([n(0, 1), new aril.GeneralMixtureModel([n(3, 1), n(5, 2)])], { weights: [0.3, 0.7] }),
    new aril.Kmeans(2).setCentroids([[0, 1], [2, 3]]),
    new aril.NaiveBayes([n(0, 1), n(4, 1)]),
    new aril.BayesClassifier([new aril.MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]]), new aril.MultivariateGaussianDistribution([3, 3], [[1, 0], [0, 1]])]),
    new aril.GaussianKernelDensity([0, 1, 3], 0.5, [1, 2, 1]),
    new aril.UniformKernelDensity([0, 2], 1),
    new aril.TriangleKernelDensity([1, 4, 5], 2),
    aril.BayesianNetwork.fromSamples(NETWORK_ROWS, { algorithm: 'chow-liu' }),
    aril.MarkovNetwork.fromSamples(NETWORK_ROWS),
    hiddenMarkovModel()
  ]
  return models.map(m => [m.name, parseJSON(stringifyJSON(m))])
}

/** A hidden Markov model with a silent state, tied states, a tied edge group and an end state. */
function hiddenMarkovModel (): aril.HiddenMarkovModel {
  const m = new aril.HiddenMarkovModel('h')
  const shared = new aril.DiscreteDistribution({ a: 0.5, b: 0.5 })
  const [s1, s2, d] = [new aril.State(shared, 's1'), new aril.State(shared, 's2'), new aril.State(null, 'd')]
  m.addStates(s1, s2, d)
  m.addTransition(m.start, s1, 0.6).addTransition(m.start, d, 0.4).addTransition(d, s2, 1)
  m.addTransition(s1, s1, 0.5, { group: 'loop' }).addTransition(s2, s2, 0.5, { group: 'loop' }).addTransition(s1, s2, 0.3).addTransition(s1, m.end, 0.2).addTransition(s2, m.end, 0.5, { pseudocount: 2 })
  return m.bake()
}

const CORPUS = corpus()

t.test('the corpus has every registered kind', async t => {
  t.same([...new Set(CORPUS.map(([name]) => name))].sort(), modelKinds())
})

/** Calls fromJSON; checks the outcome. Returns the accepted model's JSON text, if any. */
function check (input: string | object, options?: aril.JsonLimits): void {
  const started = performance.now()
  let model: Model | undefined
  try {
    model = fromJSON(input, options)
  } catch (err) {
    if (!(err instanceof ArilError)) throw new Error(`not an ArilError: ${String(err)}`, { cause: err })
  }
  if (performance.now() - started > HANG_MS) throw new Error(`fromJSON took ${Math.round(performance.now() - started)} ms`)
  if (model === undefined) return
  const text = stringifyJSON(model)
  const again = stringifyJSON(fromJSON(text, options))
  if (again !== text) throw new Error(`accepted JSON does not round-trip:\n${text}\n${again}`)
}

/** Values a mutation puts somewhere in a model's JSON. */
const nasty = fc.oneof(
  fc.constantFrom<unknown>(
    NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 1e21, 1e12, 9007199254740991,
    '', 'nan', 'NaN', 'Infinity', '\u0000aril:NaN', '\u0000aril:toString', '\u0000aril:__proto__', '__proto__', 'constructor', 'toString',
    'Distribution', 'NormalDistribution', 'GeneralMixtureModel', 'json', 'int', 'float', 'bool', 'str', 'numpy.int64',
    true, false, null, [], {}, [[]], [{}], { length: 'Infinity' }, { length: 1e12 }, { length: 3 }, [1e308, 1e308], [NaN], [Infinity]
  ),
  fc.double(), fc.integer(), fc.string({ maxLength: 6 }), fc.array(fc.double(), { maxLength: 4 })
)

/** A mutation: at the node chosen by `at` (a walk over the tree), do `action`. */
const mutation = fc.record({
  at: fc.nat(),
  action: fc.oneof(
    fc.record({ kind: fc.constant('set' as const), value: nasty }),
    fc.record({ kind: fc.constant('delete' as const) }),
    fc.record({ kind: fc.constant('duplicate' as const) }),
    fc.record({ kind: fc.constant('key' as const), key: fc.constantFrom('__proto__', 'constructor', 'toString', 'class', 'name', 'dtype', 'parameters', 'frozen', 'length', '0'), value: nasty }),
    fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('grow' as const), times: fc.integer({ min: 2, max: 60 }) })
  )
})

/** Every container of a tree, in a fixed order, with its keys. */
function containers (root: unknown): Array<[Record<string, unknown> | unknown[], string[]]> {
  const out: Array<[Record<string, unknown> | unknown[], string[]]> = []
  const stack = [root]
  while (stack.length > 0 && out.length < 10_000) {
    const v = stack.pop()
    if (typeof v !== 'object' || v === null) continue
    const keys = Object.keys(v)
    out.push([v as Record<string, unknown>, keys])
    for (const k of keys) stack.push((v as Record<string, unknown>)[k])
  }
  return out
}

function mutate (root: unknown, { at, action }: fc.Arbitrary<unknown> extends never ? never : { at: number; action: Record<string, any> }): void {
  const all = containers(root)
  const [node, keys] = all[at % all.length]!
  const key = keys.length === 0 ? '0' : keys[Math.floor(at / all.length) % keys.length]!
  const target = node as Record<string, unknown>
  switch (action.kind) {
    case 'set': target[key] = structuredClone(action.value); break
    case 'delete': if (Array.isArray(node)) node.splice(Number(key), 1); else delete target[key]; break
    case 'duplicate': if (Array.isArray(node)) node.push(structuredClone(node[Number(key)])); else target[key + '_'] = target[key]; break
    // defineProperty: an own "__proto__" key, as JSON.parse makes one
    case 'key': if (!Array.isArray(node)) Object.defineProperty(target, action.key, { value: structuredClone(action.value), enumerable: true, writable: true, configurable: true }); break
    case 'nest': { let v: unknown = target[key]; for (let i = 0; i < action.depth; i++) v = i % 2 === 0 ? [v] : { class: 'GeneralMixtureModel', distributions: [v], weights: [1] }; target[key] = v; break }
    case 'grow': if (Array.isArray(target[key])) { const a = target[key] as unknown[]; target[key] = Array.from({ length: a.length * action.times }, (_, i) => structuredClone(a[i % Math.max(1, a.length)])) } break
  }
}

t.test('mutated model JSON of every kind: ArilErrors only, and what is accepted round-trips', async t => {
  fc.assert(fc.property(fc.nat(CORPUS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (index, mutations, asText) => {
    const json = structuredClone(CORPUS[index]![1])
    for (const m of mutations) mutate(json, m as never)
    // as text (through the bare NaN/Infinity writer) or as the object itself
    check(asText ? stringifyJSON(json) : json as object)
  }), { numRuns: runs(2500), seed: seed(42) })
  t.pass('ok')
})

t.test('mutated JSON text: inserted, deleted and replaced characters', async t => {
  const texts = CORPUS.map(([, json]) => stringifyJSON(json))
  const edit = fc.record({ at: fc.nat(), cut: fc.integer({ min: 0, max: 4 }), insert: fc.oneof(fc.constantFrom('[', ']', '{', '}', '"', ',', ':', 'NaN', '-Infinity', '\\u0000', '\\', '1e999', 'null', 'true', '"__proto__":'), fc.string({ maxLength: 3 })) })
  fc.assert(fc.property(fc.nat(texts.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (index, edits) => {
    let text = texts[index]!
    for (const { at, cut, insert } of edits) {
      const i = at % (text.length + 1)
      text = text.slice(0, i) + insert + text.slice(i + cut)
    }
    check(text)
  }), { numRuns: runs(1500), seed: seed(7) })
  t.pass('ok')
})

t.test('deep nesting, as text and as objects: ERR_LIMIT at maxDepth, never a stack overflow', async t => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('[', '{"a":', '{"class":"GeneralMixtureModel","weights":[1],"distributions":['), fc.integer({ min: 2, max: 2000 }), (depth, open, maxDepth) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : ']}'
    const text = open.repeat(depth) + '{"class":"Distribution","name":"NormalDistribution","parameters":[0,1],"frozen":false}' + close.repeat(depth)
    check(text, { maxDepth })
    if (open.startsWith('{"class"') && depth < 300) check(JSON.parse(text), { maxDepth })
  }), { numRuns: runs(150), seed: seed(3) })
  t.pass('ok')
})

t.test('huge declared sizes: rejected before anything that size is allocated', async t => {
  const big = fc.integer({ min: 1000, max: 3000 })
  fc.assert(fc.property(fc.constantFrom('cpt', 'jpt', 'kmeans', 'mvg', 'discrete'), big, fc.integer({ min: 2, max: 4 }), (kind, keys, columns) => {
    const range = Array.from({ length: keys }, (_, i) => i)
    let json: object
    if (kind === 'cpt' || kind === 'jpt') {
      // one row per key: a table that claims keys^columns cells
      const table = range.map(i => [...Array.from({ length: columns }, () => kind === 'cpt' ? `k${i}` : i), kind === 'cpt' ? '0.5' : 0.5])
      const dtypes = [...Array.from({ length: columns }, () => kind === 'cpt' ? 'str' : 'int'), 'float']
      const parents = kind === 'cpt' ? Array.from({ length: columns - 1 }, () => ({ class: 'Distribution', dtype: 'str', name: 'DiscreteDistribution', parameters: [{ a: 1 }], frozen: false })) : range.slice(0, columns)
      json = { class: 'Distribution', name: kind === 'cpt' ? 'ConditionalProbabilityTable' : 'JointProbabilityTable', table, dtypes, parents }
    } else if (kind === 'kmeans') {
      json = { class: 'Kmeans', k: keys, centroids: range.map(() => ({ length: keys * 1e6 })) }
    } else if (kind === 'mvg') {
      json = { class: 'Distribution', name: 'MultivariateGaussianDistribution', parameters: [range, range.map(() => [])], frozen: false }
    } else {
      json = { class: 'Distribution', dtype: 'int', name: 'DiscreteDistribution', parameters: [Object.fromEntries(range.map(i => [String(i), 1 / keys]))], frozen: false }
    }
    const before = process.memoryUsage().arrayBuffers
    check(json, { maxKeys: keys - 1 })
    check(json)
    // nothing of keys^columns cells (8e9 at most here) or keys² doubles stays allocated
    if (process.memoryUsage().arrayBuffers - before > 256 * 1024 * 1024) throw new Error('a huge buffer was allocated')
  }), { numRuns: runs(60), seed: seed(11) })
  t.pass('ok')
})

t.test('prototype keys everywhere: never reinterpreted, never polluting', async t => {
  const keys = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '\u0000aril:NaN', '\u0000aril:constructor')
  fc.assert(fc.property(fc.array(keys, { minLength: 1, maxLength: 5 }), fc.constantFrom('str', 'json'), (names, dtype) => {
    const distinct = [...new Set(names)]
    const text = `{"class":"Distribution","dtype":"${dtype}","name":"DiscreteDistribution","parameters":[{${distinct.map(k => `${JSON.stringify(dtype === 'json' ? JSON.stringify(k) : k)}:${1 / distinct.length}`).join(',')}}],"frozen":false}`
    check(text)
    const d = fromJSON<aril.DiscreteDistribution>(text)
    if (d.keys.length !== distinct.length || !distinct.every(k => d.keys.includes(k))) throw new Error(`keys lost: ${JSON.stringify(d.keys)}`)
    if (({} as Record<string, unknown>).polluted !== undefined || Object.getPrototypeOf({}) !== Object.prototype) throw new Error('prototype polluted')
  }), { numRuns: runs(200), seed: seed(5) })
  t.pass('ok')
})

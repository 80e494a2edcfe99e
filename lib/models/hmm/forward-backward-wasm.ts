/**
 * The Baum-Welch E-step of one sequence as one WebAssembly kernel per topology, for sequences of
 * up to {@link KernelSpace.rows} observations: the scaled emissions (forward-backward.ts's
 * `scaleEmissions`, or Normal emissions computed from the observations), `forwardSteps`,
 * `backwardSteps`, `transitionTerms` and statistics.ts's state weights (the log-probability is
 * summed in JavaScript, with `Math.log`).
 *
 * The edge lists are written into the code, each term in the order the JavaScript loops add it,
 * so a step is straight-line code over locals (no index loads, no loop per state); the
 * probabilities are in memory, copied before each sequence, so the M-step needs no new kernel.
 * The operations are those of the JavaScript loops, one by one: the same bits. The liberties
 * taken are exact: a sum's leading `0 +` is left out, and so are a `+ 0` for an empty list of
 * silent edges and the +0 of a silent state without in-edges in a row's sum, as every term is a
 * product of numbers >= 0 (or NaN), never −0; the row the next step reads is kept in locals as
 * well as stored. Exponentials are fdlibm's, as `Math.exp` computes them (core/wasm-exp.ts).
 *
 * The tables stay in the kernel's memory: the caller writes the observations or emission rows,
 * the first forward row and the last backward row into its views, and reads the row sums and
 * maxima, the likelihood's row, each edge's sum of terms and the state weights from them.
 */
import { block, br, br_if, ConstantPool, f64, f64x2, forLoop, FunctionBuilder, get, i32, if_, loop, return_, set, v128, type Code, type Local } from '../../core/wasm-emitter.js'
import { expFunction, expPair } from '../../core/wasm-exp.js'
import { instantiate, KernelCache } from '../../core/wasm-runtime.js'
import type { Graph } from './graph.js'

/** Edges beyond which a topology runs in JavaScript (the code grows with the edges). */
const MAX_KERNEL_EDGES = 512

/** The memory the tables may take (the longest sequence a kernel takes follows from it). */
const TABLE_BYTES = 1 << 24

/** Rows a kernel takes at most (memory stays small for small models). */
const MAX_ROWS = 1 << 16

type Exports = {
  /** Scaled emissions and row maxima of rows 0 … n − 1 from emission rows, or from Normal observations. */
  scaleRows: (n: number) => void
  normalRows: (n: number) => void
  /** Forward rows 1 … n from row 0; 0 at the first row whose sum is not > 0, else 1. */
  forward: (n: number) => number
  /** Backward rows n − 1 … 0 from row n; the emissions become the backward factors. */
  backward: (n: number) => void
  /** Each edge's sum of terms (added to `sums`), and the state weights of rows 1 … n times `scale`. */
  terms: (n: number, scale: number) => void
}

/** A kernel and views of its memory. */
export interface KernelSpace {
  exports: Exports
  /** The longest sequence it takes. */
  rows: number
  /** Forward and backward tables ((rows + 1) × m), forward row sums (rows + 1), emissions (rows × p). */
  f: Float64Array
  b: Float64Array
  c: Float64Array
  x: Float64Array
  /** Emission rows (rows × p) or observations (rows), and each row's largest emission (rows). */
  e: Float64Array
  top: Float64Array
  /** Per state: mean, then logNorm, half and log weight, for `normalRows`. */
  normal: Float64Array
  /** State weights, state-major: state k's row i at `k·rows + i`. */
  w: Float64Array
  /** Per edge: its probability (written by the caller) and its sum of terms. */
  prob: Float64Array
  sums: Float64Array
}

interface Layout { rows: number; f: number; b: number; c: number; x: number; e: number; top: number; w: number; normal: number; prob: number; sums: number; end: number }

function layout (g: Graph): Layout {
  const { m, p } = g
  const edges = g.from.length
  const rows = Math.min(MAX_ROWS, Math.floor(TABLE_BYTES / ((2 * m + 4 * p + 2) * 8)))
  const prob = 0
  const sums = prob + edges * 8
  const normal = sums + edges * 8
  const f = normal + 4 * p * 8
  const b = f + (rows + 1) * m * 8
  const c = b + (rows + 1) * m * 8
  const x = c + (rows + 1) * 8
  const e = x + rows * p * 8
  const top = e + rows * p * 8
  const w = top + rows * 8
  return { rows, f, b, c, x, e, top, w, normal, prob, sums, end: w + rows * p * 8 }
}

/** Σ terms in order, without the leading `0 +`: undefined for no terms. */
function sum (terms: Code[]): Code | undefined {
  return terms.reduce<Code | undefined>((acc, term) => acc === undefined ? term : f64.add(acc, term), undefined)
}

/** `a + b` of two sums, either possibly empty (0). */
function plus (a: Code | undefined, b: Code | undefined): Code {
  if (a === undefined) return b ?? f64.const(0)
  return b === undefined ? a : f64.add(a, b)
}

const range = (list: Int32Array, start: Int32Array, k: number): number[] => Array.from(list.subarray(start[k]!, start[k + 1]!))

/** The edges' probabilities, loaded into locals at the start of a function. */
function probabilities (fn: FunctionBuilder, g: Graph, at: Layout): { P: Local[]; load: Code } {
  const P = fn.localArray('f64', g.from.length)
  return { P, load: P.map((local, k) => set(local, f64.load(i32.const(0), at.prob + k * 8))) }
}

/** The index of the exp function in the module (the first of {@link build}'s functions). */
const EXP = 0

/**
 * `scaleRows(n)`: forward-backward.ts's `scaleEmissions` of emission rows 0 … n − 1 (at `e`) into
 * `x` and `top`; `normalRows(n)` computes the emissions themselves from n observations (at `e`)
 * with the operations of `NormalDistribution.logProbabilityColumn` and emissions.ts's sum:
 * `(logNorm − d·d·half, or 0 when NaN) + log weight`, from the terms at `normal` (mean, logNorm,
 * half and log weight of each state). Two rows at a time, one per f64x2 lane; the exp of the
 * row's largest emission is exp(0) = 1, as `scaleEmissions` takes it.
 */
function scaleFunction (p: number, at: Layout, normal: boolean, pool: ConstantPool): FunctionBuilder {
  const fn = new FunctionBuilder(['i32'])
  const [n] = fn.params as [Local]
  const i = fn.local('i32')
  const value = fn.local('v128')
  const max = fn.local('v128')
  const dead = fn.local('v128')
  const d = fn.local('v128')
  const emission = fn.localArray('v128', p)
  const terms = fn.localArray('v128', normal ? 4 * p : 0)
  const term = (l: number, k: number): Code => get(terms[k * p + l]!)
  const zero = i32.const(0)
  const row = (k: number, l: number): Code => i32.add(i32.mul(i32.add(get(i), i32.const(k)), i32.const(p * 8)), i32.const(l * 8))
  const rows = (both: boolean): Code => {
    const emissions: Code = normal
      ? [
          set(value, both ? v128.load(i32.shl(get(i), i32.const(3)), at.e) : v128.load64_splat(i32.shl(get(i), i32.const(3)), at.e)),
          emission.map((local, l) => [
            set(d, f64x2.sub(get(value), term(l, 0))),
            set(d, f64x2.sub(term(l, 1), f64x2.mul(f64x2.mul(get(d), get(d)), term(l, 2)))),
            // a missing value (NaN) has log-probability +0
            set(local, f64x2.add(v128.and(get(d), f64x2.eq(get(d), get(d))), term(l, 3)))
          ])
        ]
      : emission.map((local, l) => {
        const first = v128.load64_splat(row(0, l), at.e)
        return set(local, both ? v128.load64_lane(row(1, l), first, 1, at.e) : first)
      })
    return [
      emissions,
      set(max, pool.f64x2(-Infinity)),
      // `if (e > max) max = e`: a NaN never wins
      emission.map(local => set(max, v128.bitselect(get(local), get(max), f64x2.gt(get(local), get(max))))),
      both ? v128.store(i32.shl(get(i), i32.const(3)), get(max), at.top) : v128.store64_lane(i32.shl(get(i), i32.const(3)), get(max), 0, at.top),
      // a row where no state can emit: zeros
      set(dead, f64x2.eq(get(max), pool.f64x2(-Infinity))),
      emission.map((local, l) => [
        set(d, f64x2.sub(get(local), get(max))),
        set(d, v128.bitselect(pool.f64x2(0), expPair(fn, pool, d, EXP), get(dead))),
        v128.store64_lane(row(0, l), get(d), 0, at.x),
        both ? v128.store64_lane(row(1, l), get(d), 1, at.x) : []
      ])
    ]
  }
  fn.body = [
    terms.map((local, k) => set(local, v128.load64_splat(zero, at.normal + k * 8))),
    set(i, zero),
    forLoop(i, i32.sub(get(n), i32.const(1)), 2, rows(true)),
    if_(i32.lt_s(get(i), get(n)), rows(false))
  ]
  return fn
}

function forwardFunction (g: Graph, at: Layout): FunctionBuilder {
  const { m, p, from } = g
  const fn = new FunctionBuilder(['i32'], ['i32'])
  const [n] = fn.params as [Local]
  const t = fn.local('i32')
  const prev = fn.local('i32')
  const xr = fn.local('i32')
  const total = fn.local('f64')
  const inverse = fn.local('f64')
  const v = fn.localArray('f64', m)
  const u = fn.localArray('f64', m)
  const { P, load } = probabilities(fn, g, at)
  const dead = (s: number): boolean => s >= p && g.inStart[s + 1] === g.inStart[s]
  const step = (first: boolean): Code => {
    const code: Code[] = []
    for (let l = 0; l < p; l++) {
      const edges = range(g.inEdges, g.inStart, l).filter(k => first || !dead(from[k]!))
      // the row before: in memory for the first step (row 0), then in locals
      const s = sum(edges.map(k => f64.mul(first ? f64.load(get(prev), from[k]! * 8) : get(u[from[k]!]!), get(P[k]!))))
      code.push(set(v[l]!, f64.mul(s ?? f64.const(0), f64.load(get(xr), l * 8))))
    }
    for (let l = p; l < m; l++) {
      const term = (k: number): Code => f64.mul(get(v[from[k]!]!), get(P[k]!))
      code.push(set(v[l]!, plus(sum(range(g.inEmitEdges, g.inEmitStart, l).map(term)), sum(range(g.inSilentEdges, g.inSilentStart, l).map(term)))))
    }
    code.push(
      // a silent state without in-edges adds +0, which changes no sum of numbers >= 0
      set(total, sum(v.filter((_, l) => l < p || g.inStart[l + 1] !== g.inStart[l]).map(get))!),
      if_(i32.eqz(f64.gt(get(total), f64.const(0))), return_(i32.const(0))),
      set(inverse, f64.div(f64.const(1), get(total))),
      v.map((value, l) => [set(u[l]!, f64.mul(get(value), get(inverse))), f64.store(get(prev), get(u[l]!), (m + l) * 8)]),
      f64.store(i32.shl(get(t), i32.const(3)), get(total), at.c),
      set(prev, i32.add(get(prev), i32.const(m * 8))),
      set(xr, i32.add(get(xr), i32.const(p * 8))),
      set(t, i32.add(get(t), i32.const(1)))
    )
    return code
  }
  fn.body = [
    load,
    set(prev, i32.const(at.f)),
    set(xr, i32.const(at.x)),
    set(t, i32.const(1)),
    if_(i32.ge_s(get(n), i32.const(1)), step(true)),
    // forLoop's `t < end`: rows 2 … n
    forLoop(t, i32.add(get(n), i32.const(1)), 0, step(false)),
    i32.const(1)
  ]
  return fn
}

function backwardFunction (g: Graph, at: Layout): FunctionBuilder {
  const { m, p, to } = g
  const fn = new FunctionBuilder(['i32'])
  const [n] = fn.params as [Local]
  const i = fn.local('i32')
  const cur = fn.local('i32')
  const xr = fn.local('i32')
  const inverse = fn.local('f64')
  const q = fn.localArray('f64', p)
  const b = fn.localArray('f64', m)
  const { P, load } = probabilities(fn, g, at)
  const step: Code[] = [
    set(inverse, f64.div(f64.const(1), f64.load(i32.shl(get(i), i32.const(3)), at.c + 8))),
    q.map((local, l) => [
      // b̂ of the row after: the last step's locals
      set(local, f64.mul(f64.mul(f64.load(get(xr), l * 8), get(b[l]!)), get(inverse))),
      f64.store(get(xr), get(local), l * 8)
    ])
  ]
  for (let k = m - 1; k >= 0; k--) {
    const emit = sum(range(g.outEmitEdges, g.outEmitStart, k).map(e => f64.mul(get(P[e]!), get(q[to[e]!]!))))
    const silent = sum(range(g.outSilentEdges, g.outSilentStart, k).map(e => f64.mul(get(b[to[e]!]!), get(P[e]!))))
    step.push(set(b[k]!, plus(emit, silent)), f64.store(get(cur), get(b[k]!), k * 8))
  }
  step.push(
    set(cur, i32.sub(get(cur), i32.const(m * 8))),
    set(xr, i32.sub(get(xr), i32.const(p * 8))),
    set(i, i32.sub(get(i), i32.const(1)))
  )
  fn.body = [
    load,
    set(i, i32.sub(get(n), i32.const(1))),
    set(cur, i32.add(i32.mul(get(i), i32.const(m * 8)), i32.const(at.b))),
    set(xr, i32.add(i32.mul(get(i), i32.const(p * 8)), i32.const(at.x))),
    b.slice(0, p).map((local, l) => set(local, f64.load(get(cur), (m + l) * 8))),
    // i from n − 1 down to 0
    block(loop([br_if(1, i32.lt_s(get(i), i32.const(0))), step, br(0)]))
  ]
  return fn
}

function termsFunction (g: Graph, at: Layout): FunctionBuilder {
  const { m, p, from, to } = g
  const edges = from.length
  const fn = new FunctionBuilder(['i32', 'f64'])
  const [n, scale] = fn.params as [Local, Local]
  const i = fn.local('i32')
  const fr = fn.local('i32')
  const br = fn.local('i32')
  const xr = fn.local('i32')
  const wr = fn.local('i32')
  const s = fn.localArray('f64', edges)
  const fk = fn.localArray('f64', m)
  const ql = fn.localArray('f64', p)
  const bl = fn.localArray('f64', m)
  const sources = [...new Set(from)]
  const silentTargets = [...new Set(Array.from(to).filter(l => l >= p))]
  const row = (last: boolean): Code => [
    sources.map(k => set(fk[k]!, f64.load(get(fr), k * 8))),
    last ? [] : ql.map((local, l) => set(local, f64.load(get(xr), l * 8))),
    silentTargets.map(l => set(bl[l]!, f64.load(get(br), l * 8))),
    Array.from({ length: edges }, (_, e) => {
      const l = to[e]!
      if (l < p && last) return []
      return set(s[e]!, f64.add(get(s[e]!), f64.mul(get(fk[from[e]!]!), get(l < p ? ql[l]! : bl[l]!))))
    })
  ]
  fn.body = [
    s.map((local, e) => set(local, f64.load(i32.const(0), at.sums + e * 8))),
    set(fr, i32.const(at.f)),
    set(br, i32.const(at.b)),
    set(xr, i32.const(at.x)),
    set(wr, i32.const(at.w)),
    set(i, i32.const(0)),
    forLoop(i, get(n), 1, [
      row(false),
      // the weight of row i + 1: f̂·b̂·scale
      Array.from({ length: p }, (_, k) => f64.store(get(wr), f64.mul(f64.mul(f64.load(get(fr), (m + k) * 8), f64.load(get(br), (m + k) * 8)), get(scale)), k * at.rows * 8)),
      set(fr, i32.add(get(fr), i32.const(m * 8))),
      set(br, i32.add(get(br), i32.const(m * 8))),
      set(xr, i32.add(get(xr), i32.const(p * 8))),
      set(wr, i32.add(get(wr), i32.const(8)))
    ]),
    // row n, for the edges into silent states
    silentTargets.length > 0 ? row(true) : [],
    s.map((local, e) => f64.store(i32.const(0), get(local), at.sums + e * 8))
  ]
  return fn
}

const cache = new KernelCache<KernelSpace>()
const keys = new WeakMap<Graph, string>()

function build (g: Graph): KernelSpace | undefined {
  const at = layout(g)
  const pool = new ConstantPool(at.end)
  // exp first: its index is EXP
  const functions = {
    exp: expFunction(),
    scaleRows: scaleFunction(g.p, at, false, pool),
    normalRows: scaleFunction(g.p, at, true, pool),
    forward: forwardFunction(g, at),
    backward: backwardFunction(g, at),
    terms: termsFunction(g, at)
  }
  const instance = instantiate<Exports>(functions, [], at.end, pool)
  if (instance === undefined) return undefined
  const view = (offset: number, length: number): Float64Array => new Float64Array(instance.f64.buffer, offset, length)
  const { m, p } = g
  const edges = g.from.length
  return {
    exports: instance.exports,
    rows: at.rows,
    f: view(at.f, (at.rows + 1) * m),
    b: view(at.b, (at.rows + 1) * m),
    c: view(at.c, at.rows + 1),
    x: view(at.x, at.rows * p),
    e: view(at.e, at.rows * p),
    top: view(at.top, at.rows),
    normal: view(at.normal, 4 * p),
    w: view(at.w, at.rows * p),
    prob: view(at.prob, edges),
    sums: view(at.sums, edges)
  }
}

/**
 * The kernel of g's topology, when one runs here: undefined where WebAssembly is off or
 * unavailable, or for a topology of more than {@link MAX_KERNEL_EDGES} edges (the caller then
 * runs the JavaScript loops).
 */
export function forwardBackwardKernel (g: Graph): KernelSpace | undefined {
  if (g.from.length > MAX_KERNEL_EDGES) return undefined
  let key = keys.get(g)
  if (key === undefined) {
    const lists = [g.from, g.to, g.inStart, g.inEdges, g.inEmitStart, g.inEmitEdges, g.inSilentStart, g.inSilentEdges, g.outEmitStart, g.outEmitEdges, g.outSilentStart, g.outSilentEdges]
    key = `${g.m}:${g.p}:${lists.map(list => list.join(',')).join(';')}`
    keys.set(g, key)
  }
  return cache.get(key, () => build(g))
}

/**
 * Fixtures of the long-sequence tests (long-sequence.test.ts, long-viterbi.test.ts): `.npy`
 * files of one sequence in a temporary directory removed when the test ends, the series they
 * hold, and the models (Normal, silent states, tied states, MultivariateGaussian, Discrete).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Batch } from '../../../lib/core/batch.js'
import { Random } from '../../../lib/core/random.js'
import { toSequenceBatch } from '../../../lib/core/sequence.js'
import { DiscreteDistribution } from '../../../lib/distributions/discrete.js'
import { MultivariateGaussianDistribution } from '../../../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../../../lib/distributions/normal.js'
import { formatHeader } from '../../../lib/io/npy-header.js'
import { HiddenMarkovModel } from '../../../lib/models/hmm/hmm.js'
import type { Algorithm } from '../../../lib/models/hmm/statistics.js'
import { GeneralMixtureModel } from '../../../lib/models/mixture.js'
import { State } from '../../../lib/models/state.js'

export const dir = mkdtempSync(join(tmpdir(), 'aril-hmmlong-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** Writes rows (cols per row; 1-D when cols is undefined) as a little-endian float64 `.npy`. */
export function npy (x: Float64Array, cols?: number): string {
  const path = join(dir, `x${files++}.npy`)
  const shape = cols === undefined ? [x.length] : [x.length / cols, cols]
  writeFileSync(path, Buffer.concat([Buffer.from(formatHeader('<f8', shape)), Buffer.from(x.buffer, x.byteOffset, x.byteLength)]))
  return path
}

/** A regime-switching series: runs of Normal draws around -2, 0 or 3 (every model below can emit it). */
export function series (n: number, seed: number, cols = 1): Float64Array {
  const random = new Random(seed)
  const out = new Float64Array(n * cols)
  let level = 0
  for (let i = 0; i < n; i++) {
    if (random.uniform() < 0.1) level = [-2, 0, 3][Math.floor(random.uniform() * 3)]!
    for (let c = 0; c < cols; c++) out[i * cols + c] = level + random.normal() * (1 + c * 0.5)
  }
  return out
}

export function normal3 (): HiddenMarkovModel {
  return HiddenMarkovModel.fromMatrix([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.05, 0.05, 0.9]],
    [new NormalDistribution(-2, 1), new NormalDistribution(0, 0.5), new NormalDistribution(3, 1.5)], [0.5, 0.3, 0.2], [0.01, 0.02, 0.01])
}

/** Two emitting states, two silent states between them (one silent → silent edge), an end state. */
export function silent (): HiddenMarkovModel {
  const m = new HiddenMarkovModel('silent')
  const a = new State(new NormalDistribution(-1, 1), 'a')
  const b = new State(new NormalDistribution(2, 1.5), 'b')
  const s1 = new State(null, 's1')
  const s2 = new State(null, 's2')
  m.addStates(a, b, s1, s2)
  m.addTransition(m.start, a, 0.5).addTransition(m.start, s1, 0.5)
  m.addTransition(s1, b, 0.7).addTransition(s1, s2, 0.3)
  m.addTransition(s2, a, 0.5).addTransition(s2, b, 0.5)
  m.addTransition(a, a, 0.6).addTransition(a, s1, 0.3).addTransition(a, m.end, 0.1)
  m.addTransition(b, b, 0.7).addTransition(b, s2, 0.25).addTransition(b, m.end, 0.05)
  return m.bake()
}

/** Three states, two of them sharing one distribution (tied), and a mixture emission. */
export function tied (): HiddenMarkovModel {
  const shared = new NormalDistribution(0, 1)
  const mix = new GeneralMixtureModel([new NormalDistribution(-2, 1), new NormalDistribution(3, 1)])
  return HiddenMarkovModel.fromMatrix([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8]], [shared, mix, shared], [0.4, 0.3, 0.3])
}

export function mvg (): HiddenMarkovModel {
  return HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.2, 0.8]], [
    new MultivariateGaussianDistribution([-1, 0], [[1, 0.2], [0.2, 2]]),
    new MultivariateGaussianDistribution([2, 1], [[1.5, 0], [0, 1]])
  ], [0.5, 0.5])
}

/** Symbols 0 … 3 as numbers (an `.npy` holds numbers), two states. */
export function discrete (): HiddenMarkovModel {
  const d = (p: number[]): DiscreteDistribution => new DiscreteDistribution(new Map(p.map((x, i) => [i, x])))
  return HiddenMarkovModel.fromMatrix([[0.9, 0.1], [0.15, 0.85]], [d([0.25, 0.25, 0.25, 0.25]), d([0.1, 0.2, 0.3, 0.4])], [0.5, 0.5])
}

export function symbols (n: number, seed: number): Float64Array {
  const random = new Random(seed)
  return Float64Array.from({ length: n }, () => Math.floor(random.uniform() * 4))
}

/** The in-memory E-step on the same one sequence. */
export function inMemory (make: () => HiddenMarkovModel, x: Float64Array, cols = 1, algorithm: Algorithm = 'baum-welch'): HiddenMarkovModel {
  const m = make()
  const batch: Batch = { data: x, rows: x.length / cols, cols }
  m.summarize(toSequenceBatch([batch], { cols }), { algorithm })
  return m
}

export const cases: Array<{ name: string; make: () => HiddenMarkovModel; x: Float64Array; cols?: number }> = [
  { name: 'Normal, finite', make: normal3, x: series(300, 1) },
  { name: 'silent states', make: silent, x: series(250, 2) },
  { name: 'tied states and a mixture emission', make: tied, x: series(200, 3) },
  { name: 'MultivariateGaussian', make: mvg, x: series(150, 4, 2), cols: 2 },
  { name: 'Discrete', make: discrete, x: symbols(260, 5) }
]

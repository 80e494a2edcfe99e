/**
 * Bench: HiddenMarkovModel Baum-Welch milliseconds per iteration and Viterbi decoding, against
 * pomegranate 0.14.8 (Debian's /usr/bin/python3) on the same sequences from the same initial model.
 *
 * Cases (issue 10), sequences drawn from a seeded HMM by this file and written to data/bench/ as an
 * observations .npy beside a lengths .npy (pomegranate reads them; discrete codes become symbols):
 *   (a) 3 states, Normal emissions, 10^6 observations in 1,000 sequences;
 *   (b) 10 states, Discrete emissions over 4 symbols, 10^6 observations in 1,000 sequences;
 *   (c) 5 states, 5-D full-covariance MultivariateGaussian emissions, 2·10^5 observations in 200 sequences.
 * Every library starts from the same parameters (not the generating ones) and runs a fixed number
 * of iterations without a stopping threshold; the figure is the median epoch duration of each
 * library's own history (an epoch: the M-step and one E-step pass over every sequence).
 *   - aril, 1 thread: `trainBatch` in memory;
 *   - aril, `workers: 2`: `trainStream` over `readNpySequences` (out of core, two worker threads,
 *     the pass cut in blocks of BLOCK_SEQUENCES sequences), checked to give the bits of one thread;
 *     the threads are started and waited for, then warmed by a 3-iteration fit, so the timed fit
 *     finds them as a user's next fit does;
 *   - pomegranate: `fit(sequences, algorithm='baum-welch')` with n_jobs 1 and 2, with
 *     multiple_check_input True and False (bench/pomegranate_hmm.py); the best is the baseline.
 * Viterbi: one decoding of every sequence (aril `viterbi(sequence)` one by one, and `decodeBatch` over
 * the whole SequenceBatch as predict/predictStream run it; pomegranate `model.viterbi`).
 * Ratios are peer ms / aril ms (above 1: aril is faster). Goals: >= 1.5x pomegranate on one
 * thread, >= 2.5x with `workers: 2`.
 *
 * Run: node --import tsx bench/hmm.ts (a few minutes on 2 cores, most of them pomegranate's), on an
 * otherwise idle machine: Linux's autogroup scheduler gives each session (terminal) an equal share
 * of the CPU however many threads it runs, so while another session is busy `workers: 2` gets no
 * more CPU than one thread, and its row only shows the cost of handing pieces over.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Random } from '../lib/core/random.js'
import { stringifyJSON } from '../lib/core/serialize.js'
import { toSequenceBatch, type SequenceBatch } from '../lib/core/sequence.js'
import type { Model } from '../lib/core/model.js'
import { DiscreteDistribution } from '../lib/distributions/discrete.js'
import { MultivariateGaussianDistribution } from '../lib/distributions/multivariate-gaussian.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { writeNpy } from '../lib/io/npy.js'
import { readNpySequences } from '../lib/io/sequences-npy.js'
import { HiddenMarkovModel } from '../lib/models/hmm/hmm.js'
import { best } from './best.js'
import { median } from './median.js'
import { startWorkers } from './workers.js'
import { bestOf, describeConfigs, hasPomegranate, runPython, type PeerTimings } from './pomegranate.js'

const dir = fileURLToPath(new URL('../data/bench/', import.meta.url))

interface Case {
  name: string
  kind: 'normal' | 'discrete' | 'mvg'
  states: number
  sequences: number
  length: number
  cols: number
  iterations: number
  /** Emission parameters of the initial model, as pomegranate_hmm.py reads them. */
  distributions: unknown[]
  /** Draws one observation of state s into out (cols values). */
  emit: (random: Random, s: number, out: Float64Array, at: number) => void
}

/** A transition matrix that stays with probability `stay` and moves uniformly otherwise. */
function sticky (k: number, stay: number): number[][] {
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? stay : (1 - stay) / (k - 1))))
}

const identity = (d: number, scale: number): number[][] => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? scale : 0)))

const CASES: Case[] = [
  {
    name: '(a) 3 states, Normal, 10^6 observations in 1,000 sequences',
    kind: 'normal', states: 3, sequences: 1000, length: 1000, cols: 1, iterations: 5,
    distributions: [[-1, 1.5], [0.5, 1.5], [2, 1.5]],
    emit: (r, s, out, at) => { out[at] = [-2, 0, 3][s]! + r.normal() }
  },
  {
    name: '(b) 10 states, Discrete over 4 symbols, 10^6 observations in 1,000 sequences',
    kind: 'discrete', states: 10, sequences: 1000, length: 1000, cols: 1, iterations: 5,
    distributions: Array.from({ length: 10 }, (_, s) => Object.fromEntries([0, 1, 2, 3].map(c => [String(c), (1 + ((s + c) % 4)) / 10]))),
    emit: (r, s, out, at) => { const u = r.uniform(); out[at] = (s + (u < 0.55 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3)) % 4 }
  },
  {
    name: '(c) 5 states, 5-D MultivariateGaussian, 2·10^5 observations in 200 sequences',
    kind: 'mvg', states: 5, sequences: 200, length: 1000, cols: 5, iterations: 4,
    distributions: Array.from({ length: 5 }, (_, s) => [Array.from({ length: 5 }, (_, j) => s - 2 + 0.3 * j), identity(5, 2)]),
    emit: (r, s, out, at) => { for (let j = 0; j < 5; j++) out[at + j] = 1.5 * (s - 2) + r.normal() }
  }
]

function initialModel (c: Case): HiddenMarkovModel {
  const distributions: Model[] = c.distributions.map(p => {
    if (c.kind === 'normal') return new NormalDistribution(...(p as [number, number]))
    // number keys, as the observations are numbers (an object's keys would be strings, other symbols)
    if (c.kind === 'discrete') return new DiscreteDistribution(new Map(Object.entries(p as Record<string, number>).map(([k, v]) => [Number(k), v])))
    const [mean, cov] = p as [number[], number[][]]
    return new MultivariateGaussianDistribution(mean, cov)
  })
  return HiddenMarkovModel.fromMatrix(sticky(c.states, 0.6), distributions, new Array<number>(c.states).fill(1 / c.states))
}

/** Observations of c.sequences sequences drawn from a sticky chain (the generating model is not the initial one). */
function draw (c: Case): { batch: SequenceBatch; data: Float64Array; lengths: Float64Array } {
  const random = new Random(10)
  const data = new Float64Array(c.sequences * c.length * c.cols)
  let s = 0
  for (let i = 0; i < c.sequences * c.length; i++) {
    if (i % c.length === 0) s = Math.floor(random.uniform() * c.states)
    else if (random.uniform() > 0.9) s = Math.floor(random.uniform() * c.states)
    c.emit(random, s, data, i * c.cols)
  }
  const lengths = new Float64Array(c.sequences).fill(c.length)
  const offsets = Float64Array.from({ length: c.sequences + 1 }, (_, i) => i * c.length)
  const batch: SequenceBatch = { data, rows: c.sequences * c.length, cols: c.cols, offsets }
  return { batch: toSequenceBatch(batch, { cols: c.cols }), data, lengths }
}

async function writeFiles (c: Case, data: Float64Array, lengths: Float64Array): Promise<{ observations: string; lengths: string }> {
  mkdirSync(dir, { recursive: true })
  const tag = `hmm-${c.kind}-${c.sequences}x${c.length}`
  const files = { observations: `${dir}${tag}.npy`, lengths: `${dir}${tag}-lengths.npy` }
  if (!existsSync(files.observations)) await pipeline(Readable.from([{ data, rows: data.length / c.cols, cols: c.cols }]), writeNpy(files.observations))
  if (!existsSync(files.lengths)) await pipeline(Readable.from([{ data: lengths, rows: lengths.length, cols: 1 }]), writeNpy(files.lengths))
  return files
}

/** One line of the report. */
export interface HmmBenchResult {
  name: string
  aril: number
  arilWorkers: number
  /** Whether `workers: 2` from the file gave the bits of one thread in memory. */
  sameBits: boolean
  arilViterbi: number
  /** The same decoding over the whole SequenceBatch at once (what predict and predictStream run). */
  arilDecode: number
  pomegranate: PeerTimings | undefined
  pomegranateViterbi: number | undefined
}

async function runCase (c: Case, withPomegranate: boolean): Promise<HmmBenchResult> {
  const { batch, data, lengths } = draw(c)
  const files = await writeFiles(c, data, lengths)
  const options = { maxIterations: c.iterations, stopThreshold: -Infinity }
  initialModel(c).fit(batch, { maxIterations: 1, stopThreshold: -Infinity }) // warm-up
  const one = initialModel(c)
  const aril = median(one.trainBatch(batch, options).epochs.map(e => e.duration))
  const open = (): ReturnType<typeof readNpySequences> => readNpySequences(files.observations, { lengths: files.lengths })
  // warm-up: the threads start (each loads the library), then their JIT warms over a few passes; they stay for the measured fit, as a user's next fit finds them
  await startWorkers(2)
  await initialModel(c).trainStream(open, { maxIterations: 3, stopThreshold: -Infinity, workers: 2 })
  const threaded = initialModel(c)
  const arilWorkers = median((await threaded.trainStream(open, { ...options, workers: 2 })).epochs.map(e => e.duration))
  // the figure only counts if the threads computed the very model of one thread
  const sameBits = stringifyJSON(threaded) === stringifyJSON(one)
  const model = initialModel(c)
  // best of 3 (after a warm-up), as pomegranate's best of 3: a single cold decoding times the JIT's warm-up and a collection as much as the decoding
  const arilViterbi = best(3, () => {
    for (let i = 0; i < c.sequences; i++) model.viterbi({ data: batch.data.subarray(i * c.length * c.cols, (i + 1) * c.length * c.cols), rows: c.length, cols: c.cols })
  })
  const arilDecode = best(3, () => model.decodeBatch(batch, 'viterbi'))
  let pomegranate: PeerTimings | undefined
  let pomegranateViterbi: number | undefined
  if (withPomegranate) {
    const spec = {
      ...files, kind: c.kind, starts: new Array<number>(c.states).fill(1 / c.states), transitions: sticky(c.states, 0.6),
      distributions: c.distributions, iterations: c.iterations, jobs: [1, 2]
    }
    const out = runPython<{ byConfig: Record<string, number>; viterbi: number }>('pomegranate_hmm.py', [{ json: JSON.stringify(spec) }])
    pomegranate = bestOf(Object.fromEntries(Object.entries(out.byConfig).map(([k, s]) => [k, s * 1000])))
    pomegranateViterbi = out.viterbi * 1000
  }
  return { name: c.name, aril, arilWorkers, sameBits, arilViterbi, arilDecode, pomegranate, pomegranateViterbi }
}

/** Runs every case and prints its lines; resolves with the figures. */
export async function run (): Promise<HmmBenchResult[]> {
  const withPomegranate = hasPomegranate()
  console.log('HMM Baum-Welch, milliseconds per iteration (median epoch of each library\'s history), and one Viterbi decoding of every sequence')
  if (!withPomegranate) console.log('  (pomegranate not found at /usr/bin/python3: aril alone)')
  const results: HmmBenchResult[] = []
  for (const c of CASES) {
    const r = await runCase(c, withPomegranate)
    results.push(r)
    const ratio = (peer: number | undefined, ours: number): string => (peer === undefined ? '' : ` → ${(peer / ours).toFixed(2)}x`)
    console.log(`  ${r.name}`)
    console.log(`    aril 1 thread ${r.aril.toFixed(1)} ms${ratio(r.pomegranate?.best.ms, r.aril)}; workers: 2 (from .npy) ${r.arilWorkers.toFixed(1)} ms${ratio(r.pomegranate?.best.ms, r.arilWorkers)}` +
      ` (${(r.aril / r.arilWorkers).toFixed(2)}x one thread, ${r.sameBits ? 'same bits' : 'DIFFERENT BITS from one thread'})` +
      (r.pomegranate === undefined ? '' : `; pomegranate best ${r.pomegranate.best.ms.toFixed(1)} ms (${r.pomegranate.best.config}; ${describeConfigs(r.pomegranate)})`))
    console.log(`    Viterbi: aril viterbi(sequence) ${r.arilViterbi.toFixed(1)} ms${ratio(r.pomegranateViterbi, r.arilViterbi)}, decodeBatch ${r.arilDecode.toFixed(1)} ms${ratio(r.pomegranateViterbi, r.arilDecode)}` +
      (r.pomegranateViterbi === undefined ? '' : `; pomegranate ${r.pomegranateViterbi.toFixed(1)} ms`))
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

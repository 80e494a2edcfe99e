/**
 * Bench: semi-supervised BayesClassifier of two HiddenMarkovModels, milliseconds per EM step,
 * against pomegranate 0.14.8 (Debian's /usr/bin/python3) on the same sequences, labels and
 * initial model.
 *
 * Cases: sequences drawn by this file from a seeded classifier of two HMMs (one in five labelled
 * with the class the generating classifier predicts, the rest −1), fitted from other parameters:
 *   (a) 3-state Normal HMMs, 2,000 sequences of ~100 observations;
 *   (b) 5-state Discrete HMMs over 4 symbols, 20,000 sequences of ~20 observations.
 * The figure is the median epoch duration of each library's own history (an epoch: the M-step,
 * the labelled sequences' statistics and the unlabeled sequences' E-step), over 5 EM steps.
 *   - aril, 1 thread: `fit` in memory;
 *   - aril, `workers: 2`: `fitStream` over the SequenceBatch (threads warmed by a first fit),
 *     checked to give the bits of one thread;
 *   - pomegranate: `BayesClassifier.fit` over a BaseGenerator of the sequences (its DataGenerator
 *     cannot hold sequences; bench/pomegranate_hmm_semi.py), n_jobs 1.
 * Ratios are pomegranate ms / aril ms (above 1: aril is faster).
 *
 * Run: node --import tsx bench/hmm-semi.ts (about a minute on 2 cores).
 */
import { pathToFileURL } from 'node:url'
import { stringifyJSON } from '../lib/core/serialize.js'
import { toSequenceBatch, type SequenceBatch } from '../lib/core/sequence.js'
import type { Model } from '../lib/core/model.js'
import { DiscreteDistribution } from '../lib/distributions/discrete.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { BayesClassifier } from '../lib/models/bayes-classifier.js'
import { HiddenMarkovModel } from '../lib/models/hmm/hmm.js'
import { hasPomegranate, runPython } from './pomegranate.js'
import { median } from './median.js'

interface Case {
  name: string
  kind: 'normal' | 'discrete'
  sequences: number
  /** The classifier that draws the sequences, and the one the fits start from. */
  truth: () => BayesClassifier
  start: () => BayesClassifier
}

/** A transition matrix that stays with probability `stay` and moves uniformly otherwise, and its uniform starts and ends. */
function hmm (distributions: Model[], stay: number, end: number): HiddenMarkovModel {
  const k = distributions.length
  const transitions = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? stay : (1 - stay - end) / (k - 1))))
  return HiddenMarkovModel.fromMatrix(transitions, distributions, new Array<number>(k).fill(1 / k), new Array<number>(k).fill(end))
}

const normals = (shift: number, std: number): Model[] => [0, 2, 4].map(m => new NormalDistribution(m + shift, std))
const symbols = (tilt: number): Model[] => Array.from({ length: 5 }, (_, s) => new DiscreteDistribution(Object.fromEntries(['A', 'C', 'G', 'T'].map((c, j) => [c, (1 + ((s + j + tilt) % 4)) / 10]))))

const CASES: Case[] = [
  {
    name: '(a) 3-state Normal HMMs, 2,000 sequences of ~100 observations',
    kind: 'normal', sequences: 2000,
    truth: () => new BayesClassifier([hmm(normals(0, 1), 0.8, 0.01), hmm(normals(0.7, 1), 0.6, 0.01)]),
    start: () => new BayesClassifier([hmm(normals(0.2, 1.5), 0.6, 0.02), hmm(normals(0.5, 1.5), 0.6, 0.02)])
  },
  {
    name: '(b) 5-state Discrete HMMs over 4 symbols, 20,000 sequences of ~20 observations',
    kind: 'discrete', sequences: 20000,
    truth: () => new BayesClassifier([hmm(symbols(0), 0.7, 0.05), hmm(symbols(1), 0.5, 0.05)]),
    start: () => new BayesClassifier([hmm(symbols(0), 0.5, 0.05), hmm(symbols(2), 0.5, 0.05)])
  }
]

/** One line of the report. */
export interface HmmSemiBenchResult {
  name: string
  aril: number
  arilWorkers: number
  /** Whether `workers: 2` gave the bits of one thread. */
  sameBits: boolean
  pomegranate: number | undefined
  /** Relative difference of the last epoch's log-likelihood, aril vs pomegranate (the same fit). */
  difference: number | undefined
}

const ITERATIONS = 5

async function runCase (c: Case, withPomegranate: boolean): Promise<HmmSemiBenchResult> {
  const truth = c.truth()
  const sequences = truth.sample(c.sequences, { seed: 3 }) as unknown as Array<Array<number | string>>
  const labels = Float64Array.from(truth.predict(sequences), (y, i) => (i % 5 === 0 ? y : -1))
  const batch: SequenceBatch = { ...toSequenceBatch(sequences, { categorical: c.kind === 'discrete' }), labels }
  const options = { maxIterations: ITERATIONS, stopThreshold: -Infinity }
  c.start().fit(batch, { maxIterations: 1, stopThreshold: -Infinity }) // warm-up
  const one = c.start().fit(batch, options)
  const aril = median(one.history!.epochs.map(e => e.duration))
  // warm-up: the threads start and stay for the measured fit, as a user's next fit finds them
  await c.start().fitStream([batch], { maxIterations: 2, stopThreshold: -Infinity, workers: 2 })
  const threaded = await c.start().fitStream([batch], { ...options, workers: 2 })
  const arilWorkers = median(threaded.history!.epochs.map(e => e.duration))
  const sameBits = stringifyJSON(threaded) === stringifyJSON(one)
  let pomegranate: number | undefined
  let difference: number | undefined
  if (withPomegranate) {
    const spec = { kind: c.kind, sequences, labels: Array.from(labels), model: c.start().toJSON(), iterations: ITERATIONS }
    const out = runPython<{ seconds: number; logProbability: number }>('pomegranate_hmm_semi.py', [{ json: JSON.stringify(spec) }])
    pomegranate = out.seconds * 1000
    const ours = one.history!.epochs.at(-1)!.logProbability
    difference = Math.abs(ours - out.logProbability) / Math.abs(out.logProbability)
  }
  return { name: c.name, aril, arilWorkers, sameBits, pomegranate, difference }
}

/** Runs every case and prints its lines; resolves with the figures. */
export async function run (): Promise<HmmSemiBenchResult[]> {
  const withPomegranate = hasPomegranate()
  console.log('Semi-supervised BayesClassifier of two HMMs (one sequence in five labelled), milliseconds per EM step (median epoch of each library\'s history)')
  if (!withPomegranate) console.log('  (pomegranate not found at /usr/bin/python3: aril alone)')
  const results: HmmSemiBenchResult[] = []
  for (const c of CASES) {
    const r = await runCase(c, withPomegranate)
    results.push(r)
    const ratio = (ours: number): string => (r.pomegranate === undefined ? '' : ` → ${(r.pomegranate / ours).toFixed(2)}x`)
    console.log(`  ${r.name}`)
    console.log(`    aril 1 thread ${r.aril.toFixed(1)} ms${ratio(r.aril)}; workers: 2 ${r.arilWorkers.toFixed(1)} ms${ratio(r.arilWorkers)}` +
      ` (${(r.aril / r.arilWorkers).toFixed(2)}x one thread, ${r.sameBits ? 'same bits' : 'DIFFERENT BITS from one thread'})` +
      (r.pomegranate === undefined ? '' : `; pomegranate ${r.pomegranate.toFixed(1)} ms (log-likelihood after ${ITERATIONS} steps ${r.difference!.toExponential(1)} apart)`))
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

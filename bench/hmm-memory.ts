/**
 * Bench: an HMM's peak memory is flat in the number of sequences (issue 10). For 10^4, 10^5 and
 * 10^6 sequences of 20 steps (2·10^5 … 2·10^7 observations, one `.npy` of observations and one of
 * lengths, made on first use in data/bench/), a fresh child process trains a 3-state Normal HMM
 * for 2 Baum-Welch iterations with `fitStream` over `readNpySequences`, and reports its peak RSS
 * (VmHWM, bench/peak-rss.ts) and seconds; another child only loads node, tsx and aril.
 * Every child runs with V8's heap capped (`--max-old-space-size=48 --max-semi-space-size=4`), so
 * the fit of 10^6 sequences could not even finish if it held their 160 MB of observations; what
 * the peak RSS still gains with the sequences is the allocator's and the reads' buffers.
 *
 * Run: node --import tsx bench/hmm-memory.ts (about a minute on 2 cores).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { Random } from '../lib/core/random.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { readNpySequences } from '../lib/io/sequences-npy.js'
import { writeNpy } from '../lib/io/npy.js'
import { HiddenMarkovModel } from '../lib/models/hmm/hmm.js'
import { peakRssMB } from './peak-rss.js'

const DATA = fileURLToPath(new URL('../data/bench/', import.meta.url))
const STEPS = 20
const COUNTS = [1e4, 1e5, 1e6]
const HEAP_CAP = ['--max-old-space-size=48', '--max-semi-space-size=4']

/** The observations and lengths of `sequences` sequences (a sticky 3-level walk with noise), written once. */
async function ensureFiles (sequences: number): Promise<{ observations: string; lengths: string }> {
  const observations = join(DATA, `hmm-memory-${sequences}.npy`)
  const lengths = join(DATA, `hmm-memory-${sequences}-lengths.npy`)
  if (existsSync(observations) && existsSync(lengths)) return { observations, lengths }
  await mkdir(DATA, { recursive: true })
  const random = new Random(7)
  const rows = async function * (): AsyncGenerator<Float64Array> {
    for (let done = 0; done < sequences;) {
      const n = Math.min(4096, sequences - done)
      const x = new Float64Array(n * STEPS)
      for (let s = 0; s < n; s++) {
        let level = Math.floor(random.uniform() * 3)
        for (let i = 0; i < STEPS; i++) {
          if (random.uniform() < 0.1) level = Math.floor(random.uniform() * 3)
          x[s * STEPS + i] = 3 * level + random.normal()
        }
      }
      done += n
      yield x
    }
  }
  await pipeline(Readable.from(rows()), writeNpy(observations + '.part', { cols: 1 }))
  await pipeline(Readable.from([new Float64Array(sequences).fill(STEPS)]), writeNpy(lengths + '.part', { cols: 1, dtype: 'i4' }))
  await rename(observations + '.part', observations)
  await rename(lengths + '.part', lengths)
  return { observations, lengths }
}

/** In the child: 2 Baum-Welch iterations over the files (or nothing, with no files); prints peak RSS and seconds. */
async function childFit (observations: string | undefined, lengths: string | undefined): Promise<void> {
  const started = performance.now()
  if (observations !== undefined && lengths !== undefined) {
    const hmm = HiddenMarkovModel.fromMatrix(
      [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]],
      [new NormalDistribution(0, 1), new NormalDistribution(3, 1), new NormalDistribution(6, 1)],
      [1 / 3, 1 / 3, 1 / 3])
    await hmm.fitStream(() => readNpySequences(observations, { lengths }), { maxIterations: 2, stopThreshold: -1 })
  }
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMB: peakRssMB() }))
}

function child (files: string[]): { seconds: number; maxRssMB: number } {
  const out = execFileSync(process.execPath, [...HEAP_CAP, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...files], { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; maxRssMB: number }
}

/** Runs the bench and prints its lines; resolves with the peak RSS per sequence count. */
export async function run (): Promise<Record<string, number>> {
  console.log(`HMM peak memory: 3 Normal states, 2 Baum-Welch iterations by fitStream over readNpySequences, sequences of ${STEPS} steps, node ${HEAP_CAP.join(' ')}`)
  const base = child([])
  console.log(`loading node, tsx and aril only: ${base.maxRssMB.toFixed(0)} MB`)
  const peaks: Record<string, number> = {}
  for (const count of COUNTS) {
    const { observations, lengths } = await ensureFiles(count)
    const r = child([observations, lengths])
    peaks[String(count)] = r.maxRssMB
    console.log(`${String(count).padStart(8)} sequences (${count * STEPS} observations): peak RSS ${r.maxRssMB.toFixed(0)} MB, ${r.seconds.toFixed(1)} s`)
  }
  const values = Object.values(peaks)
  console.log(`100x the sequences: peak RSS x${(Math.max(...values) / Math.min(...values)).toFixed(2)} (the observations x100; a heap of 48 MB holds none of them)`)
  return peaks
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child')
  if (at >= 0) await childFit(process.argv[at + 1], process.argv[at + 2])
  else await run()
}

/**
 * The scale check of one HMM sequence longer than memory (issue 10): one E-step of a 3-state
 * Normal HMM (with an end state) over a single sequence of 10^6 or 10^7 steps, Baum-Welch and
 * Viterbi, checkpointed from `.npy` (`summarizeLongSequence`, ⌈√T⌉ rows per segment) against the
 * in-memory E-step (`summarize([sequence], { algorithm })`).
 *
 * Data: a regime-switching series (runs of Normal draws around -2, 0 or 3, seed 1), written once to
 * data/hmm-long/x<T>.npy (float64). Each E-step runs in a child process so that its peak RSS is its
 * own; the four kinds take turns (A B C D A B C D ...) so that a change in the machine's load falls
 * on all of them. Prints per kind the median seconds and peak RSS over the rounds, and whether the
 * checkpointed statistics are the in-memory ones bit for bit (their summaries compared as JSON).
 *
 * Run: node --import tsx scripts/hmm-long-sequence.ts [T = 1e6] [rounds = 3]
 *   (10^7: about 4 minutes per round on 2 cores, 2 GB for the in-memory E-step; 80 MB on disk)
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { HiddenMarkovModel, NormalDistribution, Random, stringifyJSON } from '../lib/index.js'
import { formatHeader } from '../lib/io/npy-header.js'
import { peakRssMB } from '../bench/peak-rss.js'

const DIR = fileURLToPath(new URL('../data/hmm-long/', import.meta.url))
const KINDS = ['baum-welch long', 'baum-welch memory', 'viterbi long', 'viterbi memory'] as const

function model (): HiddenMarkovModel {
  return HiddenMarkovModel.fromMatrix([[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.05, 0.05, 0.9]],
    [new NormalDistribution(-2, 1), new NormalDistribution(0, 0.5), new NormalDistribution(3, 1.5)], [0.5, 0.3, 0.2], [0.01, 0.02, 0.01])
}

function series (n: number): Float64Array {
  const random = new Random(1)
  const x = new Float64Array(n)
  let level = 0
  for (let i = 0; i < n; i++) {
    if (random.uniform() < 0.1) level = [-2, 0, 3][Math.floor(random.uniform() * 3)]!
    x[i] = level + random.normal()
  }
  return x
}

/** In the child: one E-step of `kind`; prints seconds, peak RSS and a hash of the statistics. */
async function child (path: string, kind: string): Promise<void> {
  const [algorithm, where] = kind.split(' ') as ['baum-welch' | 'viterbi', string]
  const m = model()
  const t0 = performance.now()
  if (where === 'long') await m.summarizeLongSequence(path, { algorithm })
  else {
    const bytes = readFileSync(path)
    const offset = 10 + bytes.readUInt16LE(8)
    const start = bytes.byteOffset + offset
    // a view where the data is aligned (as a file of its own is), else a copy
    const x = start % 8 === 0 ? new Float64Array(bytes.buffer, start, (bytes.length - offset) / 8) : new Float64Array(bytes.buffer.slice(start, bytes.byteOffset + bytes.length))
    m.summarize([x], { algorithm })
  }
  const seconds = (performance.now() - t0) / 1000
  const hash = createHash('sha256').update(stringifyJSON(m.summary())).digest('hex').slice(0, 16)
  console.log(JSON.stringify({ seconds, rssMB: peakRssMB(), hash }))
}

function median (xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const h = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2
}

async function main (): Promise<void> {
  const T = Number(process.argv[2] ?? 1e6)
  const rounds = Number(process.argv[3] ?? 3)
  const path = `${DIR}x${T}.npy`
  if (!existsSync(path)) {
    mkdirSync(DIR, { recursive: true })
    const x = series(T)
    writeFileSync(path, Buffer.concat([Buffer.from(formatHeader('<f8', [T])), Buffer.from(x.buffer)]))
  }
  const runs = new Map<string, Array<{ seconds: number; rssMB: number; hash: string }>>(KINDS.map(k => [k, []]))
  for (let r = 0; r < rounds; r++) {
    for (const kind of KINDS) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path, kind], { encoding: 'utf8' })
      runs.get(kind)!.push(JSON.parse(out.trim().split('\n').pop()!))
    }
  }
  console.log(`one sequence of ${T} steps, ${rounds} rounds, load average ${(await import('node:os')).loadavg().map(x => x.toFixed(1)).join(' ')}`)
  for (const kind of KINDS) {
    const rs = runs.get(kind)!
    const [algorithm, where] = kind.split(' ')
    const same = rs.every(x => x.hash === runs.get(`${algorithm} memory`)![0]!.hash)
    const check = where === 'memory' ? 'the reference' : same ? '== in memory' : 'DIFFER from in memory'
    console.log(`${kind.padEnd(18)} ${median(rs.map(x => x.seconds)).toFixed(2)} s (${rs.map(x => x.seconds.toFixed(2)).join(' ')}), peak RSS ${median(rs.map(x => x.rssMB)).toFixed(0)} MB, statistics ${check}`)
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!)
else await main()

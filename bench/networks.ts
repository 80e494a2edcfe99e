/**
 * Bench: Bayesian networks against pomegranate 0.14.8, side by side in one run.
 *
 * Data: rows drawn (aril's seeded `Random`, ancestral sampling) from known networks of
 * categorical variables: an Asia-like net of 8 binary nodes, and random nets of 12 and 20 nodes
 * with 2 or 3 categories each and up to 2 parents, held in memory as float64 codes (the same
 * rows are written to a temporary file for pomegranate's child process, bench/pomegranate_networks.py).
 *
 * Compared, milliseconds (best of REPEATS; pomegranate's first run is its own):
 *   - `fromSamples` with 'chow-liu' on 10^6 × 20, 'greedy' and 'exact' on 10^5 × 8 and
 *     10^5 × 12 (aril in memory, and streamed in batches of 8192 rows through `fromStream` for
 *     Chow-Liu), vs `BayesianNetwork.from_samples`;
 *   - fitting a fixed structure (Asia's) on 10^6 rows: `fromStructure` vs `from_structure`;
 *   - `predictProba` on the Asia-like net, two missing values per row: rows per second
 *     (pomegranate on 2,000 rows, aril on 50,000).
 * Each line prints the speed ratio pomegranate / aril (goal: at least 1.5) and whether both
 * learned the same structure.
 *
 * Run: node --import tsx bench/networks.ts (a few minutes on 2 cores; pomegranate dominates).
 */
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { sliceBatch, type Batch } from '../lib/core/batch.js'
import { Random } from '../lib/core/random.js'
import { BayesianNetwork } from '../lib/models/bayesian-network/network.js'
import { hasPomegranate, runPomegranate } from './pomegranate.js'
import { best } from './best.js'

const REPEATS = Number(process.env.NETWORK_BENCH_REPEATS ?? 2)

interface Net { structure: number[][]; cards: number[]; tables: Float64Array[] }

const soft = (p: number): number[] => [1 - p, p]
const ASIA: Net = {
  structure: [[], [0], [], [2], [2], [1, 3], [5], [5, 4]],
  cards: [2, 2, 2, 2, 2, 2, 2, 2],
  tables: [
    [soft(0.3)], [soft(0.05), soft(0.4)], [soft(0.5)], [soft(0.1), soft(0.45)], [soft(0.3), soft(0.7)],
    [soft(0.05), soft(0.95), soft(0.95), soft(0.98)], [soft(0.1), soft(0.9)], [soft(0.1), soft(0.8), soft(0.7), soft(0.9)]
  ].map(rows => Float64Array.from(rows.flat()))
}

function randomNet (d: number, seed: number): Net {
  const r = new Random(seed)
  const cards = Array.from({ length: d }, () => 2 + Math.floor(r.uniform() * 2))
  const structure = Array.from({ length: d }, (_, i) => {
    const k = Math.min(i, Math.floor(r.uniform() * 3))
    const parents = new Set<number>()
    while (parents.size < k) parents.add(Math.floor(r.uniform() * i))
    return [...parents].sort((a, b) => a - b)
  })
  const tables = structure.map((parents, i) => {
    const combos = parents.reduce((n, p) => n * cards[p]!, 1)
    const t = new Float64Array(combos * cards[i]!)
    for (let c = 0; c < combos; c++) {
      let total = 0
      for (let x = 0; x < cards[i]!; x++) total += t[c * cards[i]! + x] = 0.05 + r.uniform() ** 2
      for (let x = 0; x < cards[i]!; x++) t[c * cards[i]! + x]! /= total
    }
    return t
  })
  return { structure, cards, tables }
}

function sample (net: Net, n: number, seed: number): Batch {
  const d = net.cards.length
  const r = new Random(seed)
  const data = new Float64Array(n * d)
  for (let row = 0; row < n; row++) {
    for (let i = 0; i < d; i++) { // parents always come before children in these nets
      let at = 0
      for (const p of net.structure[i]!) at = at * net.cards[p]! + data[row * d + p]!
      const k = net.cards[i]!
      let u = r.uniform()
      let x = 0
      while (x < k - 1 && u >= net.tables[i]![at * k + x]!) u -= net.tables[i]![at * k + x++]!
      data[row * d + i] = x
    }
  }
  return { data, rows: n, cols: d }
}

interface Line { what: string; arilMs: number; pomegranateMs: number | undefined; same?: boolean | undefined }

function report (line: Line): Line {
  const ratio = line.pomegranateMs === undefined ? 'pomegranate not available' : `${(line.pomegranateMs / line.arilMs).toFixed(1)}x faster than pomegranate (${line.pomegranateMs.toFixed(0)} ms)`
  const same = line.same === undefined ? '' : line.same ? ', same structure' : ', DIFFERENT structure'
  console.log(`${line.what.padEnd(44)} ${line.arilMs.toFixed(0).padStart(7)} ms   ${ratio}${same}`)
  return line
}

/** Runs the bench and prints the figures; resolves with them. */
export async function run (): Promise<Line[]> {
  const python = hasPomegranate()
  const lines: Line[] = []
  const learn = (what: string, batch: Batch, options: { algorithm: 'chow-liu' | 'greedy' | 'exact'; maxParents?: number }): void => {
    let net: BayesianNetwork | undefined
    const arilMs = best(REPEATS, () => { net = BayesianNetwork.fromSamples(batch, options) })
    const theirs = python ? runPomegranate<{ ms: number; structure: number[][] }>('pomegranate_networks.py', ['from_samples', batch.data, batch.rows, batch.cols, 1, { json: JSON.stringify({ algorithm: options.algorithm, ...(options.maxParents === undefined ? {} : { max_parents: options.maxParents }) }) }]) : undefined
    lines.push(report({ what, arilMs, pomegranateMs: theirs?.ms, same: theirs === undefined ? undefined : JSON.stringify(theirs.structure) === JSON.stringify(net!.structure) }))
  }
  const net20 = sample(randomNet(20, 1), 1_000_000, 2)
  learn('chow-liu, 10^6 × 20', net20, { algorithm: 'chow-liu' })
  const batches: Batch[] = []
  for (let s = 0; s < net20.rows; s += 8192) batches.push(sliceBatch(net20, s, Math.min(net20.rows, s + 8192)))
  let streamMs = Infinity
  for (let i = 0; i < 2; i++) {
    const started = performance.now()
    await BayesianNetwork.fromStream(() => Readable.from(batches), { algorithm: 'chow-liu' })
    streamMs = Math.min(streamMs, performance.now() - started)
  }
  lines.push(report({ what: 'chow-liu, 10^6 × 20, streamed (fromStream)', arilMs: streamMs, pomegranateMs: lines[0]!.pomegranateMs }))
  const asia = sample(ASIA, 100_000, 3)
  const net12 = sample(randomNet(12, 4), 100_000, 5)
  learn('greedy, 10^5 × 8 (Asia)', asia, { algorithm: 'greedy' })
  learn('greedy, 10^5 × 12', net12, { algorithm: 'greedy' })
  learn('exact, 10^5 × 8 (Asia)', asia, { algorithm: 'exact' })
  learn('exact, 10^5 × 12', net12, { algorithm: 'exact' })
  const big = sample(ASIA, 1_000_000, 6)
  const fitMs = best(REPEATS, () => { BayesianNetwork.fromStructure(big, ASIA.structure) })
  const fitTheirs = python ? runPomegranate<{ ms: number }>('pomegranate_networks.py', ['from_structure', big.data, big.rows, big.cols, 1, { json: JSON.stringify({ structure: ASIA.structure }) }]) : undefined
  lines.push(report({ what: 'fixed structure (Asia), 10^6 rows', arilMs: fitMs, pomegranateMs: fitTheirs?.ms }))
  // predictProba: two missing values per row.
  const model = BayesianNetwork.fromStructure(asia, ASIA.structure)
  const queries = sample(ASIA, 50_000, 7)
  const r = new Random(8)
  for (let row = 0; row < queries.rows; row++) {
    const a = Math.floor(r.uniform() * 8)
    const b = (a + 1 + Math.floor(r.uniform() * 7)) % 8
    queries.data[row * 8 + a] = NaN
    queries.data[row * 8 + b] = NaN
  }
  const predictMs = best(REPEATS, () => { model.predictProba(queries) })
  const few = sliceBatch(queries, 0, 2000)
  const predictTheirs = python ? runPomegranate<{ ms: number }>('pomegranate_networks.py', ['predict_proba', Float64Array.from(few.data), few.rows, 8, 1, { json: JSON.stringify({ structure: ASIA.structure, train_rows: asia.rows }) }, asia.data]) : undefined
  const arilRate = queries.rows / predictMs * 1000
  const theirRate = predictTheirs === undefined ? undefined : few.rows / predictTheirs.ms * 1000
  console.log(`predictProba, Asia, 2 missing per row: ${arilRate.toFixed(0)} rows/s` + (theirRate === undefined ? '' : `   ${(arilRate / theirRate).toFixed(1)}x pomegranate (${theirRate.toFixed(0)} rows/s)`))
  lines.push({ what: 'predictProba rows/s', arilMs: 1000 / arilRate, pomegranateMs: theirRate === undefined ? undefined : 1000 / theirRate })
  return lines
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run()

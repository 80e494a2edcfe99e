/**
 * The scale check of the graphical models (issue 11): structure learning out of core on
 * 10^7 rows × 12 categorical columns, streamed from CSV and from `.npy`, with flat memory.
 *
 * Data: a 10^5-row prefix drawn from a random 12-node network (2 or 3 categories per node),
 * repeated 100 times, written once to data/networks-scale/ as `rows.csv` (digits) and `rows.npy`
 * (uint8). Each fit runs in a child process so that its peak RSS is its own:
 *   - `BayesianNetwork.fromStream(readCsv(...))` and `fromStream(readNpy(...))` with 'greedy'
 *     (maxParents 2) and 'chow-liu';
 *   - the reference: `fromSamples(prefix, { weights: 100 for every row })` in memory, which has the
 *     same counts exactly, so the streamed networks must have the same structure and the same
 *     bits (compared as JSON text).
 * Prints, per fit: seconds, rows per second, peak RSS (goal: under 200 MB), and whether the JSON
 * equals the reference.
 *
 * Run: node --import tsx scripts/networks-scale.ts   (about 10 minutes on 2 cores; 360 MB on disk)
 */
import { execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BayesianNetwork, Random, readCsv, readNpy, writeNpy, type Batch } from '../lib/index.js'
import { peakRssMB } from '../bench/peak-rss.js'

const DIR = fileURLToPath(new URL('../data/networks-scale/', import.meta.url))
const PREFIX = 100_000
const REPEAT = 100
const D = 12

function prefix (): Batch {
  const r = new Random(12)
  const cards = Array.from({ length: D }, () => 2 + Math.floor(r.uniform() * 2))
  const parents = Array.from({ length: D }, (_, i) => i === 0 ? [] : [Math.floor(r.uniform() * i), ...(i > 1 && r.uniform() < 0.5 ? [Math.floor(r.uniform() * i)] : [])].filter((p, j, a) => a.indexOf(p) === j))
  const tables = parents.map((ps, i) => Array.from({ length: ps.reduce((n, p) => n * cards[p]!, 1) }, () => {
    const w = Array.from({ length: cards[i]! }, () => 0.1 + r.uniform() ** 2)
    const total = w.reduce((a, b) => a + b, 0)
    return w.map(x => x / total)
  }))
  const data = new Float64Array(PREFIX * D)
  for (let row = 0; row < PREFIX; row++) {
    for (let i = 0; i < D; i++) {
      let at = 0
      for (const p of parents[i]!) at = at * cards[p]! + data[row * D + p]!
      let u = r.uniform()
      let x = 0
      const p = tables[i]![at]!
      while (x < p.length - 1 && u >= p[x]!) u -= p[x++]!
      data[row * D + i] = x
    }
  }
  return { data, rows: PREFIX, cols: D }
}

async function writeData (batch: Batch): Promise<void> {
  mkdirSync(DIR, { recursive: true })
  if (!existsSync(DIR + 'rows.csv')) {
    const lines: string[] = []
    for (let r = 0; r < batch.rows; r++) lines.push(Array.from(batch.data.subarray(r * D, (r + 1) * D)).join(','))
    const block = lines.join('\n') + '\n'
    const out = createWriteStream(DIR + 'rows.csv')
    for (let i = 0; i < REPEAT; i++) if (!out.write(block)) await once(out, 'drain')
    out.end()
    await once(out, 'finish')
  }
  if (!existsSync(DIR + 'rows.npy')) {
    await pipeline(Readable.from((function * () { for (let i = 0; i < REPEAT; i++) yield batch })()), writeNpy(DIR + 'rows.npy', { dtype: 'u1' }))
  }
}

const OPTIONS = { greedy: { algorithm: 'greedy', maxParents: 2 }, 'chow-liu': { algorithm: 'chow-liu' } } as const

async function child (source: 'csv' | 'npy' | 'memory', algorithm: keyof typeof OPTIONS): Promise<void> {
  const started = performance.now()
  let net: BayesianNetwork
  if (source === 'memory') {
    net = BayesianNetwork.fromSamples(prefix(), { ...OPTIONS[algorithm], weights: new Float64Array(PREFIX).fill(REPEAT) })
  } else {
    const open = source === 'csv' ? () => readCsv(DIR + 'rows.csv', { rowsPerBatch: 65536 }) : () => readNpy(DIR + 'rows.npy')
    net = await BayesianNetwork.fromStream(open, OPTIONS[algorithm])
  }
  const seconds = (performance.now() - started) / 1000
  writeFileSync(`${DIR}${source}-${algorithm}.json`, JSON.stringify(net))
  console.log(JSON.stringify({ seconds, rss: peakRssMB() * 2 ** 20, structure: net.structure }))
}

const [mode, algorithm] = process.argv.slice(2) as [('csv' | 'npy' | 'memory') | undefined, keyof typeof OPTIONS | undefined]
if (mode !== undefined) {
  await child(mode, algorithm!)
} else {
  await writeData(prefix())
  const { readFileSync } = await import('node:fs')
  for (const alg of Object.keys(OPTIONS) as Array<keyof typeof OPTIONS>) {
    const results = (['memory', 'npy', 'csv'] as const).map(source => {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), source, alg], { encoding: 'utf8', maxBuffer: 1 << 24 })
      return { source, ...JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; rss: number; structure: number[][] } }
    })
    const reference = readFileSync(`${DIR}memory-${alg}.json`, 'utf8')
    for (const r of results) {
      const same = readFileSync(`${DIR}${r.source}-${alg}.json`, 'utf8') === reference
      const rows = r.source === 'memory' ? PREFIX : PREFIX * REPEAT
      console.log(`${alg.padEnd(8)} ${r.source.padEnd(6)} ${r.seconds.toFixed(1).padStart(6)} s  ${(rows / r.seconds / 1e6).toFixed(2).padStart(5)} M rows/s  peak RSS ${(r.rss / 2 ** 20).toFixed(0).padStart(4)} MB  ${r.source === 'memory' ? 'reference' : same ? 'same JSON as the reference' : 'DIFFERENT from the reference'}  ${JSON.stringify(r.structure)}`)
    }
  }
}

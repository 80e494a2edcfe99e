/**
 * Bench: fitting a model straight from a big `.npy` file.
 *
 * Data: `data/bench/normal-<rows>.npy` (git-ignored), `rows` float64 draws of N(3, 2) in shape
 * (rows,), written on first use by `writeNpy` from aril's seeded `Random` (1e8 rows = 800 MB; 5e8
 * rows = 4 GB). Timings are made with the file in the page cache (it has just been written or read).
 *
 * Compared side by side in one process, best of three alternating passes:
 *   (a) the floor: `fs.createReadStream(file, { highWaterMark: 1 MiB })` and a plain loop summing
 *       x and x·x over a Float64Array view of each chunk (no model, no exactness);
 *   (b) aril: `pipeline(readNpy(file), new NormalDistribution(0, 1).sink())` (exact blocked sums);
 * printed as rows/s each and the ratio b/a (goal >= 1.0).
 * Then the peak RSS of (b), each in a fresh child process, on 1e8 rows and (with `--large`) 5e8
 * rows (goal: under 150 MB and within 20 MB of each other, i.e. flat in the file size).
 * When Debian's /usr/bin/python3 can import pomegranate, also pomegranate 0.14.8 on the mapped file
 * (`numpy.load(file, mmap_mode='r')`): `NormalDistribution().fit(X)` on the whole array and
 * `summarize` over slices of 10^6 and 10^7 rows (bench/pomegranate_normal.py, best of three each,
 * each mapping the file afresh, without the OpenBLAS overrides) in a child process, and aril's
 * speed over the best of them (goal >= 1.5x).
 *
 * Run: node --import tsx bench/npy.ts [--rows 100000000] [--large]
 * (about a minute on 2 cores once the file exists; generating it takes about as long again).
 */
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Random } from '../lib/core/random.js'
import { NormalDistribution } from '../lib/distributions/normal.js'
import { readNpy, writeNpy } from '../lib/io/npy.js'
import { bestOf, describeConfigs, hasPomegranate, runPython, type PeerTimings } from './pomegranate.js'
import { peakRssMB } from './peak-rss.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const DATA = join(HERE, '..', 'data', 'bench')
const DATA_OFFSET = 128 // a one-dimensional float64 array's header is 128 bytes long

/** Writes `rows` N(3, 2) draws with the streaming writer, unless the file already exists. */
export async function ensureFile (rows: number): Promise<string> {
  const file = join(DATA, `normal-${rows}.npy`)
  if (existsSync(file)) return file
  await mkdir(DATA, { recursive: true })
  const started = performance.now()
  const random = new Random(42)
  const batches = async function * (): AsyncGenerator<Float64Array> {
    for (let done = 0; done < rows;) {
      const n = Math.min(131072, rows - done)
      const x = new Float64Array(n)
      for (let i = 0; i < n; i++) x[i] = 3 + 2 * random.normal()
      done += n
      yield x
    }
  }
  // Written under a temporary name, so an interrupted run is not mistaken for a complete file.
  await pipeline(Readable.from(batches()), writeNpy(file + '.part', { cols: 1 }))
  await rename(file + '.part', file)
  console.log(`generated ${file} (${rows} rows) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return file
}

/** (a) The floor: raw chunks of 1 MiB and a plain sum of x and x². */
async function plainSum (file: string): Promise<{ rows: number; mean: number }> {
  let s1 = 0
  let s2 = 0
  let n = 0
  for await (const chunk of createReadStream(file, { start: DATA_OFFSET, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    // fs allocates each chunk in its own buffer, and 128 and 1 MiB are multiples of 8: the view is aligned.
    const x = new Float64Array(chunk.buffer, chunk.byteOffset, chunk.length >> 3)
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!
      s1 += v
      s2 += v * v
    }
    n += x.length
  }
  return { rows: n, mean: s1 / n + 0 * s2 }
}

/** (b) aril: readNpy into a NormalDistribution's sink. */
async function arilFit (file: string): Promise<NormalDistribution> {
  const model = new NormalDistribution(0, 1)
  await pipeline(readNpy(file), model.sink())
  return model
}

async function seconds (fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return (performance.now() - started) / 1000
}

/** Runs (b) in a fresh process and reads its peak RSS; with file '' the process only loads the modules. */
function childFit (file: string): { rows: number; seconds: number; maxRssMB: number; parameters: number[] } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child-fit', file], { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!) as { rows: number; seconds: number; maxRssMB: number; parameters: number[] }
}

function pomegranate (file: string): { timings: PeerTimings; parameters: number[] } | undefined {
  if (!hasPomegranate()) return undefined
  const out = runPython<{ byConfig: Record<string, number>; parameters: number[] }>('pomegranate_normal.py', [file, 'None,1000000,10000000'])
  return { timings: bestOf(out.byConfig), parameters: out.parameters }
}

const rate = (rows: number, s: number): string => `${(rows / s / 1e6).toFixed(1)} M rows/s`

/** Runs the bench and prints its lines. */
export async function run (options: { rows?: number; large?: boolean } = {}): Promise<void> {
  const rows = options.rows ?? 1e8
  const file = await ensureFile(rows)
  console.log(`npy bench: ${rows} float64 rows, ${file}`)
  await plainSum(file) // warm the page cache and the JIT
  let a = Infinity
  let b = Infinity
  for (let pass = 0; pass < 3; pass++) {
    a = Math.min(a, await seconds(() => plainSum(file)))
    b = Math.min(b, await seconds(() => arilFit(file)))
  }
  console.log(`(a) createReadStream 1 MiB + plain Σx, Σx² loop: ${rate(rows, a)} (${a.toFixed(3)} s)`)
  console.log(`(b) readNpy → NormalDistribution.sink():        ${rate(rows, b)} (${b.toFixed(3)} s)`)
  console.log(`ratio b/a (speed of b over a): ${(a / b).toFixed(2)} (goal >= 1.0)`)

  const idle = childFit('')
  console.log(`peak RSS of a child process that only loads node, tsx and aril: ${idle.maxRssMB.toFixed(1)} MB`)
  const small = childFit(file)
  console.log(`peak RSS fitting ${small.rows} rows in a child process: ${small.maxRssMB.toFixed(1)} MB (${rate(small.rows, small.seconds)})`)
  if (options.large === true) {
    const big = childFit(await ensureFile(5e8))
    console.log(`peak RSS fitting ${big.rows} rows in a child process: ${big.maxRssMB.toFixed(1)} MB (${rate(big.rows, big.seconds)})`)
    console.log(`RSS difference: ${(big.maxRssMB - small.maxRssMB).toFixed(1)} MB (goal: within 20 MB, both under 150 MB)`)
  } else {
    console.log('(pass --large to also measure a 5e8-row, 4 GB file)')
  }

  const pg = pomegranate(file)
  if (pg === undefined) {
    console.log('pomegranate: not importable by /usr/bin/python3, skipped')
  } else {
    const model = await arilFit(file)
    const seconds = pg.timings.best.ms
    console.log(`pomegranate 0.14.8 on numpy.load(mmap_mode='r'), seconds by batch size: ${describeConfigs(pg.timings, 3)}; best ${pg.timings.best.config}: ${rate(rows, seconds)}, parameters ${pg.parameters.join(', ')}`)
    console.log(`aril over pomegranate: ${(seconds / b).toFixed(2)}x (goal >= 1.5x); aril parameters ${model.parameters.join(', ')}`)
  }
}

async function childMain (file: string): Promise<void> {
  const started = performance.now()
  const model = file === '' ? new NormalDistribution() : await arilFit(file)
  const s = (performance.now() - started) / 1000
  const rows = Number(file.match(/normal-(\d+)\.npy$/)?.[1] ?? 0)
  console.log(JSON.stringify({ rows, seconds: s, maxRssMB: peakRssMB(), parameters: model.parameters }))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  const child = args.indexOf('--child-fit')
  if (child >= 0) {
    await childMain(args[child + 1]!)
  } else {
    const rowsAt = args.indexOf('--rows')
    await run({ rows: rowsAt >= 0 ? Number(args[rowsAt + 1]) : undefined, large: args.includes('--large') })
  }
}

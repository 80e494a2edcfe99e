/**
 * A kernel density fitted out of core: 200 000 rows are written to an .npy file, and a binned
 * GaussianKernelDensity reads it twice (a first pass finds the range of the grid, the second bins
 * every row onto 2048 grid points), with memory that does not grow with the file. The same rows
 * fitted in memory give the same bits; the density is printed beside the generating one.
 *
 * Run: node --import tsx examples/kernel-density.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GaussianKernelDensity, Random, readNpy, writeNpy } from '../lib/index.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-kde-'))
const path = join(dir, 'x.npy')

// 200 000 draws from 0.4·N(−2, 0.5) + 0.6·N(1.5, 1), in batches of 10 000 rows
const random = new Random(7)
const rows: number[] = []
async function * draws (): AsyncGenerator<Float64Array> {
  for (let b = 0; b < 20; b++) {
    const batch = Float64Array.from({ length: 10000 }, () => random.uniform() < 0.4 ? -2 + 0.5 * random.normal() : 1.5 + random.normal())
    rows.push(...batch)
    yield batch
  }
}
await pipeline(Readable.from(draws()), writeNpy(path))

const bandwidth = 0.1
const streamed = await new GaussianKernelDensity([], bandwidth, null, { binned: { bins: 2048 } }).fitStream(() => readNpy(path))
const inMemory = new GaussianKernelDensity([], bandwidth, null, { binned: { bins: 2048 } }).fit(rows)
console.log(`grid: ${JSON.stringify(streamed.binnedGrid)}`)
console.log(`identical: ${JSON.stringify(streamed) === JSON.stringify(inMemory)}`)

const normal = (x: number, mean: number, std: number): number => Math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * Math.sqrt(2 * Math.PI))
const probe = [-3, -2, -1, 0, 1.5, 3]
const density = streamed.probability(probe)
probe.forEach((x, i) => {
  console.log(`p(${x}) = ${density[i]!.toFixed(4)} (generating density ${(0.4 * normal(x, -2, 0.5) + 0.6 * normal(x, 1.5, 1)).toFixed(4)})`)
})
rmSync(dir, { recursive: true, force: true })

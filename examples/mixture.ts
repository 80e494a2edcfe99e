/**
 * A mixture model trained out of core: 200 000 rows are written to an .npy file, and a mixture of
 * three NormalDistributions is fitted by re-reading that file on every EM pass (memory stays flat
 * whatever the file's size). The epochs are printed as they finish; a checkpoint callback keeps
 * the model's JSON after each one. Then the same fit in memory gives the same bits.
 *
 * Run: node --import tsx examples/mixture.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, Random, modelCheckpoint, readNpy, stringifyJSON, writeNpy } from '../lib/index.js'
import type { Batch, EpochLog } from '../lib/index.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-mixture-'))
const path = join(dir, 'x.npy')

// 200 000 draws from 0.3·N(−4, 1) + 0.25·N(0, 0.7) + 0.45·N(5, 1.5), written in batches of 10 000 rows
const random = new Random(42)
async function * draws (): AsyncGenerator<Float64Array> {
  for (let b = 0; b < 20; b++) {
    yield Float64Array.from({ length: 10000 }, () => {
      const u = random.uniform()
      return u < 0.3 ? -4 + random.normal() : u < 0.55 ? 0.7 * random.normal() : 5 + 1.5 * random.normal()
    })
  }
}
await pipeline(Readable.from(draws()), writeNpy(path))

let epochs = 0
const options = {
  seed: 1, // k-means++ on a uniform sample of 10 000 rows of the file (then 10 Lloyd steps) chooses the starting components
  kmeansIterations: 10,
  stopThreshold: 1e-3,
  maxIterations: 200,
  callbacks: [
    {
      onEpochEnd: (e: EpochLog) => {
        epochs = e.epoch
        console.log(`epoch ${e.epoch}: log-likelihood ${e.logProbability.toFixed(3)}, improvement ${e.improvement.toFixed(4)}, ${Math.round(e.duration)} ms`)
      }
    },
    modelCheckpoint(join(dir, 'mixture.{epoch}.json'))
  ]
}
const model = await GeneralMixtureModel.fromStream(NormalDistribution, 3, () => readNpy(path), options)
console.log('out of core:', stringifyJSON(model))

// the same rows in memory, the same initialization: the same bits
const X = (await readNpy(path).toArray() as Batch[]).flatMap(b => Array.from(b.data))
const inMemory = GeneralMixtureModel.fromSamples(NormalDistribution, 3, X, { seed: 1, kmeansIterations: 10, stopThreshold: 1e-3, maxIterations: 200 })
console.log('in memory:  ', stringifyJSON(inMemory))
console.log('identical:', stringifyJSON(inMemory) === stringifyJSON(model))
console.log(`checkpoint of epoch ${epochs} matches:`, readFileSync(join(dir, `mixture.${epochs}.json`), 'utf8') === stringifyJSON(model))
rmSync(dir, { recursive: true, force: true })

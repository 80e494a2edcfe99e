/**
 * Training on many machines (README, "Training on many machines"), shrunk onto one: a driver fits
 * a three-component mixture over 8 shards of an .npy file through Redis, and two workers
 * summarize the shards. On real machines each worker is `npx aril-worker` on a machine that sees
 * the same file (shared storage); here they are started in this process with `startWorker`. The
 * fit is then compared with the same fit on one machine: the parameters are the same bits.
 *
 * Needs Redis (`apt-get install redis-server`, or `docker run -p 6379:6379 redis:7`) at
 * ARIL_REDIS_URL, default redis://127.0.0.1:6379.
 *
 * Run: node --import tsx examples/many-machines.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GeneralMixtureModel, NormalDistribution, Random, bullmqExecutor, npyShards, startWorker, writeNpy } from '../lib/index.js'

const prefix = process.env.ARIL_EXAMPLE_PREFIX ?? 'aril-example'
const dir = mkdtempSync(join(tmpdir(), 'aril-many-machines-'))
const file = join(dir, 'mixture.npy')

// 80 000 draws from 0.5·N(−4, 1) + 0.3·N(0, 0.5) + 0.2·N(5, 2), written as a .npy file
const random = new Random(7)
const X = Float64Array.from({ length: 80000 }, () => {
  const u = random.uniform()
  return u < 0.5 ? -4 + random.normal() : u < 0.8 ? 0.5 * random.normal() : 5 + 2 * random.normal()
})
await pipeline(Readable.from([X]), writeNpy(file))

// Two workers (on real machines: `ARIL_REDIS_URL=... npx aril-worker` on each)
const workers = await Promise.all([0, 1].map(async () => await startWorker({ prefix })))
try {
  // The driver: 8 block-aligned row ranges of the file, one BullMQ flow per epoch
  const shards = await npyShards(file, { shards: 8 })
  const start = (): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(-3, 1), new NormalDistribution(0.5, 1), new NormalDistribution(4, 1)])
  const distributed = start()
  const history = await distributed.trainStream(shards, {
    executor: bullmqExecutor({ prefix, run: `example-${process.pid}` }),
    maxIterations: 100,
    stopThreshold: 1e-3,
    callbacks: [{ onEpochEnd: log => console.log(`epoch ${log.epoch}: log-likelihood ${log.logProbability.toFixed(3)}, ${Math.round(log.duration)} ms`) }]
  })
  console.log(`${history.iterations} M-steps, ${history.stopReason}`)
  console.log(`on the workers: ${JSON.stringify(distributed)}`)

  // The same fit on one machine (here, one thread over the whole file)
  const local = start()
  await local.fitStream(file, { maxIterations: 100, stopThreshold: 1e-3 })
  console.log(`identical to one machine: ${JSON.stringify(local) === JSON.stringify(distributed)}`)
} finally {
  await Promise.all(workers.map(async w => await w.close()))
  rmSync(dir, { recursive: true, force: true })
}

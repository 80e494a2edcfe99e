/**
 * The seed example of out-of-core learning (pomegranate's docs/ooc.rst), in aril.
 *
 * Two NormalDistribution(1, 1): one is fitted to 5000 draws from N(3, 5) in one call, the other
 * summarizes five batches of 1000 rows and then calls fromSummaries(). In pomegranate the two
 * differ in the last bits; in aril they are identical. A third one is trained by piping the five
 * batches into its sink.
 *
 * Run: node --import tsx examples/out-of-core-normal.ts
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NormalDistribution } from '../lib/index.js'

const X = new NormalDistribution(3, 5).sample(5000, { seed: 0 })
const batches = [0, 1, 2, 3, 4].map(i => X.subarray(i * 1000, (i + 1) * 1000))

const oneShot = new NormalDistribution(1, 1)
oneShot.fit(X)

const batched = new NormalDistribution(1, 1)
for (const batch of batches) batched.summarize(batch)
batched.fromSummaries()

console.log('fit(X):            ', JSON.stringify(oneShot))
console.log('5 x summarize:     ', JSON.stringify(batched))
console.log('identical:', JSON.stringify(oneShot) === JSON.stringify(batched))

const streamed = new NormalDistribution(1, 1)
const sink = streamed.sink()
sink.on('finish', () => {
  console.log('pipeline -> sink:  ', JSON.stringify(streamed))
  console.log('identical:', JSON.stringify(streamed) === JSON.stringify(oneShot))
})
await pipeline(Readable.from(batches), sink)

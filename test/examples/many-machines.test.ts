import t from 'tap'
import { Redis } from 'ioredis'
import { runExample } from './run-example.js'
import { assertClose } from '../helpers.js'

t.test('the many-machines example: a fit through Redis and two workers is the fit of one machine', async t => {
  const prefix = `aril-example-${process.pid}`
  const redis = new Redis(process.env.ARIL_REDIS_URL ?? 'redis://127.0.0.1:6379')
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  const out = await runExample('many-machines.ts', [], { ARIL_EXAMPLE_PREFIX: prefix })
  const epochs = [...out.matchAll(/^epoch (\d+): log-likelihood (-?[\d.]+)/gm)].map(m => Number(m[2]))
  t.ok(epochs.length >= 2, `${epochs.length} epochs printed`)
  t.ok(epochs.every((l, i) => i === 0 || l >= epochs[i - 1]! - 1e-6), 'EM never lowers the log-likelihood')
  t.match(out, /identical to one machine: true/)
  const model = JSON.parse(out.match(/^on the workers: (.*)$/m)![1]!)
  const parts = model.distributions.map((d: { parameters: number[] }, j: number) => [...d.parameters, model.weights[j]]).sort((a: number[], b: number[]) => a[0]! - b[0]!)
  // the generating mixture (examples/many-machines.ts): 0.5·N(−4, 1) + 0.3·N(0, 0.5) + 0.2·N(5, 2), 80 000 draws
  assertClose(t, parts.flat(), [-4, 1, 0.5, 0, 0.5, 0.3, 5, 2, 0.2], 0.05, 'recovers the generating parameters', 0.05)
  t.same((await redis.keys(`${prefix}:aril-run:*`)), [], 'the run left no stored values')
})

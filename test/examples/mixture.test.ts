import t from 'tap'
import { runExample } from './run-example.js'
import { assertClose } from '../helpers.js'

t.test('the mixture example trains out of core, prints its epochs, and matches the in-memory fit', async t => {
  const out = await runExample('mixture.ts')
  const epochs = [...out.matchAll(/^epoch (\d+): log-likelihood (-?[\d.]+), improvement (-?[\d.]+)/gm)].map(m => ({ epoch: Number(m[1]), logp: Number(m[2]), improvement: Number(m[3]) }))
  t.ok(epochs.length >= 2, `${epochs.length} epochs printed`)
  t.same(epochs.map(e => e.epoch), epochs.map((_, i) => i + 1), 'numbered from 1')
  t.ok(epochs.every(e => e.improvement >= 0), 'EM never lowers the log-likelihood')
  t.ok(epochs.at(-1)!.improvement <= 1e-3 || epochs.length === 200, 'stops at the threshold')
  t.match(out, /identical: true/)
  t.match(out, /checkpoint of epoch \d+ matches: true/)
  const model = JSON.parse(out.match(/^out of core: (.*)$/m)![1]!)
  const parts = model.distributions.map((d: { parameters: number[] }, j: number) => [...d.parameters, model.weights[j]]).sort((a: number[], b: number[]) => a[0]! - b[0]!)
  // the generating mixture (examples/mixture.ts): 0.3·N(−4, 1) + 0.25·N(0, 0.7) + 0.45·N(5, 1.5), 200 000 draws
  assertClose(t, parts.flat(), [-4, 1, 0.3, 0, 0.7, 0.25, 5, 1.5, 0.45], 0.02, 'recovers the generating parameters', 0.02)
})

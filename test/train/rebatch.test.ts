import t from 'tap'
import { Readable } from 'node:stream'
import { toBatch, type Batch } from '../../lib/core/batch.js'
import { concatBatches, rebatch } from '../../lib/train/rebatch.js'

async function collect (it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of it) out.push(b)
  return out
}

t.test('rebatch cuts any chunking into batches of exactly size rows', async t => {
  const parts = [toBatch([[1, 2], [3, 4], [5, 6]]), toBatch([[7, 8]]), toBatch([]), toBatch([[9, 10], [11, 12], [13, 14], [15, 16], [17, 18]])]
  const out = await collect(rebatch(Readable.from(parts), 4))
  t.same(out.map(b => b.rows), [4, 4, 1])
  t.same(out.flatMap(b => Array.from(b.data)), Array.from({ length: 18 }, (_, i) => i + 1))
  t.same((await collect(rebatch(Readable.from([toBatch([1, 2, 3, 4])]), 2))).map(b => Array.from(b.data)), [[1, 2], [3, 4]])
})

t.test('concatBatches keeps weights, labels and categories, filling what a part lacks', async t => {
  const a: Batch = { ...toBatch([['x', 1], ['y', 2]], { categorical: true }), weights: Float64Array.of(2, 3) }
  const b: Batch = { ...toBatch([[4, 3]]), labels: Float64Array.of(1) }
  const c = concatBatches([a, b])
  t.equal(c.rows, 3)
  t.same(Array.from(c.weights!), [2, 3, 1])
  t.same(Array.from(c.labels!), [-1, -1, 1])
  t.same(c.categories![0], ['x', 'y', 4])
  t.equal(c.categories![1], undefined)
  t.same(Array.from(c.data.subarray(3)), [2, 4, 3])
  t.equal(concatBatches([a]), a)
  const missing = concatBatches([toBatch([[NaN]]), { ...toBatch([['z']], { categorical: true }) }])
  t.same(missing.categories![0], [null, 'z'])
})

import t from 'tap'
import { Readable } from 'node:stream'
import { toBatch, type Batch } from '../../lib/core/batch.js'
import { eachBatch, passesInMemory, passesOverStream, type Passes } from '../../lib/train/pass.js'
import { chunked, rejectsArilError } from '../helpers.js'

t.test('eachBatch visits a fresh opening in order with each batch\'s first row, and closes it', async t => {
  let opened = 0
  let destroyed = 0
  const open = (): Readable => {
    opened++
    const r = Readable.from([toBatch([1, 2, 3]), toBatch([]), toBatch([4, 5, 6]), toBatch([7])])
    r.on('close', () => destroyed++)
    return r
  }
  const seen: Array<[number, number]> = []
  t.equal(await eachBatch(open, X => toBatch(X), (b, first) => { seen.push([first, b.rows]) }), 7)
  t.same(seen, [[0, 3], [3, 3], [6, 1]], 'empty batches are skipped')
  const early: number[] = []
  t.equal(await eachBatch(open, X => toBatch(X), (b, first) => { early.push(first); return false }), 3, 'false stops the pass')
  t.same(early, [0])
  t.equal(opened, 2)
  await new Promise(resolve => setImmediate(resolve))
  t.equal(destroyed, 2, 'both openings were closed')
  t.equal(await eachBatch([], X => toBatch(X), () => {}), 0)
})

t.test('eachBatch errors: not re-openable, ragged widths, aborted', async t => {
  await rejectsArilError(t, eachBatch(Readable.from([]) as never, X => toBatch(X), () => {}), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, eachBatch('no-such-file.npy', X => toBatch(X), () => {}), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, eachBatch([toBatch([[1, 2]]), toBatch([[1]])], X => toBatch(X), () => {}), { code: 'ERR_COLUMN_COUNT', row: 1 })
  const controller = new AbortController()
  controller.abort()
  await rejectsArilError(t, eachBatch([toBatch([1])], X => toBatch(X), () => {}, controller.signal), { code: 'ERR_ABORTED' })
})

t.test('passes run alike in memory and over a stream in any chunks', async t => {
  // two passes: the total, then the rows above the mean (each batch's place in the stream counts)
  function * aboveMean (): Passes<number[]> {
    let sum = 0
    let n = 0
    yield b => { for (const x of b.data) { sum += x; n++ } }
    const above: number[] = []
    yield (b, first) => { b.data.forEach((x, r) => { if (x > sum / n) above.push(first + r) }) }
    return above
  }
  const batch: Batch = toBatch([5, 1, 9, 2, 8, 3, 7])
  const expected = passesInMemory(aboveMean(), batch)
  t.same(expected, [2, 4, 6])
  t.same(await passesOverStream(aboveMean(), chunked(batch, 1, 3), X => toBatch(X)), expected)
  t.same(passesInMemory(aboveMean(), toBatch([])), [], 'no rows: the visitors are not called')
})

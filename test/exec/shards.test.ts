/**
 * Shards (lib/exec/shards.ts) and summarizing them (summarize.ts, in-process.ts): descriptions
 * checked with coded errors naming the shard, block-aligned .npy ranges, registered openers, and
 * a pass over shards on this thread equal to one stream when the shards are block-aligned.
 */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BLOCK_ROWS } from '../../lib/core/accumulate.js'
import { toBatch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { writeNpy } from '../../lib/io/npy.js'
import { isShardList, npyShape, npyShards, openShard, openShards, registerOpener, shards, ShardList, type ShardSpec } from '../../lib/exec/shards.js'
import { modelCopy, modelText, summarizeShard, summarizeShardHere } from '../../lib/exec/summarize.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-shards-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const random = new Random(3)
const X = Float64Array.from({ length: 5 * BLOCK_ROWS + 300 }, () => 2 + random.normal())
const npy = join(dir, 'x.npy')
t.before(async () => { await pipeline(Readable.from([toBatch(X)]), writeNpy(npy)) })

t.test('shard descriptions are checked, and a bad one is named', async t => {
  const bad: Array<[unknown, string]> = [
    [[], 'shards'],
    ['x.npy', 'shards'],
    [[null], 'shards[0]'],
    [[['x.npy']], 'shards[0]'],
    [[{}], 'shards[0]'],
    [[{ npy: 'a', csv: 'b' }], 'shards[0]'],
    [[{ npy: '' }], 'shards[0].npy'],
    [[{ npy: 'a', start: -1 }], 'shards[0].start'],
    [[{ npy: 'a', end: 1.5 }], 'shards[0].end'],
    [[{ npy: 'a', options: {} }], 'shards[0].options'],
    [[{ npy: 'a' }, { opener: 3 }], 'shards[1].opener'],
    [[{ csv: 'a', options: { columns: true, signal: 1 } }], 'shards[0].options'],
    [[{ csv: 'a', options: [1] }], 'shards[0].options'],
    [[{ csv: 'a', options: { delimiter: () => ',' } }], 'shards[0].options.delimiter'],
    [[{ opener: 'o', args: { x: NaN } }], 'shards[0].args.x'],
    [[{ opener: 'o', args: { when: new Date(0) } }], 'shards[0].args.when'],
    [[{ opener: 'o', args: [undefined] }], 'shards[0].args[0]']
  ]
  for (const [specs, name] of bad) assertArilError(t, () => shards(specs as ShardSpec[]), { code: 'ERR_INVALID_OPTION', message: new RegExp(`^Option ${name.replace(/[[\].]/g, '\\$&')}:`) }, name)
  let deep: unknown = 1
  for (let i = 0; i < 70; i++) deep = [deep]
  assertArilError(t, () => shards([{ opener: 'o', args: deep }]), { code: 'ERR_INVALID_OPTION' }, 'nested too deep')
  const list = shards([{ npy: 'a.npy', start: 0, end: 10 }, { ndjson: 'b.ndjson' }, { json: 'c.json', options: { path: 'rows' } }, { opener: 'o', args: { k: [1, 'x', null, true] } }])
  t.ok(isShardList(list))
  t.notOk(isShardList(list.specs))
  t.ok(Object.isFrozen(list.specs) && Object.isFrozen(list.specs[0]), 'frozen')
  t.same(JSON.parse(JSON.stringify(list)), list.specs, 'plain JSON')
  t.ok(new ShardList(list.specs) instanceof ShardList)
})

t.test('npyShards: block-aligned ranges from the header only', async t => {
  t.same(await npyShape(npy), { rows: X.length, rowBytes: 8 })
  const byCount = await npyShards(npy, { shards: 3 })
  t.same(byCount.specs.map(s => [(s as { start: number }).start, (s as { end: number }).end]), [[0, 2048], [2048, 4096], [4096, X.length]])
  const byRows = await npyShards(npy, { rowsPerShard: 1 })
  t.equal(byRows.specs.length, 6, 'rowsPerShard rounded up to a block')
  t.ok(byRows.specs.every(s => (s as { start: number }).start % BLOCK_ROWS === 0))
  const empty = join(dir, 'empty.npy')
  await pipeline(Readable.from([]), writeNpy(empty, { cols: 1 }))
  t.same((await npyShards(empty)).specs, [{ npy: empty, start: 0, end: 0 }], 'an empty file: one empty shard')
  for (const [options, name] of [[{ shards: 0 }, 'shards'], [{ rowsPerShard: 1.5 }, 'rowsPerShard']] as const) {
    await rejectsArilError(t, npyShards(npy, options), { code: 'ERR_INVALID_OPTION' }, name)
  }
  await rejectsArilError(t, npyShards(''), { code: 'ERR_INVALID_OPTION' })
  await rejectsArilError(t, npyShards(join(dir, 'missing.npy')), { code: 'ERR_SOURCE', file: join(dir, 'missing.npy') })
  const notNpy = join(dir, 'text.npy')
  writeFileSync(notNpy, 'hello world, not a numpy file')
  await rejectsArilError(t, npyShards(notNpy), { code: 'ERR_NPY_MAGIC' })
  const short = join(dir, 'short.npy')
  writeFileSync(short, Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1]))
  await rejectsArilError(t, npyShards(short), { code: 'ERR_NPY_TRUNCATED' }, 'cut in the preamble')
  const cut = join(dir, 'cut.npy')
  const header = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0x00, 0x20, 0, 0])
  writeFileSync(cut, Buffer.concat([header, Buffer.alloc(100, 0x20)]))
  await rejectsArilError(t, npyShards(cut), { code: 'ERR_NPY_TRUNCATED' }, 'cut in a long header')
})

t.test('openers: registered by name, checked, opened with their arguments', async t => {
  assertArilError(t, () => registerOpener('', () => []), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => registerOpener('x', 'nope' as never), { code: 'ERR_INVALID_OPTION' })
  registerOpener('range', args => {
    const { start, end } = args as { start: number; end: number }
    return [toBatch(X.subarray(start, end))]
  })
  registerOpener('path', () => npy)
  await rejectsArilError(t, openShard({ opener: 'nobody' }), { code: 'ERR_SOURCE', message: /No opener "nobody" is registered here \(registered: .*range/ })
  const copy = new NormalDistribution()
  const result = await summarizeShard(copy, { opener: 'range', args: { start: 0, end: 2000 } })
  t.same(result, { rows: 2000, batches: 1, logProbability: undefined })
  t.equal(stringifyJSON(copy.fromSummaries()), stringifyJSON(new NormalDistribution().fit(X.subarray(0, 2000))))
  const viaPath = new NormalDistribution()
  t.equal((await summarizeShard(viaPath, { opener: 'path' })).rows, X.length, 'an opener may return a path')
  const aborted = new AbortController()
  aborted.abort()
  await rejectsArilError(t, summarizeShard(new NormalDistribution(), { npy }, aborted.signal), { code: 'ERR_ABORTED' })
  // on a summarizing thread: a .npy range read synchronously, the same statistics and counts as the stream
  for (const spec of [{ npy }, { npy, start: 1024, end: 3000 }, { opener: 'range', args: { start: 0, end: 2000 } }] as ShardSpec[]) {
    const [streamed, here] = [new NormalDistribution(), new NormalDistribution()]
    t.same(await summarizeShardHere(here, spec), await summarizeShard(streamed, spec), `summarizeShardHere ${JSON.stringify(spec)}: the same counts`)
    t.equal(stringifyJSON(here.summary()), stringifyJSON(streamed.summary()), 'and the same statistics')
  }
  // all shards one after the other (what an initialization reads)
  let rows = 0
  for await (const batch of openShards(shards([{ opener: 'range', args: { start: 0, end: 10 } }, { npy, start: 0, end: 5 }]))) rows += (batch as { rows: number }).rows
  t.equal(rows, 15)
})

t.test('a pass over block-aligned shards on this thread is the one-stream fit; text readers too', async t => {
  const whole = new NormalDistribution().fit(X)
  const byShards = new NormalDistribution()
  await byShards.fitStream(await npyShards(npy, { shards: 3 }))
  t.equal(stringifyJSON(byShards), stringifyJSON(whole))
  const csv = join(dir, 'x.csv')
  writeFileSync(csv, 'x\n' + Array.from(X).join('\n') + '\n')
  const nd = join(dir, 'x.ndjson')
  writeFileSync(nd, Array.from(X, x => JSON.stringify([x])).join('\n') + '\n')
  const js = join(dir, 'x.json')
  writeFileSync(js, JSON.stringify(Array.from(X)))
  for (const spec of [{ csv, options: { columns: true } }, { ndjson: nd }, { json: js }] as ShardSpec[]) {
    const d = new NormalDistribution()
    await d.fitStream(shards([spec]))
    t.equal(stringifyJSON(d), stringifyJSON(whole), Object.keys(spec)[0]!)
  }
})

t.test('models as they travel: text and copies; a model that cannot be written yet', async t => {
  const nb = new NaiveBayes(NormalDistribution, 2)
  t.equal(modelText(nb), undefined, 'a NaiveBayes before its first batch')
  const fitted = new NaiveBayes([new NormalDistribution(0, 1), new NormalDistribution(3, 1)])
  const text = modelText(fitted)!
  t.same(text.mode, { semiSupervised: false })
  const copy = modelCopy({ ...text, mode: { semiSupervised: true } })
  t.same(copy.passMode?.(), { semiSupervised: true }, 'the pass mode travels beside the JSON')
  const broken = { toJSON: () => { throw new Error('disk on fire') } }
  t.throws(() => modelText(broken as never), /disk on fire/, 'other errors are not swallowed')
  // in process, the unbuilt NaiveBayes summarizes its first shard itself, then copies the others
  const labelled = (from: number, to: number): string => {
    const path = join(dir, `l${from}.csv`)
    writeFileSync(path, 'x,y\n' + Array.from(X.subarray(from, to), (x, i) => `${x},${(from + i) % 2}`).join('\n') + '\n')
    return path
  }
  const list = shards([0, 1, 2].map(i => ({ csv: labelled(i * 1500, (i + 1) * 1500), options: { columns: true, label: 'y' } })))
  const a = new NaiveBayes(NormalDistribution, 2)
  await a.fitStream(list)
  const b = new NaiveBayes([new NormalDistribution(), new NormalDistribution()])
  await b.fitStream(list)
  t.equal(stringifyJSON(a), stringifyJSON(b), 'built from the first shard: the same fit as with components given')
})

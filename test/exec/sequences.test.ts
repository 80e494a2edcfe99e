/**
 * SequenceBatches through the trainer and the executors: cut only between sequences, counted in
 * sequences, blocks of BLOCK_SEQUENCES aligned to the global sequence index, so threads, shards,
 * re-batching, mini-batches and resumed checkpoints give the bits of one thread.
 */
import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random } from '../../lib/core/random.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { BLOCK_SEQUENCES, concatSequences, sequenceCount, sliceSequences, sliceUnits, toSequenceBatch, unitCount, type SequenceBatch } from '../../lib/core/sequence.js'
import { toBatch } from '../../lib/core/batch.js'
import { rebatch, concatUnits } from '../../lib/train/rebatch.js'
import { trainStream, trainBatch, type History } from '../../lib/train/em.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import { threadExecutor, pieceUnits } from '../../lib/exec/threads.js'
import { inProcessExecutor } from '../../lib/exec/in-process.js'
import { npySequenceShards, shards } from '../../lib/exec/shards.js'
import { writeNpy } from '../../lib/io/npy.js'
import { MarkovChain } from '../../lib/models/markov-chain.js'
import { ToySequenceMean } from '../train/toy-sequence-model.js'
import { ToyMean } from '../train/toy-model.js'
import { assertSameValues } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-seqexec-'))
const random = new Random(21)
/** 5300 sequences (not a multiple of BLOCK_SEQUENCES) of 0 to 12 steps, and symbols of the same shape. */
const lengths = Array.from({ length: 5300 }, () => Math.floor(random.uniform() * 13))
const values = lengths.map(n => Array.from({ length: n }, () => 3 + random.normal() * Math.PI))
const weights = lengths.map((_, i) => 0.25 + (i % 5) / 7)
const all = toSequenceBatch(values, { weights })
const symbols = lengths.map(n => Array.from({ length: n }, () => 'ACGT'[Math.floor(random.uniform() * 4)]!))
const allSymbols = toSequenceBatch(symbols, { categorical: true })

/** A stream of the sequences in random pieces of 1 to `max` sequences. */
function pieces (batch: SequenceBatch, seed: number, max: number): () => Readable {
  return () => {
    const r = new Random(seed)
    const out: SequenceBatch[] = []
    for (let at = 0; at < sequenceCount(batch);) {
      const end = Math.min(sequenceCount(batch), at + 1 + Math.floor(r.uniform() * max))
      out.push(sliceSequences(batch, at, end))
      at = end
    }
    return Readable.from(out)
  }
}

const toyModule = fileURLToPath(new URL('../train/toy-sequence-model.ts', import.meta.url))
const two = threadExecutor({ threads: 2, modules: [toyModule] })
const three = threadExecutor({ threads: 3, modules: [toyModule] })
t.teardown(async () => { await two.close(); await three.close() })

t.test('units, slices and concatenation of sequences', async t => {
  t.equal(unitCount(all), 5300)
  t.equal(unitCount(toBatch([1, 2, 3])), 3)
  t.same(Array.from(sliceUnits(toBatch([1, 2, 3]), 1, 3).data), [2, 3])
  const parts = [sliceSequences(all, 0, 10), sliceSequences(all, 10, 11), sliceSequences(all, 11, 40)]
  const glued = concatSequences(parts)
  t.same(Array.from(glued.offsets), Array.from(sliceSequences(all, 0, 40).offsets))
  t.same(Array.from(glued.data), Array.from(sliceSequences(all, 0, 40).data))
  t.same(Array.from(glued.weights!), weights.slice(0, 40))
  t.equal(concatUnits(parts).rows, glued.rows)
  // weights and labels present in some parts only, categories in some parts only
  const a = toSequenceBatch([['x', 'y']], { categorical: true, labels: [['s', 't']] })
  const b = toSequenceBatch([[1], []], { weights: [2, 3] })
  const ab = concatSequences([a, b])
  t.same(Array.from(ab.offsets), [0, 2, 3, 3])
  t.same(Array.from(ab.weights!), [1, 2, 3])
  t.same(ab.stateLabels, ['s', 't', null])
  t.same(ab.categories, [['x', 'y', 1]])
  t.equal(concatSequences([a]), a)
  t.equal(pieceUnits(toSequenceBatch([[1, 2], [3, 4]])), 32768)
  t.equal(pieceUnits(all, 1500), Math.ceil(1500 / BLOCK_SEQUENCES) * BLOCK_SEQUENCES, 'batchSize rounded up to whole blocks')
  // 1,000 sequences of 1,000 steps (bench/hmm.ts): many pieces, so both threads get work
  const long = { data: new Float64Array(10 ** 6), rows: 10 ** 6, cols: 1, offsets: Float64Array.from({ length: 1001 }, (_, i) => i * 1000) }
  t.ok(1000 / pieceUnits(long) >= 8, `${pieceUnits(long)} sequences per piece`)
  t.equal(pieceUnits(long) % BLOCK_SEQUENCES, 0, 'pieces of whole blocks')
  t.equal(pieceUnits(toBatch([1]), 1500), 2048)
})

t.test('rebatch cuts SequenceBatches into batches of whole sequences', async t => {
  const out: SequenceBatch[] = []
  for await (const b of rebatch(pieces(all, 1, 300)() as AsyncIterable<SequenceBatch>, 1000)) out.push(b as SequenceBatch)
  t.same(out.map(sequenceCount), [1000, 1000, 1000, 1000, 1000, 300])
  const joined = concatSequences(out)
  assertSameValues(t, joined.offsets, all.offsets, 'offsets')
  assertSameValues(t, joined.data, all.data, 'observations')
  assertSameValues(t, joined.weights!, all.weights!, 'weights')
})

t.test('single-pass fits: any chunking, threads, batchSize: the bits of one sink', async t => {
  const sink = new ToySequenceMean()
  await pipeline(pieces(all, 3, 500)(), sink.sink())
  assertSameValues(t, sink.lengths, lengths, 'whole sequences, in order')
  for (const options of [{ executor: two }, { executor: three, batchSize: 1500 }, { workers: 2 }, { executor: inProcessExecutor(), batchSize: 77 }, { batchSize: 100 }]) {
    const m = new ToySequenceMean()
    await m.fitStream(pieces(all, 4, 900), options)
    t.equal(stringifyJSON(m), stringifyJSON(sink), `fitStream with ${JSON.stringify(Object.keys(options))}`)
    t.same(m.summary(), new ToySequenceMean().summary())
  }
  const shared = new ToySequenceMean()
  await shared.fitStream([all], { executor: two })
  t.equal(stringifyJSON(shared), stringifyJSON(sink), 'one in-memory batch on threads')
  // a block cut by the stream: the statistics before the fit continue it, as a sink continues them
  const held = new ToySequenceMean()
  held.summarize(sliceSequences(all, 0, 100))
  await held.fitStream(Readable.from([sliceSequences(all, 100, 5300)]), { executor: two })
  t.equal(stringifyJSON(held), stringifyJSON(sink), 'statistics held before the pass')
})

t.test('multi-pass training: full passes, mini-batches and resumed checkpoints on threads == one thread', async t => {
  const options = { maxIterations: 4, stopThreshold: -Infinity }
  const logs = (h: History): Array<[number, number]> => h.epochs.map(e => [e.rows, e.batches])
  for (const [name, extra] of [['full passes', {}], ['mini-batches', { batchSize: 1500, batchesPerEpoch: 2 }]] as const) {
    const one = new ToySequenceMean()
    const h1 = await trainStream(one, pieces(all, 5, 700), { ...options, ...extra })
    for (const executor of [two, three]) {
      const m = new ToySequenceMean()
      const h = await trainStream(m, pieces(all, 6, 900), { ...options, ...extra, executor })
      t.equal(stringifyJSON(m), stringifyJSON(one), `${name} on ${executor === two ? 2 : 3} threads: the same parameters`)
      if ('batchSize' in extra) t.same(logs(h), logs(h1), `${name}: the same sequences and batches per epoch`)
    }
    // epochs count sequences as a row model's count the rows of a source of 5300 rows
    const rowModel = await trainStream(new ToyMean(), [toBatch(Float64Array.from({ length: 5300 }, (_, i) => i % 7))], { ...options, ...extra })
    const counts = (h: History): number[][] => h.epochs.map(e => 'batchSize' in extra ? [e.rows, e.batches] : [e.rows])
    t.same(counts(h1), counts(rowModel), `${name}: epochs count sequences`)
    const inMemory = new ToySequenceMean()
    trainBatch(inMemory, all, { ...options, ...extra })
    t.equal(stringifyJSON(inMemory), stringifyJSON(one), `${name}: trainBatch on the SequenceBatch`)
    const states: TrainState[] = []
    const c = new ToySequenceMean()
    await trainStream(c, pieces(all, 7, 600), { ...options, ...extra, executor: two, checkpoint: { everyBatches: 3, save: s => { states.push(JSON.parse(JSON.stringify(s))) } } })
    t.equal(stringifyJSON(c), stringifyJSON(one), `${name}: checkpoints change nothing`)
    const middle = states.filter(s => s.sourceRows > 0 && s.sourceRows % BLOCK_SEQUENCES !== 0)
    t.ok(middle.length > 0, `${name}: states taken inside a block of sequences`)
    for (const state of [middle[0]!, middle.at(-1)!]) {
      for (const more of [{}, { executor: two }]) {
        const resumed = resumeModel<ToySequenceMean>(state)
        await trainStream(resumed, pieces(all, 8, 1100), { ...options, ...extra, ...more, resume: state })
        t.equal(stringifyJSON(resumed), stringifyJSON(one), `${name}: resumed at sequence ${state.sourceRows} of epoch ${state.iteration}${'executor' in more ? ' on threads' : ''}`)
      }
    }
  }
})

t.test('a full pass hands its cut last block to a thread, with the bits of one thread', async t => {
  await two.ready()
  const options = { maxIterations: 3, stopThreshold: -Infinity }
  const one = new ToySequenceMean()
  await trainStream(one, pieces(all, 11, 700), options)
  const m = new ToySequenceMean()
  await trainStream(m, pieces(all, 12, 900), { ...options, executor: two })
  t.equal(stringifyJSON(m), stringifyJSON(one), 'the same parameters')
  // the model here records what it summarizes itself; the threads' copies summarized the rest
  t.same(m.lengths, [], `all ${sequenceCount(all)} sequences of every pass, the ${sequenceCount(all) % BLOCK_SEQUENCES} of the cut block included, summarized on the threads`)
})

t.test('shards of a sequence .npy pair: block-aligned ranges, the bits of one pass on every executor', async t => {
  const x = join(dir, 'x.npy')
  const len = join(dir, 'len.npy')
  await pipeline(Readable.from([all.data]), writeNpy(x))
  await pipeline(Readable.from([Float64Array.from(lengths)]), writeNpy(len, { dtype: 'i8' }))
  const unweighted = toSequenceBatch(values)
  const sink = new ToySequenceMean()
  sink.summarize(unweighted)
  sink.fromSummaries()
  const list = await npySequenceShards(x, { lengths: len, sequencesPerShard: 1500 })
  const per = Math.ceil(1500 / BLOCK_SEQUENCES) * BLOCK_SEQUENCES
  const starts = Array.from({ length: Math.ceil(5300 / per) }, (_, i) => i * per)
  t.same(list.specs.map(s => (s as { range: number[] }).range), starts.map(s => [s, Math.min(5300, s + per)]), 'ranges of whole blocks, rounded up')
  t.equal((await npySequenceShards(x, { lengths: len, shards: 2 })).specs.length, 2)
  t.equal((await npySequenceShards(x, { lengths: len })).specs.length, 1)
  for (const [name, options] of [['in process', {}], ['2 threads', { executor: two }], ['3 threads', { executor: three }]] as const) {
    const m = new ToySequenceMean()
    await m.fitStream(list, options)
    t.equal(stringifyJSON(m), stringifyJSON(sink), `shards ${name}`)
    const chain = MarkovChain.blank(2)
    const symbolsFile = join(dir, 's.npy')
    if (name === 'in process') await pipeline(Readable.from([Float64Array.from(symbols.flat(), s => 'ACGT'.indexOf(s))]), writeNpy(symbolsFile))
    await chain.fitStream(await npySequenceShards(symbolsFile, { lengths: len, shards: 3 }), options)
    t.same(chain.toJSON(), MarkovChain.fromSamples(symbols.map(s => s.map(c => 'ACGT'.indexOf(c))), { k: 2 }).toJSON(), `MarkovChain from shards ${name}`)
  }
  // NDJSON sequence shards with ranges
  const nd = join(dir, 's.ndjson')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(nd, symbols.map(s => JSON.stringify(s)).join('\n') + '\n')
  const B = BLOCK_SEQUENCES
  const ndList = shards([{ ndjsonSequences: nd, range: [0, 3 * B] }, { ndjsonSequences: nd, range: [3 * B, 200 * B] }, { ndjsonSequences: nd, range: [200 * B, 5300] }])
  const chain = MarkovChain.blank(1)
  await chain.fitStream(ndList, { executor: two })
  t.same(chain.toJSON(), MarkovChain.fromSamples(symbols, { k: 1 }).toJSON(), 'NDJSON sequence shards on threads')
  t.throws(() => shards([{ ndjsonSequences: nd, range: [B + 1, 3 * B] }]), { code: 'ERR_INVALID_OPTION' }, 'a range not on a block boundary')
  t.doesNotThrow(() => shards([{ ndjsonSequences: nd, range: [B, 3 * B + 1] }]), 'a range from a block boundary (its end anywhere)')
  t.throws(() => shards([{ npySequences: x, range: [0, 20] }]), { code: 'ERR_INVALID_OPTION' }, 'neither lengths nor offsets')
  t.throws(() => shards([{ npySequences: x, lengths: len, extra: 1 } as never]), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(npySequenceShards(x, {}), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(npySequenceShards(x, { lengths: len, shards: 0 }), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(npySequenceShards(x, { lengths: len, sequencesPerShard: 0 }), { code: 'ERR_INVALID_OPTION' })
  await t.rejects(npySequenceShards('', { lengths: len }), { code: 'ERR_INVALID_OPTION' })
})

t.test('MarkovChain: workers: 2 and every executor give the bits of one thread', async t => {
  const one = MarkovChain.blank(2)
  await one.fitStream(pieces(allSymbols, 9, 400))
  t.same(one.toJSON(), MarkovChain.fromSamples(symbols, { k: 2 }).toJSON())
  for (const options of [{ workers: 2 }, { executor: three, batchSize: 1100 }, { executor: two }]) {
    const m = MarkovChain.blank(2)
    await m.fitStream(pieces(allSymbols, 10, 900), options)
    t.equal(stringifyJSON(m), stringifyJSON(one), `fitStream with ${JSON.stringify(Object.keys(options))}`)
  }
  const fromStream = await MarkovChain.fromStream(pieces(allSymbols, 11, 300), { k: 2, workers: 2 })
  t.equal(stringifyJSON(fromStream), stringifyJSON(one), 'fromStream with workers: 2')
})

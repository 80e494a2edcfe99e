import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toBatch, sliceBatch, type Batch } from '../../lib/core/batch.js'
import { Random } from '../../lib/core/random.js'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { writeNpy } from '../../lib/io/npy.js'
import { checkTrainState, fileCheckpoint, readCheckpoint, resumeModel, stateChecksum, type TrainState } from '../../lib/train/checkpoint.js'
import { trainBatch } from '../../lib/train/em.js'
import { assertArilError, chunked, rejectsArilError } from '../helpers.js'

const random = new Random(5)
const X = Float64Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? -2 : 3) + random.normal())
const data = toBatch(X)
const make = (): GeneralMixtureModel => new GeneralMixtureModel([new NormalDistribution(-1, 1), new NormalDistribution(1, 1)])
const options = { stopThreshold: 1e-9, maxIterations: 12, batchSize: 500 }
const dir = mkdtempSync(join(tmpdir(), 'aril-ckpt-'))

/** A state taken mid-pass (after `after` batches) by a fit that is then killed. */
async function stateAfter (after: number): Promise<TrainState> {
  let state: TrainState | undefined
  let served = 0
  const open = chunked(data, 1, 900)
  const dying = (): Readable => Readable.from((async function * () {
    for await (const b of open()) {
      if (served++ === after) throw new Error('killed')
      yield b as Batch
    }
  })())
  await t.rejects(make().trainStream(dying, { ...options, checkpoint: { save: s => { state = JSON.parse(JSON.stringify(s)) } } }), /killed/)
  return state!
}

t.test('a checkpoint with any number altered is ERR_CHECKPOINT (it used to resume to different bits)', async t => {
  const whole = make()
  await whole.trainStream(chunked(data, 2, 700), options)
  const state = await stateAfter(30)
  t.ok(state.iteration > 1 && state.sourceRows > 0 && state.epochs.length > 0)
  // untouched, it resumes to the bits of the uninterrupted fit
  const resumed = resumeModel<GeneralMixtureModel>(state)
  await resumed.trainStream(chunked(data, 3, 1100), { ...options, resume: state })
  t.equal(stringifyJSON(resumed), stringifyJSON(whole))
  const sums = (state.summary as unknown as { sums: { sums: number[][] } }).sums.sums
  const alterations: Array<[string, (s: any) => void]> = [
    ['a block sum', s => { s.summary.sums.sums[0][0] += 1 }],
    ['a sum of the unfinished block', s => { s.summary.sums.partial[0] += 1 }],
    ['a mean', s => { s.model.distributions[0].parameters[0] += 1e-12 }],
    ['a mixture weight', s => { s.model.weights[1] = 0.5 }],
    ['iteration', s => { s.iteration += 1 }],
    ['sourceRows', s => { s.sourceRows -= 500 }],
    ['passRows', s => { s.passRows += 1 }],
    ['a logged epoch', s => { s.epochs[0].logProbability -= 1 }],
    ['the source identity', s => { s.source.hash = '0'.repeat(64) }],
    ['the checksum itself', s => { s.checksum = s.checksum.replace(/^./, (c: string) => c === '0' ? '1' : '0') }],
    ['a field added', s => { s.extra = 1 }]
  ]
  t.ok(sums[0]!.length > 0, 'the summary holds block sums')
  const path = join(dir, 'altered.json')
  for (const [what, alter] of alterations) {
    const altered = JSON.parse(JSON.stringify(state))
    alter(altered)
    assertArilError(t, () => checkTrainState(altered), { code: 'ERR_CHECKPOINT' }, what)
    writeFileSync(path, JSON.stringify(altered))
    assertArilError(t, () => readCheckpoint(path), { code: 'ERR_CHECKPOINT', file: path }, `${what}, from a file`)
    await rejectsArilError(t, make().trainStream(chunked(data, 3, 1100), { ...options, resume: altered }), { code: 'ERR_CHECKPOINT' }, `${what}: no resume`)
  }
})

t.test('the checksum survives what JSON stores do: keys reordered, non-finite numbers written as null', async t => {
  const state = await stateAfter(9)
  const reorder = (v: unknown): unknown => Array.isArray(v)
    ? v.map(reorder)
    : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).reverse().map(k => [k, reorder((v as Record<string, unknown>)[k])])) : v
  const shuffled = reorder(state) as TrainState
  t.not(JSON.stringify(shuffled), JSON.stringify(state))
  t.equal(stateChecksum(shuffled), state.checksum)
  const whole = make()
  await whole.trainStream(chunked(data, 2, 700), options)
  const resumed = resumeModel<GeneralMixtureModel>(shuffled)
  await resumed.trainStream(chunked(data, 4, 800), { ...options, resume: shuffled })
  t.equal(stringifyJSON(resumed), stringifyJSON(whole))
  t.equal(stateChecksum({ ...state, epochs: [{ improvement: NaN }] }), stateChecksum(JSON.parse(JSON.stringify({ ...state, epochs: [{ improvement: NaN }] }))))
})

t.test('a state of version 1 (no checksum) is refused clearly', async t => {
  const state = await stateAfter(5)
  const { checksum: _c, source: _s, ...old } = state
  assertArilError(t, () => checkTrainState({ ...old, version: 1 }), { code: 'ERR_CHECKPOINT', message: /version 1 \(written by an earlier aril without a checksum/ })
})

t.test('a resume on another source is ERR_CHECKPOINT: other first rows, or a file of another size', async t => {
  const state = await stateAfter(11)
  t.same([state.source.rows, typeof state.source.hash, state.source.bytes], [1024, 'string', undefined])
  const other = toBatch(X.map((x, i) => i === 700 ? x + 1e-9 : x))
  await rejectsArilError(t, make().trainStream(chunked(other, 3, 900), { ...options, resume: state }), { code: 'ERR_CHECKPOINT', message: /not the one the checkpoint was taken on/ })
  // a change beyond the first block is not seen by the identity (the row count still is)
  const later = toBatch(X.map((x, i) => i === 3000 ? x + 1e-9 : x))
  const resumed = resumeModel<GeneralMixtureModel>(state)
  await resumed.trainStream(chunked(later, 3, 900), { ...options, resume: state })
  // in memory too
  const inMemory = { ...options, batchSize: undefined, maxIterations: 3 }
  let saved: TrainState | undefined
  trainBatch(make(), data, { ...inMemory, checkpoint: { save: s => { saved = s } } })
  assertArilError(t, () => trainBatch(resumeModel(saved!), other, { ...inMemory, resume: saved }), { code: 'ERR_CHECKPOINT' })
  trainBatch(resumeModel(saved!), data, { ...inMemory, resume: saved })
  // a file path: its size is part of the identity
  const file = join(dir, 'x.npy')
  await pipeline(Readable.from([X]), writeNpy(file))
  let fromFile: TrainState | undefined
  let n = 0
  await t.rejects(make().trainStream(file, { ...options, checkpoint: { save: s => { fromFile = s; if (++n === 3) throw new Error('killed') } } }), /killed/)
  t.equal(fromFile!.source.bytes, readFileSync(file).length)
  const shorter = join(dir, 'shorter.npy')
  await pipeline(Readable.from([X.subarray(0, 3000)]), writeNpy(shorter))
  await rejectsArilError(t, resumeModel<GeneralMixtureModel>(fromFile!).trainStream(shorter, { ...options, resume: fromFile }), { code: 'ERR_CHECKPOINT', message: /a file of 24128 bytes, expected 32128/ })
  const again = resumeModel<GeneralMixtureModel>(fromFile!)
  await again.trainStream(file, { ...options, resume: fromFile })
  const whole = make()
  await whole.trainStream(file, options)
  t.equal(stringifyJSON(again), stringifyJSON(whole))
})

t.test('fileCheckpoint writes a state that reads back verified', async t => {
  const path = join(dir, 'fit.ckpt.json')
  let n = 0
  const save = fileCheckpoint(path, { everyBatches: 2 })
  await t.rejects(make().trainStream(chunked(data, 1, 900), { ...options, checkpoint: { ...save, save: s => { save.save(s); if (++n === 4) throw new Error('killed') } } }), /killed/)
  const state = readCheckpoint(path)
  t.equal(state.checksum, stateChecksum(state))
  t.equal(state.version, 2)
  t.ok(sliceBatch(data, 0, 1).rows === 1)
})

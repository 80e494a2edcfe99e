/**
 * The passes of a multi-pass fit, on whatever executor the fit runs (lib/exec/): the trainer's
 * Loop (em.ts) decides, this file feeds it. A pass over a stream is read here batch after batch
 * and handed to the executor's session, which summarizes each batch here or on a thread; the
 * session is flushed (everything handed over summarized and merged into the model) wherever the
 * Loop needs the model's statistics whole: at the end of a pass, at the end of a mini-batch
 * epoch, before a checkpoint. A pass over shards is one call to the session, whose workers open
 * the shards themselves; its checkpoints are taken between epochs.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { addAbortSignal, type Readable } from 'node:stream'
import { releasesBatchesOf, type Batch } from '../core/batch.js'
import { sliceUnits, unitCount } from '../core/sequence.js'
import { ArilError } from '../core/errors.js'
import type { UpdateOptions } from '../core/options.js'
import { ProgressCounter, type ProgressCallback } from '../core/progress.js'
import { openSource, sourceChunks, type StreamLike } from '../core/source.js'
import { inSourceFile } from '../core/source-file.js'
import { openExecutor, releaseExecutor } from '../exec/choose.js'
import type { PassSource, Session } from '../exec/executor.js'
import type { ShardList } from '../exec/shards.js'
import type { Loop, TrainableModel } from './em.js'
import { rebatch } from './rebatch.js'

/** Work between two yields to the event loop, so a synchronous source cannot starve timers. */
const YIELD_EVERY_MS = 4

/** Reading options of a pass. */
export interface ReadSettings {
  batchSize: number | undefined
  signal: AbortSignal | undefined
  onProgress?: ProgressCallback | undefined
}

/** A stream source as a function that opens it afresh. */
export function opener (source: Exclude<PassSource, ShardList>): () => StreamLike | string | Promise<StreamLike | string> {
  return typeof source === 'function' ? source : () => source
}

/**
 * Opens a pass's stream for a session, which releases every batch it is handed (Session.add): a
 * reader that lends its batches (readNpy) then reuses their memory, and a thread executor may
 * move them to a thread instead of copying them. Re-cut batches (`batchSize`) are new memory, so
 * the source's batches would never come back: then nothing is lent.
 */
export async function lendingSource (open: ReturnType<typeof opener>, settings: ReadSettings): Promise<Readable> {
  const readable = await openSource(open)
  if (settings.batchSize === undefined) releasesBatchesOf(readable)
  return readable
}

/**
 * Runs the passes of a fit until the Loop says training is over; on error the Loop drops the
 * statistics of the unfinished epoch and the error is thrown.
 */
export async function runPasses<U extends UpdateOptions> (model: TrainableModel<U>, source: PassSource, loop: Loop<U>): Promise<void> {
  const { settings } = loop
  const { executor, owned } = openExecutor(settings.executor)
  let session: Session | undefined
  try {
    session = await executor.start({
      model,
      source,
      passes: 'many',
      batchSize: settings.batchSize,
      miniBatch: settings.batchesPerEpoch !== Infinity,
      cutsPasses: settings.checkpoint !== undefined || settings.resume !== undefined,
      signal: settings.signal,
      done: (rows, logp) => loop.counted(rows, logp),
      replay: async seen => await replayPass(model, session!.source, settings, seen)
    })
    await (session.shards !== undefined ? shardPasses(loop, session) : streamPasses(model, loop, session))
  } catch (err) {
    loop.fail(abortError(session === undefined ? err : await session.explain(err), loop))
  } finally {
    await session?.end()
    if (owned) await releaseExecutor(executor)
  }
}

/** Passes over a stream read here (see the file comment). */
async function streamPasses<U extends UpdateOptions> (model: TrainableModel<U>, loop: Loop<U>, session: Session): Promise<void> {
  const { settings } = loop
  const miniBatch = settings.batchesPerEpoch !== Infinity
  const open = opener(session.source)
  let handed = loop.epochBatches
  let batches: AsyncIterator<Batch> | undefined
  await session.begin(loop.epochRows)
  try {
    for (;;) {
      batches ??= readBatches(model, await lendingSource(open, settings), settings, loop.sourceRows, loop)
      const next = await batches.next()
      if (next.done === true) {
        batches = undefined
        await session.flush(!miniBatch)
        const more = loop.sourceEnded()
        await settle(loop)
        if (!more) break
        if (!miniBatch) await session.begin(0)
        continue
      }
      loop.checkAbort()
      await session.add(next.value)
      if (miniBatch && ++handed >= settings.batchesPerEpoch) {
        handed = 0
        await session.flush()
        if (!loop.endEpoch()) {
          await settle(loop)
          break
        }
        await session.begin(0)
      }
      if (loop.checkpointDue) {
        await session.flush()
        loop.maybeCheckpoint()
      }
      await settle(loop)
    }
  } finally {
    await batches?.return?.()
  }
}

/** Passes over shards: one session call each; checkpoints between epochs. */
async function shardPasses<U extends UpdateOptions> (loop: Loop<U>, session: Session): Promise<void> {
  const { settings } = loop
  if (settings.batchesPerEpoch !== Infinity) {
    throw new ArilError('ERR_INVALID_OPTION', 'Option batchesPerEpoch: mini-batches are cut from a stream; with shards an epoch is a pass over every shard')
  }
  if (loop.sourceRows > 0) {
    throw new ArilError('ERR_CHECKPOINT', `The training state was taken ${loop.sourceRows} rows into a pass over a stream; a pass over shards resumes only from a state taken between epochs`)
  }
  for (;;) {
    loop.checkAbort()
    await session.pass(loop.iteration)
    const more = loop.sourceEnded()
    if (more) loop.maybeCheckpoint()
    await settle(loop)
    if (!more) break
  }
}

/** Runs a failed pass again on this thread; returns the error it meets (or `seen` if it meets none). */
async function replayPass<U extends UpdateOptions> (model: TrainableModel<U>, source: Exclude<PassSource, ShardList>, settings: ReadSettings, seen: unknown): Promise<unknown> {
  model.clearSummaries()
  let batches: AsyncIterator<Batch> | undefined
  try {
    batches = readBatches(model, await openSource(opener(source)), settings, 0)
    for (let next = await batches.next(); next.done !== true; next = await batches.next()) model.summarizeBatch(next.value)
  } catch (err) {
    return err
  } finally {
    await batches?.return?.()
  }
  return seen
}

/**
 * The batches of one opening: checked by the model, shown to `loop.identify` (the source's
 * identity, see source-identity.ts), the first `skip` rows (of a resumed pass) dropped, re-cut to
 * `batchSize`; the user's stream errors are `ERR_SOURCE`, raw bytes `ERR_RAW_BYTES`.
 */
export function readBatches<U extends UpdateOptions> (model: TrainableModel<U>, readable: Readable, settings: ReadSettings, skip: number, loop?: Loop<U>): AsyncIterator<Batch> {
  const { signal, batchSize, onProgress } = settings
  if (signal !== undefined) addAbortSignal(signal, readable)
  if (loop !== undefined && onProgress !== undefined) {
    loop.progress = new ProgressCounter(p => onProgress({ ...p, epoch: loop.iteration }))
    loop.progress.attach(readable)
  }
  const skipped = skip
  async function * checked (): AsyncGenerator<Batch> {
    for await (const chunk of sourceChunks(readable, 'A training source')) {
      let batch: Batch
      try {
        batch = model.toBatch(chunk as Batch)
      } catch (err) {
        throw inSourceFile(err, readable)
      }
      loop?.identify(batch)
      // Sequence models count (and skip) whole sequences, every other model rows.
      const units = unitCount(batch)
      if (skip > 0) {
        const drop = Math.min(skip, units)
        skip -= drop
        batch = sliceUnits(batch, drop, units)
      }
      if (unitCount(batch) > 0) yield batch
    }
    loop?.identify(undefined)
    if (skip > 0) throw new ArilError('ERR_SOURCE', `The source ended before the ${skipped} rows the checkpoint had consumed`)
  }
  return batchSize === undefined ? checked() : rebatch(checked(), batchSize)
}

/** A stream destroyed by the abort signal reports an AbortError; training reports ERR_ABORTED. */
export function abortError<U extends UpdateOptions> (err: unknown, loop: Loop<U>): unknown {
  const signal = loop.settings.signal
  if (signal?.aborted === true && !(err instanceof ArilError && err.code === 'ERR_ABORTED')) {
    return new ArilError('ERR_ABORTED', `Training aborted after ${loop.iteration} M-steps`, {}, { cause: signal.reason })
  }
  return err
}

let lastYield = performance.now()

/** Awaits the callbacks' promises, and yields to the event loop now and then. */
export async function settle<U extends UpdateOptions> (loop: Loop<U>): Promise<void> {
  if (loop.pending.length > 0) {
    const pending = loop.pending
    loop.pending = []
    await Promise.all(pending)
  }
  const now = performance.now()
  if (now - lastYield > YIELD_EVERY_MS) {
    lastYield = now
    await nextTurn()
  }
}

/**
 * A single-pass fit (`fitStream` of any model) on an executor: the one pass of a sink, run where
 * the executor runs passes (this thread, worker threads, other machines), then `fromSummaries`.
 * The statistics are the bits of the sink's: the executors hand threads whole blocks only, and a
 * pass over shards sums each shard from its first row, as every executor does.
 *
 * Threads and machines start from empty statistics; when the model already holds some (a user's
 * own `summarize` calls before `fitStream`), the pass runs on this thread, where it continues
 * them as a sink would.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Batch } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { booleanOption, type UpdateOptions } from '../core/options.js'
import { sameJSON } from '../core/serialize.js'
import { openSource, type Source, type StreamLike } from '../core/source.js'
import { FIT_STREAM_OPTION_KEYS } from '../core/model.js'
import { executorChoice, openExecutor, releaseExecutor } from '../exec/choose.js'
import type { Executor, PassSource, Session } from '../exec/executor.js'
import { inProcessExecutor } from '../exec/in-process.js'
import { isShardList } from '../exec/shards.js'
import { modelCopy, modelText } from '../exec/summarize.js'
import type { TrainableModel } from './em.js'
import { lendingSource, opener, readBatches, type ReadSettings } from './passes.js'

/** Options of a single-pass fit on an executor (the model's update options go alongside). */
export interface SinglePassOptions {
  /** Call `fromSummaries` after the pass (default true). */
  update?: boolean | undefined
  signal?: AbortSignal | undefined
  /** Threads for this fit (see TrainOptions.workers). */
  workers?: number | 'auto' | undefined
  /** Where the pass runs (see TrainOptions.executor). */
  executor?: Executor | undefined
  /** Rows per batch handed over (default: the source's chunks, re-cut by the threads to whole blocks). */
  batchSize?: number | undefined
}

/** Work between two yields to the event loop. */
const YIELD_EVERY_MS = 4

const PASS_KEYS = new Set<string>(FIT_STREAM_OPTION_KEYS)

/** True when the model's statistics (`summary`, its summary now) differ from those of a fresh copy (something was summarized). */
function holdsStatistics (model: TrainableModel<any>, summary: unknown): boolean {
  const text = modelText(model)
  return text !== undefined && !sameJSON(summary, modelCopy(text).summary())
}

/** A source a pass can read: a one-shot stream is wrapped in a function (so it cannot be replayed). */
function passSource (source: Source): { input: PassSource; oneShot: boolean } {
  if (typeof source === 'string' || typeof source === 'function' || Array.isArray(source) || isShardList(source)) return { input: source as PassSource, oneShot: false }
  if (typeof source !== 'object' || source === null) throw new ArilError('ERR_SOURCE', `Expected a Readable, an async iterable, a Web ReadableStream, a file path, shards or a function returning one, got ${show(source)}`)
  return { input: () => source as StreamLike, oneShot: true }
}

let lastYield = performance.now()

/** Yields to the event loop now and then, so a synchronous source cannot starve timers and aborts. */
async function yieldSometimes (): Promise<void> {
  const now = performance.now()
  if (now - lastYield > YIELD_EVERY_MS) {
    lastYield = now
    await nextTurn()
  }
}

/**
 * Summarizes `source` in one pass on the fit's executor, merges the statistics into the model and
 * updates its parameters (unless `update: false`). On error the model's statistics are put back
 * as they were and its parameters are unchanged.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, `ERR_ABORTED`, the executor's errors, and whatever the
 *   source or the model throws
 * @example
 * ```ts
 * await fitOnce(new NormalDistribution(), 'big.npy', { workers: 2 })
 * ```
 */
export async function fitOnce<U extends UpdateOptions> (model: TrainableModel<U>, source: Source, options: SinglePassOptions & U): Promise<void> {
  const choice = executorChoice(options)
  const update = booleanOption(options, 'update', true)
  const settings: ReadSettings = { batchSize: options.batchSize, signal: options.signal }
  if (settings.batchSize !== undefined && (!Number.isInteger(settings.batchSize) || settings.batchSize < 1)) {
    throw new ArilError('ERR_INVALID_OPTION', `Option batchSize: expected a whole number >= 1, got ${show(settings.batchSize)}`)
  }
  const updateOptions: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) if (!PASS_KEYS.has(key)) updateOptions[key] = value
  if (model.frozen) return
  const { input, oneShot } = passSource(source)
  const snapshot = model.summary()
  // Statistics summarized before this pass keep it on this thread (a thread's copy of the model is
  // made from its JSON, without them). The comparison costs a fresh copy's summary and a walk of
  // both (a few ms for a wide MultivariateGaussian), so it is made only when the pass could go elsewhere.
  const elsewhere = !isShardList(input) && (choice.executor !== undefined || choice.workers !== 1)
  const { executor, owned } = elsewhere && holdsStatistics(model, snapshot) ? { executor: inProcessExecutor(), owned: false } : openExecutor(choice)
  let session: Session | undefined
  try {
    session = await executor.start({
      model,
      source: input,
      passes: 'one',
      batchSize: settings.batchSize,
      miniBatch: false,
      cutsPasses: false,
      signal: settings.signal,
      done: () => {},
      replay: async seen => {
        if (oneShot) return seen
        // the model's statistics are put back below; the replay reads from empty ones
        model.clearSummaries()
        try {
          await onePass(model, session!, settings, true)
        } catch (err) {
          return err
        }
        return seen
      }
    })
    if (session.shards !== undefined) await session.pass(0)
    else await onePass(model, session, settings, false)
    if (update) model.fromSummaries(updateOptions as U)
  } catch (err) {
    const reported = session === undefined ? err : await session.explain(err)
    model.restoreSummary(snapshot)
    if (settings.signal?.aborted === true && !(reported instanceof ArilError && reported.code === 'ERR_ABORTED')) {
      throw new ArilError('ERR_ABORTED', 'fitStream was aborted', {}, { cause: settings.signal.reason })
    }
    throw reported
  } finally {
    await session?.end()
    if (owned) await releaseExecutor(executor)
  }
}

/** Reads the stream and hands every batch to the session (or, replaying, summarizes it here). */
async function onePass<U extends UpdateOptions> (model: TrainableModel<U>, session: Session, settings: ReadSettings, here: boolean): Promise<void> {
  const open = opener(session.source)
  const batches: AsyncIterator<Batch> = readBatches(model, here ? await openSource(open) : await lendingSource(open, settings), settings, 0)
  try {
    if (!here) await session.begin(0)
    for (let next = await batches.next(); next.done !== true; next = await batches.next()) {
      if (settings.signal?.aborted === true) throw new ArilError('ERR_ABORTED', 'fitStream was aborted', {}, { cause: settings.signal.reason })
      if (here) model.summarizeBatch(next.value)
      else await session.add(next.value)
      await yieldSometimes()
    }
    if (!here) await session.flush()
  } finally {
    await batches.return?.()
  }
}

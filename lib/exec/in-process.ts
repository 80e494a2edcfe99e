/**
 * The default executor: every pass runs on this thread, batch after batch, as a model's sink
 * would. Shards are summarized one after the other, each from its own first row (into a fresh copy
 * of the model, then merged), so a pass over shards gives the bits of every other executor.
 */
import { releaseBatch } from '../core/batch.js'
import { unitCount } from '../core/sequence.js'
import type { Executor, FitRequest, Session } from './executor.js'
import { isShardList, type ShardSpec } from './shards.js'
import { modelCopy, modelText, summarizeShard } from './summarize.js'

/**
 * Summarizes shards here, in order, merging each into the model; reports every shard through
 * `fit.done`.
 * @throws ArilError the first failing shard's error, `ERR_ABORTED`
 * @example
 * ```ts
 * await inProcessPass(fit, shards.specs)
 * ```
 */
export async function inProcessPass (fit: FitRequest, specs: readonly ShardSpec[]): Promise<void> {
  const { model, signal } = fit
  for (const spec of specs) {
    // A model that cannot be written yet (a classifier building its components from the first
    // batch) summarizes its first shard itself: having no components, it has no statistics yet,
    // so the shard's blocks still start at the shard's first row.
    const text = modelText(model)
    if (text === undefined) {
      const result = await summarizeShard(model, spec, signal)
      fit.done(result.rows, result.logProbability)
      continue
    }
    const copy = modelCopy(text)
    const result = await summarizeShard(copy, spec, signal)
    model.mergeSummary(copy.summary())
    fit.done(result.rows, result.logProbability)
  }
}

/**
 * The executor that runs every pass on this thread (the default of every fit).
 * @example
 * ```ts
 * await mixture.fitStream(shards([{ npy: 'a.npy' }, { npy: 'b.npy' }]), { executor: inProcessExecutor() })
 * ```
 */
export function inProcessExecutor (): Executor {
  return IN_PROCESS
}

const IN_PROCESS: Executor = {
  kind: 'in-process',
  start: async (fit: FitRequest): Promise<Session> => {
    const shards = isShardList(fit.source) ? fit.source : undefined
    return {
      shards,
      source: isShardList(fit.source) ? [] : fit.source,
      begin: async () => {},
      add: async batch => {
        fit.done(unitCount(batch), fit.model.summarizeBatch(batch))
        releaseBatch(batch)
      },
      flush: async () => {},
      pass: async () => { await inProcessPass(fit, shards!.specs) },
      explain: async err => err,
      end: async () => {}
    }
  },
  close: async () => {}
}

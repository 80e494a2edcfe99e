/**
 * A summarizing thread (see thread-pool.ts). It loads every model kind and the user's modules
 * (which may register openers and model kinds), then answers:
 *  - `model`: the parameters for the pieces that follow (statistics cleared);
 *  - `piece`: summarizes a batch into that model, and gives the batch's buffers back;
 *  - `collect`: hands over the statistics gathered since the last `model` or `collect`, and clears them;
 *  - `shard`: opens a shard and summarizes it into a fresh copy of the given model.
 * Once a piece fails, every later piece until the next `model` is answered with that error, so
 * the main thread reports one failure per pass.
 */
import { parentPort, workerData } from 'node:worker_threads'
// Every model kind registers itself for fromJSON when its file is loaded.
import '../index.js'
import { serializeError, type SerializedError } from './errors.js'
import { packSummary } from './packed-summary.js'
import { modelCopy, summarizeShardHere } from './summarize.js'
import { ownBuffers, type ClaimedPiece, type FromThread, type ToThread } from './thread-pool.js'
import { sliceUnits, unitCount } from '../core/sequence.js'
import type { TrainableModel } from '../train/em.js'
import type { Summary } from '../core/model.js'

const port = parentPort!
let model: TrainableModel<any> | undefined
let failure: SerializedError | undefined

function send (message: FromThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer)
}

async function handle (message: ToThread): Promise<void> {
  switch (message.type) {
    case 'model':
      failure = undefined
      try {
        model = modelCopy(message.model)
      } catch (err) {
        failure = serializeError(err)
      }
      break
    case 'piece':
      if (failure !== undefined) {
        send({ type: 'error', id: message.id, error: failure })
        break
      }
      try {
        const { batch, start, end } = message
        const part = start === undefined ? batch : sliceUnits(batch, start, end!)
        const logProbability = model!.summarizeBatch(part)
        // the buffers go back to the main thread, which fills them with the next pieces (or hands them back to their reader)
        const buffers = ownBuffers(batch)
        send({ type: 'done', id: message.id, rows: unitCount(part), logProbability, buffers }, buffers)
      } catch (err) {
        failure = serializeError(err)
        send({ type: 'error', id: message.id, error: failure })
      }
      break
    case 'collect': {
      const transfer: ArrayBuffer[] = []
      send({ type: 'summary', summary: failure === undefined && model !== undefined ? packSummary(model.summary(), transfer) as Summary : undefined }, transfer)
      model?.clearSummaries()
      break
    }
    case 'claims': {
      const { id, batch, start, end, pieceRows, counter } = message
      const pieces: ClaimedPiece[] = []
      let failed: { index: number; error: SerializedError } | undefined
      for (let index = Atomics.add(counter, 0, 1); start + index * pieceRows < end; index = Atomics.add(counter, 0, 1)) {
        const from = start + index * pieceRows
        const to = Math.min(end, from + pieceRows)
        if (failure !== undefined) {
          failed = { index, error: failure }
          break
        }
        try {
          pieces.push([index, to - from, model!.summarizeBatch(sliceUnits(batch, from, to))])
        } catch (err) {
          failure = serializeError(err)
          failed = { index, error: failure }
          break
        }
      }
      send({ type: 'claims-done', id, pieces, failed })
      break
    }
    case 'shard':
      try {
        const copy = modelCopy(message.model)
        const result = await summarizeShardHere(copy, message.spec)
        const transfer: ArrayBuffer[] = []
        send({ type: 'shard-done', id: message.id, ...result, summary: packSummary(copy.summary(), transfer) as Summary }, transfer)
      } catch (err) {
        send({ type: 'error', id: message.id, error: serializeError(err) })
      }
  }
}

const modules = (workerData as { modules?: string[] } | undefined)?.modules ?? []
try {
  for (const specifier of modules) await import(specifier)
  // Messages are handled one at a time, in order (a shard's reads must not interleave with the next message).
  let queue = Promise.resolve()
  port.on('message', (message: ToThread) => { queue = queue.then(async () => await handle(message)) })
  send({ type: 'ready' })
} catch (err) {
  send({ type: 'failed', error: serializeError(err) })
}

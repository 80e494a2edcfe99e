/**
 * The worker thread of a parallel pass (see workers.ts): rebuilds the model from its JSON at the
 * start of every pass, summarizes the batches it is sent in the order they arrive, and returns
 * `summary()` when the pass ends. Once something fails (the model cannot be rebuilt, a batch cannot
 * be summarized) every later batch of the pass is answered with that error: the trainer reports it.
 */
import { parentPort } from 'node:worker_threads'
// Every model kind registers itself for fromJSON when its file is loaded.
import '../index.js'
import type { Model } from '../core/model.js'
import { fromJSON } from '../core/serialize.js'
import type { TrainableModel } from './em.js'
import { serializeError, transferList, type FromWorker, type SerializedError, type ToWorker } from './workers.js'

const port = parentPort!
let model: Model | undefined
let failure: SerializedError | undefined

function send (message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer)
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'pass':
      failure = undefined
      try {
        model = fromJSON<Model>(message.model)
        if (message.mode !== undefined) (model as TrainableModel).setPassMode?.(message.mode)
      } catch (err) {
        failure = serializeError(err)
      }
      break
    case 'batch':
      if (failure !== undefined) {
        send({ type: 'error', id: message.id, error: failure })
        break
      }
      try {
        const logProbability = model!.summarizeBatch(message.batch)
        // the buffers go back to the main thread, which fills them with the next batches
        const buffers = transferList(message.batch)
        send({ type: 'done', id: message.id, rows: message.batch.rows, logProbability, buffers }, buffers)
      } catch (err) {
        failure = serializeError(err)
        send({ type: 'error', id: message.id, error: failure })
      }
      break
    case 'end':
      send({ type: 'summary', summary: failure === undefined ? model!.summary() : undefined })
      model = undefined
  }
})

send({ type: 'ready' })

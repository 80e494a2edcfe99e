/**
 * Runs a function of a test module in a worker thread under a deadline. A reader that hangs, even
 * in a synchronous loop that never lets a timer fire, then fails its test at the deadline (with
 * the last input it was given) instead of stalling the suite: the deadline's timer runs on this
 * thread. The deadline is a hang detector, far above the time the call needs; never a measure of speed.
 */
import { Worker } from 'node:worker_threads'

/** What the function in the worker is given: a way to say which case it is on (each call restarts the deadline). */
export type Progress = (note: string) => void

type FromWorker =
  | { type: 'progress'; note: string }
  | { type: 'result'; value: unknown }
  | { type: 'error'; error: { name: string; message: string; code?: string; limit?: string; stack?: string } }

/**
 * Calls `module`'s export `name` with `args` and a {@link Progress} in a fresh worker thread;
 * resolves with its (structured-clone) result, rejects with its error (name, message, code, limit),
 * or rejects when `deadline` milliseconds pass without a result or a progress note.
 */
export async function watched<T> (module: URL, name: string, args: unknown[], deadline: number): Promise<T> {
  const tsx = import.meta.resolve('tsx/esm/api')
  const body = `
    const { parentPort, workerData } = await import('node:worker_threads')
    const { register } = await import(${JSON.stringify(tsx)})
    register()
    const post = message => parentPort.postMessage(message)
    try {
      const fn = (await import(workerData.module))[workerData.name]
      const value = await fn(...workerData.args, note => post({ type: 'progress', note }))
      post({ type: 'result', value })
    } catch (err) {
      post({ type: 'error', error: { name: err?.name, message: String(err?.message ?? err), code: err?.code, limit: err?.limit, stack: err?.stack } })
    }`
  // Only tsx is needed in the worker: the test runner's own preloads are not inherited.
  const worker = new Worker(`(async () => {${body}})()`, { eval: true, execArgv: [], workerData: { module: module.href, name, args } })
  let last = '(no case started)'
  try {
    return await new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout
      const arm = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => reject(new Error(`${name}: no result within ${deadline} ms; last case: ${last}`)), deadline)
      }
      arm()
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') {
          last = message.note
          arm()
          return
        }
        clearTimeout(timer)
        if (message.type === 'result') resolve(message.value as T)
        else reject(Object.assign(new Error(message.error.message), message.error))
      })
      worker.on('error', err => { clearTimeout(timer); reject(err) })
      worker.on('exit', code => { clearTimeout(timer); reject(new Error(`${name}: the worker exited (${code}) without a result; last case: ${last}`)) })
    })
  } finally {
    await worker.terminate()
  }
}

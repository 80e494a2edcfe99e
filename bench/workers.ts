/**
 * Thread start-up for the `workers: n` rows of the benches.
 */
import { openExecutor, releaseExecutor } from '../lib/exec/choose.js'
import type { ThreadExecutor } from '../lib/exec/threads.js'

/**
 * Starts the threads that `workers: n` fits share and waits until they are ready. From source a
 * thread needs about a second of CPU to load the library; a fit does not wait for that (this
 * thread summarizes until the threads are up), so without this the warm-up fit of a fast case
 * ended before the threads were ready and the measured fit ran its first passes here, cold.
 */
export async function startWorkers (n: number): Promise<void> {
  const { executor } = openExecutor({ executor: undefined, workers: n })
  await (executor as ThreadExecutor).ready()
  await releaseExecutor(executor)
}

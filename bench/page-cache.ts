/**
 * The ceiling of reading a file from the page cache on this machine: a bare `readSync` loop into
 * one reused 1 MiB buffer, touching nothing, on one thread and on n threads that each read their
 * own contiguous part of the file at the same time. No reader that copies the file into memory
 * (which is what `read(2)` does, and all Node can do without a native mmap) can go faster, so it is
 * the honest yardstick for the GB/s of `readNpy → sink` and of `fitStream(file, { workers })`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { Worker } from 'node:worker_threads'

const CHUNK = 1 << 20

/** Reads bytes [start, end) of `path` into one reused buffer; returns the bytes read. */
function readRange (path: string, start: number, end: number): number {
  const buffer = Buffer.allocUnsafe(CHUNK)
  const fd = openSync(path, 'r')
  try {
    let at = start
    while (at < end) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, end - at), at)
      if (n === 0) break
      at += n
    }
    return at - start
  } finally {
    closeSync(fd)
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { closeSync, openSync, readSync } = require('node:fs')
const { path, start, end, chunk } = workerData
const buffer = Buffer.allocUnsafe(chunk)
const fd = openSync(path, 'r')
let at = start
while (at < end) { const n = readSync(fd, buffer, 0, Math.min(chunk, end - at), at); if (n === 0) break; at += n }
closeSync(fd)
parentPort.postMessage(at - start)
`

/** GB/s of the bare loop on `threads` threads (1: this thread), the best of `repeats` runs. */
export async function pageCacheGBs (path: string, threads: number, repeats = 3): Promise<number> {
  const size = statSync(path).size
  let best = Infinity
  for (let k = 0; k < repeats; k++) {
    const started = performance.now()
    if (threads === 1) {
      readRange(path, 0, size)
    } else {
      const part = Math.ceil(size / threads)
      await Promise.all(Array.from({ length: threads }, (_, i) => new Promise<number>((resolve, reject) => {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, start: i * part, end: Math.min(size, (i + 1) * part), chunk: CHUNK } })
        worker.once('message', resolve)
        worker.once('error', reject)
      })))
    }
    best = Math.min(best, (performance.now() - started) / 1000)
  }
  return size / 1e9 / best
}

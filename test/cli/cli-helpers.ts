/** Test data for the command line, and runCli in process with its output collected. */
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { Random, writeCsv, writeNpy } from '../../lib/index.js'
import { runCli } from '../../lib/cli/run.js'

export interface CliResult { code: number; stdout: string; stderr: string }

class Collect extends Writable {
  text = ''
  isTTY: boolean
  constructor (tty = false) {
    super()
    this.isTTY = tty
  }

  override _write (chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += String(chunk)
    callback()
  }
}

/** Runs `aril <args>` in this process. */
export async function cli (args: string[], options: { tty?: boolean; signal?: AbortSignal } = {}): Promise<CliResult> {
  const stdout = new Collect()
  const stderr = new Collect(options.tty)
  const code = await runCli(args, { stdout, stderr, signal: options.signal })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** A 1-D mixture (.npy), 2-D rows with a class column (.csv), both seeded. */
export async function makeData (dir: string, n = 6000): Promise<{ x: Float64Array; xy: number[][]; labels: number[]; npy: string; csv: string; xyNpy: string }> {
  const r = new Random(5)
  const x = Float64Array.from({ length: n }, (_, i) => i % 3 === 0 ? -3 + r.normal() : 2 + 1.5 * r.normal())
  const xy: number[][] = []
  const labels: number[] = []
  for (let i = 0; i < n; i++) {
    const c = i % 2
    xy.push([c * 5 + r.normal(), c * 5 + (c === 1 ? 1 : 2) * r.normal()])
    labels.push(c)
  }
  const npy = join(dir, 'x.npy')
  const csv = join(dir, 'xy.csv')
  const xyNpy = join(dir, 'xyl.npy')
  await pipeline(Readable.from([x]), writeNpy(npy))
  await pipeline(Readable.from([{ data: Float64Array.from(xy.flat()), rows: n, cols: 2, labels: Float64Array.from(labels) }]), writeCsv(csv, { columns: ['a', 'b'], label: 'class' }))
  await pipeline(Readable.from([xy.map((row, i) => [...row, labels[i]!])]), writeNpy(xyNpy))
  return { x, xy, labels, npy, csv, xyNpy }
}

/**
 * pomegranate 0.14.8 for the benches: Debian's /usr/bin/python3 (with python3-pomegranate) runs a
 * helper script of bench/ in a child process, and its last line of output is read as JSON.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PYTHON = '/usr/bin/python3'
const HERE = dirname(fileURLToPath(import.meta.url))

/** An argument of a helper: passed as text, or written to a temporary file whose path is passed. */
export type HelperArgument = string | number | Float64Array | { json: string }

/** True when /usr/bin/python3 can import pomegranate. */
export function hasPomegranate (): boolean {
  return spawnSync(PYTHON, ['-c', 'import pomegranate'], { stdio: 'ignore' }).status === 0
}

/**
 * Runs `bench/<script>` with the arguments (arrays as raw float64 files, `{ json }` as a JSON
 * file, both removed afterwards) and returns the JSON of its last line of output.
 * @throws Error with the helper's stderr when it fails
 */
export function runPomegranate<T> (script: string, args: HelperArgument[]): T {
  const dir = mkdtempSync(join(tmpdir(), 'aril-bench-'))
  try {
    const argv = args.map((arg, i) => {
      if (typeof arg === 'string' || typeof arg === 'number') return String(arg)
      const file = join(dir, `arg${i}`)
      writeFileSync(file, arg instanceof Float64Array ? new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength) : arg.json)
      return file
    })
    const run = spawnSync(PYTHON, [join(HERE, script), ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 })
    if (run.status !== 0) throw new Error(`pomegranate helper ${script} failed: ${run.stderr}`)
    return JSON.parse(run.stdout.trim().split('\n').pop()!) as T
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The peers for the benches, pomegranate 0.14.8 and scikit-learn 1.2.1 from Debian's
 * /usr/bin/python3: a helper script of bench/ runs in a child process and its last line of output
 * is read as JSON.
 *
 * The child's environment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for
 * other programs; they pin OpenBLAS to a slower kernel for a current numpy), so numpy's BLAS runs
 * at its best. The child may use both cores (OpenBLAS, scikit-learn's OpenMP); helpers that also
 * report one thread limit it themselves (threadpoolctl).
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

/** The environment of the Python child: ours without the OpenBLAS overrides. */
function pythonEnv (): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.OPENBLAS_CORETYPE
  delete env.OPENBLAS_L2_SIZE
  return env
}

/** True when /usr/bin/python3 can import `module`. */
export function hasPython (module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', env: pythonEnv() }).status === 0
}

/** True when /usr/bin/python3 can import pomegranate. */
export function hasPomegranate (): boolean {
  return hasPython('pomegranate')
}

/** True when /usr/bin/python3 can import scikit-learn (and threadpoolctl, which comes with it). */
export function hasSklearn (): boolean {
  return hasPython('sklearn, threadpoolctl')
}

/**
 * Runs `bench/<script>` with the arguments (arrays as raw float64 files, `{ json }` as a JSON
 * file, both removed afterwards) and returns the JSON of its last line of output.
 * @throws Error with the helper's stderr when it fails
 */
export function runPython<T> (script: string, args: HelperArgument[]): T {
  const dir = mkdtempSync(join(tmpdir(), 'aril-bench-'))
  try {
    const argv = args.map((arg, i) => {
      if (typeof arg === 'string' || typeof arg === 'number') return String(arg)
      const file = join(dir, `arg${i}`)
      writeFileSync(file, arg instanceof Float64Array ? new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength) : arg.json)
      return file
    })
    const run = spawnSync(PYTHON, [join(HERE, script), ...argv], { encoding: 'utf8', maxBuffer: 1 << 26, env: pythonEnv() })
    if (run.status !== 0) throw new Error(`Python helper ${script} failed: ${run.stderr}`)
    return JSON.parse(run.stdout.trim().split('\n').pop()!) as T
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** {@link runPython} for the pomegranate helpers. */
export const runPomegranate = runPython

/** A peer's timings by configuration (e.g. pomegranate's `batch_size`), and the best of them. */
export interface PeerTimings {
  /** Milliseconds per configuration, e.g. `{ "None": 98, "10000": 30 }`. */
  byConfig: Record<string, number>
  best: { config: string; ms: number }
}

/** The fastest configuration of a helper's `{ config: ms }` (ignoring failed ones, reported as null). */
export function bestOf (byConfig: Record<string, number | null>): PeerTimings {
  const entries = Object.entries(byConfig).filter((e): e is [string, number] => typeof e[1] === 'number')
  const [config, ms] = entries.reduce((a, b) => (b[1] < a[1] ? b : a))
  return { byConfig: Object.fromEntries(entries), best: { config, ms } }
}

/** `{ None: 98.1, 10000: 30.2 }` as "None 98, 10000 30 ms". */
export function describeConfigs (timings: PeerTimings, digits = 0): string {
  return Object.entries(timings.byConfig).map(([config, ms]) => `${config} ${ms.toFixed(digits)}`).join(', ')
}

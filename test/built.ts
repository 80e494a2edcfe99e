/**
 * The package built once for every test that needs `dist/` (the CLI run as a subprocess, the
 * packed and installed package): `npm run build` is run only when a file in lib/ is newer than
 * dist/, under a lock, so test files running in parallel share one build.
 */
import { execFile } from 'node:child_process'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)

/** The environment of a child process, with `extra` set. */
export function childEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra }
}

/**
 * A command run without tap's coverage hooks: tap's process tracker adds NODE_OPTIONS and
 * NODE_V8_COVERAGE back to any child's environment, so `env -u` drops them just before the
 * program starts (see test/examples/run-example.ts). Without this, the coverage of dist/ maps
 * back through the source maps onto lib/ and garbles the report.
 * @example
 * ```ts
 * execFile(...uncovered(process.execPath, [bin, '--help']), callback)
 * ```
 */
export function uncovered (file: string, args: readonly string[]): [string, string[]] {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', file, ...args]]
}

async function newest (dir: string): Promise<number> {
  let latest = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? await newest(path) : (await stat(path)).mtimeMs)
  }
  return latest
}

async function fresh (): Promise<boolean> {
  try {
    return (await stat(join(ROOT, 'dist', 'cli', 'main.js'))).mtimeMs >= await newest(join(ROOT, 'lib'))
  } catch {
    return false
  }
}

/** Builds dist/ unless it is up to date; resolves with the path of the built `aril` bin. */
export async function built (): Promise<string> {
  const lock = join(ROOT, '.tap', 'build.lock')
  await mkdir(join(ROOT, '.tap'), { recursive: true })
  for (;;) {
    try {
      await mkdir(lock)
      break
    } catch {
      // another test file is building; a lock older than two minutes was left by a killed run
      const age = await stat(lock).then(s => Date.now() - s.mtimeMs, () => 0)
      if (age > 120_000) await rm(lock, { recursive: true, force: true })
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
  try {
    if (!await fresh()) {
      await run(...uncovered(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']), { cwd: ROOT })
    }
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
  return join(ROOT, 'dist', 'cli', 'main.js')
}

/** Runs an example script the way a user would (`node --import tsx examples/x.ts`) and returns its output. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export async function runExample (name: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const script = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))
  // The example runs as a user runs it, without tap's coverage hooks (tap's process tracker adds
  // them back to any child's environment, so `env -u` drops them just before node starts): tsx
  // compiles lib/ to other offsets than tap's loader does, and merging the two garbles the report.
  const { stdout } = await run('/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024
  })
  return stdout
}

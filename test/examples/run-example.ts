/** Runs an example script the way a user would (`node --import tsx examples/x.ts`) and returns its output. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export async function runExample (name: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const script = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url))
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024
  })
  return stdout
}

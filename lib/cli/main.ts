#!/usr/bin/env node
/**
 * The `aril` bin: runs {@link runCli} on the process's arguments. The first Ctrl-C (SIGINT, or
 * SIGTERM) aborts the command between batches, which leaves every output file as it was and
 * exits with 130; a second one exits at once.
 */
import { runCli } from './run.js'

const controller = new AbortController()
const stop = (): void => {
  if (controller.signal.aborted) process.exit(130)
  controller.abort()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal })

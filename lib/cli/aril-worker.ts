#!/usr/bin/env node
/**
 * `aril-worker`: a worker process of the BullMQ executor (lib/exec/bullmq-worker.ts). It
 * summarizes the shards of every fit whose driver uses the same Redis and prefix, one shard per
 * thread, until SIGTERM or SIGINT, on which it stops taking shards, finishes the ones in progress
 * and exits 0. Exit codes: 0 done, 1 an error (its code and message on stderr), 2 a usage error.
 *
 *   aril-worker [--redis redis://host:6379] [--prefix aril] [--concurrency 2] [--import ./openers.js]...
 */
import { parseArgs } from 'node:util'
import { ArilError } from '../core/errors.js'
import { startWorker } from '../exec/bullmq-worker.js'
import { connectionOptions, describeConnection } from '../exec/redis.js'

const USAGE = `Usage: aril-worker [options]

Summarizes the shards of aril fits run with bullmqExecutor(), until SIGTERM or SIGINT.

Options:
  --redis <url>        Redis to take jobs from (default: $ARIL_REDIS_URL, else redis://127.0.0.1:6379)
  --prefix <prefix>    BullMQ key prefix, the driver's (default: aril)
  --concurrency <n>    shards summarized at once, one thread each (default: 1)
  --import <module>    a module every thread loads first, e.g. one calling registerOpener (repeatable)
  --quiet              no line per shard
  -h, --help           this text
`

/** The command's options, or a usage error. */
function options (argv: string[]): { redis: string | undefined; prefix: string | undefined; concurrency: number; modules: string[]; quiet: boolean } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      prefix: { type: 'string' },
      concurrency: { type: 'string' },
      import: { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    allowPositionals: true,
    strict: true
  })
  if (values.help === true) return 'help'
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency: expected a whole number >= 1, got ${JSON.stringify(values.concurrency)}`)
  return { redis: values.redis, prefix: values.prefix, concurrency, modules: values.import ?? [], quiet: values.quiet === true }
}

class UsageError extends ArilError {
  constructor (message: string) {
    super('ERR_INVALID_OPTION', message)
  }
}

/** What the command talks to: where its lines go, and what stops it (by default SIGTERM or SIGINT). */
export interface WorkerCommandIO {
  stderr?: (line: string) => void
  /** Resolves with the name of what stopped the worker. */
  until?: () => Promise<string>
}

/** The first SIGTERM or SIGINT. */
async function signalled (): Promise<string> {
  return await new Promise<string>(resolve => {
    const on = (signal: string) => (): void => {
      process.off('SIGTERM', term)
      process.off('SIGINT', int)
      resolve(signal)
    }
    const term = on('SIGTERM')
    const int = on('SIGINT')
    process.once('SIGTERM', term)
    process.once('SIGINT', int)
  })
}

/**
 * Runs the command; resolves with its exit code once the worker is closed (or could not start).
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2))
 * ```
 */
export async function main (argv: string[], io: WorkerCommandIO = {}): Promise<number> {
  const stderr = io.stderr ?? ((line: string) => { process.stderr.write(line + '\n') })
  let parsed
  try {
    parsed = options(argv)
  } catch (err) {
    stderr(`aril-worker: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (parsed === 'help') {
    stderr(USAGE)
    return 0
  }
  const { redis, prefix, concurrency, modules, quiet } = parsed
  let worker
  try {
    worker = await startWorker({ connection: redis, prefix, concurrency, modules, log: line => { if (!quiet || !line.startsWith('done ')) stderr(`aril-worker: ${line}`) } })
  } catch (err) {
    const code = err instanceof ArilError ? err.code : 'ERR_EXECUTOR'
    stderr(`aril-worker: ${code}: ${(err as Error).message}`)
    return 1
  }
  stderr(`aril-worker: listening on ${describeConnection(connectionOptions(redis))}, prefix ${prefix ?? 'aril'}, ${concurrency} thread${concurrency === 1 ? '' : 's'} (pid ${process.pid})`)
  const signal = await (io.until ?? signalled)()
  stderr(`aril-worker: ${signal}: finishing the shards in progress`)
  await worker.close()
  stderr('aril-worker: stopped')
  return 0
}

// Run as a command (not when imported by a test).
if (process.argv[1] !== undefined && /aril-worker(\.[jt]s)?$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2))
}

/**
 * The BullMQ executor against the real Redis (127.0.0.1:6379, or ARIL_REDIS_URL), with worker
 * processes forked from the TypeScript sources (test/exec/fixtures/worker.ts): a fit on machines
 * is bit for bit the fit on one machine (3 workers, 12 shards, a mixture for 5 epochs, NaiveBayes),
 * also when a worker dies in the middle of a shard, when a worker stalls past its lock (its late
 * result is refused), and when the driver is killed between epochs and restarted (finished epochs
 * are not redone); a shard that always fails, a Redis nobody serves and an abort end with coded
 * errors; a run's keys are removed when it ends. Every test uses its own key prefix and removes it.
 * Waits have generous timeouts that only stop a hung test; nothing asserts a duration.
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { stringifyJSON } from '../../lib/core/serialize.js'
import { ArilError } from '../../lib/core/errors.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { NaiveBayes } from '../../lib/models/naive-bayes.js'
import { bullmqExecutor, removeRun } from '../../lib/exec/bullmq.js'
import { startWorker } from '../../lib/exec/bullmq-worker.js'
import { npyShards, shards } from '../../lib/exec/shards.js'
import { checkRunId, connectionOptions, describeConnection, load, store } from '../../lib/exec/redis.js'
import { resumeModel, type TrainState } from '../../lib/train/checkpoint.js'
import type { GeneralMixtureModel } from '../../lib/models/mixture.js'
import type { History } from '../../lib/train/em.js'
import { rejectsArilError } from '../helpers.js'
import { main } from '../../lib/cli/aril-worker.js'
import { mixture, openerShards, rows, SHARD_ROWS, SHARDS, writeRows } from './fixtures/data.js'
import './fixtures/slow-opener.js'

const REDIS = process.env.ARIL_REDIS_URL ?? 'redis://127.0.0.1:6379'
const PREFIX = `aril-test-${process.pid}`
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'aril-bullmq-'))
const data = join(dir, 'x.npy')
const redis = new Redis(REDIS)
const logs = (h: History): number[] => h.epochs.map(e => e.logProbability)
/** The first `n` rows of the data. */
const sliceRows = (n: number): Float64Array => rows().data.subarray(0, n)

interface Child {
  proc: ChildProcess
  events: Array<Record<string, unknown>>
  stderr: string
  /** The first event matching `match` (waiting for it; the timeout only stops a hung test). */
  until: (match: (e: Record<string, unknown>) => boolean, what: string) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}
const children: Child[] = []

/**
 * Forks a TypeScript script with tsx; its stdout lines are JSON events. Like run-example.ts, it
 * drops tap's coverage hooks just before node starts: tsx compiles lib/ to other offsets than tap's
 * loader, and merging the two would garble the report.
 */
function fork (script: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', script, ...args],
    { env: { ...process.env, ARIL_REDIS_URL: REDIS, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const events: Array<Record<string, unknown>> = []
  const listeners = new Set<() => void>()
  let buffered = ''
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as Record<string, unknown>)
    for (const listener of listeners) listener()
  })
  const child: Child = {
    proc,
    events,
    stderr: '',
    until: async (match, what) => await new Promise((resolve, reject) => {
      const check = (): void => {
        const found = events.find(match)
        if (found === undefined) return
        listeners.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`gave up waiting for ${what}; events: ${JSON.stringify(events.slice(-5))}; stderr: ${child.stderr.slice(-2000)}`)) }, 120000)
      listeners.add(check)
      proc.once('exit', () => setTimeout(check, 10))
      check()
    }),
    exited: new Promise(resolve => proc.once('exit', (code, signal) => resolve({ code, signal })))
  }
  proc.stderr!.on('data', (chunk: Buffer) => { child.stderr += chunk.toString() })
  children.push(child)
  return child
}

/** A worker process on `prefix`, ready. */
async function worker (prefix: string, env: Record<string, string> = {}): Promise<Child> {
  const child = fork(here('./fixtures/worker.ts'), { ARIL_TEST_PREFIX: prefix, ...env })
  await child.until(e => e.ready !== undefined, 'a worker to be ready')
  return child
}

/** Stops a worker gracefully and waits for its exit. */
async function stop (child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM')
  await child.exited
}

/** How many times each job id was completed, over every worker. */
function completions (workers: Child[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const w of workers) for (const e of w.events) if (typeof e.done === 'string') counts.set(e.done, (counts.get(e.done) ?? 0) + 1)
  return counts
}

/** Keys under a prefix. */
async function keys (prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    out.push(...found)
  } while (cursor !== '0')
  return out
}

async function removePrefix (prefix: string): Promise<void> {
  const found = await keys(prefix)
  if (found.length > 0) await redis.del(...found)
}

const pool: Child[] = []
let reference: { model: string; logs: number[] }

t.before(async () => {
  await writeRows(data)
  pool.push(...await Promise.all([0, 1, 2].map(async () => await worker(PREFIX))))
  const one = mixture()
  const h = await one.trainStream(openerShards(data), { maxIterations: 5, stopThreshold: -Infinity })
  reference = { model: stringifyJSON(one), logs: logs(h) }
})

t.teardown(async () => {
  await Promise.all(children.map(async c => {
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10000)
    await stop(c)
    clearTimeout(timer)
  }))
  for (const prefix of [PREFIX, `${PREFIX}-none`, `${PREFIX}-cli`]) await removePrefix(prefix)
  redis.disconnect()
  rmSync(dir, { recursive: true, force: true })
})

t.test('3 workers, 12 shards: a mixture for 5 epochs and NaiveBayes, bit for bit as on one machine', async t => {
  const executor = bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'main' })
  const states: TrainState[] = []
  const shardsSeen: number[] = []
  const m = mixture()
  const h = await m.trainStream(openerShards(data), {
    maxIterations: 5,
    stopThreshold: -Infinity,
    executor,
    checkpoint: { everyBatches: SHARDS, save: s => { states.push(JSON.parse(JSON.stringify(s))) } },
    callbacks: [{ onBatchEnd: p => { if (p.epoch === 1) shardsSeen.push(p.rows) } }]
  })
  t.same(logs(h), reference.logs, 'the same log-likelihood every epoch')
  t.equal(stringifyJSON(m), reference.model, 'the same parameters')
  t.equal(h.rows, 6 * SHARDS * SHARD_ROWS, 'six passes over every row')
  t.same(shardsSeen, Array.from({ length: SHARDS }, (_, i) => (i + 1) * SHARD_ROWS), 'onBatchEnd once per shard')
  t.equal(states.length, 5, 'a checkpoint after every M-step')
  const done = completions(pool)
  t.equal(done.size, 6 * SHARDS, 'every shard of every epoch completed ...')
  t.ok([...done.values()].every(n => n === 1), '... once')
  t.ok(pool.filter(w => w.events.some(e => typeof e.done === 'string' && e.done.startsWith('main-'))).length >= 2, 'the shards were spread over the workers')
  t.same((await keys(PREFIX)).filter(k => k.includes('main')), [], 'the run left no key behind')

  // resumed from a checkpoint, on the machines
  const resumed = resumeModel<GeneralMixtureModel>(states[1]!)
  const hr = await resumed.trainStream(openerShards(data), { maxIterations: 5, stopThreshold: -Infinity, executor, resume: states[1] })
  t.same(logs(hr), reference.logs, 'resumed from the second state: the same epochs')
  t.equal(stringifyJSON(resumed), reference.model)

  // the same file as block-aligned .npy ranges, and as one file path (one shard)
  const direct = mixture()
  await direct.fitStream(await npyShards(data, { shards: SHARDS }), { maxIterations: 5, stopThreshold: -Infinity, executor })
  t.equal(stringifyJSON(direct), reference.model, '.npy row ranges: the same bits')
  const whole = mixture()
  await whole.fitStream(data, { maxIterations: 2, stopThreshold: -Infinity, executor })
  const local = mixture()
  await local.fitStream(data, { maxIterations: 2, stopThreshold: -Infinity })
  t.equal(stringifyJSON(whole), stringifyJSON(local), 'a file path: one shard')

  // NaiveBayes from labelled CSV shards (1000 rows each, not block-aligned): supervised and semi-supervised
  const all = rows()
  const csv = Array.from({ length: SHARDS }, (_, i) => {
    const path = join(dir, `labelled-${i}.csv`)
    const lines = Array.from({ length: 1000 }, (_, r) => {
      const x = all.data[i * 1000 + r]!
      return `${x},${x > 1 ? 1 : 0},${r % 4 === 0 ? -1 : (x > 1 ? 1 : 0)}`
    })
    writeFileSync(path, 'x,label,partial\n' + lines.join('\n') + '\n')
    return path
  })
  for (const [name, label] of [['supervised', 'label'], ['semi-supervised', 'partial']] as const) {
    const list = shards(csv.map(path => ({ csv: path, options: { columns: true, select: ['x'], label } })))
    const make = (): NaiveBayes => new NaiveBayes([new NormalDistribution(-1, 1), new NormalDistribution(3, 1)])
    const one = make()
    await one.fitStream(list, { maxIterations: 3, stopThreshold: -Infinity })
    const many = make()
    await many.fitStream(list, { maxIterations: 3, stopThreshold: -Infinity, executor })
    t.equal(stringifyJSON(many), stringifyJSON(one), `NaiveBayes, ${name}: the same bits`)
    t.equal(many.history?.epochs.length, one.history?.epochs.length, `NaiveBayes, ${name}: the same EM`)
  }
  t.equal(new NaiveBayes(NormalDistribution, 2).name, 'NaiveBayes')
  await rejectsArilError(t, new NaiveBayes(NormalDistribution, 2).fitStream(shards(csv.map(path => ({ csv: path, options: { columns: true, select: ['x'], label: 'label' } }))), { executor }),
    { code: 'ERR_NOT_FITTED' }, 'a NaiveBayes that builds its components from the data needs them built first')
  // a single-pass fit, with every value stored under the run's keys
  const blobs = bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'blobs', inlineBytes: 0 })
  const d1 = new NormalDistribution().fit(all)
  const d2 = new NormalDistribution()
  await d2.fitStream(openerShards(data), { executor: blobs })
  t.equal(stringifyJSON(d2), stringifyJSON(d1), 'a single pass, values under keys: the bits of fit')
  const m2 = mixture()
  await m2.fitStream(openerShards(data), { maxIterations: 5, stopThreshold: -Infinity, executor: blobs })
  t.equal(stringifyJSON(m2), reference.model, 'EM, values under keys: the same bits')
  t.same((await keys(PREFIX)).filter(k => k.includes('blobs')), [], 'the stored values were removed')
  await executor.close()
  await rejectsArilError(t, mixture().fitStream(openerShards(data), { executor }), { code: 'ERR_EXECUTOR' }, 'a closed executor')
})

t.test('a worker that exits in the middle of a shard: the run finishes with the same bits', async t => {
  const killer = await worker(PREFIX, { ARIL_TEST_EXIT: '2', ARIL_TEST_SLOW: '60' })
  const m = mixture()
  const h = await m.trainStream(openerShards(data), { maxIterations: 5, stopThreshold: -Infinity, executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'killed' }) })
  const exit = await killer.until(e => e.exit !== undefined, 'the worker to exit')
  t.match(exit.exit, /^killed-e2-s\d+$/, 'it died holding a shard of epoch 2')
  t.equal((await killer.exited).code, 1)
  t.same(logs(h), reference.logs, 'the same log-likelihoods')
  t.equal(stringifyJSON(m), reference.model, 'the same parameters')
  const done = completions([...pool, killer])
  t.equal(done.get(exit.exit as string), 1, 'its shard was redone by another worker, once')
  t.ok([...done].filter(([id]) => id.startsWith('killed-')).every(([, n]) => n === 1), 'every shard counted once')
})

t.test('a zombie worker (event loop blocked past its lock): its late result is refused', async t => {
  const zombie = await worker(PREFIX, { ARIL_TEST_ZOMBIE: '2', ARIL_TEST_BLOCK_MS: '8000' })
  const m = mixture()
  const h = await m.trainStream(openerShards(data), { maxIterations: 5, stopThreshold: -Infinity, executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'zombie' }) })
  const blocked = await zombie.until(e => e.zombie !== undefined, 'the zombie to block')
  await zombie.until(e => e.awake !== undefined, 'the zombie to wake up')
  const refused = await zombie.until(e => typeof e.log === 'string' && e.log.startsWith('error') && e.log.includes('zombie-e2'), "the zombie's result to be refused")
  t.match(refused.log, /lock|Missing|not in the active/i, "BullMQ refused the zombie's completion")
  t.same(logs(h), reference.logs, 'the same log-likelihoods')
  t.equal(stringifyJSON(m), reference.model, 'the same parameters')
  const done = completions([...pool, zombie])
  t.equal(done.get(blocked.zombie as string), 1, 'the stalled shard was completed once, by another worker')
  t.notOk(zombie.events.some(e => e.done === blocked.zombie), 'not by the zombie')
  await stop(zombie)
})

t.test('the driver killed between epochs resumes from Redis without redoing finished epochs', async t => {
  const env = { ARIL_TEST_PREFIX: PREFIX, ARIL_TEST_RUN: 'driver', ARIL_TEST_DATA: data }
  const first = fork(here('./fixtures/driver.ts'), { ...env, ARIL_TEST_KILL_AFTER: '2' })
  t.same(await first.exited, { code: null, signal: 'SIGKILL' }, 'the first driver was killed')
  t.same(first.events.map(e => e.epoch), [1, 2], 'after its second epoch')
  const before = completions(pool)
  t.ok((await keys(PREFIX)).some(k => k.includes('driver')), 'the run is still in Redis')
  const second = fork(here('./fixtures/driver.ts'), env)
  const end = await second.until(e => e.model !== undefined, 'the second driver to finish')
  t.equal((await second.exited).code, 0)
  t.equal(end.model, reference.model, 'the same parameters')
  t.same(end.logs, reference.logs, 'the same log-likelihoods, the replayed epochs included')
  const after = completions(pool)
  const ran = (c: Map<string, number>, epoch: number): number => [...c].filter(([id]) => id.startsWith(`driver-e${epoch}-`)).reduce((a, [, n]) => a + n, 0)
  for (const epoch of [0, 1, 2]) t.equal(ran(after, epoch), SHARDS, `epoch ${epoch}: its ${SHARDS} shards ran once, before the kill`)
  for (const epoch of [0, 1, 2]) t.equal(ran(before, epoch), SHARDS)
  for (const epoch of [3, 4, 5]) t.equal(ran(after, epoch), SHARDS, `epoch ${epoch}: run by the second driver`)
  t.same((await keys(PREFIX)).filter(k => k.includes('driver')), [], 'the run left no key behind')
})

t.test('a run id whose epochs were summarized with other parameters is refused', async t => {
  const fit = (model: GeneralMixtureModel): Record<string, unknown> => ({ model, source: openerShards(data, 2), passes: 'many', batchSize: undefined, miniBatch: false, cutsPasses: false, signal: undefined, done: () => {}, replay: async (e: unknown) => e })
  const a = await bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'taken' }).start(fit(mixture()) as never)
  await a.pass(0)
  const other = mixture()
  other.distributions[0] = new NormalDistribution(-2, 1)
  const b = await bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'taken' }).start(fit(other) as never)
  await rejectsArilError(t, b.pass(0), { code: 'ERR_CHECKPOINT', message: /Run taken/ })
  await b.end()
  await a.end()
  t.same((await keys(PREFIX)).filter(k => k.includes('taken')), [])
  // a run left behind by a dead driver can be removed by hand
  const c = await bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'orphan', inlineBytes: 0 }).start(fit(mixture()) as never)
  await c.pass(0)
  t.ok((await keys(PREFIX)).some(k => k.includes('orphan')))
  await removeRun({ connection: REDIS, prefix: PREFIX, run: 'orphan' })
  t.same((await keys(PREFIX)).filter(k => k.includes('orphan')), [], 'removeRun removed it')
  await c.end()
})

t.test('a shard that always fails: ERR_SHARD_FAILED naming it and the worker error; nothing left hanging', async t => {
  const list = shards([...openerShards(data, 3).specs, { opener: 'fail' }])
  const err = await mixture().fitStream(list, { maxIterations: 2, executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'failing', attempts: 2, backoff: 50 }) })
    .catch((e: unknown) => e) as ArilError
  t.ok(err instanceof ArilError)
  t.equal(err.code, 'ERR_SHARD_FAILED')
  t.match(err.message, /Shard 3 of run failing \(epoch 0, \{"opener":"fail"\}\) failed 2 times; the worker's last error: \[ERR_SOURCE\] This shard always fails/)
  t.match((err as Error & { cause: ArilError }).cause, { code: 'ERR_SOURCE' }, "the worker's error code")
  t.same((await keys(PREFIX)).filter(k => k.includes('failing')), [], 'the run left no key behind')
  // the workers serve the next run
  const d = new NormalDistribution()
  await d.fitStream(openerShards(data, 2), { executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX }) })
  t.equal(d.parameters.length, 2, 'the workers took the next run')
})

t.test('an abort stops the run, which is removed', async t => {
  const controller = new AbortController()
  const m = mixture()
  await rejectsArilError(t, m.trainStream(openerShards(data), {
    maxIterations: 50,
    stopThreshold: -Infinity,
    signal: controller.signal,
    executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX, run: 'aborted' }),
    callbacks: [{ onEpochEnd: log => { if (log.epoch === 1) controller.abort() } }]
  }), { code: 'ERR_ABORTED' })
  t.same((await keys(PREFIX)).filter(k => k.includes('aborted')), [], 'the run left no key behind')
})

t.test('no worker listening, no Redis, bad options: coded errors, no hang', async t => {
  const none = `${PREFIX}-none`
  await rejectsArilError(t, mixture().fitStream(openerShards(data, 2), { maxIterations: 1, executor: bullmqExecutor({ connection: REDIS, prefix: none, noWorkerTimeout: 1500 }) }),
    { code: 'ERR_NO_WORKERS', message: new RegExp(`aril-worker --redis .* --prefix ${none}`) })
  t.same((await keys(none)).filter(k => !/aril-map:(meta|events|id|marker)$/.test(k)), [], 'nothing of the run left')
  await rejectsArilError(t, mixture().fitStream(openerShards(data, 2), { executor: bullmqExecutor({ connection: 'redis://127.0.0.1:1', connectTimeout: 2000 }) }), { code: 'ERR_EXECUTOR' })
  await rejectsArilError(t, startWorker({ connection: 'redis://127.0.0.1:1', connectTimeout: 2000 }), { code: 'ERR_EXECUTOR' })
  await rejectsArilError(t, mixture().fitStream(() => [], { executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX }) }), { code: 'ERR_SOURCE' })
  await rejectsArilError(t, mixture().fitStream('x.txt', { executor: bullmqExecutor({ connection: REDIS, prefix: PREFIX }) }), { code: 'ERR_SOURCE' })
  for (const bad of [{ prefix: 'a:b' }, { run: '123' }, { run: 'a b' }, { attempts: 0 }, { backoff: { type: 'linear', delay: 1 } }, { backoff: -1 }, { connection: 'http://x' }, { connection: 5 }, { noWorkerTimeout: 0 }]) {
    t.throws(() => bullmqExecutor(bad as never), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
  t.throws(() => bullmqExecutor(null as never), { code: 'ERR_INVALID_OPTION' })
  for (const bad of [{ concurrency: 0 }, { prefix: '' }, { modules: [3] }, { log: 3 }, { connection: [] }, { maxStalledCount: 1.5 }, { concurrency: 1.5 }]) {
    await rejectsArilError(t, startWorker(bad as never), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
  await rejectsArilError(t, startWorker(null as never), { code: 'ERR_INVALID_OPTION' })
  t.equal(checkRunId('run-1.a_b'), 'run-1.a_b')
  t.same(connectionOptions({ host: 'h', port: 1 }), { host: 'h', port: 1 })
  t.equal(describeConnection({ url: 'redis://user:secret@host:1/0' }), 'redis://host:1/0', 'no password in messages')
  t.equal(describeConnection({ host: 'h' }), 'redis://h:6379')
  const saved = process.env.ARIL_REDIS_URL
  process.env.ARIL_REDIS_URL = 'redis://example:7000'
  t.same(connectionOptions(undefined), { url: 'redis://example:7000' }, 'ARIL_REDIS_URL is the default')
  if (saved === undefined) delete process.env.ARIL_REDIS_URL
  else process.env.ARIL_REDIS_URL = saved
  await rejectsArilError(t, load(redis, { key: `${PREFIX}:gone` }), { code: 'ERR_EXECUTOR' })
  await rejectsArilError(t, load(redis, 42), { code: 'ERR_EXECUTOR' })
  await rejectsArilError(t, store(redis, `${PREFIX}:blob`, 'text', 0, { key: `${PREFIX}:no-lock`, token: 't' }), { code: 'ERR_EXECUTOR' }, 'no write without the lock')
  t.equal(await redis.exists(`${PREFIX}:blob`), 0)
})

t.test('the aril-worker command: serves fits, stops gracefully on SIGTERM', async t => {
  const prefix = `${PREFIX}-cli`
  const cli = fork(here('../../lib/cli/aril-worker.ts'), {}, ['--redis', REDIS, '--prefix', prefix, '--concurrency', '2', '--import', here('./fixtures/slow-opener.ts')])
  await new Promise<void>(resolve => {
    const check = (): void => { if (cli.stderr.includes('listening')) resolve(); else setTimeout(check, 50) }
    check()
  })
  t.match(cli.stderr, new RegExp(`listening on ${REDIS.replace(/[/.]/g, '\\$&')}, prefix ${prefix}, 2 threads`))
  const m = mixture()
  await m.fitStream(openerShards(data, 4), { maxIterations: 2, stopThreshold: -Infinity, executor: bullmqExecutor({ connection: REDIS, prefix }) })
  const one = mixture()
  await one.fitStream(openerShards(data, 4), { maxIterations: 2, stopThreshold: -Infinity })
  t.equal(stringifyJSON(m), stringifyJSON(one), 'the same bits')
  cli.proc.kill('SIGTERM')
  t.same(await cli.exited, { code: 0, signal: null }, 'exit code 0')
  t.match(cli.stderr, /SIGTERM: finishing the shards in progress[\s\S]*stopped/)
  // the command's other exits, run in this process
  const run = async (...argv: string[]): Promise<[number, string]> => {
    const lines: string[] = []
    return [await main(argv, { stderr: line => lines.push(line) }), lines.join('\n')]
  }
  const [usage, usageText] = await run('--concurrency', 'none')
  t.equal(usage, 2, 'a usage error exits 2')
  t.match(usageText, /--concurrency: expected a whole number/)
  t.equal((await run('stray'))[0], 2, 'an argument that is not an option')
  t.equal((await run('--no-such-option'))[0], 2)
  const [help, helpText] = await run('--help')
  t.equal(help, 0)
  t.match(helpText, /Usage: aril-worker/)
  const [noRedis, noRedisText] = await run('--redis', 'redis://127.0.0.1:1')
  t.equal(noRedis, 1, 'no Redis: exit code 1')
  t.match(noRedisText, /ERR_EXECUTOR/)
  // a worker in this process, stopped by its `until`, serving a fit meanwhile
  let stop!: (signal: string) => void
  const lines: string[] = []
  const running = main(['--redis', REDIS, '--prefix', prefix, '--import', here('./fixtures/slow-opener.ts')], { stderr: line => lines.push(line), until: async () => await new Promise(resolve => { stop = resolve }) })
  while (!lines.some(l => l.includes('listening'))) await new Promise(resolve => setTimeout(resolve, 50))
  const d = new NormalDistribution()
  await d.fitStream(openerShards(data, 3), { executor: bullmqExecutor({ connection: REDIS, prefix, inlineBytes: 0 }) })
  t.equal(stringifyJSON(d), stringifyJSON(new NormalDistribution().fit(sliceRows(3 * SHARD_ROWS))), 'a single pass, summaries under keys, on an in-process worker')
  stop('SIGINT')
  t.equal(await running, 0)
  t.match(lines.join('\n'), /SIGINT: finishing the shards in progress[\s\S]*stopped/)
})

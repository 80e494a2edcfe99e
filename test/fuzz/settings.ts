/**
 * How much the fuzz suites run: a few thousand cases per suite in `npm test` (a fixed seed, so a
 * run is repeatable), more with `ARIL_FUZZ_RUNS=100000`, another stream of cases with
 * `ARIL_FUZZ_SEED=n`. Each suite runs in a worker under a deadline per case (test/watchdog.ts).
 */
import type { Test } from 'tap'
import { watched } from '../watchdog.js'

/** What a fuzz suite reports: how many cases ran, and how they ended (an error code, or 'accepted'). */
export interface FuzzReport {
  runs: number
  outcomes: Record<string, number>
}

/** No progress for this long on one case is a hang (the cases take milliseconds). */
const DEADLINE = 30_000

/**
 * Runs the fuzz suite `name` of `module` (a function `(runs, seed, progress) => FuzzReport`) in a
 * worker and reports a counterexample or a hang as a failure of `t`.
 */
export async function fuzz (t: Test, module: URL, name: string, defaultRuns: number): Promise<FuzzReport | undefined> {
  const runs = Number(process.env.ARIL_FUZZ_RUNS ?? defaultRuns)
  const seed = Number(process.env.ARIL_FUZZ_SEED ?? 20240907)
  try {
    const report = await watched<FuzzReport>(module, name, [runs, seed], DEADLINE)
    t.equal(report.runs, runs, `${runs} cases (seed ${seed}): ${JSON.stringify(report.outcomes)}`)
    return report
  } catch (err) {
    t.fail(`seed ${seed}: ${(err as Error).message}`)
    return undefined
  }
}

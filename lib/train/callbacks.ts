/**
 * Ready-made training callbacks (pomegranate's `callbacks.py`): the History every fit returns, a
 * checkpoint writing the model's JSON after each epoch, a CSV log, and progress lines for long
 * passes. Any object with some of the {@link TrainCallback} hooks is a callback too.
 */
import { appendFileSync, writeFileSync } from 'node:fs'
import { invalidOption } from '../core/errors.js'
import { checkKeys, numberOption } from '../core/options.js'
import { stringifyJSON } from '../core/serialize.js'
import type { BatchProgress, EpochLog, TrainableModel, TrainCallback } from './em.js'

/**
 * Why training stopped. `nonFinite`: an epoch's log-likelihood was NaN or ±Infinity (typically a
 * component collapsed onto repeated values; a `minStd` prevents it); the M-step that led there is
 * undone, so the model keeps the parameters of the epoch before.
 */
export type StopReason = 'converged' | 'decreased' | 'maxIterations' | 'frozen' | 'nonFinite'

/**
 * The record of a fit: every epoch's log and how it ended. The trainer always keeps one and
 * returns it; pass your own instance as a callback to watch the epochs arrive.
 *
 * @example
 * ```ts
 * const history = new History()
 * await model.fitStream(open, { callbacks: [history] })
 * history.epochs.map(e => e.logProbability)
 * ```
 */
export class History implements TrainCallback {
  epochs: EpochLog[] = []
  /** Log-likelihood before the first M-step, and after the last one. */
  initialLogProbability = NaN
  logProbability = NaN
  /** M-steps done. */
  iterations = 0
  /** Rows and batches summarized, over all passes. */
  rows = 0
  batches = 0
  stopReason: StopReason | undefined
  /** True when some epoch lowered the log-likelihood. */
  decreased = false

  onEpochEnd (log: EpochLog): void {
    this.epochs.push(log)
  }

  onTrainingEnd (history: History): void {
    if (history === this) return
    Object.assign(this, history, { epochs: history.epochs.slice() })
  }
}

/**
 * Writes the model's JSON (pomegranate's shape) after every epoch, to `path` with `{epoch}`
 * replaced by the epoch number (pomegranate's ModelCheckpoint writes `{name}.{epoch}.json`).
 *
 * @example
 * ```ts
 * await model.fitStream(open, { callbacks: [modelCheckpoint('out/mixture.{epoch}.json')] })
 * ```
 */
export function modelCheckpoint (path: string): TrainCallback {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  let model: TrainableModel<any> | undefined
  return {
    onTrainingBegin: m => { model = m },
    onEpochEnd: log => {
      writeFileSync(path.replaceAll('{epoch}', String(log.epoch)), stringifyJSON(model!.toJSON()))
    }
  }
}

const CSV_COLUMNS = ['epoch', 'improvement', 'totalImprovement', 'logProbability', 'lastLogProbability', 'initialLogProbability',
  'duration', 'epochStartTime', 'epochEndTime', 'rows', 'batches', 'inertia', 'decreased'] as const

/** The keys of {@link csvLogger}'s options. */
export const CSV_LOGGER_OPTION_KEYS = ['separator', 'append'] as const

/**
 * Appends one line per epoch to a CSV file (pomegranate's CSVLogger), with a header line first
 * unless `append` is set and the file is continued.
 *
 * @example
 * ```ts
 * await model.fitStream(open, { callbacks: [csvLogger('fit.csv')] })
 * ```
 */
export function csvLogger (path: string, options: { separator?: string; append?: boolean } = {}): TrainCallback {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  checkKeys(options, CSV_LOGGER_OPTION_KEYS, 'csvLogger')
  const separator = options.separator ?? ','
  if (typeof separator !== 'string' || separator === '') invalidOption('separator', 'a non-empty string', separator)
  return {
    onTrainingBegin: () => {
      if (options.append !== true) writeFileSync(path, CSV_COLUMNS.join(separator) + '\n')
    },
    onEpochEnd: log => {
      appendFileSync(path, CSV_COLUMNS.map(c => String(log[c])).join(separator) + '\n')
    }
  }
}

/** The keys of {@link progress}'s options. */
export const PROGRESS_OPTION_KEYS = ['everyMs', 'write'] as const

/**
 * Progress lines: one per epoch, and during a long pass one every `everyMs` milliseconds with
 * the rows done (and the share of the pass once its length is known).
 *
 * @example
 * ```ts
 * await model.fitStream(open, { callbacks: [progress({ everyMs: 2000 })] })
 * // epoch 3: 4100000/10000000 rows (41%)
 * // epoch 3: log-probability -1234567.89, improvement 12.3, 2210 ms
 * ```
 */
export function progress (options: { everyMs?: number; write?: (line: string) => void } = {}): TrainCallback {
  checkKeys(options, PROGRESS_OPTION_KEYS, 'progress')
  const everyMs = numberOption(options, 'everyMs', 1000, 0)
  const write = options.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  if (typeof write !== 'function') invalidOption('write', 'a function', write)
  let last = performance.now()
  return {
    onBatchEnd: (p: BatchProgress) => {
      const now = performance.now()
      if (now - last < everyMs) return
      last = now
      const share = p.passRows > 0 ? `/${p.passRows} rows (${Math.round(100 * p.rows / p.passRows)}%)` : ' rows'
      write(`epoch ${p.epoch}: ${p.rows}${share}`)
    },
    onEpochEnd: log => {
      last = performance.now()
      if (log.note !== undefined) write(`note: ${log.note}`)
      write(`epoch ${log.epoch}: log-probability ${log.logProbability}, improvement ${log.improvement}${log.decreased ? ' (decreased)' : ''}${log.skipped === undefined ? '' : `, ${log.skipped} impossible sequences skipped`}, ${Math.round(log.duration)} ms`)
    }
  }
}

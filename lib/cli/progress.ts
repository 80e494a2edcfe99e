/**
 * Progress on the command line: a bar (cli-progress) on stderr when stderr is a terminal, JSON
 * lines when it is not (a log file, a CI job, another program reading them), nothing with
 * `--progress none`. JSON lines are throttled to one a second, plus one at the end of every pass
 * and every epoch, so a log stays small.
 */
import cliProgress from 'cli-progress'
import type { Progress } from '../core/progress.js'
import type { EpochLog } from '../train/em.js'

/** How progress is shown. */
export type ProgressMode = 'auto' | 'bar' | 'json' | 'none'

/** Where the command line writes. */
export interface CliStreams {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

const JSON_EVERY_MS = 1000

/** Reports the progress of one command: passes over the data, epochs, and the end. */
export class ProgressReporter {
  private readonly mode: 'bar' | 'json' | 'none'
  private bar: cliProgress.SingleBar | undefined
  private lastJson = -Infinity
  private phase = ''

  constructor (private readonly streams: CliStreams, mode: ProgressMode) {
    this.mode = mode === 'auto' ? (streams.stderr.isTTY === true ? 'bar' : 'json') : mode
  }

  /** A pass over the data begins (`phase` names it: fit, predict, score ...). */
  begin (phase: string): void {
    this.end()
    this.phase = phase
    this.lastJson = -Infinity
  }

  /** The rows (and share) done so far in this pass. */
  update = (p: Progress): void => {
    if (this.mode === 'none') return
    if (this.mode === 'json') {
      const now = performance.now()
      if (now - this.lastJson < JSON_EVERY_MS && p.fraction !== 1) return
      this.lastJson = now
      this.json({ event: 'progress', phase: this.phase, epoch: p.epoch, rows: p.rows, bytes: p.bytes, totalBytes: p.totalBytes, fraction: p.fraction })
      return
    }
    const percent = p.fraction === undefined ? 0 : Math.round(p.fraction * 1000) / 10
    const payload = { phase: this.phase + (p.epoch === undefined ? '' : ` epoch ${p.epoch}`), rows: p.rows, known: p.fraction === undefined ? '' : `${percent}%` }
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar({
        stream: this.streams.stderr,
        format: '{phase} |{bar}| {known} {rows} rows',
        hideCursor: true,
        clearOnComplete: false,
        barsize: 30
      }, cliProgress.Presets.shades_classic)
      this.bar.start(1000, 0, payload)
    }
    this.bar.update(p.fraction === undefined ? 0 : Math.round(p.fraction * 1000), payload)
  }

  /** An epoch of multi-pass training ended. */
  epoch (log: EpochLog): void {
    if (this.mode === 'none') return
    if (this.mode === 'json') {
      this.json({ event: 'epoch', epoch: log.epoch, logProbability: log.logProbability, improvement: log.improvement, rows: log.rows, duration: Math.round(log.duration) })
      return
    }
    this.end()
    this.streams.stderr.write(`epoch ${log.epoch}: log-likelihood ${log.logProbability.toFixed(4)}, improvement ${log.improvement.toFixed(4)}${log.decreased ? ' (decreased)' : ''}, ${Math.round(log.duration)} ms\n`)
  }

  /** Ends the bar of the current pass. */
  end (): void {
    this.bar?.stop()
    this.bar = undefined
  }

  private json (record: Record<string, unknown>): void {
    this.streams.stderr.write(JSON.stringify(record) + '\n')
  }
}

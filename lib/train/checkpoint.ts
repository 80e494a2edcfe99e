/**
 * Mid-pass checkpoints: everything a killed fit needs to continue and end with the same bits as
 * an uninterrupted one. The state holds the parameters of the last completed M-step (the model's
 * JSON), the statistics of the unfinished epoch (the model's summary, partial block included),
 * the rows already consumed from the current opening of the source, and the history so far.
 * Because statistics are summed in blocks aligned to the row index (accumulate.ts), skipping the
 * consumed rows and carrying on reproduces the uninterrupted sums exactly.
 *
 * A state carries the identity of its source (source-identity.ts: a hash of the first rows, and a
 * file's size) and a checksum of its own content (SHA-256 of its JSON with keys sorted), so an
 * altered number or another source is `ERR_CHECKPOINT`, never a resume to different bits.
 */
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { EncodedNumber } from '../core/accumulate.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import type { Model, Summary } from '../core/model.js'
import { fromJSON, parseJSON } from '../core/serialize.js'
import type { EpochLog } from './em.js'
import type { SourceId } from './source-identity.js'

/**
 * What `format` holds in every training state.
 * @example
 * ```ts
 * readCheckpoint('fit.state.json').format === TRAIN_STATE_FORMAT // => true
 * ```
 */
export const TRAIN_STATE_FORMAT = 'aril-train-state'

/** The version of the state written now (2: with `source` and `checksum`). */
const VERSION = 2

/** A resumable snapshot of a running fit (plain JSON). */
export interface TrainState {
  format: typeof TRAIN_STATE_FORMAT
  version: 2
  /** The model's JSON at the last completed M-step. */
  model: object
  /** The statistics of the unfinished epoch. */
  summary: Summary
  /** M-steps done. */
  iteration: number
  /** Rows and batches summarized in the unfinished epoch. */
  epochRows: number
  epochBatches: number
  /** Rows consumed from the current opening of the source (skipped on resume). */
  sourceRows: number
  /** Rows of one full opening of the source, once known (-1 before). */
  passRows: number
  /** Exact partial sum of the epoch's log-likelihood (partials of an ExactSum). */
  logSum: EncodedNumber[]
  lastLogProbability: EncodedNumber
  initialLogProbability: EncodedNumber
  totalRows: number
  totalBatches: number
  /** The epochs logged so far. */
  epochs: EpochLog[]
  /** The identity of the source: a hash of its first rows, and a file's size. */
  source: SourceId
  /** SHA-256 (hex) of the rest of the state (see {@link stateChecksum}). */
  checksum: string
}

/** When and where the trainer hands its state over. */
export interface CheckpointOptions {
  /** Save after every this many batches (default 1 when `everyMs` is not given). */
  everyBatches?: number
  /** Save when at least this many milliseconds passed since the last save. */
  everyMs?: number
  /** Receives each state; a returned promise is awaited by `trainStream`. */
  save: (state: TrainState) => void | Promise<void>
}

/** The keys of {@link CheckpointOptions}. */
export const CHECKPOINT_OPTION_KEYS = ['everyBatches', 'everyMs', 'save'] as const

/**
 * A checkpoint option that writes the state as JSON to `path` (through a temporary file and a
 * rename, so a kill during the write leaves the previous checkpoint intact).
 *
 * @example
 * ```ts
 * await trainStream(model, open, { checkpoint: fileCheckpoint('fit.ckpt.json', { everyBatches: 100 }) })
 * // after a crash:
 * const state = readCheckpoint('fit.ckpt.json')
 * await trainStream(resumeModel(state), open, { resume: state })
 * ```
 */
export function fileCheckpoint (path: string, options: Omit<CheckpointOptions, 'save'> = {}): CheckpointOptions {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  checkKeys(options, CHECKPOINT_OPTION_KEYS.filter(key => key !== 'save'), 'fileCheckpoint')
  return {
    ...options,
    save: state => {
      writeFileSync(path + '.tmp', JSON.stringify(state))
      renameSync(path + '.tmp', path)
    }
  }
}

/**
 * Reads a state written by {@link fileCheckpoint}.
 * @throws ArilError `ERR_CHECKPOINT` when the file is not a training state
 * @example
 * ```ts
 * const state = readCheckpoint('fit.ckpt.json')
 * ```
 */
export function readCheckpoint (path: string): TrainState {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ArilError('ERR_CHECKPOINT', `Cannot read checkpoint: ${(err as Error).message}`, { file: path }, { cause: err })
  }
  let value: unknown
  try {
    value = parseJSON(text)
  } catch (err) {
    throw new ArilError('ERR_CHECKPOINT', 'Checkpoint is not JSON', { file: path }, { cause: err })
  }
  return checkTrainState(value, path)
}

/**
 * The checksum of a state: SHA-256 of its JSON without `checksum`, object keys sorted (so a store
 * that reorders keys, such as a database's JSON column, keeps it valid) and numbers as
 * `JSON.stringify` writes them (so it survives a JSON round trip).
 * @example
 * ```ts
 * stateChecksum(state) === state.checksum // => true for a state as the trainer wrote it
 * ```
 */
export function stateChecksum (state: object): string {
  const { checksum: _checksum, ...rest } = state as Partial<TrainState>
  return createHash('sha256').update(canonicalJSON(rest)).digest('hex')
}

/**
 * JSON text with every object's keys sorted: the same text for the same content, in whatever
 * order a store kept the keys.
 * @example
 * ```ts
 * canonicalJSON({ b: 1, a: [{ d: 2, c: 3 }] }) // => '{"a":[{"c":3,"d":2}],"b":1}'
 * ```
 */
export function canonicalJSON (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map(k => [k, (v as Record<string, unknown>)[k]]))
    : v)
}

/**
 * Checks that a value is a {@link TrainState} whose checksum matches its content.
 * @throws ArilError `ERR_CHECKPOINT` saying what is missing or altered; a state of version 1
 *   (written before states carried a checksum) is refused: it cannot be verified
 * @example
 * ```ts
 * const state = checkTrainState(JSON.parse(text))
 * ```
 */
export function checkTrainState (value: unknown, file?: string): TrainState {
  const where = file === undefined ? {} : { file }
  const s = value as Partial<TrainState>
  if (typeof value !== 'object' || value === null || s.format !== TRAIN_STATE_FORMAT) {
    throw new ArilError('ERR_CHECKPOINT', `Expected a training state (format ${TRAIN_STATE_FORMAT}, version ${VERSION}), got ${show(value)}`, where)
  }
  if (s.version !== VERSION) {
    throw new ArilError('ERR_CHECKPOINT', `Expected a training state of version ${VERSION}, got version ${show(s.version)}${s.version === 1 ? ' (written by an earlier aril without a checksum, so it cannot be verified; start the fit again)' : ''}`, where)
  }
  if (typeof s.checksum !== 'string' || s.checksum !== stateChecksum(s)) {
    throw new ArilError('ERR_CHECKPOINT', 'Training state: the checksum does not match the content (the state was altered or damaged)', where)
  }
  const id = s.source as Partial<SourceId> | undefined
  if (typeof id !== 'object' || id === null || !Number.isInteger(id.rows) || typeof id.hash !== 'string' ||
      (id.bytes !== undefined && !Number.isInteger(id.bytes))) {
    throw new ArilError('ERR_CHECKPOINT', `Training state: expected the identity of its source, got ${show(id)}`, where)
  }
  const counts = ['iteration', 'epochRows', 'epochBatches', 'sourceRows', 'totalRows', 'totalBatches'] as const
  for (const key of counts) {
    if (!Number.isInteger(s[key]) || s[key]! < 0) throw new ArilError('ERR_CHECKPOINT', `Training state: expected ${key} to be a whole number, got ${show(s[key])}`, where)
  }
  if (!Number.isInteger(s.passRows) || s.passRows! < -1) throw new ArilError('ERR_CHECKPOINT', `Training state: expected passRows to be a whole number, got ${show(s.passRows)}`, where)
  if (typeof s.model !== 'object' || s.model === null || typeof s.summary !== 'object' || s.summary === null ||
      !Array.isArray(s.logSum) || !Array.isArray(s.epochs)) {
    throw new ArilError('ERR_CHECKPOINT', 'Training state: expected model, summary, logSum and epochs', where)
  }
  return s as TrainState
}

/**
 * The model to resume with: rebuilt from the state's JSON (the parameters of its last M-step).
 * @example
 * ```ts
 * const model = resumeModel(state)
 * await trainStream(model, open, { resume: state, maxIterations: 50 })
 * ```
 */
export function resumeModel<M extends Model = Model> (state: TrainState): M {
  return fromJSON<M>(checkTrainState(state).model)
}


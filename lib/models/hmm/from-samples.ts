/**
 * What `HiddenMarkovModel.fromMatrix`, `fromSamples` and `fromStream` share: the states and edges
 * of a matrix, the split of the options into the initialization's and the fit's, and the rows the
 * initialization passes read (the observations of every sequence, without the per-sequence
 * weights and labels).
 */
import type { Batch, BatchInput } from '../../core/batch.js'
import { ArilError, show } from '../../core/errors.js'
import { toSequenceBatch, type SequenceBatch, type SequenceInput } from '../../core/sequence.js'
import { checkKeys, optionKeys } from '../../core/options.js'
import { TRAIN_OPTION_KEYS } from '../../train/em.js'
import type { Model } from '../../core/model.js'
import { State } from '../state.js'
import { INIT_KEYS } from '../mixture-init.js'
import type { HmmState } from './graph.js'
import { UPDATE_KEYS, type HmmFitOptions, type HmmFromSamplesOptions } from './options.js'

/** The initialization's options, the model's (`endState`, `stateNames`, `name`) and the fit's. */
export interface SplitOptions {
  init: Record<string, unknown>
  endState: boolean
  names: { stateNames?: string[]; name?: string }
  fit: HmmFitOptions
}

export function splitOptions (k: number, options: HmmFromSamplesOptions, where: string): SplitOptions {
  checkKeys(options, optionKeys(INIT_KEYS, TRAIN_OPTION_KEYS, UPDATE_KEYS, ['endState', 'stateNames', 'name']), `HiddenMarkovModel.${where}`)
  if (!Number.isInteger(k) || k < 1) throw new ArilError('ERR_INVALID_ARGUMENT', `${where}: expected a whole number of states >= 1, got ${show(k)}`)
  const init: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) ((INIT_KEYS as readonly string[]).includes(key) ? init : rest)[key] = value
  const { endState, stateNames, name, ...fit } = rest as HmmFromSamplesOptions
  return { init, endState: endState === true, names: { ...(stateNames === undefined ? {} : { stateNames }), ...(name === undefined ? {} : { name }) }, fit }
}

/** The rows of a list of sequences or a SequenceBatch (or a chunk of a sequence source), as the initialization reads them. */
export function observationRows (X: BatchInput | readonly SequenceInput[]): Batch {
  const batch = toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { categorical: true })
  return { data: batch.data, rows: batch.rows, cols: batch.cols, categories: batch.categories }
}

/** pomegranate's start: uniform transitions, starts (and ends with `endState`) between the k states. */
export function uniformMatrices (k: number, endState: boolean): { transitions: number[][]; starts: number[]; ends: number[] | undefined } {
  const uniform = (): number[] => new Array<number>(k).fill(1 / k)
  return { transitions: Array.from({ length: k }, uniform), starts: uniform(), ends: endState ? uniform() : undefined }
}


/** Anything that takes states and transitions (a HiddenMarkovModel, without importing it here). */
interface Builder {
  readonly start: HmmState
  readonly end: HmmState
  addStates (...states: HmmState[][]): unknown
  addTransition (a: HmmState, b: HmmState, probability: number): unknown
}

/**
 * Adds pomegranate's `from_matrix` states (`s0` … or `names`) and edges (the non-zero entries).
 * @throws ArilError `ERR_INVALID_ARGUMENT` when the shapes disagree
 */
export function addMatrix (model: Builder, transitions: ReadonlyArray<ArrayLike<number>>, distributions: ReadonlyArray<Model | null>, starts: ArrayLike<number>, ends: ArrayLike<number> | undefined, names?: readonly string[]): void {
  const k = distributions.length
  if (transitions.length !== k || Array.from(transitions).some(row => row.length !== k) || starts.length !== k || (ends !== undefined && ends.length !== k)) {
    throw new ArilError('ERR_INVALID_ARGUMENT', `fromMatrix: expected a ${k} × ${k} matrix and ${k} start (and end) probabilities for ${k} distributions`)
  }
  const states = distributions.map((d, i) => new State(d, names?.[i] ?? `s${i}`))
  model.addStates(states)
  for (let i = 0; i < k; i++) if (starts[i] !== 0) model.addTransition(model.start, states[i]!, starts[i]!)
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (transitions[i]![j] !== 0) model.addTransition(states[i]!, states[j]!, transitions[i]![j]!)
  if (ends !== undefined) for (let i = 0; i < k; i++) if (ends[i] !== 0) model.addTransition(states[i]!, model.end, ends[i]!)
}

/** The options of a hidden Markov model's methods, and their checks. */
import { invalidOption } from '../../core/errors.js'
import type { UpdateOptions } from '../../core/options.js'
import type { TrainOptions } from '../../train/em.js'
import type { MixtureInitOptions } from '../mixture-init.js'
import type { Algorithm } from './statistics.js'

/** Options of `fromSummaries` (pomegranate's names in camelCase). */
export interface HmmUpdateOptions extends UpdateOptions {
  /** Added to every edge's expected count. */
  transitionPseudocount?: number
  /** Passed to categorical emission distributions as their pseudocount. */
  emissionPseudocount?: number
  /** Also add each edge's own pseudocount (from `addTransition`). */
  usePseudocount?: boolean
  edgeInertia?: number
  distributionInertia?: number
  /** Accepted (and ignored) here, so that fit's options can be handed over whole. */
  algorithm?: Algorithm
}

/** Options of `summarize`: one weight per sequence, one list of state names per sequence (labeled training). */
export interface HmmSummarizeOptions {
  weights?: ArrayLike<number> | undefined
  /** (Typed to also admit the row labels of other models' options; anything but lists of names is ERR_INVALID_INPUT.) */
  labels?: ReadonlyArray<ReadonlyArray<string | null>> | ArrayLike<number> | undefined
  algorithm?: Algorithm | undefined
}

/** Options of `fit` and `fitStream`. */
export type HmmFitOptions = TrainOptions & HmmUpdateOptions & HmmSummarizeOptions

/** Options of `fromSamples`: the initialization's (`seed`, `init`, `nInit`, `initRows`, `initSample`, `kmeansIterations`), `endState`, `stateNames`, `name`, and `fit`'s. */
export type HmmFromSamplesOptions = MixtureInitOptions & HmmFitOptions & { endState?: boolean; stateNames?: string[]; name?: string }

/** Options of `addTransition`. */
export interface TransitionOptions {
  /** This edge's pseudocount, used with `usePseudocount` (default: the probability, as pomegranate). */
  pseudocount?: number
  /** Edges of one group share their expected counts (tied edges). */
  group?: string
}

/** Rows of emissions and weights held at a time (more only for a longer sequence). */
export const PIECE_ROWS = 65536

export const UPDATE_KEYS = ['inertia', 'pseudocount', 'transitionPseudocount', 'emissionPseudocount', 'usePseudocount', 'edgeInertia', 'distributionInertia', 'algorithm']
const ALGORITHMS: readonly Algorithm[] = ['baum-welch', 'viterbi', 'labeled']

export function algorithmOption (value: unknown): Algorithm {
  if (value === undefined) return 'baum-welch'
  if (!ALGORITHMS.includes(value as Algorithm)) invalidOption('algorithm', `one of ${ALGORITHMS.join(', ')}`, value)
  return value as Algorithm
}

/**
 * `BayesClassifier.fromSamples(HiddenMarkovModel, sequences, y, { hmm })`: one HMM per class,
 * each built by `HiddenMarkovModel.fromSamples` from the sequences labelled with its class (with
 * their weights), since an HMM has no blank form to start from. pomegranate 0.14.8 means to do
 * the same (`BayesClassifier.from_samples` calls `HiddenMarkovModel.from_samples` per label) but
 * passes the sequences where the distribution goes, so it fails there.
 */
import { ArilError, invalidOption } from '../core/errors.js'
import { toSequenceBatch, type SequenceBatch, type SequenceInput } from '../core/sequence.js'
import type { BatchInput } from '../core/batch.js'
import type { ComponentKind } from './mixture-init.js'
import { HiddenMarkovModel } from './hmm/hmm.js'
import type { HmmFromSamplesOptions } from './hmm/options.js'
import { classCount } from './bayes-arguments.js'
import { gatherSequences, sequenceLabels } from './bayes-sequences.js'

/**
 * The `hmm` option of `BayesClassifier.fromSamples(HiddenMarkovModel, ...)`: what
 * `HiddenMarkovModel.fromSamples(distribution, nComponents, X, options)` takes for every class.
 * @example
 * ```ts
 * const hmm: HmmClassOptions = { distribution: NormalDistribution, nComponents: 3, seed: 1, maxIterations: 20 }
 * BayesClassifier.fromSamples(HiddenMarkovModel, sequences, y, { hmm })
 * ```
 */
export type HmmClassOptions = HmmFromSamplesOptions & {
  /** The emission distribution class (or one per state), e.g. `NormalDistribution`. */
  distribution: ComponentKind | readonly ComponentKind[]
  /** States per HMM. */
  nComponents: number
}

/**
 * The `hmm` option of a stack's `fromSamples(HiddenMarkovModel, ...)`, which it needs.
 * @throws ArilError `ERR_INVALID_OPTION` when it is not an object
 */
export function requireHmmOption (hmm: HmmClassOptions | undefined): HmmClassOptions {
  if (typeof hmm !== 'object' || hmm === null) {
    invalidOption('hmm', 'the HMMs\' fromSamples arguments, { distribution, nComponents, ...options } (e.g. { distribution: NormalDistribution, nComponents: 3 })', hmm)
  }
  return hmm
}

/**
 * The sequences with their class labels checked (one per sequence, −1/NaN unlabeled), and one HMM
 * per class 0 … max label built from that class's sequences.
 * @throws ArilError `ERR_INVALID_OPTION` without a `hmm` option, `ERR_LABEL` for missing labels or a
 *   class without a labelled sequence, and what `HiddenMarkovModel.fromSamples` throws
 */
export function hmmClasses (X: BatchInput | readonly SequenceInput[], labels: ArrayLike<number> | undefined, weights: ArrayLike<number> | undefined, hmm: HmmClassOptions | undefined, where: string): { batch: SequenceBatch; models: HiddenMarkovModel[] } {
  const { distribution, nComponents, ...options } = requireHmmOption(hmm)
  const given = toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { categorical: true, weights })
  const classes = labels ?? given.labels
  const k = classCount(classes, where, 'sequence')
  const n = given.offsets.length - 1
  const batch = { ...given, labels: sequenceLabels(classes!, n, k, where) }
  const models = Array.from({ length: k }, (_, j) => {
    const own: number[] = []
    for (let s = 0; s < n; s++) if (batch.labels[s] === j) own.push(s)
    if (own.length === 0) throw new ArilError('ERR_LABEL', `${where}: class ${j} has no labelled sequence to build its HiddenMarkovModel from (classes are 0 … the largest label)`)
    return HiddenMarkovModel.fromSamples(distribution, nComponents, { ...gatherSequences(batch, own), labels: undefined }, options)
  })
  return { batch, models }
}

/**
 * Model stacks over sequence models (pomegranate's `is_vl_`): a GeneralMixtureModel or a
 * BayesClassifier whose components are HiddenMarkovModels reads sequences, and each sequence is
 * one "row": one log-probability per component, one responsibility or label, one weight. The
 * stacks keep their row paths untouched and branch here once per batch.
 */
import type { Batch, BatchInput } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { isSequenceBatch, toSequenceBatch, type SequenceBatch, type SequenceInput } from '../core/sequence.js'
import { HiddenMarkovModel } from './hmm/hmm.js'

/**
 * Whether a stack's components are sequence models: true when every one is a
 * HiddenMarkovModel, false when none is.
 * @throws ArilError `ERR_INVALID_PARAMETER` for a mix of the two (no input fits both)
 */
export function sequenceComponents (models: readonly Model[], where: string): boolean {
  const count = models.filter(m => m instanceof HiddenMarkovModel).length
  if (count > 0 && count < models.length) {
    throw new ArilError('ERR_INVALID_PARAMETER', `${where}: expected every component to be a HiddenMarkovModel or none, got ${count} of ${models.length}`)
  }
  return count > 0
}

/**
 * A stack's input as sequences: a list of sequences or a SequenceBatch (a sequence source's
 * chunk), checked against the components' columns; `weights` are one per sequence.
 * @throws ArilError `ERR_INVALID_INPUT` for a Batch of rows (it has no sequence boundaries), and what `toSequenceBatch` throws
 */
export function sequenceInput (X: BatchInput | readonly SequenceInput[], cols: number | undefined, categorical: boolean, weights: ArrayLike<number> | undefined, where: string): SequenceBatch {
  if (isBatchOfRows(X)) {
    throw new ArilError('ERR_INVALID_INPUT', `${where}: a Batch of rows has no sequence boundaries; give a list of sequences, a SequenceBatch, or a sequence source`)
  }
  return toSequenceBatch(X as readonly SequenceInput[] | SequenceBatch, { cols, categorical, weights })
}

function isBatchOfRows (X: unknown): boolean {
  return typeof X === 'object' && X !== null && !Array.isArray(X) && (X as Partial<Batch>).data instanceof Float64Array && !isSequenceBatch(X)
}

/** A checked batch as a SequenceBatch, or `ERR_INVALID_INPUT` (a batch of rows reached a stack of sequence models). */
export function requireSequences (batch: Batch, where: string): SequenceBatch {
  if (!isSequenceBatch(batch)) {
    throw new ArilError('ERR_INVALID_INPUT', `${where}: expected a SequenceBatch (its components are HiddenMarkovModels); read sequences with a sequence source or give a list of sequences`)
  }
  return batch
}

/**
 * `log π_j + log P_j(sequence)` per component j and sequence (`joint[j][s]`), and the log-sum
 * over the components per sequence (`lse`, −Infinity for a sequence every component calls
 * impossible).
 */
export function sequenceJoint (models: readonly Model[], logWeights: ArrayLike<number>, batch: SequenceBatch): { joint: Float64Array[]; lse: Float64Array } {
  const n = batch.offsets.length - 1
  const joint = models.map((m, j) => {
    const logp = m.logProbabilityBatch(batch)
    const prior = logWeights[j]!
    for (let s = 0; s < n; s++) logp[s]! += prior
    return logp
  })
  const lse = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    let max = -Infinity
    for (const a of joint) if (a[s]! > max) max = a[s]!
    if (!(max > -Infinity)) {
      lse[s] = max
      continue
    }
    let sum = 0
    for (const a of joint) sum += Math.exp(a[s]! - max)
    lse[s] = max + Math.log(sum)
  }
  return { joint, lse }
}

/**
 * The E-step of a mixture over sequences: `joint` becomes the responsibilities times the
 * sequences' weights, and `lse` the weight-free log-probability, 0 for an impossible sequence
 * (it is handed to no component and adds nothing, as an HMM skips it). Returns Σ w·log p over the
 * possible sequences.
 */
export function sequenceResponsibilities (joint: Float64Array[], lse: Float64Array, weights: Float64Array | undefined): number {
  let total = 0
  for (let s = 0; s < lse.length; s++) {
    const l = lse[s]!
    const w = weights === undefined ? 1 : weights[s]!
    if (!(l > -Infinity)) {
      for (const a of joint) a[s] = 0
      lse[s] = 0
      continue
    }
    for (const a of joint) a[s] = Math.exp(a[s]! - l) * w
    if (w !== 0) total += w * l
  }
  return total
}

/**
 * `fromSamples` of a stack takes component classes that fit rows; for HiddenMarkovModel it would
 * need a topology per component, so it is refused with what to do instead (pomegranate's
 * GeneralMixtureModel has no such path, and its BayesClassifier's calls `from_samples` with the
 * sequences in the place of the distribution).
 * @throws ArilError `ERR_INVALID_OPTION` when `kind` is (or lists) HiddenMarkovModel
 */
export function rejectSequenceKind (kind: unknown, where: string): void {
  const kinds: unknown[] = Array.isArray(kind) ? kind : [kind]
  if (kinds.includes(HiddenMarkovModel)) {
    throw new ArilError('ERR_INVALID_OPTION', `${where}: cannot build HiddenMarkovModel components from samples; build each HMM (HiddenMarkovModel.fromSamples or fromMatrix) and pass the list to the constructor, then fit`)
  }
}

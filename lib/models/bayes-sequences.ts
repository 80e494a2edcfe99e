/**
 * The E-step of a classifier (BayesClassifier, NaiveBayes) whose components are HiddenMarkovModels:
 * each sequence is one "row" with one class label and one weight. A labelled sequence goes to its
 * class's HMM; an unlabeled one (label −1 or NaN) goes, in the semi-supervised pass, to every HMM
 * weighted by its class responsibility `π_j P_j(s) / Σ_i π_i P_i(s)` (as a mixture of HMMs does,
 * sequence-stack.ts), so the M-step sees the labelled statistics plus the unlabeled ones
 * (pomegranate's semi-supervised `BayesModel.fit`).
 *
 * Every HMM summarizes every sequence of a batch (weight 0 for sequences that are not its own), so
 * its blocks of sequences stay aligned to the sequence index and shards merge bit-exactly; the
 * class weights and the unlabeled sequences' log-likelihood go into blocked sums of sequences too.
 */
import type { BlockedSums } from '../core/accumulate.js'
import { ArilError, show } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { concatSequences, sliceSequences, type SequenceBatch } from '../core/sequence.js'
import { sequenceJoint } from './sequence-stack.js'

/**
 * A classifier's labels for sequences: one per sequence, a class 0 … k−1, or −1 / NaN for an
 * unlabeled sequence.
 * @throws ArilError `ERR_LABEL` for a count other than one per sequence, or (with the sequence) another value
 */
export function sequenceLabels (labels: ArrayLike<number>, n: number, k: number, where: string): Float64Array {
  if (labels.length !== n) throw new ArilError('ERR_LABEL', `${where}: expected ${n} labels (one per sequence), got ${labels.length}`)
  const out = Float64Array.from(labels as ArrayLike<number>)
  for (let s = 0; s < n; s++) {
    const y = out[s]!
    if (y === y && y !== -1 && !(Number.isInteger(y) && y >= 0 && y < k)) {
      throw new ArilError('ERR_LABEL', `${where}: expected a class label 0 … ${k - 1} for every sequence (or -1/NaN for unlabeled), got ${show(labels[s])}`, { sequence: s })
    }
  }
  return out
}

/** Where a pass puts the classifier's own sums: Σw per class, and Σ w·log p and the impossible count of the unlabeled sequences. */
export interface SequenceClassSums {
  classes: BlockedSums
  /** Two slots: Σ w·log p(sequence) and the number of unlabeled sequences every class calls impossible. */
  unlabeled: BlockedSums
}

/** What a pass over one batch found. */
export interface SequenceClassPass {
  /** Σ w·log p of the unlabeled sequences (0 outside the semi-supervised pass). */
  logProbability: number
  /** Unlabeled sequences (with weight > 0) that the pass handed to no component (outside the semi-supervised pass). */
  unlabeled: number
}

/**
 * In-memory sequences without any label (`fit(sequences)`): `ERR_LABEL`, as for rows. (A chunk of
 * a stream may have none: a sequence source gives labels only to chunks in which some sequence
 * has a class, so there a SequenceBatch without labels is all unlabeled.)
 */
export function noSequenceLabels (where: string): ArilError {
  return new ArilError('ERR_LABEL', `${where}: expected labels (one class per sequence, -1 for unlabeled), got none; pass them as fit(X, y), fit(X, { labels: y }) or in the SequenceBatches' labels`)
}

/**
 * Summarizes a batch of sequences into every component and into `sums`. Outside the
 * semi-supervised pass unlabeled sequences add nothing (pomegranate's `summarize`) and are
 * counted; in it they are shared by responsibility. A batch without labels is all unlabeled (see
 * {@link noSequenceLabels}). An unlabeled sequence impossible under every class adds nothing and
 * is counted in `sums.unlabeled`'s second slot.
 * @throws ArilError `ERR_LABEL` for a bad label
 */
export function summarizeSequenceClasses (batch: SequenceBatch, models: readonly Model[], logWeights: Float64Array, sums: SequenceClassSums, semiSupervised: boolean, where: string): SequenceClassPass {
  const n = batch.offsets.length - 1
  const labels = batch.labels === undefined ? undefined : sequenceLabels(batch.labels, n, models.length, where)
  const classWeights = models.map(() => new Float64Array(n))
  const unlabeled: number[] = []
  for (let s = 0; s < n; s++) {
    const w = batch.weights === undefined ? 1 : batch.weights[s]!
    const y = labels === undefined ? NaN : labels[s]!
    if (y >= 0) classWeights[y]![s] = w
    else if (w > 0) unlabeled.push(s)
  }
  const logs = new Float64Array(n)
  const impossible = new Float64Array(n)
  let logProbability = 0
  if (semiSupervised && unlabeled.length > 0) {
    logProbability = shareUnlabeled(batch, unlabeled, models, logWeights, classWeights, logs, impossible)
  }
  models.forEach((m, j) => {
    if (!m.frozen) m.summarizeBatch({ ...batch, labels: undefined, weights: classWeights[j] })
  })
  sums.classes.runs(n, (start, end) => {
    const partial = sums.classes.partial
    for (let j = 0; j < classWeights.length; j++) {
      const weights = classWeights[j]!
      let total = partial[j]!
      for (let s = start; s < end; s++) total += weights[s]!
      partial[j] = total
    }
  })
  sums.unlabeled.runs(n, (start, end) => {
    const partial = sums.unlabeled.partial
    let total = partial[0]!
    let count = partial[1]!
    for (let s = start; s < end; s++) {
      total += logs[s]!
      count += impossible[s]!
    }
    partial[0] = total
    partial[1] = count
  })
  return { logProbability, unlabeled: semiSupervised ? 0 : unlabeled.length }
}

/**
 * The responsibilities of the unlabeled sequences (listed in `unlabeled`), times their weights,
 * into `classWeights`; w·log p into `logs` and 1 into `impossible` for a sequence every class
 * calls impossible. Only the unlabeled sequences are scored (gathered into one batch when some
 * are labelled): each log-probability is the sequence's own, whatever batch it is in.
 */
function shareUnlabeled (batch: SequenceBatch, unlabeled: readonly number[], models: readonly Model[], logWeights: Float64Array, classWeights: Float64Array[], logs: Float64Array, impossible: Float64Array): number {
  const n = batch.offsets.length - 1
  const scored = unlabeled.length === n ? batch : gatherSequences(batch, unlabeled)
  const { joint, lse } = sequenceJoint(models, logWeights, scored)
  let logProbability = 0
  unlabeled.forEach((s, i) => {
    const l = lse[i]!
    if (!(l > -Infinity)) {
      impossible[s] = 1
      return
    }
    const w = batch.weights === undefined ? 1 : batch.weights[s]!
    for (let j = 0; j < joint.length; j++) classWeights[j]![s] = Math.exp(joint[j]![i]! - l) * w
    logs[s] = w * l
    logProbability += logs[s]!
  })
  return logProbability
}

/** The listed sequences (in increasing order) as one batch: runs of consecutive ones sliced, then glued. */
export function gatherSequences (batch: SequenceBatch, listed: readonly number[]): SequenceBatch {
  const parts: SequenceBatch[] = []
  for (let a = 0; a < listed.length;) {
    let z = a + 1
    while (z < listed.length && listed[z] === listed[z - 1]! + 1) z++
    parts.push(sliceSequences(batch, listed[a]!, listed[z - 1]! + 1))
    a = z
  }
  return concatSequences(parts)
}

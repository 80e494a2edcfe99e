/**
 * Rows of 0 columns hold no bytes, so a 128-byte `.npy` of shape (2^53 − 1, 0) is one Batch of
 * 2^53 − 1 rows. Every model and writer that visits rows one by one before it knows its column
 * count must refuse such rows at once (ERR_COLUMN_COUNT) instead of looping over them (a blocked
 * thread) or collecting them (a fatal out-of-memory abort).
 */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { requireValues, toBatch } from '../../lib/core/batch.js'
import { readNpy } from '../../lib/io/npy.js'
import { writeCsv, writeNdjson } from '../../lib/io/write-text.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { MarkovNetwork } from '../../lib/models/markov-network.js'
import { BayesianNetwork } from '../../lib/models/bayesian-network/network.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-zero-columns-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A version 1.0 `.npy` file of float64 and this shape, header padded to 64 bytes as numpy pads it. */
function npyFile (name: string, shape: string): string {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`
  const header = dict + ' '.repeat(64 - ((10 + dict.length + 1) % 64)) + '\n'
  const bytes = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]), Buffer.from(header, 'latin1')])
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

const huge = npyFile('huge.npy', '(9007199254740991, 0)')
const X = { data: new Float64Array(0), shape: [2 ** 40, 0] }
const expected = { code: 'ERR_COLUMN_COUNT', message: /rows of 0 columns/ }

t.test('requireValues: rows of 0 columns are refused, a batch without rows and rows with values pass', async t => {
  assertArilError(t, () => requireValues(toBatch({ data: [], shape: [5, 0] }), 'Here'), { code: 'ERR_COLUMN_COUNT', message: /^Here: expected rows of at least 1 column, got 5 rows of 0 columns/ })
  t.equal(requireValues(toBatch({ data: [], shape: [0, 0] }), 'Here').rows, 0)
  t.equal(requireValues(toBatch([[1, 2]]), 'Here').cols, 2)
})

t.test('models whose column count comes from the data refuse 2^40 rows of 0 columns in memory', async t => {
  assertArilError(t, () => Kmeans.fromSamples(2, X), expected, 'Kmeans.fromSamples')
  assertArilError(t, () => new Kmeans(2, { init: 'first-k' }).fit(X), expected, "Kmeans 'first-k'")
  assertArilError(t, () => new Kmeans(2).initialize(X), expected, 'Kmeans.initialize')
  assertArilError(t, () => GeneralMixtureModel.fromSamples(NormalDistribution, 2, X), expected, 'GeneralMixtureModel.fromSamples')
  assertArilError(t, () => MarkovNetwork.fromSamples(X), expected, 'MarkovNetwork.fromSamples')
  assertArilError(t, () => BayesianNetwork.fromStructure(X, []), expected, 'BayesianNetwork.fromStructure')
})

t.test('the .npy of shape (2^53 - 1, 0): streamed fits and text writers end with ERR_COLUMN_COUNT', async t => {
  await rejectsArilError(t, new Kmeans(2).fitStream(huge), expected, 'Kmeans.fitStream')
  await rejectsArilError(t, new Kmeans(2, { init: 'kmeans||' }).fitStream(huge), expected, "Kmeans 'kmeans||'")
  await rejectsArilError(t, GeneralMixtureModel.fromStream(NormalDistribution, 2, huge), expected, 'GeneralMixtureModel.fromStream')
  await rejectsArilError(t, GeneralMixtureModel.fromStream(MultivariateGaussianDistribution, 2, huge, { initSample: 'head' }), expected, "initSample: 'head'")
  await rejectsArilError(t, pipeline(readNpy(huge), writeCsv(join(dir, 'out.csv'))), expected, 'writeCsv')
  await rejectsArilError(t, pipeline(readNpy(huge), writeNdjson(join(dir, 'out.ndjson'))), expected, 'writeNdjson')
  t.notOk(existsSync(join(dir, 'out.csv')), 'no partial CSV file is left')
})

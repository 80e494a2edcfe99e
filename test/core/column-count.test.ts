import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { readCsv } from '../../lib/io/csv.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { MultivariateGaussianDistribution } from '../../lib/distributions/multivariate-gaussian.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'aril-column-count-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const csv = join(dir, 'xyz.csv')
writeFileSync(csv, 'x,y,z\n1,2,3\n4,5,6\n')

t.test('more columns than the model takes: the error suggests the reader\'s select option', async t => {
  await rejectsArilError(t, pipeline(readCsv(csv, { columns: true }), new NormalDistribution().sink()), { code: 'ERR_COLUMN_COUNT', message: /^Expected 1 column, got 3; choose the columns with the reader's select option/ })
  await rejectsArilError(t, new NormalDistribution().fitStream(csv), { code: 'ERR_COLUMN_COUNT', message: /select option/ }, 'fitStream of a path')
  const d = new NormalDistribution()
  await pipeline(readCsv(csv, { columns: true, select: ['y'] }), d.sink())
  t.same(d.parameters, [3.5, 1.5], 'with select: the mean and standard deviation of y')
})

t.test('fewer columns than the model takes: no select hint (select cannot add columns)', async t => {
  const mvn = new MultivariateGaussianDistribution([0, 0, 0, 0], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
  const err = assertArilError(t, () => mvn.fit([[1, 2, 3], [4, 5, 6]]), { code: 'ERR_COLUMN_COUNT', message: /^Expected 4 columns, got 3, at row 0$/ })
  t.ok(err !== undefined)
})

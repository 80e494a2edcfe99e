import t from 'tap'
import { ArilError } from '../../lib/core/errors.js'
import { inSourceFile, markSourceFile, sourceFile } from '../../lib/core/source-file.js'

t.test('a marked stream names its file and column option', async t => {
  const stream = markSourceFile({}, 'x.csv', 'select')
  t.same(sourceFile(stream), { file: 'x.csv', select: 'select' })
  t.equal(sourceFile({}), undefined)
  t.equal(sourceFile(undefined), undefined)
  t.equal(sourceFile('x.csv'), undefined)
})

t.test('only a column-count error without a file gets the file', async t => {
  const csv = markSourceFile({}, 'x.csv', 'select')
  const npy = markSourceFile({}, 'x.npy', undefined)
  const columns = new ArilError('ERR_COLUMN_COUNT', 'Expected 2 columns, got 3', { row: 0, expectedColumns: 2, foundColumns: 3 })
  const named = inSourceFile(columns, csv) as ArilError
  t.match(named, { code: 'ERR_COLUMN_COUNT', file: 'x.csv', row: 0, expectedColumns: 2, foundColumns: 3, cause: columns })
  t.equal(named.message, "Expected 2 columns, got 3; choose the columns with the reader's select option, at row 0 of x.csv")
  t.equal((inSourceFile(columns, npy) as ArilError).message, 'Expected 2 columns, got 3, at row 0 of x.npy')
  const other = new ArilError('ERR_NOT_NUMERIC', 'Expected a number', { row: 3 })
  t.equal(inSourceFile(other, csv), other, 'another code stays as it is')
  const located = new ArilError('ERR_COLUMN_COUNT', 'Expected 2 columns, got 3', { file: 'y.csv' })
  t.equal(inSourceFile(located, csv), located, 'an error that names its file already stays as it is')
  t.equal(inSourceFile(columns, {}), columns, 'an unmarked stream adds nothing')
  const plain = new Error('boom')
  t.equal(inSourceFile(plain, csv), plain)
  // the hint comes from the counts the error carries, not from its words
  const fewer = new ArilError('ERR_COLUMN_COUNT', 'Expected 3 columns, got 2', { row: 5, expectedColumns: 3, foundColumns: 2 })
  t.equal((inSourceFile(fewer, csv) as ArilError).message, 'Expected 3 columns, got 2, at row 5 of x.csv', 'a select option cannot add columns: no hint')
  const uncounted = new ArilError('ERR_COLUMN_COUNT', 'A MarkovChain reads one symbol per step, got 3 columns', { sequence: 1 })
  t.equal((inSourceFile(uncounted, csv) as ArilError).message, 'A MarkovChain reads one symbol per step, got 3 columns, at sequence 1 of x.csv')
})

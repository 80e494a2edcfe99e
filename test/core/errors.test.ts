import t from 'tap'
import { ArilError, invalidOption, limitExceeded, show } from '../../lib/core/errors.js'
import { assertArilError } from '../helpers.js'

t.test('messages say where, and the location is copied onto the error', async t => {
  const e = new ArilError('ERR_NPY_TRUNCATED', 'NPY truncated: expected 4096 bytes of data, got 1024', { byteOffset: 128, file: 'big.npy' })
  t.equal(e.message, 'NPY truncated: expected 4096 bytes of data, got 1024, at byte 128 of big.npy')
  t.equal(e.code, 'ERR_NPY_TRUNCATED')
  t.equal(e.byteOffset, 128)
  t.equal(e.file, 'big.npy')
  t.equal(e.name, 'ArilError')
  t.ok(e instanceof Error)
  t.equal(new ArilError('ERR_CSV_VALUE', 'Bad', { line: 3, column: 'x', row: 2 }).message, 'Bad, at row 2, column x, line 3')
  t.equal(new ArilError('ERR_SOURCE', 'Cannot open', { file: 'a.csv' }).message, 'Cannot open, in a.csv')
  t.equal(new ArilError('ERR_SOURCE', 'Plain').message, 'Plain')
  const cause = new Error('inner')
  t.equal(new ArilError('ERR_SOURCE', 'Outer', {}, { cause }).cause, cause)
})

t.test('invalidOption names the option', async t => {
  assertArilError(t, () => invalidOption('rowsPerBatch', 'a positive integer', -1), { code: 'ERR_INVALID_OPTION', message: 'Option rowsPerBatch: expected a positive integer, got -1' })
})

t.test('show renders values safely', async t => {
  t.equal(show('x'.repeat(50)), JSON.stringify('x'.repeat(40) + '…'))
  t.equal(show([1, 2]), 'an array of length 2')
  t.equal(show(new Float32Array(1)), 'a Float32Array')
  t.equal(show({}), 'an object')
  t.equal(show(Object.create(null)), 'an object')
  t.equal(show(new Map()), 'a Map')
  t.equal(show(() => 1), 'a function')
  t.equal(show(null), 'null')
})

t.test('limitExceeded names the limit, its value and the option that raises it', async t => {
  assertArilError(t, () => limitExceeded('maxHeaderBytes', 65536, 'an .npy header of 70000 bytes', { file: 'x.npy' }), {
    code: 'ERR_LIMIT',
    limit: 'maxHeaderBytes',
    file: 'x.npy',
    message: 'Limit maxHeaderBytes = 65536 exceeded by an .npy header of 70000 bytes (raise it with the option maxHeaderBytes), in x.npy'
  })
})

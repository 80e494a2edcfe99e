import t from 'tap'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NormalDistribution, GeneralMixtureModel, trainStream } from '../../lib/index.js'
import { parserFor, rejectRawBytes } from '../../lib/core/raw-bytes.js'
import { assertArilError, rejectsArilError } from '../helpers.js'

t.test('the parser is guessed from the first bytes', async t => {
  const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY\x01\x00')])
  t.equal(parserFor(npy), 'parseNpy()')
  t.equal(parserFor(Buffer.from('PAR1\x15\x04')), 'readParquet(path)')
  t.equal(parserFor(Buffer.from('ARROW1\0\0')), 'readArrow(stream)')
  t.equal(parserFor(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0])), 'readArrow(stream)', 'an Arrow IPC stream starts with a continuation marker')
  t.equal(parserFor(Buffer.from(' \n[1, 2]')), 'parseJson()')
  t.equal(parserFor(Buffer.from('{"x": 1}\n')), 'parseNdjson()')
  t.equal(parserFor(Buffer.from('x,y\n1,2\n')), 'parseCsv()')
  t.equal(parserFor(new Uint8Array(0)), 'parseCsv()')
})

t.test('Buffers and Uint8Arrays are refused; other typed arrays pass', async t => {
  assertArilError(t, () => rejectRawBytes(Buffer.from('1,2\n'), 'A model sink'), { code: 'ERR_RAW_BYTES', message: /A model sink takes batches of rows, got raw bytes \(a Buffer of 4 bytes\); put parseCsv\(\) in between/ })
  assertArilError(t, () => rejectRawBytes(new Uint8Array([80, 65, 82, 49]), 'x'), { code: 'ERR_RAW_BYTES', message: /a Uint8Array of 4 bytes\); read the file with readParquet\(path\)/ })
  t.doesNotThrow(() => rejectRawBytes(new Float64Array(3), 'x'))
  t.doesNotThrow(() => rejectRawBytes(new Uint8ClampedArray(3), 'x'))
  t.doesNotThrow(() => rejectRawBytes([1, 2], 'x'))
})

t.test('a model sink fed a file without a parser fails and keeps the model', async t => {
  const d = new NormalDistribution(3, 2)
  const bytes = Buffer.from('x\n1\n2\n3\n')
  await rejectsArilError(t, pipeline(Readable.from([bytes]), d.sink()), { code: 'ERR_RAW_BYTES', message: /parseCsv\(\)/ })
  t.same(d.parameters, [3, 2])
  await rejectsArilError(t, d.fitStream(Readable.from([bytes])), { code: 'ERR_RAW_BYTES' })
})

t.test('a training source of raw bytes fails with the parser to use', async t => {
  const model = new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(5, 1)])
  const before = JSON.stringify(model)
  await rejectsArilError(t, trainStream(model, () => Readable.from([Buffer.from('[1, 2, 3]')]), { maxIterations: 2 }), { code: 'ERR_RAW_BYTES', message: /A training source .* parseJson\(\)/ })
  t.equal(JSON.stringify(model), before)
})

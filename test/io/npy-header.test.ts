import t from 'tap'
import { formatHeader, parseDtype, parseHeader, readPreamble } from '../../lib/io/npy-header.js'
import { assertArilError } from '../helpers.js'

const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, c => c.charCodeAt(0))

/** A file start with a version 1.0 preamble around `dict`, padded like numpy pads it. */
function withHeader (dict: string, version = 1): Uint8Array {
  const preamble = version === 1 ? 10 : 12
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64
  const out = new Uint8Array(total)
  out.set(bytesOf('\x93NUMPY'))
  out[6] = version
  new DataView(out.buffer).setUint32(8, total - preamble, true)
  if (version === 1) out[10] = 0
  out.set(bytesOf(dict.padEnd(total - preamble - 1, ' ') + '\n'), preamble)
  return out
}

function header (dict: string, version = 1): ReturnType<typeof parseHeader> {
  const bytes = withHeader(dict, version)
  return parseHeader(bytes, readPreamble(bytes)!)
}

t.test('formatHeader writes what numpy writes (numpy 1.24 np.save of np.arange(6.0).reshape(2, 3))', async t => {
  const h = formatHeader('<f8', [2, 3])
  t.equal(h.length, 128)
  const numpy = "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(10)
  t.equal(String.fromCharCode(...h.subarray(0, numpy.length)), numpy)
  t.equal(h[127], 0x0a)
  t.same(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }").shape, [3])
  const padded = formatHeader('>i2', [7], 192)
  t.equal(padded.length, 192)
  const pre = readPreamble(padded)!
  t.same(pre, { version: [1, 0], headerLength: 182, dataOffset: 192 })
  t.match(parseHeader(padded, pre), { shape: [7], rows: 7, cols: 1, dtype: { kind: 'i', itemSize: 2, littleEndian: false } })
  assertArilError(t, () => formatHeader('<f8', [1], 64), { code: 'ERR_INVALID_OPTION' }, 'too short a reserved length')
  assertArilError(t, () => formatHeader('<f8', [1], 200), { code: 'ERR_INVALID_OPTION' }, 'not a multiple of 64')
  // A header longer than 65535 bytes needs version 2.0 and its 4-byte length.
  const long = formatHeader('<f8', [1, ...Array.from({ length: 25000 }, () => 1)])
  t.equal(long[6], 2)
  t.equal(long.length % 64, 0)
  t.match(parseHeader(long, readPreamble(long, {}, 1e6)!), { version: [2, 0], rows: 1, cols: 1 })
})

t.test('preamble: partial input asks for more, versions 1.0 to 3.0', async t => {
  const h = formatHeader('<f8', [3])
  t.equal(readPreamble(h.subarray(0, 3)), undefined)
  t.equal(readPreamble(h.subarray(0, 9)), undefined)
  t.same(readPreamble(h.subarray(0, 10)), { version: [1, 0], headerLength: 118, dataOffset: 128 })
  for (const v of [2, 3]) {
    const b = withHeader("{'descr': '<u2', 'fortran_order': False, 'shape': (3, 2), }", v)
    t.equal(readPreamble(b.subarray(0, 11)), undefined)
    t.match(parseHeader(b, readPreamble(b)!), { version: [v, 0], rows: 3, cols: 2, dataBytes: 12, dataOffset: 128 })
  }
})

t.test('header literals: what numpy and Python 2 wrote', async t => {
  t.match(header('{"descr": "|u1", "shape": (2L, 3L), "fortran_order": False}'), { rows: 2, cols: 3 })
  t.match(header("{'descr':'<i4','fortran_order':False,'shape':(4,2,3,),}"), { shape: [4, 2, 3], rows: 4, cols: 6 })
  t.match(header("{'descr': '<f8', 'fortran_order': True, 'shape': (5, 1), }"), { fortranOrder: true, cols: 1 })
  t.match(header("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }"), { rows: 0, cols: 4, dataBytes: 0 })
  t.match(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }"), { rows: 3, cols: 0, dataBytes: 0 })
  const utf8 = withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 3)
  t.match(parseHeader(utf8, readPreamble(utf8)!), { version: [3, 0], rows: 2 })
})

t.test('integers as numpy 1.24 reads them: no leading zeros, L only before version 3.0, -0 is 0', async t => {
  const shape = (text: string, version = 1): unknown => header(`{'descr': '<f8', 'fortran_order': False, 'shape': ${text}, }`, version).shape
  t.same(shape('(00, 3L)'), [0, 3])
  t.same(shape('(-0,)'), [0])
  t.ok(Object.is((shape('(-0,)') as number[])[0], 0), 'not -0')
  t.same(shape('(3L,)', 2), [3])
  for (const [text, version] of [['(007,)', 1], ['(01,)', 3], ['(3L,)', 3], ['(3LL,)', 1], ['(1.5,)', 1], ['(2x,)', 1]] as const) {
    assertArilError(t, () => shape(text, version), { code: 'ERR_NPY_HEADER', message: /expected a value/ }, `${text} in version ${version}.0`)
  }
})

t.test('dtypes: kinds, sizes and byte orders', async t => {
  t.same(parseDtype('<f8'), { descr: '<f8', kind: 'f', itemSize: 8, littleEndian: true })
  t.same(parseDtype('>f2'), { descr: '>f2', kind: 'f', itemSize: 2, littleEndian: false })
  t.same(parseDtype('|b1'), { descr: '|b1', kind: 'b', itemSize: 1, littleEndian: true })
  t.same(parseDtype('=u4').littleEndian, new Uint8Array(Uint16Array.of(1).buffer)[0] === 1, "'=' is the host's order")
  t.same(parseDtype('i8').littleEndian, new Uint8Array(Uint16Array.of(1).buffer)[0] === 1)
  for (const bad of ['<f1', '|b2', '<c16', '|O', '<U3', '|S8', '<M8[D]', '|V8', '<f16', '|f8', 'float64']) {
    assertArilError(t, () => parseDtype(bad), { code: 'ERR_NPY_DTYPE' }, bad)
  }
})

t.test('malformed headers, each with its code and byte offset', async t => {
  const good = formatHeader('<f8', [3])
  const dict = (text: string): Uint8Array => withHeader(text)
  const setLength = (n: number): Uint8Array => { const b = good.slice(); new DataView(b.buffer).setUint16(8, n, true); return b }
  const cases: Array<[string, Uint8Array, Record<string, unknown> & { code: string }]> = [
    ['bad first magic byte', Uint8Array.of(0x94, ...good.subarray(1)), { code: 'ERR_NPY_MAGIC', byteOffset: 0 }],
    ['bad later magic byte', bytesOf('\x93NUMPZ\x01\x00'), { code: 'ERR_NPY_MAGIC', byteOffset: 5 }],
    ['a short prefix that is not magic', bytesOf('PK'), { code: 'ERR_NPY_MAGIC', byteOffset: 0 }],
    ['version 4.0', Uint8Array.of(...good.subarray(0, 6), 4, 0, 0, 0), { code: 'ERR_NPY_HEADER', byteOffset: 6 }],
    ['version 1.1', Uint8Array.of(...good.subarray(0, 6), 1, 1, 0, 0), { code: 'ERR_NPY_HEADER', byteOffset: 6 }],
    ['header longer than maxHeaderSize', setLength(60000), { code: 'ERR_LIMIT', limit: 'maxHeaderSize', byteOffset: 8, message: /Limit maxHeaderSize = 10000 exceeded by an .npy header of 60000 bytes/ }],
    ['header length too short', setLength(50), { code: 'ERR_NPY_HEADER', byteOffset: 60 }],
    ['header length too long (data read as header)', Uint8Array.of(...setLength(120), 0x41, 0x42), { code: 'ERR_NPY_HEADER', byteOffset: 128, message: /after the dict/ }],
    ['empty dict', dict('{}'), { code: 'ERR_NPY_HEADER', message: /got none/ }],
    ['dict as dtype', dict("{'descr': {}, 'fortran_order': False, 'shape': (3,)}"), { code: 'ERR_NPY_DTYPE', message: /a dict/ }],
    ['unterminated string at the end', Uint8Array.of(...bytesOf('\x93NUMPY\x01\x00\x07\x00'), ...bytesOf("{'descr")), { code: 'ERR_NPY_HEADER', message: /unterminated/, byteOffset: 11 }],
    ['not a dict', dict("['descr', '<f8']"), { code: 'ERR_NPY_HEADER', byteOffset: 10 }],
    ['missing shape', dict("{'descr': '<f8', 'fortran_order': False}"), { code: 'ERR_NPY_HEADER', message: /keys/ }],
    ['extra key', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}"), { code: 'ERR_NPY_HEADER' }],
    ['duplicate key', dict("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"), { code: 'ERR_NPY_HEADER', message: /duplicate/ }],
    ['non-string key', dict("{1: '<f8'}"), { code: 'ERR_NPY_HEADER', byteOffset: 11 }],
    ['shape as a list', dict("{'descr': '<f8', 'fortran_order': False, 'shape': [3]}"), { code: 'ERR_NPY_HEADER', message: /shape/ }],
    ['shape not a tuple', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}"), { code: 'ERR_NPY_HEADER' }],
    ['negative size', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}"), { code: 'ERR_NPY_HEADER' }],
    ['size too large', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (9007199254740991, 2)}"), { code: 'ERR_NPY_HEADER' }],
    ['fortran_order not a bool', dict("{'descr': '<f8', 'fortran_order': 'no', 'shape': (3,)}"), { code: 'ERR_NPY_HEADER', message: /fortran_order/ }],
    ['fortran_order None', dict("{'descr': '<f8', 'fortran_order': None, 'shape': (3,)}"), { code: 'ERR_NPY_HEADER', message: /None/ }],
    ['0-d array', dict("{'descr': '<f8', 'fortran_order': False, 'shape': ()}"), { code: 'ERR_NPY_HEADER', message: /0-d/ }],
    ['unterminated string', dict("{'descr: '<f8'}"), { code: 'ERR_NPY_HEADER' }],
    ['escape in a string', dict("{'de\\x': 1}"), { code: 'ERR_NPY_HEADER' }],
    ['missing comma', dict("{'descr': '<f8' 'shape': (3,)}"), { code: 'ERR_NPY_HEADER', message: /expected ","/ }],
    ['garbage value', dict("{'descr': <f8}"), { code: 'ERR_NPY_HEADER', byteOffset: 20 }],
    ['structured dtype', dict("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (3,)}"), { code: 'ERR_NPY_DTYPE' }],
    ['object dtype', dict("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}"), { code: 'ERR_NPY_DTYPE' }],
    ['fortran order 2×3', dict("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3)}"), { code: 'ERR_NPY_FORTRAN_ORDER', message: /ascontiguousarray/ }]
  ]
  for (const [name, bytes, expected] of cases) {
    assertArilError(t, () => {
      const pre = readPreamble(bytes, { file: 'x.npy' })
      if (pre !== undefined && bytes.length >= pre.dataOffset) parseHeader(bytes, pre, { file: 'x.npy' })
    }, { ...expected, file: 'x.npy' }, name)
  }
})

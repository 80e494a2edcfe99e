/**
 * Raw bytes are not rows. A Buffer (or a Uint8Array) reaching a model sink or a training source
 * comes from a file or a socket piped without a parser; taken as a typed array it would fit the
 * byte values. It is refused with the parser to put in between, guessed from the first bytes.
 */
import { ArilError } from './errors.js'

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

function startsWith (bytes: Uint8Array, text: string | readonly number[]): boolean {
  const expected = typeof text === 'string' ? Array.from(text, c => c.charCodeAt(0)) : text
  return bytes.length >= expected.length && expected.every((b, i) => bytes[i] === b)
}

/**
 * The aril reader for these bytes: `.npy` and Parquet and Arrow by their magic numbers, JSON by
 * its first non-blank character, CSV otherwise.
 * @example
 * ```ts
 * parserFor(Buffer.from('x,y\n1,2\n')) // => 'parseCsv()'
 * ```
 */
export function parserFor (bytes: Uint8Array): string {
  if (startsWith(bytes, NPY_MAGIC)) return 'parseNpy()'
  if (startsWith(bytes, 'PAR1')) return 'readParquet(path)'
  if (startsWith(bytes, 'ARROW1') || startsWith(bytes, [0xff, 0xff, 0xff, 0xff])) return 'readArrow(stream)'
  let i = 0
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++
  if (bytes[i] === 0x5b) return 'parseJson()'
  if (bytes[i] === 0x7b) return 'parseNdjson()'
  return 'parseCsv()'
}

const HOW: Record<string, string> = {
  'readParquet(path)': 'read the file with readParquet(path) instead (Parquet is read from its footer, not as a byte stream)',
  'readArrow(stream)': 'read them with readArrow(stream) (or readArrow(path)) instead'
}

/**
 * Throws when a chunk is raw bytes (a Buffer or a Uint8Array), naming the parser to pipe through.
 * @throws ArilError `ERR_RAW_BYTES`
 * @example
 * ```ts
 * rejectRawBytes(Buffer.from('1,2\n'), 'A model sink') // throws: ... put parseCsv() in between
 * ```
 */
export function rejectRawBytes (chunk: unknown, who: string): void {
  if (!(chunk instanceof Uint8Array)) return
  const parser = parserFor(chunk)
  const how = HOW[parser] ?? `put ${parser} in between: pipeline(createReadStream(path), ${parser}, model.sink())`
  throw new ArilError('ERR_RAW_BYTES', `${who} takes batches of rows, got raw bytes (a ${Buffer.isBuffer(chunk) ? 'Buffer' : 'Uint8Array'} of ${chunk.length} bytes); ${how}`)
}

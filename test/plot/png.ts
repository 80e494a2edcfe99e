/** A PNG decoder just strong enough to prove a PNG is whole: signature, IHDR, and inflated IDAT of the right size. */
import { inflateSync } from 'node:zlib'

export function decodePng (bytes: Uint8Array): { width: number; height: number; channels: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG signature')
  let at = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  for (;;) {
    const length = buf.readUInt32BE(at)
    const type = buf.toString('latin1', at + 4, at + 8)
    const data = buf.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      if (data[8] !== 8) throw new Error('expected 8 bits per channel')
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[data[9]!]!
    } else if (type === 'IDAT') {
      idat.push(data)
    } else if (type === 'IEND') {
      break
    }
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  if (raw.length !== height * (1 + width * channels)) throw new Error(`expected ${height * (1 + width * channels)} bytes of pixels, got ${raw.length}`)
  return { width, height, channels }
}

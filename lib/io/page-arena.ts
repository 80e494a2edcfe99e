/**
 * Memory for the decompressed pages of one Parquet row group, used again for the next one.
 * hyparquet decompresses every page into new memory, and a column's values are views of it; a
 * reader that copies the values out (into row-major Batches) before it reads the next row group
 * needs none of that memory afterwards. So pages are decompressed (by hyparquet's own SNAPPY
 * decoder, through its `compressors` option) into one region, taken from the front by a bump
 * pointer and freed all at once by {@link PageArena.reset}: the memory is bounded by the largest
 * row group read, and after the first row group no page costs a fresh, zeroed, page-faulted
 * allocation (10^6 × 4 doubles in SNAPPY pages: 1–5% less CPU time for the whole read, alternated).
 */
import { snappyUncompress, type Compressors } from 'hyparquet'

export class PageArena {
  private region = new Uint8Array(0)
  private used = 0
  /** Bytes taken since the last reset, counting those that did not fit (the region's next size). */
  private wanted = 0

  /** hyparquet's decoders writing into the arena (the codecs it decodes itself; the others stay unsupported). */
  readonly compressors: Compressors = {
    SNAPPY: (input, size) => {
      const output = this.take(size)
      snappyUncompress(input, output)
      return output
    }
  }

  /** Frees everything taken: nothing may refer to it any more. Grows the region to what the last row group needed. */
  reset (): void {
    if (this.wanted > this.region.length) this.region = new Uint8Array(this.wanted)
    this.used = 0
    this.wanted = 0
  }

  /**
   * `bytes` bytes at a multiple of 8 (a page of doubles is then viewed in place; hyparquet copies a
   * misaligned one), from the region while it has room, else new memory.
   */
  take (bytes: number): Uint8Array {
    const size = Math.ceil(bytes / 8) * 8
    this.wanted += size
    if (this.used + size > this.region.length) return new Uint8Array(bytes)
    const at = this.used
    this.used += size
    return this.region.subarray(at, at + bytes)
  }
}

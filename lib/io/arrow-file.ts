/**
 * The record batches of an Arrow IPC file, read by the blocks its footer lists into memory that
 * is used again for the next one, and decoded by apache-arrow. apache-arrow's own file reader
 * reads every record batch into new memory (a body of megabytes per batch, to be faulted in by
 * the kernel and collected later); a columnar reader transposes a record batch into Batches
 * before it reads the next, so one region serves them all.
 *
 * apache-arrow decodes a message only in the IPC stream format, so each record batch is handed
 * to it as a small stream in that memory: the schema message (encoded once from the footer's
 * schema), the file's dictionary batches (read once), the record batch's block as the file holds
 * it (continuation marker, metadata, 8-byte aligned body), and the end-of-stream marker.
 */
import type { FileHandle } from 'node:fs/promises'
import type { RecordBatch, RecordBatchFileReader } from 'apache-arrow'
import { ArilError } from '../core/errors.js'

type Arrow = typeof import('apache-arrow')

interface Block { offset: number; metaDataLength: number; bodyLength: number }

/** The 8 bytes that end an IPC stream: a continuation marker and a metadata length of 0. */
const END_OF_STREAM = 8

/** An IPC file's record batches, one after the other, each in the memory of the one before. */
export class ArrowFileBatches {
  /** The bytes of the record batches read so far. */
  bytesRead = 0
  private next = 0
  private memory = new Uint8Array(0)

  private constructor (
    private readonly arrow: Arrow,
    private readonly handle: FileHandle,
    private readonly file: string,
    private readonly blocks: readonly Block[],
    /** The schema message and the dictionary batches, ahead of every record batch. */
    private readonly prefix: Uint8Array
  ) {}

  /**
   * From a file apache-arrow has opened (its footer read).
   * @throws ArilError `ERR_ARROW` for a block outside the file
   */
  static async open (arrow: Arrow, reader: RecordBatchFileReader, handle: FileHandle, file: string, size: number): Promise<ArrowFileBatches> {
    const footer = reader.footer!
    const blocks = (count: number, get: (i: number) => Block | null): Block[] =>
      Array.from({ length: count }, (_, i) => checked(get.call(footer, i), size, file))
    const batches = blocks(reader.numRecordBatches, footer.getRecordBatch)
    const dictionaries = blocks(reader.numDictionaries, footer.getDictionaryBatch)
    const schema = message(arrow.Message.encode(arrow.Message.from(reader.schema)))
    const length = dictionaries.reduce((n, b) => n + b.metaDataLength + b.bodyLength, schema.length)
    const prefix = new Uint8Array(length)
    prefix.set(schema)
    let at = schema.length
    for (const block of dictionaries) at += await readBlock(handle, block, prefix, at, file)
    return new ArrowFileBatches(arrow, handle, file, batches, prefix)
  }

  /** The next record batch, or undefined after the last: in the memory of the one before, which must no longer be needed. */
  async read (): Promise<RecordBatch | undefined> {
    const block = this.blocks[this.next]
    if (block === undefined) return undefined
    this.next++
    const length = this.prefix.length + block.metaDataLength + block.bodyLength + END_OF_STREAM
    if (this.memory.length < length) {
      this.memory = new Uint8Array(length)
      this.memory.set(this.prefix)
    }
    const memory = this.memory.subarray(0, length)
    this.bytesRead += await readBlock(this.handle, block, memory, this.prefix.length, this.file)
    new DataView(memory.buffer, memory.byteOffset + length - END_OF_STREAM).setInt32(0, -1, true)
    new DataView(memory.buffer, memory.byteOffset + length - 4).setInt32(0, 0, true)
    const result = this.arrow.RecordBatchReader.from(memory).next()
    if (result.done === true || result.value === undefined) {
      throw new ArilError('ERR_ARROW', `Arrow record batch ${this.next - 1} (at byte ${block.offset}) is not a record batch`, { file: this.file })
    }
    return result.value
  }
}

function checked (block: Block | null, size: number, file: string): Block {
  const b = block === null ? undefined : { offset: Number(block.offset), metaDataLength: Number(block.metaDataLength), bodyLength: Number(block.bodyLength) }
  if (b === undefined || !(b.offset >= 0 && b.metaDataLength > 0 && b.bodyLength >= 0 && b.offset + b.metaDataLength + b.bodyLength <= size) || b.offset % 8 !== 0) {
    throw new ArilError('ERR_ARROW', `Arrow IPC file's footer lists a block outside the file (${JSON.stringify(b)})`, { file })
  }
  return b
}

/** A message's flatbuffer as the stream format frames it: continuation marker, length, padding to 8 bytes. */
function message (flatbuffer: Uint8Array): Uint8Array {
  const framed = new Uint8Array((8 + flatbuffer.length + 7) & ~7)
  const view = new DataView(framed.buffer)
  view.setInt32(0, -1, true)
  view.setInt32(4, framed.length - 8, true)
  framed.set(flatbuffer, 8)
  return framed
}

/** Reads a block's bytes into `into` at `at`; its length. */
async function readBlock (handle: FileHandle, block: Block, into: Uint8Array, at: number, file: string): Promise<number> {
  const length = block.metaDataLength + block.bodyLength
  for (let done = 0; done < length;) {
    const { bytesRead } = await handle.read(into, at + done, length - done, block.offset + done)
    if (bytesRead === 0) throw new ArilError('ERR_ARROW', `Arrow IPC file ends inside a block (at byte ${block.offset + done})`, { file })
    done += bytesRead
  }
  return length
}

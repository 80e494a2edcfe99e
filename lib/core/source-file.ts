/**
 * The file behind a reader, so that a model refusing the reader's rows for their column count can
 * say which file it was and which option of the reader picks the columns. Readers mark their
 * stream with {@link markSourceFile}; the model sink and the trainer name the file with
 * {@link inSourceFile}. A mark, not a wrapper: the stream stays the reader's own.
 */
import { ArilError } from './errors.js'

/** The file a reader reads and the reader's option that picks columns (none for `.npy`). */
export interface SourceFile {
  readonly file: string
  readonly select: string | undefined
}

const SOURCE_FILE = Symbol.for('aril.sourceFile')

/**
 * Marks a reader's stream with the file it reads.
 * @example
 * ```ts
 * markSourceFile(parser, 'x.csv', 'select')
 * ```
 */
export function markSourceFile<T extends object> (stream: T, file: string, select: string | undefined): T {
  Object.defineProperty(stream, SOURCE_FILE, { value: { file, select } satisfies SourceFile })
  return stream
}

/** The file a stream reads, when an aril reader marked it. */
export function sourceFile (stream: unknown): SourceFile | undefined {
  return typeof stream === 'object' && stream !== null ? (stream as { [SOURCE_FILE]?: SourceFile })[SOURCE_FILE] : undefined
}

/**
 * An `ERR_COLUMN_COUNT` about rows read from a marked reader, with the file as its location and
 * the reader's column option named; any other error as it is.
 * @example
 * ```ts
 * inSourceFile(err, readCsv('x.csv')).message
 * // => "Expected 2 columns, got 3; choose the columns with the reader's select option, at row 0 of x.csv"
 * ```
 */
export function inSourceFile (err: unknown, stream: unknown): unknown {
  const source = sourceFile(stream)
  if (!(err instanceof ArilError) || err.code !== 'ERR_COLUMN_COUNT' || err.file !== undefined || source === undefined) return err
  const { row, column, line, byteOffset, sequence, expectedColumns, foundColumns } = err
  // A column option can drop columns, not add them: the hint only when the rows have too many.
  const tooMany = foundColumns !== undefined && expectedColumns !== undefined && foundColumns > expectedColumns
  const hint = source.select === undefined || !tooMany ? '' : `; choose the columns with the reader's ${source.select} option`
  return new ArilError(err.code, err.reason + hint, { row, column, line, byteOffset, sequence, expectedColumns, foundColumns, file: source.file }, { cause: err })
}

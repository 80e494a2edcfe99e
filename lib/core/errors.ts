/**
 * Every failure aril reports is an {@link ArilError}: a `code` from one union, a message that
 * says what was expected, what was found and where, and the location copied onto the error.
 */

/** Every error code aril throws. */
export type ArilErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_INPUT'
  | 'ERR_RAGGED_ROWS'
  | 'ERR_COLUMN_COUNT'
  | 'ERR_NOT_NUMERIC'
  | 'ERR_INVALID_WEIGHTS'
  | 'ERR_SUMMARY_MISMATCH'
  | 'ERR_INVALID_JSON_MODEL'
  | 'ERR_UNKNOWN_MODEL'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_FROZEN'
  | 'ERR_ABORTED'
  | 'ERR_SOURCE'
  | 'ERR_NPY_MAGIC'
  | 'ERR_NPY_HEADER'
  | 'ERR_NPY_DTYPE'
  | 'ERR_NPY_FORTRAN_ORDER'
  | 'ERR_NPY_TRUNCATED'
  | 'ERR_NPY_TRAILING_BYTES'
  | 'ERR_NPY_PRECISION'
  | 'ERR_NPY_RANGE'
  | 'ERR_CSV_PARSE'
  | 'ERR_CSV_VALUE'
  | 'ERR_CSV_COLUMN'
  | 'ERR_JSON_PARSE'
  | 'ERR_JSON_VALUE'
  | 'ERR_NDJSON_PARSE'
  | 'ERR_NOT_POSITIVE_DEFINITE'
  | 'ERR_NOT_CONVERGED'
  | 'ERR_NOT_FITTED'
  | 'ERR_INVALID_TABLE'
  | 'ERR_LABEL'
  | 'ERR_CHECKPOINT'
  | 'ERR_LIMIT'
  | 'ERR_GRAPH'
  | 'ERR_INVALID_MODEL'
  | 'ERR_RAW_BYTES'
  | 'ERR_PARQUET'
  | 'ERR_ARROW'
  | 'ERR_OVERFLOW'
  | 'ERR_MODEL_BUSY'
  | 'ERR_EXECUTOR'
  | 'ERR_NO_WORKERS'
  | 'ERR_SHARD_FAILED'

/** Where an error happened; every field is optional and copied onto the error. */
export interface ErrorLocation {
  file?: string
  row?: number
  column?: number | string
  line?: number
  byteOffset?: number
  /** The sequence (0-based, in its stream or input list) of a sequence model's input. */
  sequence?: number
  /** For `ERR_LIMIT`: the option that sets the limit that was exceeded (e.g. `maxHeaderBytes`). */
  limit?: string
  /** For `ERR_COLUMN_COUNT`: the columns the model or stream expected. */
  expectedColumns?: number
  /** For `ERR_COLUMN_COUNT`: the columns the rows have. */
  foundColumns?: number
}

/**
 * The one error class of aril.
 *
 * @example
 * ```ts
 * try { new NormalDistribution(0, 1).fit([[1, 2], [3]]) }
 * catch (err) { if (err instanceof ArilError) console.log(err.code, err.row) } // ERR_RAGGED_ROWS 1
 * ```
 */
export class ArilError extends Error implements ErrorLocation {
  readonly code: ArilErrorCode
  file?: string
  row?: number
  column?: number | string
  line?: number
  byteOffset?: number
  sequence?: number
  limit?: string
  expectedColumns?: number
  foundColumns?: number
  /** The message without the location appended to it. */
  readonly reason: string

  constructor (code: ArilErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message + describeLocation(location), options)
    this.name = 'ArilError'
    this.code = code
    this.reason = message
    for (const [key, value] of Object.entries(location)) {
      if (value !== undefined) (this as Record<string, unknown>)[key] = value
    }
  }
}

function describeLocation (location: ErrorLocation): string {
  const parts: string[] = []
  if (location.sequence !== undefined) parts.push(`sequence ${location.sequence}`)
  if (location.row !== undefined) parts.push(`row ${location.row}`)
  if (location.column !== undefined) parts.push(`column ${location.column}`)
  if (location.line !== undefined) parts.push(`line ${location.line}`)
  if (location.byteOffset !== undefined) parts.push(`byte ${location.byteOffset}`)
  let text = parts.length > 0 ? `, at ${parts.join(', ')}` : ''
  if (location.file !== undefined) text += `${parts.length > 0 ? ' of' : ', in'} ${location.file}`
  return text
}

/** Throws `ERR_INVALID_OPTION` naming the option, what it accepts and what it got. */
export function invalidOption (name: string, expected: string, got: unknown): never {
  throw new ArilError('ERR_INVALID_OPTION', `Option ${name}: expected ${expected}, got ${show(got)}`)
}

/**
 * Throws `ERR_LIMIT`: a documented limit (a reader's or `fromJSON`'s option with a safe default)
 * was exceeded. The message names the limit, its value, what was found and the option that raises
 * it; `limit` on the error is the option's name.
 * @example
 * ```ts
 * limitExceeded('maxHeaderBytes', 65536, 'an .npy header of 70000 bytes', { file: 'x.npy' })
 * // ArilError ERR_LIMIT: Limit maxHeaderBytes = 65536 exceeded by an .npy header of 70000 bytes (raise it with the option maxHeaderBytes), in x.npy
 * ```
 */
export function limitExceeded (option: string, value: number, found: string, location: ErrorLocation = {}): never {
  throw new ArilError('ERR_LIMIT', `Limit ${option} = ${value} exceeded by ${found} (raise it with the option ${option})`, { ...location, limit: option })
}

/** A short, safe rendering of a user's value for an error message. */
export function show (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return `an array of length ${value.length}`
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`
  if (typeof value !== 'object') return `a ${typeof value}`
  const name = (value as object).constructor?.name
  return name === undefined || name === 'Object' ? 'an object' : `a ${name}`
}

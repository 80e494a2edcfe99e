/**
 * Errors crossing a thread or a machine: structured clone and JSON keep neither the class nor the
 * location of an ArilError, so they travel flattened and are rebuilt on the other side with the
 * same code, message and location.
 */
import { ArilError, type ArilErrorCode, type ErrorLocation } from '../core/errors.js'

/** An error as it crosses a thread or a machine. */
export interface SerializedError extends ErrorLocation {
  name: string
  message: string
  stack: string | undefined
  code: string | undefined
}

/**
 * An error flattened for postMessage or JSON.
 * @example
 * ```ts
 * parentPort.postMessage({ type: 'error', id, error: serializeError(err) })
 * ```
 */
export function serializeError (err: unknown): SerializedError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Partial<ArilError>
  return {
    name: String(e.name ?? 'Error'),
    message: String(e.message),
    stack: e.stack,
    code: typeof e.code === 'string' ? e.code : undefined,
    file: e.file,
    row: e.row,
    column: e.column,
    line: e.line,
    byteOffset: e.byteOffset,
    limit: e.limit
  }
}

/**
 * The ArilError a thread or a worker reported: its code, message (which already names the
 * location) and location fields; any other error becomes `fallback` with its message.
 * @example
 * ```ts
 * throw rebuildError(message.error, 'ERR_SOURCE', 'A summarizing thread failed')
 * ```
 */
export function rebuildError (e: SerializedError, fallback: ArilErrorCode = 'ERR_SOURCE', context = 'A summarizing worker failed'): ArilError {
  const { name, message, stack, code, ...location } = e
  // Node's own errors have codes too (ERR_MODULE_NOT_FOUND): only an ArilError's code is kept.
  const known = name === 'ArilError' && typeof code === 'string'
  const err = new ArilError((known ? code : fallback) as ArilErrorCode, known ? '' : `${context}: ${message}`, location)
  if (known) err.message = message
  if (stack !== undefined) err.stack = stack
  return err
}

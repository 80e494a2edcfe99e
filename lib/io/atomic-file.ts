/**
 * Output files that are whole or absent: written under a temporary name beside the target and
 * renamed onto it once complete (a rename within a directory is atomic), so a failure or an
 * interrupt leaves an existing file as it was and no partial one.
 */
import { rename, rm, writeFile } from 'node:fs/promises'
import { ArilError } from '../core/errors.js'

/**
 * The temporary name used for `path` by this process.
 * @example
 * ```ts
 * temporaryPath('model.json') // => 'model.json.aril-1234.tmp'
 * ```
 */
export function temporaryPath (path: string): string {
  return `${path}.aril-${process.pid}.tmp`
}

/**
 * Writes a whole file atomically.
 * @throws ArilError `ERR_SOURCE` when it cannot be written (no temporary file is left)
 * @example
 * ```ts
 * await writeFileAtomically('model.json', stringifyJSON(model))
 * ```
 */
export async function writeFileAtomically (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPath(path)
  try {
    await writeFile(tmp, data)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new ArilError('ERR_SOURCE', `Cannot write the file: ${(err as Error).message}`, { file: path }, { cause: err })
  }
}

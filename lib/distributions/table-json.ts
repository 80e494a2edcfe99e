/**
 * pomegranate's JSON of the probability tables: a table dict's `table` and `dtypes` read into
 * rows of keys and written back, and the parent dicts a ConditionalProbabilityTable carries
 * (read through the model registry, or kept as a {@link JsonParent} when their class is not loaded).
 */
import type { Key } from '../core/batch.js'
import { ArilError, show } from '../core/errors.js'
import { isKey, keyText, kindOfDtype, kindOfKeys, pythonFloat, readKey } from '../core/keys.js'
import { fromJSON } from '../core/serialize.js'
import type { TableParent } from './probability-table.js'

/**
 * Converts a table cell of pomegranate's JSON to a key, following the column's dtype: a string
 * cell is key text (see core/keys.ts), a native cell (a JointProbabilityTable's) is the key itself.
 */
export function keyFromJSON (cell: unknown, dtype: unknown, row: number, column: number): Key {
  const kind = kindOfDtype(dtype)
  let key: unknown = cell
  if (typeof cell === 'string') {
    try {
      key = readKey(cell, kind)
    } catch {
      key = undefined
    }
  } else if (kind === 'str' && typeof cell === 'number') {
    key = String(cell)
  } else if (kind === 'json') {
    key = undefined
  }
  if (!isKey(key)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a key of dtype ${show(dtype)}, got ${show(cell)}`, { row, column })
  return key
}

/** Reads the probability column of a table row in pomegranate's JSON (a string in a CPT). */
export function probabilityFromJSON (cell: unknown, row: number, column: number): number {
  const p = typeof cell === 'string' ? Number(cell) : cell
  if (typeof p !== 'number' || Number.isNaN(p)) throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a probability, got ${show(cell)}`, { row, column })
  return p
}

/** Reads `table` and `dtypes` of pomegranate's table dict into rows of keys and a probability. */
export function tableFromJSON (json: Record<string, unknown>, name: string): Key[][] {
  const { table, dtypes } = json
  if (json.name !== name || !Array.isArray(table) || !Array.isArray(dtypes)) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected ${name} JSON with a table and dtypes, got ${show(json.name)}`)
  }
  return table.map((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== dtypes.length) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected table rows of ${dtypes.length} cells (one per dtype), got ${show(row)}`, { row: r })
    }
    return row.map((cell: unknown, c) => c === row.length - 1 ? probabilityFromJSON(cell, r, c) : keyFromJSON(cell, dtypes[c], r, c))
  })
}

/**
 * A parent read from JSON whose class aril has not loaded: it keeps pomegranate's dict (so the
 * JSON round-trips) and the keys of its distribution.
 * @example
 * ```ts
 * const cpt = fromJSON(text) // a CPT whose parent is a DiscreteDistribution dict, discrete.ts not imported
 * cpt.parents[0].keys // => ['a', 'b']
 * ```
 */
export class JsonParent {
  constructor (readonly json: Record<string, unknown>, readonly keys: Key[]) {}

  toJSON (): Record<string, unknown> {
    return this.json
  }
}

/**
 * Reads a parent dict of a table's JSON: through the model registry when its class is loaded,
 * else (a DiscreteDistribution) as a {@link JsonParent} holding its keys.
 */
export function parentFromJSON (json: unknown, index: number): TableParent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected parents[${index}] to be a distribution dict, got ${show(json)}`)
  }
  const dict = json as Record<string, unknown>
  try {
    return fromJSON(dict) as unknown as TableParent
  } catch (err) {
    const parameters = dict.parameters
    if (!(err instanceof ArilError) || err.code !== 'ERR_UNKNOWN_MODEL' || dict.name !== 'DiscreteDistribution' ||
        !Array.isArray(parameters) || typeof parameters[0] !== 'object' || parameters[0] === null) throw err
    const keys = Object.keys(parameters[0] as object).map((k, i) => keyFromJSON(k, dict.dtype, i, 0))
    return new JsonParent(dict, keys)
  }
}

/**
 * A parent as pomegranate's JSON: its own dict when it has one, else (a plain key list) a uniform
 * DiscreteDistribution over `keys`, the keys its column has in the table.
 */
export function parentToJSON (parent: TableParent, keys: readonly Key[]): object {
  if (!Array.isArray(parent) && typeof (parent as { toJSON?: unknown }).toJSON === 'function') return (parent as { toJSON: () => object }).toJSON()
  const kind = kindOfKeys(keys)
  return {
    class: 'Distribution',
    dtype: kind,
    name: 'DiscreteDistribution',
    parameters: [Object.fromEntries(keys.map(k => [keyText(k, kind), 1 / keys.length]))],
    frozen: false
  }
}

/**
 * The `table` and `dtypes` of a table's JSON: rows `[...keys, probability]` with each key column
 * written under its kind (`text`: every cell as text, as a CPT; else native keys, as a JPT, except
 * aril's `json` columns, whose cells are always text), and the dtype of every column.
 */
export function tableToJSON (keys: readonly Key[][], rows: Key[][], text: boolean): { table: Key[][]; dtypes: string[] } {
  const kinds = keys.map(kindOfKeys)
  return {
    table: rows.map(row => row.map((cell, c) => c === kinds.length
      ? (text ? pythonFloat(cell as number) : cell)
      : text || kinds[c] === 'json' ? keyText(cell, kinds[c]!) : cell)),
    dtypes: [...kinds, 'float']
  }
}

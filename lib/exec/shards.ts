/**
 * Shards: descriptions of the data that every machine (or thread) can open by itself, so that a
 * pass can be summarized where the data is read and the driver never reads it (design.md,
 * "Executors"). A shard is an `.npy` file or a row range of one, a CSV, NDJSON or JSON file read
 * with JSON options, or a user opener registered by name (an object-store range read, a database
 * query) with JSON arguments. A shard list is plain JSON, so it travels in a job.
 *
 * Statistics of a shard are summed in blocks from the shard's own first row (accumulate.ts), so a
 * pass over a list gives the same bits on every executor, for any worker count and merge order;
 * it equals the one-stream pass over the concatenated rows when every shard but the last holds a
 * multiple of BLOCK_ROWS rows, which is what {@link npyShards} makes of one file.
 */
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { BLOCK_ROWS } from '../core/accumulate.js'
import { ArilError, invalidOption, show } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { openSource, type Source, type StreamLike } from '../core/source.js'
import { readCsv, type CsvOptions } from '../io/csv.js'
import { readJson, type JsonOptions } from '../io/json.js'
import { readNdjson, type NdjsonOptions } from '../io/ndjson.js'
import { readNpy } from '../io/npy.js'
import { parseHeader, readPreamble } from '../io/npy-header.js'
import { BLOCK_SEQUENCES } from '../core/sequence.js'
import { readSequences, type SequencesOptions } from '../io/sequences-ndjson.js'
import { readNpySequences } from '../io/sequences-npy.js'

/** JSON options of a text reader (everything but `signal`, which the executor sets). */
type JsonReaderOptions<T> = Omit<T, 'signal'>

/** One shard: what to open, in a form every machine understands (plain JSON). */
export type ShardSpec =
  | { npy: string; start?: number; end?: number }
  | { csv: string; options?: JsonReaderOptions<CsvOptions> }
  | { ndjson: string; options?: JsonReaderOptions<NdjsonOptions> }
  | { json: string; options?: JsonReaderOptions<JsonOptions> }
  | { opener: string; args?: unknown }
  | { npySequences: string; lengths?: string; offsets?: string; range?: [number, number] }
  | { ndjsonSequences: string; range?: [number, number]; options?: JsonReaderOptions<SequencesOptions> }

/** What a registered opener returns: a stream of batches (or anything `fitStream` reads), or a file path. */
export type ShardOpener = (args: unknown, context: { signal: AbortSignal | undefined }) => StreamLike | string | Promise<StreamLike | string>

const KINDS = ['npy', 'csv', 'ndjson', 'json', 'opener', 'npySequences', 'ndjsonSequences'] as const

/**
 * A checked, immutable list of shards: the source of a pass that threads and machines read by
 * themselves. Make one with {@link shards} or {@link npyShards}.
 *
 * @example
 * ```ts
 * const list = shards([{ npy: '/data/part-0.npy' }, { npy: '/data/part-1.npy' }])
 * list.specs.length // => 2
 * ```
 */
export class ShardList {
  readonly specs: readonly ShardSpec[]

  constructor (specs: readonly ShardSpec[]) {
    if (!Array.isArray(specs) || specs.length === 0) invalidOption('shards', 'a non-empty array of shard descriptions', specs)
    this.specs = Object.freeze(specs.map((spec, i) => Object.freeze(checkShard(spec, i))))
  }

  /** The list as JSON (what travels in a job). */
  toJSON (): ShardSpec[] {
    return this.specs.slice()
  }
}

/**
 * A shard list from descriptions: `{ npy, start?, end? }`, `{ csv, options? }`, `{ ndjson, options? }`,
 * `{ json, options? }` or `{ opener, args? }` (an opener registered with {@link registerOpener} on
 * every machine that summarizes).
 *
 * @throws ArilError `ERR_INVALID_OPTION` naming the shard that is not a description, or whose
 *   options are not plain JSON
 * @example
 * ```ts
 * await mixture.fitStream(shards([{ csv: 'a.csv', options: { columns: true } }, { csv: 'b.csv', options: { columns: true } }]), { workers: 2 })
 * ```
 */
export function shards (specs: readonly ShardSpec[]): ShardList {
  return new ShardList(specs)
}

/**
 * True for a {@link ShardList}.
 * @example
 * ```ts
 * isShardList(shards([{ npy: 'x.npy' }])) // => true
 * isShardList(['x.npy']) // => false
 * ```
 */
export function isShardList (value: unknown): value is ShardList {
  return value instanceof ShardList
}

function checkShard (spec: ShardSpec, i: number): ShardSpec {
  const name = `shards[${i}]`
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) invalidOption(name, 'a shard description ({ npy }, { csv }, { ndjson }, { json } or { opener })', spec)
  const record = spec as Record<string, unknown>
  const kinds = KINDS.filter(k => k in record)
  if (kinds.length !== 1) invalidOption(name, `exactly one of ${KINDS.join(', ')}`, Object.keys(record).join(', '))
  const kind = kinds[0]!
  if (typeof record[kind] !== 'string' || record[kind] === '') invalidOption(`${name}.${kind}`, kind === 'opener' ? 'the name of a registered opener' : 'a file path', record[kind])
  const allowed = kind === 'npy' ? ['npy', 'start', 'end'] : kind === 'opener' ? ['opener', 'args'] : kind === 'npySequences' ? [kind, 'lengths', 'offsets', 'range'] : kind === 'ndjsonSequences' ? [kind, 'range', 'options'] : [kind, 'options']
  const extra = Object.keys(record).filter(k => !allowed.includes(k))
  if (extra.length > 0) invalidOption(`${name}.${extra[0]!}`, `only ${allowed.join(', ')} in a { ${kind} } shard`, record[extra[0]!])
  for (const key of ['start', 'end'] as const) {
    const value = record[key]
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 0)) invalidOption(`${name}.${key}`, 'a whole number >= 0', value)
  }
  if (kind === 'npySequences' && (typeof record.lengths === 'string') === (typeof record.offsets === 'string')) {
    invalidOption(`${name}.lengths`, 'the path of the lengths .npy, or offsets instead (one of the two)', record.lengths ?? record.offsets)
  }
  checkRange(record.range, name)
  const json = kind === 'opener' ? record.args : record.options
  if (json !== undefined) plainJSON(json, `${name}.${kind === 'opener' ? 'args' : 'options'}`)
  if (kind !== 'opener' && kind !== 'npy' && json !== undefined && (typeof json !== 'object' || json === null || Array.isArray(json) || 'signal' in json)) {
    invalidOption(`${name}.options`, 'an object of reader options (without signal)', json)
  }
  return structuredClone(spec)
}

/** Checks that a value survives JSON unchanged (no functions, no undefined inside, no NaN, no cycles). */
/**
 * A sequence shard's range `[start, end)` of sequences: its blocks are the one-pass blocks only if
 * it starts on a multiple of BLOCK_SEQUENCES.
 */
function checkRange (range: unknown, name: string): void {
  if (range === undefined) return
  if (!Array.isArray(range) || range.length !== 2 || !range.every(n => Number.isSafeInteger(n) && n >= 0) || range[0] > range[1] || range[0] % BLOCK_SEQUENCES !== 0) {
    invalidOption(`${name}.range`, `a range [start, end) of sequences, start <= end, start a multiple of ${BLOCK_SEQUENCES} (BLOCK_SEQUENCES)`, range)
  }
}

function plainJSON (value: unknown, name: string, depth = 0): void {
  if (depth > 64) invalidOption(name, 'plain JSON nested at most 64 deep', 'a deeper value')
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalidOption(name, 'plain JSON (finite numbers)', value)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => plainJSON(v, `${name}[${i}]`, depth + 1))
    return
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) plainJSON(v, `${name}.${k}`, depth + 1)
    return
  }
  invalidOption(name, 'plain JSON (objects, arrays, strings, finite numbers, booleans, null)', value)
}

const openers = new Map<string, ShardOpener>()

/**
 * Registers an opener for `{ opener: name, args }` shards in this process or thread. Executors
 * that summarize elsewhere load the modules named in their `modules` option (thread executors,
 * `startWorker`, `aril-worker --import`), which register their openers the same way.
 *
 * @throws ArilError `ERR_INVALID_OPTION` for a name that is not a non-empty string or an opener that is not a function
 * @example
 * ```ts
 * registerOpener('s3', ({ bucket, key, start, end }) => readNpyFromS3(bucket, key, start, end))
 * const list = shards([{ opener: 's3', args: { bucket: 'b', key: 'x.npy', start: 0, end: 1 << 20 } }])
 * ```
 */
export function registerOpener (name: string, opener: ShardOpener): void {
  if (typeof name !== 'string' || name === '') invalidOption('name', 'a non-empty string', name)
  if (typeof opener !== 'function') invalidOption('opener', 'a function (args, { signal }) returning a stream of batches or a path', opener)
  openers.set(name, opener)
}

/**
 * Opens one shard as a Readable of batches.
 * @throws ArilError `ERR_SOURCE` for an opener that is not registered here; the reader's errors
 * @example
 * ```ts
 * for await (const batch of await openShard({ npy: 'x.npy', start: 0, end: 4096 })) model.summarize(batch)
 * ```
 */
export async function openShard (spec: ShardSpec, signal?: AbortSignal): Promise<Readable> {
  if ('npy' in spec) return readNpy(spec.npy, { start: spec.start, end: spec.end, signal })
  if ('csv' in spec) return readCsv(spec.csv, { ...spec.options, signal })
  if ('ndjson' in spec) return readNdjson(spec.ndjson, { ...spec.options, signal })
  if ('json' in spec) return readJson(spec.json, { ...spec.options, signal })
  if ('npySequences' in spec) return readNpySequences(spec.npySequences, { lengths: spec.lengths, offsets: spec.offsets, sequences: spec.range, signal })
  if ('ndjsonSequences' in spec) return readSequences(spec.ndjsonSequences, { ...spec.options, sequences: spec.range, signal })
  const opener = openers.get(spec.opener)
  if (opener === undefined) {
    const known = [...openers.keys()].sort()
    throw new ArilError('ERR_SOURCE', `No opener ${show(spec.opener)} is registered here (registered: ${known.length === 0 ? 'none' : known.join(', ')}); load the module that calls registerOpener (the executor's modules option, aril-worker --import)`)
  }
  return await openSource(() => opener(spec.args, { signal }))
}

/**
 * The shards' batches one after the other, as one stream (what an initialization reads the first
 * rows of). Each shard is opened when the one before it ends.
 * @example
 * ```ts
 * for await (const batch of openShards(await npyShards('x.npy', { shards: 4 }))) model.summarize(batch)
 * ```
 */
export function openShards (list: ShardList, signal?: AbortSignal): Readable {
  return Readable.from((async function * () {
    for (const spec of list.specs) yield * await openShard(spec, signal)
  })(), { objectMode: true })
}

/**
 * Opens any source as one stream: shards one after the other ({@link openShards}), anything else
 * as `openSource` does. For the readers that take every kind of source (initialization passes,
 * structure learning, plots).
 * @example
 * ```ts
 * for await (const batch of await openAnySource(await npyShards('big.npy'))) console.log(batch.rows)
 * ```
 */
export async function openAnySource (source: Source, signal?: AbortSignal): Promise<Readable> {
  return isShardList(source) ? openShards(source, signal) : await openSource(source)
}

/** Options of {@link npyShards}. */
export interface NpyShardsOptions {
  /** How many shards (default: about 64 MiB of data each, at least 1). */
  shards?: number | undefined
  /** Rows per shard instead (rounded up to a multiple of BLOCK_ROWS). */
  rowsPerShard?: number | undefined
}

/** The keys of {@link NpyShardsOptions}. */
export const NPY_SHARDS_OPTION_KEYS = ['shards', 'rowsPerShard'] as const

/** Data bytes per shard when neither option is given. */
const SHARD_BYTES = 64 * 2 ** 20

/**
 * Splits one `.npy` file into row ranges that start on multiples of BLOCK_ROWS, so that the pass
 * over them gives the bits of one pass over the file. Reads the file's header only.
 *
 * @throws ArilError `ERR_INVALID_OPTION`, and the header errors of `readNpy` (`ERR_NPY_MAGIC`,
 *   `ERR_NPY_HEADER`, `ERR_NPY_TRUNCATED` ...), `ERR_SOURCE` when the file cannot be read
 * @example
 * ```ts
 * const list = await npyShards('/shared/big.npy', { shards: 16 })
 * await mixture.fitStream(list, { executor: bullmqExecutor({ connection }) })
 * ```
 */
export async function npyShards (path: string, options: NpyShardsOptions = {}): Promise<ShardList> {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  checkKeys(options, NPY_SHARDS_OPTION_KEYS, 'npyShards')
  const { shards: count, rowsPerShard } = options
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 1)) invalidOption('shards', 'a whole number >= 1', count)
  if (rowsPerShard !== undefined && (!Number.isSafeInteger(rowsPerShard) || rowsPerShard < 1)) invalidOption('rowsPerShard', 'a whole number >= 1', rowsPerShard)
  const { rows, rowBytes } = await npyShape(path)
  const blocks = Math.ceil(rows / BLOCK_ROWS)
  const perShard = rowsPerShard !== undefined
    ? Math.ceil(rowsPerShard / BLOCK_ROWS)
    : Math.max(1, Math.ceil(blocks / (count ?? Math.max(1, Math.ceil(rows * rowBytes / SHARD_BYTES)))))
  const specs: ShardSpec[] = []
  for (let start = 0; start < rows || specs.length === 0; start += perShard * BLOCK_ROWS) {
    specs.push({ npy: path, start, end: Math.min(rows, start + perShard * BLOCK_ROWS) })
  }
  return new ShardList(specs)
}

/** Rows and bytes per row of an `.npy` file, from its header. */
/** Options of {@link npySequenceShards}. */
export interface NpySequenceShardsOptions {
  /** The lengths `.npy` (give this or `offsets`). */
  lengths?: string | undefined
  /** The offsets `.npy` (sequences + 1 entries). */
  offsets?: string | undefined
  /** How many shards (default: one per 64 MiB of observations). */
  shards?: number | undefined
  /** Sequences per shard, rounded up to a multiple of BLOCK_SEQUENCES (instead of `shards`). */
  sequencesPerShard?: number | undefined
}

/**
 * Shards of a sequence `.npy` pair (see readNpySequences): ranges of whole blocks of
 * BLOCK_SEQUENCES sequences, so their summaries merge into the bits of one pass. The number of
 * sequences comes from the lengths' (or offsets') header.
 * @throws ArilError `ERR_INVALID_OPTION`, and the errors of reading the headers
 * @example
 * ```ts
 * const list = await npySequenceShards('x.npy', { lengths: 'lengths.npy', shards: 4 })
 * await chain.fitStream(list, { workers: 2 })
 * ```
 */
export async function npySequenceShards (path: string, options: NpySequenceShardsOptions): Promise<ShardList> {
  if (typeof path !== 'string' || path === '') invalidOption('path', 'a file path', path)
  const { lengths, offsets, shards: count, sequencesPerShard } = options ?? {}
  if ((typeof lengths === 'string') === (typeof offsets === 'string')) invalidOption('lengths', 'the path of the lengths .npy, or offsets instead (one of the two)', lengths ?? offsets)
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 1)) invalidOption('shards', 'a whole number >= 1', count)
  if (sequencesPerShard !== undefined && (!Number.isSafeInteger(sequencesPerShard) || sequencesPerShard < 1)) invalidOption('sequencesPerShard', 'a whole number >= 1', sequencesPerShard)
  const sequences = lengths !== undefined ? (await npyShape(lengths)).rows : Math.max(0, (await npyShape(offsets!)).rows - 1)
  const { rows, rowBytes } = await npyShape(path)
  const blocks = Math.ceil(sequences / BLOCK_SEQUENCES)
  const perShard = sequencesPerShard !== undefined
    ? Math.ceil(sequencesPerShard / BLOCK_SEQUENCES)
    : Math.max(1, Math.ceil(blocks / (count ?? Math.max(1, Math.ceil(rows * rowBytes / SHARD_BYTES)))))
  const specs: ShardSpec[] = []
  for (let start = 0; start < sequences || specs.length === 0; start += perShard * BLOCK_SEQUENCES) {
    const range: [number, number] = [start, Math.min(sequences, start + perShard * BLOCK_SEQUENCES)]
    specs.push(lengths !== undefined ? { npySequences: path, lengths, range } : { npySequences: path, offsets: offsets!, range })
  }
  return new ShardList(specs)
}

export async function npyShape (path: string): Promise<{ rows: number; rowBytes: number }> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw new ArilError('ERR_SOURCE', `Cannot read the file: ${(err as Error).message}`, { file: path }, { cause: err })
  }
  try {
    let bytes = new Uint8Array(4096)
    let { bytesRead } = await handle.read(bytes, 0, bytes.length, 0)
    const preamble = readPreamble(bytes.subarray(0, bytesRead), { file: path })
    if (preamble === undefined) throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: the file has ${bytesRead} bytes and ends inside its preamble`, { file: path, byteOffset: bytesRead })
    if (bytesRead < preamble.dataOffset) {
      bytes = new Uint8Array(preamble.dataOffset)
      bytesRead = (await handle.read(bytes, 0, bytes.length, 0)).bytesRead
      if (bytesRead < preamble.dataOffset) throw new ArilError('ERR_NPY_TRUNCATED', `NPY truncated: the file has ${bytesRead} bytes and ends inside its header`, { file: path, byteOffset: bytesRead })
    }
    const header = parseHeader(bytes, preamble, { file: path })
    return { rows: header.rows, rowBytes: header.cols * header.dtype.itemSize }
  } finally {
    await handle.close()
  }
}

import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parquetMetadataAsync, asyncBufferFromFile } from 'hyparquet'
import { MultivariateGaussianDistribution, NaiveBayes, NormalDistribution, openFile, parquetInfo, readParquet } from '../../lib/index.js'
import { assertArilError, columnOf, readAll, rejectsArilError } from '../helpers.js'
import { big, color, flag, k, label, n, paged, w, writeParquetFiles, x, y } from './parquet-files.js'

const dir = await mkdtemp(join(tmpdir(), 'aril-parquet-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

await writeParquetFiles(dir)
const file = join(dir, 'data.parquet')

t.test('the file as written: three row groups, a dictionary-encoded string column', async t => {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
  t.same(metadata.row_groups.map(g => Number(g.num_rows)), [1000, 1000, 500])
  const encodings = metadata.row_groups[0]!.columns[5]!.meta_data!.encodings
  t.ok(encodings.some(e => e.includes('DICTIONARY')), `color is dictionary-encoded (${encodings.join(', ')})`)
  const info = await parquetInfo(file)
  t.same(info.rows, n)
  t.same(info.rowGroups, [1000, 1000, 500])
  t.same(info.columns.map(c => c.name), ['x', 'y', 'k', 'big', 'flag', 'color', 'w', 'label'])
  t.same(info.columns[0], { name: 'x', type: 'DOUBLE', nullable: false })
  t.match(info.columns[5], { name: 'color', type: /BYTE_ARRAY \((STRING|UTF8)\)/, nullable: true })
})

t.test('every column type: numbers, nulls, 64-bit ints, booleans, strings as categories', async t => {
  const batches = await readAll(readParquet(file, { rowsPerBatch: 700 }))
  t.same(batches.map(b => b.rows), [700, 300, 700, 300, 500], 'cut inside each row group, never across')
  t.same(batches[0]!.cols, 8)
  t.same(columnOf(batches, 0), Array.from(x))
  t.same(columnOf(batches, 1), Array.from(y))
  t.same(columnOf(batches, 2), k.map(v => v ?? NaN), 'null is missing')
  t.same(columnOf(batches, 3), big.map(Number))
  t.same(columnOf(batches, 4), flag.map(Number))
  t.same(batches.flatMap(b => b.categories![5]), color, 'strings are categories, null missing')
  t.same(columnOf(batches, 5), color.map(() => NaN))
  t.equal(batches[0]!.categories![0], undefined, 'numeric columns have no categories')
})

t.test('column chunks of many pages, SNAPPY and UNCOMPRESSED, read together and one by one', async t => {
  for (const name of ['pages', 'pages-plain']) {
    const path = join(dir, `${name}.parquet`)
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path))
    const chunks = metadata.row_groups[0]!.columns.map(c => c.meta_data!)
    t.same(chunks.map(c => c.codec), Array(4).fill(name === 'pages' ? 'SNAPPY' : 'UNCOMPRESSED'))
    t.ok(chunks.every(c => (c.encoding_stats ?? []).reduce((pages, s) => pages + s.count, 0) > 1), `${name}: every column chunk has several pages`)
    // the four columns are read by one parquetRead per row group, x alone by one of its own
    // (its chunk averages 16 KiB per column of the file, the four chunks do not)
    const bytes = chunks.map(c => Number(c.total_compressed_size))
    t.ok(bytes[0]! >= 16_384 * 4 && bytes.reduce((a, b) => a + b) < 16_384 * 4 * 4, `${name}: chunk sizes ${bytes.join(', ')} take both ways`)
    // batches small enough to be made in the memory the previous row group was read into
    const all = await readAll(readParquet(path, { rowsPerBatch: 500 }))
    t.same(all.map(b => b.rows), Array(40).fill(500), `${name}: batches cut inside each row group`)
    t.same(columnOf(all, 0), Array.from(paged.x), `${name}: x`)
    t.same(columnOf(all, 1), paged.y.map(v => v ?? NaN), `${name}: y, null missing`)
    t.same(columnOf(all, 2), Array.from(paged.k), `${name}: k`)
    t.same(all.flatMap(b => b.categories![3]), paged.s, `${name}: s as categories`)
    const alone = await readAll(readParquet(path, { columns: ['x'] }))
    t.same(columnOf(alone, 0), Array.from(paged.x), `${name}: x read alone`)
    t.same(alone.map(b => b.rows), [8192, 1808, 8192, 1808])
    const d = await new NormalDistribution().fitStream(readParquet(path, { columns: ['x'] }))
    t.same(d.parameters, new NormalDistribution().fit(paged.x).parameters, `${name}: into a model sink (lent batches), the bits of an in-memory fit`)
  }
})

t.test('one column of doubles over several row groups: Batches are views of the decoded pages, all valid at the end', async t => {
  const path = join(dir, 'one-plain.parquet')
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path))
  t.same(metadata.row_groups.map(g => Number(g.num_rows)), [1000, 1000, 500])
  t.same(metadata.row_groups.map(g => g.columns[0]!.meta_data!.codec), Array(3).fill('UNCOMPRESSED'))
  // every Batch is held until the end: memory handed out in a Batch must never be written again
  const all = await readAll(readParquet(path, { rowsPerBatch: 400 }))
  t.same(all.map(b => b.rows), [400, 400, 200, 400, 400, 200, 400, 100])
  t.same(columnOf(all, 0), Array.from(x))
})

t.test('columns, weight, label, rowGroups', async t => {
  const reader = readParquet(file, { columns: ['y', 'x'], weight: 'w', label: 'label', rowGroups: [2, 0] })
  const batches = await readAll(reader)
  t.same(batches.map(b => b.rows), [500, 1000], 'row group 2, then row group 0')
  const rows = [...Array.from({ length: 500 }, (_, i) => 2000 + i), ...Array.from({ length: 1000 }, (_, i) => i)]
  t.same(columnOf(batches, 0), rows.map(i => y[i]!))
  t.same(columnOf(batches, 1), rows.map(i => x[i]!))
  t.same(batches.flatMap(b => Array.from(b.weights!)), rows.map(i => w[i]!))
  t.same(batches.flatMap(b => Array.from(b.labels!)), rows.map(i => label[i]!))
  t.equal(reader.totalRows, 1500)
  t.equal(reader.rowsRead, 1500)
  t.ok(reader.bytesRead > 0 && reader.bytesRead <= reader.totalBytes!, 'bytes read are counted')
})

t.test('models fit from Parquet equal the in-memory fits', async t => {
  const blank = (): MultivariateGaussianDistribution => new MultivariateGaussianDistribution([0, 0], [[1, 0], [0, 1]])
  const mvg = await blank().fitStream(readParquet(file, { columns: ['x', 'y'], weight: 'w' }))
  const X = Array.from(x, (v, i) => [v, y[i]!])
  t.same(mvg.parameters, blank().fit(X, { weights: w }).parameters, 'the same bits as in memory')
  await rejectsArilError(t, new NormalDistribution().fitStream(file), { code: 'ERR_COLUMN_COUNT' }, 'a one-column model fed 8 columns')
  const nb = await new NaiveBayes(NormalDistribution, 2).fitStream(() => readParquet(file, { columns: ['x'], label: 'label' }))
  t.same(nb.toJSON(), new NaiveBayes(NormalDistribution, 2).fit(x, { labels: label }).toJSON())
})

t.test('openFile and fitStream pick readParquet by extension', async t => {
  const batches = await readAll(openFile(file))
  t.equal(batches.reduce((s, b) => s + b.rows, 0), n)
  const one = join(dir, 'one.parquet')
  const d = await new NormalDistribution().fitStream(one)
  t.same(d.parameters, new NormalDistribution().fit(x).parameters)
})

t.test('errors: options, missing columns and row groups, bad files, aborts', async t => {
  assertArilError(t, () => readParquet(file, { rowGroups: [-1] }), { code: 'ERR_INVALID_OPTION', message: /rowGroups/ })
  assertArilError(t, () => readParquet(file, { columns: [] }), { code: 'ERR_INVALID_OPTION', message: /columns/ })
  assertArilError(t, () => readParquet(file, { columns: ['x'], weight: 'x' }), { code: 'ERR_INVALID_OPTION', message: /weight/ })
  assertArilError(t, () => readParquet(file, { weight: 'w', label: 'w' }), { code: 'ERR_INVALID_OPTION', message: /label/ })
  assertArilError(t, () => readParquet(file, { rowsPerBatch: 0 }), { code: 'ERR_INVALID_OPTION', message: /rowsPerBatch/ })
  assertArilError(t, () => readParquet(file, { colums: ['x'] } as never), { code: 'ERR_INVALID_OPTION', message: /colums/ })
  assertArilError(t, () => readParquet(''), { code: 'ERR_INVALID_OPTION', message: /path/ })
  assertArilError(t, () => readParquet(file, { signal: 'x' as never }), { code: 'ERR_INVALID_OPTION', message: /signal/ })
  await rejectsArilError(t, readAll(readParquet(file, { columns: ['nope'] })), { code: 'ERR_INVALID_OPTION', message: /a column of .*data\.parquet \(x, y, k, big, flag, color, w, label\)/ })
  await rejectsArilError(t, readAll(readParquet(file, { categorical: ['x'], columns: ['y'] })), { code: 'ERR_INVALID_OPTION', message: /categorical/ })
  await rejectsArilError(t, readAll(readParquet(file, { rowGroups: [3] })), { code: 'ERR_INVALID_OPTION', message: /row group indices below 3/ })
  await rejectsArilError(t, readAll(readParquet(join(dir, 'missing.parquet'))), { code: 'ERR_SOURCE' })
  const junk = join(dir, 'junk.parquet')
  await writeFile(junk, 'x,y\n1,2\n')
  await rejectsArilError(t, readAll(readParquet(junk)), { code: 'ERR_PARQUET', file: junk })
  const controller = new AbortController()
  controller.abort()
  await rejectsArilError(t, readAll(readParquet(file, { signal: controller.signal })), { code: 'ERR_ABORTED' })
  const later = new AbortController()
  const reader = readParquet(file, { signal: later.signal, rowsPerBatch: 100 })
  let seen = 0
  await rejectsArilError(t, (async () => { for await (const _ of reader) if (++seen === 2) later.abort() })(), { code: 'ERR_ABORTED' })
  const strict = join(dir, 'strings.parquet')
  await rejectsArilError(t, new NormalDistribution().fitStream(readParquet(strict, { columns: ['s'] })), { code: 'ERR_NOT_NUMERIC' })
  const weights = join(dir, 'weights.parquet')
  await rejectsArilError(t, readAll(readParquet(weights, { weight: 'w' })), { code: 'ERR_PARQUET', row: 1, message: /weight >= 0/ })
  const binary = join(dir, 'binary.parquet')
  await rejectsArilError(t, readAll(readParquet(binary)), { code: 'ERR_PARQUET', column: 'b', message: /categorical/ })
})

/**
 * What `aril fit`, `predict`, `score` and `plot` do once their arguments are parsed: open the
 * data, run the library, and write the result under a temporary name renamed into place at the
 * end, so an interrupted or failed command leaves any existing output file as it was.
 */
import { readFile, rename, rm } from 'node:fs/promises'
import { extname } from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ExactSum } from '../core/accumulate.js'
import type { Batch, BatchInput } from '../core/batch.js'
import type { BatchReadable } from '../core/batch-readable.js'
import { ArilError } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { predictStream, type PredictOutput, type Predictor } from '../core/predict-stream.js'
import { fromJSON, stringifyJSON } from '../core/serialize.js'
import { temporaryPath, writeFileAtomically } from '../io/atomic-file.js'
import { writeNpy } from '../io/npy.js'
import { writeCsv, writeNdjson } from '../io/write-text.js'
import { Kmeans } from '../models/kmeans.js'
import { plotDensity, plotHistory, plotScatter } from '../plot/plots.js'
import { csvLogger } from '../train/callbacks.js'
import { fitModel, type ModelSpec } from './models.js'
import type { ProgressReporter } from './progress.js'

/** The first batch of the data (its shape, and whether it has labels). */
async function head (open: () => BatchReadable, path: string): Promise<Batch> {
  const reader = open()
  try {
    for await (const batch of reader) return batch
  } finally {
    reader.destroy()
  }
  throw new ArilError('ERR_SOURCE', 'The data has no rows', { file: path })
}

/** Options of `aril fit`. */
export interface FitCommand {
  data: string
  open: () => BatchReadable
  spec: ModelSpec
  out: string
  seed?: number | undefined
  maxIterations?: number | undefined
  stopThreshold?: number | undefined
  workers?: number | undefined
  initRows?: number | undefined
  log?: string | undefined
}

/** `aril fit`: fits, then writes the model's JSON; resolves with the summary line. */
export async function fitCommand (c: FitCommand, progress: ProgressReporter, signal: AbortSignal): Promise<string> {
  const started = performance.now()
  const first = await head(c.open, c.data)
  progress.begin('fit')
  const { model, history } = await fitModel(c.spec, {
    open: c.open,
    head: first,
    seed: c.seed,
    maxIterations: c.maxIterations,
    stopThreshold: c.stopThreshold,
    workers: c.workers,
    initRows: c.initRows,
    signal,
    onProgress: progress.update,
    callbacks: [{ onEpochEnd: log => progress.epoch(log) }, ...(c.log === undefined ? [] : [csvLogger(c.log)])],
    countClasses: async () => {
      progress.begin('counting classes')
      let max = -1
      for await (const batch of c.open()) for (const l of batch.labels ?? []) if (l > max) max = l
      progress.begin('fit')
      if (max < 0) throw new ArilError('ERR_LABEL', 'The label column has no class (every label is missing or negative)', { file: c.data })
      return max + 1
    }
  })
  progress.end()
  await writeFileAtomically(c.out, stringifyJSON(model.toJSON()))
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const epochs = history === undefined ? '' : `, ${history.iterations} EM steps (${history.stopReason ?? 'done'}), log-likelihood ${history.logProbability}`
  return `${model.name} fitted to ${c.data} (${first.cols} column${first.cols === 1 ? '' : 's'}) in ${seconds} s${epochs}; written to ${c.out}`
}

/** Reads a model file. */
export async function readModel (path: string): Promise<Model> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ArilError('ERR_SOURCE', `Cannot read the model: ${(err as Error).message}`, { file: path }, { cause: err })
  }
  try {
    return fromJSON(text)
  } catch (err) {
    if (err instanceof ArilError) throw new ArilError(err.code, err.message, { file: path }, { cause: err })
    throw err
  }
}

/** A writer for `out` by its extension: `.npy`, `.csv`, `.ndjson`/`.jsonl`. */
function writerFor (out: string, path: string, names: (cols: number) => string[] | undefined, cols: number): Writable {
  const format = extname(out).toLowerCase()
  if (format === '.npy') return writeNpy(path)
  if (format === '.csv') return writeCsv(path, { columns: names(cols) })
  if (format === '.ndjson' || format === '.jsonl') return writeNdjson(path)
  throw new ArilError('ERR_INVALID_OPTION', `Option out: expected a file ending in .npy, .csv, .ndjson or .jsonl, got ${JSON.stringify(out)}`)
}

/** Streams batches through `transform` into `out` (atomically); resolves with the rows written. */
async function transformTo (open: () => BatchReadable, transform: Transform, out: string, names: (cols: number) => string[] | undefined, cols: number, progress: ProgressReporter, signal: AbortSignal): Promise<number> {
  const tmp = temporaryPath(out)
  const writer = writerFor(out, tmp, names, cols)
  const reader = open()
  let rows = 0
  const counting = new Transform({
    objectMode: true,
    transform (batch: Batch, _encoding, callback) {
      rows += batch.rows
      progress.update({ rows, batches: 0, bytes: reader.bytesRead, totalBytes: reader.totalBytes, fraction: reader.totalRows !== undefined && reader.totalRows > 0 ? rows / reader.totalRows : reader.totalBytes ? reader.bytesRead / reader.totalBytes : undefined })
      callback(null, batch)
    }
  })
  try {
    await pipeline(reader, transform, counting, writer, { signal })
    await rename(tmp, out)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return rows
}

/** What a model predicts, as a Predictor (k-means predicts its nearest centroid only). */
function predictor (model: Model, output: PredictOutput): Predictor {
  if (model instanceof Kmeans) {
    if (output !== 'class') throw new ArilError('ERR_INVALID_OPTION', `Option output: Kmeans predicts classes only (its nearest centroid), got ${JSON.stringify(output)}`)
    return { toBatch: X => model.toBatch(X), predictBatch: b => model.predictBatch(b), predictLogProbaBatch: () => { throw new ArilError('ERR_INVALID_ARGUMENT', 'Kmeans has no posterior') } }
  }
  const candidate = model as unknown as Partial<Predictor>
  if (typeof candidate.predictLogProbaBatch !== 'function') {
    throw new ArilError('ERR_INVALID_ARGUMENT', `A ${model.name} does not predict classes (mixtures, k-means and Bayes classifiers do); use aril score for log-probabilities`)
  }
  return model as unknown as Predictor
}

/** `aril predict`: classes (or posteriors) of every row, written to `out`. */
export async function predictCommand (c: { model: string; data: string; open: () => BatchReadable; out: string; output: PredictOutput }, progress: ProgressReporter, signal: AbortSignal): Promise<string> {
  const model = await readModel(c.model)
  const p = predictor(model, c.output)
  const k = (model as { k?: number }).k ?? 1
  const names = (): string[] => c.output === 'class' ? ['class'] : Array.from({ length: k }, (_, j) => `${c.output === 'proba' ? 'p' : 'logp'}${j}`)
  progress.begin('predict')
  const rows = await transformTo(c.open, predictStream(p, { output: c.output }), c.out, names, k, progress, signal)
  progress.end()
  return `${rows} predictions (${c.output}) of ${model.name} written to ${c.out}`
}

/** `aril score`: the total log-likelihood, and with `out` every row's log-probability. */
export async function scoreCommand (c: { model: string; data: string; open: () => BatchReadable; out?: string | undefined }, progress: ProgressReporter, signal: AbortSignal): Promise<string> {
  const model = await readModel(c.model)
  const total = new ExactSum()
  let rows = 0
  const score = new Transform({
    objectMode: true,
    transform (chunk: BatchInput, _encoding, callback) {
      try {
        const logp = model.logProbability(chunk)
        for (const v of logp) total.add(v)
        rows += logp.length
        callback(null, { data: logp, rows: logp.length, cols: 1 })
      } catch (err) {
        callback(err as Error)
      }
    }
  })
  progress.begin('score')
  if (c.out === undefined) {
    const reader = c.open()
    for await (const batch of reader) {
      if (signal.aborted) throw new ArilError('ERR_ABORTED', 'aril score was aborted')
      const logp = model.logProbability(batch)
      for (const v of logp) total.add(v)
      rows += logp.length
      progress.update({ rows, batches: 0, bytes: reader.bytesRead, totalBytes: reader.totalBytes, fraction: reader.totalRows ? rows / reader.totalRows : undefined })
    }
  } else {
    await transformTo(c.open, score, c.out, () => ['logProbability'], 1, progress, signal)
  }
  progress.end()
  const sum = total.value()
  return `${rows} rows, log-likelihood ${sum}, mean ${rows === 0 ? NaN : sum / rows} per row under ${model.name}${c.out === undefined ? '' : `; per-row log-probabilities written to ${c.out}`}`
}

/** `aril plot`: the density, scatter or history plot, by the data and the model. */
export async function plotCommand (c: { data?: string | undefined; open?: (() => BatchReadable) | undefined; model?: string | undefined; history?: string | undefined; out: string; kind: 'auto' | 'density' | 'scatter'; bins?: number | undefined; sample?: number | undefined; seed?: number | undefined; title?: string | undefined; names: string[] | undefined }, progress: ProgressReporter): Promise<string> {
  const common = { out: c.out, title: c.title, xLabel: c.names?.[0], yLabel: c.kind === 'density' ? undefined : c.names?.[1] }
  if (c.history !== undefined) {
    await plotHistory(c.history, { out: c.out, title: c.title })
    return `log-likelihood per epoch of ${c.history} plotted to ${c.out}`
  }
  if (c.open === undefined) throw new ArilError('ERR_INVALID_ARGUMENT', 'aril plot: give the data to plot (and --model), or --history with a csvLogger file')
  const model = c.model === undefined ? undefined : await readModel(c.model)
  let kind = c.kind
  if (kind === 'auto') kind = (model?.dimension ?? (await head(c.open, c.data!)).cols) === 1 ? 'density' : 'scatter'
  progress.begin('plot')
  if (kind === 'density') {
    if (model === undefined) throw new ArilError('ERR_INVALID_ARGUMENT', 'aril plot: a density plot needs the fitted model (--model model.json)')
    await plotDensity(model, c.open, { ...common, bins: c.bins })
  } else {
    await plotScatter(model, c.open, { ...common, sample: c.sample, seed: c.seed })
  }
  progress.end()
  return `${kind} plot${model === undefined ? '' : ` of ${model.name}`} over ${c.data} written to ${c.out}`
}

/**
 * The `aril` command line (commander): `fit`, `predict`, `score`, `inspect`, `plot`. Exit codes:
 * 0 done; 1 a user error, reported as `aril: ERR_CODE: message` (a missing file, bad data, a
 * model that does not fit the data ...); 2 a usage error (an unknown command or option, a value
 * that is not one); 130 interrupted (Ctrl-C), with every output file left as it was.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { ArilError } from '../core/errors.js'
import type { PredictOutput } from '../core/predict-stream.js'
import { fitCommand, plotCommand, predictCommand, scoreCommand } from './commands.js'
import { dataOpener, FORMATS, type DataOptions, type Format } from './data.js'
import { formatInfo, inspectData } from './inspect.js'
import { MODEL_NAMES, parseModel, type ModelSpec } from './models.js'
import { ProgressReporter, type CliStreams, type ProgressMode } from './progress.js'

/** Where `runCli` writes and what stops it. */
export interface CliContext extends CliStreams {
  /** Aborting (Ctrl-C) stops the command between batches; exit code 130. */
  signal?: AbortSignal | undefined
}

/** Exit codes. */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function whole (min: number) {
  return (text: string): number => {
    const value = Number(text)
    if (!Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`)
    return value
  }
}

function real (text: string): number {
  const value = Number(text)
  if (text.trim() === '' || Number.isNaN(value)) throw new InvalidArgumentError('expected a number')
  return value
}

function modelSpec (text: string): ModelSpec {
  const spec = parseModel(text)
  if (spec === undefined) throw new InvalidArgumentError(`expected one of ${MODEL_NAMES.join(', ')} (K a whole number >= 1)`)
  return spec
}

/** The data options every data-reading command takes. */
function dataOptions (command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'the data format (default: from the extension)').choices(FORMATS))
    .option('--select <columns>', 'columns to read, comma-separated names or 0-based indices (default: all but --label and --weight)')
    .option('--label <column>', 'the column of class labels (classifiers)')
    .option('--weight <column>', 'the column of row weights')
    .option('--no-header', 'CSV/TSV: the first line is data, not column names')
    .option('--delimiter <char>', 'CSV: the field delimiter (default , or tab for .tsv)')
    .option('--from-line <n>', 'CSV: the first line to read (skips a preamble)', whole(1))
    .addOption(new Option('--progress <mode>', 'progress on stderr: a bar on a terminal, JSON lines otherwise').choices(['auto', 'bar', 'json', 'none']).default('auto'))
}

function dataSettings (o: Record<string, unknown>): DataOptions {
  return {
    format: o.format as Format | undefined,
    select: o.select as string | undefined,
    label: o.label as string | undefined,
    weight: o.weight as string | undefined,
    header: o.header as boolean | undefined,
    delimiter: o.delimiter as string | undefined,
    fromLine: o.fromLine as number | undefined
  }
}

/**
 * Runs the command line on `argv` (without `node` and the script) and resolves with the exit
 * code; output goes to `context.stdout` and `context.stderr`.
 * @example
 * ```ts
 * process.exitCode = await runCli(['fit', 'x.npy', '--model', 'gmm:3', '--out', 'model.json'], { stdout: process.stdout, stderr: process.stderr })
 * ```
 */
export async function runCli (argv: readonly string[], context: CliContext): Promise<number> {
  const { stdout, stderr } = context
  const signal = context.signal ?? new AbortController().signal
  const say = (line: string): void => { stdout.write(line + '\n') }
  let active: ProgressReporter | undefined
  const reporter = (o: Record<string, unknown>): ProgressReporter => (active = new ProgressReporter(context, o.progress as ProgressMode))

  const program = new Command('aril')
    .description('Fit probabilistic models to data too big for memory (pomegranate\'s models, out of core).')
    .version(version(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: text => stdout.write(text), writeErr: text => stderr.write(text) })
    .showHelpAfterError('(run aril <command> --help for the options)')

  dataOptions(program.command('fit')
    .description('fit a model to a data file and write its JSON (pomegranate\'s format)')
    .argument('<data>', 'a .npy, .csv, .tsv, .json, .ndjson, .parquet or .arrow file')
    .requiredOption('--model <model>', `the model: ${MODEL_NAMES.join(', ')}`, modelSpec)
    .requiredOption('--out <model.json>', 'where the fitted model goes (written when the fit is done)')
    .option('--max-iterations <k>', 'EM models: at most k EM steps', whole(0))
    .option('--stop-threshold <x>', 'EM models: stop when the log-likelihood improves by at most x', real)
    .option('--seed <s>', 'EM models: seed of the k-means++ initialization', whole(0))
    .option('--init-rows <n>', 'EM models: rows read for the initialization (default 10000)', whole(1))
    .option('--workers <n>', 'EM models: worker threads per pass (the same bits as one)', whole(1))
    .option('--log <fit.csv>', 'EM models: a CSV line per epoch (csvLogger; plot it with aril plot --history)'))
    .action(async (data: string, o: Record<string, unknown>) => {
      const open = dataOpener(data, dataSettings(o))
      say(await fitCommand({
        data,
        open,
        spec: o.model as ModelSpec,
        out: o.out as string,
        seed: o.seed as number | undefined,
        maxIterations: o.maxIterations as number | undefined,
        stopThreshold: o.stopThreshold as number | undefined,
        workers: o.workers as number | undefined,
        initRows: o.initRows as number | undefined,
        log: o.log as string | undefined
      }, reporter(o), signal))
    })

  dataOptions(program.command('predict')
    .description('the class (component, cluster) of every row under a fitted model')
    .argument('<model>', 'a model JSON file (aril fit --out, or pomegranate\'s to_json)')
    .argument('<data>', 'the data file')
    .requiredOption('--out <file>', 'predictions: .npy, .csv, .ndjson or .jsonl')
    .addOption(new Option('--output <what>', 'class indices, or per-class probabilities or log-probabilities').choices(['class', 'proba', 'logProba']).default('class')))
    .action(async (model: string, data: string, o: Record<string, unknown>) => {
      say(await predictCommand({ model, data, open: dataOpener(data, dataSettings(o)), out: o.out as string, output: o.output as PredictOutput }, reporter(o), signal))
    })

  dataOptions(program.command('score')
    .description('the log-likelihood of the data under a fitted model (and, with --out, of every row)')
    .argument('<model>', 'a model JSON file')
    .argument('<data>', 'the data file')
    .option('--out <file>', 'per-row log-probabilities: .npy, .csv, .ndjson or .jsonl'))
    .action(async (model: string, data: string, o: Record<string, unknown>) => {
      say(await scoreCommand({ model, data, open: dataOpener(data, dataSettings(o)), out: o.out as string | undefined }, reporter(o), signal))
    })

  dataOptions(program.command('inspect')
    .description('what a data file holds: format, columns, types, rows, header')
    .argument('<data>', 'the data file')
    .option('--json', 'print the report as JSON'))
    .action(async (data: string, o: Record<string, unknown>) => {
      const progress = reporter(o)
      progress.begin('inspect')
      const info = await inspectData(data, dataSettings(o), dataOpener(data, dataSettings(o)), progress.update)
      progress.end()
      stdout.write(o.json === true ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info))
    })

  dataOptions(program.command('plot')
    .description('SVG or PNG: a model\'s density over the histogram (1 column), rows with its components (2 columns), or the log-likelihood per epoch (--history)')
    .argument('[data]', 'the data file (not with --history)')
    .option('--model <model.json>', 'the fitted model to draw')
    .option('--history <fit.csv>', 'a csvLogger file (aril fit --log): the log-likelihood per epoch')
    .requiredOption('--out <file>', 'the plot: .svg or .png')
    .addOption(new Option('--kind <kind>', 'density (1 column) or scatter (2 columns)').choices(['auto', 'density', 'scatter']).default('auto'))
    .option('--bins <n>', 'density: at most n histogram bins (default 60)', whole(2))
    .option('--sample <n>', 'scatter: rows drawn, a uniform sample (default 2000)', whole(1))
    .option('--seed <s>', 'scatter: seed of the sample', whole(0))
    .option('--title <text>', 'the title'))
    .action(async (data: string | undefined, o: Record<string, unknown>) => {
      const settings = dataSettings(o)
      say(await plotCommand({
        data,
        open: data === undefined ? undefined : dataOpener(data, settings),
        model: o.model as string | undefined,
        history: o.history as string | undefined,
        out: o.out as string,
        kind: o.kind as 'auto' | 'density' | 'scatter',
        bins: o.bins as number | undefined,
        sample: o.sample as number | undefined,
        seed: o.seed as number | undefined,
        title: o.title as string | undefined,
        names: settings.select?.split(',')
      }, reporter(o)))
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT.ok
  } catch (err) {
    active?.end()
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; every other parse error is usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    if (err instanceof ArilError && err.code === 'ERR_ABORTED' && signal.aborted) {
      stderr.write('aril: interrupted; no output file was written or changed\n')
      return EXIT.interrupted
    }
    if (err instanceof ArilError) {
      stderr.write(`aril: ${err.code}: ${err.message}\n`)
      return EXIT.error
    }
    if (signal.aborted) {
      stderr.write('aril: interrupted; no output file was written or changed\n')
      return EXIT.interrupted
    }
    stderr.write(`aril: ${(err as Error)?.stack ?? String(err)}\n`)
    return EXIT.error
  }
}

/**
 * The package as a user gets it: packed (as `npm publish` would), installed into a fresh project,
 * then used from an ES module, from CommonJS (`require('aril')`, Node's require() of ES modules),
 * from TypeScript (type-checked against the installed .d.ts), and through its `aril` bin.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { built, childEnv, ROOT, uncovered } from './built.js'
import { NormalDistribution } from '../lib/index.js'

const run = promisify(execFile)
const X = [1, 2, 4, 7, 11]
const expected = JSON.stringify(new NormalDistribution().fit(X))

t.test('npm pack, npm install, then ESM, CommonJS, TypeScript and the bin', async t => {
  await built()
  const dir = await mkdtemp(join(tmpdir(), 'aril-package-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = childEnv({ npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' })
  // dist/ is built above; --ignore-scripts spares a second build by prepack
  const { stdout: packed } = await run(...uncovered('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir]), { cwd: ROOT, env })
  const tarball = join(dir, packed.trim().split('\n').at(-1)!)
  const { stdout: listing } = await run('tar', ['tzf', tarball])
  t.ok(listing.includes('package/dist/index.js') && listing.includes('package/dist/index.d.ts') && listing.includes('package/dist/cli/main.js'), 'the tarball holds dist/')
  t.ok(listing.includes('package/LICENSE'), 'and the LICENSE')
  t.notOk(/package\/(lib|test)\//.test(listing), 'but not the sources or the tests')

  const project = join(dir, 'project')
  await run('mkdir', [project])
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  await run(...uncovered('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball]), { cwd: project, env, timeout: 240_000 })

  const script = (load: string): string => `${load}\nconsole.log(JSON.stringify(new aril.NormalDistribution().fit(${JSON.stringify(X)})))\n`
  await writeFile(join(project, 'esm.mjs'), script("import * as aril from 'aril'"))
  await writeFile(join(project, 'cjs.cjs'), script("const aril = require('aril')"))
  const esm = await run(...uncovered(process.execPath, ['esm.mjs']), { cwd: project, env })
  t.equal(esm.stdout.trim(), expected, 'import works')
  const cjs = await run(...uncovered(process.execPath, ['cjs.cjs']), { cwd: project, env })
  t.equal(cjs.stdout.trim(), expected, "require('aril') works")
  t.notMatch(cjs.stderr, /ExperimentalWarning/, 'without a warning')

  // A consumer whose every `@ts-expect-error` needs a precise type: were anything `any`, the
  // expected error would not happen and tsc would fail on the unused directive.
  await writeFile(join(project, 'index.ts'), [
    "import { NormalDistribution, GeneralMixtureModel, readNpy, readParquet, fromJSON, type Batch, type BatchReadable } from 'aril'",
    'const d = new NormalDistribution(0, 1)',
    'const [mean, std]: [number, number] = d.parameters',
    'const gmm = new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(5, 1)])',
    'const [[first], weights] = gmm.parameters',
    'const firstMean: number = first![0]',
    '// @ts-expect-error a weight is a number',
    'const wrong: string = weights[0]!',
    "const m = fromJSON<GeneralMixtureModel>('{}')",
    'const k: number = m.k',
    "const reader: BatchReadable = readParquet('x.parquet')",
    'async function rows (): Promise<number> {',
    '  let n = 0',
    "  for await (const b of readNpy('x.npy')) {",
    '    const batch: Batch = b',
    '    // @ts-expect-error a Batch, not any',
    '    const text: string = b',
    '    n += batch.rows + text.length',
    '  }',
    '  return n + reader.rowsRead',
    '}',
    '// @ts-expect-error a number is not a path',
    'readNpy(1)',
    'export { mean, std, k, rows, firstMean, wrong }',
    ''
  ].join('\n'))
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
    files: ['index.ts']
  }))
  const tsc = await run(...uncovered(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']), { cwd: project, env }).then(() => '', (err: { stdout: string }) => err.stdout)
  t.equal(tsc, '', 'the TypeScript consumer type-checks against the installed declarations')

  const bin = await run(...uncovered(join(project, 'node_modules', '.bin', 'aril'), ['--version']), { cwd: project, env })
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  t.equal(bin.stdout.trim(), version, 'the aril bin is linked and runs')
})

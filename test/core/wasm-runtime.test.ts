import t from 'tap'
import { execFileSync } from 'node:child_process'
import { FunctionBuilder, f64, get } from '../../lib/core/wasm-emitter.js'
import { instantiate, KernelCache, setWasmEnabled, wasmEnabled } from '../../lib/core/wasm-runtime.js'
import { bitsOf } from '../helpers.js'

t.test('setWasmEnabled turns the kernels off and back on; instantiate and KernelCache follow it', async t => {
  t.ok(wasmEnabled(), 'on by default where WebAssembly SIMD exists (Node 20 has it)')
  const twice = new FunctionBuilder(['f64'], ['f64'])
  twice.body = f64.add(get(twice.params[0]!), get(twice.params[0]!))
  t.equal(instantiate<{ twice: (x: number) => number }>({ twice })?.exports.twice(2.5), 5)
  let builds = 0
  const cache = new KernelCache<string>()
  const build = (): string => `kernel ${++builds}`
  t.equal(cache.get('a', build), 'kernel 1')
  t.equal(cache.get('a', build), 'kernel 1', 'built once per key')
  const missing = new KernelCache<string>()
  t.equal(missing.get('x', () => undefined), undefined)
  t.equal(missing.get('x', () => 'not asked'), undefined, '"no kernel" is remembered too')
  t.equal(setWasmEnabled(false), true, 'returns the previous setting')
  try {
    t.notOk(wasmEnabled())
    t.equal(instantiate({ twice }), undefined)
    t.equal(cache.get('a', build), undefined, 'nothing while off')
    t.equal(cache.get('b', build), undefined)
    t.equal(builds, 1, 'and nothing is built')
  } finally {
    t.equal(setWasmEnabled(true), false)
  }
  t.equal(cache.get('a', build), 'kernel 1')
})

t.test('a module the engine refuses gives undefined (the caller runs its JavaScript)', async t => {
  const bad = new FunctionBuilder([], ['f64'])
  bad.body = [] // returns nothing though it promises an f64: invalid
  t.equal(instantiate({ bad }), undefined)
})

/** Fits of every model with a WebAssembly kernel, on small data, as text that tells every double apart. */
const fitsScript = `
  const { Random } = await import('./lib/core/random.ts')
  const { CrossProductSums } = await import('./lib/core/accumulate.ts')
  const { Kmeans } = await import('./lib/models/kmeans.ts')
  const { GeneralMixtureModel } = await import('./lib/models/mixture.ts')
  const { NaiveBayes } = await import('./lib/models/naive-bayes.ts')
  const { NormalDistribution } = await import('./lib/distributions/normal.ts')
  const { MultivariateGaussianDistribution } = await import('./lib/distributions/multivariate-gaussian.ts')
  const { wasmEnabled } = await import('./lib/core/wasm-runtime.ts')
  const random = new Random(5)
  const rows = 2500
  const x3 = Float64Array.from({ length: rows * 3 }, (_, i) => (i % 3) * 2 + random.normal() + (i % 101 === 7 ? NaN : 0))
  const x1 = Float64Array.from({ length: rows }, (_, i) => (i % 2) * 4 + random.normal())
  const labels = Float64Array.from({ length: rows }, (_, i) => i % 3)
  const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
  const acc = new CrossProductSums(3)
  acc.add(x3, undefined, rows)
  const fits = {
    wasm: wasmEnabled(),
    kmeans: new Kmeans(4).setCentroids([[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]).fit({ data: x3, rows, cols: 3 }, { maxIterations: 3, stopThreshold: -Infinity }).parameters,
    normals: new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(3, 1)]).fit(x1, { maxIterations: 3, stopThreshold: -Infinity }).parameters,
    gaussians: new GeneralMixtureModel([new MultivariateGaussianDistribution([0, 1, 2], eye), new MultivariateGaussianDistribution([1, 2, 3], eye)])
      .fit({ data: x3.map(v => v === v ? v : 0), rows, cols: 3 }, { maxIterations: 2, stopThreshold: -Infinity }).parameters,
    bayes: new NaiveBayes(NormalDistribution, 3).fit({ data: x3, shape: [rows, 3] }, { labels }).toJSON(),
    crossProducts: acc.summary()
  }
  const bits = JSON.stringify(fits, (k, v) => typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v)
  console.log(bits)`
const fits = new Function(`return (async () => { ${fitsScript.replaceAll("await import('./lib/", "await import('../../lib/").replaceAll(".ts')", ".js')").replace('console.log(bits)', 'return bits')} })()`) as () => Promise<string>

t.test('without WebAssembly (ARIL_WASM=0, or --jitless where it does not exist) every fit has the bits of the kernels', async t => {
  const expected = JSON.parse(await fits()) as Record<string, unknown>
  t.equal(expected.wasm, true, 'the kernels ran here')
  const child = (args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...env }
    delete childEnv.NODE_V8_COVERAGE
    const out = execFileSync(process.execPath, [...args, '--import', 'tsx', '--input-type=module', '-e', fitsScript], { env: childEnv, cwd: new URL('../..', import.meta.url) }).toString()
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>
  }
  for (const [name, args, env] of [['ARIL_WASM=0', [], { ARIL_WASM: '0' }], ['--jitless', ['--jitless'], {}]] as const) {
    const got = child([...args], env)
    t.equal(got.wasm, false, `${name}: the JavaScript loops ran`)
    for (const key of Object.keys(expected).filter(k => k !== 'wasm')) t.equal(bitsOf(got[key]), bitsOf(expected[key]), `${name}: ${key}`)
  }
})

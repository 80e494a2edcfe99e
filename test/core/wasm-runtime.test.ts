import t from 'tap'
import { execFileSync } from 'node:child_process'
import { FunctionBuilder, f64, get } from '../../lib/core/wasm-emitter.js'
import { instantiate, KernelCache, setWasmEnabled, wasmEnabled } from '../../lib/core/wasm-runtime.js'
import { kernelFits } from './wasm-fits.js'

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

t.test('KernelCache keeps at most its limit of shapes, dropping the least recently used', async t => {
  const built: string[] = []
  const cache = new KernelCache<string>(2)
  const get = (key: string): string | undefined => cache.get(key, () => { built.push(key); return `kernel ${key}` })
  t.equal(get('a'), 'kernel a')
  t.equal(get('b'), 'kernel b')
  t.equal(get('a'), 'kernel a', 'a kept')
  t.equal(get('c'), 'kernel c', 'c in, b (least recently used) out')
  t.equal(get('a'), 'kernel a', 'a still kept')
  t.equal(get('b'), 'kernel b', 'b built again')
  t.same(built, ['a', 'b', 'c', 'b'])
})

t.test('a module the engine refuses gives undefined (the caller runs its JavaScript)', async t => {
  const bad = new FunctionBuilder([], ['f64'])
  bad.body = [] // returns nothing though it promises an f64: invalid
  t.equal(instantiate({ bad }), undefined)
})

t.test('without WebAssembly (ARIL_WASM=0, or --jitless where it does not exist) every fit has the bits of the kernels', async t => {
  const expected = JSON.parse(kernelFits()) as Record<string, unknown>
  t.equal(expected.wasm, true, 'the kernels ran here')
  const script = "import { kernelFits } from './test/core/wasm-fits.ts'; console.log(kernelFits())"
  for (const [name, args, env] of [['ARIL_WASM=0', [], { ARIL_WASM: '0' }], ['--jitless', ['--jitless'], {}]] as const) {
    // Without tap's coverage hooks, which its process tracker puts back into a child's environment
    // (hence `env -u` right before node starts): the children's coverage would garble the report.
    const out = execFileSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, ...args, '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, ...env }, cwd: new URL('../..', import.meta.url) }).toString()
    const got = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>
    t.equal(got.wasm, false, `${name}: the JavaScript loops ran`)
    for (const key of Object.keys(expected).filter(k => k !== 'wasm')) t.equal(JSON.stringify(got[key]), JSON.stringify(expected[key]), `${name}: ${key}`)
  }
})

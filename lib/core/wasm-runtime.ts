/**
 * Where the WebAssembly kernels run: each kernel (one per shape) gets an instance with a small
 * memory of its own, the check that this engine has 128-bit SIMD is made once, and a switch turns
 * the kernels off.
 *
 * A kernel call copies its rows into its memory, runs, and copies its sums back: the rows come
 * from main memory once either way, and the copy of a block of rows stays in cache for the kernel.
 *
 * Every kernel has a JavaScript form with the same order of operations, so the results are the
 * same bits with or without WebAssembly: the kernels are used when `WebAssembly` exists, validates
 * SIMD and compiles (not under `--jitless`), unless the environment sets `ARIL_WASM=0` or
 * {@link setWasmEnabled} turned them off.
 */
import { assembleModule, f64x2, FunctionBuilder, get, type ConstantPool, type ImportedFunction } from './wasm-emitter.js'

const PAGE = 65536

/** The part of the WebAssembly JavaScript API used here (typed locally: lib ES2022 has no WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow (pages: number): number
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

let enabled = typeof process === 'undefined' || process.env.ARIL_WASM !== '0'
let supported: boolean | undefined

/** Whether this engine compiles SIMD modules (checked once). */
function simdSupported (): boolean {
  if (supported === undefined) {
    try {
      const f = new FunctionBuilder(['f64'], ['f64'])
      f.body = f64x2.extract_lane(f64x2.splat(get(f.params[0]!)), 1)
      const m = new wasm!.Memory({ initial: 1 })
      const run = new wasm!.Instance(new wasm!.Module(assembleModule({ f })), { env: { memory: m } }).exports.f as (x: number) => number
      supported = run(2) === 2
    } catch {
      supported = false
    }
  }
  return supported
}

/**
 * Turns the WebAssembly kernels on or off in this thread (for comparing them with the JavaScript
 * loops); returns the previous setting. Off, or where SIMD WebAssembly is unavailable, every model
 * runs its JavaScript loops, with the same results.
 *
 * @example
 * ```ts
 * const before = setWasmEnabled(false)
 * const js = new Kmeans(8, { seed: 1 }).fit(X).parameters
 * setWasmEnabled(before)
 * ```
 */
export function setWasmEnabled (on: boolean): boolean {
  const before = enabled
  enabled = on
  return before
}

/** True when kernels may run as WebAssembly now. */
export function wasmEnabled (): boolean {
  return enabled && wasm !== undefined && simdSupported()
}

/** A kernel's instance: its exports and views of its own memory (which never grows). */
export interface WasmInstance<E> {
  exports: E
  f64: Float64Array
  i32: Int32Array
}

/**
 * Compiles and instantiates a module built by `assembleModule` with a memory of its own, at least
 * `bytes` long, holding the constants of `pool`; undefined where WebAssembly is off, unsupported
 * or refuses the module (then the caller runs its JavaScript loop).
 *
 * @example
 * ```ts
 * const f = new FunctionBuilder(['f64'], ['f64'])
 * f.body = f64.add(get(f.params[0]), get(f.params[0]))
 * instantiate<{ f: (x: number) => number }>({ f })?.exports.f(2) // => 4
 * ```
 */
export function instantiate<E> (
  functions: Record<string, FunctionBuilder>, imports: ReadonlyArray<ImportedFunction & { fn: (...args: number[]) => number }> = [], bytes = PAGE, pool?: ConstantPool
): WasmInstance<E> | undefined {
  return compileKernel<E>(functions, imports, pool)?.(bytes)
}

/**
 * {@link instantiate} in two steps: the module is compiled once, and each call of the returned
 * function makes an instance with a memory of its own, at least `bytes` long and holding the
 * constants of `pool` (a kernel whose memory holds one accumulator's state needs an instance per
 * accumulator). Undefined where WebAssembly is off, unsupported or refuses the module; an instance
 * that cannot be made is undefined too.
 * @example
 * ```ts
 * const make = compileKernel<{ f: (x: number) => number }>({ f })
 * const a = make?.(65536)
 * const b = make?.(65536) // the same code, another memory
 * ```
 */
export function compileKernel<E> (
  functions: Record<string, FunctionBuilder>, imports: ReadonlyArray<ImportedFunction & { fn: (...args: number[]) => number }> = [], pool?: ConstantPool
): ((bytes: number) => WasmInstance<E> | undefined) | undefined {
  if (!wasmEnabled()) return undefined
  let module: object
  try {
    module = new wasm!.Module(assembleModule(functions, imports))
  } catch {
    return undefined
  }
  return bytes => {
    try {
      const size = Math.max(bytes, pool === undefined ? 0 : pool.at + pool.bytes)
      const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(size / PAGE)) })
      pool?.write(memory.buffer)
      const env: Record<string, unknown> = { memory }
      for (const f of imports) env[f.name] = f.fn
      const exports = new wasm!.Instance(module, { env }).exports as E
      return { exports, f64: new Float64Array(memory.buffer), i32: new Int32Array(memory.buffer) }
    } catch {
      return undefined
    }
  }
}

/**
 * Kernels by shape, remembering "no kernel" too: `build` runs once per key while it stays in the
 * cache, and lookups while WebAssembly is off return undefined without building. At most `limit`
 * shapes are kept, the least recently used dropped first: a kernel holds its own memory (an HMM's
 * reserves up to 16 MB), and a program that builds models of ever new shapes (a search over
 * topologies) must not keep every one.
 */
export class KernelCache<K> {
  private readonly kernels = new Map<string, K | undefined>()

  constructor (private readonly limit = 64) {}

  get (key: string, build: () => K | undefined): K | undefined {
    if (!wasmEnabled()) return undefined
    let kernel: K | undefined
    if (this.kernels.has(key)) {
      kernel = this.kernels.get(key)
      this.kernels.delete(key)
    } else {
      kernel = build()
      if (this.kernels.size >= this.limit) this.kernels.delete(this.kernels.keys().next().value!)
    }
    // a Map keeps insertion order: the key just used goes last, the least recently used is first
    this.kernels.set(key, kernel)
    return kernel
  }
}

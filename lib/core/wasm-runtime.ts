/**
 * Where the WebAssembly kernels run: one linear memory per thread that every kernel imports, the
 * check that this engine has 128-bit SIMD, and the switch back to the JavaScript loops.
 *
 * A kernel call copies its rows into the memory, runs, and copies its sums back: the rows come
 * from main memory once either way, and the copy of a block of 1024 rows stays in cache for the
 * kernel. Calls never nest (each runs to completion synchronously), so every kernel lays out its
 * arguments from byte 0.
 *
 * Every kernel has a JavaScript form with the same order of operations, so the results are the
 * same bits with or without WebAssembly: the kernels are used when `WebAssembly` exists, validates
 * SIMD and compiles (not under `--jitless`), unless the environment sets `ARIL_WASM=0` or
 * {@link setWasmEnabled} turned them off.
 */
import { assembleModule, f64x2, FunctionBuilder, get, type ImportedFunction } from './wasm-emitter.js'

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
let memory: WasmMemory | undefined
let f64View = new Float64Array(0)
let i32View = new Int32Array(0)

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

/**
 * The memory, at least `bytes` long, as Float64 and Int32 views (fresh views after it grows).
 * @example
 * ```ts
 * const { f64 } = wasmMemory(1024)
 * f64.length >= 128 // => true
 * ```
 */
export function wasmMemory (bytes: number): { memory: WasmMemory; f64: Float64Array; i32: Int32Array } {
  memory ??= new wasm!.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) })
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE))
  if (f64View.buffer !== memory.buffer) {
    f64View = new Float64Array(memory.buffer)
    i32View = new Int32Array(memory.buffer)
  }
  return { memory, f64: f64View, i32: i32View }
}

/**
 * Compiles and instantiates a module built by `assembleModule` against the shared memory;
 * undefined where WebAssembly is off, unsupported or refuses the module (then the caller runs
 * its JavaScript loop).
 */
export function instantiate<E> (functions: Record<string, FunctionBuilder>, imports: ReadonlyArray<ImportedFunction & { fn: (...args: number[]) => number }> = [], bytes = PAGE): E | undefined {
  if (!wasmEnabled()) return undefined
  try {
    const env: Record<string, unknown> = { memory: wasmMemory(bytes).memory }
    for (const f of imports) env[f.name] = f.fn
    return new wasm!.Instance(new wasm!.Module(assembleModule(functions, imports)), { env }).exports as E
  } catch {
    return undefined
  }
}

/**
 * Kernels by shape, remembering "no kernel" too: `build` runs once per key, and lookups while
 * WebAssembly is off return undefined without building.
 */
export class KernelCache<K> {
  private readonly kernels = new Map<string, K | undefined>()

  get (key: string, build: () => K | undefined): K | undefined {
    if (!wasmEnabled()) return undefined
    if (!this.kernels.has(key)) this.kernels.set(key, build())
    return this.kernels.get(key)
  }
}

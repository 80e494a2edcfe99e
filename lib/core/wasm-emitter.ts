/**
 * A small WebAssembly assembler: the hot loops are written in TypeScript as folded instruction
 * trees (`add(get(a), load(p, 8))`, the shape of the text format's folded form) and turned into a
 * module's bytes at run time, per shape, as core/generated.ts does for JavaScript. Nothing needs
 * a toolchain, a build step or a binary in the package, and the kernels sit beside the
 * JavaScript loops whose bits they must reproduce.
 *
 * Only what the kernels use is here: i32 and f64 scalars, 128-bit SIMD (`v128`, f64x2 and i64x2
 * lanes), blocks, loops, one imported memory and imported functions. Opcodes follow the
 * WebAssembly 2.0 specification (binary format, sections 5.4 and 5.5; SIMD opcodes after the 0xfd
 * prefix as LEB128).
 */

/** Bytes of code: a byte, or a tree of them (flattened when the module is assembled). */
export type Code = number | readonly Code[]

/** Value types. */
export type ValueType = 'i32' | 'i64' | 'f64' | 'v128'

const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b }

/** Unsigned LEB128. */
export function unsigned (n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n = Math.floor(n / 128)
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

/** Signed LEB128 of a 32-bit integer. */
export function signed (n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

function flatten (code: Code, out: number[]): void {
  if (typeof code === 'number') out.push(code)
  else for (const c of code) flatten(c, out)
}

const simd = (opcode: number): number[] => [0xfd, ...unsigned(opcode)]
/** A memory argument: alignment (log2 of bytes) and a constant offset. */
const memarg = (align: number, offset: number): number[] => [align, ...unsigned(offset)]

// Instructions, each taking its operands' code first (the folded form). Names follow the text
// format with `.` and `_` both written as `_`.

export const i32 = {
  const: (n: number): Code => [0x41, ...signed(n | 0)],
  load: (address: Code, offset = 0): Code => [address, 0x28, ...memarg(2, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [address, value, 0x36, ...memarg(2, offset)],
  /** The byte at address + offset, zero-extended. */
  load8_u: (address: Code, offset = 0): Code => [address, 0x2d, ...memarg(0, offset)],
  /** The low byte of value, stored at address + offset. */
  store8: (address: Code, value: Code, offset = 0): Code => [address, value, 0x3a, ...memarg(0, offset)],
  eqz: (a: Code): Code => [a, 0x45],
  eq: (a: Code, b: Code): Code => [a, b, 0x46],
  ne: (a: Code, b: Code): Code => [a, b, 0x47],
  lt_s: (a: Code, b: Code): Code => [a, b, 0x48],
  lt_u: (a: Code, b: Code): Code => [a, b, 0x49],
  gt_u: (a: Code, b: Code): Code => [a, b, 0x4b],
  ge_u: (a: Code, b: Code): Code => [a, b, 0x4f],
  gt_s: (a: Code, b: Code): Code => [a, b, 0x4a],
  le_s: (a: Code, b: Code): Code => [a, b, 0x4c],
  ge_s: (a: Code, b: Code): Code => [a, b, 0x4e],
  add: (a: Code, b: Code): Code => [a, b, 0x6a],
  sub: (a: Code, b: Code): Code => [a, b, 0x6b],
  mul: (a: Code, b: Code): Code => [a, b, 0x6c],
  and: (a: Code, b: Code): Code => [a, b, 0x71],
  or: (a: Code, b: Code): Code => [a, b, 0x72],
  xor: (a: Code, b: Code): Code => [a, b, 0x73],
  shl: (a: Code, b: Code): Code => [a, b, 0x74],
  shr_s: (a: Code, b: Code): Code => [a, b, 0x75],
  shr_u: (a: Code, b: Code): Code => [a, b, 0x76],
  wrap_i64: (a: Code): Code => [a, 0xa7],
  /** Truncation toward zero, saturating (what `x | 0` gives for |x| < 2^31). */
  trunc_sat_f64_s: (a: Code): Code => [a, 0xfc, 0x02]
}

export const i64 = {
  const: (n: bigint): Code => {
    const out: number[] = []
    for (;;) {
      const byte = Number(n & 0x7fn)
      n >>= 7n
      if ((n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0)) return [0x42, ...out, byte]
      out.push(byte | 0x80)
    }
  },
  shl: (a: Code, b: Code): Code => [a, b, 0x86],
  shr_u: (a: Code, b: Code): Code => [a, b, 0x88],
  and: (a: Code, b: Code): Code => [a, b, 0x83],
  extend_i32_u: (a: Code): Code => [a, 0xad],
  reinterpret_f64: (a: Code): Code => [a, 0xbd]
}

export const f64 = {
  const: (x: number): Code => [0x44, ...new Uint8Array(Float64Array.of(x).buffer)],
  load: (address: Code, offset = 0): Code => [address, 0x2b, ...memarg(3, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [address, value, 0x39, ...memarg(3, offset)],
  eq: (a: Code, b: Code): Code => [a, b, 0x61],
  ne: (a: Code, b: Code): Code => [a, b, 0x62],
  lt: (a: Code, b: Code): Code => [a, b, 0x63],
  gt: (a: Code, b: Code): Code => [a, b, 0x64],
  le: (a: Code, b: Code): Code => [a, b, 0x65],
  ge: (a: Code, b: Code): Code => [a, b, 0x66],
  abs: (a: Code): Code => [a, 0x99],
  neg: (a: Code): Code => [a, 0x9a],
  add: (a: Code, b: Code): Code => [a, b, 0xa0],
  sub: (a: Code, b: Code): Code => [a, b, 0xa1],
  mul: (a: Code, b: Code): Code => [a, b, 0xa2],
  div: (a: Code, b: Code): Code => [a, b, 0xa3],
  /** NaN if either is NaN, else the larger (+0 over −0): exactly `Math.max` of two numbers. */
  max: (a: Code, b: Code): Code => [a, b, 0xa5],
  convert_i32_s: (a: Code): Code => [a, 0xb7],
  reinterpret_i64: (a: Code): Code => [a, 0xbf]
}

export const v128 = {
  load: (address: Code, offset = 0): Code => [address, simd(0x00), ...memarg(4, offset)],
  /** Both lanes set to the f64 at address + offset. */
  load64_splat: (address: Code, offset = 0): Code => [address, simd(0x0a), ...memarg(3, offset)],
  store: (address: Code, value: Code, offset = 0): Code => [address, value, simd(0x0b), ...memarg(4, offset)],
  /** `vector` with lane `lane` replaced by the 64 bits at address + offset. */
  load64_lane: (address: Code, vector: Code, lane: number, offset = 0): Code => [address, vector, simd(0x57), ...memarg(3, offset), lane],
  store64_lane: (address: Code, vector: Code, lane: number, offset = 0): Code => [address, vector, simd(0x5b), ...memarg(3, offset), lane],
  /** Byte `lane` (0–15) of `vector` stored at address + offset. */
  store8_lane: (address: Code, vector: Code, lane: number, offset = 0): Code => [address, vector, simd(0x58), ...memarg(0, offset), lane],
  /** Lane 0 from memory, lane 1 zero. */
  load64_zero: (address: Code, offset = 0): Code => [address, simd(0x5d), ...memarg(3, offset)],
  and: (a: Code, b: Code): Code => [a, b, simd(0x4e)],
  or: (a: Code, b: Code): Code => [a, b, simd(0x50)],
  /** Bits of `a` where `mask` is 1, of `b` elsewhere. */
  bitselect: (a: Code, b: Code, mask: Code): Code => [a, b, mask, simd(0x52)],
  any_true: (a: Code): Code => [a, simd(0x53)],
  /** Bytes of the result from the 32 bytes of a and b (indices 0–15 from a, 16–31 from b). */
  shuffle: (a: Code, b: Code, lanes: readonly number[]): Code => [a, b, simd(0x0d), ...lanes]
}

export const f64x2 = {
  splat: (a: Code): Code => [a, simd(0x14)],
  extract_lane: (a: Code, lane: number): Code => [a, simd(0x21), lane],
  replace_lane: (a: Code, b: Code, lane: number): Code => [a, b, simd(0x22), lane],
  eq: (a: Code, b: Code): Code => [a, b, simd(0x47)],
  ne: (a: Code, b: Code): Code => [a, b, simd(0x48)],
  lt: (a: Code, b: Code): Code => [a, b, simd(0x49)],
  gt: (a: Code, b: Code): Code => [a, b, simd(0x4a)],
  le: (a: Code, b: Code): Code => [a, b, simd(0x4b)],
  ge: (a: Code, b: Code): Code => [a, b, simd(0x4c)],
  abs: (a: Code): Code => [a, simd(0xec)],
  /** Lane-wise truncation toward zero. */
  trunc: (a: Code): Code => [a, simd(0x7a)],
  add: (a: Code, b: Code): Code => [a, b, simd(0xf0)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0xf1)],
  mul: (a: Code, b: Code): Code => [a, b, simd(0xf2)],
  div: (a: Code, b: Code): Code => [a, b, simd(0xf3)],
  /** Lane-wise `b < a ? b : a` (so NaN in b keeps a): one instruction. */
  pmin: (a: Code, b: Code): Code => [a, b, simd(0xf6)],
  /** Lane-wise `a < b ? b : a`. */
  pmax: (a: Code, b: Code): Code => [a, b, simd(0xf7)],
  /** Lane-wise `Math.max` (NaN if either is NaN; +0 over −0). */
  max: (a: Code, b: Code): Code => [a, b, simd(0xf5)],
  /** Both lanes' f64 as whole numbers truncated toward zero, in the low two i32 lanes. */
  trunc_sat_to_i32x4_zero: (a: Code): Code => [a, simd(0xfc)],
  /** The low two i32 lanes as f64. */
  convert_low_i32x4_s: (a: Code): Code => [a, simd(0xfe)]
}

export const i64x2 = {
  splat: (a: Code): Code => [a, simd(0x12)],
  extract_lane: (a: Code, lane: number): Code => [a, simd(0x1d), lane],
  add: (a: Code, b: Code): Code => [a, b, simd(0xce)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0xd1)],
  shl: (a: Code, bits: Code): Code => [a, bits, simd(0xcb)],
  shr_s: (a: Code, bits: Code): Code => [a, bits, simd(0xcc)],
  shr_u: (a: Code, bits: Code): Code => [a, bits, simd(0xcd)],
  /** The low two i32 lanes, sign-extended. */
  extend_low_i32x4_s: (a: Code): Code => [a, simd(0xc7)],
  bitmask: (a: Code): Code => [a, simd(0xc4)]
}

export const i32x4 = {
  splat: (a: Code): Code => [a, simd(0x11)],
  shr_s: (a: Code, bits: Code): Code => [a, bits, simd(0xac)],
  extract_lane: (a: Code, lane: number): Code => [a, simd(0x1b), lane]
}

/** Block types: no result, or one value. */
type BlockType = ValueType | undefined
const blockType = (type: BlockType): number => type === undefined ? 0x40 : TYPE_CODE[type]

/** `block … end`: `br(depth)` inside jumps past the end. */
export const block = (body: Code, type?: BlockType): Code => [0x02, blockType(type), body, 0x0b]
/** `loop … end`: `br(depth)` inside jumps back to the start. */
export const loop = (body: Code): Code => [0x03, 0x40, body, 0x0b]
export const if_ = (condition: Code, then: Code, otherwise?: Code, type?: BlockType): Code =>
  [condition, 0x04, blockType(type), then, otherwise === undefined ? [] : [0x05, otherwise], 0x0b]
export const br = (depth: number): Code => [0x0c, ...unsigned(depth)]
export const br_if = (depth: number, condition: Code): Code => [condition, 0x0d, ...unsigned(depth)]
export const call = (index: number, ...args: Code[]): Code => [args, 0x10, ...unsigned(index)]
export const drop = (a: Code): Code => [a, 0x1a]
/** Returns from the function (with the value of `value`, when it has a result). */
export const return_ = (value: Code = []): Code => [value, 0x0f]
/** `a` when `condition` is non-zero, else `b` (both evaluated; no branch). */
export const select = (a: Code, b: Code, condition: Code): Code => [a, b, condition, 0x1b]

/** A local variable (or parameter) of a function being built. */
export interface Local {
  readonly index: number
  readonly type: ValueType
}

export const get = (local: Local): Code => [0x20, ...unsigned(local.index)]
export const set = (local: Local, value: Code): Code => [value, 0x21, ...unsigned(local.index)]
export const tee = (local: Local, value: Code): Code => [value, 0x22, ...unsigned(local.index)]

/**
 * `for (; i < end; i += step) body` with i32 locals, as `block loop … br_if … br end end`;
 * `body` runs at depth 2 inside (a `br(2)` leaves the loop).
 */
export function forLoop (i: Local, end: Code, step: number, body: Code): Code {
  return block(loop([
    br_if(1, i32.ge_s(get(i), end)),
    body,
    set(i, i32.add(get(i), i32.const(step))),
    br(0)
  ]))
}

/** A function being assembled: its signature, parameters and locals. */
export class FunctionBuilder {
  readonly params: Local[]
  private readonly locals: Local[] = []
  body: Code = []

  constructor (params: readonly ValueType[], readonly results: readonly ValueType[] = []) {
    this.params = params.map((type, index) => ({ index, type }))
  }

  /** A new local of `type`. */
  local (type: ValueType): Local {
    const local = { index: this.params.length + this.locals.length, type }
    this.locals.push(local)
    return local
  }

  /** `n` new locals of `type`. */
  localArray (type: ValueType, n: number): Local[] {
    return Array.from({ length: n }, () => this.local(type))
  }

  /** The function's entry of the code section. */
  encode (): number[] {
    const out: number[] = []
    out.push(...unsigned(this.locals.length))
    for (const local of this.locals) out.push(1, TYPE_CODE[local.type])
    flatten(this.body, out)
    out.push(0x0b)
    return [...unsigned(out.length), ...out]
  }
}

/** A function the module imports from JavaScript (module `env`). */
export interface ImportedFunction {
  name: string
  params: readonly ValueType[]
  results: readonly ValueType[]
}

function section (id: number, entries: number[][]): number[] {
  const body = [...unsigned(entries.length), ...entries.flat()]
  return [id, ...unsigned(body.length), ...body]
}

function name (text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text))
  return [...unsigned(bytes.length), ...bytes]
}

function signature (params: readonly ValueType[], results: readonly ValueType[]): number[] {
  return [0x60, ...unsigned(params.length), ...params.map(t => TYPE_CODE[t]), ...unsigned(results.length), ...results.map(t => TYPE_CODE[t])]
}

/**
 * The bytes of a module that imports `env.memory` (at least one page) and the functions in
 * `imports` (function indices 0 … imports.length − 1, in order), and exports `functions` under
 * their names (indices following the imports).
 *
 * @example
 * ```ts
 * const f = new FunctionBuilder(['f64', 'f64'], ['f64'])
 * f.body = f64.add(get(f.params[0]), get(f.params[1]))
 * const bytes = assembleModule({ add: f })
 * const memory = new WebAssembly.Memory({ initial: 1 })
 * new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.add(1, 2) // => 3
 * ```
 */
export function assembleModule (functions: Record<string, FunctionBuilder>, imports: readonly ImportedFunction[] = []): Uint8Array {
  const builders = Object.entries(functions)
  const types = [...imports.map(f => signature(f.params, f.results)), ...builders.map(([, f]) => signature(f.params.map(p => p.type), f.results))]
  const importEntries = [
    [...name('env'), ...name('memory'), 0x02, 0x00, 0x01],
    ...imports.map((f, i) => [...name('env'), ...name(f.name), 0x00, ...unsigned(i)])
  ]
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, importEntries),
    ...section(3, builders.map((_, i) => unsigned(imports.length + i))),
    ...section(7, builders.map(([exported], i) => [...name(exported), 0x00, ...unsigned(imports.length + i)])),
    ...section(10, builders.map(([, f]) => f.encode()))
  ])
}

/**
 * Constants for SIMD code, kept in memory: `f64x2(x)` is a load of x in both lanes from the pool.
 * (A splat of a constant is rebuilt, in three instructions, wherever it is used; a load from a
 * fixed address is one, and often folds into the instruction that uses it.) The pool starts at
 * byte `at` of the memory; `write` puts the values there before the code runs.
 */
export class ConstantPool {
  private readonly entries: Array<readonly [number, number] | readonly [bigint, bigint]> = []
  private readonly index = new Map<string, number>()

  constructor (readonly at: number) {}

  /** Bytes the pool takes so far (16 per constant). */
  get bytes (): number {
    return this.entries.length * 16
  }

  private load (key: string, entry: readonly [number, number] | readonly [bigint, bigint]): Code {
    let i = this.index.get(key)
    if (i === undefined) {
      i = this.entries.length
      this.entries.push(entry)
      this.index.set(key, i)
    }
    return v128.load(i32.const(0), this.at + i * 16)
  }

  /** x in both f64 lanes. */
  f64x2 (x: number): Code {
    return this.load(`f${Object.is(x, -0) ? '-0' : String(x)}`, [x, x])
  }

  /** n in both i64 lanes. */
  i64x2 (n: bigint): Code {
    return this.load(`i${n}`, [n, n])
  }

  /** Writes the constants into a memory buffer. */
  write (buffer: ArrayBuffer): void {
    const view = new DataView(buffer, this.at, this.bytes)
    this.entries.forEach((entry, i) => {
      for (let lane = 0; lane < 2; lane++) {
        const v = entry[lane]!
        if (typeof v === 'bigint') view.setBigInt64(i * 16 + lane * 8, v, true)
        else view.setFloat64(i * 16 + lane * 8, v, true)
      }
    })
  }
}

/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna) seeded through splitmix32, built from
 * 32-bit integer operations only, so the same seed gives the same numbers on every platform.
 * Transcendental functions come from V8's fdlibm port, which is the same everywhere too.
 */
import { ArilError } from './errors.js'

/**
 * A seeded source of random numbers: the same seed gives the same draws everywhere.
 * @example
 * ```ts
 * const r = new Random(42)
 * r.uniform() // a double in [0, 1), the same for seed 42 on every machine
 * r.normal()  // a standard normal draw
 * ```
 */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = NaN

  /** @param seed any integer; the same seed always gives the same sequence. */
  constructor (seed: number = Math.floor(Math.random() * 2 ** 32)) {
    if (!Number.isSafeInteger(seed)) throw new ArilError('ERR_INVALID_OPTION', `Option seed: expected an integer, got ${String(seed)}`)
    let s = (seed >>> 0) ^ Math.floor(seed / 2 ** 32)
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next(); this.b = next(); this.c = next(); this.d = next()
  }

  /** A uniform 32-bit unsigned integer. */
  uint32 (): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform (): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992
  }

  /** A uniform double in (0, 1), safe for logarithms. */
  open (): number {
    let u = this.uniform()
    while (u === 0) u = this.uniform()
    return u
  }

  /** A standard normal draw (Marsaglia's polar method). */
  normal (): number {
    if (this.spare === this.spare) {
      const s = this.spare
      this.spare = NaN
      return s
    }
    let u: number, v: number, s: number
    do {
      u = 2 * this.uniform() - 1
      v = 2 * this.uniform() - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const f = Math.sqrt(-2 * Math.log(s) / s)
    this.spare = v * f
    return u * f
  }

  /** An exponential draw with rate 1. */
  exponential (): number {
    return -Math.log(this.open())
  }

  /** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000). */
  gamma (shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.open(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number, v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.open()
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
    }
  }

  /** A Poisson draw: multiplication of uniforms for small means, a normal-gamma split above. */
  poisson (mean: number): number {
    let k = 0
    while (mean > 30) {
      // Ahrens & Dieter: the number of events before the m-th arrival time decides the side.
      const m = Math.floor(mean * 7 / 8)
      const t = this.gamma(m)
      if (t > mean) return k + this.binomial(m - 1, mean / t)
      k += m
      mean -= t
    }
    const limit = Math.exp(-mean)
    let p = this.uniform()
    while (p > limit) {
      k++
      p *= this.uniform()
    }
    return k
  }

  /** A Binomial(n, p) draw. */
  binomial (n: number, p: number): number {
    let k = 0
    while (n > 40) {
      // Split at the median order statistic of n uniforms (Knuth, TAOCP 3.4.1).
      const a = 1 + Math.floor(n / 2)
      const x = this.beta(a, n + 1 - a)
      if (x >= p) {
        n = a - 1
        p /= x
      } else {
        k += a
        n -= a
        p = (p - x) / (1 - x)
      }
    }
    for (let i = 0; i < n; i++) if (this.uniform() < p) k++
    return k
  }

  /** A Beta(a, b) draw from two gamma draws. */
  beta (a: number, b: number): number {
    const x = this.gamma(a)
    return x / (x + this.gamma(b))
  }
}

function rotl (x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/**
 * The Gaussian kernel density: a normal density of standard deviation `bandwidth` around every point.
 */
import type { Random } from '../core/random.js'
import { registerModel } from '../core/serialize.js'
import type { BatchInput } from '../core/batch.js'
import { KernelDensity, kernelFromSamples, type Kernel, type KernelDensityFromSamplesOptions } from './kernel-density.js'

const INV_SQRT_2PI = 0.3989422804014327
const LOG_SQRT_2PI = 0.9189385332046727

const gaussian: Kernel = {
  density: u => INV_SQRT_2PI * Math.exp(-0.5 * u * u),
  radius: Infinity,
  logDensity: u => -0.5 * u * u - LOG_SQRT_2PI,
  draw: (random: Random) => random.normal()
}

/**
 * A [Gaussian kernel density](https://en.wikipedia.org/wiki/Kernel_density_estimation):
 * p(x) = Σ_j w_j φ((x − p_j)/b)/b, pomegranate's `GaussianKernelDensity(points, bandwidth, weights)`.
 * The exact form keeps every point (memory grows with the data); `binned` fits out of core on a
 * fixed grid within δ²/(8·√(2π)·b³) of the exact density (δ the grid spacing). See
 * {@link KernelDensity} for fitting, inertia, JSON and the differences from pomegranate (its
 * Gaussian kernel lacks the 1/b factor).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for non-finite points, a bandwidth that is not finite
 *   and > 0, or bad weights; `ERR_INVALID_OPTION` for a bad `binned`
 * @example
 * ```ts
 * const d = new GaussianKernelDensity([0, 1, 5], 1)
 * d.logProbability([1]) // => Float64Array [-1.8149...]: log((φ(1) + φ(0) + φ(4))/3)
 * const big = new GaussianKernelDensity([], 0.5, null, { binned: { min: -10, max: 10, bins: 2048 } })
 * await pipeline(readNpy('x.npy'), big.sink()) // constant memory
 * ```
 */
export class GaussianKernelDensity extends KernelDensity {
  readonly name = 'GaussianKernelDensity'
  protected readonly kernel = gaussian

  /** pomegranate's `blank()`: no points, bandwidth 1, to be fitted. */
  static blank (): GaussianKernelDensity {
    return new GaussianKernelDensity()
  }

  /** A density fitted to X (pomegranate's `from_samples`): bandwidth 1 unless given, then `fit`. */
  static fromSamples (X: BatchInput, options: KernelDensityFromSamplesOptions = {}): GaussianKernelDensity {
    return kernelFromSamples(GaussianKernelDensity, X, options)
  }

  static fromJSON (json: Record<string, unknown>): GaussianKernelDensity {
    return KernelDensity.readJSON(GaussianKernelDensity, json, 'GaussianKernelDensity')
  }
}

registerModel('GaussianKernelDensity', GaussianKernelDensity.fromJSON)

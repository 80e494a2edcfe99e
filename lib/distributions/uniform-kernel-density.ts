/**
 * The uniform kernel density: a uniform density on [point − bandwidth, point + bandwidth] around every point.
 */
import type { Random } from '../core/random.js'
import { registerModel } from '../core/serialize.js'
import type { BatchInput } from '../core/batch.js'
import { KernelDensity, kernelFromSamples, type Kernel, type KernelDensityFromSamplesOptions } from './kernel-density.js'

const uniform: Kernel = {
  // the window is closed, as pomegranate's |x − p| <= b
  density: u => u >= -1 && u <= 1 ? 0.5 : 0,
  radius: 1,
  draw: (random: Random) => 2 * random.uniform() - 1
}

/**
 * A [uniform (tophat) kernel density](https://en.wikipedia.org/wiki/Kernel_density_estimation):
 * p(x) = Σ_j w_j [|x − p_j| <= b]/(2b), pomegranate's `UniformKernelDensity(points, bandwidth, weights)`.
 * The exact form keeps every point (memory grows with the data); `binned` fits out of core on a
 * fixed grid, within 1/(2b) times the weight of the points within δ of x ± b of the exact density
 * (δ the grid spacing). See {@link KernelDensity} for fitting, inertia, JSON and the differences
 * from pomegranate (its uniform kernel lacks the 1/(2b) factor).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for non-finite points, a bandwidth that is not finite
 *   and > 0, or bad weights; `ERR_INVALID_OPTION` for a bad `binned`
 * @example
 * ```ts
 * const d = new UniformKernelDensity([0, 1, 5], 1)
 * d.probability([0.5, 3]) // => Float64Array [0.3333333333333333, 0]: two of three windows, each of density 1/2
 * d.fit([1, 2, 2.5]) // the points are replaced
 * ```
 */
export class UniformKernelDensity extends KernelDensity {
  readonly name = 'UniformKernelDensity'
  protected readonly kernel = uniform

  /** pomegranate's `blank()`: no points, bandwidth 1, to be fitted. */
  static blank (): UniformKernelDensity {
    return new UniformKernelDensity()
  }

  /** A density fitted to X (pomegranate's `from_samples`): bandwidth 1 unless given, then `fit`. */
  static fromSamples (X: BatchInput, options: KernelDensityFromSamplesOptions = {}): UniformKernelDensity {
    return kernelFromSamples(UniformKernelDensity, X, options)
  }

  static fromJSON (json: Record<string, unknown>): UniformKernelDensity {
    return KernelDensity.readJSON(UniformKernelDensity, json, 'UniformKernelDensity')
  }
}

registerModel('UniformKernelDensity', UniformKernelDensity.fromJSON)

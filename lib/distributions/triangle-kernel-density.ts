/**
 * The triangle kernel density: a triangular density on [point − bandwidth, point + bandwidth], peaked at every point.
 */
import type { Random } from '../core/random.js'
import { registerModel } from '../core/serialize.js'
import type { BatchInput } from '../core/batch.js'
import { KernelDensity, kernelFromSamples, type Kernel, type KernelDensityFromSamplesOptions } from './kernel-density.js'

const triangle: Kernel = {
  density: u => Math.max(0, 1 - Math.abs(u)),
  radius: 1,
  // the sum of two uniforms on [0, 1) is triangular on [0, 2) with its mode at 1
  draw: (random: Random) => random.uniform() + random.uniform() - 1
}

/**
 * A [triangle (linear) kernel density](https://en.wikipedia.org/wiki/Kernel_density_estimation):
 * p(x) = Σ_j w_j max(0, b − |x − p_j|)/b², pomegranate's `TriangleKernelDensity(points, bandwidth, weights)`.
 * The exact form keeps every point (memory grows with the data); `binned` fits out of core on a
 * fixed grid within δ/(2b²) of the exact density (δ < b the grid spacing). See
 * {@link KernelDensity} for fitting, inertia, JSON and the differences from pomegranate (its
 * triangle kernel lacks the 1/b² factor).
 *
 * @throws ArilError `ERR_INVALID_PARAMETER` for non-finite points, a bandwidth that is not finite
 *   and > 0, or bad weights; `ERR_INVALID_OPTION` for a bad `binned`
 * @example
 * ```ts
 * const d = new TriangleKernelDensity([0, 1, 5], 1)
 * d.probability([0.5, 3]) // => Float64Array [0.3333333333333333, 0]: (0.5 + 0.5)/3
 * d.fit([1, 2, 2.5]) // the points are replaced
 * ```
 */
export class TriangleKernelDensity extends KernelDensity {
  readonly name = 'TriangleKernelDensity'
  protected readonly kernel = triangle

  /** pomegranate's `blank()`: no points, bandwidth 1, to be fitted. */
  static blank (): TriangleKernelDensity {
    return new TriangleKernelDensity()
  }

  /** A density fitted to X (pomegranate's `from_samples`): bandwidth 1 unless given, then `fit`. */
  static fromSamples (X: BatchInput, options: KernelDensityFromSamplesOptions = {}): TriangleKernelDensity {
    return kernelFromSamples(TriangleKernelDensity, X, options)
  }

  static fromJSON (json: Record<string, unknown>): TriangleKernelDensity {
    return KernelDensity.readJSON(TriangleKernelDensity, json, 'TriangleKernelDensity')
  }
}

registerModel('TriangleKernelDensity', TriangleKernelDensity.fromJSON)

/**
 * Vega-Lite specifications rendered headless: vega-lite compiles to Vega, vega's View renders SVG
 * without a browser or a canvas, and resvg (a Rust SVG renderer shipped as a prebuilt npm
 * package) turns the SVG into PNG with the system's fonts. The three are imported on first use,
 * so `import 'aril'` does not load them.
 */
import { extname } from 'node:path'
import { ArilError, invalidOption } from '../core/errors.js'
import { checkKeys } from '../core/options.js'
import { writeFileAtomically } from '../io/atomic-file.js'
import type { VegaLiteSpec } from './specs.js'

/**
 * A Vega-Lite specification as SVG text.
 * @throws ArilError `ERR_INVALID_ARGUMENT` when vega-lite or vega reject the specification
 * @example
 * ```ts
 * const svg = await renderSvg(historySpec(history.epochs))
 * ```
 */
export async function renderSvg (spec: VegaLiteSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')])
  try {
    const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' })
    const svg = await view.toSVG()
    view.finalize()
    return svg
  } catch (err) {
    throw new ArilError('ERR_INVALID_ARGUMENT', `The plot cannot be rendered: ${(err as Error).message}`, {}, { cause: err })
  }
}

/**
 * SVG text as PNG bytes (at `scale` times the SVG's size; default 2 for sharp text).
 * @throws ArilError `ERR_INVALID_OPTION` for a scale outside (0, 8]
 * @example
 * ```ts
 * await writeFile('plot.png', await renderPng(svg))
 * ```
 */
export async function renderPng (svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  checkKeys(options, ['scale'], 'renderPng')
  const scale = options.scale ?? 2
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 8)) invalidOption('scale', 'a number in (0, 8]', scale)
  const { Resvg } = await import('@resvg/resvg-js')
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng()
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength)
}

/**
 * Renders a specification to a file: `.svg` or `.png` by the extension. The file is written
 * under a temporary name and renamed, so a failed render leaves no partial file.
 * @throws ArilError `ERR_INVALID_OPTION` for another extension, `ERR_SOURCE` when the file cannot be written
 * @example
 * ```ts
 * await writePlot('docs/mixture.png', densitySpec(gmm, histogram))
 * ```
 */
export async function writePlot (path: string, spec: VegaLiteSpec): Promise<void> {
  const format = extname(path).toLowerCase()
  if (format !== '.svg' && format !== '.png') invalidOption('out', 'a file ending in .svg or .png', path)
  const svg = await renderSvg(spec)
  const bytes = format === '.svg' ? svg : await renderPng(svg)
  await writeFileAtomically(path, bytes)
}

/**
 * The transpiler tap's TypeScript loader (ts-node, transpile-only) uses for the tests, named in
 * tsconfig.json's "ts-node" section: esbuild instead of TypeScript's own transpileModule.
 *
 * Why: every test file is its own process, which transpiles the part of lib/ it imports afresh.
 * A process importing all of lib/index.ts took 5-6 s of CPU with TypeScript's transpiler and
 * 1.3 s with esbuild. Types are still checked by `npm run typecheck`; ts-node never checked them
 * here (tap runs it transpile-only). A CommonJS module because ts-node loads its transpiler with
 * require(). The source map goes back to ts-node, which inlines it, so coverage maps onto the .ts
 * sources as before.
 */
'use strict'
const { transformSync } = require('esbuild')

exports.create = ({ service }) => {
  // esbuild reads only the options that change the emitted code (class fields, module syntax).
  const tsconfigRaw = { compilerOptions: service.config.raw.compilerOptions }
  return {
    transpile (input, { fileName }) {
      const { code, map } = transformSync(input, {
        loader: fileName.endsWith('x') ? 'tsx' : 'ts',
        target: 'es2022',
        sourcemap: 'external',
        sourcefile: fileName,
        tsconfigRaw
      })
      return { outputText: code, sourceMapText: map }
    }
  }
}

/**
 * The transpiler tap's TypeScript loader (ts-node, transpile-only) uses for the tests, named in
 * tsconfig.json's "ts-node" section: esbuild instead of TypeScript's own transpileModule.
 *
 * Why: every test file is its own process, and each one loaded lib/ (about 180 files) through
 * TypeScript's transpiler, which cost about 5 s of CPU per process; esbuild does the same files in
 * about 0.3 s. Types are still checked by `npm run typecheck`; ts-node never checked them here
 * (tap runs it transpile-only). A CommonJS module because ts-node loads its transpiler with
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

/** Rules of style.md that a machine can check over the whole of lib/. */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../lib', import.meta.url))
const files: string[] = []
const walk = (dir: string): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name))
    else if (entry.name.endsWith('.ts')) files.push(join(dir, entry.name))
  }
}
walk(root)

t.test('every error thrown in lib/ is an ArilError', async t => {
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /new (Type|Range)?Error\(/, `${relative(root, file)} throws no bare Error`)
  }
})

t.test('model files never import node:stream', async t => {
  for (const file of files.filter(f => /[/\\](distributions|models)[/\\]/.test(f))) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /^import (?!type )[^\n]*from 'node:stream/m, `${relative(root, file)} holds formulas, not I/O`)
  }
})

t.test('index.ts only re-exports', async t => {
  const lines = readFileSync(join(root, 'index.ts'), 'utf8').split('\n')
  const code = lines.filter(l => l.trim() !== '' && !/^\s*(\/\*\*|\*|\/\/)/.test(l))
  for (const line of code) t.match(line, /^export (type )?\{[^}]*\} from '\.\/[\w/.-]+\.js'$|^export \* from/, line)
})

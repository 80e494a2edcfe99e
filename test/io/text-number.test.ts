import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { textNumber } from '../../lib/io/text-number.js'

type Value = number | 'NaN' | 'Infinity' | '-Infinity' | null
// Plain JSON.parse: the cells themselves include "NaN" and "Infinity", which must stay strings.
const { cells } = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/number-grammar.json', import.meta.url)), 'utf8')) as { cells: Array<[string, Value, Value | 'n/a']> }
const decode = (v: Value): number | undefined => v === null ? undefined : typeof v === 'number' ? v : Number(v)

t.test('every cell reads as Python float() and numpy.loadtxt both read it (scripts/fixtures/number-grammar.py)', async t => {
  t.ok(cells.length > 3000, `${cells.length} cells`)
  let wrong = 0
  let both = 0
  for (const [cell, python, numpy] of cells) {
    // The grammar is what both accept; a cell only one of them reads is not a number.
    const accepted = python !== null && numpy !== null
    const expected = cell === '' ? NaN : accepted ? decode(python) : undefined
    if (accepted) both++
    const got = textNumber(cell)
    if (!Object.is(got, expected)) {
      if (wrong++ < 10) t.fail(`${JSON.stringify(cell)}: got ${got}, expected ${expected} (float: ${python}, loadtxt: ${numpy})`)
    }
  }
  t.equal(wrong, 0, 'no cell read otherwise')
  t.ok(both > 500, `${both} cells are numbers`)
})

t.test('what Number() reads more leniently is not a number; what it refuses may be', async t => {
  for (const cell of ['0x10', '0XfF', '0b11', '0o7', ' 0x10 ', '\uFEFF5', '5\uFEFF', ' ', '\t\n', '1_0', '0x']) t.equal(textNumber(cell), undefined, JSON.stringify(cell))
  t.same([textNumber('inf'), textNumber('-Infinity'), textNumber('+iNf'), textNumber(' nan '), textNumber('5\u0085')], [Infinity, -Infinity, Infinity, NaN, 5])
  t.same([textNumber('0'), textNumber('0.5'), textNumber('0e5'), textNumber('-0'), textNumber('00.10')], [0, 0.5, 0, -0, 0.1])
  t.ok(Object.is(textNumber('-0'), -0), '-0 keeps its sign')
  t.equal(textNumber('1e400'), Infinity, 'overflow is infinite, as float() says')
  t.ok(Number.isNaN(textNumber('')), 'the empty cell is a missing value')
  t.equal(textNumber('7'.repeat(100000)), Infinity, 'a long run of digits: linear time, read as float() reads it')
  t.equal(textNumber('1'.repeat(100000) + 'x'), undefined)
})

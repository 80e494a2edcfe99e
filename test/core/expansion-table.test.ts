import t from 'tap'
import { expansionTableProblem, ExpansionTable } from '../../lib/core/expansion-table.js'
import { ExactSum } from '../../lib/core/exact-sum.js'

t.test('ExpansionTable.finite: an addition that overflows, by add or by addTerms, until clear', async t => {
  const byAdd = new ExpansionTable(3)
  byAdd.add(1, 1.5e308)
  t.ok(byAdd.finite(), 'one large value is finite')
  byAdd.add(1, 1.5e308)
  t.notOk(byAdd.finite(), 'their sum overflows')
  byAdd.clear()
  t.ok(byAdd.finite(), 'a cleared table holds no partial')

  const byTerms = new ExpansionTable(2)
  byTerms.addTerms(0, Float64Array.of(1e308, 1, 1e308), 3)
  t.notOk(byTerms.finite(), 'addTerms')

  const infinite = new ExpansionTable(1)
  infinite.add(0, -Infinity)
  t.notOk(infinite.finite(), 'an infinite input (spilled)')
  infinite.add(0, 2)
  t.same(infinite.toJSON(), { counts: [2], parts: ['-Infinity', 2] }, 'a spilled slot writes its sum, then the partials kept in place')
})

t.test('ExpansionTable slots are the exact sums of what was added to them', async t => {
  const table = new ExpansionTable(2)
  const exact = [new ExactSum(), new ExactSum()]
  let x = 0.1
  for (let i = 0; i < 200; i++) {
    x = (x * 7919.123) % 1013 - 500
    const slot = i % 2
    const value = x * 10 ** ((i % 9) * 20 - 80)
    table.add(slot, value)
    exact[slot]!.add(value)
  }
  t.same(table.exactSums().map(s => s.value()), exact.map(s => s.value()))
  t.ok(table.finite())
})

t.test('ExpansionTable with low halves: a slot is the exact sum of both its expansions, in every form', async t => {
  const table = new ExpansionTable(3, true)
  const exact = [new ExactSum(), new ExactSum(), new ExactSum()]
  let x = 0.3
  for (let i = 0; i < 300; i++) {
    x = (x * 7919.123) % 1013 - 500
    const slot = i % 3
    const hi = x * 1e6
    const lo = x * 1e-12 * (i % 5)
    table.addPair(slot, hi, lo)
    exact[slot]!.add(hi)
    exact[slot]!.add(lo)
  }
  table.add(2, 1e300)
  table.add(2, -1e300)
  exact[2]!.add(1e300)
  exact[2]!.add(-1e300)
  const values = exact.map(s => s.value())
  t.same(table.exactSums().map(s => s.value()), values, 'exactSums')
  const read = new ExpansionTable(3)
  read.addJSON(JSON.parse(JSON.stringify(table.toJSON())))
  t.same(read.exactSums().map(s => s.value()), values, 'toJSON lists both halves, and addJSON reads them')
  const merged = new ExpansionTable(3, true)
  merged.addTable(table)
  merged.addTable(table)
  const plain = new ExpansionTable(3)
  plain.addTable(table)
  t.same(merged.exactSums().map(s => s.value()), exact.map(s => { const twice = s.clone(); twice.addSum(s); return twice.value() }), 'addTable keeps the halves apart')
  t.same(plain.exactSums().map(s => s.value()), values, 'a table without low halves takes them into its one expansion')
  t.ok(table.finite())
  table.clear()
  t.same(table.toJSON(), { counts: [0, 0, 0], parts: [] }, 'clear empties both halves')
})

t.test('expansionTableProblem: what a summary of the slots must hold', async t => {
  t.equal(expansionTableProblem({ counts: [1, 0, 2], parts: [1, 2, 'NaN'] }, 3), undefined)
  t.match(expansionTableProblem([[1], [], []], 3), /counts, parts/)
  t.match(expansionTableProblem({ counts: [1, 0], parts: [1] }, 3), /expected 3 exact sums/)
  t.match(expansionTableProblem({ counts: [1, -1, 0], parts: [1] }, 3), /whole counts/)
  t.match(expansionTableProblem({ counts: [1, 1, 0], parts: [1] }, 3), /expected 2 partials, got 1/)
})

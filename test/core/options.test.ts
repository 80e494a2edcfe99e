import t from 'tap'
import { blend, booleanOption, numberOption, updateOptions } from '../../lib/core/options.js'
import { assertArilError } from '../helpers.js'

t.test('update options are checked once', async t => {
  t.same(updateOptions(undefined), { inertia: 0, pseudocount: 0 })
  t.same(updateOptions({ inertia: 0.25, pseudocount: 2 }), { inertia: 0.25, pseudocount: 2 })
  assertArilError(t, () => updateOptions({ inertia: 1.5 }), { code: 'ERR_INVALID_OPTION', message: /Option inertia: expected a number in \[0, 1\], got 1.5/ })
  assertArilError(t, () => updateOptions({ pseudocount: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => updateOptions({ inertia: NaN }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => updateOptions(3 as never), { code: 'ERR_INVALID_OPTION' })
  t.equal(numberOption({}, 'x', 5), 5)
  assertArilError(t, () => numberOption({ x: '1' }, 'x', 5), { code: 'ERR_INVALID_OPTION' })
  t.equal(booleanOption({ x: true }, 'x', false), true)
  assertArilError(t, () => booleanOption({ x: 1 }, 'x', false), { code: 'ERR_INVALID_OPTION' })
})

t.test('blend is inertia·old + (1 − inertia)·new', async t => {
  t.equal(blend(10, 20, 0), 20)
  t.equal(blend(10, 20, 0.25), 17.5)
  t.equal(blend(10, 20, 1), 10)
})

import t from 'tap'
import { blend, booleanOption, checkKeys, numberOption, optionKeys, pickOptions, splitOptions, UPDATE_OPTION_KEYS, updateOptions } from '../../lib/core/options.js'
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

t.test('checkKeys: an unknown key names the valid ones and the key meant', async t => {
  const allowed = ['maxIterations', 'stopThreshold', 'seed'] as const
  t.doesNotThrow(() => checkKeys({ maxIterations: 3, seed: 1 }, allowed, 'fit'))
  t.doesNotThrow(() => checkKeys(undefined, allowed, 'fit'))
  t.doesNotThrow(() => checkKeys(null as never, allowed, 'fit'))
  // a spread default leaves keys whose value is undefined: they are not options given
  t.doesNotThrow(() => checkKeys({ max_iterations: undefined, nope: undefined }, allowed, 'fit'))
  const cases: Array<[string, string | undefined]> = [
    ['max_iterations', 'maxIterations'], // snake_case
    ['max-iterations', 'maxIterations'], // kebab-case
    ['MAX_ITERATIONS', 'maxIterations'], // shouting snake_case
    ['maxiterations', 'maxIterations'], // case only
    ['maxIteration', 'maxIterations'], // one edit
    ['stopTreshold', 'stopThreshold'], // one edit
    ['sede', 'seed'], // two edits
    ['no_such_option', undefined], // nothing near
    ['weights', undefined] // three edits from every key
  ]
  for (const [key, meant] of cases) {
    const err = assertArilError(t, () => checkKeys({ [key]: 1 }, allowed, 'Where.fit'), { code: 'ERR_INVALID_OPTION' }, key)
    t.match(err?.message, `Where.fit: unknown option "${key}"`, key)
    t.match(err?.message, 'valid options: maxIterations, stopThreshold, seed', key)
    if (meant === undefined) t.notMatch(err?.message, 'did you mean', `${key}: no suggestion`)
    else t.match(err?.message, `(did you mean "${meant}"?)`, `${key} -> ${meant}`)
  }
  // the nearest of two candidates wins
  const err = assertArilError(t, () => checkKeys({ tol: 1 }, ['tolerance', 'to', 'tl'], 'x'), { code: 'ERR_INVALID_OPTION' })
  t.match(err?.message, '(did you mean "to"?)')
})

t.test('checkKeys: options must be a plain object', async t => {
  for (const bad of [3, 'maxIterations', true, [1, 2]]) {
    const err = assertArilError(t, () => checkKeys(bad as never, ['a'], 'Kmeans.fit'), { code: 'ERR_INVALID_OPTION' }, String(bad))
    t.match(err?.message, 'Option Kmeans.fit options: expected an object', String(bad))
  }
})

t.test('optionKeys, pickOptions and splitOptions compose key lists', async t => {
  t.same(optionKeys(UPDATE_OPTION_KEYS, ['minCovar', 'inertia'], []), ['inertia', 'pseudocount', 'minCovar'])
  t.same(pickOptions({ a: 1, b: 2, c: undefined }, ['a', 'c']), { a: 1, c: undefined })
  t.same(pickOptions(undefined, ['a']), {})
  const w = [1, 2]
  t.same(splitOptions({ minStd: 1, weights: w, inertia: 0.5 }, ['minStd', 'inertia'], ['weights', 'inertia'], 'f'), [{ minStd: 1, inertia: 0.5 }, { weights: w, inertia: 0.5 }])
  const err = assertArilError(t, () => splitOptions({ min_std: 1 }, ['minStd'], ['weights'], 'NormalDistribution.fromSamples'), { code: 'ERR_INVALID_OPTION' })
  t.match(err?.message, 'NormalDistribution.fromSamples: unknown option "min_std" (did you mean "minStd"?); valid options: minStd, weights')
})

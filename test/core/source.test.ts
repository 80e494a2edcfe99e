import t from 'tap'
import { Readable } from 'node:stream'
import { openSource, sourceError } from '../../lib/core/source.js'
import { ArilError } from '../../lib/core/errors.js'
import { NormalDistribution } from '../../lib/distributions/normal.js'
import { GeneralMixtureModel } from '../../lib/models/mixture.js'
import { Kmeans } from '../../lib/models/kmeans.js'
import { trainStream } from '../../lib/train/em.js'
import { rejectsArilError } from '../helpers.js'

const cause = new Error('connection reset by peer')
/** A user's stream that fails after one batch. */
const failing = (): Readable => Readable.from((async function * () {
  yield [1, 2, 3]
  throw cause
})())

t.test('sourceError: ERR_SOURCE with the original as cause; ArilErrors pass', async t => {
  const e = sourceError(cause)
  t.match(e, { code: 'ERR_SOURCE', cause, message: 'The source failed: connection reset by peer' })
  t.match(sourceError('a string'), { code: 'ERR_SOURCE', message: /a string/ })
  const own = new ArilError('ERR_CSV_VALUE', 'x')
  t.equal(sourceError(own), own)
})

t.test("errors of a user's opener or stream reach the caller as ERR_SOURCE (they used to arrive unwrapped)", async t => {
  await rejectsArilError(t, openSource(() => { throw cause }), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, openSource(async () => { throw cause }), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, new NormalDistribution().fitStream(failing()), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, new NormalDistribution().fitStream(() => { throw cause }), { code: 'ERR_SOURCE', cause })
  const toy = new GeneralMixtureModel([new NormalDistribution(0, 1), new NormalDistribution(3, 1)])
  await rejectsArilError(t, trainStream(toy, failing), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, trainStream(toy, () => { throw cause }), { code: 'ERR_SOURCE', cause })
  await rejectsArilError(t, toy.fitStream(failing), { code: 'ERR_SOURCE', cause })
  // k-means reads the head of the source first
  await rejectsArilError(t, new Kmeans(2).fitStream(failing), { code: 'ERR_SOURCE', cause })
  // a Web stream that errors
  const web = new ReadableStream({ start (c) { c.enqueue([1, 2]); c.error(cause) } })
  await rejectsArilError(t, new NormalDistribution().fitStream(web), { code: 'ERR_SOURCE', cause })
  // aril's own errors keep their codes
  await rejectsArilError(t, new NormalDistribution().fitStream([[['x']]]), { code: 'ERR_NOT_NUMERIC' })
  t.same(new NormalDistribution().parameters, [0, 1])
})

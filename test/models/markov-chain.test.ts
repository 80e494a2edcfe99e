import t from 'tap'
import { Readable } from 'node:stream'
import { MarkovChain } from '../../lib/models/markov-chain.js'
import { DiscreteDistribution } from '../../lib/distributions/discrete.js'
import { ConditionalProbabilityTable } from '../../lib/distributions/conditional-probability-table.js'
import { sliceSequences, toSequenceBatch, BLOCK_SEQUENCES, type SequenceBatch } from '../../lib/core/sequence.js'
import type { Key } from '../../lib/core/batch.js'
import { fromJSON, stringifyJSON } from '../../lib/core/serialize.js'
import { Random } from '../../lib/core/random.js'
import { assertArilError, assertClose, fixture } from '../helpers.js'

type Test = import('tap').Test

interface Case {
  name: string; k: number; sequences: string[][]; weights: number[] | null
  tables: Array<Array<Array<string | number>>>; probes: string[][]; logProbability: number[]; json: any
}
const { cases } = fixture<{ cases: Case[] }>('markov-chain')

/** A table's rows as a map from its keys to the probability. */
function tableMap (rows: ReadonlyArray<ReadonlyArray<Key>>): Map<string, number> {
  return new Map(rows.map(r => [JSON.stringify(r.slice(0, -1)), r[r.length - 1] as number]))
}

function chainTables (chain: MarkovChain): Array<Map<string, number>> {
  return chain.distributions.map(d => d instanceof DiscreteDistribution
    ? new Map([...d.probabilities].map(([k, p]) => [JSON.stringify([k]), p]))
    : tableMap(d.parameters[0]))
}

function compareTables (t: Test, actual: Array<Map<string, number>>, expected: Array<Map<string, number>>, rel: number, message: string): void {
  t.equal(actual.length, expected.length, `${message}: as many tables`)
  expected.forEach((table, l) => {
    t.same([...actual[l]!.keys()].sort(), [...table.keys()].sort(), `${message}: table ${l} has pomegranate's cells`)
    assertClose(t, [...table.keys()].map(key => actual[l]!.get(key) ?? NaN), [...table.values()], rel, `${message}: table ${l}`)
  })
}

function fitted (c: Case): MarkovChain {
  const chain = MarkovChain.fromSamples(c.sequences, { k: c.k })
  return c.weights === null ? chain : chain.fit(c.sequences, { weights: c.weights })
}

t.test('fromSamples matches pomegranate 0.14.8 (scripts/fixtures/markov-chain.py): tables, logProbability, JSON', async t => {
  for (const c of cases) {
    const chain = fitted(c)
    t.equal(chain.k, c.k)
    const expected = c.tables.map(rows => tableMap(rows.map(r => r.map(v => v)) as Key[][]))
    compareTables(t, chainTables(chain), expected, 1e-14, c.name)
    assertClose(t, chain.logProbability(c.probes), c.logProbability, 1e-13, `${c.name}: logProbability`)
    // One sequence given alone is one sequence, not a list of one-symbol sequences.
    assertClose(t, chain.logProbability(c.probes[0]!), [c.logProbability[0]!], 1e-13, `${c.name}: one sequence`)
    // pomegranate's JSON reads back to the same chain, and aril's JSON is in its shape.
    const read = fromJSON<MarkovChain>(c.json)
    compareTables(t, chainTables(read), expected, 0, `${c.name}: read from pomegranate's JSON`)
    const mine = chain.toJSON()
    t.equal(mine.class, 'MarkovChain')
    t.same(mine.distributions.map((d: any) => d.name), c.json.distributions.map((d: any) => d.name), `${c.name}: JSON distribution names`)
    const again = fromJSON<MarkovChain>(JSON.parse(stringifyJSON(mine)))
    compareTables(t, chainTables(again), chainTables(chain), 0, `${c.name}: JSON round trip`)
    assertClose(t, again.logProbability(c.probes), chain.logProbability(c.probes), 0, `${c.name}: JSON round trip logProbability`)
  }
})

function randomSequences (n: number, seed: number, maxLength = 12): string[][] {
  const r = new Random(seed)
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(r.uniform() * (maxLength + 1)) }, () => 'ACGT'[Math.floor(r.uniform() * 4)]!))
}

/** SequenceBatches of random numbers of sequences. */
function randomPieces (batch: SequenceBatch, seed: number): SequenceBatch[] {
  const r = new Random(seed)
  const n = batch.offsets.length - 1
  const out: SequenceBatch[] = []
  for (let at = 0; at < n;) {
    const end = Math.min(n, at + 1 + Math.floor(r.uniform() * 50))
    out.push(sliceSequences(batch, at, end))
    at = end
  }
  return out
}

t.test('any batching of the sequences and any merge order give the same bits', async t => {
  const X = randomSequences(3000, 5)
  const weights = Array.from({ length: X.length }, (_, i) => (i % 7) / 3)
  const all = toSequenceBatch(X, { categorical: true, weights })
  for (const k of [0, 1, 3]) {
    const one = MarkovChain.fromSamples(X, { k, weights })
    const streamed = MarkovChain.blank(k)
    for (const piece of randomPieces(all, k)) streamed.summarize(piece)
    streamed.fromSummaries()
    t.same(chainTables(streamed), chainTables(one), `k=${k}: batches`)
    // shards summarized separately, merged in reverse order
    const shards = [0, BLOCK_SEQUENCES, 2 * BLOCK_SEQUENCES, X.length].slice(0, -1).map((s, i, a) => sliceSequences(all, s, a[i + 1] ?? X.length))
    const merged = MarkovChain.blank(k)
    for (const shard of shards.reverse()) {
      const part = MarkovChain.blank(k)
      part.summarize(shard)
      merged.mergeSummary(JSON.parse(JSON.stringify(part.summary())))
    }
    merged.fromSummaries()
    t.same(chainTables(merged), chainTables(one), `k=${k}: merged shards`)
  }
})

t.test('sequences shorter than k use their own weights (pomegranate misaligns them)', async t => {
  // The weight 5 sequence is counted 5 times: the same as repeating it.
  const weighted = MarkovChain.fromSamples([['A'], ['B', 'A', 'A'], ['A', 'B', 'B']], { k: 2, weights: [2, 5, 1] })
  const repeated = MarkovChain.fromSamples([['A'], ['A'], ...Array(5).fill(['B', 'A', 'A']), ['A', 'B', 'B']], { k: 2 })
  t.same(chainTables(weighted), chainTables(repeated))
  t.same([...weighted.distributions[0]!.parameters[0] as Map<Key, number>], [['A', 3 / 8], ['B', 5 / 8]])
  // empty sequences add nothing and score 0
  const withEmpty = MarkovChain.fromSamples([['A'], [], ['B', 'A', 'A'], ['A', 'B', 'B']], { k: 2, weights: [2, 9, 5, 1] })
  t.same(chainTables(withEmpty), chainTables(weighted))
  t.same(Array.from(weighted.logProbability([[], ['A']])), [0, Math.log(3 / 8)])
})

t.test('constructor chains, pseudocount, inertia, sample, freeze, summary errors', async t => {
  const d1 = new DiscreteDistribution({ A: 0.25, B: 0.75 })
  const d2 = new ConditionalProbabilityTable([['A', 'A', 0.33], ['A', 'B', 0.67], ['B', 'A', 0.82], ['B', 'B', 0.18]], [d1])
  const chain = new MarkovChain([d1, d2])
  // pomegranate's docstring example: log_probability(list('ABBAABABABAABABA')) = -8.9119890701808213, with its table
  // written as [['A','A',0.33],['B','A',0.67],['A','B',0.82],['B','B',0.18]] read by rows [parent, value]
  const seq = 'ABBAABABABAABABA'.split('')
  let expected = Math.log(0.25)
  const p: Record<string, number> = { AA: 0.33, AB: 0.67, BA: 0.82, BB: 0.18 }
  for (let i = 1; i < seq.length; i++) expected += Math.log(p[seq[i - 1]! + seq[i]!]!)
  assertClose(t, chain.logProbability(seq), [expected], 1e-15, 'closed form')
  const s = chain.sample(2000, { seed: 3 })
  t.equal(s.length, 2000)
  t.same(chain.sample(50, { seed: 9 }), chain.sample(50, { seed: 9 }), 'seeded')
  // transitions out of B: A with 0.82
  let fromB = 0; let bToA = 0
  for (let i = 1; i < s.length; i++) if (s[i - 1] === 'B') { fromB++; if (s[i] === 'A') bToA++ }
  t.ok(Math.abs(bToA / fromB - 0.82) < 0.05, `sampled B→A share ${bToA / fromB}`)
  t.same(chain.sample(0), [])
  // second-order sampling walks through both prefix tables
  const c2 = MarkovChain.fromSamples(randomSequences(200, 2), { k: 2 })
  t.equal(c2.sample(30, { seed: 1 }).length, 30)

  const x = [['A', 'B'], ['A', 'A']]
  const pc = MarkovChain.fromSamples(x, { k: 1, pseudocount: 1 })
  // p(A) = (2 + 1) / (2 + 2); p(B | A) = (1 + 1) / (2 + 2)
  t.same(pc.distributions[0]!.parameters[0], new Map([['A', 0.75], ['B', 0.25]]))
  t.equal(tableMap(pc.distributions[1]!.parameters[0] as Key[][]).get('["A","B"]'), 0.5)
  const inert = MarkovChain.fromSamples(x, { k: 1 })
  inert.fit([['B', 'B']], { inertia: 0.25 })
  t.same(inert.distributions[0]!.parameters[0], new Map([['A', 0.25], ['B', 0.75]]))

  const frozen = MarkovChain.fromSamples(x, { k: 1 }).freeze()
  frozen.fit([['B', 'B']])
  t.same(frozen.distributions[0]!.parameters[0], new Map([['A', 1], ['B', 0]]))

  assertArilError(t, () => new MarkovChain([d2 as any]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => new MarkovChain([]), { code: 'ERR_INVALID_PARAMETER' })
  assertArilError(t, () => MarkovChain.fromSamples(x, { k: -1 }), { code: 'ERR_INVALID_OPTION' })
  assertArilError(t, () => MarkovChain.blank(1).mergeSummary(MarkovChain.blank(2).summary()), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => MarkovChain.blank(1).mergeSummary({ ...MarkovChain.blank(1).summary(), keys: [1, 1] }), { code: 'ERR_SUMMARY_MISMATCH' })
  assertArilError(t, () => MarkovChain.blank(1).summarize([[[1, 2]]]), { code: 'ERR_COLUMN_COUNT' })
  assertArilError(t, () => MarkovChain.blank(1).summarizeBatch({ data: new Float64Array(1), rows: 1, cols: 1 }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => MarkovChain.blank(1).summarize([['A']], { labels: [1] }), { code: 'ERR_INVALID_INPUT' })
  assertArilError(t, () => MarkovChain.fromJSON({ class: 'MarkovChain', distributions: [d2.toJSON()] }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => MarkovChain.fromJSON({ class: 'X' }), { code: 'ERR_INVALID_JSON_MODEL' })
  assertArilError(t, () => MarkovChain.blank(0).sample(3), { code: 'ERR_NOT_FITTED' })
  // a symbol limit: the fit fails and leaves the chain unchanged
  const small = new MarkovChain([new DiscreteDistribution({ A: 1 })], { maxCategories: 2 })
  assertArilError(t, () => small.fit([['A', 'B', 'C']]), { code: 'ERR_LIMIT', limit: 'maxCategories' })
  t.same(small.distributions[0]!.parameters[0], new Map([['A', 1]]))
  t.same(small.summary().keys, [])
  // a table limit met while updating: every table is put back, the statistics too
  const d0 = new DiscreteDistribution({ A: 0.5, B: 0.5 })
  const cpt = new ConditionalProbabilityTable([['A', 'A', 0.5], ['A', 'B', 0.5], ['B', 'A', 0.5], ['B', 'B', 0.5]], [d0], { maxTableCells: 4 })
  const limited = new MarkovChain([d0, cpt])
  const before = JSON.stringify(limited.toJSON())
  assertArilError(t, () => limited.fit([['A', 'C']]), { code: 'ERR_LIMIT', limit: 'maxTableCells' })
  t.equal(JSON.stringify(limited.toJSON()), before, 'the chain is unchanged')
  t.same(limited.summary(), MarkovChain.blank(1).summary())
  t.equal((limited.distributions[1] as ConditionalProbabilityTable).parents[0], limited.distributions[0], 'the table keeps the chain\'s first distribution as its parent')
  // statistics survive a JSON trip; numbers as symbols
  const numeric = MarkovChain.fromSamples([[1, 2, 1, 2], [2, 2]], { k: 1 })
  t.same(numeric.distributions[0]!.parameters[0], new Map([[1, 0.5], [2, 0.5]]))
  t.same(Array.from(numeric.logProbability([[1, null, 2]])), [Math.log(0.5)], 'a missing symbol scores 0 in its terms')
})

t.test('fitStream of SequenceBatches == fit in memory, workers: 2 included', async t => {
  const X = randomSequences(2500, 11)
  const all = toSequenceBatch(X, { categorical: true })
  const one = MarkovChain.fromSamples(X, { k: 2 })
  const streamed = await MarkovChain.fromStream(() => Readable.from(randomPieces(all, 4)), { k: 2 })
  t.same(chainTables(streamed), chainTables(one), 'one thread')
  const sink = MarkovChain.blank(2)
  await new Promise<void>((resolve, reject) => Readable.from(randomPieces(all, 8)).pipe(sink.sink()).on('finish', resolve).on('error', reject))
  t.same(chainTables(sink), chainTables(one), 'sink()')
})

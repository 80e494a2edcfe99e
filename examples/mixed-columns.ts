/**
 * Columns of different kinds, streamed from files into one model each.
 *
 * 1. A CSV of page visits (duration in seconds, browser, count): an
 *    IndependentComponentsDistribution with a LogNormal for the durations and a Discrete for the
 *    browsers, weighted by the count column, fed by readCsv.
 * 2. An .npy file of budget shares (rows that sum to 1): a DirichletDistribution fitted by
 *    maximum likelihood, fed by readNpy.
 *
 * Run: node --import tsx examples/mixed-columns.ts [folder]   (files go to a temporary folder by default)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DirichletDistribution, DiscreteDistribution, IndependentComponentsDistribution, LogNormalDistribution, Random, readCsv, readNpy, writeNpy } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-mixed-'))
const random = new Random(7)

// 1. Visits: browsers with their own popularity, durations around e^3 ≈ 20 s.
const browsers = ['firefox', 'chrome', 'safari', 'edge']
const popularity = [0.2, 0.5, 0.2, 0.1]
const lines = ['duration,browser,count']
for (let i = 0; i < 20000; i++) {
  let u = random.uniform()
  let b = 0
  while (u > popularity[b]! && b < browsers.length - 1) u -= popularity[b++]!
  const duration = Math.exp(3 + 0.8 * random.normal())
  lines.push(`${duration.toFixed(3)},${browsers[b]},${1 + Math.floor(random.uniform() * 3)}`)
}
const visits = join(dir, 'visits.csv')
writeFileSync(visits, lines.join('\n') + '\n')

const pages = new IndependentComponentsDistribution([new LogNormalDistribution(), new DiscreteDistribution()])
await pipeline(readCsv(visits, { columns: true, select: ['duration', 'browser'], categorical: ['browser'], weight: 'count' }), pages.sink())
console.log(`visits: ${JSON.stringify(pages)}`)

// 2. Budget shares drawn from Dirichlet(8, 4, 2, 1), written in batches, fitted from the file.
const truth = new DirichletDistribution([8, 4, 2, 1])
const shares = join(dir, 'shares.npy')
const draws = [0, 1, 2, 3].map(i => truth.sample(25000, { seed: i }))
await pipeline(Readable.from(draws.map(rows => ({ data: Float64Array.from(rows.flatMap(r => Array.from(r))), rows: rows.length, cols: 4 }))), writeNpy(shares))
const budget = new DirichletDistribution([1, 1, 1, 1])
await pipeline(readNpy(shares), budget.sink())
console.log(`shares: ${JSON.stringify(budget)}`)
console.log(`(drawn from alphas ${truth.parameters[0].join(', ')})`)

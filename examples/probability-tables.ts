/**
 * Fitting a conditional probability table from a categorical CSV file, streamed.
 *
 * Writes `activities.csv` (weather, season, activity, count) into a directory, then pipes
 * `readCsv` into a ConditionalProbabilityTable's sink to learn p(activity | weather, season),
 * with `count` as the row weight and a pseudocount of 1. The table starts with no rows: values
 * are discovered as they stream past (the activity `swim` only appears near the end of the file),
 * and empty cells are missing values (the row is skipped). Prints the table and then the model
 * as pomegranate's JSON.
 *
 * Run: node --import tsx examples/probability-tables.ts [directory]   (default: a new temp dir)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { ConditionalProbabilityTable, Random, readCsv } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-tables-'))
const file = join(dir, 'activities.csv')

// Some made-up diary entries: how often each activity happened in a given weather and season.
const random = new Random(2024)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random.uniform() * xs.length)]!
const lines = ['weather,season,activity,count']
for (let i = 0; i < 3000; i++) {
  const weather = pick(['sunny', 'cloudy', 'rainy'])
  const season = random.uniform() < 0.02 ? '' : pick(['summer', 'winter'])
  const outdoors = weather === 'sunny' ? 0.8 : weather === 'cloudy' ? 0.5 : 0.1
  let activity = random.uniform() < outdoors ? pick(['walk', 'cycle']) : 'read'
  if (i > 2500 && weather === 'sunny' && season === 'summer' && random.uniform() < 0.3) activity = 'swim'
  lines.push(`${weather},${season},${activity},${1 + Math.floor(random.uniform() * 3)}`)
}
writeFileSync(file, lines.join('\n') + '\n')
console.log(`wrote ${lines.length - 1} rows to ${file}`)

// Parents given by their keys; the activity column starts empty and grows from the data.
const table = new ConditionalProbabilityTable([], [['sunny', 'cloudy', 'rainy'], ['summer', 'winter']])
await pipeline(
  readCsv(file, { columns: true, categorical: ['weather', 'season', 'activity'], weight: 'count', rowsPerBatch: 500 }),
  table.sink({ pseudocount: 1 })
)

console.log('weather  season  activity  p(activity | weather, season)')
for (const [weather, season, activity, p] of table.parameters[0]) {
  console.log(`${String(weather).padEnd(9)}${String(season).padEnd(8)}${String(activity).padEnd(10)}${(p as number).toFixed(4)}`)
}
console.log(`model: ${JSON.stringify(table)}`)

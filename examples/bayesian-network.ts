/**
 * Learning a Bayesian network out of core from a categorical CSV file.
 *
 * Writes `garden.csv` (cloudy, sprinkler, rain, wet, slippery: 20,000 rows drawn from a known
 * network, with a value `storm` that first appears near the end of the file), then learns the network with `BayesianNetwork.fromStream`: one pass counts the
 * distinct rows of the stream (flat memory), the exact search runs on the counts, and the tables
 * are fitted from them. Prints the structure, one table, an imputed row and the network's JSON.
 *
 * Run: node --import tsx examples/bayesian-network.ts [directory]   (default: a new temp dir)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BayesianNetwork, Random, readCsv } from '../lib/index.js'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'aril-network-'))
const file = join(dir, 'garden.csv')

// The network the data comes from: cloudy → sprinkler, cloudy → rain, (sprinkler, rain) → wet, wet → slippery.
const random = new Random(7)
const flip = (p: number): boolean => random.uniform() < p
const lines = ['cloudy,sprinkler,rain,wet,slippery']
for (let i = 0; i < 20000; i++) {
  const cloudy = i > 19000 && flip(0.1) ? 'storm' : flip(0.5) ? 'yes' : 'no'
  const sprinkler = flip(cloudy === 'no' ? 0.5 : 0.1) ? 'on' : 'off'
  const rain = flip(cloudy === 'storm' ? 0.95 : cloudy === 'yes' ? 0.8 : 0.2) ? 'rain' : 'dry'
  const wet = flip(sprinkler === 'on' && rain === 'rain' ? 0.99 : sprinkler === 'on' || rain === 'rain' ? 0.9 : 0.05) ? 'wet' : 'dry'
  const slippery = flip(wet === 'wet' ? 0.7 : 0.05) ? 'slippery' : 'safe'
  lines.push([cloudy, sprinkler, rain, wet, slippery].join(','))
}
writeFileSync(file, lines.join('\n') + '\n')
console.log(`wrote ${lines.length - 1} rows to ${file}`)

const names = ['cloudy', 'sprinkler', 'rain', 'wet', 'slippery']
const network = await BayesianNetwork.fromStream(
  () => readCsv(file, { columns: true, categorical: names, rowsPerBatch: 4096 }),
  { algorithm: 'exact', maxParents: 2, stateNames: names, name: 'garden' }
)
console.log('structure:', JSON.stringify(network.structure))
const rain = network.states[2]!.distribution
console.log('p(rain | cloudy):')
for (const row of rain.parameters[0] as Array<Array<string | number>>) console.log(`  ${row.slice(0, -1).map(v => String(v).padEnd(6)).join(' ')} ${(row[row.length - 1] as number).toFixed(4)}`)
// Empty cells (or null) are missing values; predict fills them with their most probable values.
console.log('imputed:', JSON.stringify(network.predict([['storm', null, null, 'wet', null]])[0]))
console.log('model: ' + JSON.stringify(network))

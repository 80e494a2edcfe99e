import { NormalDistribution } from './lib/distributions/normal.js'
import { threadExecutor } from './lib/exec/threads.js'
import { readNpy } from './lib/io/npy.js'
import { pipeline } from 'node:stream/promises'
import { threadCpu, delta } from './cpu.js'
const file = 'data/bench/normal-20000000.npy'
const ex = threadExecutor({ threads: 2 })
await ex.ready()
for (let i = 0; i < 3; i++) {
  let c0 = threadCpu(); await pipeline(readNpy(file), new NormalDistribution().sink()); console.log('sink', delta(c0, threadCpu()).slice(0, 4).map(([k, v]) => v.toFixed(0)).join(' '))
  c0 = threadCpu(); await new NormalDistribution().fitStream(file, { executor: ex }); console.log('threads', delta(c0, threadCpu()).slice(0, 5).map(([k, v]) => v.toFixed(0)).join(' '))
}
await ex.close()

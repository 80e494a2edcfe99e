import { readdirSync, readFileSync } from 'node:fs'
/** On-CPU nanoseconds of every thread of this process (Linux schedstat). */
export function threadCpu (): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const [run] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
      out.set(`${tid}:${name}`, Number(run))
    } catch {}
  }
  return out
}
export function delta (a: Map<string, number>, b: Map<string, number>): Array<[string, number]> {
  return [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / 1e6] as [string, number]).filter(([, v]) => v > 1).sort((x, y) => y[1] - x[1])
}

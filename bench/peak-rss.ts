/**
 * This process's peak resident memory in MB. Linux's `getrusage` maximum (`process.resourceUsage()
 * .maxRSS`) survives `exec`: a child spawned by a parent that had grown to 200 MB reports at
 * least 200 MB whatever it does. `VmHWM` in /proc/self/status is the high-water mark of this
 * process's own memory map, which `exec` starts afresh; other systems fall back to maxRSS.
 */
import { readFileSync } from 'node:fs'

export function peakRssMB (): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm !== null) return Number(hwm[1]) / 1024
  } catch {}
  return process.resourceUsage().maxRSS / 1024
}

/**
 * Preloaded into a server by `loop-delay.ts` (`--import`): the event loop's delay, V8's GC pauses and
 * the long turns of the loop over a window the parent opens and closes over IPC (`'loop-reset'`, then
 * `'loop-stats'`). A long turn is a gap of over `LONG_MS` between two runs of a 1 ms timer; it is
 * told apart by whether a GC pause overlapped it, and by the process's CPU time during it (all
 * threads: close to the gap when the process ran throughout, less when it waited to be scheduled).
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'

const LONG_MS = 5
// The bench's resolution (bench/src/targets.ts): an idle loop already reads about 2 ms.
const loop = monitorEventLoopDelay({ resolution: 2 })
loop.enable()
// Per kind (perf_hooks.constants.NODE_PERFORMANCE_GC_*: 1 minor, 4 major, 8 incremental, 16 weak callbacks).
let gc: Record<number, { n: number; max: number; total: number }> = {}
let pauses: [number, number][] = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const detail = (e as PerformanceEntry & { detail?: { kind: number } }).detail
    const kind = (gc[detail?.kind ?? 0] ??= { n: 0, max: 0, total: 0 })
    kind.n++
    kind.max = Math.max(kind.max, e.duration)
    kind.total += e.duration
    pauses.push([e.startTime, e.startTime + e.duration])
  }
}).observe({ entryTypes: ['gc'] })

/** Long turns since the reset: start, length, process CPU ms during it. */
let turns: [number, number, number][] = []
let last = performance.now()
let cpuLast = process.cpuUsage()
;(function tick() {
  const now = performance.now()
  const cpu = process.cpuUsage()
  if (now - last > LONG_MS)
    turns.push([last, now - last, (cpu.user - cpuLast.user + cpu.system - cpuLast.system) / 1000])
  last = now
  cpuLast = cpu
  setTimeout(tick, 1)
})()

/** Long turns: how many, how many overlapped a GC pause, the longest of each kind, and CPU share of the longest. */
function longTurns() {
  const overlaps = ([start, ms]: [number, number, number]) => pauses.some(([a, b]) => a < start + ms && b > start)
  const withGc = turns.filter(overlaps)
  const without = turns.filter((t) => !overlaps(t))
  const longest = (ts: typeof turns) => ts.reduce((m, t) => (t[1] > m[1] ? t : m), [0, 0, 0])
  const [, maxWith] = longest(withGc)
  const [, maxWithout, cpuWithout] = longest(without)
  return { n: turns.length, withGc: withGc.length, maxWith, maxWithout, cpuWithout }
}

process.on('message', (m: unknown) => {
  if (m === 'loop-reset') {
    loop.reset()
    gc = {}
    pauses = []
    turns = []
  }
  if (m !== 'loop-stats') return
  const ms = (ns: number) => ns / 1e6
  // A block that just ended is recorded when the monitor's timer next fires.
  setTimeout(() => {
    const [mean, p99, max] = [ms(loop.mean), ms(loop.percentile(99)), ms(loop.max)]
    process.send!({ loop: { mean, p99, max }, gc, turns: longTurns() })
  }, 20)
})

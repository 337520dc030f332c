/**
 * Preloaded into a server by `loop-delay.ts` (`--import`): the event loop's delay and V8's GC pauses over
 * a window the parent opens and closes over IPC (`'loop-reset'`, then `'loop-stats'`).
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'

// The bench's resolution (bench/src/targets.ts): an idle loop already reads about 2 ms.
const loop = monitorEventLoopDelay({ resolution: 2 })
loop.enable()
// Per kind (perf_hooks.constants.NODE_PERFORMANCE_GC_*: 1 minor, 4 major, 8 incremental, 16 weak callbacks).
let gc: Record<number, { n: number; max: number; total: number }> = {}
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const detail = (e as PerformanceEntry & { detail?: { kind: number } }).detail
    const kind = (gc[detail?.kind ?? 0] ??= { n: 0, max: 0, total: 0 })
    kind.n++
    kind.max = Math.max(kind.max, e.duration)
    kind.total += e.duration
  }
}).observe({ entryTypes: ['gc'] })

process.on('message', (m: unknown) => {
  if (m === 'loop-reset') {
    loop.reset()
    gc = {}
  }
  if (m !== 'loop-stats') return
  const ms = (ns: number) => ns / 1e6
  // A block that just ended is recorded when the monitor's timer next fires.
  setTimeout(() => {
    const [mean, p99, max] = [ms(loop.mean), ms(loop.percentile(99)), ms(loop.max)]
    process.send!({ loop: { mean, p99, max }, gc })
  }, 20)
})

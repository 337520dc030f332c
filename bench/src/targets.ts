/**
 * An HTTP server under load, in a child process of its own so the load generator
 * does not share its event loop: `node .build/targets.mjs '<TargetSpec JSON>'` (compiled by `child.ts`).
 * Every kind answers `POST <path>` with body `{"key": "…"}` and a JSON verdict.
 *
 * The child reports over IPC: `{ ready }` once listening, then answers
 * `reset` (start a measurement window) and `stats` (event-loop delay of the window,
 * measured in this process by `monitorEventLoopDelay`; RSS; cache entries).
 */
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks'
import type { Ready, TargetSpec, TargetStats } from './protocol.js'
import { startBare, startBetterAuth } from './target-peers.js'
import { startKeyward } from './target-keyward.js'
import { watchLoopHeld } from './loop-held.js'

const spec = JSON.parse(process.argv[2]!) as TargetSpec
const starters = { bare: startBare, keyward: startKeyward, 'better-auth': startBetterAuth }
const started = await starters[spec.kind](spec)
// 2 ms sampling: fine enough for a 5 ms target, cheap enough to leave on in every target alike.
const loop = monitorEventLoopDelay({ resolution: 2 })
loop.enable()
const held = watchLoopHeld()

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
}
// Every main-thread GC pause of the window: the longest, and how many (see TargetStats).
let gc = { maxMs: 0, kind: '', pauses: 0 }
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.pauses++
    if (e.duration <= gc.maxMs) continue
    gc.maxMs = e.duration
    gc.kind = GC_KINDS[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other'
  }
}).observe({ entryTypes: ['gc'] })

let cpu0 = process.cpuUsage()
let t0 = performance.now()

function stats(): TargetStats {
  const ms = (ns: number) => ns / 1e6
  const mb = (bytes: number) => bytes / 2 ** 20
  const cpu = process.cpuUsage(cpu0)
  const mem = process.memoryUsage()
  return {
    // The histogram records the gap between 2 ms ticks, so an idle loop already reads about 2 ms.
    loopMaxMs: ms(loop.max),
    loopHeldMaxMs: held.max(),
    loopP99Ms: ms(loop.percentile(99)),
    loopMeanMs: ms(loop.mean),
    gcMaxMs: gc.maxMs,
    gcMaxKind: gc.kind,
    gcPauses: gc.pauses,
    serverCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: mb(mem.rss),
    heapUsedMb: mb(mem.heapUsed),
    heapTotalMb: mb(mem.heapTotal),
    externalMb: mb(mem.external),
    cacheEntries: started.cacheEntries?.() ?? null,
  }
}

process.on('message', (m: { cmd: 'reset' | 'stats' }) => {
  if (m.cmd === 'reset') {
    loop.reset()
    held.reset()
    gc = { maxMs: 0, kind: '', pauses: 0 }
    cpu0 = process.cpuUsage()
    t0 = performance.now()
  }
  // Stats a few samples later: a block that just ended is recorded when the monitor's timer next fires.
  setTimeout(
    () => process.send!({ reply: m.cmd, stats: m.cmd === 'stats' ? stats() : null }),
    m.cmd === 'stats' ? 20 : 0,
  )
})
const stop = async () => {
  await started.close().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('disconnect', () => void stop())
process.send!({ ready: started.ready satisfies Ready })

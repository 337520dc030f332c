/**
 * The event loop's longest stretch held by this thread's own work: the longest gap between
 * ticks of a 2 ms timer (as `monitorEventLoopDelay({ resolution: 2 })` reads them), less the
 * time this thread waited on a run queue for a CPU during the gap. On 2 cores shared with the
 * load generator a server is preempted for several milliseconds now and then; that wait is the
 * host's, not the server's, while a GC pause, a long request or a synchronous write is the
 * server's own and stays in. Kernel work charged to the thread (softirqs, page faults) stays in
 * too, and a virtual machine's stolen time is not seen, so the figure errs toward long.
 * `flush-blocking.test.ts` reads the same counter (`runDelayReader`) for the same reason.
 */
import { runDelayReader } from '../../packages/keyward/test/run-delay.js'

const TICK_MS = 2

/** Starts the probe; `max()` is the longest net gap since the last `reset()` (ms), NaN without `schedstat`. */
export function watchLoopHeld(): { max: () => number; reset: () => void } {
  const runDelay = runDelayReader()
  if (!runDelay) return { max: () => NaN, reset: () => {} }
  let longest = 0
  let wall = performance.now()
  let waited = runDelay()
  setInterval(() => {
    const now = performance.now()
    const w = runDelay()
    longest = Math.max(longest, now - wall - (w - waited) / 1e6)
    wall = now
    waited = w
  }, TICK_MS).unref()
  return { max: () => longest, reset: () => (longest = 0) }
}

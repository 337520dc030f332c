import assert from 'node:assert/strict'
import { PerformanceObserver } from 'node:perf_hooks'

/**
 * The longest of `n` synchronous calls `call(i)`, less the garbage-collection pauses inside it
 * (ms): what the call itself held the event loop for. A test that allocates much (hundreds of
 * thousands of entries) pays mark-compacts of 20–30 ms in whichever call triggers them, which
 * says nothing of the code under test. GC entries arrive after the loop, so long calls are
 * kept and judged then. Descheduling still counts: callers judge the result over several trials.
 */
export async function longestCall(n: number, call: (i: number) => void): Promise<number> {
  const pauses: [number, number][] = []
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push([e.startTime, e.startTime + e.duration])
  })
  gc.observe({ entryTypes: ['gc'] })
  const long: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    call(i)
    const end = performance.now()
    if (end - start > 1) long.push([start, end])
  }
  await new Promise((r) => setTimeout(r, 20)) // the observer's entries are delivered on a later turn
  gc.disconnect()
  const inGc = (a: number, b: number) =>
    pauses.reduce((s, [p, q]) => s + Math.max(0, Math.min(b, q) - Math.max(a, p)), 0)
  return long.reduce((m, [a, b]) => Math.max(m, b - a - inGc(a, b)), 0)
}

/**
 * Asserts that `trial` (a `longestCall`) stays within `boundMs`. One sample per call on a shared
 * machine: a long call must happen in each of three trials to fail. Code that holds the loop does
 * so in every trial; a preempted thread or a burst of page faults (12 µs each on this virtual
 * machine) does not. Two trials were not enough: a run of the parent commit read 8.57 then 8.08 ms
 * on a loaded host where the code under test held for under 1 ms (2026-12-07).
 */
export async function assertLongestCall(what: string, boundMs: number, trial: () => Promise<number>): Promise<void> {
  const seen: number[] = []
  for (let i = 0; i < 3; i++) {
    const longest = await trial()
    if (longest <= boundMs) return
    seen.push(longest)
  }
  assert.fail(
    `the longest ${what} took ${seen.map((ms) => ms.toFixed(2)).join(', then ')} ms (bound ${boundMs}; GC pauses excluded)`,
  )
}

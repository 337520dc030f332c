/** In-process loops, bounded by time. */

/**
 * Operations between two yields to the event loop, the same for every loop. A yield (a
 * setImmediate turn) costs 1.4–3.0 µs, 2–4 % of 64 cached verifications: the verifier loops
 * yielded every 64 operations and the baseline every 1,024, a difference in the baseline's favour
 * (its size is within this machine's noise: 0.48× → 0.54× in one set of runs, 0.47× → 0.51× and
 * once the reverse in a reviewer's, 2026-11-30).
 */
const BATCH = 1_024

/**
 * Runs `op` back to back for about `ms` milliseconds, awaiting what it returns (an `undefined`
 * is not awaited: a synchronous answer costs no promise); returns operations per second.
 */
export async function opsPerSecond(
  ms: number,
  op: () => Promise<unknown> | undefined,
  concurrency = 1,
): Promise<number> {
  let n = 0
  const start = performance.now()
  const end = start + ms
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        // Batches keep the clock out of the measurement.
        for (let i = 0; i < BATCH; i++) {
          const r = op()
          if (r !== undefined) await r
        }
        n += BATCH
        // Yield to the event loop like a real process: timers (usage flush, lru-cache's clock, TTLs) must run.
        await new Promise((r) => setImmediate(r))
      }
    }),
  )
  return n / ((performance.now() - start) / 1000)
}

/** The same, for a synchronous loop (the physical baseline): no await per operation, the same yield per batch. */
export async function syncOpsPerSecond(ms: number, op: () => unknown): Promise<number> {
  let n = 0
  const start = performance.now()
  const end = start + ms
  while (performance.now() < end) {
    for (let i = 0; i < BATCH; i++) op()
    n += BATCH
    await new Promise((r) => setImmediate(r))
  }
  return n / ((performance.now() - start) / 1000)
}

/** The middle sample (the upper of the two middle ones for an even count): the by-hand scripts' and in-process rounds' median. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

/** The p-th percentile (0-100) of samples, in their unit. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

/** In-process loops, bounded by time. */

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
        // Batches of 64 keep the clock out of the measurement.
        for (let i = 0; i < 64; i++) {
          const r = op()
          if (r !== undefined) await r
        }
        n += 64
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
    for (let i = 0; i < 1024; i++) op()
    n += 1024
    await new Promise((r) => setImmediate(r))
  }
  return n / ((performance.now() - start) / 1000)
}

/** The p-th percentile (0-100) of samples, in their unit. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

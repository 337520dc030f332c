import autocannon from 'autocannon'

/** Runs `op` back to back for about `ms` milliseconds; returns operations per second. */
export async function opsPerSecond(ms: number, op: () => unknown, concurrency = 1): Promise<number> {
  let n = 0
  const end = performance.now() + ms
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      // Batches of 64 keep the clock out of the measurement.
      for (let i = 0; i < 64; i++) await op()
      n += 64
    }
  }))
  return n / ((performance.now() - start) / 1000)
}

/** The same, for a synchronous loop (the physical baseline): no await per operation. */
export function syncOpsPerSecond(ms: number, op: () => unknown): number {
  let n = 0
  const start = performance.now()
  const end = start + ms
  while (performance.now() < end) {
    for (let i = 0; i < 1024; i++) op()
    n += 1024
  }
  return n / ((performance.now() - start) / 1000)
}

/** The p-th percentile (0-100) of samples, in their unit. */
export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

/** HTTP load result: requests per second (mean) and latency percentiles (ms). */
export interface LoadResult {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

/** autocannon POST with a JSON body. */
export async function load(url: string, body: unknown, headers: Record<string, string>, connections: number, durationS: number): Promise<LoadResult> {
  const r = await autocannon({
    url, method: 'POST', connections, duration: durationS,
    headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  })
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx }
}

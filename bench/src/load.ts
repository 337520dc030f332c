/**
 * HTTP load with autocannon, each request carrying its own body: `setupRequest`
 * picks the key per request (uniform, Zipf, flood…) from pre-serialized bodies,
 * so the client does one array read per request. The client's own CPU share is
 * measured so a run where the client is the bottleneck shows it.
 */
import autocannon from 'autocannon'
import type { Picker } from './population.js'

/** One load run, as the client saw it. */
export interface LoadResult {
  rps: number
  p50: number
  p99: number
  max: number
  requests: number
  /** Sent but not answered when the run ended (at most one per connection in a healthy run). */
  unanswered: number
  errors: number
  non2xx: number
  /** Client process CPU time / wall time (1.0 = one core saturated). */
  clientCpu: number
}

/** A request shape: where, who, and which key each request presents. */
export interface Shot {
  url: string
  headers: Record<string, string>
  bodies: readonly string[]
  pick: Picker
}

/** Pre-serializes `{ key }` bodies, once per population. */
export function bodiesOf(keys: readonly string[]): string[] {
  return keys.map((key) => JSON.stringify({ key }))
}

/** Runs `connections` connections for `durationS` seconds (or `amount` requests); `fixed`: one body, no per-request setup. */
export async function load(
  shot: Shot,
  connections: number,
  durationS: number,
  amount?: number,
  fixed = false,
): Promise<LoadResult> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const r = await autocannon({
    url: shot.url,
    method: 'POST',
    connections,
    duration: durationS,
    timeout: 10,
    ...(amount && { amount }),
    headers: { 'content-type': 'application/json', ...shot.headers },
    ...(fixed
      ? { body: shot.bodies[0] }
      : { requests: [{ setupRequest: (req) => ((req.body = shot.bodies[shot.pick()]!), req) }] }),
  })
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return {
    rps: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    unanswered: r.requests.sent - r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    clientCpu: (cpu.user + cpu.system) / 1000 / wall,
  }
}

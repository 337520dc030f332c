/**
 * Issue 17: expensive-but-legal listing requests a member may send. One client
 * runs them in a loop while verification is measured; each request has a
 * client-side timeout so the bench ends even when the server does not answer.
 */
import { percentile } from './measure.js'

/** The suite, as paths on the Keyward origin. */
export function adversarialSuite(): { name: string; path: string }[] {
  const ors = Array.from({ length: 120 }, (_, i) => `contains(name,'zz${i}')`).join(' or ')
  return [
    {
      name: 'OData nested lambda',
      path: `/v7/api_key?$filter=${encodeURIComponent("is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))")}&$top=1`,
    },
    { name: '`/v1/keys?q=zzz`', path: '/v1/keys?q=zzz' },
    { name: '120 `or`ed contains', path: `/v7/api_key?$filter=${encodeURIComponent(ors)}&$top=1` },
    { name: '`$orderby=description`', path: '/v7/api_key?$orderby=description&$top=1' },
  ]
}

/** Per request type: how many ran, their statuses, and their durations (timeouts count at the timeout). */
export interface AdversaryStats {
  name: string
  sent: number
  timeouts: number
  statuses: Record<string, number>
  p50Ms: number
  maxMs: number
}

/** Loops the suite against `origin` as `token` until `stop()` resolves or `maxRounds` ran. */
export function runAdversary(origin: string, token: string, timeoutMs: number, maxRounds = 10_000) {
  const suite = adversarialSuite()
  const statuses = (): Record<string, number> => ({})
  const samples = suite.map(() => ({ durations: [] as number[], timeouts: 0, statuses: statuses() }))
  let running = true
  const loop = (async () => {
    for (let round = 0; running && round < maxRounds; round++) {
      for (const [i, req] of suite.entries()) {
        if (!running) break
        const s = samples[i]!
        const t = performance.now()
        try {
          const res = await fetch(origin + req.path, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(timeoutMs),
          })
          await res.arrayBuffer()
          s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1
        } catch {
          s.timeouts++
        }
        s.durations.push(performance.now() - t)
      }
    }
  })()
  return {
    async stop(): Promise<AdversaryStats[]> {
      running = false
      await loop
      return suite.map((req, i) => {
        const s = samples[i]!
        return {
          name: req.name,
          sent: s.durations.length,
          timeouts: s.timeouts,
          statuses: s.statuses,
          p50Ms: percentile(s.durations, 50),
          maxMs: Math.max(0, ...s.durations),
        }
      })
    },
  }
}

import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { after, before, describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { STORES, TestServer } from '../helpers.js'
import { bulkInsertKeys } from './bulk-keys.js'

/** The requests that stalled a node before the read pool: each must answer 2xx/4xx within 5 s. */
const contains120 = Array.from({ length: 120 }, (_, i) => `contains(name,'zq${i}')`).join(' or ')
const ADVERSARIAL: [
  what: string,
  path: string,
  as?: 'admin' | 'member',
  check?: (status: number, body: string) => void,
][] = [
  [
    'OData lambda over every key of every actor',
    `/v7/api_key?$filter=is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))&$top=1`,
  ],
  ['120 contains terms joined by or', `/v7/api_key?$filter=${contains120}&$top=10`],
  ['native search with no match', '/v1/keys?q=zzz'],
  ['native search with no match over all 100,000 keys (admin)', '/v1/keys?q=zzz', 'admin'],
  ['$count with a contains filter', `/v7/api_key/$count?$filter=contains(description,'zz')`],
  ['$orderby on an unindexed column', '/v7/api_key?$orderby=description desc&$top=10'],
  ['huge $skip', '/v7/api_key?$skip=2000000000&$top=10'],
  [
    // Paged per parent in SQL: 2 rows leave the database, not the owner's 20,000 (a 400 "answer too large" before).
    'deep $expand through the owner back to its keys, one per owner',
    '/v7/api_key?$top=2&$expand=is_of__actor($expand=api_key($top=1))',
    'member',
    (status, body) => {
      assert.equal(status, 200, body.slice(0, 300))
      const keys = (JSON.parse(body) as { d: { is_of__actor: { api_key: unknown[] }[] }[] }).d
      assert.deepEqual(
        keys.map((k) => k.is_of__actor.map((a) => a.api_key.length)),
        [[1], [1]],
      )
    },
  ],
]

/** Verifies one key over and over (one request in flight) until stopped; resolves with each latency in ms. */
function verifyStream(base: string, token: string, key: string): { stop(): Promise<number[]> } {
  const latencies: number[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now()
      const r = await fetch(`${base}/v1/keys/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      })
      const body = (await r.json()) as { valid: boolean }
      latencies.push(performance.now() - t0)
      assert.equal(body.valid, true)
    }
  })()
  return {
    stop: async () => {
      stopped = true
      await loop
      return latencies
    },
  }
}

/** The slowest of the verifications made in half a second with nothing else running: what the machine allows. */
async function verifyAlone(base: string, token: string, key: string): Promise<number> {
  const stream = verifyStream(base, token, key)
  await new Promise((r) => setTimeout(r, 500))
  return Math.max(...(await stream.stop()))
}

/**
 * 50 ms, the target, on a machine where verifications alone stay under 15 ms. On one so loaded
 * that they do not (a shared runner: 2 cores, load average 20, where verifications alone took up
 * to 340 ms), scheduling noise dominates, and the bound is what still separates a free event loop
 * from a blocked one: 250 ms or three times the quiet maximum. A heavy read on the event loop
 * held verifications for its whole run: 2 to 43 s.
 */
const latencyBound = (alone: number): number => (alone <= 15 ? 50 : Math.max(250, 3 * alone))

for (const store of STORES) {
  describe(`heavy reads never stall verification (${store}, 100,000 keys)`, () => {
    let s: TestServer
    let base: string
    let member: string
    let adminToken: string
    let other: { token: string; key: string }
    before(async () => {
      s = await TestServer.start(store)
      base = await s.listen()
      const admin = await s.adminToken()
      const heavy = await s.member('heavy', admin)
      const o = await s.member('other', admin)
      other = { token: o.token, key: (await s.createKey(o.token, { name: 'verified' })).key }
      member = heavy.token
      const bulk = await s.member('bulk', admin)
      adminToken = admin
      // Its own connection, without the server's statement budget: loading 100,000 rows is not a request.
      const loader = openStore(s.config.databaseUrl)
      try {
        await bulkInsertKeys(loader, heavy.actorId, 20_000, 'heavy')
        await bulkInsertKeys(loader, bulk.actorId, 80_000, 'bulk')
      } finally {
        await loader.close()
      }
      // Warm the other tenant's verification path (session and key cached), and start both readers, before measuring.
      await verifyStream(base, other.token, other.key).stop()
      await Promise.all(
        [1, 2].map(() => fetch(`${base}/v1/keys?limit=1`, { headers: { authorization: `Bearer ${member}` } })),
      )
    })
    after(() => s?.close())

    for (const [what, path, as, check] of ADVERSARIAL) {
      it(`${what}: answers 2xx/4xx within 5 s while another tenant's verifications stay under 50 ms`, async (t) => {
        const alone = await verifyAlone(base, other.token, other.key)
        const bound = latencyBound(alone)
        const stream = verifyStream(base, other.token, other.key)
        const t0 = performance.now()
        const res = await fetch(base + path, {
          headers: { authorization: `Bearer ${as === 'admin' ? adminToken : member}` },
        })
        const body = await res.text()
        const took = performance.now() - t0
        const latencies = await stream.stop()
        const max = Math.max(...latencies)
        t.diagnostic(
          `${res.status} in ${took.toFixed(0)} ms; ${latencies.length} verifications meanwhile, max ${max.toFixed(1)} ms (alone: max ${alone.toFixed(1)} ms; bound ${bound.toFixed(0)} ms)`,
        )
        assert.ok(res.status >= 200 && res.status < 500, `status ${res.status}: ${body.slice(0, 300)}`)
        check?.(res.status, body)
        assert.ok(took < 5_000, `took ${took} ms`)
        assert.ok(latencies.length >= 1, 'the verification stream ran during the request')
        assert.ok(max <= bound, `a verification took ${max} ms (bound ${bound} ms)`)
      })
    }
  })
}

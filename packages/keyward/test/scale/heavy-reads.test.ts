import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { bulkInsertKeys } from './bulk-keys.js'

/** The requests that stalled a node before the read pool: each must answer 2xx/4xx within 5 s. */
const contains120 = Array.from({ length: 120 }, (_, i) => `contains(name,'zq${i}')`).join(' or ')
const ADVERSARIAL: [what: string, path: string, as?: 'admin'][] = [
  ['OData lambda over every key of every actor', `/v7/api_key?$filter=is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))&$top=1`],
  ['120 contains terms joined by or', `/v7/api_key?$filter=${contains120}&$top=10`],
  ['native search with no match', '/v1/keys?q=zzz'],
  ['native search with no match over all 100,000 keys (admin)', '/v1/keys?q=zzz', 'admin'],
  ['$count with a contains filter', `/v7/api_key/$count?$filter=contains(description,'zz')`],
  ['$orderby on an unindexed column', '/v7/api_key?$orderby=description desc&$top=10'],
  ['huge $skip', '/v7/api_key?$skip=2000000000&$top=10'],
  ['deep $expand through the owner back to its keys', '/v7/api_key?$top=2&$expand=is_of__actor($expand=api_key($top=1))'],
]

/** Verifies one key over and over (one request in flight) until stopped; resolves with each latency in ms. */
function verifyStream(base: string, token: string, key: string): { stop(): Promise<number[]> } {
  const latencies: number[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now()
      const r = await fetch(`${base}/v1/keys/verify`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ key }) })
      const body = await r.json() as { valid: boolean }
      latencies.push(performance.now() - t0)
      assert.equal(body.valid, true)
    }
  })()
  return { stop: async () => { stopped = true; await loop; return latencies } }
}

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
      await bulkInsertKeys(s.kw.services.store, heavy.actorId, 20_000, 'heavy')
      await bulkInsertKeys(s.kw.services.store, bulk.actorId, 80_000, 'bulk')
      // Warm the other tenant's verification path (session and key cached), then measure it alone for a second.
      await verifyStream(base, other.token, other.key).stop()
      const alone = verifyStream(base, other.token, other.key)
      await new Promise((r) => setTimeout(r, 1_000))
      const baseline = await alone.stop()
      console.log(`# ${store}: verifications alone: ${baseline.length}, max ${Math.max(...baseline).toFixed(1)} ms`)
    })
    after(() => s?.close())

    for (const [what, path, as] of ADVERSARIAL) {
      it(`${what}: answers 2xx/4xx within 5 s while another tenant's verifications stay under 50 ms`, async (t) => {
        const stream = verifyStream(base, other.token, other.key)
        const t0 = performance.now()
        const res = await fetch(base + path, { headers: { authorization: `Bearer ${as === 'admin' ? adminToken : member}` } })
        const body = await res.text()
        const took = performance.now() - t0
        const latencies = await stream.stop()
        const max = Math.max(...latencies)
        t.diagnostic(`${res.status} in ${took.toFixed(0)} ms; ${latencies.length} verifications meanwhile, max ${max.toFixed(1)} ms`)
        assert.ok(res.status >= 200 && res.status < 500, `status ${res.status}: ${body.slice(0, 300)}`)
        assert.ok(took < 5_000, `took ${took} ms`)
        assert.ok(latencies.length >= 3, 'the verification stream ran during the request')
        assert.ok(max <= 50, `a verification took ${max} ms`)
      })
    }
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/**
 * Attack: a bounded key (expiring, restricted, limited) re-enables or updates a wider key of
 * the same owner, bringing back or widening a credential that outlives / outreaches it.
 */
for (const store of STORES) {
  describe(`attack: re-enable and update through a bounded key (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
    })
    after(() => s.close())

    const bounds: [string, Record<string, unknown>][] = [
      ['expiry', { expires_at: new Date(Date.now() + 600_000).toISOString() }],
      ['ip_allow', { restrictions: { ip_allow: ['127.0.0.1/32'] } }],
      ['remaining', { remaining: 2 }],
      ['named limit', { ratelimits: [{ name: 'default', limit: 2, window_s: 60 }] }],
    ]

    it('cannot re-enable an unbounded disabled key', async () => {
      for (const [what, b] of bounds) {
        const wide = await s.createKey(alice.token)
        assert.equal((await s.request('POST', `/v1/keys/${wide.id}/disable`, { token: alice.token })).status, 200)
        const producer = await s.createKey(alice.token, { scopes: ['keys:write', 'keys:read'], ...b })
        const r = await s.request('POST', `/v1/keys/${wide.id}/enable`, { token: producer.key })
        assert.ok(r.status === 403 || r.status === 404, `BROKEN ${what}: enable -> ${r.status} ${r.text}`)
        assert.equal((await s.verify(admin, wide.key)).valid, false, `${what}: the wide key verifies again`)
      }
    })

    it('cannot lift limits of another key by PATCH (expiry, restrictions, remaining, ratelimits → null)', async () => {
      for (const [what, b] of bounds) {
        const target = await s.createKey(alice.token, b)
        const producer = await s.createKey(alice.token, { scopes: ['keys:write', 'keys:read'], ...b })
        const lift = Object.fromEntries(Object.keys(b).map((k) => [k, k === 'ratelimits' ? [] : null]))
        const r = await s.request('PATCH', `/v1/keys/${target.id}`, { token: producer.key, body: lift })
        assert.ok(r.status >= 400, `BROKEN ${what}: PATCH ${JSON.stringify(lift)} -> ${r.status} ${r.text}`)
      }
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM, realmSession } from './fixture.js'

// A rolled-away secret keeps verifying for its grace period, then dies. Whoever still
// holds it (the attacker the roll was meant to shut out) must not use that window to
// mint credentials that outlive it: what it produces ends when the grace period ends.
for (const store of STORES) {
  describe(`a secret in its grace period produces nothing that outlives it (${store})`, () => {
    let s: TestServer
    let admin: string
    let old: string
    let current: string
    let graceEndsAt: number
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      // Full rights, so that the Realm face (whose keys have no scopes) may mint with it too.
      const k = await s.createKey(admin, { name: 'ci' })
      old = k.key
      const rolled = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 3600 } })
      assert.equal(rolled.status, 200, rolled.text)
      current = rolled.body.key
      graceEndsAt = Date.now() + 3600_000
    })
    after(() => s.close())

    it('refuses a key without expiry minted with the old secret (403), and creates none', async () => {
      const r = await s.request('POST', '/v1/keys', { token: old, body: { name: 'persist', scopes: ['keys:read'] } })
      assert.equal(r.status, 403, r.text)
      // A new user's find: the message named no time, and the key presented had no expiry of its own.
      assert.match(r.body.error.message, /expire later than this credential, which ends at 20\d\d-\d\d-\d\dT/)
      const list = await s.request('GET', '/v1/keys?q=persist', { token: admin })
      assert.equal(list.body.total, 0)
    })

    it('refuses one that would expire after the grace period, accepts one that ends within it', async () => {
      const late = new Date(graceEndsAt + 3600_000).toISOString()
      const soon = new Date(Date.now() + 600_000).toISOString()
      const body = (expires_at: string) => ({ name: `g-${expires_at}`, scopes: ['keys:read'], expires_at })
      assert.equal((await s.request('POST', '/v1/keys', { token: old, body: body(late) })).status, 403)
      assert.equal((await s.request('POST', '/v1/keys', { token: old, body: body(soon) })).status, 201)
    })

    it('binds a Realm session opened with the old secret the same way', async () => {
      const rt = await realmSession(s, old)
      const r = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: 'realm-persist' } })
      assert.equal(r.status, 403, r.text)
      assert.match(r.text, /expire later/)
    })

    it('leaves the current secret free to mint keys without expiry', async () => {
      const r = await s.request('POST', '/v1/keys', { token: current, body: { name: 'ok', scopes: ['keys:read'] } })
      assert.equal(r.status, 201, r.text)
    })
  })
}

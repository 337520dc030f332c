import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/**
 * Attack: POST /v1/keys/import with `identity_id` set to another tenant's identity.
 * Create and update refuse it with 404 (requireLinkable); does import?
 */
for (const store of STORES) {
  describe(`attack: import links a key to another tenant's identity (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    let bob: { id: number; token: string }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
      bob = await s.member('bob', admin)
    })
    after(() => s.close())

    it("refuses (404) importing a key bound to bob's identity, and bob's credits stay untouched", async () => {
      const ident = await s.request('POST', '/v1/identities', {
        token: bob.token,
        body: { external_id: 'bob-cust', remaining: 5 },
      })
      assert.equal(ident.status, 201, ident.text)
      const theirs = ident.body.id as number
      const plaintext = `kw_attack_${randomBytes(24).toString('hex')}`
      const r = await s.request('POST', '/v1/keys/import', {
        token: alice.token,
        body: { keys: [{ plaintext, name: 'steal', identity_id: theirs }] },
      })
      if (r.status === 201 || r.status === 200) {
        // The key exists: see whether it drains bob's identity credits.
        const v = await s.verify(admin, plaintext)
        const after = await s.request('GET', `/v1/identities/${theirs}`, { token: bob.token })
        assert.fail(
          `BROKEN: import answered ${r.status} ${r.text}; verify=${JSON.stringify(v)}; bob's identity now ${after.text}`,
        )
      }
      assert.equal(r.status, 404, r.text)
    })
  })
}

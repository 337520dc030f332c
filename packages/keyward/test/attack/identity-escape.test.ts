import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM, flux, realmSession } from '../security/fixture.js'

/**
 * Attack: a key bound to an identity (shared credits) tries to leave it: unlink itself, make
 * a child through Realm or Fluxbase that is not bound, or spend more than the identity holds.
 */
for (const store of STORES) {
  describe(`attack: identity-bound key escapes its identity (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    let identityId: number
    let bound: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
      const ident = await s.request('POST', '/v1/identities', {
        token: alice.token,
        body: { external_id: 'cust', remaining: 3 },
      })
      identityId = ident.body.id
      bound = await s.createKey(alice.token, { identity_id: identityId })
    })
    after(() => s.close())

    const identityRemaining = async () =>
      (await s.request('GET', `/v1/identities/${identityId}`, { token: alice.token })).body.remaining as number

    it('cannot unlink itself', async () => {
      const r = await s.request('PATCH', `/v1/keys/${bound.id}`, { token: bound.key, body: { identity_id: null } })
      assert.ok(r.status === 403 || r.status === 404, `BROKEN: ${r.status} ${r.text}`)
    })

    it('a child made through Realm or Fluxbase shares the identity (spends its credits)', async () => {
      const rt = await realmSession(s, bound.key)
      const viaRealm = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: 'via-realm' } })
      const viaFlux = await flux(s, 'POST', '/api-keys', bound.key, { name: 'via-flux', scopes: ['*'] })
      for (const [what, r, key] of [
        ['realm', viaRealm, viaRealm.body?.key],
        ['fluxbase', viaFlux, viaFlux.body?.key],
      ] as const) {
        console.log(`# ${what} child: ${r.status}`)
        if (r.status >= 400) continue
        const before = await identityRemaining()
        const v = await s.verify(admin, key as string)
        if (v.valid)
          assert.equal(await identityRemaining(), before - 1, `BROKEN ${what}: child escaped the identity ${r.text}`)
      }
    })

    it("a cost above the identity's credits is refused and takes nothing from the key's own remaining", async () => {
      const k = await s.createKey(alice.token, { identity_id: identityId, remaining: 100 })
      const left = await identityRemaining()
      const r = await s.request('POST', '/v1/keys/verify', { token: admin, body: { key: k.key, cost: left + 1 } })
      assert.equal(r.body.valid, false, `BROKEN: ${r.text}`)
      const view = await s.request('GET', `/v1/keys/${k.id}`, { token: alice.token })
      assert.equal(view.body.remaining, 100, 'partial consumption: the key paid for a refused request')
      assert.equal(await identityRemaining(), left)
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM, flux, realmSession, tryCreateAdmin, verifies } from './fixture.js'

// Finding 1: a key scoped only `keys:write` rolled a full-rights key of the same
// owner, received its secret, and created an admin with it. Rolling, enabling and
// changing the scopes, limits or expiry of a key need every right that key has.
for (const store of STORES) {
  describe(`a narrower credential cannot take over a wider key (${store})`, () => {
    let s: TestServer
    let admin: string
    let full: { key: string; id: number }
    let writer: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      full = await s.createKey(admin, { name: 'full-rights' })
      writer = await s.createKey(admin, { name: 'writer', scopes: ['keys:write', 'keys:read'] })
    })
    after(() => s.close())

    it('refuses to roll a full-rights key with a keys:write key (403), and the full key keeps its secret', async () => {
      const r = await s.request('POST', `/v1/keys/${full.id}/roll`, { token: writer.key, body: {} })
      assert.equal(r.status, 403, r.text)
      assert.equal(r.body.error.code, 'forbidden')
      assert.equal(r.body.key, undefined, 'no secret in the refusal')
      assert.ok(await verifies(s, admin, full.key), 'the full key still works: nothing was rolled')
      assert.equal(await tryCreateAdmin(s, writer.key, 'roll'), 403)
    })

    it('refuses to widen, un-limit, un-expire or re-enable a wider key through /v1', async () => {
      const attempts: [string, string, unknown?][] = [
        ['PATCH', `/v1/keys/${full.id}`, { scopes: ['keys:write'] }],
        ['PATCH', `/v1/keys/${full.id}`, { rate_limit: { limit: 1, window_s: 60 } }],
        ['PATCH', `/v1/keys/${full.id}`, { expires_at: '2099-01-01T00:00:00Z' }],
        ['POST', `/v1/keys/${full.id}/enable`],
      ]
      for (const [method, url, body] of attempts) {
        const r = await s.request(method, url, { token: writer.key, body })
        assert.equal(r.status, 403, `${method} ${url} ${JSON.stringify(body)}: ${r.text}`)
      }
      const after = await s.request('GET', `/v1/keys/${full.id}`, { token: admin })
      assert.deepEqual([after.body.scopes, after.body.rate_limit, after.body.expires_at], [[], null, null])
    })

    it('refuses to re-enable a disabled full-rights key (native and Realm) with a narrower credential', async () => {
      const victim = await s.createKey(admin, { name: 'disabled-full' })
      assert.equal((await s.request('POST', `/v1/keys/${victim.id}/disable`, { token: admin })).status, 200)
      assert.equal((await s.request('POST', `/v1/keys/${victim.id}/enable`, { token: writer.key })).status, 403)
      const rt = await realmSession(s, writer.key)
      const realm = await s.request(
        'PUT',
        `${REALM}/auth/api_keys/${victim.id.toString(16).padStart(24, '0')}/enable`,
        { token: rt },
      )
      assert.equal(realm.status, 403, realm.text)
      assert.equal(await verifies(s, admin, victim.key), false, 'still disabled')
    })

    it('refuses to change a wider key through Fluxbase PATCH and balena OData PATCH', async () => {
      const fluxWriter = await s.createKey(admin, {
        name: 'flux-writer',
        scopes: ['write:clientkeys', 'read:clientkeys'],
      })
      const f = await flux(s, 'PATCH', `/api-keys/${full.id}`, fluxWriter.key, { rate_limit_per_minute: 5 })
      assert.equal(f.status, 403, f.text)
      const b = await s.request('PATCH', `/v7/api_key(${full.id})`, {
        token: writer.key,
        body: { expiry_date: '2099-01-01T00:00:00Z' },
      })
      assert.ok(b.status === 401 || b.status === 403, `balena refuses: ${b.status} ${b.text}`)
      const after = await s.request('GET', `/v1/keys/${full.id}`, { token: admin })
      assert.deepEqual([after.body.rate_limit, after.body.expires_at], [null, null])
    })

    it('still lets a credential roll and manage keys it covers', async () => {
      const narrow = await s.createKey(writer.key, { name: 'narrow', scopes: ['keys:read'] })
      const r = await s.request('POST', `/v1/keys/${narrow.id}/roll`, { token: writer.key, body: {} })
      assert.equal(r.status, 200, r.text)
      assert.equal(
        (await s.request('PATCH', `/v1/keys/${narrow.id}`, { token: writer.key, body: { scopes: ['keys:write'] } }))
          .status,
        200,
      )
      assert.equal(
        (await s.request('POST', `/v1/keys/${full.id}/roll`, { token: admin, body: {} })).status,
        200,
        'the admin session holds all rights',
      )
    })
  })
}

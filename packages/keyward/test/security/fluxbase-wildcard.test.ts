import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { flux, tryCreateAdmin } from './fixture.js'

// Finding 3: a key scoped `*` created a key through /api/v1/api-keys that then
// created an admin. On the Fluxbase face `*` means "every Fluxbase management
// scope" and nothing more: it never becomes Keyward's full native rights.
for (const store of STORES) {
  describe(`Fluxbase "*" is a management label, not full rights (${store})`, () => {
    let s: TestServer
    let admin: string
    let star: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      star = await s.createKey(admin, { name: 'star', scopes: ['*'] })
    })
    after(() => s.close())

    it('refuses a full-rights key (no scopes) created by a "*" key, on both key families', async () => {
      for (const path of ['/api-keys', '/client-keys']) {
        const r = await flux(s, 'POST', path, star.key, { name: 'escalate' })
        assert.equal(r.status, 403, `${path}: ${r.text}`)
        assert.equal(r.body.code, 'FORBIDDEN')
        assert.equal(r.body.key, undefined)
      }
    })

    it('refuses native scopes the "*" key does not hold, and the admin user is never created', async () => {
      const r = await flux(s, 'POST', '/api-keys', star.key, {
        name: 'escalate',
        scopes: ['users:write', 'keys:write'],
      })
      assert.equal(r.status, 403, r.text)
      assert.equal(await tryCreateAdmin(s, star.key, 'star'), 403)
    })

    it('still manages keys with "*": creates a "*" key, whose native rights are no wider', async () => {
      const r = await flux(s, 'POST', '/api-keys', star.key, { name: 'child', scopes: ['*'] })
      assert.equal(r.status, 201, r.text)
      assert.deepEqual(r.body.api_key.scopes, ['*'])
      assert.equal(await tryCreateAdmin(s, r.body.key, 'child'), 403)
      assert.equal(
        (await s.request('GET', '/v1/keys', { token: r.body.key })).status,
        403,
        'no native keys:read either',
      )
      assert.equal((await flux(s, 'GET', '/api-keys', r.body.key)).status, 200, 'but Fluxbase management works')
    })

    it('never hands out the native scope a Fluxbase label stands for (write:clientkeys does not make keys:write keys)', async () => {
      const fluxWriter = await s.createKey(admin, {
        name: 'flux-writer',
        scopes: ['write:clientkeys', 'read:clientkeys'],
      })
      for (const scopes of [['keys:write'], ['keys:read'], ['*']]) {
        const r = await flux(s, 'POST', '/api-keys', fluxWriter.key, { name: `native-${scopes[0]}`, scopes })
        assert.equal(r.status, 403, `${scopes.join(',')}: ${r.text}`)
      }
      const same = await flux(s, 'POST', '/api-keys', fluxWriter.key, {
        name: 'same-labels',
        scopes: ['write:clientkeys'],
      })
      assert.equal(same.status, 201, same.text)
      const starNative = await flux(s, 'POST', '/api-keys', star.key, { name: 'star-native', scopes: ['keys:write'] })
      assert.equal(starNative.status, 403, starNative.text)
    })

    it('refuses to widen a scoped key into full rights through Fluxbase PATCH', async () => {
      const child = await s.createKey(admin, { name: 'narrow', scopes: ['read:tables'] })
      const r = await flux(s, 'PATCH', `/api-keys/${child.id}`, star.key, { scopes: ['users:write'] })
      assert.equal(r.status, 403, r.text)
      const got = await s.request('GET', `/v1/keys/${child.id}`, { token: admin })
      assert.deepEqual(got.body.scopes, ['read:tables'])
    })
  })
}

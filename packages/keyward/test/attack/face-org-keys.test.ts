import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Realm's `user.apiKeys` and Fluxbase's key routes manage a person's own user keys only; every other key
 * answers 404 like a missing one. They told keys apart by `kind`, which is `user` for an organization's
 * own keys too: an organization key was read, disabled, enabled and deleted through them (with the
 * organization's rights, no more), and Fluxbase showed the organization's id as its `user_id`, the id of
 * some other user (an attacker's find). They now look at the key's owner.
 */
for (const store of STORES) {
  describe(`attack: an organization's key through the faces that manage user keys (${store})`, () => {
    const t = serverForSuite(store)
    let owner: { token: string }
    let orgKey: number
    let realmRefresh: string
    before(async () => {
      owner = await t.s.member('owner', t.admin)
      const org = await t.s.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Org', handle: 'org-keys' },
      })
      orgKey = (await t.s.createKey(owner.token, { name: 'shared', owner: { kind: 'organization', id: org.body.id } }))
        .id
      const login = await t.s.request('POST', '/api/client/v2.0/app/x/auth/providers/local-userpass/login', {
        body: { username: 'owner@example.com', password: 'owner-password-1' },
      })
      realmRefresh = login.body.refresh_token
    })

    it('Realm: 404 for every call on it, as for a missing key', async () => {
      const realmId = String(orgKey).padStart(24, '0')
      for (const [method, path] of [
        ['GET', ''],
        ['PUT', '/disable'],
        ['PUT', '/enable'],
        ['DELETE', ''],
      ] as const) {
        const r = await t.s.request(method, `/api/client/v2.0/auth/api_keys/${realmId}${path}`, { token: realmRefresh })
        assert.equal(r.status, 404, `BROKEN: ${method} ${path}: ${r.status} ${r.text}`)
      }
    })

    it('Fluxbase: 404 for every call on it, on both key families', async () => {
      for (const family of ['api-keys', 'client-keys']) {
        for (const [method, path, body] of [
          ['GET', '', undefined],
          ['PATCH', '', { name: 'renamed' }],
          ['POST', '/revoke', {}],
          ['DELETE', '', undefined],
        ] as const) {
          const r = await t.s.request(method, `/api/v1/${family}/${orgKey}${path}`, { token: owner.token, body })
          assert.equal(r.status, 404, `BROKEN: ${family} ${method} ${path}: ${r.status} ${r.text}`)
        }
      }
      const k = await t.s.request('GET', `/v1/keys/${orgKey}`, { token: owner.token })
      assert.equal(k.body.status, 'active', 'control: the key is untouched')
      assert.equal(k.body.name, 'shared')
    })
  })
}

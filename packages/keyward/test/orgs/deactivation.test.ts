import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, expectStatus, join, orgWorld } from './fixture.js'

/**
 * Where organizations meet the user lifecycle: deactivating a person disables their own keys and
 * their personal organization's, never a shared organization's (even the keys they created), and
 * at once, with the keys already in the verify cache.
 */
for (const store of STORES) {
  describe(`deactivation and organizations (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
    })
    after(() => s?.close())

    /** A fresh member of acme (role `admin`, so they may create its keys and applications), signed in. */
    const acmeAdmin = async (name: string) => {
      const u = await s.member(name, w.admin)
      const p = { ...u, email: `${name}@example.com`, password: `${name}-password-1` }
      await join(s, w.owner.token, w.acme.id, p, 'admin')
      return p
    }
    const personalOrg = async (token: string): Promise<number> => {
      const r = await s.request('GET', '/v1/organizations', { token })
      return r.body.organizations.find((o: { personal: boolean }) => o.personal).id
    }
    const status = async (key: string) => {
      const r = await s.verify(w.admin, key)
      return r.valid ? 'VALID' : r.code
    }

    it("a member's deactivation disables their personal keys, not the shared organization's they created", async () => {
      const u = await acmeAdmin(`deact${store}`)
      const app = await s.request('POST', '/v1/applications', {
        token: u.token,
        body: { name: 'shared-fleet', organization_id: w.acme.id },
      })
      expectStatus(app, 201, 'app in acme')
      const shared = [
        await s.createKey(u.token, { owner: { kind: 'organization', id: w.acme.id } }),
        await s.createKey(u.token, { owner: { kind: 'application', id: app.body.id } }),
      ]
      const personal = [
        await s.createKey(u.token),
        await s.createKey(u.token, { owner: { kind: 'organization', id: await personalOrg(u.token) } }),
      ]
      // Verified once first, so every answer below must come through the cache's eviction.
      for (const k of [...shared, ...personal]) assert.equal(await status(k.key), 'VALID')

      expectStatus(await s.request('POST', `/v1/users/${u.id}/deactivate`, { token: w.admin }), 200, 'deactivate')
      for (const k of shared)
        assert.equal(await status(k.key), 'VALID', 'a shared organization key outlives its creator')
      for (const k of personal) assert.equal(await status(k.key), 'DISABLED', 'a personal key dies with its person')

      expectStatus(await s.request('POST', `/v1/users/${u.id}/reactivate`, { token: w.admin }), 200, 'reactivate')
      for (const k of [...shared, ...personal]) assert.equal(await status(k.key), 'VALID')
    })
  })
}

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

    it('reads and listings show the status verify answers while the person is deactivated or deleted', async () => {
      const u = await acmeAdmin(`listed${store}`)
      const mine = await personalOrg(u.token)
      const app = await s.request('POST', '/v1/applications', {
        token: u.token,
        body: { name: `own-fleet-${store}`, organization_id: mine },
      })
      expectStatus(app, 201, 'app in the personal organization')
      const device = await s.request('POST', '/v1/devices', { token: u.token, body: { application_id: app.body.id } })
      expectStatus(device, 201, 'device of that app')
      const tag = `listed-${store}`
      const key = (name: string, owner?: { kind: string; id: number }) =>
        s.createKey(u.token, { name: `${tag}-${name}`, ...(owner && { owner }) })
      const shared = await key('shared', { kind: 'organization', id: w.acme.id })
      // Every branch of the person join: the user's own, the personal organization's, its application's, its device's.
      const own = await key('own')
      const orgKey = await key('org', { kind: 'organization', id: mine })
      const appKey = await key('app', { kind: 'application', id: app.body.id })
      const deviceKey = await key('device', { kind: 'device', id: device.body.id })
      const expired = await key('expired')
      const past = new Date(Date.now() - 60_000).toISOString()
      const patched = await s.request('PATCH', `/v1/keys/${expired.id}`, { token: u.token, body: { expires_at: past } })
      expectStatus(patched, 200, 'expire a key')
      const personal = [own, orgKey, appKey, deviceKey, expired]
      const byStatus = async (st: string) => {
        const r = await s.request('GET', `/v1/keys?q=${tag}&status=${st}`, { token: w.admin })
        expectStatus(r, 200, `list ${st}`)
        assert.equal(r.body.total, r.body.api_keys.length, `${st}: total counts what is listed`)
        return r.body.api_keys.map((k: { id: number }) => k.id).sort()
      }
      const read = async (id: number) => (await s.request('GET', `/v1/keys/${id}`, { token: w.admin })).body
      const ids = (ks: { id: number }[]) => ks.map((k) => k.id).sort()
      const expectPaused = async (k: { id: number; key: string }) => {
        assert.equal(await status(k.key), 'DISABLED', `key ${k.id}`)
        const view = await read(k.id)
        assert.equal(view.status, 'disabled', `key ${k.id}: a read says what verify answers`)
        assert.equal(view.disabled_at, null, `key ${k.id}: its own switch is untouched`)
        assert.equal(typeof view.user_deactivated_at, 'string', `key ${k.id}: and why it is disabled`)
      }

      assert.deepEqual(await byStatus('expired'), [expired.id])
      expectStatus(await s.request('POST', `/v1/users/${u.id}/deactivate`, { token: w.admin }), 200, 'deactivate')
      for (const k of personal) await expectPaused(k)
      const fluxbase = await s.request('GET', `/api/v1/api-keys/${own.id}`, { token: w.admin })
      expectStatus(fluxbase, 200, 'the Fluxbase face')
      assert.equal(typeof fluxbase.body.disabled_at, 'string', 'Fluxbase has no status: disabled since then')
      assert.equal((await read(shared.id)).status, 'active', 'a shared organization key outlives its creator')
      assert.equal((await read(shared.id)).user_deactivated_at, null)
      assert.deepEqual(await byStatus('active'), [shared.id])
      assert.deepEqual(await byStatus('disabled'), ids(personal), 'expired and paused reads disabled, as verify says')
      assert.deepEqual(await byStatus('expired'), [])

      // Disabled by hand while the person is away: reactivation restores only what was live.
      expectStatus(await s.request('POST', `/v1/keys/${appKey.id}/disable`, { token: w.admin }), 200, 'disable')
      expectStatus(await s.request('POST', `/v1/users/${u.id}/reactivate`, { token: w.admin }), 200, 'reactivate')
      assert.deepEqual(await byStatus('active'), ids([shared, own, orgKey, deviceKey]))
      assert.deepEqual(await byStatus('disabled'), [appKey.id])
      assert.deepEqual(await byStatus('expired'), [expired.id])
      assert.equal((await read(own.id)).user_deactivated_at, null)

      // Deleted: the user's own keys are revoked; the personal organization's stay paused, listed as verify answers.
      const again = await s.login(u.email, u.password) // deactivation ended the person's sessions
      const later = await s.createKey(again, { name: `${tag}-later`, owner: { kind: 'application', id: app.body.id } })
      expectStatus(await s.request('DELETE', `/v1/users/${u.id}`, { token: w.admin }), 204, 'delete')
      assert.equal(await status(own.key), 'REVOKED')
      for (const k of [orgKey, deviceKey, later]) await expectPaused(k)
      assert.deepEqual(await byStatus('active'), [shared.id])
      assert.deepEqual(await byStatus('disabled'), ids([orgKey, appKey, deviceKey, later]))
      assert.deepEqual(await byStatus('revoked'), ids([own, expired]))
    })
  })
}

import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { type OrgWorld, expectStatus, join, orgWorld } from '../orgs/fixture.js'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'

/**
 * An organization key acts at most as its maker would, as a member (DESIGN.md, "An organization key acts for the
 * person who made it"); once its maker is removed, made a viewer or deactivated, it "manages nothing". The fix for
 * helper-122 (`AuthService.makerOf`) only stops it on the organization's *own* keys (`manageSelfOrg`): the keys of
 * the organization's applications and devices, and the devices themselves, are still its to roll, make and delete.
 */
for (const store of STORES) {
  describe(`attack: a removed or demoted maker's organization key and the fleet (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = t.s
      w = await orgWorld(s)
    })

    for (const leave of ['removed', 'viewer'] as const) {
      it(`once its maker is ${leave === 'removed' ? 'removed' : 'made a viewer'}, it rolls, makes and deletes nothing of the fleet`, async () => {
        const name = leave === 'removed' ? 'remy' : 'vivi'
        const u = await s.member(name, w.admin)
        const p = { ...u, email: `${name}@example.com`, password: `${name}-password-1` }
        await join(s, w.owner.token, w.acme.id, p, 'member')
        const token = await s.login(p.email, p.password)
        const orgKey = await s.createKey(token, { owner: { kind: 'organization', id: w.acme.id } })
        // The owner's device key (a production credential of the fleet), made before.
        const devKey = await s.createKey(w.owner.token, { owner: { kind: 'device', id: w.acme.deviceId } })
        const dev = await s.request('POST', '/v1/devices', {
          token: w.owner.token,
          body: { application_id: w.acme.appId },
        })
        expectStatus(dev, 201, 'a second device')
        const r =
          leave === 'removed'
            ? await s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${u.id}`, { token: w.owner.token })
            : await s.request('PATCH', `/v1/organizations/${w.acme.id}/members/${u.id}`, {
                token: w.owner.token,
                body: { role: 'viewer' },
              })
        assert.ok(r.status === 200 || r.status === 204, r.text)
        // Control: its maker, as she is now, is refused all of it.
        if (leave === 'viewer') {
          const self = await s.request('POST', `/v1/keys/${devKey.id}/roll`, { token, body: {} })
          expectStatus(self, 403, 'the viewer herself rolling the device key')
        }
        // What the organization tells the key it may do (the dashboard's buttons) agrees: nothing.
        const seen = await s.request('GET', `/v1/organizations/${w.acme.id}`, { token: orgKey.key })
        expectStatus(seen, 200, 'the key still reads its organization')
        assert.deepEqual(
          Object.entries(seen.body.can).filter(([, may]) => may),
          [],
          'no ability is left',
        )
        const roll = await s.request('POST', `/v1/keys/${devKey.id}/roll`, { token: orgKey.key, body: {} })
        const made = await s.request('POST', '/v1/keys', {
          token: orgKey.key,
          body: { name: 'after', owner: { kind: 'device', id: w.acme.deviceId } },
        })
        const del = await s.request('DELETE', `/v1/devices/${dev.body.id}`, { token: orgKey.key })
        assert.deepEqual(
          { roll: roll.status, made: made.status, deleteDevice: del.status },
          { roll: 403, made: 403, deleteDevice: 403 },
          `roll: ${roll.text}\nmade: ${made.text}\ndelete: ${del.text}`,
        )
      })
    }

    it('once its maker is removed, it lifts no shared limit of an identity the fleet owns', async () => {
      const u = await s.member('ida', w.admin)
      const p = { ...u, email: 'ida@example.com', password: 'ida-password-1' }
      await join(s, w.owner.token, w.acme.id, p, 'member')
      const token = await s.login(p.email, p.password)
      const orgKey = await s.createKey(token, { owner: { kind: 'organization', id: w.acme.id } })
      // The owner's backend (the application's key) keeps a customer's shared limit as an identity.
      const appKey = await s.createKey(w.owner.token, { owner: { kind: 'application', id: w.acme.appId } })
      const identity = await s.request('POST', '/v1/identities', {
        token: appKey.key,
        body: { external_id: 'cust', ratelimits: [{ name: 'requests', limit: 1, window_s: 3600, auto_apply: true }] },
      })
      expectStatus(identity, 201, 'the identity')
      const gone = await s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${u.id}`, { token: w.owner.token })
      expectStatus(gone, 204, 'remove ida')
      const lift = await s.request('PATCH', `/v1/identities/${identity.body.id}`, {
        token: orgKey.key,
        body: { ratelimits: [{ name: 'requests', limit: 1000000, window_s: 1, auto_apply: true }] },
      })
      const del = await s.request('DELETE', `/v1/identities/${identity.body.id}`, { token: orgKey.key })
      assert.deepEqual(
        { lift: lift.status, del: del.status },
        { lift: 403, del: 403 },
        `lift: ${lift.text}\ndelete: ${del.text}`,
      )
    })
  })
}

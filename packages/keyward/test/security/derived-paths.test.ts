import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM, realmSession } from './fixture.js'

// The other ways a credential is produced from another: Realm's key routes from
// a scoped key's session, balena's /api-key routes, device registration with a
// provisioning key, keys for applications and devices, and "no scopes" (full
// rights). Each must stay within the producing credential's rights.
for (const store of STORES) {
  describe(`every face keeps derived keys within their producer (${store})`, () => {
    let s: TestServer
    let admin: string
    let member: { id: number; token: string }
    let app: { id: number }
    let otherApp: { id: number }
    let scoped: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      member = await s.member('maria', admin)
      app = (await s.request('POST', '/v1/applications', { token: member.token, body: { name: 'fleet' } })).body
      otherApp = (await s.request('POST', '/v1/applications', { token: member.token, body: { name: 'other' } })).body
      scoped = await s.createKey(member.token, {
        name: 'scoped',
        scopes: ['keys:write', 'keys:read', 'devices:write', 'devices:read'],
      })
    })
    after(() => s.close())

    it('refuses full-rights keys (no scopes) to a scoped caller, for itself, an application or a device (native 403)', async () => {
      const device = (await s.request('POST', '/v1/devices', { token: member.token, body: { application_id: app.id } }))
        .body
      for (const owner of [undefined, { kind: 'application', id: app.id }, { kind: 'device', id: device.id }]) {
        const r = await s.request('POST', '/v1/keys', {
          token: scoped.key,
          body: { name: `full-${owner?.kind ?? 'self'}`, scopes: [], ...(owner && { owner }) },
        })
        assert.equal(r.status, 403, `${JSON.stringify(owner)}: ${r.text}`)
      }
      const narrow = await s.request('POST', '/v1/keys', {
        token: scoped.key,
        body: { name: 'narrow-app', owner: { kind: 'application', id: app.id }, scopes: ['devices:write'] },
      })
      assert.equal(narrow.status, 201, narrow.text)
    })

    it('refuses a key from a Realm session opened with a scoped key (Realm keys have full rights)', async () => {
      const rt = await realmSession(s, scoped.key)
      const r = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: 'via-realm' } })
      assert.equal(r.status, 403, r.text)
      assert.equal(r.body.key, undefined)
    })

    it('refuses balena /api-key creations wider than a scoped key (balena answers 401)', async () => {
      const paths: [string, unknown][] = [
        ['/api-key/user/full', { name: 'b-full' }],
        [`/api-key/application/${app.id}/provisioning`, {}],
        [
          '/api-key/v2',
          { actorType: 'application', actorTypeId: app.id, roles: ['provisioning-api-key'], expiryDate: null },
        ],
      ]
      for (const [path, body] of paths) {
        const r = await s.request('POST', path, { token: scoped.key, body })
        assert.equal(r.status, 401, `${path}: ${r.text}`)
      }
    })

    it('refuses balena keys that outlive an expiring key, and accepts ones that do not', async () => {
      const expiring = await s.createKey(member.token, { name: 'expiring', expires_at: '2090-01-01T00:00:00Z' })
      assert.equal(
        (await s.request('POST', '/api-key/user/full', { token: expiring.key, body: { name: 'forever' } })).status,
        401,
      )
      const ok = await s.request('POST', '/api-key/user/full', {
        token: expiring.key,
        body: { name: 'shorter', expiryDate: '2089-01-01T00:00:00Z' },
      })
      assert.equal(ok.status, 200, ok.text)
    })

    it("gives a registered device the provisioning key's scopes, in its application only", async () => {
      const prov = await s.createKey(member.token, {
        owner: { kind: 'application', id: app.id },
        scopes: ['devices:write', 'keys:write'],
        expires_at: '2090-01-01T00:00:00Z',
      })
      const uuid = randomBytes(16).toString('hex')
      const reg = await s.request('POST', '/device/register', {
        token: prov.key,
        body: { application: app.id, uuid, device_type: 'raspberrypi4-64' },
      })
      assert.equal(reg.status, 201, reg.text)
      const who = await s.request('GET', '/v1/auth/whoami', { token: reg.body.api_key })
      assert.deepEqual(who.body.scopes, ['devices:write', 'keys:write'], "never the device's full rights")
      assert.equal(who.body.api_key.expires_at, null, 'a device key lives as long as its device (balena)')
      const elsewhere = await s.request('POST', '/device/register', {
        token: prov.key,
        body: { application: otherApp.id, uuid: randomBytes(16).toString('hex'), device_type: 'x' },
      })
      assert.equal(elsewhere.status, 401)
    })

    it('refuses an application key a device key of another application (404) and a wider one of its own (403)', async () => {
      const prov = await s.createKey(member.token, {
        owner: { kind: 'application', id: app.id },
        scopes: ['keys:write'],
      })
      const foreign = (
        await s.request('POST', '/v1/devices', { token: member.token, body: { application_id: otherApp.id } })
      ).body
      const own = (await s.request('POST', '/v1/devices', { token: member.token, body: { application_id: app.id } }))
        .body
      const r = await s.request('POST', '/v1/keys', {
        token: prov.key,
        body: { name: 'f', owner: { kind: 'device', id: foreign.id }, scopes: ['keys:write'] },
      })
      assert.equal(r.status, 404, r.text)
      const wide = await s.request('POST', '/v1/keys', {
        token: prov.key,
        body: { name: 'w', owner: { kind: 'device', id: own.id }, scopes: ['keys:write', 'devices:write'] },
      })
      assert.equal(wide.status, 403, wide.text)
    })
  })
}

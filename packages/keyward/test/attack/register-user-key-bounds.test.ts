import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { IdentityAccess } from '../../src/services/policies/identity-access.js'
import { STORES, TestServer } from '../helpers.js'

/**
 * A device key lives with its device, not with the provisioning key that registered it (balena's
 * semantics: the `registration` derivation, bounds do not bind). Found by an attacker: any other
 * key got that exemption too — a user's key with a budget, an expiry and an identity registered
 * a device whose key had none of them, the unbounded twin the derivation rule refuses on
 * `POST /v1/keys`. Only an application's (provisioning) key registers under `registration`.
 */
for (const store of STORES) {
  describe(`attack: a bounded user key registers no unbounded device key (${store})`, () => {
    let s: TestServer
    let alice: { id: number; token: string }
    let appId: number
    before(async () => {
      s = await TestServer.start(store)
      alice = await s.member('alice', await s.adminToken())
      const app = await s.request('POST', '/v1/applications', { token: alice.token, body: { name: 'fleet' } })
      assert.equal(app.status, 201, app.text)
      appId = app.body.id
    })
    after(() => s?.close())
    const register = (token: string, apiKey?: string) =>
      s.request('POST', '/device/register', {
        token,
        body: { application: appId, uuid: randomBytes(16).toString('hex'), device_type: 'rpi', api_key: apiKey },
      })
    const scopes = ['invoices:read', 'keys:write', 'devices:write']

    it('a user key with a budget or an expiry is refused as POST /v1/keys refuses its unbounded twin', async () => {
      for (const bounds of [{ remaining: 3 }, { expires_at: new Date(Date.now() + 3_600_000).toISOString() }]) {
        const bounded = await s.createKey(alice.token, { scopes, ...bounds })
        const twin = await s.request('POST', '/v1/keys', {
          token: bounded.key,
          body: { name: 'twin', scopes: ['invoices:read'] },
        })
        assert.equal(twin.status, 403, `control: ${twin.text}`)
        for (const chosen of [undefined, `device-${randomBytes(20).toString('hex')}`]) {
          const r = await register(bounded.key, chosen)
          // The balena face answers `forbidden` with 401, as balena does (its ErrorCode table).
          assert.equal(r.status, 401, `BROKEN ${JSON.stringify(bounds)}: ${r.status} ${r.text}`)
          assert.equal(r.body.error, 'forbidden', r.text)
          assert.match(r.body.message, /this credential cannot create this key/)
        }
      }
    })

    it('nor one hop away: a bounded user key makes no provisioning key (found by a reviewer)', async () => {
      const bounded = await s.createKey(alice.token, { scopes, remaining: 3 })
      const provisioning = await s.request('POST', '/v1/keys', {
        token: bounded.key,
        body: {
          name: 'provisioning',
          owner: { kind: 'application', id: appId },
          scopes: ['invoices:read'],
          remaining: 1,
        },
      })
      assert.equal(provisioning.status, 403, `BROKEN: ${provisioning.text}`)
      assert.match(provisioning.body.error.message, /application's key/)
    })

    it("nor by import: a bounded user key imports no provisioning key (a tester's find)", async () => {
      const bounded = await s.createKey(alice.token, {
        scopes,
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      })
      const plaintext = `kw_import_${randomBytes(24).toString('hex')}`
      const expires_at = new Date(Date.now() + 50_000).toISOString()
      const imported = await s.request('POST', '/v1/keys/import', {
        token: bounded.key,
        body: {
          keys: [{ plaintext, owner: { kind: 'application', id: appId }, scopes: ['invoices:read'], expires_at }],
        },
      })
      assert.equal(imported.status, 403, `BROKEN: ${imported.text}`)
      assert.match(imported.body.error.message, /application's key/)
      assert.equal((await register(plaintext)).status, 401, 'the provisioning key exists')
    })

    it("nor by rolling one: a bounded key takes no provisioning secret (a reviewer's find)", async () => {
      // The provisioning key expires before the bounded key: the bounded key covers it, as a roll asks.
      const provisioning = await s.createKey(alice.token, {
        owner: { kind: 'application', id: appId },
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      })
      const bounded = await s.createKey(alice.token, {
        expires_at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      })
      const rolled = await s.request('POST', `/v1/keys/${provisioning.id}/roll`, { token: bounded.key, body: {} })
      assert.equal(rolled.status, 403, `BROKEN: ${rolled.text}`)
      assert.equal((await register(provisioning.key)).status, 201, 'the provisioning secret still works')
      // Rolling itself hands out nothing it lacked: allowed, bounds and all (a second reviewer's find).
      const self = await s.request('POST', `/v1/keys/${provisioning.id}/roll`, { token: provisioning.key, body: {} })
      assert.equal(self.status, 200, self.text)
      assert.notEqual(self.body.api_key.expires_at, null, 'its expiry stays')
    })

    it("a rolled-away provisioning secret registers no device in its grace period (a tester's find)", async () => {
      const provisioning = await s.createKey(alice.token, { owner: { kind: 'application', id: appId } })
      const rolled = await s.request('POST', `/v1/keys/${provisioning.id}/roll`, {
        token: alice.token,
        body: { grace_period_s: 60 },
      })
      assert.equal(rolled.status, 200, rolled.text)
      const r = await register(provisioning.key)
      // balena's face answers a refused registration 401, as balenaCloud does.
      assert.equal(r.status, 401, `BROKEN: a device key that outlives the grace period: ${r.text}`)
      assert.match(r.text, /rolled-away/)
      assert.equal((await register(rolled.body.key)).status, 201, 'the new secret registers')
    })

    it("a device key stays in its provisioning key's identity: the customer's shared credits bind it", async () => {
      // The identity is the fleet's organization's: a key joins only an identity of its own organization.
      const fleet = await s.request('GET', `/v1/applications/${appId}`, { token: alice.token })
      const orgKey = await s.createKey(alice.token, { owner: { kind: 'organization', id: fleet.body.organization_id } })
      const made = await s.request('POST', '/v1/identities', {
        token: orgKey.key,
        body: { external_id: 'customer-fleet', remaining: 3 },
      })
      assert.equal(made.status, 201, made.text)
      const provisioning = await s.createKey(alice.token, {
        owner: { kind: 'application', id: appId },
        identity_id: made.body.id,
      })
      const chosen = `device-${randomBytes(20).toString('hex')}`
      const generated = await register(provisioning.key)
      assert.equal(generated.status, 201, generated.text)
      assert.equal((await register(provisioning.key, chosen)).status, 201)
      for (const device of [generated.body.api_key as string, chosen]) {
        const listed = await s.request('GET', `/v1/keys?identity_id=${made.body.id}&limit=10`, { token: alice.token })
        const prefixes = listed.body.api_keys.map((k: { key_prefix: string }) => k.key_prefix)
        assert.ok(
          prefixes.some((p: string) => device.startsWith(p)),
          `BROKEN: the device key left the identity (${prefixes})`,
        )
      }
      // Two registrations spent 2 of the 3 credits; the devices share the last one.
      const codes = []
      for (const device of [generated.body.api_key as string, chosen, chosen])
        codes.push((await s.verify(alice.token, device)).code)
      assert.deepEqual(codes, ['VALID', 'USAGE_EXCEEDED', 'USAGE_EXCEEDED'])
    })

    it('an identity deleted while a device registers into it answers 409 and leaves no device (both stores)', async () => {
      const fleet = await s.request('GET', `/v1/applications/${appId}`, { token: alice.token })
      const orgKey = await s.createKey(alice.token, { owner: { kind: 'organization', id: fleet.body.organization_id } })
      for (const chosen of [undefined, `device-${randomBytes(20).toString('hex')}`]) {
        const made = await s.request('POST', '/v1/identities', {
          token: orgKey.key,
          body: { external_id: `gone-${randomBytes(4).toString('hex')}` },
        })
        const provisioning = await s.createKey(alice.token, {
          owner: { kind: 'application', id: appId },
          identity_id: made.body.id,
        })
        // The identity goes between the registration's check of it and its insert (a reviewer's find: 500 on SQLite).
        const access = (s.kw.services.keys as unknown as { identities: IdentityAccess }).identities
        const check = access.requireInheritable.bind(access)
        access.requireInheritable = async (...args) => {
          await check(...args)
          const gone = await s.request('DELETE', `/v1/identities/${made.body.id}`, { token: alice.token })
          assert.equal(gone.status, 204, gone.text)
        }
        const before = (await s.request('GET', `/v1/devices?application_id=${appId}`, { token: alice.token })).body
        try {
          const r = await register(provisioning.key, chosen)
          assert.equal(r.status, 409, `BROKEN: ${r.status} ${r.text}`)
        } finally {
          access.requireInheritable = check
        }
        const after = (await s.request('GET', `/v1/devices?application_id=${appId}`, { token: alice.token })).body
        assert.deepEqual(after, before, 'the device was removed again')
      }
    })

    it('a user key without bounds still registers (control), and a provisioning key as balena does', async () => {
      const plain = await s.createKey(alice.token, { scopes })
      assert.equal((await register(plain.key)).status, 201)
      const provisioning = await s.createKey(alice.token, {
        owner: { kind: 'application', id: appId },
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      })
      const r = await register(provisioning.key)
      assert.equal(r.status, 201, `an expiring provisioning key registers devices that outlive it: ${r.text}`)
    })
  })
}

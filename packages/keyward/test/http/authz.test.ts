import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`authorization (${store})`, () => {
    let s: TestServer
    let admin: string
    let a: { id: number; actorId: number; token: string }
    let b: { id: number; actorId: number; token: string }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      a = await s.member('alice', admin)
      b = await s.member('bob', admin)
    })
    after(() => s.close())

    it("answers 404 to every operation on another member's key, and changes nothing", async () => {
      const bk = await s.createKey(b.token, { name: 'bobs' })
      const ops: [string, string, unknown?][] = [
        ['GET', `/v1/keys/${bk.id}`],
        ['PATCH', `/v1/keys/${bk.id}`, { name: 'stolen' }],
        ['POST', `/v1/keys/${bk.id}/disable`],
        ['POST', `/v1/keys/${bk.id}/enable`],
        ['POST', `/v1/keys/${bk.id}/revoke`, {}],
        ['POST', `/v1/keys/${bk.id}/roll`, {}],
        ['DELETE', `/v1/keys/${bk.id}`],
      ]
      for (const [method, url, body] of ops) {
        const r = await s.request(method, url, { token: a.token, body })
        assert.equal(r.status, 404, `${method} ${url}`)
        assert.equal(r.body.error.code, 'not_found')
      }
      const unknown = await s.request('GET', '/v1/keys/999999', { token: a.token })
      assert.deepEqual(
        unknown.body,
        (await s.request('GET', `/v1/keys/${bk.id}`, { token: a.token })).body,
        'foreign and missing ids look the same',
      )
      const still = await s.request('GET', `/v1/keys/${bk.id}`, { token: b.token })
      assert.equal(still.body.name, 'bobs')
      assert.equal(still.body.status, 'active')
      assert.equal((await s.verify(b.token, bk.key)).code, 'VALID')
    })

    it("hides other members' keys from listing, filters and verification", async () => {
      const bk = await s.createKey(b.token)
      const list = await s.request('GET', '/v1/keys', { token: a.token })
      assert.ok(list.body.api_keys.every((k: any) => k.owner.id === a.id))
      const byOwner = await s.request('GET', `/v1/keys?owner_kind=user&owner_id=${b.id}`, { token: a.token })
      assert.equal(byOwner.body.total, 0)
      assert.deepEqual(await s.verify(a.token, bk.key), { valid: false, code: 'NOT_FOUND' })
      assert.equal((await s.verify(admin, bk.key)).code, 'VALID', 'an admin sees all')
      const all = await s.request('GET', `/v1/keys?owner_id=${b.id}`, { token: admin })
      assert.ok(all.body.total >= 1)
    })

    it('refuses to create a key for another user (404) and lets an admin do it', async () => {
      const r = await s.request('POST', '/v1/keys', {
        token: a.token,
        body: { name: 'x', owner: { kind: 'user', id: b.id } },
      })
      assert.equal(r.status, 404)
      const ok = await s.request('POST', '/v1/keys', {
        token: admin,
        body: { name: 'for-bob', owner: { kind: 'user', id: b.id } },
      })
      assert.equal(ok.status, 201)
      assert.deepEqual(ok.body.api_key.owner, { kind: 'user', id: b.id })
    })

    it('lets a key act with its owner rights narrowed by its scopes', async () => {
      const reader = await s.createKey(a.token, { scopes: ['keys:read'] })
      assert.equal((await s.request('GET', '/v1/keys', { token: reader.key })).status, 200)
      const w = await s.request('POST', '/v1/keys', {
        token: reader.key,
        body: { name: 'nope', scopes: ['keys:read'] },
      })
      assert.equal(w.status, 403)
      assert.equal(w.body.error.code, 'forbidden')
      assert.equal(
        (await s.request('POST', '/v1/keys/verify', { token: reader.key, body: { key: reader.key } })).status,
        403,
      )
      const full = await s.createKey(a.token)
      assert.equal(
        (await s.request('POST', '/v1/keys/verify', { token: full.key, body: { key: reader.key } })).body.code,
        'VALID',
      )
    })

    it('never lets a caller create or update a key with scopes it does not hold', async () => {
      const writer = await s.createKey(a.token, { scopes: ['keys:read', 'keys:write', 'orders:read'] })
      const wider = await s.request('POST', '/v1/keys', {
        token: writer.key,
        body: { name: 'w1', scopes: ['orders:write'] },
      })
      assert.equal(wider.status, 403)
      const unscoped = await s.request('POST', '/v1/keys', { token: writer.key, body: { name: 'w2' } })
      assert.equal(unscoped.status, 403, 'no scopes would mean full rights')
      const narrower = await s.request('POST', '/v1/keys', {
        token: writer.key,
        body: { name: 'w3', scopes: ['orders:read'] },
      })
      assert.equal(narrower.status, 201)
      const widen = await s.request('PATCH', `/v1/keys/${narrower.body.api_key.id}`, {
        token: writer.key,
        body: { scopes: ['orders:read', 'admin'] },
      })
      assert.equal(widen.status, 403)
      const nonAdmin = await s.request('POST', '/v1/users', {
        token: writer.key,
        body: { email: 'z@example.com', password: 'password-123' },
      })
      assert.equal(nonAdmin.status, 403)
    })

    it('refuses disabled, revoked or unknown keys as credentials with 401', async () => {
      const k = await s.createKey(a.token)
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token: k.key })).status, 200)
      await s.request('POST', `/v1/keys/${k.id}/disable`, { token: a.token })
      const r = await s.request('GET', '/v1/auth/whoami', { token: k.key })
      assert.equal(r.status, 401)
      assert.equal(r.body.error.code, 'unauthorized')
      assert.ok(!r.text.includes(k.key), 'the key is not echoed back')
      assert.equal((await s.request('GET', '/v1/keys', { token: 'kwsess_nope' })).status, 401)
      assert.equal((await s.request('GET', '/v1/keys')).status, 401)
      assert.equal((await s.request('GET', '/v1/keys', { headers: { authorization: 'Basic abc' } })).status, 401)
    })

    it('scopes applications and devices to their owner, and stops their keys from creating user keys', async () => {
      const app = await s.request('POST', '/v1/applications', { token: a.token, body: { name: 'fleet1' } })
      assert.equal(app.status, 201)
      assert.equal(app.body.slug, 'alice/fleet1')
      assert.match(app.body.uuid, /^[0-9a-f]{32}$/)
      const dev = await s.request('POST', '/v1/devices', {
        token: a.token,
        body: { application_id: app.body.id, name: 'pi' },
      })
      assert.equal(dev.status, 201)
      assert.equal((await s.request('GET', `/v1/applications/${app.body.id}`, { token: b.token })).status, 404)
      assert.equal((await s.request('GET', `/v1/devices/${dev.body.id}`, { token: b.token })).status, 404)
      assert.equal(
        (await s.request('POST', '/v1/devices', { token: b.token, body: { application_id: app.body.id } })).status,
        404,
      )
      assert.deepEqual((await s.request('GET', '/v1/applications', { token: b.token })).body.applications, [])
      const prov = await s.request('POST', '/v1/keys', {
        token: a.token,
        body: { name: 'prov', owner: { kind: 'application', id: app.body.id } },
      })
      assert.equal(prov.status, 201)
      assert.equal(prov.body.api_key.kind, 'provisioning')
      const dk = await s.request('POST', '/v1/keys', {
        token: a.token,
        body: { name: 'dk', owner: { kind: 'device', id: dev.body.id } },
      })
      assert.equal(dk.body.api_key.kind, 'device')
      const appKey = prov.body.key
      const userKey = await s.request('POST', '/v1/keys', {
        token: appKey,
        body: { name: 'u', owner: { kind: 'user', id: a.id } },
      })
      assert.equal(userKey.status, 403)
      const own = await s.request('POST', '/v1/keys', {
        token: appKey,
        body: { name: 'dev2', owner: { kind: 'device', id: dev.body.id } },
      })
      assert.equal(own.status, 201, 'an application key may create keys for its devices')
      const appList = await s.request('GET', '/v1/keys', { token: appKey })
      assert.ok(appList.body.api_keys.every((k: any) => k.kind !== 'user'))
      const devList = await s.request('GET', '/v1/keys', { token: dk.body.key })
      assert.ok(devList.body.api_keys.every((k: any) => k.kind === 'device' && k.owner.id === dev.body.id))
      assert.equal(
        (await s.request('GET', `/v1/keys?owner_kind=application&owner_id=${app.body.id}`, { token: a.token })).body
          .total,
        1,
      )
      assert.equal((await s.request('GET', '/v1/keys?owner_kind=device', { token: a.token })).body.total, 2)
    })

    it('shows members their own audit trail and admins everything', async () => {
      const mine = await s.request('GET', '/v1/audit', { token: a.token })
      assert.ok(mine.body.events.length > 0)
      assert.ok(mine.body.events.every((e: any) => e.actor_id !== b.actorId))
      const all = await s.request('GET', '/v1/audit', { token: admin })
      assert.ok(all.body.events.some((e: any) => e.actor_id === b.actorId))
    })

    it('lets members read only themselves among users', async () => {
      const list = await s.request('GET', '/v1/users', { token: a.token })
      assert.deepEqual(
        list.body.users.map((u: any) => u.id),
        [a.id],
      )
      assert.equal((await s.request('GET', `/v1/users/${b.id}`, { token: a.token })).status, 404)
      assert.equal((await s.request('GET', `/v1/users/${a.id}`, { token: a.token })).body.email, 'alice@example.com')
      assert.equal(
        (
          await s.request('POST', '/v1/users', {
            token: a.token,
            body: { email: 'c@example.com', password: 'password-123' },
          })
        ).status,
        403,
      )
      assert.ok((await s.request('GET', '/v1/users', { token: admin })).body.users.length >= 3)
    })
  })
}

import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import balenaRegisterDevice from 'balena-register-device'
import balenaSdk from 'balena-sdk'
import { STORES, TestServer } from '../helpers.js'

const { getSdk } = balenaSdk
const { getRegisterDevice } = balenaRegisterDevice
type Sdk = ReturnType<typeof getSdk>

/** The error code balena's typed errors carry (`BalenaNotLoggedIn`, …). */
async function rejectsWith(p: Promise<unknown>, code: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: { code?: string; message?: string; statusCode?: number }) => {
    const text = `${e.code ?? ''} ${e.message ?? ''} ${e.statusCode ?? ''}`
    assert.match(text, typeof code === 'string' ? new RegExp(code) : code)
    return true
  })
}

for (const store of STORES) {
  describe(`balena-sdk and balena-register-device against a listening Keyward (${store})`, () => {
    let s: TestServer
    let apiUrl: string
    let admin: string
    let bea: { id: number; actorId: number; token: string }
    let carl: { id: number; actorId: number; token: string }
    let fleet: { id: number; uuid: string; slug: string; actor_id: number }
    let carlFleet: { id: number; uuid: string; slug: string; actor_id: number }
    const sdk = (): Sdk => getSdk({ apiUrl, dataDirectory: false })
    const native = (token: string, method: string, url: string, body?: unknown) =>
      s.request(method, url, { token, body })

    before(async () => {
      s = await TestServer.start(store)
      await s.kw.app.listen({ port: 0, host: '127.0.0.1' })
      apiUrl = `http://127.0.0.1:${(s.kw.app.server.address() as AddressInfo).port}`
      admin = await s.adminToken()
      bea = await s.member('bea', admin)
      carl = await s.member('carl', admin)
      fleet = (await native(bea.token, 'POST', '/v1/applications', { name: 'Fleet1' })).body
      carlFleet = (await native(carl.token, 'POST', '/v1/applications', { name: 'carlfleet' })).body
    })
    after(() => s.close())

    it('auth.login with email or username, whoami, getUserInfo, getActorId; bad passwords are BalenaInvalidLoginCredentials', async () => {
      const b = sdk()
      assert.equal(await b.auth.isLoggedIn(), false)
      assert.equal(await b.auth.whoami(), undefined)
      await rejectsWith(b.auth.getActorId(), 'BalenaNotLoggedIn')
      await b.auth.login({ email: 'bea@example.com', password: 'bea-password-1' })
      assert.equal(await b.auth.isLoggedIn(), true)
      const me = await b.auth.whoami()
      assert.deepEqual(me, {
        id: bea.actorId,
        actorType: 'user',
        actorTypeId: bea.id,
        username: 'bea',
        email: 'bea@example.com',
      })
      assert.deepEqual(await b.auth.getUserInfo(), {
        id: bea.id,
        actor: bea.actorId,
        email: 'bea@example.com',
        username: 'bea',
      })
      assert.equal(await b.auth.getActorId(), bea.actorId)
      const byName = sdk()
      await byName.auth.login({ email: 'BEA', password: 'bea-password-1' })
      assert.equal(await byName.auth.getActorId(), bea.actorId)
      await rejectsWith(
        sdk().auth.login({ email: 'bea@example.com', password: 'wrong' }),
        'BalenaInvalidLoginCredentials',
      )
    })

    it('auth.login after too many failures is BalenaTooManyRequests (429 with an integer Retry-After)', async () => {
      await s.member('dan', admin)
      for (let i = 0; i < 10; i++)
        await rejectsWith(
          sdk().auth.login({ email: 'dan@example.com', password: `wrong-${i}` }),
          'BalenaInvalidLoginCredentials',
        )
      await rejectsWith(
        sdk().auth.login({ email: 'dan@example.com', password: 'dan-password-1' }),
        'BalenaTooManyRequests',
      )
      const r = await fetch(`${apiUrl}/login_`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'dan@example.com', password: 'x' }),
      })
      assert.equal(r.status, 429)
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/)
    })

    it('auth.loginWithToken accepts a session token and an API key, and an unknown token is logged out', async () => {
      const bySession = sdk()
      await bySession.auth.loginWithToken(bea.token)
      assert.equal(await bySession.auth.isLoggedIn(), true)
      assert.equal(await bySession.auth.getActorId(), bea.actorId)
      const { key } = await s.createKey(bea.token, { name: 'for-sdk-login' })
      const byKey = sdk()
      await byKey.auth.loginWithToken(key)
      assert.equal((await byKey.auth.getUserInfo()).id, bea.id)
      const bogus = sdk()
      await bogus.auth.loginWithToken('kw_not-a-real-key-at-all-0000000000000000000000000000')
      assert.equal(await bogus.auth.isLoggedIn(), false)
      await rejectsWith(bogus.auth.getUserInfo(), 'BalenaNotLoggedIn')
    })

    it('apiKey.create returns a working plaintext key for the caller, named and described as asked', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const key = await b.models.apiKey.create({ name: 'ci', expiryDate: null, description: 'build server' })
      assert.match(key, /^kw_/)
      const v = await s.verify(bea.token, key)
      assert.equal(v.valid, true)
      assert.deepEqual(v.owner.kind, 'user')
      assert.equal(v.owner.id, bea.id)
      const listed = (await native(bea.token, 'GET', `/v1/keys/${v.key_id}`)).body
      assert.equal(listed.name, 'ci')
      assert.equal(listed.description, 'build server')
      assert.equal(listed.expires_at, null)
      const future = await b.models.apiKey.create({ name: 'later', expiryDate: '2099-01-01T00:00:00.000Z' })
      assert.equal((await s.verify(bea.token, future)).expires_at, '2099-01-01T00:00:00.000Z')
      const past = await b.models.apiKey.create({ name: 'born-expired', expiryDate: '2020-01-01' })
      assert.equal((await s.verify(bea.token, past)).code, 'EXPIRED')
      // Every failed create surfaces as BalenaNotLoggedIn in SDK 23; the status is still right.
      await rejectsWith(b.models.apiKey.create({ name: 'x'.repeat(51), expiryDate: null }), 'BalenaNotLoggedIn')
    })

    it('apiKey.getAll lists every visible key in name order and honours pine options; matches the native API', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const all = await b.models.apiKey.getAll()
      const names = all.map((k) => k.name)
      assert.deepEqual(
        names,
        [...names].sort((x, y) => String(x).localeCompare(String(y), 'en')),
      )
      const nativeKeys = (await native(bea.token, 'GET', '/v1/keys?limit=500')).body.api_keys.filter(
        (k: { status: string }) => k.status !== 'revoked',
      )
      assert.deepEqual(all.map((k) => k.id).sort(), nativeKeys.map((k: { id: number }) => k.id).sort())
      for (const k of all) {
        assert.deepEqual(Object.keys(k).sort(), [
          'created_at',
          'description',
          'expiry_date',
          'id',
          'is_of__actor',
          'modified_at',
          'name',
        ])
        assert.deepEqual(k.is_of__actor, { __id: bea.actorId })
      }
      const picked = await b.models.apiKey.getAll({
        $select: ['id', 'name'],
        $filter: { name: { $startswith: 'c' } },
        $orderby: { created_at: 'desc' },
        $top: 1,
        $skip: 0,
        $expand: { is_of__actor: { $select: 'id' } },
      })
      assert.equal(picked.length, 1)
      assert.equal(picked[0]!.name, 'ci')
      assert.deepEqual(Object.keys(picked[0]!).sort(), ['id', 'is_of__actor', 'name'])
      assert.deepEqual(picked[0]!.is_of__actor, [{ id: bea.actorId }])
      const skipped = await b.models.apiKey.getAll({ $skip: 1 })
      assert.deepEqual(
        skipped.map((k) => k.id),
        all.slice(1).map((k) => k.id),
      )
      const lower = await b.models.apiKey.getAll({ $filter: { $eq: [{ $tolower: { $: 'name' } }, 'ci'] } })
      assert.deepEqual(
        lower.map((k) => k.name),
        ['ci'],
      )
    })

    it("getAllNamedUserApiKeys lists only the caller's named user keys, merging the caller's filter", async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const keys = await b.models.apiKey.getAllNamedUserApiKeys()
      assert.ok(keys.length >= 3)
      assert.ok(keys.every((k) => k.name !== null && k.is_of__actor.__id === bea.actorId))
      const ci = await b.models.apiKey.getAllNamedUserApiKeys({
        $filter: { name: 'ci' },
        $orderby: { created_at: 'desc' },
      })
      assert.deepEqual(
        ci.map((k) => k.name),
        ['ci'],
      )
      const c = sdk()
      await c.auth.loginWithToken(carl.token)
      assert.deepEqual(await c.models.apiKey.getAllNamedUserApiKeys(), [])
    })

    it('provisioning keys: generateProvisioningKey and /api-key/application/:id/provisioning; listed by id, slug and uuid', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const prov = await b.models.application.generateProvisioningKey({
        slugOrUuidOrId: fleet.id,
        keyExpiryDate: null,
        keyName: 'prov',
      })
      const v = await s.verify(bea.token, prov)
      assert.equal(v.valid, true)
      assert.deepEqual(v.owner, { kind: 'application', id: fleet.id })
      const r = await fetch(`${apiUrl}/api-key/application/${fleet.id}/provisioning`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bea.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'prov2' }),
      })
      assert.equal(r.status, 200)
      assert.match((await r.json()) as string, /^kw_/)
      for (const ref of [fleet.id, fleet.slug, fleet.uuid, fleet.slug.toUpperCase()]) {
        const keys = await b.models.apiKey.getProvisioningApiKeysByApplication(ref)
        assert.deepEqual(
          keys.map((k) => k.name),
          ['prov', 'prov2'],
          `by ${ref}`,
        )
        assert.ok(keys.every((k) => k.is_of__actor.__id === fleet.actor_id))
      }
      await rejectsWith(
        b.models.apiKey.getProvisioningApiKeysByApplication(carlFleet.slug),
        'BalenaApplicationNotFound',
      )
      await rejectsWith(
        b.models.application.generateProvisioningKey({ slugOrUuidOrId: carlFleet.id, keyExpiryDate: null }),
        /BalenaApplicationNotFound|not found/i,
      )
    })

    it('balena-register-device registers with a provisioning key; the device key works and is listed by uuid and id', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const prov = await b.models.application.generateProvisioningKey({
        slugOrUuidOrId: fleet.id,
        keyExpiryDate: null,
        keyName: 'for-register',
      })
      const reg = getRegisterDevice({ request: b.request })
      const uuid = reg.generateUniqueKey()
      const deviceApiKey = reg.generateUniqueKey()
      const out = await reg.register({
        applicationId: fleet.id,
        uuid,
        deviceType: 'raspberrypi4-64',
        provisioningApiKey: prov,
        deviceApiKey,
        apiEndpoint: apiUrl,
      })
      assert.equal(out.uuid, uuid)
      assert.equal(out.api_key, deviceApiKey)
      const device = (await native(bea.token, 'GET', `/v1/devices/${out.id}`)).body
      assert.equal(device.uuid, uuid)
      assert.equal(device.application_id, fleet.id)
      const v = await s.verify(bea.token, deviceApiKey)
      assert.equal(v.valid, true)
      assert.deepEqual(v.owner, { kind: 'device', id: out.id })
      const byUuid = await b.models.apiKey.getDeviceApiKeysByDevice(uuid)
      const byId = await b.models.apiKey.getDeviceApiKeysByDevice(out.id)
      assert.equal(byUuid.length, 1)
      assert.deepEqual(byId, byUuid)
      assert.equal(byUuid[0]!.id, v.key_id)
      // A second key for the device, through the SDK.
      const extra = await b.models.device.generateDeviceKey(out.id, 'extra')
      assert.equal((await s.verify(bea.token, extra)).owner.id, out.id)
      assert.equal((await b.models.apiKey.getDeviceApiKeysByDevice(uuid, { $filter: { name: 'extra' } })).length, 1)
      // The device key itself is a credential: whoami says device; it may not list keys.
      const asDevice = sdk()
      await asDevice.auth.loginWithToken(deviceApiKey)
      const me = await asDevice.auth.whoami()
      assert.deepEqual(me, { id: device.actor_id, actorType: 'device', actorTypeId: out.id, uuid })
      await assert.rejects(asDevice.models.apiKey.getAll())
      await rejectsWith(b.models.apiKey.getDeviceApiKeysByDevice('0'.repeat(32)), 'BalenaDeviceNotFound')
      // A generated key when the device sends none; duplicate uuid and key are conflicts.
      const gen = await reg.register({
        applicationId: fleet.id,
        uuid: reg.generateUniqueKey(),
        deviceType: 'x',
        provisioningApiKey: prov,
        apiEndpoint: apiUrl,
      })
      assert.equal((await s.verify(bea.token, gen.api_key)).valid, true)
      await rejectsWith(
        reg.register({ applicationId: fleet.id, uuid, deviceType: 'x', provisioningApiKey: prov, apiEndpoint: apiUrl }),
        /already exists/,
      )
      await rejectsWith(
        reg.register({
          applicationId: fleet.id,
          uuid: reg.generateUniqueKey(),
          deviceType: 'x',
          provisioningApiKey: prov,
          deviceApiKey,
          apiEndpoint: apiUrl,
        }),
        /already in use/,
      )
    })

    it('registration refuses expired, disabled, revoked and other-application provisioning keys', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const reg = getRegisterDevice({ request: b.request })
      const attempt = (key: string, applicationId = fleet.id) =>
        reg.register({
          applicationId,
          uuid: reg.generateUniqueKey(),
          deviceType: 'x',
          provisioningApiKey: key,
          apiEndpoint: apiUrl,
        })
      const made = async () => {
        const k = await s.createKey(bea.token, { owner: { kind: 'application', id: fleet.id } })
        return k
      }
      const expired = await made()
      assert.equal(
        (await native(bea.token, 'PATCH', `/v1/keys/${expired.id}`, { expires_at: '2020-01-01T00:00:00Z' })).status,
        200,
      )
      const disabled = await made()
      assert.equal((await native(bea.token, 'POST', `/v1/keys/${disabled.id}/disable`)).status, 200)
      const revoked = await made()
      assert.equal((await native(bea.token, 'POST', `/v1/keys/${revoked.id}/revoke`)).status, 200)
      const carlProv = await s.createKey(carl.token, { owner: { kind: 'application', id: carlFleet.id } })
      for (const k of [expired, disabled, revoked]) await rejectsWith(attempt(k.key), /401|refused|unauthorized/i)
      await rejectsWith(attempt(carlProv.key), /another application/)
      const ok = await made()
      await rejectsWith(attempt(ok.key, carlFleet.id), /another application/)
      const devices = (await native(bea.token, 'GET', `/v1/devices?application_id=${fleet.id}`)).body.devices
      assert.equal(devices.length, 2, 'refused registrations create no device')
    })

    it('apiKey.update renames, redescribes, expires now with a past date, and revives with null', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const key = await b.models.apiKey.create({ name: 'to-update', expiryDate: null })
      const { key_id: id } = await s.verify(bea.token, key)
      await b.models.apiKey.update(id, { name: 'updated', description: 'new words' })
      let row = (await native(bea.token, 'GET', `/v1/keys/${id}`)).body
      assert.equal(row.name, 'updated')
      assert.equal(row.description, 'new words')
      await b.models.apiKey.update(id, { expiryDate: '2001-01-01T00:00:00Z' })
      assert.equal((await native(bea.token, 'GET', `/v1/keys/${id}`)).body.status, 'expired')
      assert.equal((await s.verify(bea.token, key)).code, 'EXPIRED')
      await b.models.apiKey.update(id, { expiryDate: null })
      row = (await native(bea.token, 'GET', `/v1/keys/${id}`)).body
      assert.equal(row.status, 'active')
      assert.equal(row.expires_at, null)
      await b.models.apiKey.update(id, {})
      const listed = (await b.models.apiKey.getAll({ $filter: { id } }))[0]!
      assert.equal(listed.name, 'updated')
      assert.equal(listed.description, 'new words')
      assert.equal(listed.expiry_date, null)
    })

    it('apiKey.revoke stops the key at once and hides it from balena listings; the native API shows it revoked', async () => {
      const b = sdk()
      await b.auth.loginWithToken(bea.token)
      const key = await b.models.apiKey.create({ name: 'to-revoke', expiryDate: null })
      const { key_id: id } = await s.verify(bea.token, key)
      const byKey = sdk()
      await byKey.auth.loginWithToken(key)
      assert.equal(await byKey.auth.isLoggedIn(), true)
      await b.models.apiKey.revoke(id)
      assert.equal(await byKey.auth.isLoggedIn(), false)
      assert.equal((await s.verify(bea.token, key)).code, 'REVOKED')
      assert.equal((await native(bea.token, 'GET', `/v1/keys/${id}`)).body.status, 'revoked')
      assert.ok(!(await b.models.apiKey.getAll()).some((k) => k.id === id))
      await assert.rejects(b.models.apiKey.update(id, { name: 'again' }))
      await assert.rejects(b.models.apiKey.revoke(id))
    })

    it("another user sees none of bea's keys and cannot touch them", async () => {
      const c = sdk()
      await c.auth.loginWithToken(carl.token)
      const beaKeys = (await native(bea.token, 'GET', '/v1/keys?limit=500')).body.api_keys as {
        id: number
        status: string
      }[]
      const carlSees = (await c.models.apiKey.getAll()).map((k) => k.id)
      assert.ok(carlSees.length > 0 && carlSees.every((id) => !beaKeys.some((k) => k.id === id)))
      const target = beaKeys.find((k) => k.status === 'active')!
      await assert.rejects(c.models.apiKey.revoke(target.id))
      await assert.rejects(c.models.apiKey.update(target.id, { name: 'stolen' }))
      assert.equal((await native(bea.token, 'GET', `/v1/keys/${target.id}`)).body.status, 'active')
    })
  })
}

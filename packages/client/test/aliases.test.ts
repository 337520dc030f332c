import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type Listening, STORES, listening, member } from './server.js'

/** The names of the balena, Fluxbase and Realm SDKs reach the same server operations as the native ones. */
for (const kind of STORES) {
  describe(`seed-system aliases (${kind})`, () => {
    let l: Listening
    before(async () => {
      l = await listening(kind)
    })
    after(() => l.close())

    test('balena: getAll, getAllNamedUserApiKeys, getProvisioningApiKeysByApplication, getDeviceApiKeysByDevice, update, revoke', async () => {
      const kw = l.admin.apiKeys
      const app = await l.admin.applications.create({ name: 'balena-fleet' })
      const device = await l.admin.devices.create({ application_id: app.id })
      const userKey = (await kw.create({ name: 'balena-user-key' })).api_key
      const provKey = (await kw.create({ name: 'prov', owner: { kind: 'application', id: app.id } })).api_key
      const devKey = (await kw.create({ name: 'dev', owner: { kind: 'device', id: device.id } })).api_key
      const other = await member(l, 'balena-member')
      const othersKey = (await other.client.apiKeys.create({ name: 'theirs' })).api_key

      const all = (await kw.getAll()).map((k) => k.id)
      for (const id of [userKey.id, provKey.id, devKey.id, othersKey.id])
        assert.ok(all.includes(id), 'an admin sees every key')
      const named = (await kw.getAllNamedUserApiKeys()).map((k) => k.id)
      assert.ok(named.includes(userKey.id))
      assert.ok(
        !named.includes(provKey.id) && !named.includes(devKey.id) && !named.includes(othersKey.id),
        "only the caller's own user keys",
      )

      // Slugs are lower-cased on the server; a slug or uuid is found whatever its case, as balena finds it.
      for (const ref of [app.slug, app.slug.toUpperCase(), app.uuid, app.uuid.toUpperCase(), app.id, String(app.id)]) {
        assert.deepEqual(
          (await kw.getProvisioningApiKeysByApplication(ref)).map((k) => k.id),
          [provKey.id],
          `application by ${ref}`,
        )
      }
      for (const ref of [device.uuid, device.id]) {
        assert.deepEqual(
          (await kw.getDeviceApiKeysByDevice(ref)).map((k) => k.id),
          [devKey.id],
          `device by ${ref}`,
        )
      }
      await assert.rejects(kw.getProvisioningApiKeysByApplication('nobody/nothing'), { code: 'not_found', status: 404 })
      await assert.rejects(other.client.apiKeys.getDeviceApiKeysByDevice(device.uuid), {
        code: 'not_found',
        status: 404,
      })

      assert.equal(
        (await kw.update(userKey.id, { name: 'updatedName', description: 'updated description' })).name,
        'updatedName',
      )
      assert.equal((await kw.revoke(userKey.id)).status, 'revoked')
    })

    test('Fluxbase: create with rate_limit_per_minute, list, get, update, revoke (row stays), delete (gone), string ids', async () => {
      const kw = l.admin.apiKeys
      const { api_key, key } = await kw.create({
        name: 'Fluxbase Service',
        description: 'API key for production service',
        scopes: ['read:users', 'write:users'],
        rate_limit_per_minute: 100,
        expires_at: '2099-12-31T23:59:59Z',
      })
      assert.ok(key)
      const id = String(api_key.id)
      const { api_keys, total } = await kw.list()
      assert.ok(total >= 1 && api_keys.some((k) => k.id === api_key.id && k.key_prefix && k.rate_limit?.limit === 100))
      assert.equal((await kw.get(id)).last_used_at, null)
      assert.deepEqual((await kw.update(id, { name: 'Updated Name', rate_limit_per_minute: 200 })).rate_limit, {
        limit: 200,
        window_s: 60,
      })
      await kw.revoke(id)
      assert.equal((await kw.get(id)).status, 'revoked')
      assert.ok((await kw.list({ status: 'revoked' })).api_keys.some((k) => k.id === api_key.id))
      await kw.delete(id)
      await assert.rejects(kw.get(id), { code: 'not_found', status: 404 })
    })

    test('Realm: create(name), fetchAll, fetch, disable, enable, delete', async () => {
      const kw = l.admin.apiKeys
      const { api_key, key } = await kw.create('realm-key')
      assert.equal(api_key.name, 'realm-key')
      assert.ok((await kw.fetchAll()).some((k) => k.id === api_key.id))
      assert.equal((await kw.fetch(api_key.id)).name, 'realm-key')
      await assert.rejects(
        kw.create('realm-key'),
        { code: 'conflict', status: 409 },
        "names are unique among the user's keys",
      )
      await kw.disable(api_key.id)
      assert.equal((await kw.verify(key)).code, 'DISABLED')
      await kw.enable(api_key.id)
      assert.equal((await kw.verify(key)).code, 'VALID')
      await kw.delete(api_key.id)
      assert.ok(!(await kw.fetchAll()).some((k) => k.id === api_key.id))
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const kind of STORES) {
  describe(`device registration leaves no keyless device behind (${kind})`, () => {
    let s: TestServer
    let user: { id: number; token: string }
    let app: { id: number }
    before(async () => {
      s = await TestServer.start(kind)
      user = await s.member('reg', await s.adminToken())
      app = (await s.request('POST', '/v1/applications', { token: user.token, body: { name: 'fleet' } })).body
    })
    after(() => s.close())

    const devices = async () =>
      (await s.request('GET', `/v1/devices?application_id=${app.id}`, { token: user.token })).body.devices as {
        uuid: string
      }[]

    it('a provisioning key that may create devices but not keys is refused, and the device is gone', async () => {
      const prov = await s.createKey(user.token, {
        owner: { kind: 'application', id: app.id },
        name: 'devices-only',
        scopes: ['devices:write'],
      })
      const r = await s.request('POST', '/device/register', {
        token: prov.key,
        body: { application: app.id, uuid: 'a'.repeat(32), device_type: 'x' },
      })
      assert.equal(r.status, 401, r.text) // balena's status for a forbidden credential
      assert.deepEqual(await devices(), [])
    })

    it('a database failure while storing the key removes the device, and the uuid can register again', async () => {
      const prov = await s.createKey(user.token, { owner: { kind: 'application', id: app.id }, name: 'full' })
      const keys = s.kw.services.keys
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the same object below
      const original = keys.insertKey
      keys.insertKey = async () => {
        throw new Error('simulated database failure')
      }
      try {
        const r = await s.request('POST', '/device/register', {
          token: prov.key,
          body: { application: app.id, uuid: 'b'.repeat(32), device_type: 'x', api_key: 'c'.repeat(40) },
        })
        assert.equal(r.status, 500, r.text)
      } finally {
        keys.insertKey = original
      }
      assert.deepEqual(await devices(), [])
      const again = await s.request('POST', '/device/register', {
        token: prov.key,
        body: { application: app.id, uuid: 'b'.repeat(32), device_type: 'x', api_key: 'c'.repeat(40) },
      })
      assert.equal(again.status, 201, again.text)
      assert.deepEqual(
        (await devices()).map((d) => d.uuid),
        ['b'.repeat(32)],
      )
      assert.equal((await s.verify(user.token, 'c'.repeat(40))).code, 'VALID')
    })
  })
}

for (const kind of STORES) {
  describe(`a device key chosen by the caller must be usable (${kind})`, () => {
    let s: TestServer
    before(async () => {
      s = await TestServer.start(kind)
    })
    after(() => s.close())

    it('a short, spaced or session-prefixed apiKey on /api-key/device/:id/device-key answers 400 and stores nothing', async () => {
      const user = await s.member('short', await s.adminToken())
      const app = (await s.request('POST', '/v1/applications', { token: user.token, body: { name: 'fleet' } })).body
      const dev = (await s.request('POST', '/v1/devices', { token: user.token, body: { application_id: app.id } })).body
      for (const apiKey of ['a', 'x'.repeat(31), `${'y'.repeat(20)} ${'y'.repeat(20)}`, `kwsess_${'z'.repeat(40)}`]) {
        const r = await s.request('POST', `/api-key/device/${dev.id}/device-key`, {
          token: user.token,
          body: { apiKey },
        })
        assert.equal(r.status, 400, r.text)
        assert.equal(r.body.error, 'validation_failed')
      }
      const listed = await s.request('GET', `/v1/keys?owner_kind=device&owner_id=${dev.id}`, { token: user.token })
      assert.equal(listed.body.total, 0)
    })
  })
}

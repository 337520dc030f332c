import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type Tenant, ids, makeTenant } from './fixture.js'

/** The balenaCloud REST examples of the api_key resource docs (seed 002), verbatim under /v7. */
for (const store of STORES) {
  describe(`balenaCloud api_key REST examples (${store})`, () => {
    let s: TestServer
    let bea: Tenant
    let carl: Tenant
    const get = (url: string, token = bea.user.token) =>
      s.request('GET', url, { token, headers: { 'content-type': 'application/json' } })

    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      bea = await makeTenant(s, 'bea', admin)
      carl = await makeTenant(s, 'carl', admin)
    })
    after(() => s.close())

    it("GET /v7/api_key lists the caller's, their fleet's and their device's keys in the OData envelope", async () => {
      const r = await get('/v7/api_key')
      assert.equal(r.status, 200)
      assert.match(String(r.headers['content-type']), /application\/json/)
      assert.deepEqual(
        ids(r.body),
        [bea.userKey.id, bea.provKey.id, bea.deviceKey.id].sort((a, b) => a - b),
      )
      const row = r.body.d.find((k: { id: number }) => k.id === bea.userKey.id)
      assert.equal(row.name, 'ci')
      assert.equal(row.description, null)
      assert.equal(row.expiry_date, null)
      assert.match(row.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      assert.deepEqual(row.is_of__actor, { __id: bea.user.actorId })
      assert.ok(!r.text.includes(bea.userKey.key) && !r.text.includes('"hash"') && !r.text.includes('"key"'))
    })

    it('"Get all API keys of a device by UUID" returns that device\'s keys only', async () => {
      const r = await get(
        `/v7/api_key?$filter=is_of__actor/any(a:a/is_of__device/any(d:d/uuid%20eq%20'${bea.device.uuid}'))`,
      )
      assert.equal(r.status, 200)
      assert.deepEqual(ids(r.body), [bea.deviceKey.id])
      const foreign = await get(
        `/v7/api_key?$filter=is_of__actor/any(a:a/is_of__device/any(d:d/uuid%20eq%20'${carl.device.uuid}'))`,
      )
      assert.deepEqual(foreign.body, { d: [] })
    })

    it('"Get all API keys of an application by slug" returns that fleet\'s keys only', async () => {
      const r = await get(
        `/v7/api_key?$filter=is_of__actor/any(a:a/is_of__application/any(ioa:ioa/slug%20eq%20'${bea.app.slug}'))`,
      )
      assert.equal(r.status, 200)
      assert.deepEqual(ids(r.body), [bea.provKey.id])
      assert.deepEqual(
        (
          await get(
            `/v7/api_key?$filter=is_of__actor/any(a:a/is_of__application/any(ioa:ioa/slug%20eq%20'${carl.app.slug}'))`,
          )
        ).body,
        { d: [] },
      )
    })

    it('"Get all user API keys" as printed (one ")" too many) is a 400 naming the unbalanced parenthesis', async () => {
      const r = await get(`/v7/api_key?$filter=is_of__actor/any(a:a/is_of__user%20eq%20${bea.user.id}))`)
      assert.equal(r.status, 400)
      assert.equal(r.body.error, 'validation_failed')
      assert.match(r.body.message, /unbalanced parenthesis/)
      assert.match(r.body.message, /\$filter/)
    })

    it('"Get all user API keys", balanced, returns the user\'s own keys (by user id, not actor id)', async () => {
      const r = await get(`/v7/api_key?$filter=is_of__actor/any(a:a/is_of__user%20eq%20${bea.user.id})`)
      assert.equal(r.status, 200)
      assert.deepEqual(ids(r.body), [bea.userKey.id])
      assert.deepEqual(
        (await get(`/v7/api_key?$filter=is_of__actor/any(a:a/is_of__user%20eq%20${carl.user.id})`)).body,
        { d: [] },
      )
    })

    it('"Update the expiry date" with a date in the past expires the key at once; null clears it', async () => {
      const { id, key } = await s.createKey(bea.user.token, { name: 'expiring' })
      const past = await s.request('PATCH', `/v7/api_key(${id})`, {
        token: bea.user.token,
        body: { expiry_date: '2020-05-01T10:00:00Z' },
      })
      assert.equal(past.status, 200)
      assert.equal((await s.verify(bea.user.token, key)).code, 'EXPIRED')
      const listed = (await get(`/v7/api_key(${id})`)).body.d
      assert.equal(listed.length, 1)
      assert.equal(listed[0].expiry_date, '2020-05-01T10:00:00.000Z')
      const future = await s.request('PATCH', `/v7/api_key(${id})`, {
        token: bea.user.token,
        body: { expiry_date: '2099-05-01T10:00:00.000Z' },
      })
      assert.equal(future.status, 200)
      assert.equal((await s.verify(bea.user.token, key)).valid, true)
      const cleared = await s.request('PATCH', `/v7/api_key(${id})`, {
        token: bea.user.token,
        body: { expiry_date: null },
      })
      assert.equal(cleared.status, 200)
      assert.equal((await s.request('GET', `/v1/keys/${id}`, { token: bea.user.token })).body.expires_at, null)
    })

    it('"Create new API key" answers the key as a JSON string; it never expires and works', async () => {
      const r = await s.request('POST', '/api-key/user/full', {
        token: bea.user.token,
        body: { name: 'curl-key', description: 'made with curl' },
      })
      assert.equal(r.status, 200)
      assert.match(String(r.headers['content-type']), /application\/json/)
      const key = JSON.parse(r.text) as string
      const v = await s.verify(bea.user.token, key)
      assert.equal(v.valid, true)
      assert.equal(v.expires_at, null)
      const row = (await get(`/v7/api_key(${v.key_id})`)).body.d[0]
      assert.equal(row.name, 'curl-key')
      assert.equal(row.description, 'made with curl')
    })
  })
}

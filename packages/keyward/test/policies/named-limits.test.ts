import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`named limits with cost (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    const verify = async (body: Record<string, unknown>) =>
      (await s.request('POST', '/v1/keys/verify', { token: admin, body })).body

    it('stores named limits sorted, answers the legacy rate_limit from "default", and accepts rate_limit too', async () => {
      const k = await s.createKey(admin, {
        ratelimits: [
          { name: 'tokens', limit: 1000, window_s: 60 },
          { name: 'default', limit: 10, window_s: 1 },
        ],
      })
      assert.deepEqual(k.record.ratelimits, [
        { name: 'default', limit: 10, window_s: 1, auto_apply: true },
        { name: 'tokens', limit: 1000, window_s: 60, auto_apply: false },
      ])
      assert.deepEqual(k.record.rate_limit, { limit: 10, window_s: 1 })
      const patched = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: { rate_limit: { limit: 5, window_s: 2 } },
      })
      assert.equal(patched.status, 200)
      assert.deepEqual(
        patched.body.ratelimits.map((l: { name: string; limit: number }) => [l.name, l.limit]),
        [
          ['default', 5],
          ['tokens', 1000],
        ],
        'rate_limit replaces only the default limit',
      )
      const both = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: { rate_limit: null, ratelimits: [] },
      })
      assert.equal(both.status, 400)
      assert.equal(both.body.error.code, 'validation_failed')
    })

    it('documents identities and the limit fields in the OpenAPI description', async () => {
      const doc = (await s.request('GET', '/openapi.json')).body
      for (const path of ['/v1/identities', '/v1/identities/{id}']) assert.ok(doc.paths[path], path)
      const verify = doc.paths['/v1/keys/verify'].post.requestBody.content['application/json'].schema
      assert.deepEqual(Object.keys(verify.properties).sort(), ['context', 'cost', 'key', 'ratelimits', 'scopes'])
      const key = doc.paths['/v1/keys/{id}'].get.responses['200'].content['application/json'].schema
      for (const f of ['ratelimits', 'rate_limit', 'identity_id']) assert.ok(key.properties[f], f)
    })

    it('refuses duplicate names and bad names with 400 naming the field', async () => {
      for (const ratelimits of [
        [
          { name: 'a', limit: 1, window_s: 1 },
          { name: 'a', limit: 2, window_s: 1 },
        ],
        [{ name: 'has space', limit: 1, window_s: 1 }],
        [{ name: 'a', limit: 0, window_s: 1 }],
      ]) {
        const r = await s.request('POST', '/v1/keys', { token: admin, body: { name: 'dup', ratelimits } })
        assert.equal(r.status, 400, JSON.stringify(ratelimits))
        assert.equal(r.body.error.code, 'validation_failed')
        assert.match(JSON.stringify(r.body.error.details), /ratelimits/)
      }
    })

    it('checks auto-applied limits always and named ones on request, with cost, listing every limit checked', async () => {
      const k = await s.createKey(admin, {
        ratelimits: [
          { name: 'requests', limit: 100, window_s: 60, auto_apply: true },
          { name: 'tokens', limit: 50, window_s: 60 },
        ],
      })
      const plain = await verify({ key: k.key })
      assert.equal(plain.code, 'VALID')
      assert.deepEqual(
        plain.ratelimits.map((l: { name: string; remaining: number }) => [l.name, l.remaining]),
        [['requests', 99]],
      )
      const costly = await verify({ key: k.key, ratelimits: [{ name: 'tokens', cost: 30 }] })
      assert.equal(costly.code, 'VALID')
      assert.deepEqual(
        costly.ratelimits.map((l: { name: string; remaining: number; on: string }) => [l.name, l.remaining, l.on]),
        [
          ['requests', 98, 'key'],
          ['tokens', 20, 'key'],
        ],
      )
      const over = await verify({ key: k.key, ratelimits: [{ name: 'tokens', cost: 21 }] })
      assert.equal(over.code, 'RATE_LIMITED')
      assert.equal(over.ratelimit.limit, 50, 'the legacy field names the limit that refused')
      const after = await verify({ key: k.key, ratelimits: [{ name: 'tokens', cost: 0 }] })
      assert.deepEqual(
        after.ratelimits.map((l: { name: string; remaining: number }) => [l.name, l.remaining]),
        [
          ['requests', 97],
          ['tokens', 20],
        ],
        'the refused request took nothing from "requests" or "tokens"; cost 0 took nothing from tokens',
      )
      const unknown = await verify({ key: k.key, ratelimits: [{ name: 'nope' }] })
      assert.equal(unknown.code, 'VALID')
      assert.deepEqual(
        unknown.ratelimits.map((l: { name: string }) => l.name),
        ['requests'],
        'a name the key does not have is not a limit of it',
      )
    })

    it('takes `cost` credits from remaining, refuses a cost above it without taking, and cost 0 takes none', async () => {
      const k = await s.createKey(admin, { remaining: 10 })
      assert.equal((await verify({ key: k.key, cost: 4 })).remaining, 6)
      const over = await verify({ key: k.key, cost: 7 })
      assert.equal(over.code, 'USAGE_EXCEEDED')
      assert.equal((await verify({ key: k.key, cost: 0 })).remaining, 6)
      assert.equal((await verify({ key: k.key })).remaining, 5)
      const bad = await s.request('POST', '/v1/keys/verify', { token: admin, body: { key: k.key, cost: -1 } })
      assert.equal(bad.status, 400)
    })

    it('lets a limited key create only keys at least as limited (rights never grow)', async () => {
      const parent = await s.createKey(admin, {
        scopes: ['keys:write', 'keys:read'],
        ratelimits: [{ name: 'tokens', limit: 10, window_s: 60, auto_apply: true }],
      })
      const loose = await s.request('POST', '/v1/keys', {
        token: parent.key,
        body: { name: 'child', scopes: ['keys:read'] },
      })
      assert.equal(loose.status, 403)
      assert.match(loose.body.error.message, /"tokens"/)
      const looser = await s.request('POST', '/v1/keys', {
        token: parent.key,
        body: {
          name: 'child',
          scopes: ['keys:read'],
          ratelimits: [{ name: 'tokens', limit: 11, window_s: 60, auto_apply: true }],
        },
      })
      assert.equal(looser.status, 403)
      const tight = await s.request('POST', '/v1/keys', {
        token: parent.key,
        body: {
          name: 'child',
          scopes: ['keys:read'],
          ratelimits: [{ name: 'tokens', limit: 5, window_s: 60, auto_apply: true }],
        },
      })
      assert.equal(tight.status, 201)
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`validation answers in words people can act on (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    /** The error of a request that must fail with 400 `validation_failed`. */
    const refused = async (method: string, url: string, body?: unknown) => {
      const r = await s.request(method, url, { token: admin, body })
      assert.equal(r.status, 400, r.text)
      assert.equal(r.body.error.code, 'validation_failed')
      return r.body.error as { message: string; details: { field: string; message: string; keyword?: string }[] }
    }

    it("describes an organization's handle in words, not as its regular expression (a new user's find)", async () => {
      const e = await refused('POST', '/v1/organizations', { name: 'Globex', handle: 'Globex Corp' })
      assert.equal(
        e.message,
        'Handle may only contain lowercase letters, digits, underscores and hyphens, starting with a letter or digit (at most 64)',
      )
    })

    it('refuses a key born expired at creation, naming the field, and creates nothing', async () => {
      const e = await refused('POST', '/v1/keys', { name: 'late', expires_at: '2020-01-01T00:00:00Z' })
      assert.equal(e.message, 'Expiry must be in the future')
      assert.deepEqual(e.details, [{ field: 'expires_at', message: 'Expiry must be in the future' }])
      assert.equal((await s.request('GET', '/v1/keys', { token: admin })).body.total, 0)
      // PATCH keeps "a past date expires the key now".
      const k = await s.createKey(admin, { expires_at: new Date(Date.now() + 60_000).toISOString() })
      const p = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: { expires_at: '2020-01-01T00:00:00Z' },
      })
      assert.equal(p.body.status, 'expired')
    })

    // An attacker's find: Ajv's coercion (`x == +x`) read `0x10` as key 16, `1e1` as 10 and ` 16` as 16, in paths and
    // query strings alike. Text that is not a decimal integer names nothing.
    it('reads ids and counts in paths and query strings as decimal digits only', async () => {
      const k = await s.createKey(admin, { name: 'sixteen' })
      for (const spelling of [`0x${k.id.toString(16)}`, `${k.id}.0`, `%20${k.id}`, `0${k.id}`, `${k.id / 10}e1`]) {
        const e = await refused('GET', `/v1/keys/${spelling}`)
        assert.deepEqual(e.details, [
          { field: 'params.id', message: 'Id must be a whole number', keyword: 'type', params: { type: 'integer' } },
        ])
      }
      assert.equal((await refused('GET', '/v1/keys?limit=1e1')).details[0]?.field, 'querystring.limit')
      assert.equal((await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).body.name, 'sixteen')
      assert.equal((await s.request('GET', '/v1/keys?limit=10', { token: admin })).status, 200)
    })

    it('refuses a body of `null` where a route reads one (a PATCH of null changed nothing and answered 200)', async () => {
      const k = await s.createKey(admin, { name: 'kept' })
      for (const [method, url] of [
        ['PATCH', `/v1/keys/${k.id}`],
        ['POST', `/v1/keys/${k.id}/revoke`],
        ['POST', '/v1/keys'],
      ] as const) {
        const e = await refused(method, url, 'null')
        assert.deepEqual(e.details, [
          { field: 'body', message: e.message, keyword: 'type', params: { type: 'object' } },
        ])
      }
      const after = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.equal(after.body.status, 'active')
      // No body at all is still an empty object: a revoke needs none.
      assert.equal((await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin })).status, 200)
    })

    it('does not let a native caller opt into born-expired keys (faces only)', async () => {
      const e = await refused('POST', '/v1/keys', {
        name: 'sneaky',
        expires_at: '2020-01-01T00:00:00Z',
        allow_past_expiry: true,
      })
      assert.match(e.message, /"allow_past_expiry" is not a field this request accepts/)
    })

    it('says in the OpenAPI document that refill resets the budget and what scopes mean', async () => {
      const doc = (await s.request('GET', '/openapi.json')).text
      assert.match(doc, /Resets `remaining` to `amount` every `interval_s` seconds \(a reset, not an addition\)/)
      assert.match(doc, /Scopes your API checks when it verifies the key/)
    })

    // A new user's find: every body was marked required, so generated clients had to send `{}` to end-grace.
    it('marks a body required in the OpenAPI document only when it has a required field', async () => {
      const paths = (await s.request('GET', '/openapi.json')).body.paths
      const required = (path: string, method = 'post') => paths[path][method].requestBody.required
      for (const path of ['/v1/keys/{id}/end-grace', '/v1/keys/{id}/roll', '/v1/keys/{id}/revoke'])
        assert.equal(required(path), false, path)
      assert.equal(required('/v1/webhooks/{id}/end-overlap'), false)
      assert.equal(required('/v1/keys'), true, 'a key needs a name')
      assert.equal(
        (await s.request('POST', `/v1/keys/${(await s.createKey(admin)).id}/roll`, { token: admin })).status,
        200,
      )
    })

    it('turns schema errors into sentences, keeping field and keyword for machines', async () => {
      const cases: [string, string, unknown, RegExp, string][] = [
        ['POST', '/v1/keys', { name: 'x'.repeat(101) }, /^Name is at most 100 characters$/, 'body.name'],
        ['POST', '/v1/keys', { name: '' }, /^Name cannot be empty$/, 'body.name'],
        ['POST', '/v1/keys', { name: '   ' }, /^Name may only contain text, not only spaces$/, 'body.name'],
        ['PATCH', '/v1/keys/1', { name: ' \t ' }, /^Name may only contain text, not only spaces$/, 'body.name'],
        [
          'POST',
          '/v1/keys',
          { name: 'd', expires_at: 'tomorrow' },
          /^Expiry must be a date and time such as/,
          'body.expires_at',
        ],
        [
          'POST',
          '/v1/keys',
          { name: 'r', rate_limit: { limit: 0, window_s: 60 } },
          /^The rate limit must be at least 1$/,
          'body.rate_limit.limit',
        ],
        [
          'POST',
          '/v1/users',
          { email: 'a@example.com', password: 'short' },
          /^Password needs at least 8 characters$/,
          'body.password',
        ],
        [
          'POST',
          '/v1/users',
          { email: 'a@example.com', password: 'long-enough-1', username: 'has space' },
          /^Username may only contain letters, digits, dots, underscores and hyphens$/,
          'body.username',
        ],
        ['POST', '/v1/users', { password: 'long-enough-1' }, /^Email is required$/, 'body.email'],
        [
          'POST',
          '/v1/keys',
          { name: 'limited', ratelimits: [{ name: '', limit: 100, window_s: 60 }] },
          /^Rate limit 1: the name cannot be empty$/,
          'body.ratelimits.0.name',
        ],
        [
          'POST',
          '/v1/keys',
          { name: 'limited', ratelimits: [{ name: 'has space', limit: 100, window_s: 60 }] },
          /^Rate limit 1: the name may only contain letters, digits and \. _ : - \(1 to 64 of them\)$/,
          'body.ratelimits.0.name',
        ],
        ['GET', '/v1/keys/abc', undefined, /^Id must be a whole number$/, 'params.id'],
        [
          'GET',
          '/v1/keys?status=bogus',
          undefined,
          /^Status must be one of: active, expired, disabled, revoked$/,
          'querystring.status',
        ],
      ]
      for (const [method, url, body, message, field] of cases) {
        const e = await refused(method, url, body)
        assert.match(e.message, message, `${method} ${url} ${JSON.stringify(body)}`)
        assert.equal(e.details[0]?.field, field)
        assert.match(e.details[0]?.message ?? '', message)
        assert.ok(e.details[0]?.keyword, 'the schema keyword stays available to programs')
        assert.doesNotMatch(e.message, /must NOT|must match|instancePath|invalid body/)
      }
    })

    it('names a named limit by its row, as the dashboard numbers them', async () => {
      const ok = { name: 'default', limit: 10, window_s: 60 }
      const e = await refused('POST', '/v1/keys', { name: 'rows', ratelimits: [ok, { ...ok, name: 'b', limit: 0 }] })
      assert.deepEqual(
        e.details.map((d) => [d.field, d.message]),
        [['body.ratelimits.1.limit', 'Rate limit 2: the limit must be at least 1']],
      )
      const w = await refused('POST', '/v1/identities', { external_id: 'rows', ratelimits: [{ name: 'a', limit: 1 }] })
      assert.equal(w.message, 'Rate limit 1: the window (s) is required')
    })
  })
}

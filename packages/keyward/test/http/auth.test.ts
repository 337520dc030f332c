import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`auth and HTTP edges (${store})`, () => {
    let s: TestServer
    before(async () => {
      s = await TestServer.start(store)
    })
    after(() => s.close())

    it('logs in with email or username, reports whoami, and logs out', async () => {
      const r = await s.request('POST', '/v1/auth/login', {
        body: { email: ADMIN.email.toUpperCase(), password: ADMIN.password },
      })
      assert.equal(r.status, 200)
      assert.equal(r.body.token_type, 'Bearer')
      assert.ok(!r.body.access_token.includes('.'), 'session tokens are opaque, not JWT-shaped')
      assert.ok(Date.parse(r.body.expires_at) > Date.now())
      assert.equal(r.body.user.role, 'admin')
      assert.ok(!('password_hash' in r.body.user))
      const token = r.body.access_token
      const who = await s.request('GET', '/v1/auth/whoami', { token })
      assert.equal(who.status, 200)
      assert.deepEqual(
        { kind: who.body.actor.kind, via: who.body.via, email: who.body.user.email },
        { kind: 'user', via: 'session', email: ADMIN.email },
      )
      const byName = await s.request('POST', '/v1/auth/login', { body: { email: 'admin', password: ADMIN.password } })
      assert.equal(byName.status, 200)
      assert.equal((await s.request('POST', '/v1/auth/logout', { token })).status, 204)
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token })).status, 401)
    })

    it('shows a key and its owner in whoami when a key is the credential', async () => {
      const admin = await s.adminToken()
      const k = await s.createKey(admin, { name: 'who-key', scopes: ['keys:read'] })
      const who = await s.request('GET', '/v1/auth/whoami', { token: k.key })
      assert.equal(who.body.via, 'key')
      assert.equal(who.body.api_key.id, k.id)
      assert.deepEqual(who.body.scopes, ['keys:read'])
      assert.equal(who.body.user.email, ADMIN.email)
      const out = await s.request('POST', '/v1/auth/logout', { token: k.key })
      assert.equal(out.status, 400)
      // A bad copy says what to check, not only its code: a truncated key (still long enough to be some
      // imported key's secret: unknown) and a word that is no token at all.
      const cut = await s.request('GET', '/v1/auth/whoami', { token: k.key.slice(0, -3) })
      assert.equal(cut.status, 401)
      assert.match(cut.body.error.message, /^API key refused: NOT_FOUND \(.*copied whole.*\)$/)
      assert.deepEqual(cut.body.error.details, { code: 'NOT_FOUND' })
      const word = await s.request('GET', '/v1/auth/whoami', { token: 'hello' })
      assert.match(word.body.error.message, /^API key refused: MALFORMED \(.*copied whole\)$/)
    })

    it('refuses wrong passwords with 401 and throttles repeated failures per account with 429', async () => {
      const admin = await s.adminToken()
      await s.member('victim', admin)
      const wrong = await s.request('POST', '/v1/auth/login', {
        body: { email: 'victim@example.com', password: 'nope' },
      })
      assert.equal(wrong.status, 401)
      assert.equal(wrong.body.error.code, 'unauthorized')
      const unknown = await s.request('POST', '/v1/auth/login', {
        body: { email: 'ghost@example.com', password: 'nope' },
      })
      assert.deepEqual(unknown.body, wrong.body, 'unknown accounts are indistinguishable')
      for (let i = 0; i < 9; i++)
        await s.request('POST', '/v1/auth/login', { body: { email: 'victim@example.com', password: 'nope' } })
      const blocked = await s.request('POST', '/v1/auth/login', {
        body: { email: 'victim@example.com', password: 'victim-password-1' },
      })
      assert.equal(blocked.status, 429)
      assert.equal(blocked.body.error.code, 'rate_limited')
      assert.ok(Number(blocked.headers['retry-after']) > 0)
    })

    it('answers bad input with 4xx and a stable code, never 500', async () => {
      const admin = await s.adminToken()
      const cases: [string, string, { body?: unknown; headers?: Record<string, string> }, number, string][] = [
        ['POST', '/v1/keys', { body: '{"name": ' }, 400, 'invalid_json'],
        ['POST', '/v1/keys', { body: {} }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', extra: 1 } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', expires_at: 'tomorrow' } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', scopes: 'a' } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', rate_limit: { limit: 0, window_s: 1 } } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', refill: { amount: 1, interval_s: 1 } } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', prefix: 'Bad_Prefix' } }, 400, 'validation_failed'],
        ['POST', '/v1/keys', { body: { name: 'x', owner: { kind: 'device', id: 424242 } } }, 404, 'not_found'],
        [
          'POST',
          '/v1/keys',
          { body: 'name=x', headers: { 'content-type': 'text/plain' } },
          415,
          'unsupported_media_type',
        ],
        ['POST', '/v1/keys', { body: { name: 'x'.repeat(70_000) } }, 413, 'payload_too_large'],
        ['GET', '/v1/keys/abc', {}, 400, 'validation_failed'],
        ['GET', '/v1/keys/99999999999', {}, 400, 'validation_failed'],
        ['GET', '/v1/keys?status=weird', {}, 400, 'validation_failed'],
        ['PATCH', '/v1/keys/1', { body: { name: null } }, 400, 'validation_failed'],
        ['GET', '/v1/nothing-here', {}, 404, 'not_found'],
        ['POST', '/v1/keys/verify', { body: { key: '' } }, 400, 'validation_failed'],
        ['POST', '/v1/users', { body: { email: 'not-an-email', password: 'password-123' } }, 400, 'validation_failed'],
        ['POST', '/v1/users', { body: { email: ADMIN.email, password: 'password-123' } }, 409, 'conflict'],
      ]
      const plain = await s.request('POST', '/v1/keys', {
        token: admin,
        body: 'x',
        headers: { 'content-type': 'text/plain' },
      })
      assert.match(plain.body.error.message, /send JSON, with content-type: application\/json$/)
      for (const [method, url, opts, status, code] of cases) {
        const r = await s.request(method, url, { token: admin, ...opts })
        assert.equal(
          r.status,
          status,
          `${method} ${url} ${JSON.stringify(opts.body)?.slice(0, 60)}: ${r.text.slice(0, 200)}`,
        )
        assert.equal(r.body?.error?.code, code, `${method} ${url}`)
        assert.equal(typeof r.body.error.message, 'string')
      }
    })

    it('treats an empty application/json body as no body', async () => {
      const admin = await s.adminToken()
      const k = await s.createKey(admin)
      const r = await s.request('POST', `/v1/keys/${k.id}/disable`, {
        token: admin,
        body: '',
        headers: { 'content-type': 'application/json' },
      })
      assert.equal(r.status, 200)
    })

    it('serves health, readiness, the OpenAPI document and the docs page', async () => {
      assert.deepEqual((await s.request('GET', '/healthz')).body, { status: 'ok' })
      assert.deepEqual((await s.request('GET', '/readyz')).body, { status: 'ready' })
      const doc = await s.request('GET', '/openapi.json')
      assert.equal(doc.body.openapi, '3.1.0')
      for (const path of [
        '/v1/keys',
        '/v1/keys/{id}',
        '/v1/keys/verify',
        '/v1/keys/{id}/roll',
        '/v1/auth/login',
        '/v1/users',
        '/v1/audit',
      ]) {
        assert.ok(doc.body.paths[path], `OpenAPI lists ${path}`)
      }
      assert.ok(doc.body.paths['/v1/keys'].post.requestBody)
      const docs = await s.request('GET', '/docs/')
      assert.equal(docs.status, 200)
      assert.match(docs.text, /swagger/i)
    })
  })
}

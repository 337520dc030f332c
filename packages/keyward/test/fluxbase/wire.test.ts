import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, STORES, TestServer } from '../helpers.js'

/** A reply as Fluxbase's SDK sees it: status, headers and the parsed JSON body. */
interface Reply {
  status: number
  headers: Headers
  body: any
}

const KEY_FIELDS = [
  'created_at',
  'description',
  'disabled_at',
  'expires_at',
  'id',
  'key_prefix',
  'last_used_at',
  'name',
  'rate_limit_per_minute',
  'revoked_at',
  'scopes',
  'updated_at',
  'user_id',
]
const USER_FIELDS = ['created_at', 'email', 'email_verified', 'id', 'metadata', 'role', 'updated_at']
const FAMILIES = [
  { path: '/api/v1/api-keys', one: 'api_key', many: 'api_keys', word: 'API key', v2026: false },
  { path: '/api/v1/client-keys', one: 'client_key', many: 'client_keys', word: 'Client key', v2026: true },
] as const

for (const store of STORES) {
  describe(`Fluxbase face, exact wire requests (${store})`, () => {
    let s: TestServer
    let url: string
    let adminToken: string

    /**
     * Sends a request exactly as Fluxbase's SDK does: always `Content-Type: application/json`,
     * a body only when there is one, the bearer once signed in, and (2026) the `apikey` header.
     */
    async function flux(
      method: string,
      path: string,
      opts: { token?: string; body?: unknown; headers?: Record<string, string>; v2026?: boolean } = {},
    ): Promise<Reply> {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers }
      if (opts.v2026) headers.apikey = 'anon-key-of-a-2026-client'
      if (opts.token) headers.authorization = `Bearer ${opts.token}`
      const r = await fetch(url + path, {
        method,
        headers,
        body:
          opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
      })
      const text = await r.text()
      return {
        status: r.status,
        headers: r.headers,
        body: (r.headers.get('content-type') ?? '').includes('application/json') ? JSON.parse(text) : text,
      }
    }
    const signIn = async (email: string, password: string) => {
      const r = await flux('POST', '/api/v1/auth/signin', { body: { email, password } })
      assert.equal(r.status, 200, JSON.stringify(r.body))
      return r.body as { access_token: string; refresh_token: string; user: { id: string } }
    }

    before(async () => {
      s = await TestServer.start(store, { env: { KEYWARD_USAGE_FLUSH_MS: '20' } })
      url = await s.kw.app.listen({ port: 0, host: '127.0.0.1' })
      adminToken = await s.adminToken()
      await s.member('rita', adminToken)
      await s.member('sam', adminToken)
    })
    after(() => s.close())

    it('signs in with {email, password} and answers {user, access_token, refresh_token, expires_in}', async () => {
      // A 2026 client sends its anon key as the bearer while signed out, plus captcha fields: ignored.
      const r = await flux('POST', '/api/v1/auth/signin', {
        body: { email: 'rita@example.com', password: 'rita-password-1', captcha_token: 'x' },
        token: 'anon-key',
        v2026: true,
      })
      assert.equal(r.status, 200)
      assert.match(r.headers.get('content-type')!, /^application\/json/)
      assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'user'])
      assert.deepEqual(Object.keys(r.body.user).sort(), USER_FIELDS)
      assert.equal(r.body.user.email, 'rita@example.com')
      assert.equal(r.body.user.email_verified, true)
      assert.equal(r.body.user.role, 'member')
      assert.equal(r.body.user.metadata, null)
      assert.equal(typeof r.body.user.id, 'string')
      assert.ok(r.body.expires_in > 60)
      assert.ok(!r.body.access_token.includes('.') && !r.body.refresh_token.includes('.'), 'tokens are opaque')
      const me = await flux('GET', '/api/v1/auth/user', { token: r.body.access_token })
      assert.equal(me.status, 200)
      assert.deepEqual(me.body, r.body.user)
    })

    it('refuses wrong credentials with 401 {"error":"Invalid email or password","code":"INVALID_CREDENTIALS"}', async () => {
      const r = await flux('POST', '/api/v1/auth/signin', {
        body: { email: 'rita@example.com', password: 'wrong-password' },
      })
      assert.equal(r.status, 401)
      assert.deepEqual(r.body, { error: 'Invalid email or password', code: 'INVALID_CREDENTIALS' })
    })

    it('refreshes with {refresh_token}: a new session with the user; the used refresh token and old access token die', async () => {
      const first = await signIn('rita@example.com', 'rita-password-1')
      const r = await flux('POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } })
      assert.equal(r.status, 200)
      assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'user'])
      assert.equal(r.body.user.email, 'rita@example.com')
      assert.equal((await flux('GET', '/api/v1/auth/user', { token: r.body.access_token })).status, 200)
      assert.equal((await flux('GET', '/api/v1/auth/user', { token: first.access_token })).status, 401)
      const reused = await flux('POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } })
      assert.equal(reused.status, 401)
      assert.equal(reused.body.error, 'Invalid or expired refresh token')
      assert.equal(
        (await flux('POST', '/api/v1/auth/refresh', { body: { refresh_token: r.body.refresh_token } })).status,
        200,
      )
    })

    it('signs out with an empty JSON body (200 {"message"}), also when already signed out', async () => {
      const session = await signIn('rita@example.com', 'rita-password-1')
      const r = await flux('POST', '/api/v1/auth/signout', { token: session.access_token, body: '' })
      assert.equal(r.status, 200)
      assert.deepEqual(r.body, { message: 'Successfully signed out' })
      const me = await flux('GET', '/api/v1/auth/user', { token: session.access_token })
      assert.equal(me.status, 401)
      assert.deepEqual(me.body, { error: 'Invalid or expired token', code: 'INVALID_TOKEN' })
      assert.equal(
        (await flux('POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refresh_token } })).status,
        401,
        'the refresh token ends with the session',
      )
      assert.deepEqual((await flux('POST', '/api/v1/auth/signout', { token: session.access_token })).body, {
        message: 'Successfully signed out',
      })
    })

    it('refuses sign-up (403) and answers 401 without a caller', async () => {
      const r = await flux('POST', '/api/v1/auth/signup', {
        body: { email: 'x@example.com', password: 'password-1234' },
      })
      assert.equal(r.status, 403)
      assert.equal(r.body.error, 'Sign-up is disabled')
      assert.equal((await flux('GET', '/api/v1/auth/user')).status, 401)
    })

    for (const f of FAMILIES) {
      it(`${f.path}: create, list, get, PATCH, revoke (row stays), DELETE (gone), in the ${f.one}/${f.many} envelope`, async () => {
        const { access_token: token, user } = await signIn('rita@example.com', 'rita-password-1')
        const created = await flux('POST', f.path, {
          token,
          v2026: f.v2026,
          body: {
            name: 'Production Service',
            description: 'API key for production service',
            scopes: ['read:users', 'write:users'],
            rate_limit_per_minute: 100,
            expires_at: '2030-12-31T23:59:59Z',
          },
        })
        assert.equal(created.status, 201, JSON.stringify(created.body))
        assert.deepEqual(Object.keys(created.body).sort(), [f.one, 'key'].sort())
        const k = created.body[f.one]
        const secret: string = created.body.key
        assert.deepEqual(Object.keys(k).sort(), KEY_FIELDS)
        assert.match(k.id, /^\d+$/)
        assert.ok(secret.startsWith(k.key_prefix))
        assert.deepEqual(
          {
            name: k.name,
            description: k.description,
            scopes: k.scopes,
            rate_limit_per_minute: k.rate_limit_per_minute,
            user_id: k.user_id,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
          },
          {
            name: 'Production Service',
            description: 'API key for production service',
            scopes: ['read:users', 'write:users'],
            rate_limit_per_minute: 100,
            user_id: user.id,
            expires_at: '2030-12-31T23:59:59.000Z',
            revoked_at: null,
            last_used_at: null,
          },
        )

        const list = await flux('GET', f.path, { token, v2026: f.v2026 })
        assert.equal(list.status, 200)
        assert.deepEqual(Object.keys(list.body).sort(), [f.many, 'total'].sort())
        assert.equal(list.body.total, list.body[f.many].length)
        assert.deepEqual(
          list.body[f.many].find((x: { id: string }) => x.id === k.id),
          k,
        )
        assert.ok(
          !JSON.stringify(list.body).includes(secret.slice(k.key_prefix.length)),
          'the secret appears only in create',
        )

        assert.deepEqual((await flux('GET', `${f.path}/${k.id}`, { token, v2026: f.v2026 })).body, k)

        const patched = await flux('PATCH', `${f.path}/${k.id}`, {
          token,
          v2026: f.v2026,
          body: { name: 'Renamed', rate_limit_per_minute: 50 },
        })
        assert.equal(patched.status, 200)
        assert.deepEqual(
          { ...patched.body, updated_at: k.updated_at },
          { ...k, name: 'Renamed', rate_limit_per_minute: 50 },
        )
        const unchanged = await flux('PATCH', `${f.path}/${k.id}`, { token, v2026: f.v2026, body: {} })
        assert.equal(unchanged.status, 200)
        assert.equal(unchanged.body.name, 'Renamed')

        const revoked = await flux('POST', `${f.path}/${k.id}/revoke`, { token, v2026: f.v2026, body: {} })
        assert.equal(revoked.status, 200)
        assert.deepEqual(revoked.body, { message: `${f.word} revoked successfully` })
        const after = await flux('GET', `${f.path}/${k.id}`, { token, v2026: f.v2026 })
        assert.equal(typeof after.body.revoked_at, 'string')
        assert.ok(
          (await flux('GET', f.path, { token })).body[f.many].some(
            (x: { id: string; revoked_at: string | null }) => x.id === k.id && x.revoked_at === after.body.revoked_at,
          ),
        )
        const again = await flux('POST', `${f.path}/${k.id}/revoke`, { token, v2026: f.v2026, body: {} })
        assert.equal(again.status, 200)
        assert.equal(
          (await flux('GET', `${f.path}/${k.id}`, { token })).body.revoked_at,
          after.body.revoked_at,
          'revoking again changes nothing',
        )

        const del = await flux('DELETE', `${f.path}/${k.id}`, { token, v2026: f.v2026, body: '' })
        assert.equal(del.status, 200)
        assert.deepEqual(del.body, { message: `${f.word} deleted successfully` })
        const gone = await flux('GET', `${f.path}/${k.id}`, { token, v2026: f.v2026 })
        assert.equal(gone.status, 404)
        assert.deepEqual(gone.body, { error: `${f.word} not found`, code: 'NOT_FOUND' })
        assert.ok(!(await flux('GET', f.path, { token })).body[f.many].some((x: { id: string }) => x.id === k.id))
      })
    }

    it('validates create: name required, bad JSON, wrong types are 400 {"error"}; defaults: scopes [], 100/min; unknown fields ignored', async () => {
      const { access_token: token } = await signIn('sam@example.com', 'sam-password-1')
      const noName = await flux('POST', '/api/v1/api-keys', { token, body: { scopes: [] } })
      assert.equal(noName.status, 400)
      assert.equal(noName.body.error, 'Name is required')
      const badJson = await flux('POST', '/api/v1/api-keys', { token, body: '{"name":' })
      assert.equal(badJson.status, 400)
      assert.equal(badJson.body.error, 'Invalid JSON body')
      for (const body of [
        { name: 'x', scopes: 'read:users' },
        { name: 'x', rate_limit_per_minute: -1 },
        { name: 'x', rate_limit_per_minute: '5' },
        { name: 'x', expires_at: 'soon' },
        { name: 7 },
      ]) {
        const r = await flux('POST', '/api/v1/api-keys', { token, body })
        assert.equal(r.status, 400, JSON.stringify(body))
        assert.equal(typeof r.body.error, 'string')
      }
      const minimal = await flux('POST', '/api/v1/client-keys', {
        token,
        body: { name: 'defaults', rate_limit_per_minute: 0, some_future_field: true },
      })
      assert.equal(minimal.status, 201)
      assert.deepEqual(minimal.body.client_key.scopes, [])
      assert.equal(minimal.body.client_key.rate_limit_per_minute, 100)
      const past = await flux('POST', '/api/v1/api-keys', {
        token,
        body: { name: 'born expired', expires_at: '2020-01-01T00:00:00Z' },
      })
      assert.equal(past.status, 201)
      const used = await flux('GET', '/api/v1/auth/user', { headers: { 'x-api-key': past.body.key } })
      assert.equal(used.status, 401)
      assert.equal(used.body.error, 'API key has expired')
    })

    it("keeps users to their own keys (404 for others') and lets admins list another user's with ?user_id=", async () => {
      const rita = await signIn('rita@example.com', 'rita-password-1')
      const sam = await signIn('sam@example.com', 'sam-password-1')
      const k = (await flux('POST', '/api/v1/api-keys', { token: rita.access_token, body: { name: 'ritas own' } })).body
        .api_key
      for (const [method, path] of [
        ['GET', ''],
        ['PATCH', ''],
        ['POST', '/revoke'],
        ['DELETE', ''],
      ] as const) {
        const r = await flux(method, `/api/v1/api-keys/${k.id}${path}`, {
          token: sam.access_token,
          body: method === 'PATCH' ? { name: 'mine now' } : method === 'POST' ? {} : undefined,
        })
        assert.equal(r.status, 404, `${method} ${path}`)
        assert.equal(r.body.error, 'API key not found')
      }
      for (const id of ['999999', 'abc', '0', '1e3'])
        assert.equal(
          (await flux('GET', `/api/v1/client-keys/${id}`, { token: rita.access_token })).body.error,
          'Client key not found',
        )
      const samList = await flux('GET', `/api/v1/api-keys?user_id=${rita.user.id}`, { token: sam.access_token })
      assert.ok(
        samList.body.api_keys.every((x: { user_id: string }) => x.user_id === sam.user.id),
        "a member's user_id is ignored",
      )
      const admin = await signIn(ADMIN.email, ADMIN.password)
      const adminList = await flux('GET', `/api/v1/api-keys?user_id=${rita.user.id}`, { token: admin.access_token })
      assert.ok(adminList.body.api_keys.some((x: { id: string }) => x.id === k.id))
      assert.ok(adminList.body.api_keys.every((x: { user_id: string }) => x.user_id === rita.user.id))
    })

    it('authenticates with X-API-Key and X-Client-Key (even behind a 2026 anon bearer), never with apikey', async () => {
      const { access_token: token, user } = await signIn('rita@example.com', 'rita-password-1')
      const { key } = (
        await flux('POST', '/api/v1/client-keys', {
          token,
          body: { name: 'manager', scopes: ['read:clientkeys', 'write:clientkeys'] },
        })
      ).body
      const v02 = await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': key } })
      assert.equal(v02.status, 200)
      assert.ok(v02.body.api_keys.every((x: { user_id: string }) => x.user_id === user.id))
      const v2026 = await flux('GET', '/api/v1/client-keys', {
        v2026: true,
        token: 'anon-key-of-a-2026-client',
        headers: { 'x-client-key': key },
      })
      assert.equal(v2026.status, 200)
      assert.equal((await flux('GET', '/api/v1/auth/user', { headers: { 'x-client-key': key } })).body.id, user.id)
      const made = await flux('POST', '/api/v1/client-keys', {
        headers: { 'x-client-key': key },
        body: { name: 'made by a key', scopes: ['read:clientkeys'] },
      })
      assert.equal(made.status, 201)
      assert.equal(made.body.client_key.user_id, user.id)
      const anonOnly = await flux('GET', '/api/v1/client-keys', { headers: { apikey: key } })
      assert.equal(anonOnly.status, 401)
      const bogus = await flux('GET', '/api/v1/client-keys', { headers: { 'x-client-key': 'kw_' + 'A'.repeat(49) } })
      assert.equal(bogus.status, 401)
      assert.equal(bogus.body.error, 'Invalid Client key')
    })

    it('requires a management scope of key-authenticated callers (403 naming it); * grants all', async () => {
      const { access_token: token } = await signIn('rita@example.com', 'rita-password-1')
      const reader = (
        await flux('POST', '/api/v1/api-keys', { token, body: { name: 'reader', scopes: ['clientkeys:read'] } })
      ).body.key
      const other = (
        await flux('POST', '/api/v1/api-keys', { token, body: { name: 'tables only', scopes: ['read:tables'] } })
      ).body.key
      const star = (await flux('POST', '/api/v1/api-keys', { token, body: { name: 'star', scopes: ['*'] } })).body.key
      assert.equal((await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': reader } })).status, 200)
      const write = await flux('POST', '/api/v1/api-keys', { headers: { 'x-api-key': reader }, body: { name: 'nope' } })
      assert.equal(write.status, 403)
      assert.deepEqual(write.body, {
        error: 'Insufficient permissions',
        code: 'FORBIDDEN',
        required_scope: 'write:clientkeys',
      })
      const read = await flux('GET', '/api/v1/client-keys', { headers: { 'x-client-key': other } })
      assert.equal(read.status, 403)
      assert.equal(read.body.required_scope, 'read:clientkeys')
      assert.equal(
        (
          await flux('POST', '/api/v1/client-keys', {
            headers: { 'x-client-key': star },
            body: { name: 'by star', scopes: ['read:tables'] },
          })
        ).status,
        201,
      )
    })

    it('enforces rate_limit_per_minute with the per-key limiter: 429, Retry-After, retry_after; revoked beats 429', async () => {
      const { access_token: token } = await signIn('sam@example.com', 'sam-password-1')
      const created = (
        await flux('POST', '/api/v1/api-keys', {
          token,
          body: { name: 'limited', scopes: ['read:clientkeys'], rate_limit_per_minute: 3 },
        })
      ).body
      const key: string = created.key
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': key } })).status,
          200,
          `request ${i + 1}`,
        )
      const limited = await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': key } })
      assert.equal(limited.status, 429)
      const retry = Number(limited.headers.get('retry-after'))
      assert.ok(retry >= 1 && retry <= 60)
      assert.deepEqual(limited.body, { error: 'Rate limit exceeded', code: 'RATE_LIMIT_EXCEEDED', retry_after: retry })
      // The same limiter answers native verifications.
      assert.equal((await s.verify(adminToken, key)).code, 'RATE_LIMITED')
      const native = await flux('GET', '/v1/auth/whoami', { token: key })
      assert.equal(native.status, 429, 'a native call with the key as bearer is limited too')
      assert.equal(native.body.error.code, 'rate_limited')
      // Session calls count against no key.
      assert.equal((await flux('GET', `/api/v1/api-keys/${created.api_key.id}`, { token })).status, 200)
      // A new limit applies from the next request.
      const raised = await flux('PATCH', `/api/v1/api-keys/${created.api_key.id}`, {
        token,
        body: { rate_limit_per_minute: 10 },
      })
      assert.equal(raised.body.rate_limit_per_minute, 10)
      assert.equal((await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': key } })).status, 200)
      // Over its limit and then revoked: revocation is checked first.
      const once = (
        await flux('POST', '/api/v1/api-keys', {
          token,
          body: { name: 'once', scopes: ['read:clientkeys'], rate_limit_per_minute: 1 },
        })
      ).body
      assert.equal((await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': once.key } })).status, 200)
      assert.equal((await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': once.key } })).status, 429)
      await flux('POST', `/api/v1/api-keys/${once.api_key.id}/revoke`, { token, body: {} })
      const revoked = await flux('GET', '/api/v1/api-keys', { headers: { 'x-api-key': once.key } })
      assert.equal(revoked.status, 401)
      assert.equal(revoked.body.error, 'API key has been revoked')
    })

    it('reports disabled keys as 401 "… has been disabled" and records last_used_at', async () => {
      const { access_token: token } = await signIn('rita@example.com', 'rita-password-1')
      const created = (
        await flux('POST', '/api/v1/client-keys', { token, body: { name: 'usage', scopes: ['read:clientkeys'] } })
      ).body
      assert.equal((await flux('GET', '/api/v1/client-keys', { headers: { 'x-client-key': created.key } })).status, 200)
      let lastUsed: string | null = null
      for (let i = 0; i < 100 && lastUsed === null; i++) {
        await new Promise((r) => setTimeout(r, 20))
        lastUsed = (await flux('GET', `/api/v1/client-keys/${created.client_key.id}`, { token })).body.last_used_at
      }
      assert.equal(typeof lastUsed, 'string', 'last_used_at is set after a use (batched)')
      const member = await s.login('rita@example.com', 'rita-password-1')
      assert.equal(
        (await s.request('POST', `/v1/keys/${created.client_key.id}/disable`, { token: member })).status,
        200,
      )
      const r = await flux('GET', '/api/v1/client-keys', { headers: { 'x-client-key': created.key } })
      assert.equal(r.status, 401)
      assert.equal(r.body.error, 'Client key has been disabled')
    })

    it('answers unknown /api/v1 routes in its envelope, leaves native /v1 alone, and allows CORS preflights', async () => {
      const nf = await flux('GET', '/api/v1/tables/users')
      assert.equal(nf.status, 404)
      assert.equal(typeof nf.body.error, 'string')
      const native = await flux('GET', '/v1/keys')
      assert.equal(native.status, 401)
      assert.equal(native.body.error.code, 'unauthorized', 'native routes keep the native envelope')
      const pre = await fetch(`${url}/api/v1/client-keys/1`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization,content-type,apikey,x-client-key',
        },
      })
      assert.equal(pre.status, 204)
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com')
      assert.match(pre.headers.get('access-control-allow-methods')!, /PATCH/)
      assert.match(pre.headers.get('access-control-allow-headers')!, /X-Client-Key/)
    })
  })
}

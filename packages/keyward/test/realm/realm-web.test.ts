import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as Realm from 'realm-web'
import { manualClock } from '../../src/core/clock.js'
import { createKeyward } from '../../src/server.js'
import { ADMIN, STORES, TestServer } from '../helpers.js'

const P = '/api/client/v2.0'

/** Asserts that `p` rejects with realm-web's MongoDBRealmError of this status (and error_code). */
async function rejectsRealm(p: Promise<unknown>, status: number, errorCode?: string): Promise<Realm.MongoDBRealmError> {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof Realm.MongoDBRealmError, `expected MongoDBRealmError, got ${String(e)}`)
    assert.equal(e.statusCode, status, e.message)
    if (errorCode) assert.equal(e.errorCode, errorCode, e.message)
    return e
  }
  assert.fail(`expected a ${status} MongoDBRealmError`)
}

/** The raw profile document, as `GET /auth/profile` answers it. */
async function rawProfile(
  base: string,
  user: Realm.User,
): Promise<{ type: string; identities: { provider_type: string }[]; data: Record<string, unknown> }> {
  const r = await fetch(`${base}${P}/auth/profile`, { headers: { authorization: `Bearer ${user.accessToken}` } })
  assert.equal(r.status, 200)
  return r.json()
}

const decodeJwt = (t: string) =>
  JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

for (const store of STORES) {
  describe(`Realm face with the real realm-web client (${store})`, () => {
    const clock = manualClock(new Date())
    let s: TestServer
    let url: string
    let adminToken: string
    // realm-web keeps users per app id in process-wide storage: one id per suite.
    const newApp = () => new Realm.App({ id: `any-app-id-${store}`, baseUrl: url })
    const password = (email: string, pw: string) => Realm.Credentials.emailPassword(email, pw)

    before(async () => {
      // The anonymous provider is off by default; this suite drives it.
      s = await TestServer.start(store, { clock, env: { KEYWARD_REALM_ANONYMOUS: '1' } })
      url = await s.kw.app.listen({ port: 0, host: '127.0.0.1' })
      adminToken = await s.adminToken()
      await s.member('rita', adminToken)
      await s.member('sam', adminToken)
    })
    after(() => s.close())

    it('answers the location request with its own origin, for any app id', async () => {
      const r = await fetch(`${url}${P}/app/whatever-123/location`)
      assert.equal(r.status, 200)
      assert.deepEqual(await r.json(), {
        deployment_model: 'GLOBAL',
        location: 'US-VA',
        hostname: url,
        ws_hostname: url.replace('http', 'ws'),
      })
      const user = await new Realm.App({ id: 'another-app', baseUrl: url }).logIn(password(ADMIN.email, ADMIN.password))
      assert.equal(user.state, 'active')
      await user.logOut()
    })

    it('logs in with email/password, issues a JWT access token with numeric exp/iat and an opaque refresh token', async () => {
      const app = newApp()
      const user = await app.logIn(password('rita@example.com', 'rita-password-1'))
      assert.match(user.id, /^[0-9a-f]{24}$/)
      assert.equal(user.profile.email, 'rita@example.com')
      assert.equal(user.providerType, 'local-userpass')
      assert.match(user.deviceId ?? '', /^[0-9a-f]{24}$/)
      const claims = decodeJwt(user.accessToken!)
      assert.equal(claims.sub, user.id)
      assert.equal(typeof claims.exp, 'number')
      assert.equal(typeof claims.iat, 'number')
      assert.equal(claims.baas_device_id, user.deviceId)
      assert.ok(!user.refreshToken!.includes('.'), 'refresh tokens are opaque')
      assert.deepEqual(user.customData, {})
      assert.doesNotThrow(() => JSON.stringify(user))
      // Only the hash of a refresh token is stored.
      const rows = await s.kw.services.store.db.selectFrom('refresh_token').select(['token_hash']).execute()
      assert.ok(
        rows.length > 0 && rows.every((r) => r.token_hash !== user.refreshToken && /^[0-9a-f]{64}$/.test(r.token_hash)),
      )
      await user.logOut()
    })

    // base64url's last character of a 32-byte signature carries 2 unused bits: four spellings decode to one
    // signature. Only the spelling Keyward issued is a token (a denylist or log keyed by the text sees one token).
    it('refuses an access token whose signature is spelled in a non-canonical base64url', async () => {
      const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      const token = user.accessToken!
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]
      assert.deepEqual(Buffer.from(twin.split('.')[2]!, 'base64url'), Buffer.from(token.split('.')[2]!, 'base64url'))
      const profile = (t: string) =>
        fetch(`${url}${P}/auth/profile`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status)
      assert.equal(await profile(token), 200)
      assert.equal(await profile(twin), 401)
      await user.logOut()
    })

    it('refuses a wrong password or unknown email with MongoDBRealmError 401 InvalidPassword', async () => {
      await rejectsRealm(newApp().logIn(password('rita@example.com', 'nope-nope-nope')), 401, 'InvalidPassword')
      await rejectsRealm(newApp().logIn(password('nobody@example.com', 'nope-nope-nope')), 401, 'InvalidPassword')
    })

    it('creates, lists, fetches, disables, enables and deletes user API keys; a key logs in as its owner only while enabled', async () => {
      const app = newApp()
      const user = await app.logIn(password('rita@example.com', 'rita-password-1'))
      const created = await user.apiKeys.create('laptop')
      assert.deepEqual(Object.keys(created).sort(), ['_id', 'disabled', 'key', 'name'])
      assert.match(created._id, /^[0-9a-f]{24}$/)
      assert.equal(created.name, 'laptop')
      assert.equal(created.disabled, false)
      assert.match(created.key, /^kw_/)
      await rejectsRealm(user.apiKeys.create('laptop'), 409, 'APIKeyAlreadyExists')

      assert.deepEqual(await user.apiKeys.fetchAll(), [{ _id: created._id, name: 'laptop', disabled: false }])
      assert.deepEqual(await user.apiKeys.fetch(created._id), { _id: created._id, name: 'laptop', disabled: false })

      assert.equal(await user.apiKeys.disable(created._id), undefined)
      assert.equal(await user.apiKeys.disable(created._id), undefined, 'disable is idempotent')
      assert.deepEqual(await user.apiKeys.fetch(created._id), { _id: created._id, name: 'laptop', disabled: true })
      await rejectsRealm(app.logIn(Realm.Credentials.apiKey(created.key)), 401, 'InvalidPassword')

      await user.apiKeys.enable(created._id)
      const viaKey = await app.logIn(Realm.Credentials.apiKey(created.key))
      assert.equal(viaKey, user, "realm-web reuses the owner's User")
      assert.equal(viaKey.id, user.id)
      assert.equal(viaKey.profile.email, 'rita@example.com')
      assert.equal(app.allUsers[user.id], user)
      // The key-opened session manages keys like a password session.
      assert.equal((await viaKey.apiKeys.fetchAll()).length, 1)

      await user.apiKeys.delete(created._id)
      // Unlike Atlas (compat/realm.md §4), a session never outlives the key it was opened with (DESIGN.md).
      await rejectsRealm(user.apiKeys.fetchAll(), 401, 'InvalidSession')
      assert.equal(user.state, 'logged-out', 'realm-web logs the dead session out')
      const back = await app.logIn(password('rita@example.com', 'rita-password-1'))
      assert.deepEqual(await back.apiKeys.fetchAll(), [])
      await rejectsRealm(back.apiKeys.fetch(created._id), 404, 'APIKeyNotFound')
      await rejectsRealm(newApp().logIn(Realm.Credentials.apiKey(created.key)), 401, 'InvalidPassword')
      // The name of a deleted key is free again.
      const again = (await back.apiKeys.create('laptop')) as unknown as { _id: string }
      await back.apiKeys.delete(again._id)
      await back.logOut()
    })

    it('answers 204 without a Content-Type for enable, disable, delete and logOut', async () => {
      const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      const { _id } = (await user.apiKeys.create('raw-204')) as unknown as { _id: string }
      const auth = { authorization: `Bearer ${user.refreshToken}`, accept: 'application/json' }
      for (const [method, path] of [
        ['PUT', `disable`],
        ['PUT', `enable`],
      ] as const) {
        const r = await fetch(`${url}${P}/auth/api_keys/${_id}/${path}`, { method, headers: auth })
        assert.equal(r.status, 204)
        assert.equal(r.headers.get('content-type'), null)
      }
      const del = await fetch(`${url}${P}/auth/api_keys/${_id}`, { method: 'DELETE', headers: auth })
      assert.equal(del.status, 204)
      assert.equal(del.headers.get('content-type'), null)
      const out = await fetch(`${url}${P}/auth/session`, { method: 'DELETE', headers: auth })
      assert.equal(out.status, 204)
      assert.equal(out.headers.get('content-type'), null)
    })

    it("keeps each user to their own keys: another user's, unknown or malformed ids are 404 APIKeyNotFound", async () => {
      const rita = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      const sam = await newApp().logIn(password('sam@example.com', 'sam-password-1'))
      const { _id } = (await rita.apiKeys.create('ritas')) as unknown as { _id: string }
      await sam.apiKeys.create('ritas') // names are unique per user only
      await rejectsRealm(sam.apiKeys.fetch(_id), 404, 'APIKeyNotFound')
      await rejectsRealm(sam.apiKeys.disable(_id), 404, 'APIKeyNotFound')
      await rejectsRealm(sam.apiKeys.delete(_id), 404, 'APIKeyNotFound')
      await rejectsRealm(sam.apiKeys.fetch('ffffffffffffffffffffffff'), 404, 'APIKeyNotFound')
      await rejectsRealm(sam.apiKeys.fetch('not-an-id'), 404, 'APIKeyNotFound')
      assert.deepEqual(
        (await sam.apiKeys.fetchAll()).map((k) => k.name),
        ['ritas'],
      )
      // An admin reaches only their own keys through Realm too.
      const admin = await newApp().logIn(password(ADMIN.email, ADMIN.password))
      await rejectsRealm(admin.apiKeys.fetch(_id), 404, 'APIKeyNotFound')
      assert.deepEqual((await rita.apiKeys.fetch(_id)).name, 'ritas')
      for (const u of [rita, sam, admin]) {
        for (const k of await u.apiKeys.fetchAll()) await u.apiKeys.delete(k._id)
        await u.logOut()
      }
    })

    it('refuses self sign-up through emailPasswordAuth.registerUser (403)', async () => {
      await rejectsRealm(
        newApp().emailPasswordAuth.registerUser({ email: 'new@example.com', password: 'new-password-1' }),
        403,
        'Forbidden',
      )
    })

    it('refuses key creation without a name (400 InvalidParameter) and beyond 20 keys per user (400)', async () => {
      const user = await newApp().logIn(password('sam@example.com', 'sam-password-1'))
      await rejectsRealm(user.apiKeys.create(''), 400, 'InvalidParameter')
      const r = await fetch(`${url}${P}/auth/api_keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.refreshToken}`, 'content-type': 'application/json' },
        body: '{}',
      })
      assert.equal(r.status, 400)
      assert.equal((await r.json()).error_code, 'InvalidParameter')
      for (let i = 0; i < 20; i++) await user.apiKeys.create(`k${i}`)
      await rejectsRealm(user.apiKeys.create('k20'), 400, 'InvalidParameter')
      for (const k of await user.apiKeys.fetchAll()) await user.apiKeys.delete(k._id)
      await user.logOut()
    })

    it('refreshes an expired access token (401 InvalidSession, then POST /auth/session 201) and retries', async () => {
      const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      const before = user.accessToken!
      clock.advance(31 * 60 * 1000)
      const stale = await fetch(`${url}${P}/auth/profile`, { headers: { authorization: `Bearer ${before}` } })
      assert.equal(stale.status, 401)
      assert.equal((await stale.json()).error_code, 'InvalidSession')
      await user.refreshProfile() // realm-web gets the 401, refreshes, retries
      assert.notEqual(user.accessToken, before)
      assert.equal(user.profile.email, 'rita@example.com')
      assert.ok((decodeJwt(user.accessToken!).exp as number) * 1000 > clock.now().getTime())
      const refreshed = await fetch(`${url}${P}/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.refreshToken}` },
      })
      assert.equal(refreshed.status, 201)
      assert.deepEqual(Object.keys(await refreshed.json()), ['access_token'])
      await user.logOut()
    })

    it('logs out: the refresh token dies, and logging out again still answers 204', async () => {
      const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      const refresh = user.refreshToken!
      const access = user.accessToken!
      await user.logOut()
      assert.equal(user.state, 'logged-out')
      const r = await fetch(`${url}${P}/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${refresh}` },
      })
      assert.equal(r.status, 401)
      assert.equal((await r.json()).error_code, 'InvalidSession')
      const profile = await fetch(`${url}${P}/auth/profile`, { headers: { authorization: `Bearer ${access}` } })
      assert.equal(profile.status, 401, 'the access token of an ended session is refused')
      for (const token of [refresh, 'garbage']) {
        const again = await fetch(`${url}${P}/auth/session`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        })
        assert.equal(again.status, 204)
      }
    })

    it('a dead refresh token on apiKeys.* is a 401 that logs the client out', async () => {
      const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
      await fetch(`${url}${P}/auth/session`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${user.refreshToken}` },
      })
      await rejectsRealm(user.apiKeys.fetchAll(), 401, 'InvalidSession')
      assert.equal(user.state, 'logged-out')
    })

    it('echoes the device id realm-web sends as {"$oid"} on later logins', async () => {
      const app = newApp()
      const first = await app.logIn(password('rita@example.com', 'rita-password-1'))
      const device = first.deviceId
      await first.logOut()
      const second = await app.logIn(password('rita@example.com', 'rita-password-1'))
      assert.equal(second.deviceId, device)
      await second.logOut()
    })

    it('refuses key creation to anonymous users (403), who own no keys', async () => {
      const anon = await newApp().logIn(Realm.Credentials.anonymous())
      assert.equal(anon.providerType, 'anon-user')
      assert.equal((await rawProfile(url, anon)).type, 'normal')
      assert.equal(anon.identities[0]?.providerType, 'anon-user')
      await rejectsRealm(anon.apiKeys.create('mine'), 403, 'Forbidden')
      assert.deepEqual(await anon.apiKeys.fetchAll(), [])
      await rejectsRealm(anon.apiKeys.fetch('000000000000000000000001'), 404, 'APIKeyNotFound')
      await anon.logOut()
    })

    it('logs an application (server) key in as its server user, which cannot create user keys (403)', async () => {
      const appRes = await s.request('POST', '/v1/applications', { token: adminToken, body: { name: 'backend' } })
      assert.equal(appRes.status, 201, appRes.text)
      const serverKey = await s.createKey(adminToken, { owner: { kind: 'application', id: appRes.body.id } })
      const app = newApp()
      const server = await app.logIn(Realm.Credentials.apiKey(serverKey.key))
      assert.equal(server.providerType, 'api-key')
      assert.equal((await rawProfile(url, server)).type, 'server')
      assert.equal(server.identities[0]?.providerType, 'api-key')
      const again = await newApp().logIn(Realm.Credentials.apiKey(serverKey.key))
      assert.equal(again.id, server.id, 'one stable user id per application')
      await rejectsRealm(server.apiKeys.create('nope'), 403, 'Forbidden')
      assert.deepEqual(await server.apiKeys.fetchAll(), [])
      await rejectsRealm(server.apiKeys.fetch(`${serverKey.id.toString(16).padStart(24, '0')}`), 404, 'APIKeyNotFound')
      await server.logOut()
      await again.logOut()
    })

    it('refuses revoked, malformed and unknown keys and native session tokens at key login (401 InvalidPassword)', async () => {
      const member = await s.login('sam@example.com', 'sam-password-1')
      const revoked = await s.createKey(member)
      await s.request('POST', `/v1/keys/${revoked.id}/revoke`, { token: member })
      for (const key of [revoked.key, 'kw_notavalidkey', 'x'.repeat(40), member]) {
        await rejectsRealm(newApp().logIn(Realm.Credentials.apiKey(key)), 401, 'InvalidPassword')
      }
    })

    it("answers unknown routes and bad JSON in Realm's envelope, and CORS preflights", async () => {
      const nf = await fetch(`${url}${P}/no/such/route`)
      assert.equal(nf.status, 404)
      assert.match(nf.headers.get('content-type') ?? '', /^application\/json/)
      assert.equal((await nf.json()).error_code, 'NotFound')
      const bad = await fetch(`${url}${P}/app/x/auth/providers/local-userpass/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      })
      assert.equal(bad.status, 400)
      assert.equal((await bad.json()).error_code, 'InvalidParameter')
      // Native SDKs send a JSON Content-Type on body-less requests.
      const empty = await fetch(`${url}${P}/auth/session`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json;charset=utf-8', authorization: 'Bearer x' },
      })
      assert.equal(empty.status, 204)
      const pre = await fetch(`${url}${P}/auth/api_keys`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization,content-type',
        },
      })
      assert.equal(pre.status, 204)
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com')
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /PUT/)
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/)
    })

    it('shares the signing secret between nodes on one database: a token from one node works on another', async () => {
      const other = await createKeyward(s.config, { logger: false })
      try {
        const otherUrl = await other.app.listen({ port: 0, host: '127.0.0.1' })
        const user = await newApp().logIn(password('rita@example.com', 'rita-password-1'))
        const profile = await fetch(`${otherUrl}${P}/auth/profile`, {
          headers: { authorization: `Bearer ${user.accessToken}` },
        })
        assert.equal(profile.status, 200)
        assert.equal((await profile.json()).user_id, user.id)
        const keys = await fetch(`${otherUrl}${P}/auth/api_keys`, {
          headers: { authorization: `Bearer ${user.refreshToken}` },
        })
        assert.equal(keys.status, 200)
        await user.logOut()
      } finally {
        await other.close()
      }
    })
  })

  describe(`Realm location with KEYWARD_PUBLIC_URL (${store})`, () => {
    let s: TestServer
    before(async () => {
      s = await TestServer.start(store, { env: { KEYWARD_PUBLIC_URL: 'https://keys.example.com/kw/' } })
    })
    after(() => s.close())

    it('answers the configured public URL without a trailing slash, and serves the routes under its path too', async () => {
      const expected = {
        deployment_model: 'GLOBAL',
        location: 'US-VA',
        hostname: 'https://keys.example.com/kw',
        ws_hostname: 'wss://keys.example.com/kw',
      }
      for (const prefix of [P, `/kw${P}`]) {
        const r = await s.request('GET', `${prefix}/app/abc/location`)
        assert.equal(r.status, 200)
        assert.deepEqual(r.body, expected)
      }
      const login = await s.request('POST', `/kw${P}/app/abc/auth/providers/local-userpass/login`, {
        body: { username: ADMIN.email, password: ADMIN.password },
      })
      assert.equal(login.status, 200)
    })
  })
}

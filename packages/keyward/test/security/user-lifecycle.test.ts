import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

const P = '/api/client/v2.0'

/** The attacks on the user lifecycle (issue 14 item 5), written before the routes existed. */
for (const store of STORES) {
  describe(`user lifecycle attacks (${store})`, () => {
    let s: TestServer
    let admin: string
    let seq = 0
    const fresh = async () => {
      const name = `u${seq++}${store}`
      return { ...(await s.member(name, admin)), email: `${name}@example.com`, password: `${name}-password-1` }
    }
    const realmLogin = async (email: string, password: string) =>
      (
        await s.request('POST', `${P}/app/x/auth/providers/local-userpass/login`, {
          body: { username: email, password },
        })
      ).body as { access_token: string; refresh_token: string }
    const fluxSignIn = async (email: string, password: string) =>
      (await s.request('POST', '/api/v1/auth/signin', { body: { email, password } })).body as {
        access_token: string
        refresh_token: string
      }
    const whoami = async (token: string) => (await s.request('GET', '/v1/auth/whoami', { token })).status

    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('a password change ends every other session and refresh token of the user; the caller stays', async () => {
      const u = await fresh()
      const other = await s.login(u.email, u.password)
      const realm = await realmLogin(u.email, u.password)
      const flux = await fluxSignIn(u.email, u.password)
      assert.equal(await whoami(other), 200) // cached now
      const r = await s.request('POST', '/v1/auth/password', {
        token: u.token,
        body: { current_password: u.password, new_password: 'a-new-password-9' },
      })
      assert.equal(r.status, 204, r.text)
      assert.equal(await whoami(other), 401, 'the old session is refused at once')
      assert.equal(await whoami(flux.access_token), 401)
      assert.equal((await s.request('POST', '/api/v1/auth/refresh', { body: flux }).then((x) => x.status)) < 300, false)
      assert.equal((await s.request('POST', `${P}/auth/session`, { token: realm.refresh_token })).status, 401)
      assert.equal((await s.request('GET', `${P}/auth/profile`, { token: realm.access_token })).status, 401)
      assert.equal(await whoami(u.token), 200, "the caller's session stays")
      await assert.rejects(s.login(u.email, u.password))
      await s.login(u.email, 'a-new-password-9')
    })

    it('a wrong current password is 403 wrong_password and changes nothing', async () => {
      const u = await fresh()
      const other = await s.login(u.email, u.password)
      const r = await s.request('POST', '/v1/auth/password', {
        token: u.token,
        body: { current_password: 'not-the-password', new_password: 'a-new-password-9' },
      })
      assert.equal(r.status, 403)
      assert.equal(r.body.error.code, 'wrong_password')
      assert.equal(await whoami(other), 200)
      await s.login(u.email, u.password)
    })

    it('an admin reset ends every session of the user', async () => {
      const u = await fresh()
      assert.equal(await whoami(u.token), 200)
      const r = await s.request('POST', `/v1/users/${u.id}/password`, {
        token: admin,
        body: { new_password: 'reset-password-7' },
      })
      assert.equal(r.status, 204, r.text)
      assert.equal(await whoami(u.token), 401)
      await s.login(u.email, 'reset-password-7')
    })

    it('a member calling admin routes: 404 for another user, 403 for themselves', async () => {
      const m = await fresh()
      const victim = await fresh()
      const calls: [string, string, unknown?][] = [
        ['PATCH', `/v1/users/${victim.id}`, { role: 'member' }],
        ['POST', `/v1/users/${victim.id}/password`, { new_password: 'hijacked-password' }],
        ['POST', `/v1/users/${victim.id}/deactivate`],
        ['POST', `/v1/users/${victim.id}/reactivate`],
        ['DELETE', `/v1/users/${victim.id}`],
      ]
      for (const [method, url, body] of calls) {
        const r = await s.request(method, url, { token: m.token, body })
        assert.equal(r.status, 404, `${method} ${url}: ${r.text}`)
      }
      const self = await s.request('PATCH', `/v1/users/${m.id}`, { token: m.token, body: { role: 'admin' } })
      assert.equal(self.status, 403, self.text)
      assert.equal(await whoami(victim.token), 200)
      await s.login(victim.email, victim.password)
    })

    it('the last active admin cannot be demoted, deactivated or deleted', async () => {
      const me = (await s.request('GET', '/v1/auth/whoami', { token: admin })).body.user.id as number
      for (const [method, url, body] of [
        ['PATCH', `/v1/users/${me}`, { role: 'member' }],
        ['POST', `/v1/users/${me}/deactivate`, undefined],
        ['DELETE', `/v1/users/${me}`, undefined],
      ] as const) {
        const r = await s.request(method, url, { token: admin, body })
        assert.equal(r.status, 409, `${method} ${url}: ${r.text}`)
        assert.equal(r.body.error.code, 'last_admin')
      }
      assert.equal(await whoami(admin), 200)
    })

    it('a scoped admin key cannot reset an admin password (full admin rights needed)', async () => {
      const other = await fresh()
      await s.request('PATCH', `/v1/users/${other.id}`, { token: admin, body: { role: 'admin' } })
      const k = await s.createKey(admin, { scopes: ['users:write', 'users:read'] })
      const r = await s.request('POST', `/v1/users/${other.id}/password`, {
        token: k.key,
        body: { new_password: 'hijacked-password' },
      })
      assert.equal(r.status, 403, r.text)
      await s.request('PATCH', `/v1/users/${other.id}`, { token: admin, body: { role: 'member' } })
    })

    it('a role change reaches live sessions and the user keys in the verify cache at once', async () => {
      const u = await fresh()
      const k = await s.createKey(u.token)
      const listed = async (token: string) => (await s.request('GET', '/v1/users', { token })).body.users.length
      assert.equal(await listed(u.token), 1)
      assert.equal(await listed(k.key), 1)
      assert.equal(
        (await s.request('PATCH', `/v1/users/${u.id}`, { token: admin, body: { role: 'admin' } })).status,
        200,
      )
      assert.ok((await listed(u.token)) > 1)
      assert.ok((await listed(k.key)) > 1)
      assert.equal(
        (await s.request('PATCH', `/v1/users/${u.id}`, { token: admin, body: { role: 'member' } })).status,
        200,
      )
      assert.equal(await listed(u.token), 1)
      assert.equal(await listed(k.key), 1)
    })

    it('deactivation: sessions, Realm and Fluxbase tokens, own and derived keys die; login is refused clearly', async () => {
      const u = await fresh()
      const own = await s.createKey(u.token)
      const realm = await realmLogin(u.email, u.password)
      const derived = await s.request('POST', `${P}/auth/api_keys`, { token: realm.refresh_token, body: { name: 'd' } })
      assert.equal(derived.status, 201, derived.text)
      const flux = await fluxSignIn(u.email, u.password)
      const app = await s.request('POST', '/v1/applications', { token: u.token, body: { name: `app${seq}` } })
      const appKey = await s.createKey(u.token, { owner: { kind: 'application', id: app.body.id } })
      const bystander = await fresh()
      const theirs = await s.createKey(bystander.token)
      for (const key of [own.key, derived.body.key, appKey.key]) assert.equal((await s.verify(admin, key)).valid, true)

      const r = await s.request('POST', `/v1/users/${u.id}/deactivate`, { token: admin })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.deactivated_at !== null, true)
      for (const key of [own.key, derived.body.key, appKey.key]) {
        assert.equal((await s.verify(admin, key)).code, 'DISABLED')
        assert.equal(await whoami(key), 401)
      }
      assert.equal(await whoami(u.token), 401)
      assert.equal(await whoami(flux.access_token), 401)
      assert.equal((await s.request('POST', '/api/v1/auth/refresh', { body: flux })).status, 401)
      assert.equal((await s.request('POST', `${P}/auth/session`, { token: realm.refresh_token })).status, 401)
      assert.equal((await s.request('GET', `${P}/auth/profile`, { token: realm.access_token })).status, 401)
      const login = await s.request('POST', '/v1/auth/login', { body: { email: u.email, password: u.password } })
      assert.equal(login.status, 403)
      assert.equal(login.body.error.code, 'account_deactivated')
      const bad = await s.request('POST', '/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } })
      assert.equal(bad.status, 401, 'a wrong password tells nothing about the account')
      assert.equal((await s.verify(admin, theirs.key)).valid, true, "another user's key is untouched")

      // A key revoked while the user was away stays revoked; the others come back.
      assert.equal((await s.request('POST', `/v1/keys/${appKey.id}/revoke`, { token: admin, body: {} })).status, 200)
      assert.equal((await s.request('POST', `/v1/users/${u.id}/reactivate`, { token: admin })).status, 200)
      assert.equal((await s.verify(admin, own.key)).valid, true)
      assert.equal((await s.verify(admin, derived.body.key)).valid, true)
      assert.equal((await s.verify(admin, appKey.key)).code, 'REVOKED')
      await s.login(u.email, u.password)
    })

    it('deletion revokes personal keys (kept for audit), ends sessions, and frees the email', async () => {
      const u = await fresh()
      const k = await s.createKey(u.token)
      const r = await s.request('DELETE', `/v1/users/${u.id}`, { token: admin })
      assert.equal(r.status, 204, r.text)
      assert.equal(await whoami(u.token), 401)
      const v = await s.verify(admin, k.key)
      assert.equal(v.code, 'REVOKED')
      const kept = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.equal(kept.status, 200)
      assert.equal(kept.body.revoked_reason, 'user deleted')
      // The key's own history says when and why it ended (a key page reads `target_id`), as Keyward's act.
      const history = await s.request('GET', `/v1/audit?target_id=${k.id}&action=key.revoke`, { token: admin })
      assert.deepEqual(
        history.body.events.map((e: any) => [e.action, e.target_type, e.details.reason, e.actor_id, e.automatic]),
        [['key.revoke', 'api_key', 'user deleted', null, true]],
      )
      assert.equal((await s.request('GET', `/v1/users/${u.id}`, { token: admin })).status, 404)
      assert.equal((await s.request('POST', `/v1/users/${u.id}/reactivate`, { token: admin })).status, 404)
      await assert.rejects(s.login(u.email, u.password))
      const again = await s.request('POST', '/v1/users', {
        token: admin,
        body: { email: u.email, password: 'x-password-2' },
      })
      assert.equal(again.status, 201, again.text)
      assert.notEqual(again.body.id, u.id)
      const trail = await s.request('GET', `/v1/audit?limit=50`, { token: admin })
      const text = JSON.stringify(trail.body)
      assert.ok(text.includes('user.delete'))
      assert.ok(!text.includes(u.password) && !text.includes('a-new-password-9') && !text.includes(u.token))
    })

    it('sessions: listed without tokens, current flagged; only your own can be ended', async () => {
      const u = await fresh()
      const second = await s.login(u.email, u.password)
      const list = await s.request('GET', '/v1/auth/sessions', { token: u.token })
      assert.equal(list.status, 200, list.text)
      assert.equal(list.body.sessions.length, 2)
      assert.ok(!list.text.includes('kwsess_'))
      const current = list.body.sessions.filter((x: { current: boolean }) => x.current)
      assert.equal(current.length, 1)
      const otherId = list.body.sessions.find((x: { current: boolean }) => !x.current).id
      const intruder = await fresh()
      assert.equal((await s.request('DELETE', `/v1/auth/sessions/${otherId}`, { token: intruder.token })).status, 404)
      assert.equal((await s.request('DELETE', `/v1/auth/sessions/${otherId}`, { token: admin })).status, 404)
      assert.equal(await whoami(second), 200)
      assert.equal((await s.request('DELETE', `/v1/auth/sessions/${otherId}`, { token: u.token })).status, 204)
      assert.equal(await whoami(second), 401)
      assert.equal(await whoami(u.token), 200)
    })

    it('OpenAPI describes every lifecycle route, and a session as listed has no token field', async () => {
      const doc = (await s.request('GET', '/openapi.json')).body
      const want: [string, string][] = [
        ['/v1/auth/password', 'post'],
        ['/v1/auth/sessions', 'get'],
        ['/v1/auth/sessions/{id}', 'delete'],
        ['/v1/users/{id}', 'patch'],
        ['/v1/users/{id}', 'delete'],
        ['/v1/users/{id}/password', 'post'],
        ['/v1/users/{id}/deactivate', 'post'],
        ['/v1/users/{id}/reactivate', 'post'],
      ]
      for (const [path, method] of want) assert.ok(doc.paths[path]?.[method], `OpenAPI lists ${method} ${path}`)
      const listed = doc.paths['/v1/auth/sessions'].get.responses['200'].content['application/json'].schema
      const fields = Object.keys(listed.properties.sessions.items.properties)
      assert.deepEqual(fields.sort(), [
        'created_at',
        'current',
        'expires_at',
        'id',
        'ip',
        'last_used_at',
        'user_agent',
        'via_key',
      ])
    })
  })
}

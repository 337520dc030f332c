import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN } from '../helpers.js'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES, within } from './cluster.js'

const P = '/api/client/v2.0'

for (const backend of BACKENDS) {
  describe(`credentials die with their origin on every node (${backend} bus)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    before(async () => {
      c = await Cluster.start(2, backend)
    })
    after(() => c?.close())

    it('a key revoked on node A ends, on node B, the Realm session it opened (refresh, JWT, key routes)', async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const admin = await a.adminToken()
      const k = await a.createKey(admin)
      const login = await b.request('POST', `${P}/app/x/auth/providers/api-key/login`, { body: { key: k.key } })
      assert.equal(login.status, 200, login.text)
      const { access_token: access, refresh_token: refresh } = login.body
      // Used on B first, so B holds the origin key in its cache.
      assert.equal((await b.request('POST', `${P}/auth/session`, { token: refresh })).status, 201)
      assert.equal((await b.request('GET', `${P}/auth/profile`, { token: access })).status, 200)

      assert.equal((await a.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin, body: {} })).status, 200)
      const ms = await within(
        2000,
        async () => (await b.request('POST', `${P}/auth/session`, { token: refresh })).status === 401,
      )
      assert.equal((await b.request('GET', `${P}/auth/profile`, { token: access })).status, 401)
      assert.equal((await b.request('GET', `${P}/auth/api_keys`, { token: refresh })).status, 401)
      assert.ok(ms < 2000)
    })

    it('a native session logged out on node A is refused by node B, which had it cached', async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const token = await a.login(ADMIN.email, ADMIN.password)
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token })).status, 200)
      assert.equal((await a.request('POST', '/v1/auth/logout', { token })).status, 204)
      await within(2000, async () => (await b.request('GET', '/v1/auth/whoami', { token })).status === 401)
    })

    it('a Fluxbase session refreshed on node A ends its previous access token on node B', async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const s = (
        await a.request('POST', '/api/v1/auth/signin', { body: { email: ADMIN.email, password: ADMIN.password } })
      ).body
      assert.equal((await b.request('GET', '/api/v1/auth/user', { token: s.access_token })).status, 200)
      const r = await a.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh_token } })
      assert.equal(r.status, 200, r.text)
      await within(
        2000,
        async () => (await b.request('GET', '/api/v1/auth/user', { token: s.access_token })).status === 401,
      )
      assert.equal((await b.request('GET', '/api/v1/auth/user', { token: r.body.access_token })).status, 200)
    })

    it('a user demoted on node A loses admin rights on node B, which had the session cached', async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const admin = await a.adminToken()
      const ada = await a.member('ada', admin)
      await a.kw.services.store.db.updateTable('user').set({ role: 'admin' }).where('id', '=', ada.id).execute()
      await a.kw.services.auth.sessionCache.forgetUser(ada.id)
      await within(2000, async () => (await b.request('GET', '/v1/users', { token: ada.token })).body.users?.length > 1)
      await a.kw.services.store.db.updateTable('user').set({ role: 'member' }).where('id', '=', ada.id).execute()
      await a.kw.services.auth.sessionCache.forgetUser(ada.id)
      await within(
        2000,
        async () => (await b.request('GET', '/v1/users', { token: ada.token })).body.users?.length === 1,
      )
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES, within } from './cluster.js'

for (const backend of BACKENDS) {
  describe(`user lifecycle reaches every node within 1 s (${backend} bus)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    before(async () => {
      c = await Cluster.start(2, backend)
    })
    after(() => c?.close())
    const nodes = () => c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]

    it('a user deactivated on node A: node B refuses their key (cached) and session within 1 s', async () => {
      const [a, b] = nodes()
      const admin = await a.adminToken()
      const u = await a.member(`deact${backend}`, admin)
      const k = await a.createKey(u.token)
      assert.equal((await b.verify(admin, k.key)).valid, true) // now in B's verify cache
      assert.equal(b.kw.services.verifier.verifySync(k.key)?.valid, true, 'B answers from its cache')
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token: u.token })).status, 200)
      assert.equal((await a.request('POST', `/v1/users/${u.id}/deactivate`, { token: admin })).status, 200)
      const ms = await within(1000, async () => (await b.verify(admin, k.key)).code === 'DISABLED')
      assert.ok(ms < 1000)
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token: u.token })).status, 401)
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token: k.key })).status, 401)
      assert.equal((await a.request('POST', `/v1/users/${u.id}/reactivate`, { token: admin })).status, 200)
      await within(1000, async () => (await b.verify(admin, k.key)).valid === true)
    })

    it('a password changed on node A ends the other session node B had cached', async () => {
      const [a, b] = nodes()
      const admin = await a.adminToken()
      const u = await a.member(`pw${backend}`, admin)
      const other = await b.login(`pw${backend}@example.com`, `pw${backend}-password-1`)
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token: other })).status, 200)
      const r = await a.request('POST', '/v1/auth/password', {
        token: u.token,
        body: { current_password: `pw${backend}-password-1`, new_password: 'changed-password-3' },
      })
      assert.equal(r.status, 204, r.text)
      await within(1000, async () => (await b.request('GET', '/v1/auth/whoami', { token: other })).status === 401)
      assert.equal((await b.request('GET', '/v1/auth/whoami', { token: u.token })).status, 200)
    })

    it("a role changed on node A holds on node B's cached session and key at once", async () => {
      const [a, b] = nodes()
      const admin = await a.adminToken()
      const u = await a.member(`role${backend}`, admin)
      const k = await a.createKey(u.token)
      const count = async (token: string) => (await b.request('GET', '/v1/users', { token })).body.users?.length
      assert.equal(await count(u.token), 1)
      assert.equal(await count(k.key), 1)
      assert.equal(
        (await a.request('PATCH', `/v1/users/${u.id}`, { token: admin, body: { role: 'admin' } })).status,
        200,
      )
      await within(1000, async () => (await count(u.token)) > 1 && (await count(k.key)) > 1)
    })
  })
}

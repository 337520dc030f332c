import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

const P = '/api/client/v2.0'

/**
 * A Realm session opened with an application's key (Realm's server user) lives exactly while that
 * key verifies. It used to require the application's creator too: once the member who made a
 * shared organization's application was deactivated or deleted, its backend could neither log in
 * nor refresh, while the key itself still verified.
 */
for (const store of STORES) {
  describe(`Realm: an application's session answers to its key, not its creator (${store})`, () => {
    const suite = serverForSuite(store)
    const login = (key: string) => suite.s.request('POST', `${P}/app/a/auth/providers/api-key/login`, { body: { key } })
    const refresh = (rt: string) => suite.s.request('POST', `${P}/auth/session`, { token: rt })

    /** An application made by a fresh member in `org` (their own personal one when null), and a key of it. */
    const appOf = async (maker: { token: string }, org: number | null) => {
      const body = { name: `fleet-${randomBytes(3).toString('hex')}`, ...(org !== null && { organization_id: org }) }
      const app = await suite.s.request('POST', '/v1/applications', { token: maker.token, body })
      assert.equal(app.status, 201, app.text)
      return suite.s.createKey(maker.token, { owner: { kind: 'application', id: app.body.id } })
    }
    const opened = async (key: string) => {
      const r = await login(key)
      assert.equal(r.status, 200, r.text)
      return r.body.refresh_token as string
    }

    it("a shared organization's application keeps its sessions and logins when its creator is deactivated, then deleted", async () => {
      const { s, admin } = suite
      const t = randomBytes(3).toString('hex')
      const owner = await s.member(`rso${t}`, admin)
      const maker = await s.member(`rsm${t}`, admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: t, handle: `rs-${t}` },
      })
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: owner.token,
        body: { email: `rsm${t}@example.com`, role: 'member' },
      })
      assert.equal(
        (await s.request('POST', '/v1/invitations/accept', { token: maker.token, body: { token: inv.body.token } }))
          .status,
        200,
      )
      const key = await appOf(maker, org.body.id)
      const rt = await opened(key.key)
      for (const change of ['deactivate', 'delete'] as const) {
        const r =
          change === 'delete'
            ? await s.request('DELETE', `/v1/users/${maker.id}`, { token: admin })
            : await s.request('POST', `/v1/users/${maker.id}/deactivate`, { token: admin })
        assert.ok(r.status === 200 || r.status === 204, r.text)
        assert.equal((await s.verify(admin, key.key)).code, 'VALID', `the key verifies after "${change}"`)
        const renewed = await refresh(rt)
        assert.equal(renewed.status, 201, `the session after its creator's "${change}": ${renewed.text}`)
        assert.equal((await login(key.key)).status, 200, `a login after its creator's "${change}"`)
      }
    })

    it("an organization's key opens no Realm session: it has no Realm user (nor has a device's)", async () => {
      const { s, admin } = suite
      const t = randomBytes(3).toString('hex')
      const org = await s.request('POST', '/v1/organizations', { token: admin, body: { name: t, handle: `ro-${t}` } })
      const key = await s.createKey(admin, { owner: { kind: 'organization', id: org.body.id } })
      const r = await login(key.key)
      assert.equal(r.status, 401, `FINDING: an organization's key opened a Realm session: ${r.text.slice(0, 160)}`)
    })

    it("a personal organization's application session dies with its owner's deactivation, as its key does", async () => {
      const { s, admin } = suite
      const maker = await s.member(`rsp${randomBytes(3).toString('hex')}`, admin)
      const key = await appOf(maker, null)
      const rt = await opened(key.key)
      assert.equal((await s.request('POST', `/v1/users/${maker.id}/deactivate`, { token: admin })).status, 200)
      assert.equal((await s.verify(admin, key.key)).code, 'DISABLED')
      assert.equal((await refresh(rt)).status, 401)
      assert.equal((await login(key.key)).status, 401)
      const revoked = await s.request('POST', `/v1/keys/${key.id}/revoke`, { token: admin })
      assert.equal(revoked.status, 200, revoked.text)
      assert.equal((await s.request('POST', `/v1/users/${maker.id}/reactivate`, { token: admin })).status, 200)
      assert.equal((await refresh(rt)).status, 401, 'a revoked key ends its session, whatever its owner')
    })
  })
}

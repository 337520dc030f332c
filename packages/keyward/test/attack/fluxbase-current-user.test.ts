import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack (a read across tenants): Fluxbase's `GET /api/v1/auth/user` is "who am I". An
 * application's or device's key has no user; the application's creator stands behind it for
 * authorization only. Did such a key read its creator's profile (email, site role), even after the
 * creator left the organization? Found by an attacker; the native `GET /v1/users/:id` refuses it.
 */
for (const store of STORES) {
  describe(`attack: an application or device key reads its creator's profile on the Fluxbase face (${store})`, () => {
    const suite = serverForSuite(store)

    it("answers a user's own credential with that user, and refuses every key that is no user's", async () => {
      const { s, admin } = suite
      const t = randomBytes(3).toString('hex')
      const owner = await s.member(`flo${t}`, admin)
      const maker = await s.member(`flm${t}`, admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: `fl-${t}`, handle: `fl-${t}` },
      })
      assert.equal(org.status, 201, org.text)
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: owner.token,
        body: { email: `flm${t}@example.com`, role: 'member' },
      })
      const joined = await s.request('POST', '/v1/invitations/accept', {
        token: maker.token,
        body: { token: inv.body.token },
      })
      assert.equal(joined.status, 200, joined.text)
      const app = await s.request('POST', '/v1/applications', {
        token: maker.token,
        body: { name: `fleet-${t}`, organization_id: org.body.id },
      })
      assert.equal(app.status, 201, app.text)
      const dev = await s.request('POST', '/v1/devices', { token: owner.token, body: { application_id: app.body.id } })
      assert.equal(dev.status, 201, dev.text)
      const ownedBy = (kind: string, id: number) => s.createKey(owner.token, { owner: { kind, id }, scopes: ['x:y'] })
      const keys = {
        device: await ownedBy('device', dev.body.id),
        application: await ownedBy('application', app.body.id),
        organization: await ownedBy('organization', org.body.id),
      }
      const rm = await s.request('DELETE', `/v1/organizations/${org.body.id}/members/${maker.id}`, {
        token: owner.token,
      })
      assert.equal(rm.status, 204, rm.text)

      const me = (key: string) => s.request('GET', '/api/v1/auth/user', { headers: { 'x-api-key': key } })
      for (const [kind, k] of Object.entries(keys)) {
        const r = await me(k.key)
        assert.equal(
          r.status,
          403,
          `FINDING: a key of ${kind} ${k.id} read a user: ${r.status} ${r.text.slice(0, 160)}`,
        )
        assert.equal(r.body.code, 'FORBIDDEN')
        assert.doesNotMatch(r.text, /example\.com/)
      }
      // Control: the route still answers a user's own key, and a session (the removal ended the maker's).
      const own = await s.createKey(await s.login(`flm${t}@example.com`, `flm${t}-password-1`), { scopes: ['x:y'] })
      const byKey = await me(own.key)
      assert.equal(byKey.status, 200, byKey.text)
      assert.equal(byKey.body.email, `flm${t}@example.com`)
      const bySession = await s.request('GET', '/api/v1/auth/user', { token: owner.token })
      assert.equal(bySession.status, 200, bySession.text)
      assert.equal(bySession.body.email, `flo${t}@example.com`)
    })
  })
}

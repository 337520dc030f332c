import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { TAKEN_OVER, adminTakenOver } from '../security/fixture.js'

/**
 * `KeyLineage.revokeWithDescendants` clears the line's passwords until a clear finds none, and only then revokes the
 * pending invitations the line's logins made. A login-made invitation stays acceptable meanwhile (`makerStillMay`
 * reads the maker user, still an admin; no login is checked). An acceptance committing in between opens an account
 * whose password is the line's, which no later clear reads.
 */
for (const store of STORES) {
  describe(`an invitation accepted between the last clear and the invitations' revoke (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    it('the account it opens outlives the minted revoke', async () => {
      const tag = randomBytes(3).toString('hex')
      const o = await s.request('POST', '/v1/organizations', {
        token: admin,
        body: { name: 'Acme', handle: `iaw-${tag}` },
      })
      assert.equal(o.status, 201, o.text)
      const leaked = await s.createKey(admin, { name: `iaw-k-${tag}` })
      const email = `iaw-a-${tag}@example.com`
      await adminTakenOver(s, admin, email, leaked.key)
      const theirs = await s.login(email, TAKEN_OVER)
      const evil = `iaw-evil-${tag}@evil.example`
      const inv = await s.request('POST', `/v1/organizations/${o.body.id}/invitations`, {
        token: theirs,
        body: { email: evil, role: 'owner' },
      })
      assert.equal(inv.status, 201, inv.text)

      // The holder's acceptance commits just as the revoke moves from the passwords to the invitations.
      const logins = (s.kw.services.keyLineage as any).logins
      const original = logins.endInvitationsOfLine.bind(logins)
      let accepted: number | null = null
      logins.endInvitationsOfLine = async (...args: unknown[]) => {
        const a = await s.request('POST', '/v1/invitations/accept', {
          body: { token: inv.body.token, password: 'holder-chose-this-1' },
        })
        accepted = a.status
        return original(...args)
      }
      try {
        const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
        assert.equal(r.status, 200, r.text)
      } finally {
        logins.endInvitationsOfLine = original
      }
      const signsIn = await s.request('POST', '/v1/auth/login', {
        body: { email: evil, password: 'holder-chose-this-1' },
      })
      assert.notEqual(
        signsIn.status,
        200,
        `BROKEN: accepted during the revoke (${accepted}); the owner account K's line login invited signs in after it`,
      )
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, expectStatus, orgWorld } from '../orgs/fixture.js'

/**
 * A tester's find: pending invitations are for an organization's admins to read (a viewer's
 * `GET /v1/organizations/:id/invitations` is 403), yet the audit trail, which every member
 * reads, showed each invitation's email and role. The entries stay visible (who did what, and
 * when); the invitee's email only to those who may list invitations.
 */
for (const store of STORES) {
  describe(`attack: pending invitations read through the audit trail (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
      const inv = await s.request('POST', `/v1/organizations/${w.acme.id}/invitations`, {
        token: w.owner.token,
        body: { email: 'secret-hire@example.com', role: 'admin' },
      })
      expectStatus(inv, 201, 'invite')
      const revoke = await s.request('DELETE', `/v1/organizations/${w.acme.id}/invitations/${inv.body.invitation.id}`, {
        token: w.owner.token,
      })
      expectStatus(revoke, 204, 'revoke the invitation')
    })
    after(() => s.close())

    const entries = async (token: string) => {
      const r = await s.request('GET', '/v1/audit?limit=500', { token })
      expectStatus(r, 200, 'audit')
      return (r.body.events as { action: string; details: Record<string, unknown> }[]).filter(
        (e) => e.action.startsWith('organization.invitation.') && e.details.invitation_id !== undefined,
      )
    }

    it('a viewer and a member see that invitations were made, not to whom', async () => {
      for (const p of [w.viewer, w.member]) {
        const seen = await entries(p.token)
        assert.ok(seen.length >= 2, `${p.email} sees the entries: ${JSON.stringify(seen)}`)
        assert.ok(!JSON.stringify(seen).includes('secret-hire'), `${p.email}: ${JSON.stringify(seen)}`)
      }
    })

    it('an admin’s key with audit:read but not organizations:read sees no email (listing invitations takes it)', async () => {
      const k = await s.createKey(w.orgAdmin.token, { scopes: ['audit:read'] })
      const listing = await s.request('GET', `/v1/organizations/${w.acme.id}/invitations`, { token: k.key })
      assert.equal(listing.status, 403, 'the key may not list invitations')
      const seen = await entries(k.key)
      assert.ok(seen.length >= 2, `the key sees the entries: ${JSON.stringify(seen)}`)
      assert.ok(!JSON.stringify(seen).includes('secret-hire'), `FINDING: ${JSON.stringify(seen)}`)
    })

    it('an admin of the organization and an instance admin see the email', async () => {
      for (const token of [w.orgAdmin.token, w.admin]) {
        const seen = await entries(token)
        const mails = seen.map((e) => e.details.email)
        assert.ok(mails.includes('secret-hire@example.com'), JSON.stringify(seen))
      }
    })
  })
}

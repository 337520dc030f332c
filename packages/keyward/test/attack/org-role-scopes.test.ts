import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack ("scopes narrow"): a key scoped only to organizations (`organizations:read` and `:write`)
 * may not read or make the organization's keys, read its audit trail or configure webhooks. An
 * attacker's find: it invited an address of its own as a member (or viewer), accepted with a password
 * it chose, and that login listed the organization's keys, made an unscoped organization key, read the
 * audit trail and subscribed a webhook to its key events; and it promoted a viewer it knew to member.
 * A role is a login's rights in the organization, unscoped: only a credential with full rights (no
 * scopes, no limits) grants one (`requireMayGrantOrgRole`), by invitation or by role change.
 */
for (const store of STORES) {
  describe(`attack: a key scoped to organizations grants an organization role (${store})`, () => {
    const suite = serverForSuite(store)
    const SCOPES = ['organizations:read', 'organizations:write']

    /** An organization of a fresh owner, its id, and a fresh user who joined it as a viewer. */
    const org = async () => {
      const { s, admin } = suite
      const t = randomBytes(3).toString('hex')
      const owner = await s.member(`own${t}`, admin)
      const viewer = await s.member(`view${t}`, admin)
      const o = await s.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: t, handle: `o-${t}` },
      })
      assert.equal(o.status, 201, o.text)
      const inv = await s.request('POST', `/v1/organizations/${o.body.id}/invitations`, {
        token: owner.token,
        body: { email: `view${t}@example.com`, role: 'viewer' },
      })
      assert.equal(inv.status, 201, inv.text)
      const joined = await s.request('POST', '/v1/invitations/accept', {
        token: viewer.token,
        body: { token: inv.body.token },
      })
      assert.equal(joined.status, 200, joined.text)
      return { owner, viewer, id: o.body.id as number, t }
    }

    it('it invites no one, at any role: the login would hold rights the key lacks', async () => {
      const { s } = suite
      const o = await org()
      const k = await s.createKey(o.owner.token, { scopes: SCOPES })
      assert.equal((await s.request('GET', `/v1/keys?organization_id=${o.id}`, { token: k.key })).status, 403)
      for (const role of ['viewer', 'member', 'admin']) {
        const r = await s.request('POST', `/v1/organizations/${o.id}/invitations`, {
          token: k.key,
          body: { email: `sock-${role}-${o.t}@example.com`, role },
        })
        assert.equal(
          r.status,
          403,
          `FINDING: a key scoped ${SCOPES.join(' ')} invited a ${role}: ${r.status} ${r.text}`,
        )
      }
    })

    it('it changes no member’s role', async () => {
      const { s } = suite
      const o = await org()
      const k = await s.createKey(o.owner.token, { scopes: SCOPES })
      const r = await s.request('PATCH', `/v1/organizations/${o.id}/members/${o.viewer.id}`, {
        token: k.key,
        body: { role: 'member' },
      })
      assert.equal(r.status, 403, `FINDING: a key scoped ${SCOPES.join(' ')} promoted a viewer: ${r.status} ${r.text}`)
    })

    it('control: the owner’s unscoped key invites a member, and the invitation is accepted', async () => {
      const { s } = suite
      const o = await org()
      const k = await s.createKey(o.owner.token)
      const inv = await s.request('POST', `/v1/organizations/${o.id}/invitations`, {
        token: k.key,
        body: { email: `new-${o.t}@example.com`, role: 'member' },
      })
      assert.equal(inv.status, 201, inv.text)
      const accepted = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'chosen-password-1' },
      })
      assert.equal(accepted.status, 200, accepted.text)
    })
  })
}

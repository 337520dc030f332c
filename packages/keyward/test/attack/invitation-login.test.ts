import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack ("rights never grow"): a password the caller chooses is a login it holds from then on, so
 * a bounded key may not set one (`requireMayIssueLogin`, core/authz.ts: POST /v1/users is refused).
 * An invitation accepted without a session opens a new account with a password the token's holder
 * chooses: can a bounded key (expiring, address-restricted, rate-limited) of an organization
 * admin make itself such a login, unbounded, with the organization's rights?
 */
for (const store of STORES) {
  describe(`attack: a bounded key issues itself an unbounded login through an invitation (${store})`, () => {
    const suite = serverForSuite(store)
    /** An organization made by `owner`, and an invitation to it (as admin by default) made with `inviter`; the invitee's email. */
    const invited = async (prefix: string, owner: string, inviter: string, role = 'admin') => {
      const handle = `${prefix}-${randomBytes(3).toString('hex')}`
      const org = await suite.s.request('POST', '/v1/organizations', { token: owner, body: { name: handle, handle } })
      assert.equal(org.status, 201, org.text)
      const email = `invitee-${handle}@example.com`
      const inv = await suite.s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: inviter,
        body: { email, role },
      })
      return { org: org.body.id as number, email, inv }
    }
    /** Accepts an invitation without a session, opening a new account with a password the caller chose. */
    const accept = (token: string) =>
      suite.s.request('POST', '/v1/invitations/accept', { body: { token, password: 'chosen-password-1' } })

    it('a bounded key cannot open a password account of the organization by inviting it', async () => {
      const { s, admin } = suite
      const bounded = await s.createKey(admin, {
        scopes: ['organizations:read', 'organizations:write', 'users:write'],
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        ratelimits: [{ name: 'default', limit: 10, window_s: 60 }],
      })
      // Baseline: the same key may not set a password through the users API.
      const direct = await s.request('POST', '/v1/users', {
        token: bounded.key,
        body: { email: `direct-${randomBytes(3).toString('hex')}@example.com`, password: 'chosen-password-1' },
      })
      assert.equal(direct.status, 403, `baseline: ${direct.text}`)

      const { org, email, inv } = await invited('inv', admin, bounded.key)
      if (inv.status !== 201) return assert.ok(inv.status === 403 || inv.status === 404, inv.text)
      const accepted = await accept(inv.body.token)
      if (accepted.status !== 200) return assert.ok(accepted.status >= 400 && accepted.status < 500, accepted.text)
      const login = await s.request('POST', '/v1/auth/login', { body: { email, password: 'chosen-password-1' } })
      const session = login.body?.access_token as string | undefined
      const minted =
        session &&
        (await s.request('POST', '/v1/keys', {
          token: session,
          body: { name: 'forever', owner: { kind: 'organization', id: org } },
        }))
      assert.fail(
        `FINDING: a key without keys:write, expiring in an hour, limited to 10/min, invited ${email} as organization admin (201), ` +
          `accepted with a password it chose (200), logged in (${login.status}) and minted an organization key ` +
          `(keys:write it lacks) without expiry or limits (${minted ? `${minted.status} ${JSON.stringify(minted.body?.api_key?.expires_at)}` : 'no session'})`,
      )
    })

    it('an invitation made with a key that is then revoked opens no account', async () => {
      const { s, admin } = suite
      // Only a key with full rights invites (requireMayGrantOrgRole); the invitation dies with it.
      const k = await s.createKey(admin)
      const { inv } = await invited('rev', admin, k.key, 'member')
      assert.equal(inv.status, 201, inv.text)
      const revoked = await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin })
      assert.equal(revoked.status, 200, revoked.text)
      const accepted = await accept(inv.body.token)
      assert.ok(
        accepted.status >= 400 && accepted.status < 500,
        `FINDING: an invitation made by key ${k.id}, accepted after that key was revoked, opened an ` +
          `organization account: ${accepted.status} ${accepted.text.slice(0, 200)}`,
      )
    })

    it('an invitation made by a user who is then deactivated opens no account', async () => {
      const { s, admin } = suite
      const inviter = await s.member(`inviter${randomBytes(3).toString('hex')}`, admin)
      const { inv } = await invited('deact', inviter.token, inviter.token)
      assert.equal(inv.status, 201, inv.text)
      const off = await s.request('POST', `/v1/users/${inviter.id}/deactivate`, { token: admin })
      assert.equal(off.status, 200, off.text)
      const accepted = await accept(inv.body.token)
      assert.ok(
        accepted.status >= 400 && accepted.status < 500,
        `FINDING: an invitation by user ${inviter.id}, accepted after that user was deactivated, opened an ` +
          `organization admin account: ${accepted.status} ${accepted.text.slice(0, 120)}`,
      )
    })

    it('a bounded key grants no organization owner role (as for the site admin role, requireMayGrantRole)', async () => {
      const { s, admin } = suite
      const tag = randomBytes(3).toString('hex')
      const owner = await s.member(`own${tag}`, admin)
      const other = await s.member(`mal${tag}`, admin)
      const { org } = await invited('role', owner.token, owner.token)
      const inv = await s.request('POST', `/v1/organizations/${org}/invitations`, {
        token: owner.token,
        body: { email: `mal${tag}@example.com`, role: 'viewer' },
      })
      assert.equal(inv.status, 201, inv.text)
      const joined = await s.request('POST', '/v1/invitations/accept', {
        token: other.token,
        body: { token: inv.body.token },
      })
      assert.equal(joined.status, 200, joined.text)
      const bounded = await s.createKey(owner.token, {
        scopes: ['organizations:read', 'organizations:write'],
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      })
      const r = await s.request('PATCH', `/v1/organizations/${org}/members/${other.id}`, {
        token: bounded.key,
        body: { role: 'owner' },
      })
      assert.ok(
        r.status === 403,
        `FINDING: a key without keys:write, expiring in an hour, made a viewer the organization's owner ` +
          `(an unbounded login over all its keys): ${r.status} ${r.text.slice(0, 120)}`,
      )
    })
  })
}

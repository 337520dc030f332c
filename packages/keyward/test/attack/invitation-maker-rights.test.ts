import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack ("revoke ends it" for an organization role): an invitation is made with its maker's
 * rights in the organization. Once the maker is removed from it or demoted (or, a site admin,
 * loses that role), or the key that made it is bounded, does the invitation still grant its role?
 * It must not: it is accepted only while its maker could make it now (`makerStillMay`). Found by
 * an attacker: a removed admin's invitation of their own email was their way back in.
 */
for (const store of STORES) {
  describe(`attack: an invitation outlives its maker's rights (${store})`, () => {
    const suite = serverForSuite(store)
    const tag = () => randomBytes(3).toString('hex')

    /** An organization of a fresh owner, with a fresh user who joined it as `role`. */
    const orgWithMember = async (role: string) => {
      const { s, admin } = suite
      const t = tag()
      const owner = await s.member(`own${t}`, admin)
      const member = await s.member(`mem${t}`, admin)
      const handle = `inv-${t}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: handle, handle } })
      assert.equal(org.status, 201, org.text)
      const inv = await invite(owner.token, org.body.id, `mem${t}@example.com`, role)
      const joined = await s.request('POST', '/v1/invitations/accept', { token: member.token, body: { token: inv } })
      assert.equal(joined.status, 200, joined.text)
      return { owner, member, org: org.body.id as number, memberEmail: `mem${t}@example.com` }
    }
    const invite = async (token: string, org: number, email: string, role: string) => {
      const r = await suite.s.request('POST', `/v1/organizations/${org}/invitations`, { token, body: { email, role } })
      assert.equal(r.status, 201, r.text)
      return r.body.token as string
    }
    /** Accepts with a new account (a password the holder chooses); the role it got, if any. */
    const acceptAsStranger = async (org: number, token: string) => {
      const email = `stranger-${tag()}@example.com`
      const r = await suite.s.request('POST', '/v1/invitations/accept', {
        body: { token, password: 'chosen-password-1' },
      })
      return { status: r.status, text: r.text, role: await roleOf(org, r.status === 200 ? r.body.user.email : email) }
    }
    const roleOf = async (org: number, email: string) => {
      const m = await suite.s.request('GET', `/v1/organizations/${org}/members`, { token: suite.admin })
      return (m.body.members as { email: string; role: string }[]).find((x) => x.email === email)?.role ?? null
    }
    const refused = (r: { status: number; text: string; role: string | null }, what: string) => {
      assert.equal(r.status, 404, `FINDING: ${what}: accepted ${r.status} as "${r.role}" ${r.text.slice(0, 160)}`)
      assert.equal(r.role, null)
      assert.match(r.text, /inviter may no longer invite/)
    }

    it('control: an invitation of an owner who still is one is accepted', async () => {
      const { member, org } = await orgWithMember('owner')
      const inv = await invite(member.token, org, `stranger-${tag()}@example.com`, 'owner')
      const r = await acceptAsStranger(org, inv)
      assert.equal(r.status, 200, r.text)
      assert.equal(r.role, 'owner')
    })

    it('an owner removed from the organization: their invitation grants nothing', async () => {
      const { owner, member, org } = await orgWithMember('owner')
      const inv = await invite(member.token, org, `stranger-${tag()}@example.com`, 'owner')
      const rm = await suite.s.request('DELETE', `/v1/organizations/${org}/members/${member.id}`, {
        token: owner.token,
      })
      assert.equal(rm.status, 204, rm.text)
      refused(await acceptAsStranger(org, inv), `an invitation of removed owner ${member.id}`)
    })

    it('an owner demoted to viewer: their invitation grants nothing; demoted to admin: no owner invitation', async () => {
      const { owner, member, org } = await orgWithMember('owner')
      const asOwner = await invite(member.token, org, `stranger-${tag()}@example.com`, 'owner')
      const asMember = await invite(member.token, org, `stranger-${tag()}@example.com`, 'member')
      const demote = (role: string) =>
        suite.s.request('PATCH', `/v1/organizations/${org}/members/${member.id}`, {
          token: owner.token,
          body: { role },
        })
      assert.equal((await demote('admin')).status, 200)
      refused(await acceptAsStranger(org, asOwner), `an owner invitation of ${member.id}, now an admin`)
      assert.equal((await demote('viewer')).status, 200)
      refused(await acceptAsStranger(org, asMember), `a member invitation of ${member.id}, now a viewer`)
    })

    it('a site admin who is no member, demoted to member: their invitation grants nothing', async () => {
      const { s, admin } = suite
      const { org } = await orgWithMember('viewer')
      const t = tag()
      const sa = await s.member(`sa${t}`, admin)
      assert.equal(
        (await s.request('PATCH', `/v1/users/${sa.id}`, { token: admin, body: { role: 'admin' } })).status,
        200,
      )
      const inv = await invite(
        await s.login(`sa${t}@example.com`, `sa${t}-password-1`),
        org,
        `x-${t}@example.com`,
        'owner',
      )
      assert.equal(
        (await s.request('PATCH', `/v1/users/${sa.id}`, { token: admin, body: { role: 'member' } })).status,
        200,
      )
      refused(await acceptAsStranger(org, inv), `an invitation of former site admin ${sa.id}`)
    })

    it('an admin who invited their own email, then was removed, cannot come back with it', async () => {
      const { s } = suite
      const { owner, member, org, memberEmail } = await orgWithMember('admin')
      const backdoor = await invite(member.token, org, memberEmail, 'admin')
      const rm = await s.request('DELETE', `/v1/organizations/${org}/members/${member.id}`, { token: owner.token })
      assert.equal(rm.status, 204, rm.text)
      const fresh = await s.login(memberEmail, `${memberEmail.split('@')[0]}-password-1`)
      const r = await s.request('POST', '/v1/invitations/accept', { token: fresh, body: { token: backdoor } })
      refused({ ...r, role: await roleOf(org, memberEmail) }, `removed admin ${member.id} re-entered`)
    })

    it('a key that made an invitation and was then given an expiry (a bound): the invitation grants nothing', async () => {
      const { s } = suite
      const { owner, org } = await orgWithMember('viewer')
      const k = await s.createKey(owner.token) // full rights: only such a key invites (requireMayGrantOrgRole)
      const inv = await invite(k.key, org, `stranger-${tag()}@example.com`, 'member')
      const expires_at = new Date(Date.now() + 3600_000).toISOString()
      const bounded = await s.request('PATCH', `/v1/keys/${k.id}`, { token: owner.token, body: { expires_at } })
      assert.equal(bounded.status, 200, bounded.text)
      refused(await acceptAsStranger(org, inv), `an invitation of key ${k.id}, which may no longer issue a login`)
    })
  })
}

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hashSecret } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, expectStatus, join, orgWorld } from './fixture.js'

const keyIds = (body: any): number[] => body.api_keys.map((k: { id: number }) => k.id)

for (const store of STORES) {
  describe(`organization members and invitations (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
    })
    after(() => s?.close())
    const invite = (email: string, role = 'member') =>
      s.request('POST', `/v1/organizations/${w.acme.id}/invitations`, { token: w.owner.token, body: { email, role } })
    /** The pending invitations of `email` to acme. */
    const pendingOf = async (email: string) =>
      (
        (await s.request('GET', `/v1/organizations/${w.acme.id}/invitations`, { token: w.owner.token })).body
          .invitations as { id: number; email: string; role: string }[]
      ).filter((i) => i.email === email)

    it('an invitation token is answered once, stored only as its hash, and never listed', async () => {
      const inv = await invite('once@example.com')
      expectStatus(inv, 201, 'invite')
      assert.match(inv.body.token, /^kwinv_/)
      assert.equal(inv.body.mailed, false, 'no KEYWARD_SMTP_URL: not mailed')
      const rows = await s.kw.services.store.db.selectFrom('organization_invitation').selectAll().execute()
      const row = rows.find((r) => r.id === inv.body.invitation.id)!
      assert.equal(row.token_hash, hashSecret(inv.body.token))
      assert.ok(!JSON.stringify(rows).includes(inv.body.token))
      const list = await s.request('GET', `/v1/organizations/${w.acme.id}/invitations`, { token: w.owner.token })
      assert.ok(list.body.invitations.some((i: { id: number }) => i.id === inv.body.invitation.id))
      assert.ok(!list.text.includes(inv.body.token))
    })

    it('a new account accepts with a password, then sees the organization keys; the token works once', async () => {
      const inv = await invite('newbie@example.com')
      const acc = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'newbie-password-1' },
      })
      expectStatus(acc, 200, 'accept')
      assert.equal(acc.body.user.email, 'newbie@example.com')
      const token = await s.login('newbie@example.com', 'newbie-password-1')
      assert.ok(keyIds((await s.request('GET', '/v1/keys', { token })).body).includes(w.keys.orgKey))
      const again = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'other-password-1' },
      })
      assert.equal(again.status, 404)
    })

    it("inviting an email again replaces its pending invitation; accepting spends every other one (a new user's find)", async () => {
      const first = await invite('twice@example.com', 'admin')
      const second = await invite('twice@example.com', 'member')
      const mine = await pendingOf('twice@example.com')
      assert.deepEqual(
        mine.map((i) => [i.id, i.role]),
        [[second.body.invitation.id, 'member']],
        'only the newer one is pending',
      )
      const stale = await s.request('POST', '/v1/invitations/accept', {
        body: { token: first.body.token, password: 'twice-password-1' },
      })
      assert.equal(stale.status, 404, `the replaced admin invitation still opens an account: ${stale.text}`)
      // Two pending at once (made before replacing existed, or racing): accepting one spends the other.
      const [a, b] = [await invite('race@example.com'), await invite('race2@example.com')]
      await s.kw.services.store.db
        .updateTable('organization_invitation')
        .set({ email: 'race@example.com' })
        .where('id', '=', b.body.invitation.id)
        .execute()
      const acc = await s.request('POST', '/v1/invitations/accept', {
        body: { token: a.body.token, password: 'race-password-1' },
      })
      expectStatus(acc, 200, 'accept')
      assert.deepEqual(await pendingOf('race@example.com'), [], 'the other one is still pending')
    })

    it("invitations of one email sent at once leave one pending, and an acceptance racing a re-invitation loses nothing (a reviewer's finds)", async () => {
      for (let round = 0; round < 5; round++) {
        const email = `burst${round}@example.com`
        const sent = await Promise.all(['member', 'admin', 'viewer'].map((role) => invite(email, role)))
        for (const r of sent) expectStatus(r, 201, 'invite')
        const mine = await pendingOf(email)
        assert.equal(mine.length, 1, `round ${round}: ${JSON.stringify(mine)}`)
        const pendingToken = sent.find((r) => r.body.invitation.id === mine[0]!.id)!.body.token
        const [acc, again] = await Promise.all([
          s.request('POST', '/v1/invitations/accept', {
            body: { token: pendingToken, password: `burst${round}-pass-1` },
          }),
          invite(email),
        ])
        // Either order is right: accepted then invited again, or replaced before the acceptance (404).
        assert.ok([200, 404].includes(acc.status), `round ${round}: accept: ${acc.status} ${acc.text}`)
        expectStatus(again, 201, `round ${round}: the re-invitation (no deadlock, no 503)`)
        const left = await pendingOf(email)
        assert.equal(left.length, 1, `round ${round}: the re-invitation alone is pending: ${JSON.stringify(left)}`)
      }
    })

    it('expired, revoked and unknown invitations are refused; a signed-in user must hold the invited email', async () => {
      const expired = await invite('late@example.com')
      await s.kw.services.store.db
        .updateTable('organization_invitation')
        .set({ expires_at: '2000-01-01T00:00:00.000Z' })
        .where('id', '=', expired.body.invitation.id)
        .execute()
      const late = await s.request('POST', '/v1/invitations/accept', {
        body: { token: expired.body.token, password: 'late-password-1' },
      })
      assert.equal(late.status, 404)
      const revoked = await invite('gone@example.com')
      const del = await s.request(
        'DELETE',
        `/v1/organizations/${w.acme.id}/invitations/${revoked.body.invitation.id}`,
        {
          token: w.orgAdmin.token,
        },
      )
      assert.equal(del.status, 204)
      const gone = await s.request('POST', '/v1/invitations/accept', {
        body: { token: revoked.body.token, password: 'gone-password-1' },
      })
      assert.equal(gone.status, 404)
      assert.equal(
        (await s.request('POST', '/v1/invitations/accept', { body: { token: 'kwinv_nope', password: 'x-password-1' } }))
          .status,
        404,
      )
      const forOther = await invite('someone@example.com')
      const wrong = await s.request('POST', '/v1/invitations/accept', {
        token: w.outsider.token,
        body: { token: forOther.body.token },
      })
      assert.equal(wrong.status, 403)
      const noPassword = await s.request('POST', '/v1/invitations/accept', { body: { token: forOther.body.token } })
      assert.equal(noPassword.status, 401)
    })

    it('removing a member ends their sessions at once, takes the organization from their keys, and leaves organization keys alone', async () => {
      const temp = await s.member('tess', w.admin)
      await join(
        s,
        w.owner.token,
        w.acme.id,
        { ...temp, email: 'tess@example.com', password: 'tess-password-1' },
        'member',
      )
      const personal = await s.createKey(temp.token, { name: 'personal' })
      const orgKey = await s.createKey(temp.token, { owner: { kind: 'organization', id: w.acme.id } })
      assert.ok(keyIds((await s.request('GET', '/v1/keys', { token: personal.key })).body).includes(w.keys.orgKey))
      const r = await s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${temp.id}`, {
        token: w.orgAdmin.token,
      })
      assert.equal(r.status, 204, r.text)
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token: temp.token })).status, 401, 'session ended')
      const after = keyIds((await s.request('GET', '/v1/keys', { token: personal.key })).body)
      assert.deepEqual(after, [personal.id], 'their own key works and sees only their own keys')
      assert.equal((await s.request('GET', `/v1/keys/${w.keys.orgKey}`, { token: personal.key })).status, 404)
      assert.equal((await s.verify(w.owner.token, orgKey.key)).valid, true, 'the organization key they made lives on')
      const trail = (await s.request('GET', '/v1/audit?limit=500', { token: w.viewer.token })).body.events
      const actions = trail.filter((e: any) => e.details?.user_id === temp.id).map((e: any) => e.action)
      assert.deepEqual(actions.sort(), ['organization.member.add', 'organization.member.remove'])
    })

    it('the last owner cannot leave or step down; an owner transfers by making another owner first', async () => {
      const me = `/v1/organizations/${w.acme.id}/members/${w.owner.id}`
      assert.equal((await s.request('DELETE', me, { token: w.owner.token })).status, 409)
      assert.equal((await s.request('PATCH', me, { token: w.owner.token, body: { role: 'admin' } })).status, 409)
      const adminToOwner = await s.request('PATCH', `/v1/organizations/${w.acme.id}/members/${w.orgAdmin.id}`, {
        token: w.orgAdmin.token,
        body: { role: 'owner' },
      })
      assert.equal(adminToOwner.status, 403, 'an admin cannot make itself owner')
      const promote = await s.request('PATCH', `/v1/organizations/${w.acme.id}/members/${w.orgAdmin.id}`, {
        token: w.owner.token,
        body: { role: 'owner' },
      })
      expectStatus(promote, 200, 'promote')
      expectStatus(await s.request('PATCH', me, { token: w.owner.token, body: { role: 'admin' } }), 200, 'step down')
      const roles = (await s.request('GET', `/v1/organizations/${w.acme.id}/members`, { token: w.viewer.token })).body
        .members
      assert.equal(roles.find((m: any) => m.user_id === w.orgAdmin.id).role, 'owner')
      assert.equal(roles.find((m: any) => m.user_id === w.owner.id).role, 'admin')
    })

    it("an organization deleted while an invitation to it is accepted answers 404, not 500 (a reviewer's find)", async () => {
      const org = await s.request('POST', '/v1/organizations', {
        token: w.owner.token,
        body: { name: 'Gone soon', handle: 'gone-soon' },
      })
      expectStatus(org, 201, 'create')
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: w.owner.token,
        body: { email: 'late@example.com', role: 'member' },
      })
      expectStatus(inv, 201, 'invite')
      // The organization goes, through the API, at the moment the acceptance looks it up.
      const invitations = s.kw.services.orgs.invitations as unknown as { orgs: { find: (id: number) => unknown } }
      const real = invitations.orgs
      invitations.orgs = {
        find: async (id: number) => {
          expectStatus(await s.request('DELETE', `/v1/organizations/${id}`, { token: w.owner.token }), 204, 'delete')
          return real.find(id)
        },
      }
      try {
        const acc = await s.request('POST', '/v1/invitations/accept', {
          body: { token: inv.body.token, password: 'late-password-1' },
        })
        assert.equal(acc.status, 404, acc.text)
      } finally {
        invitations.orgs = real
      }
      const r = await s.request('GET', `/v1/organizations/${org.body.id}`, { token: w.owner.token })
      assert.equal(r.status, 404, 'the organization is gone')
    })

    it('handles are unique and validated; personal organizations cannot be deleted', async () => {
      assert.equal(
        (await s.request('POST', '/v1/organizations', { token: w.member.token, body: { name: 'x', handle: 'acme' } }))
          .status,
        409,
      )
      assert.equal(
        (
          await s.request('POST', '/v1/organizations', {
            token: w.member.token,
            body: { name: 'x', handle: 'Bad Handle' },
          })
        ).status,
        400,
      )
      const blank = await s.request('POST', '/v1/organizations', {
        token: w.member.token,
        body: { name: '   ', handle: 'blank-name' },
      })
      expectStatus(blank, 400, 'a name of spaces only')
      assert.match(blank.body.error.message, /^Name may only contain text, not only spaces/)
      const mine = (await s.request('GET', '/v1/organizations', { token: w.member.token })).body.organizations.find(
        (o: any) => o.personal,
      )
      assert.equal((await s.request('DELETE', `/v1/organizations/${mine.id}`, { token: w.member.token })).status, 409)
      const empty = await s.request('POST', '/v1/organizations', {
        token: w.member.token,
        body: { name: 'Tmp', handle: 'tmp' },
      })
      const k = await s.createKey(w.member.token, { owner: { kind: 'organization', id: empty.body.id } })
      assert.equal(
        (await s.request('DELETE', `/v1/organizations/${empty.body.id}`, { token: w.member.token })).status,
        204,
      )
      assert.equal((await s.verify(w.admin, k.key)).code, 'NOT_FOUND', "a deleted organization's keys are gone")
    })

    it("lists an invitation its maker may no longer make as not usable (its key revoked: a new user's find)", async () => {
      const k = await s.createKey(w.owner.token, { name: 'inviting-key' })
      const inv = await s.request('POST', `/v1/organizations/${w.acme.id}/invitations`, {
        token: k.key,
        body: { email: 'viakey@example.com', role: 'member' },
      })
      expectStatus(inv, 201, 'invite with a key')
      const listed = async () =>
        (
          await s.request('GET', `/v1/organizations/${w.acme.id}/invitations`, { token: w.owner.token })
        ).body.invitations.find((i: { id: number }) => i.id === inv.body.invitation.id)
      assert.equal((await listed()).usable, true)
      expectStatus(await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: w.owner.token }), 200, 'revoke')
      assert.equal((await listed()).usable, false, 'BROKEN: a dead invitation is listed as usable')
      const acc = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'viakey-password-1' },
      })
      assert.equal(acc.status, 404, 'and it is refused, as listed')
    })
  })
}

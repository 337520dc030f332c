import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { TAKEN_OVER, adminTakenOver } from '../security/fixture.js'

/**
 * An invitation's token is answered to its maker, so a new account opened with it has a password its maker's holder
 * may have chosen. The holder of a leaked key K, signed in with a password K chose, invited an address of their own
 * as an organization owner and accepted at once with a password of their own: that account signed in after
 * `revoke K {minted: true}` and made the organization's keys (helper-111's find). K's own invitation, likewise. Such
 * an account's password is made through the maker's key or line, and the revoke clears it (the membership stays,
 * as a role a key raised does: docs/security.md).
 */
for (const store of STORES) {
  describe(`an account opened with an invitation a leaked key's line made ends with the key (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    const run = () => randomBytes(3).toString('hex')
    const org = async (tag: string) => {
      const r = await s.request('POST', '/v1/organizations', { token: admin, body: { name: 'Acme', handle: tag } })
      assert.equal(r.status, 201, r.text)
      return r.body.id as number
    }
    /** Invites `email` as owner with `token`, then accepts with a password the inviter's holder chose. */
    async function acceptedBy(token: string, orgId: number, email: string) {
      const inv = await s.request('POST', `/v1/organizations/${orgId}/invitations`, {
        token,
        body: { email, role: 'owner' },
      })
      assert.equal(inv.status, 201, inv.text)
      const accepted = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'holder-chose-this-1' },
      })
      assert.equal(accepted.status, 200, accepted.text)
    }
    const signsIn = async (email: string) =>
      (await s.request('POST', '/v1/auth/login', { body: { email, password: 'holder-chose-this-1' } })).status

    it('through a login of a password K chose: the offer counts it, the revoke clears it', async () => {
      const tag = run()
      const orgId = await org(`ial-${tag}`)
      const leaked = await s.createKey(admin, { name: `ial-k-${tag}` })
      const email = `ial-a-${tag}@example.com`
      await adminTakenOver(s, admin, email, leaked.key)
      const theirs = await s.login(email, TAKEN_OVER)
      const evil = `ial-evil-${tag}@evil.example`
      await acceptedBy(theirs, orgId, evil)
      const offer = await s.request('GET', `/v1/keys/${leaked.id}/made`, { token: admin })
      assert.equal(offer.body.passwords, 2, `the taken-over admin's and the account's: ${offer.text}`)
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.passwords_cleared, 2, r.text)
      assert.equal(await signsIn(evil), 401, "BROKEN: the account K's line login opened signs in after the revoke")
    })

    it("made by K itself: the account's password is K's, and goes with it", async () => {
      const tag = run()
      const orgId = await org(`ial-k-${tag}`)
      const leaked = await s.createKey(admin, { name: `ial-kk-${tag}` })
      const evil = `ial-kevil-${tag}@evil.example`
      await acceptedBy(leaked.key, orgId, evil)
      const listed = await s.request('GET', `/v1/users?password_set_by_key_id=${leaked.id}`, { token: admin })
      assert.deepEqual(
        listed.body.users.map((u: any) => u.email),
        [evil],
        `listed as a password K chose: ${listed.text}`,
      )
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.body.passwords_cleared, 1, r.text)
      assert.equal(await signsIn(evil), 401, 'BROKEN: the account K invited signs in after the revoke')
    })

    it('an invitation a password session made opens an account no key is behind: a minted revoke leaves it', async () => {
      const tag = run()
      const orgId = await org(`ial-s-${tag}`)
      const other = await s.createKey(admin, { name: `ial-other-${tag}` })
      const person = `ial-person-${tag}@example.com`
      await acceptedBy(admin, orgId, person)
      const r = await s.request('POST', `/v1/keys/${other.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.body.passwords_cleared, 0, r.text)
      assert.equal(await signsIn(person), 200)
    })
  })
}

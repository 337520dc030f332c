import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'
import { smtpReceiver } from '../smtp-receiver.js'

/**
 * Users are no other tenant's to probe. Any signed-in person may create an organization, invite any address, and
 * held the invitation's token (answered to the inviter). Accepting it without a session (`orgs accept
 * --new-account`) answers 409 "an account with this email exists" when the address has an account anywhere on the
 * instance, and otherwise opens an account for that address with the prober's password
 * (`InvitationService.invitee`): whether an address has an account was one invitation away, for anyone, and an
 * address could be squatted. With a mail server (`KEYWARD_SMTP_URL`) the token now goes to the mailbox only; without
 * one the inviter is still its channel (documented: only a mail server closes this).
 */
const smtp = await smtpReceiver()
after(() => smtp.close())

for (const store of STORES) {
  describe(`attack: an invitation tells anyone whether an address has an account (${store})`, () => {
    const t = serverForSuite(store, { env: { KEYWARD_SMTP_URL: smtp.url } })

    it('with a mail server, the inviter holds no token: it can neither probe an address nor squat it', async () => {
      const { s, admin } = t
      // Another tenant's person, in no organization of the prober.
      await s.member('target', admin)
      const mallory = await s.member('mallory', admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: mallory.token,
        body: { name: 'probe', handle: `probe-${store}` },
      })
      assert.equal(org.status, 201, org.text)
      const probe = async (email: string) => {
        const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
          token: mallory.token,
          body: { email, role: 'viewer' },
        })
        assert.equal(inv.status, 201, inv.text)
        assert.doesNotMatch(inv.text, /kwinv_/, 'FINDING: the inviter is answered the token')
        return { status: inv.status, token: inv.body.token, mailed: inv.body.mailed }
      }
      const known = await probe('target@example.com')
      const unknown = await probe(`nobody-${store}@example.com`)
      assert.deepEqual(known, unknown, 'FINDING: the answer tells whether target@example.com has an account')
      assert.deepEqual(known, { status: 201, token: null, mailed: true })
      // Without the token, an acceptance is refused alike for both (the mailbox's owner holds it).
      const squat = await s.request('POST', '/v1/invitations/accept', {
        body: { token: 'kwinv_guessed', password: 'mallory-chose-this-1' },
      })
      assert.equal(squat.status, 404, squat.text)
      const login = await s.request('POST', '/v1/auth/login', {
        body: { email: `nobody-${store}@example.com`, password: 'mallory-chose-this-1' },
      })
      assert.equal(login.status, 401, "FINDING: an account was opened for the address with the prober's password")
      // The address's owner got it, and opens their account with a password of their own.
      const mailed = smtp.tokenFor(`nobody-${store}@example.com`)
      const own = await s.request('POST', '/v1/invitations/accept', {
        body: { token: mailed, password: 'nobody-chose-this-1' },
      })
      assert.equal(own.status, 200, own.text)
    })
  })
}

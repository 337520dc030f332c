import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type AddressInfo, type Socket, createServer } from 'node:net'
import { TestServer } from '../helpers.js'
import { type SmtpReceiver, smtpReceiver } from '../smtp-receiver.js'

/** The organization of `s`'s admin, and an invitation of `email` there as `role`, as the inviter is answered. */
async function invite(s: TestServer, email: string, role = 'viewer') {
  const admin = await s.adminToken()
  const org = (await s.request('GET', '/v1/organizations', { token: admin })).body.organizations[0]
  const inv = await s.request('POST', `/v1/organizations/${org.id}/invitations`, {
    token: admin,
    body: { email, role },
  })
  const pending = await s.request('GET', `/v1/organizations/${org.id}/invitations`, { token: admin })
  return { org, inv, pending: pending.body.invitations.map((i: { email: string }) => i.email) }
}

describe('with KEYWARD_SMTP_URL, the invitation token goes to the mailbox only', () => {
  let smtp: SmtpReceiver
  let s: TestServer
  before(async () => {
    smtp = await smtpReceiver({ refuse: (address) => address.startsWith('refused') })
    s = await TestServer.start('sqlite', {
      env: { KEYWARD_SMTP_URL: smtp.url, KEYWARD_SMTP_FROM: 'keyward@example.com' },
    })
  })
  after(async () => {
    await s?.close()
    await smtp?.close()
  })

  it('mails the token to the invitee and answers the inviter none; the invitee accepts with it', async () => {
    const { org, inv } = await invite(s, 'mailme@example.com')
    assert.equal(inv.status, 201, inv.text)
    assert.equal(inv.body.mailed, true)
    assert.equal(inv.body.token, null, 'the inviter is answered no token')
    assert.doesNotMatch(inv.text, /kwinv_/)
    assert.equal(inv.body.invitation.email, 'mailme@example.com')
    const token = smtp.tokenFor('mailme@example.com')
    assert.match(token ?? '', /^kwinv_/, 'the mail carries the token')
    assert.ok(smtp.mails.at(-1)!.body.includes(org.handle), 'the mail names the organization')
    const acc = await s.request('POST', '/v1/invitations/accept', { body: { token, password: 'mailme-password-1' } })
    assert.equal(acc.status, 200, acc.text)
    assert.equal(acc.body.invitation.role, 'viewer')
    assert.equal(acc.body.user.email, 'mailme@example.com')
    const session = await s.login('mailme@example.com', 'mailme-password-1')
    const orgs = await s.request('GET', '/v1/organizations', { token: session })
    const joined = orgs.body.organizations.find((o: { id: number }) => o.id === org.id)
    assert.equal(joined?.role, 'viewer', 'signed in, they are a viewer of the organization they were invited to')
  })

  it('a recipient the SMTP server refuses is 502 mail_failed, with no token and no invitation left pending', async () => {
    const { inv, pending } = await invite(s, 'refused@example.com', 'admin')
    assert.equal(inv.status, 502, inv.text)
    assert.equal(inv.body.error.code, 'mail_failed')
    assert.match(inv.body.error.message, /could not be mailed/)
    assert.doesNotMatch(inv.text, /kwinv_/)
    assert.ok(!pending.includes('refused@example.com'), `still pending: ${pending.join(', ')}`)
  })

  it('OpenAPI says the token may be null and declares 502 mail_failed', async () => {
    const post = (await s.request('GET', '/openapi.json')).body.paths['/v1/organizations/{id}/invitations'].post
    const created = post.responses['201'].content['application/json'].schema
    assert.deepEqual(created.properties.token.type, ['string', 'null'])
    assert.match(post.responses['502'].description, /mail_failed/)
  })

  it('an unreachable SMTP server is 502 mail_failed, never the token, and no invitation left pending', async () => {
    const down = await TestServer.start('sqlite', { env: { KEYWARD_SMTP_URL: 'smtp://127.0.0.1:1' } })
    try {
      const { inv, pending } = await invite(down, 'x@example.com', 'member')
      assert.equal(inv.status, 502, inv.text)
      assert.equal(inv.body.error.code, 'mail_failed')
      assert.doesNotMatch(inv.text, /kwinv_/)
      assert.deepEqual(pending, [])
    } finally {
      await down.close()
    }
  })

  it("a mail server that accepts and then stalls holds the invitation ~10 s, not nodemailer's 30 s: 502 mail_failed", async () => {
    const sockets: Socket[] = []
    const stalled = createServer((c) => sockets.push(c)) // never greets
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve))
    const port = (stalled.address() as AddressInfo).port
    const slow = await TestServer.start('sqlite', { env: { KEYWARD_SMTP_URL: `smtp://127.0.0.1:${port}` } })
    try {
      const started = performance.now()
      const { inv, pending } = await invite(slow, 'stall@example.com', 'member')
      const waited = performance.now() - started
      assert.equal(inv.status, 502, inv.text)
      assert.equal(inv.body.error.code, 'mail_failed')
      assert.ok(waited > 9_000 && waited < 15_000, `the greeting timeout bounds the wait: ${Math.round(waited)} ms`)
      assert.deepEqual(pending, [])
    } finally {
      await slow.close()
      for (const c of sockets) c.destroy()
      await new Promise<void>((resolve) => stalled.close(() => resolve()))
    }
  })
})

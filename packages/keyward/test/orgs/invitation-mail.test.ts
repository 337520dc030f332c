import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SMTPServer } from 'smtp-server'
import { TestServer } from '../helpers.js'

describe('invitations are mailed through SMTP when KEYWARD_SMTP_URL is set', () => {
  const mails: { to: string[]; body: string }[] = []
  let smtp: SMTPServer
  let s: TestServer
  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        let body = ''
        stream.on('data', (c: Buffer) => (body += c.toString('utf8')))
        stream.on('end', () => {
          // Undo quoted-printable soft line breaks: the token may be wrapped.
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), body: body.replace(/=\r?\n/g, '') })
          done()
        })
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const port = (smtp.server.address() as AddressInfo).port
    s = await TestServer.start('sqlite', {
      env: { KEYWARD_SMTP_URL: `smtp://127.0.0.1:${port}`, KEYWARD_SMTP_FROM: 'keyward@example.com' },
    })
  })
  after(async () => {
    await s?.close()
    await new Promise<void>((resolve) => smtp.close(() => resolve()))
  })

  it('mails the token to the invitee, who accepts with it', async () => {
    const admin = await s.adminToken()
    const org = await s.request('POST', '/v1/organizations', { token: admin, body: { name: 'Acme', handle: 'acme' } })
    const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
      token: admin,
      body: { email: 'mailme@example.com', role: 'viewer' },
    })
    assert.equal(inv.status, 201, inv.text)
    assert.equal(inv.body.mailed, true)
    assert.equal(mails.length, 1)
    assert.deepEqual(mails[0]!.to, ['mailme@example.com'])
    const token = /kwinv_[A-Za-z0-9]+/.exec(mails[0]!.body)?.[0]
    assert.equal(token, inv.body.token, 'the mail carries the same token')
    assert.match(mails[0]!.body, /acme/)
    const acc = await s.request('POST', '/v1/invitations/accept', { body: { token, password: 'mailme-password-1' } })
    assert.equal(acc.status, 200, acc.text)
    assert.equal(acc.body.invitation.role, 'viewer')
  })

  it('an unreachable SMTP server answers mailed: false and still gives the token, without an error', async () => {
    const down = await TestServer.start('sqlite', { env: { KEYWARD_SMTP_URL: 'smtp://127.0.0.1:1' } })
    try {
      const admin = await down.adminToken()
      const org = (await down.request('GET', '/v1/organizations', { token: admin })).body.organizations[0]
      const inv = await down.request('POST', `/v1/organizations/${org.id}/invitations`, {
        token: admin,
        body: { email: 'x@example.com', role: 'member' },
      })
      assert.equal(inv.status, 201, inv.text)
      assert.equal(inv.body.mailed, false)
      assert.match(inv.body.token, /^kwinv_/)
    } finally {
      await down.close()
    }
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type SmtpReceiver, smtpReceiver } from '../smtp-receiver.js'
import { api, signedInDashboard } from './browser.js'

/** The invite form on a server with a mail server: the token is in the invitee's mail, never on the inviter's screen. */
describe('dashboard: an invitation mailed (KEYWARD_SMTP_URL) shows no token (Chromium, SQLite)', () => {
  let smtp: SmtpReceiver
  let d: Awaited<ReturnType<typeof signedInDashboard>>
  before(async () => {
    smtp = await smtpReceiver({ refuse: (address) => address.startsWith('refused') })
    d = await signedInDashboard({ KEYWARD_SMTP_URL: smtp.url })
  })
  after(async () => {
    await d?.close()
    await smtp?.close()
  })

  it('says where the invitation went, and shows a refused mail as an error', async () => {
    const { page, base, admin } = d
    assert.equal((await api(base, 'POST', '/v1/organizations', admin, { name: 'Acme', handle: 'acme' })).status, 201)
    await page.goto('/members') // loaded again: the organization list was read before Acme existed
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme' })
    await page.getByLabel('Invite email').fill('mailed@example.com')
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    const form = page.getByRole('form', { name: 'Invite a member' })
    await form.getByText('Invitation mailed to mailed@example.com (member): the token is only in that mail.').waitFor()
    assert.equal(await page.getByRole('dialog').count(), 0, 'no token dialog')
    assert.match(smtp.tokenFor('mailed@example.com') ?? '', /^kwinv_/)
    assert.doesNotMatch(await page.content(), /kwinv_/)
    await page.getByLabel('Invite email').fill('refused@example.com')
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    await form.getByText(/could not be mailed to refused@example\.com/).waitFor()
    assert.equal(await form.getByText('Invitation mailed to').count(), 0, 'the earlier note is gone')
  })
})

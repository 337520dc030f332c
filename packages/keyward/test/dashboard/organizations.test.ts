import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, startServer } from './browser.js'

/**
 * Organizations in the dashboard, end to end in Chromium: the owner invites, the member accepts
 * with the token, sees the organization's keys through the switcher, is removed, and loses them.
 */
describe('dashboard organizations: invite → accept → sees keys → removed → loses them (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let browser: Browser
  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  const signIn = async (email: string, password: string): Promise<Page> => {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    const p = await ctx.newPage()
    await p.goto('/keys')
    await p.getByLabel('Email or username').fill(email)
    await p.getByLabel('Password').fill(password)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('link', { name: 'Members' }).waitFor()
    return p
  }

  it('runs the whole flow in two browser sessions', async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    const org = await api(base, 'POST', '/v1/organizations', admin, { name: 'Acme', handle: 'acme' })
    assert.equal(org.status, 201)
    const key = await api(base, 'POST', '/v1/keys', admin, {
      name: 'acme-deploy',
      owner: { kind: 'organization', id: org.body.id },
    })
    assert.equal(key.status, 201)
    const member = await api(base, 'POST', '/v1/users', admin, { email: 'mo@example.com', password: 'mo-password-1' })
    assert.equal(member.status, 201)

    const owner = await signIn(ADMIN.email, ADMIN.password)
    // An organization's key is shown as the organization's: it was named as a device ("device #1", or
    // whichever device had the organization's id: a new user's report).
    await owner.getByRole('link', { name: 'Keys' }).click()
    const ownerCell = owner.getByRole('row').filter({ hasText: 'acme-deploy' }).locator('td[data-label="Owner"]')
    await ownerCell.filter({ hasText: /^Acme$/ }).waitFor()
    // And one is created from the form, as the CLI's --org does (the form offered no organization).
    await owner.goto('/keys/new')
    await owner.getByLabel('Name', { exact: true }).fill('acme-ci')
    await owner.getByLabel('Owner').selectOption({ label: 'Organization: Acme' })
    await owner.getByRole('button', { name: 'Create key' }).click()
    const made = owner.getByRole('dialog')
    const secret = await made.getByLabel('Secret key').inputValue()
    const verified = (await api(base, 'POST', '/v1/keys/verify', admin, { key: secret })).body
    assert.deepEqual(verified.owner, { kind: 'organization', id: org.body.id })
    await made.getByRole('button', { name: 'I have stored it' }).click()
    await owner.getByRole('link', { name: 'Members' }).click()
    await owner.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme' })
    await owner.getByRole('cell', { name: ADMIN.email, exact: true }).waitFor()
    await owner.getByLabel('Invite email').fill('mo@example.com')
    await owner.getByLabel('Invite role').selectOption('member')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    // Shown once in the dialog a key's secret has, saying that no mail went out (this server has no mail server).
    const invited = owner.getByRole('dialog', { name: 'Invitation for mo@example.com' })
    const token = await invited.getByLabel('Invitation token').inputValue()
    assert.match(token, /^kwinv_/)
    await invited
      .getByText('No mail was sent (no mail server is configured): give it to mo@example.com yourself.')
      .waitFor()
    await invited.getByRole('button', { name: 'I have stored it' }).click()
    // Pending invitations are listed, and one can be revoked there (the CLI and SDK could; the dashboard could not).
    const pending = owner.getByRole('table', { name: 'Pending invitations' })
    await pending.getByRole('cell', { name: 'mo@example.com', exact: true }).waitFor()
    const moRow = pending.getByRole('row', { name: /mo@example\.com/ })
    assert.equal(await moRow.getByRole('cell', { name: 'yes', exact: true }).count(), 1, 'usable, said so')
    await owner.getByLabel('Invite email').fill('stray@example.com')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    await owner.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click()
    const revoke = owner.getByRole('button', { name: 'Revoke invitation of stray@example.com' })
    await revoke.click()
    await revoke.waitFor({ state: 'detached' })
    const left = await api(base, 'GET', `/v1/organizations/${org.body.id}/invitations`, admin)
    assert.deepEqual(
      left.body.invitations.map((i: { email: string }) => i.email),
      ['mo@example.com'],
    )

    const mo = await signIn('mo@example.com', 'mo-password-1')
    await mo.getByRole('link', { name: 'Members' }).click()
    await mo.getByLabel('Invitation token').fill(token)
    await mo.getByRole('button', { name: 'Accept invitation' }).click()
    await mo.getByText('You joined as member.').waitFor()
    await mo.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme' })
    await mo.getByRole('link', { name: 'Keys' }).click()
    await mo.getByRole('link', { name: 'acme-deploy' }).waitFor()

    await owner.reload()
    // Removal asks first (it was one click): cancelling keeps Mo; confirming removes.
    await owner.getByRole('button', { name: 'Remove mo@example.com' }).click()
    const ask = owner.getByRole('dialog', { name: 'Remove mo@example.com?' })
    await ask.getByRole('button', { name: 'Cancel' }).click()
    await ask.waitFor({ state: 'hidden' })
    const still = await api(base, 'GET', `/v1/organizations/${org.body.id}/members`, admin)
    assert.ok(
      still.body.members.some((m: { email: string }) => m.email === 'mo@example.com'),
      'cancel removed nobody',
    )
    await owner.getByRole('button', { name: 'Remove mo@example.com' }).click()
    await ask.getByRole('button', { name: 'Remove member' }).click()
    await owner.getByRole('button', { name: 'Remove mo@example.com' }).waitFor({ state: 'detached' })

    // Mo's session ended with the removal: the next request signs Mo out; signing in again, the key is gone.
    await mo.reload()
    await mo.getByRole('button', { name: 'Sign in' }).waitFor()
    await mo.getByLabel('Email or username').fill('mo@example.com')
    await mo.getByLabel('Password').fill('mo-password-1')
    await mo.getByRole('button', { name: 'Sign in' }).click()
    await mo.getByRole('heading', { name: /keys/i }).first().waitFor()
    await mo
      .getByText(/no keys|no key/i)
      .first()
      .waitFor()
    assert.equal(await mo.getByRole('link', { name: 'acme-deploy' }).count(), 0)
    const moToken = await login(base, 'mo@example.com', 'mo-password-1')
    assert.equal((await api(base, 'GET', `/v1/keys/${key.body.api_key.id}`, moToken)).status, 404)
  })

  it('creates an organization from the Members page and switches to it (the API, SDK and CLI could; the dashboard could not)', async () => {
    const p = await signIn(ADMIN.email, ADMIN.password)
    await p.getByRole('link', { name: 'Members' }).click()
    const form = p.getByRole('form', { name: 'New organization' })
    await form.getByLabel('Organization name').fill('Globex')
    await form.getByLabel('Handle').fill('Globex Corp')
    await form.getByRole('button', { name: 'Create organization' }).click()
    // The server's refusal of the handle is shown by the field, in words.
    await form.getByText(/Handle may only contain lowercase letters, digits/).waitFor()
    await form.getByLabel('Handle').fill('globex')
    await form.getByRole('button', { name: 'Create organization' }).click()
    await p.getByRole('heading', { name: 'Members of Globex' }).waitFor()
    assert.equal(
      await p.getByLabel('Organization', { exact: true }).inputValue(),
      String(await orgId('globex')),
      'the switcher chose it',
    )
    await p.getByRole('cell', { name: ADMIN.email, exact: true }).waitFor()
    // A handle already taken says so.
    await form.getByLabel('Organization name').fill('Globex again')
    await form.getByLabel('Handle').fill('globex')
    await form.getByRole('button', { name: 'Create organization' }).click()
    await form.getByText('an organization with this handle already exists').waitFor()
    await p.context().close()
  })

  it('renames and deletes an organization from the Members page (the CLI and API could; the dashboard could not)', async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    await api(base, 'POST', '/v1/organizations', admin, { name: 'Hooli', handle: 'hooli' })
    const p = await signIn(ADMIN.email, ADMIN.password)
    await p.getByRole('link', { name: 'Members' }).click()
    await p.getByLabel('Organization', { exact: true }).selectOption({ label: 'Hooli' })
    await p.getByRole('button', { name: 'Rename organization' }).click()
    const rename = p.getByRole('dialog', { name: 'Rename this organization?' })
    await rename.getByLabel('New name').fill('Hooli XYZ')
    await rename.getByLabel('New handle').fill('hooli-xyz')
    await rename.getByRole('button', { name: 'Rename' }).click()
    await p.getByRole('heading', { name: 'Members of Hooli XYZ' }).waitFor()
    const id = await orgId('hooli-xyz')
    await p.getByRole('button', { name: 'Delete organization' }).click()
    const del = p.getByRole('dialog', { name: 'Delete this organization?' })
    const confirm = del.getByRole('button', { name: 'Delete organization' })
    assert.ok(await confirm.isDisabled(), 'a click alone deletes nothing')
    await del.getByLabel('Type "hooli-xyz" to confirm').fill('hooli-xyz')
    await confirm.click()
    await p.getByText('Organization hooli-xyz deleted.').waitFor()
    assert.equal((await api(base, 'GET', `/v1/organizations/${id}`, admin)).status, 404)
    await p.getByRole('option', { name: 'Hooli XYZ' }).waitFor({ state: 'detached' }) // gone from the switcher
    // A personal organization cannot be deleted: its page offers no such button.
    await p.getByLabel('Organization', { exact: true }).selectOption({ label: 'admin (personal)' })
    await p.getByRole('heading', { name: 'Members of admin' }).waitFor()
    assert.equal(await p.getByRole('button', { name: 'Delete organization' }).count(), 0)
    await p.context().close()
  })

  it("offers the organization chosen in the header as a new key's owner (it offered you, though a new application goes to it)", async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    await api(base, 'POST', '/v1/organizations', admin, { name: 'Umbrella', handle: 'umbrella' })
    const p = await signIn(ADMIN.email, ADMIN.password)
    const selected = () => p.getByLabel('Owner').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)
    await p.getByLabel('Organization', { exact: true }).selectOption({ label: 'Umbrella' })
    await p.getByRole('link', { name: 'Keys' }).click()
    await p.getByRole('link', { name: 'Create key' }).click()
    await p.getByLabel('Name', { exact: true }).waitFor()
    assert.equal(await selected(), 'Organization: Umbrella')
    await p.getByRole('button', { name: 'Cancel' }).click() // a form left otherwise keeps its draft, owner included
    // Your personal organization, or every organization, leaves the key yours.
    await p.getByLabel('Organization', { exact: true }).selectOption({ label: 'admin (personal)' })
    await p.goto('/keys/new')
    await p.getByLabel('Name', { exact: true }).waitFor()
    assert.equal(await selected(), `Me (${ADMIN.email})`)
    await p.context().close()
  })

  it("moves a new key's draft owner with the header's organization, unless you picked the owner on this visit", async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    for (const name of ['Initech', 'Hooli'])
      await api(base, 'POST', '/v1/organizations', admin, { name, handle: name.toLowerCase() })
    const p = await signIn(ADMIN.email, ADMIN.password)
    const selected = () => p.getByLabel('Owner').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)
    const header = p.getByLabel('Organization', { exact: true })
    await p.getByRole('link', { name: 'Members' }).waitFor()
    await header.selectOption({ label: 'Initech' })
    await p.goto('/keys/new')
    await p.getByLabel('Name', { exact: true }).fill('draft-follows')
    assert.equal(await selected(), 'Organization: Initech')
    // Switched while on the form: the default owner follows, what was typed stays.
    await header.selectOption({ label: 'Hooli' })
    await p.waitForFunction(() =>
      document.querySelector<HTMLSelectElement>('select[name=owner]')?.selectedOptions[0]?.text.includes('Hooli'),
    )
    assert.equal(await p.getByLabel('Name', { exact: true }).inputValue(), 'draft-follows')
    // Switched while away, the draft kept: back on the form, the owner is the new choice's default (you).
    await p.getByRole('link', { name: 'Keys' }).click()
    await header.selectOption({ label: 'admin (personal)' })
    await p.goto('/keys/new')
    await p.getByLabel('Name', { exact: true }).waitFor()
    assert.equal(await selected(), `Me (${ADMIN.email})`)
    assert.equal(await p.getByLabel('Name', { exact: true }).inputValue(), 'draft-follows')
    // An owner you picked on this visit stays yours to change: a switch does not move it.
    await p.getByLabel('Owner').selectOption({ label: 'Organization: Initech' })
    await header.selectOption({ label: 'Hooli' })
    await p.getByRole('button', { name: 'Create key' }).click()
    await p.getByRole('dialog').waitFor()
    const keys = await api(base, 'GET', '/v1/keys?q=draft-follows', admin)
    assert.deepEqual(
      keys.body.api_keys.map((k: { owner: unknown }) => k.owner),
      [{ kind: 'organization', id: await orgId('initech') }],
    )
    await p.context().close()
  })

  const orgId = async (handle: string): Promise<number> => {
    const all = await api(base, 'GET', '/v1/organizations', await login(base, ADMIN.email, ADMIN.password))
    return all.body.organizations.find((o: { handle: string }) => o.handle === handle).id
  }
})

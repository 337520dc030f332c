import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, screenshotDir, startServer } from './browser.js'

/**
 * The Settings page (your password, your sessions) and the admin actions of the Users page,
 * in Chromium against a real server; every effect is checked through the API.
 */
describe('dashboard: settings and user lifecycle (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let shots: string
  let browser: Browser
  let admin: string
  const ada = { email: 'ada@example.com', password: 'ada-password-1' }
  let adaId: number

  const signIn = async (email: string, password: string): Promise<Page> => {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    const page = await ctx.newPage()
    await page.goto('/')
    await page.getByLabel('Email or username').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
    return page
  }
  const whoami = async (token: string) => (await api(base, 'GET', '/v1/auth/whoami', token)).status

  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    shots = screenshotDir(s.tmp)
    browser = await launchChromium()
    admin = await login(base, ADMIN.email, ADMIN.password)
    adaId = (await api(base, 'POST', '/v1/users', admin, ada)).body.id
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  it('Settings: lists your sessions, ends another one, and changes your password', async () => {
    const other = await login(base, ada.email, ada.password)
    const page = await signIn(ada.email, ada.password)
    await page.getByRole('link', { name: 'Settings' }).click()
    const table = page.getByRole('table', { name: 'Your sessions' })
    await table.getByText('This session').waitFor()
    assert.equal(await table.locator('tbody tr').count(), 2)
    await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true })
    await table.getByRole('button', { name: 'End session' }).click()
    await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 1)
    assert.equal(await whoami(other), 401)

    await page.getByLabel('Current password').fill('not-my-password')
    await page.getByLabel('New password').fill('ada-password-2')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('That is not your current password.').waitFor()
    await page.getByLabel('Current password').fill(ada.password)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Password changed. Your other sessions have ended.').waitFor()
    ada.password = 'ada-password-2'
    await login(base, ada.email, ada.password)
    await page.context().close()
  })

  it('Users: an admin changes the role, deactivates, reactivates, resets the password and deletes', async () => {
    const key = (await api(base, 'POST', '/v1/keys', await login(base, ada.email, ada.password), { name: 'k' })).body
    const page = await signIn(ADMIN.email, ADMIN.password)
    await page.getByRole('link', { name: 'Users' }).click()
    const actions = page.getByRole('group', { name: `Actions for ${ada.email}` })
    const row = page.getByRole('row').filter({ has: actions })

    await actions.getByRole('button', { name: 'Make admin' }).click()
    await page.getByText(`${ada.email} is now an admin.`).waitFor()
    assert.equal((await api(base, 'GET', `/v1/users/${adaId}`, admin)).body.role, 'admin')
    await actions.getByRole('button', { name: 'Make member' }).click()
    await page.getByText(`${ada.email} is now a member.`).waitFor()

    await actions.getByRole('button', { name: 'Deactivate' }).click()
    await row.getByText(/^deactivated/).waitFor()
    const refused = await api(base, 'POST', '/v1/keys/verify', admin, { key: key.key })
    assert.equal(refused.body.code, 'DISABLED')
    await page.screenshot({ path: join(shots, 'users-actions.png'), fullPage: true })
    // The key's page says what verify answers, and why (its own switch is untouched).
    await page.goto(`/keys/${key.api_key.id}`)
    await page.getByText('Its user deactivated').waitFor()
    assert.equal(await page.getByText('Disabled', { exact: true }).count(), 0, 'no own disable shown')
    // Its own switch still works, and enabling says the key stays refused while its user is away.
    await page.getByRole('button', { name: 'Disable', exact: true }).click()
    await page.getByRole('button', { name: 'Enable', exact: true }).click()
    await page.getByText('Key enabled, but still refused (DISABLED) while its user is deactivated.').waitFor()
    await page.screenshot({ path: join(shots, 'key-user-deactivated.png'), fullPage: true })
    await page.getByRole('link', { name: 'Users' }).click()
    await actions.getByRole('button', { name: 'Reactivate' }).click()
    await row.getByText('active', { exact: true }).waitFor()
    assert.equal((await api(base, 'POST', '/v1/keys/verify', admin, { key: key.key })).body.code, 'VALID')

    await actions.getByRole('button', { name: 'Reset password' }).click()
    await page.getByRole('dialog').getByLabel('New password').fill('ada-password-3')
    await page.getByRole('button', { name: 'Set password', exact: true }).click()
    await page.getByText(`${ada.email} has a new password; their sessions ended.`).waitFor()
    await login(base, ada.email, 'ada-password-3')

    await actions.getByRole('button', { name: 'Delete', exact: true }).click()
    await page.getByRole('dialog').getByLabel(`Type "${ada.email}" to confirm`).fill(ada.email)
    await page.getByRole('button', { name: 'Delete user' }).click()
    await page.getByText(`${ada.email} is deleted; their own keys are revoked.`).waitFor()
    // The list reloads after the message: wait (up to the page's timeout) for the deleted user's row to go.
    await actions.waitFor({ state: 'detached' })
    assert.equal(await actions.count(), 0)
    assert.equal((await api(base, 'POST', '/v1/keys/verify', admin, { key: key.key })).body.code, 'REVOKED')

    const me = page.getByRole('group', { name: `Actions for ${ADMIN.email}` })
    await me.getByRole('button', { name: 'Make member' }).click()
    await page.getByText(/last active administrator/).waitFor()
    assert.equal(await whoami(admin), 200)
  })
})

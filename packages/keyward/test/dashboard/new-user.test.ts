import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, startServer } from './browser.js'

/**
 * What a new user tripped over in the dashboard (issue "What a new user trips over"),
 * each checked in Debian's Chromium against a real server.
 */
describe('dashboard: what a new user trips over (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let admin: string
  const consoleErrors: string[] = []

  const signIn = async (p: Page = page) => {
    await p.getByLabel('Email or username').fill(ADMIN.email)
    await p.getByLabel('Password').fill(ADMIN.password)
    await p.getByRole('button', { name: 'Sign in' }).click()
  }
  /** The session token the dashboard holds (sessionStorage), to end it behind its back. */
  const dashboardToken = async () =>
    (await page.evaluate(() => JSON.parse(sessionStorage.getItem('keyward.session') ?? '{}'))).access_token as string

  before(async () => {
    ;({ kw, base } = await startServer())
    browser = await launchChromium()
    ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    page = await ctx.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    admin = await login(base, ADMIN.email, ADMIN.password)
    await page.goto('/')
    await signIn()
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  it('does not throw the one-time secret away on Escape or a click outside without asking', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('escape-test')
    await page.getByRole('button', { name: 'Create key' }).click()
    const dialog = page.getByRole('dialog')
    const secret = await dialog.getByLabel('Secret key').inputValue()
    await page.keyboard.press('Escape')
    await dialog.getByText('You will not see this key again — close anyway?').waitFor()
    await dialog.getByRole('button', { name: 'Back to the key' }).click()
    assert.equal(await dialog.getByLabel('Secret key').inputValue(), secret, 'still shown after "Back to the key"')
    // Chromium lets a page refuse Escape only once per user activation: pressing it again must still not lose the secret.
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await dialog.getByText('close anyway?').waitFor()
    assert.equal(await dialog.getByLabel('Secret key').inputValue(), secret, 'repeated Escape keeps the secret')
    await dialog.getByRole('button', { name: 'Back to the key' }).click()
    await page.mouse.click(5, 5) // the backdrop
    await dialog.getByText('close anyway?').waitFor()
    assert.ok(await dialog.isVisible(), 'a click outside only asks')
    await dialog.getByRole('button', { name: 'Close anyway' }).click()
    await page.getByRole('heading', { name: 'escape-test' }).waitFor()
  })

  it('keeps what was typed when the session ends mid-form, says why, and returns to the form', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('draft survives')
    await page.getByLabel('Description (optional)').fill('typed before the session ended')
    // The session ends elsewhere (another tab signs out).
    assert.equal((await api(base, 'POST', '/v1/auth/logout', await dashboardToken())).status, 204)
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByText('Your session ended — sign in again').waitFor()
    await signIn()
    await page.getByRole('heading', { name: 'Create an API key' }).waitFor()
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'draft survives')
    assert.equal(await page.getByLabel('Description (optional)').inputValue(), 'typed before the session ended')
    assert.ok(!(await page.evaluate(() => JSON.stringify(sessionStorage))).includes('kw_'), 'no secret in storage')
    await page.getByRole('button', { name: 'Cancel' }).click()
  })

  it('focuses the first field on the create page, and the first refused field after an error', async () => {
    await page.goto('/keys/new')
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'owner')
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('maxlength'), '100')
    await page.getByLabel('Pick a date').check()
    await page.getByLabel('Expiry date').fill('2020-01-01T10:00')
    await page.getByLabel('Name', { exact: true }).fill('born expired')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByText('Expiry must be in the future').waitFor()
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Expiry date')
    assert.equal((await api(base, 'GET', '/v1/keys?q=born', admin)).body.total, 0)
  })

  it('says what happened after a roll and a delete, shows the current expiry when editing, and names scopes plainly', async () => {
    const k = (
      await api(base, 'POST', '/v1/keys', admin, {
        name: 'polish',
        scopes: ['invoices:read'],
        expires_at: '2099-01-01T00:00:00Z',
      })
    ).body
    await page.goto(`/keys/${k.api_key.id}`)
    await page.getByText("Access to Keyward's API").waitFor()
    await page.getByText('none (no Keyward scope)').waitFor()
    await page.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel(/Unchanged \(.*2099/).waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Roll' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Roll key' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click()
    await page.getByText(/The old secret keeps working until/).waitFor()
    await page.getByRole('cell', { name: /grace period: 1 hour/ }).waitFor()
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByLabel('Type "polish" to confirm').fill('polish')
    await page.getByRole('button', { name: 'Delete key' }).click()
    await page.getByText('Key "polish" deleted.').waitFor()
    await page.goto('/audit')
    const row = page.getByRole('row', { name: new RegExp(`key.delete.*key #${k.api_key.id}`) })
    await row.getByText('(deleted)').waitFor()
    assert.equal(await row.getByRole('link', { name: `key #${k.api_key.id}` }).count(), 0, 'no link to a deleted key')
  })

  it('marks a key without scopes as having full rights on Keyward, none of your API, in the list and on its page', async () => {
    const k = (await api(base, 'POST', '/v1/keys', admin, { name: 'everything' })).body
    await page.goto(`/keys/${k.api_key.id}`)
    await page.getByText("none: full rights on Keyward's API").waitFor()
    await page.goto('/keys?q=everything')
    const row = page.getByRole('row', { name: /everything/ })
    await row.getByText("none: full rights on Keyward's API").waitFor()
  })

  it('shows the not-found page for ids that cannot exist', async () => {
    for (const [path, what] of [
      ['/keys/abc', 'key'],
      ['/keys/999999', 'key'],
      ['/applications/x1', 'application'],
      ['/devices/0', 'device'],
    ]) {
      await page.goto(path!)
      await page.getByText(`This ${what} does not exist, or it is not yours to see.`).waitFor()
    }
  })

  it('serves /favicon.ico, and pages log no console errors', async () => {
    const r = await fetch(`${base}/favicon.ico`)
    assert.equal(r.status, 200)
    assert.match(r.headers.get('content-type') ?? '', /icon/)
    await page.goto('/keys')
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
    assert.deepEqual(
      consoleErrors.filter((e) => !/status of 4\d\d/.test(e)),
      [],
    )
  })

  it('lays out cleanly: one filter height, aligned user fields, a steady sign-in card, a one-row header at 375 px', async () => {
    await page.goto('/keys')
    const heights = await page
      .locator('.filters input, .filters select:visible')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))
    assert.equal(new Set(heights.map(Math.round)).size, 1, `filter controls share one height: ${heights.join(', ')}`)

    await page.goto('/users')
    await page.getByLabel('Email').fill('x@example.com')
    await page.getByLabel('Initial password').fill('short')
    await page.getByRole('button', { name: 'Add user' }).click()
    await page.getByText('Password needs at least 8 characters').waitFor()
    const tops = await page
      .locator('.inline-form input, .inline-form select')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)))
    assert.equal(new Set(tops).size, 1, `inputs stay level with an error shown: ${tops.join(', ')}`)

    const narrow = await browser.newContext({ baseURL: base, viewport: { width: 375, height: 740 } })
    const p = await narrow.newPage()
    await p.goto('/')
    const cardTop = async () => p.locator('.login .card').evaluate((e) => e.getBoundingClientRect().top)
    const before = await cardTop()
    await p.getByLabel('Email or username').fill(ADMIN.email)
    await p.getByLabel('Password').fill('wrong-password')
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByText('That email and password do not match an account.').waitFor()
    assert.equal(await cardTop(), before, 'the card does not jump when an error appears')
    await signIn(p)
    await p.getByRole('heading', { name: 'API keys' }).waitFor()
    const header = await p.locator('.topbar').boundingBox()
    assert.ok(header && header.height < 70, `one-row header at 375 px, got ${header?.height}`)
    assert.equal(await p.getByRole('link', { name: 'Applications' }).isVisible(), false)
    await p.getByRole('button', { name: 'Menu' }).click()
    await p.getByRole('link', { name: 'Applications' }).click()
    await p.getByRole('heading', { name: 'Applications' }).waitFor()
    await narrow.close()
  })
})

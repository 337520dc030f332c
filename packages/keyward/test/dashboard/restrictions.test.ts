import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, screenshotDir, startServer } from './browser.js'

/** The restrictions editor of the key forms, in Chromium against a real server on SQLite. */
describe('dashboard restrictions editor (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let shots: string
  let browser: Browser
  let page: Page
  let admin: string
  const shot = (name: string, p: Page = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    shots = screenshotDir(s.tmp)
    browser = await launchChromium()
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    page = await ctx.newPage()
    admin = await login(base, ADMIN.email, ADMIN.password)
    await page.goto('/')
    await page.getByLabel('Email or username').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  it('shows a bad CIDR at its field, creates a restricted key, shows and edits its restrictions', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('office only')
    await page.getByLabel('Client addresses').fill('10.0.0.0/8, 10.0.0.0/33')
    await page.getByRole('button', { name: 'Create key' }).click()
    const ipError = page.locator('.field', { has: page.getByLabel('Client addresses') }).locator('.field-error')
    await ipError.waitFor()
    assert.match(await ipError.innerText(), /10\.0\.0\.0\/33/)
    assert.equal((await api(base, 'GET', '/v1/keys', admin)).body.total, 0, 'nothing was created')

    await page.getByLabel('Client addresses').fill('10.0.0.0/8 2001:db8::/32')
    await page.getByLabel('Web origins').fill('*.example.com')
    await shot('restrictions-editor')
    await page.getByRole('button', { name: 'Create key' }).click()
    const dialog = page.getByRole('dialog')
    const secret = await dialog.getByLabel('Secret key').inputValue()
    await dialog.getByRole('button', { name: 'I have stored it' }).click()
    await page.getByText('addresses 10.0.0.0/8, 2001:db8::/32; origins *.example.com').waitFor()
    const verify = async (context?: object) =>
      (await api(base, 'POST', '/v1/keys/verify', admin, { key: secret, ...(context && { context }) })).body.code
    assert.equal(await verify(), 'FORBIDDEN_CONTEXT')
    assert.equal(await verify({ ip: '10.1.1.1', origin: 'https://a.example.com' }), 'VALID')

    await page.getByRole('button', { name: 'Edit' }).click()
    assert.equal(await page.getByLabel('Client addresses').inputValue(), '10.0.0.0/8 2001:db8::/32')
    await page.getByLabel('Web origins').fill('')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('addresses 10.0.0.0/8, 2001:db8::/32', { exact: true }).waitFor()
    assert.equal(await verify({ ip: '10.1.1.1' }), 'VALID')
  })
})

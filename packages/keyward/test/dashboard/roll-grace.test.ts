import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, startServer } from './browser.js'

/**
 * After a roll with a grace period, the key's page says until when the old secret verifies, for as
 * long as it does (it was said once, in the roll's notice, and then in no field: a new user's report).
 */
describe('dashboard: the grace period of a rolled key (Chromium, SQLite)', () => {
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

  it('shows the old secret until its grace period ends, and nothing after a roll without one', async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    const key = (await api(base, 'POST', '/v1/keys', admin, { name: 'rolled' })).body.api_key.id as number
    const rolled = await api(base, 'POST', `/v1/keys/${key}/roll`, admin, { grace_period_s: 3600 })
    assert.ok(rolled.body.api_key.previous_secret_expires_at)
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    const page = await ctx.newPage()
    await page.goto(`/keys/${key}`)
    await page.getByLabel('Email or username').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const grace = page.getByText(/^verifies until .+\(the last roll's grace period\)$/)
    await grace.waitFor()
    await api(base, 'POST', `/v1/keys/${key}/roll`, admin, {})
    await page.reload()
    await page.getByRole('heading', { name: 'rolled' }).waitFor()
    assert.equal(await grace.count(), 0, 'a roll without grace leaves no old secret to show')
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { TestServer } from '../helpers.js'
import { launchChromium } from '../dashboard/browser.js'

/** The API docs still work under their Content-Security-Policy, in a real browser. */
describe('/docs renders under its CSP (Chromium)', () => {
  let s: TestServer
  let base: string
  let browser: Browser
  before(async () => {
    s = await TestServer.start('sqlite')
    base = await s.listen()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await s?.close()
  })

  it('shows the operations, and the browser reports no CSP violation', async () => {
    const page = await browser.newPage()
    const violations: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
    })
    const res = await page.goto(`${base}/docs`)
    assert.match(String(res?.headers()['content-security-policy']), /frame-ancestors 'none'/)
    await page.waitForSelector('.opblock-tag', { timeout: 20_000 })
    assert.ok((await page.locator('.opblock-tag').count()) > 3, 'operation groups are rendered')
    assert.deepEqual(violations, [])
  })
})

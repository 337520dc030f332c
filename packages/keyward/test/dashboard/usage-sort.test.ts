import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, screenshotDir, signedInDashboard } from './browser.js'

/** The verifications chart and the sortable keys table, in Chromium against a real server on SQLite. */
describe('dashboard usage chart and sorting (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let shots: string
  let browser: Browser
  let page: Page
  let admin: string
  const verify = async (key: string, scopes?: string[]) =>
    (await api(base, 'POST', '/v1/keys/verify', admin, { key, ...(scopes && { scopes }) })).body.code as string
  const mk = async (name: string, extra: Record<string, unknown> = {}) =>
    (await api(base, 'POST', '/v1/keys', admin, { name, ...extra })).body as { key: string; api_key: { id: number } }

  let close: () => Promise<void> = async () => {}
  before(async () => {
    const d = await signedInDashboard()
    ;({ kw, base, browser, page, admin, close } = d)
    shots = screenshotDir(d.tmp)
  })
  after(() => close())

  it('charts valid and refused verifications per day, and says so when there are none', async () => {
    const { key, api_key } = await mk('charted', { scopes: ['keys:read'] })
    for (let i = 0; i < 3; i++) assert.equal(await verify(key), 'VALID')
    assert.equal(await verify(key, ['keys:write']), 'INSUFFICIENT_SCOPES')
    await api(base, 'POST', `/v1/keys/${api_key.id}/disable`, admin)
    for (let i = 0; i < 2; i++) assert.equal(await verify(key), 'DISABLED')
    await api(base, 'POST', `/v1/keys/${api_key.id}/enable`, admin)
    await kw.services.usage.flush()

    await page.goto(`/keys/${api_key.id}`)
    await page.getByRole('heading', { name: 'Verifications per day' }).waitFor()
    const chart = page.locator('figure.usage')
    await chart.getByText(/3\s+valid and\s+3\s+refused verifications in the last 30 days/).waitFor()
    assert.equal(await chart.locator('g.day').count(), 30, 'one column per day')
    const today = new Date().toISOString().slice(0, 10)
    const bar = chart.locator(`g.day[data-date="${today}"]`)
    assert.equal(await bar.getAttribute('data-valid'), '3')
    assert.equal(await bar.getAttribute('data-refused'), '3')
    assert.equal(await bar.locator('rect.bar-valid').count(), 1)
    assert.equal(await bar.locator('rect.bar-refused').count(), 1)
    assert.equal(
      await bar.locator('title').textContent(),
      `${today}: 3 valid, 3 refused (DISABLED 2, INSUFFICIENT_SCOPES 1)`,
    )
    // Refused stacks on valid: half of this day's bar height is refused.
    const hv = Number(await bar.locator('rect.bar-valid').getAttribute('height'))
    const hr = Number(await bar.locator('rect.bar-refused').getAttribute('height'))
    assert.ok(hv > 0 && Math.abs(hv - hr) < 0.001, `${hv} vs ${hr}`)
    assert.equal(await chart.locator('g.day rect.bar-valid').count(), 1, 'other days have no bars')
    await chart.locator('.x-axis span', { hasText: today.slice(5) }).waitFor()
    await chart.screenshot({ path: join(shots, 'usage-chart.png') })

    const quiet = await mk('never-verified')
    await page.goto(`/keys/${quiet.api_key.id}`)
    await page.getByText('No verifications in the last 30 days.', { exact: false }).waitFor()
    assert.equal(await page.locator('figure.usage').count(), 0)
  })

  it('sorts the keys table by a column header, with the mouse or the keyboard, kept in the URL', async () => {
    const day = 86_400_000
    await mk('srt-bravo', { expires_at: new Date(Date.now() + 3 * day).toISOString() })
    await mk('srt-alpha')
    await mk('srt-charlie', { expires_at: new Date(Date.now() + 1 * day).toISOString() })
    const names = () => page.locator('table.keys tbody tr td[data-label="Name"]').allInnerTexts()
    const expectNames = async (want: string[]) => {
      let got: string[] = []
      for (let i = 0; i < 100 && (got = await names()).join('|') !== want.join('|'); i++) await page.waitForTimeout(100)
      assert.deepEqual(got, want)
    }
    const header = (label: string) =>
      page.locator('table.keys thead th', { has: page.getByRole('button', { name: label }) })

    await page.goto('/keys?q=srt-')
    await expectNames(['srt-charlie', 'srt-alpha', 'srt-bravo']) // newest first by default
    assert.equal(await header('Created').getAttribute('aria-sort'), 'descending')
    assert.equal(await header('Name').getAttribute('aria-sort'), 'none')

    await page.getByRole('button', { name: 'Name' }).click()
    await expectNames(['srt-alpha', 'srt-bravo', 'srt-charlie'])
    assert.equal(await header('Name').getAttribute('aria-sort'), 'ascending')
    assert.equal(await header('Created').getAttribute('aria-sort'), 'none')
    assert.match(page.url(), /[?&]sort=name&order=asc/)
    assert.match(page.url(), /[?&]q=srt-/, 'filters stay')

    // Keyboard only: the header is a button; Enter toggles the order.
    await page.getByRole('button', { name: 'Name' }).focus()
    await page.keyboard.press('Enter')
    await expectNames(['srt-charlie', 'srt-bravo', 'srt-alpha'])
    assert.equal(await header('Name').getAttribute('aria-sort'), 'descending')
    await page.reload()
    await expectNames(['srt-charlie', 'srt-bravo', 'srt-alpha']) // from the URL

    // Expires, soonest first; a key that never expires comes last.
    await page.getByRole('button', { name: 'Expires' }).focus()
    await page.keyboard.press('Space')
    await expectNames(['srt-charlie', 'srt-bravo', 'srt-alpha'])
    // That order is also the previous one, so the wait above may end before the new sort lands: wait for its header.
    await page
      .locator('table.keys thead th[aria-sort="ascending"]', { has: page.getByRole('button', { name: 'Expires' }) })
      .waitFor({ timeout: 10_000 })
    assert.equal(await header('Expires').getAttribute('aria-sort'), 'ascending')
    await page.getByRole('button', { name: 'Expires' }).click()
    await expectNames(['srt-bravo', 'srt-charlie', 'srt-alpha'])
    assert.match(page.url(), /sort=expires_at&order=desc/)

    // Back to the default drops the parameters.
    await page.getByRole('button', { name: 'Created' }).click()
    await expectNames(['srt-charlie', 'srt-alpha', 'srt-bravo'])
    assert.doesNotMatch(page.url(), /sort=/)
  })

  it('sorts from a select at 375 px, where the table has no headers', async () => {
    for (const n of ['nar-b', 'nar-c', 'nar-a']) await mk(n)
    const narrow = await browser.newContext({ baseURL: base, viewport: { width: 375, height: 800 } })
    narrow.setDefaultTimeout(10_000)
    const p = await narrow.newPage()
    await p.goto('/')
    await p.getByLabel('Email or username').fill(ADMIN.email)
    await p.getByLabel('Password').fill(ADMIN.password)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('heading', { name: 'API keys' }).waitFor()
    await p.goto('/keys?q=nar-')
    await p.locator('table.keys').waitFor()
    assert.equal(await p.getByLabel('Sort by').isVisible(), true)
    await p.getByLabel('Sort by').selectOption({ label: 'Name ↑ ascending' })
    await p.waitForURL(/sort=name&order=asc/)
    const names = p.locator('table.keys tbody tr td[data-label="Name"] a')
    for (let i = 0; i < 100 && (await names.allInnerTexts()).join('|') !== 'nar-a|nar-b|nar-c'; i++)
      await p.waitForTimeout(100)
    assert.deepEqual(await names.allInnerTexts(), ['nar-a', 'nar-b', 'nar-c'])
    await narrow.close()
    await page.goto('/keys?q=nar-')
    await page.locator('table.keys').waitFor()
    assert.equal(await page.getByLabel('Sort by').isVisible(), false, 'on a desktop the column headers sort')
  })

  it('pages through a sorted list without repeating or skipping a key', async () => {
    for (let i = 0; i < 30; i++) await mk(`pg-${String((i * 7) % 30).padStart(2, '0')}`)
    await page.goto('/keys?q=pg-&sort=name&order=asc')
    const names = () => page.locator('table.keys tbody tr td[data-label="Name"]').allInnerTexts()
    await page.getByText('page 1 of 2').waitFor()
    const first = await names()
    await page.getByRole('button', { name: 'Next →' }).click()
    await page.getByText('page 2 of 2').waitFor()
    // The pager's line changes with the cursor, before the second page's rows arrive: wait for those.
    await page.locator('table.keys tbody tr td[data-label="Name"]', { hasText: 'pg-25' }).waitFor()
    const second = await names()
    assert.deepEqual(
      [...first, ...second],
      Array.from({ length: 30 }, (_, i) => `pg-${String(i).padStart(2, '0')}`),
    )
  })
})

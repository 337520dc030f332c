import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { githubHeaders, githubKey } from '../leaks/github-key.js'
import { api, login, screenshotDir, signIn, signedInDashboard } from './browser.js'

/**
 * Leak reports on the key pages, in Chromium against a real server: a GitHub secret-scanning report
 * (signed with a P-256 key made here) and a self-report through POST /v1/keys/leaked.
 */
describe('dashboard: leaked keys (Chromium, SQLite)', () => {
  const gh = githubKey('gh-test')
  let s: Awaited<ReturnType<typeof signedInDashboard>>
  let page: Page
  let shots: string

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-gh-ui-'))
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ public_keys: [gh.entry] }))
    s = await signedInDashboard({ KEYWARD_GITHUB_SCANNING_KEYS_FILE: join(dir, 'keys.json') })
    page = s.page
    shots = screenshotDir(s.tmp)
  })
  after(() => s?.close())

  const createKey = async (name: string): Promise<{ id: number; key: string }> => {
    const created = (await api(s.base, 'POST', '/v1/keys', s.admin, { name })).body
    return { id: created.api_key.id, key: created.key }
  }
  const banner = () => page.getByRole('alert').filter({ hasText: 'This key was reported leaked' })
  /** Opens a key's page and waits for the banner's query of the key's `key.leaked` events to be answered. */
  const openKey = async (id: number) => {
    const answered = page.waitForResponse((r) => r.url().includes('action=key.leaked') && r.ok())
    await page.goto(`/keys/${id}`)
    await answered
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor()
  }

  it('shows where GitHub found the key, as text, and that it was revoked; the list marks it', async () => {
    const k = await createKey('pushed')
    // Whoever held the secret made a key with it before the report.
    const made = (await api(s.base, 'POST', '/v1/keys', k.key, { name: 'made-with-leaked' })).body.api_key
    const url = 'https://github.com/octo/repo/blob/main/.env?x=<img src=x onerror="window.pwned=1">'
    const body = JSON.stringify([{ token: k.key, type: 'keyward_api_key', url, source: 'commit <b>bold</b>' }])
    const r = await fetch(`${s.base}/v1/leaks/github`, {
      method: 'POST',
      body,
      headers: githubHeaders(body, gh.privateKey, 'gh-test'),
    })
    assert.equal(r.status, 200)

    await openKey(k.id)
    const b = banner()
    await b.waitFor()
    const text = await b.innerText()
    assert.match(text, /GitHub secret scanning/)
    assert.ok(text.includes(url), 'the URL is shown verbatim, as text')
    assert.ok(text.includes('(source: commit <b>bold</b>)'), 'the source is shown verbatim, as text')
    assert.match(text, /What Keyward did\s+revoked the key/)
    assert.match(text, /The key is revoked/)
    assert.equal(await b.locator('a, img, b').count(), 0, 'nothing reported became markup or a link')
    assert.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined)
    // The banner comes before the rest of the page.
    const first = await page.evaluate(() => document.querySelector('main section > *:not(.crumbs)')?.className)
    assert.equal(first, 'leak-banner')
    await page.screenshot({ path: join(shots, 'key-leaked.png'), fullPage: true })
    // The report revoked the key alone; the banner offers to revoke what it made.
    await b.getByText('1 key was made from this key').waitFor()
    await b.getByRole('button', { name: 'Revoke the key made with it' }).click()
    const dialog = page.getByRole('dialog', { name: 'Revoke the keys made with this key?' })
    await dialog.getByLabel(/Reason/).fill('made with a leaked key')
    await dialog.getByRole('button', { name: 'Revoke it' }).click()
    await page.getByRole('status').getByText('Revoked the key made with this key.').waitFor()
    const after = (await api(s.base, 'GET', `/v1/keys/${made.id}`, s.admin)).body
    assert.equal(after.status, 'revoked')
    assert.match(after.revoked_reason, /made with a leaked key/)
    await b.getByText(/keys? (was|were) made from this key/).waitFor({ state: 'detached' }) // nothing left to offer

    await page.goto('/keys')
    const row = page.locator(`tr[data-key-id="${k.id}"]`)
    await row.getByText('leaked', { exact: true }).waitFor()
  })

  it('shows what the report Keyward acted on did, not a later one that found the key revoked', async () => {
    const k = await createKey('reported-twice')
    for (let i = 0; i < 2; i++)
      assert.equal((await api(s.base, 'POST', '/v1/keys/leaked', undefined, { key: k.key })).status, 202)
    await openKey(k.id)
    const b = banner()
    await b.waitFor()
    const text = await b.innerText()
    assert.match(text, /2 reports; the latest Keyward acted on is shown/)
    assert.match(text, /What Keyward did\s+revoked the key/, 'BROKEN: said "nothing (already revoked)"')
  })

  it('shows a self-reported leak of a key that still works, with Revoke one click away', async () => {
    const k = await createKey('rolled')
    const old = k.key
    await api(s.base, 'POST', `/v1/keys/${k.id}/roll`, s.admin, { grace_period_s: 3600 })
    // The pre-roll secret leaked: its grace period ends, the current secret still works.
    assert.equal((await api(s.base, 'POST', '/v1/keys/leaked', undefined, { key: old })).status, 202)

    await openKey(k.id)
    const b = banner()
    await b.waitFor()
    const text = await b.innerText()
    assert.match(text, /someone holding the secret/)
    assert.match(text, /Where\s+not given/)
    assert.match(text, /ended the grace period of the previous secret \(the current secret was not reported\)/)
    assert.match(text, /The key still works/)
    await b.getByRole('button', { name: 'Revoke it now' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('heading', { name: 'Revoke this key?' }).waitFor()
    await dialog.getByRole('button', { name: 'Revoke key' }).click()
    await b.getByText('The key is revoked').waitFor()
    assert.equal((await api(s.base, 'GET', `/v1/keys/${k.id}`, s.admin)).body.status, 'revoked')
  })

  it("shows a member the leak of the member's own key", async () => {
    const ada = { email: 'ada@example.com', password: 'ada-password-1' }
    assert.equal((await api(s.base, 'POST', '/v1/users', s.admin, { ...ada, role: 'member' })).status, 201)
    const token = await login(s.base, ada.email, ada.password)
    const k = (await api(s.base, 'POST', '/v1/keys', token, { name: 'ada-key' })).body
    assert.equal((await api(s.base, 'POST', '/v1/keys/leaked', undefined, { key: k.key })).status, 202)
    const mine = await signIn(s.browser, s.base, ada.email, ada.password)
    await mine.goto(`/keys/${k.api_key.id}`)
    const b = mine.getByRole('alert').filter({ hasText: 'This key was reported leaked' })
    await b.getByText('The key is revoked').waitFor()
    assert.match(await b.innerText(), /What Keyward did\s+revoke/)
    await mine.context().close()
  })

  it('shows no banner for a key nobody reported', async () => {
    const k = await createKey('quiet')
    await openKey(k.id)
    assert.equal(await banner().count(), 0)
    await page.goto('/keys')
    const row = page.locator(`tr[data-key-id="${k.id}"]`)
    await row.waitFor()
    assert.equal(await row.getByText('leaked', { exact: true }).count(), 0)
  })
})

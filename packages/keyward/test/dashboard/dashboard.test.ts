import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, screenshotDir, signIn, startServer } from './browser.js'

/**
 * The dashboard end to end: a real server on a temp SQLite file serving the built
 * SPA, driven in Debian's Chromium. What the UI shows is checked against the API.
 */
describe('dashboard (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let shots: string
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let admin: string
  /** The key created through the UI, followed through its lifecycle. */
  let created: { id: number; secret: string }

  const verify = async (key: string) => (await api(base, 'POST', '/v1/keys/verify', admin, { key })).body.code as string
  const shot = (name: string, p: Page = page, fullPage = true) =>
    p.screenshot({ path: join(shots, `${name}.png`), fullPage })

  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    shots = screenshotDir(s.tmp)
    browser = await launchChromium()
    ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
    ctx.setDefaultTimeout(10_000)
    page = await ctx.newPage()
    admin = await login(base, ADMIN.email, ADMIN.password)
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  it('serves the SPA at / and client routes, but never shadows the API, docs or health checks', async () => {
    for (const path of ['/', '/keys', '/keys/123', '/applications/1']) {
      const r = await fetch(base + path)
      assert.equal(r.status, 200, path)
      assert.match(r.headers.get('content-type') ?? '', /text\/html/)
      assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
      assert.match(await r.text(), /<div id="root">/)
    }
    const notFound = await fetch(base + '/v1/nothing-here')
    assert.equal(notFound.status, 404)
    assert.equal((await notFound.json()).error.code, 'not_found')
    for (const path of [
      '/v7/nothing',
      '/api-key/x',
      '/actor/v1/x',
      '/login_x/y',
      '/device/x',
      '/api/x',
      '/assets/missing.js',
    ]) {
      const r = await fetch(base + path)
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`) // each face's own 401/404
      assert.match(r.headers.get('content-type') ?? '', /application\/json/, path)
    }
    assert.equal((await fetch(base + '/healthz')).status, 200)
    assert.equal((await fetch(base + '/openapi.json')).status, 200)
    assert.match(await (await fetch(base + '/docs/')).text(), /swagger/i)
  })

  it('refuses a wrong password in words, then signs in with the keyboard only', async () => {
    await page.goto('/')
    await shot('login')
    await page.getByLabel('Email or username').fill(ADMIN.email)
    await page.getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('That email and password do not match an account.').waitFor()

    await page.reload()
    // The email field has focus on load; Tab to the password, Enter submits.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'email')
    await page.keyboard.type(ADMIN.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(ADMIN.password)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
    await page.getByText('No keys yet.').waitFor()
    // The token is in sessionStorage, so a reload keeps the session.
    await page.reload()
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
  })

  it('shows API validation errors next to the field they concern', async () => {
    await page.getByRole('link', { name: 'Create key' }).click()
    await page.getByRole('heading', { name: 'Create an API key' }).waitFor()
    await page.getByRole('button', { name: 'Create key' }).click() // no name
    const nameError = page.locator('.field', { has: page.getByLabel('Name', { exact: true }) }).locator('.field-error')
    await nameError.waitFor()
    assert.match(await nameError.innerText(), /^Name cannot be empty$/)
    assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true')

    await page.getByLabel('Name', { exact: true }).fill('limited')
    await page.getByRole('button', { name: 'Add limit' }).click()
    const row = page.getByRole('group', { name: 'Limit 1' })
    await row.getByLabel('Limit name').fill('default')
    await row.getByLabel('Limit', { exact: true }).fill('0')
    await page.getByRole('button', { name: 'Create key' }).click()
    const rateError = row.locator('.field-error')
    await rateError.waitFor()
    assert.match(await rateError.innerText(), /^Rate limit 1: the limit must be at least 1$/)
    assert.equal((await api(base, 'GET', '/v1/keys', admin)).body.total, 0, 'nothing was created')
  })

  it('creates a key, shows its secret once with a copy button, and the secret verifies', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('Production Service')
    await page.getByLabel('Description (optional)').fill('Billing backend')
    // Without scopes the form says, next to its button, that the key would hold its owner's full rights.
    const unscoped = page.getByText(/^No scopes: on Keyward's API this key holds its owner's full rights/)
    await unscoped.waitFor()
    await page.getByLabel('Scopes').fill('read:users, write:users')
    assert.equal(await unscoped.count(), 0, 'scopes given: nothing to say')
    await page.getByLabel('30 days').check()
    // The refused form above left its draft, limit row included: it comes back as typed.
    const row = page.getByRole('group', { name: 'Limit 1' })
    assert.equal(await row.getByLabel('Limit name').inputValue(), 'default', 'the draft kept the limit row')
    await row.getByLabel('Limit', { exact: true }).fill('100')
    await page.getByLabel('Limit the number of verifications').check()
    await page.getByLabel('Uses left').fill('500')
    await page.getByLabel('Refill automatically').check()
    await shot('create-key')
    await page.getByRole('button', { name: 'Create key' }).click()

    const dialog = page.getByRole('dialog')
    await dialog.getByText('You will not see it again').waitFor()
    const secret = await dialog.getByLabel('Secret key').inputValue()
    assert.match(secret, /^kw_[0-9A-Za-z]{49}$/)
    await shot('secret-dialog', page, false)
    await dialog.getByRole('button', { name: 'Copy' }).click()
    await dialog.getByRole('button', { name: 'Copied' }).waitFor()
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'the clipboard holds the secret')

    const v = (await api(base, 'POST', '/v1/keys/verify', admin, { key: secret, scopes: ['read:users'] })).body
    assert.equal(v.code, 'VALID')
    const record = (await api(base, 'GET', `/v1/keys/${v.key_id}`, admin)).body
    assert.deepEqual(record.scopes, ['read:users', 'write:users'])
    assert.deepEqual(record.rate_limit, { limit: 100, window_s: 60 })
    assert.equal(record.remaining, 499, 'one use spent by the verify')
    assert.deepEqual(record.refill, { amount: 1000, interval_s: 86400 })
    const days = (Date.parse(record.expires_at) - Date.now()) / 86_400_000
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days, got ${days}`)
    created = { id: v.key_id, secret }

    await dialog.getByRole('button', { name: 'I have stored it' }).click()
    await page.waitForURL(`**/keys/${created.id}`)
    await page.getByRole('heading', { name: /Production Service/ }).waitFor()
    // The secret is gone from the page for good; only the prefix remains.
    assert.ok(!(await page.content()).includes(secret.slice(9)))
    // A second key with the same name: the conflict is shown at the name field.
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('Production Service')
    await page.getByRole('button', { name: 'Create key' }).click()
    await page
      .locator('.field', { has: page.getByLabel('Name', { exact: true }) })
      .getByText('already exists')
      .waitFor()
  })

  it('names the owner once: you, without a redundant "(user)"; the kind beside an application', async () => {
    const owner = page.locator('dl.facts dt:text-is("Owner") + dd')
    await page.goto(`/keys/${created.id}`)
    assert.equal((await owner.innerText()).trim(), `${ADMIN.email} (you)`)
    const made = await api(base, 'POST', '/v1/applications', admin, { name: 'owner-label-fleet' })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const app = made.body
    const key = await api(base, 'POST', '/v1/keys', admin, {
      name: 'fleet-key',
      owner: { kind: 'application', id: app.id },
    })
    assert.equal(key.status, 201, JSON.stringify(key.body))
    await page.goto(`/keys/${key.body.api_key.id}`)
    await owner.getByText('owner-label-fleet').waitFor()
    assert.equal((await owner.innerText()).trim(), 'owner-label-fleet (application)')
    // Gone again: the listing tests below count the keys and applications they see.
    assert.equal((await api(base, 'DELETE', `/v1/keys/${key.body.api_key.id}`, admin)).status, 204)
    assert.equal((await api(base, 'DELETE', `/v1/applications/${app.id}`, admin)).status, 204)
  })

  it('edits, disables, enables and rolls the key, each visible to verification', async () => {
    await page.goto(`/keys/${created.id}`)
    await page.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Production Service v2')
    await page.getByLabel('Never').check()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Changes saved.').waitFor()
    const edited = (await api(base, 'GET', `/v1/keys/${created.id}`, admin)).body
    assert.equal(edited.name, 'Production Service v2')
    assert.equal(edited.expires_at, null)
    const update = (await api(base, 'GET', `/v1/audit?target_id=${created.id}&action=key.update`, admin)).body.events[0]
    assert.deepEqual([...update.details.fields].sort(), ['expires_at', 'name'], 'only the edited fields are sent')

    await page.getByRole('button', { name: 'Disable' }).click()
    await page.getByText('disabled', { exact: true }).waitFor()
    assert.equal(await verify(created.secret), 'DISABLED')
    await page.getByRole('button', { name: 'Enable' }).click()
    await page.locator('h1 .badge', { hasText: 'active' }).waitFor()
    assert.equal(await verify(created.secret), 'VALID')

    await page.getByRole('button', { name: 'Roll' }).click()
    await page.getByLabel('Old secret keeps working for').selectOption('0')
    await page.getByRole('button', { name: 'Roll key' }).click()
    const dialog = page.getByRole('dialog', { name: 'New secret for this key' })
    const rolled = await dialog.getByLabel('Secret key').inputValue()
    assert.notEqual(rolled, created.secret)
    assert.equal(await verify(rolled), 'VALID')
    assert.notEqual(await verify(created.secret), 'VALID', 'no grace: the old secret stops working')
    await dialog.getByRole('button', { name: 'I have stored it' }).click()
    created.secret = rolled
  })

  it('links a key to the key that made it, and offers to revoke what a key made with it', async () => {
    const root = (await api(base, 'POST', '/v1/keys', admin, { name: 'ci-root' })).body
    const made = (await api(base, 'POST', '/v1/keys', root.key, { name: 'made-by-ci', scopes: ['orders:read'] })).body
    await page.goto(`/keys/${made.api_key.id}`)
    await page.getByRole('link', { name: `key ${root.api_key.id}`, exact: true }).click()
    await page.getByRole('heading', { name: /ci-root/ }).waitFor()
    await page.getByRole('button', { name: 'Revoke' }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' })
    await confirm.getByLabel(/Also end the 1 key made from this key/).check()
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await page.locator('h1 .badge', { hasText: 'revoked' }).waitFor()
    assert.equal(await verify(made.key), 'REVOKED')
    // Gone again, so the listing tests below count only their own keys.
    for (const k of [made.api_key, root.api_key]) await api(base, 'DELETE', `/v1/keys/${k.id}`, admin)
    await page.goto(`/keys/${created.id}`)
    await page.getByRole('button', { name: 'Revoke' }).waitFor()
  })

  it('offers to clear the password a key chose when that is all it made', async () => {
    const root = (await api(base, 'POST', '/v1/keys', admin, { name: 'ci-reset' })).body
    const email = 'reset-by-key@example.com'
    const user = (await api(base, 'POST', '/v1/users', admin, { email, password: 'first-password-1' })).body
    const reset = await api(base, 'POST', `/v1/users/${user.id}/password`, root.key, { new_password: 'key-chose-it-1' })
    assert.equal(reset.status, 204)
    await page.goto(`/keys/${root.api_key.id}`)
    await page.getByRole('button', { name: 'Revoke' }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' })
    await confirm.getByLabel(/Also end the password it chose/).check()
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await page.locator('h1 .badge', { hasText: 'revoked' }).waitFor()
    const login = await api(base, 'POST', '/v1/auth/login', undefined, { email, password: 'key-chose-it-1' })
    assert.equal(login.status, 401, 'the password the key chose no longer signs in')
    await api(base, 'DELETE', `/v1/users/${user.id}`, admin)
    await api(base, 'DELETE', `/v1/keys/${root.api_key.id}`, admin)
    await page.goto(`/keys/${created.id}`)
    await page.getByRole('button', { name: 'Revoke' }).waitFor()
  })

  it('offers a demoted member the password their old admin key chose, which the revoke clears', async () => {
    // The offer was counted from listings a member cannot make (users): nothing was offered, though the revoke
    // clears it (a reviewer's find). It now asks the server what the revoke would end (`GET /v1/keys/:id/made`).
    const dana = { email: 'demoted-dana@example.com', password: 'dana-password-1' }
    const user = (await api(base, 'POST', '/v1/users', admin, { ...dana, role: 'admin' })).body
    const own = (await api(base, 'POST', '/v1/keys', await login(base, dana.email, dana.password), { name: 'dana-k' }))
      .body
    const victim = (await api(base, 'POST', '/v1/users', admin, { email: 'dv@example.com', password: 'dv-pass-1' }))
      .body
    const reset = await api(base, 'POST', `/v1/users/${victim.id}/password`, own.key, { new_password: 'by-dana-key-1' })
    assert.equal(reset.status, 204)
    assert.equal((await api(base, 'PATCH', `/v1/users/${user.id}`, admin, { role: 'member' })).status, 200)
    const mine = await signIn(browser, base, dana.email, dana.password)
    await mine.goto(`/keys/${own.api_key.id}`)
    await mine.getByRole('button', { name: 'Revoke' }).click()
    const confirm = mine.getByRole('dialog', { name: 'Revoke this key?' })
    await confirm.getByLabel(/Also end the password it chose/).check()
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await mine.locator('h1 .badge', { hasText: 'revoked' }).waitFor()
    const signIn2 = await api(base, 'POST', '/v1/auth/login', undefined, {
      email: 'dv@example.com',
      password: 'by-dana-key-1',
    })
    assert.equal(signIn2.status, 401, 'the password the old admin key chose no longer signs in')
    await mine.context().close()
    // Gone again, so the listing tests below count only their own keys.
    await api(base, 'DELETE', `/v1/keys/${own.api_key.id}`, admin)
    for (const id of [victim.id, user.id]) await api(base, 'DELETE', `/v1/users/${id}`, admin)
  })

  it('warns an admin whose own password the key chose that the revoke signs them out, and then it does', async () => {
    // The revoker's own password was kept (the key's holder knew it and signed in again: an attacker's find).
    const erin = { email: 'erin-key-chose@example.com', password: 'erin-first-1' }
    const user = (await api(base, 'POST', '/v1/users', admin, { ...erin, role: 'admin' })).body
    const k = (await api(base, 'POST', '/v1/keys', admin, { name: 'ci-chose-erin' })).body
    const chosen = 'key-chose-erin-1'
    assert.equal(
      (await api(base, 'POST', `/v1/users/${user.id}/password`, k.key, { new_password: chosen })).status,
      204,
    )
    const mine = await signIn(browser, base, erin.email, chosen)
    await mine.goto(`/keys/${k.api_key.id}`)
    await mine.getByRole('button', { name: 'Revoke' }).click()
    const confirm = mine.getByRole('dialog', { name: 'Revoke this key?' })
    await confirm.getByLabel(/Also end the password it chose \(yours: you will be signed out\)/).check()
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await mine.getByText('Your session ended').waitFor()
    const again = await api(base, 'POST', '/v1/auth/login', undefined, { email: erin.email, password: chosen })
    assert.equal(again.status, 401, 'the password the key chose no longer signs in, hers included')
    await mine.context().close()
    await api(base, 'DELETE', `/v1/keys/${k.api_key.id}`, admin)
    await api(base, 'DELETE', `/v1/users/${user.id}`, admin)
  })

  it('revokes with a confirmation and a reason, shows the audit trail, then deletes with typed confirmation', async () => {
    await page.getByRole('button', { name: 'Revoke' }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke this key?' })
    await confirm.getByText('Revoking is final.').waitFor()
    await confirm.getByLabel(/Reason/).fill('leaked in a log')
    await confirm.getByRole('button', { name: 'Revoke key' }).click()
    await page.locator('h1 .badge', { hasText: 'revoked' }).waitFor()
    await page
      .getByText(/leaked in a log/)
      .first()
      .waitFor()
    assert.equal(await verify(created.secret), 'REVOKED')
    // Revoked keys offer no lifecycle actions but delete.
    assert.equal(await page.getByRole('button', { name: 'Enable' }).count(), 0)

    const trail = page.locator('table.audit')
    for (const action of ['key.create', 'key.update', 'key.disable', 'key.enable', 'key.roll', 'key.revoke']) {
      await trail.getByText(action, { exact: true }).waitFor()
    }
    // The create entry names the owner in words, not as JSON.
    await trail
      .getByText(/owner: user 1/)
      .first()
      .waitFor()
    // The verifications of this key (valid, disabled, revoked) as counted by the server.
    await kw.services.usage.flush()
    await page.reload()
    await page.locator('figure.usage g.day rect.bar-refused').first().waitFor()
    await shot('key-detail')

    await page.getByRole('button', { name: 'Delete' }).click()
    const del = page.getByRole('dialog', { name: 'Delete this key?' })
    const button = del.getByRole('button', { name: 'Delete key' })
    assert.equal(await button.isDisabled(), true, 'disabled until the name is typed')
    await del.getByLabel(/Type "Production Service v2" to confirm/).fill('Production Service')
    assert.equal(await button.isDisabled(), true)
    await del.getByLabel(/to confirm/).fill('Production Service v2')
    await button.click()
    await page.waitForURL('**/keys')
    assert.equal((await api(base, 'GET', `/v1/keys/${created.id}`, admin)).status, 404)
  })

  it('closes a confirmation with Escape and keeps focus inside the dialog', async () => {
    const k = (await api(base, 'POST', '/v1/keys', admin, { name: 'escape-test' })).body.api_key
    await page.goto(`/keys/${k.id}`)
    await page.getByRole('button', { name: 'Revoke' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Revoke this key?' })
    await dialog.waitFor()
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab')
      assert.equal(
        await page.evaluate(() => Boolean(document.activeElement?.closest('dialog'))),
        true,
        'focus stays in the dialog',
      )
    }
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await api(base, 'GET', `/v1/keys/${k.id}`, admin)).body.status, 'active')
    await api(base, 'DELETE', `/v1/keys/${k.id}`, admin)
  })

  it('searches by name, by the start of a key and by scope, and filters by status, owner and kind', async () => {
    const app = (await api(base, 'POST', '/v1/applications', admin, { name: 'fleet-one' })).body
    const device = (await api(base, 'POST', '/v1/devices', admin, { application_id: app.id, name: 'pi-kitchen' })).body
    const mk = async (name: string, extra: Record<string, unknown> = {}) =>
      (await api(base, 'POST', '/v1/keys', admin, { name, ...extra })).body.api_key
    await mk('alpha-billing', { scopes: ['read:users', 'billing:read'] })
    const expiring = { name: 'alpha-search', expires_at: new Date(Date.now() + 2 * 86_400_000).toISOString() }
    const searched = (await api(base, 'POST', '/v1/keys', admin, expiring)).body
    const off = await mk('beta-disabled')
    await api(base, 'POST', `/v1/keys/${off.id}/disable`, admin)
    await mk('provisioning-main', { owner: { kind: 'application', id: app.id } })
    await mk('device-main', { owner: { kind: 'device', id: device.id } })
    for (let i = 0; i < 30; i++) await mk(`bulk-${String(i).padStart(2, '0')}`)

    const names = async () => page.locator('table.keys tbody tr td[data-label="Name"]').allInnerTexts()
    /** Waits (up to 10 s) for the table to show exactly these key names, in any order. */
    const expectNames = async (want: string[]) => {
      const sorted = [...want].sort()
      let got: string[] = []
      for (let i = 0; i < 100; i++) {
        got = (await names()).sort()
        if (got.join('|') === sorted.join('|')) break
        await page.waitForTimeout(100)
      }
      assert.deepEqual(got, sorted)
    }

    await page.goto('/keys')
    await page.getByText('35 keys').waitFor()
    assert.equal((await names()).length, 25, 'first page')
    await page.getByRole('button', { name: 'Next →' }).click()
    await page.getByText('page 2 of 2').waitFor()
    await expectNames([
      'alpha-billing',
      'alpha-search',
      'beta-disabled',
      'provisioning-main',
      'device-main',
      'bulk-00',
      'bulk-01',
      'bulk-02',
      'bulk-03',
      'bulk-04',
    ])
    await shot('keys')
    await page.getByRole('button', { name: '← Previous' }).click()
    await page.getByText('page 1 of 2').waitFor()

    await page.getByLabel('Search by name').fill('alpha')
    await expectNames(['alpha-billing', 'alpha-search'])
    assert.equal(await page.getByRole('navigation', { name: 'Pages' }).count(), 0, 'one page: no pager')
    assert.equal(await page.locator('tr', { hasText: 'alpha-search' }).locator('.badge').innerText(), 'expiring soon')
    assert.equal(await page.locator('tr', { hasText: 'alpha-billing' }).locator('.badge').innerText(), 'active')
    await page.getByLabel('Search by name').fill('')
    // A whole key pasted is found by its visible start, and only that goes into the URL.
    await page.getByLabel('Key starts with').fill(searched.key)
    await expectNames(['alpha-search'])
    assert.equal(new URL(page.url()).searchParams.get('prefix'), searched.api_key.key_prefix)
    assert.ok(!page.url().includes(searched.key.slice(0, 12)), 'no more of the key in the URL')
    // A link holding a whole key (a reviewer's find: the API got it whole before the page cut its URL).
    const calls: string[] = []
    const seen = (r: { url(): string }) => void calls.push(r.url())
    page.on('request', seen)
    await page.goto(`/keys?prefix=${encodeURIComponent(searched.key)}`)
    await expectNames(['alpha-search'])
    page.off('request', seen)
    const listings = calls.filter((u) => new URL(u).pathname.startsWith('/v1/keys'))
    assert.ok(listings.length > 0, 'the page listed keys')
    assert.ok(!listings.some((u) => u.includes(searched.key.slice(0, 12))), listings.join('\n'))
    await page.getByLabel('Key starts with').fill('')
    await page.getByLabel('Has scope').fill(' billing:read ')
    await expectNames(['alpha-billing'])
    assert.equal(new URL(page.url()).searchParams.get('scope'), 'billing:read')
    await page.getByLabel('Has scope').fill('')
    await page.getByLabel('Status').selectOption('disabled')
    await expectNames(['beta-disabled'])
    await page.getByLabel('Status').selectOption('')
    await page.getByLabel('Kind').selectOption('provisioning')
    await expectNames(['provisioning-main'])
    await page.getByLabel('Kind').selectOption('')
    await page.getByLabel('Owner').selectOption({ label: 'pi-kitchen' })
    await expectNames(['device-main'])
    // Filters live in the URL: a reload keeps them.
    await page.reload()
    await expectNames(['device-main'])
    await page.getByLabel('Owner').selectOption('')
    await page.getByLabel('Search by name').fill('no-such-key')
    await page.getByText('No key matches these filters.').waitFor()

    // The application page lists its provisioning keys and devices; the device page its keys.
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('link', { name: 'fleet-one' }).click()
    await page.getByRole('heading', { name: 'Provisioning keys' }).waitFor()
    await page.locator('table.keys').getByText('provisioning-main').waitFor()
    await page.getByRole('link', { name: 'pi-kitchen' }).waitFor()
    await shot('application')
    await page.getByRole('link', { name: 'pi-kitchen' }).click()
    await page.locator('table.keys').getByText('device-main').waitFor()

    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.locator('table.audit').getByText('key.revoke', { exact: true }).first().waitFor()
    await shot('audit', page, false)
    await page.getByRole('search').getByLabel('Action').fill(' key.revoke ')
    await page.getByRole('button', { name: 'Filter' }).click()
    const actions = page.locator('table.audit td[data-label="Action"]')
    await page.waitForFunction(() =>
      [...document.querySelectorAll('table.audit td[data-label="Action"]')].every(
        (td) => td.textContent === 'key.revoke',
      ),
    )
    assert.ok((await actions.count()) >= 1, 'the revocation is listed under its action')
    // An event's name is no action: the server's list is shown, not an empty log.
    await page.getByRole('search').getByLabel('Action').fill('key.revoked')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.getByText(/Action must be one of: .*key\.revoke,/).waitFor()
    // What Keyward did by itself (no caller, no address: the first admin, a deletion's cascade) is not "anonymous".
    await page.getByRole('search').getByLabel('Action').fill('user.bootstrap')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.locator('table.audit td[data-label="Who"]', { hasText: 'Keyward (automatic)' }).waitFor()
    // The filters live in the URL: a reload keeps them.
    assert.equal(new URL(page.url()).searchParams.get('action'), 'user.bootstrap')
    await page.reload()
    await page.locator('table.audit td[data-label="Who"]', { hasText: 'Keyward (automatic)' }).waitFor()
    // One target, typed as its column shows it: that key's entries only, not user 1's or identity 1's.
    const billing = (await api(base, 'GET', '/v1/keys?q=alpha-billing', admin)).body.api_keys[0]
    await page.getByRole('search').getByLabel('Action').fill('')
    await page.getByRole('search').getByLabel('Target').fill(` key #${billing.id} `)
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForFunction((name) => {
      const cells = [...document.querySelectorAll('table.audit td[data-label="Target"]')]
      return cells.length > 0 && cells.every((td) => td.textContent === name)
    }, `key #${billing.id}`)
    assert.equal(new URL(page.url()).searchParams.get('target'), `key #${billing.id}`)
    // A target that is none says how to type one (`key #abc` was a 400 about the type: a new user's find).
    await page.getByRole('search').getByLabel('Target').fill('key #abc')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page
      .getByRole('alert')
      .getByText(/Type a target as its column shows it/)
      .waitFor()
    assert.equal(new URL(page.url()).searchParams.get('target'), `key #${billing.id}`, 'nothing applied')
    // The menu's link to the whole log starts over: empty boxes, the newest page (the boxes kept the old filter).
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.waitForURL((u) => u.pathname === '/audit' && u.search === '')
    // The URL changes before React renders the new filter bar: read the box once it has (a busy CI host read the old one).
    await page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('form[role="search"] input[name="target"]')?.value === '',
    )
    assert.equal(await page.getByRole('button', { name: '← Newer' }).isDisabled(), true)
  })

  it('keeps an admin’s header on one row at 1280 px: every link, the organization switcher and the account', async () => {
    await page.goto('/keys')
    await page.locator('main h1').waitFor()
    // The switcher appears once the organizations are read: counted before it, the header is one short.
    await page.getByRole('combobox', { name: 'Organization' }).waitFor()
    const rows = await page.locator('header.topbar').evaluate((header) => {
      const parts = [...header.querySelectorAll('.brand, nav > *, .me > *')]
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 0) // the address, hidden at this width
      return { parts: parts.length, tops: new Set(parts.map((r) => Math.round(r.top + r.height / 2))).size }
    })
    // Brand, nine links (Users and Audit log are an admin's), switcher, Sign out.
    assert.equal(rows.parts, 12)
    assert.equal(rows.tops, 1, 'the header wraps onto a second row')
    const signOut = page.getByRole('button', { name: 'Sign out' })
    assert.equal(await signOut.getAttribute('title'), `Signed in as ${ADMIN.email}`)
    await shot('header-1280', page, false)
  })

  it('is readable at 375 px: no sideways scrolling, tables become cards', async () => {
    const phone = await browser.newContext({
      baseURL: base,
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    })
    const p = await phone.newPage()
    await p.goto('/')
    await p.getByLabel('Email or username').fill(ADMIN.email)
    await p.getByLabel('Password').fill(ADMIN.password)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByText('35 keys').waitFor()
    const someKey = (await api(base, 'GET', '/v1/keys?q=alpha-billing', admin)).body.api_keys[0].id
    for (const path of ['/keys', '/keys/new', `/keys/${someKey}`, '/applications', '/devices', '/users', '/audit']) {
      await p.goto(path)
      await p.locator('main h1').waitFor()
      await p.waitForLoadState('networkidle')
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      )
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`)
    }
    await p.goto('/keys')
    await p.locator('table.keys tbody tr').first().waitFor()
    assert.equal(
      await p.locator('table.keys thead').evaluate((e) => e.getBoundingClientRect().left < 0),
      true,
      'the header row is moved off screen',
    )
    await shot('keys-mobile', p, false)
    await phone.close()
  })

  it('shows a member only their own keys, and not the audit log', async () => {
    const mkMember = async (name: string) => {
      const email = `${name}@example.com`
      const password = `${name}-password-1`
      await api(base, 'POST', '/v1/users', admin, { email, password })
      return { email, password, token: await login(base, email, password) }
    }
    // The admin adds Alice on the Users page; a short password is refused at its field first.
    await page.goto('/users')
    await page.getByLabel('Email', { exact: true }).fill('alice@example.com')
    await page.getByLabel('Initial password').fill('short')
    await page.getByRole('button', { name: 'Add user' }).click()
    await page
      .locator('.field', { has: page.getByLabel('Initial password') })
      .getByText('Password needs at least 8 characters')
      .waitFor()
    await page.getByLabel('Initial password').fill('alice-password-1')
    await page.getByRole('button', { name: 'Add user' }).click()
    await page.getByText('alice@example.com can now sign in.').waitFor()
    await page.locator('table').getByText('alice@example.com').waitFor()
    await shot('users', page, false)
    const alice = {
      email: 'alice@example.com',
      password: 'alice-password-1',
      token: await login(base, 'alice@example.com', 'alice-password-1'),
    }
    const bob = await mkMember('bob')
    const bobKey = (await api(base, 'POST', '/v1/keys', bob.token, { name: 'bob-private' })).body.api_key
    await api(base, 'POST', '/v1/keys', alice.token, { name: 'alice-own' })

    const other = await browser.newContext({ baseURL: base })
    const p = await other.newPage()
    await p.goto('/')
    await p.getByLabel('Email or username').fill(alice.email)
    await p.getByLabel('Password').fill(alice.password)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByText('1 key', { exact: true }).waitFor()
    assert.deepEqual(await p.locator('table.keys tbody td[data-label="Name"]').allInnerTexts(), ['alice-own'])
    assert.equal(await p.getByRole('link', { name: 'Audit log' }).count(), 0)
    assert.equal(await p.getByRole('link', { name: 'Users' }).count(), 0)
    await p.getByLabel('Search by name').fill('bob')
    await p.getByText('No key matches these filters.').waitFor()
    await p.goto(`/keys/${bobKey.id}`)
    await p.getByText('This key does not exist, or it is not yours to see.').waitFor()
    await p.goto('/audit')
    await p.getByText('The audit log is for admins.').waitFor()

    // Sign out ends the session on the server, not just in the tab.
    const token = await p.evaluate(
      () => JSON.parse(sessionStorage.getItem('keyward.session') ?? '{}').access_token as string,
    )
    await p.getByRole('button', { name: 'Sign out' }).click()
    await p.getByRole('button', { name: 'Sign in' }).waitFor()
    assert.equal(await p.evaluate(() => sessionStorage.getItem('keyward.session')), null)
    assert.equal((await api(base, 'GET', '/v1/auth/whoami', token)).status, 401)
    await other.close()
  })
})

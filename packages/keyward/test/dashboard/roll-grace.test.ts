import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api, signedInDashboard } from './browser.js'

/**
 * After a roll with a grace period, the key's page says until when the old secret verifies, for as
 * long as it does (it was said once, in the roll's notice, and then in no field: a new user's report).
 */
describe('dashboard: the grace period of a rolled key (Chromium, SQLite)', () => {
  let d: Awaited<ReturnType<typeof signedInDashboard>>
  before(async () => {
    d = await signedInDashboard()
  })
  after(() => d?.close())

  it('shows the old secret until its grace period ends, and nothing after a roll without one', async () => {
    const { base, admin, page } = d
    const key = (await api(base, 'POST', '/v1/keys', admin, { name: 'rolled' })).body.api_key.id as number
    const rolled = await api(base, 'POST', `/v1/keys/${key}/roll`, admin, { grace_period_s: 3600 })
    assert.ok(rolled.body.api_key.previous_secret_expires_at)
    await page.goto(`/keys/${key}`)
    const grace = page.getByText(/^verifies until .+\(the last roll's grace period\)$/)
    await grace.waitFor()
    await api(base, 'POST', `/v1/keys/${key}/roll`, admin, {})
    await page.reload()
    await page.getByRole('heading', { name: 'rolled' }).waitFor()
    assert.equal(await grace.count(), 0, 'a roll without grace leaves no old secret to show')
  })

  it("offers grace periods up to the API's year (they stopped at 7 days: a new user's find), and rolls with one", async () => {
    const { base, admin, page } = d
    const key = (await api(base, 'POST', '/v1/keys', admin, { name: 'long-grace' })).body.api_key.id as number
    await page.goto(`/keys/${key}`)
    await page.getByRole('button', { name: 'Roll', exact: true }).click()
    const grace = page.getByRole('dialog').getByLabel('Old secret keeps working for')
    assert.deepEqual(await grace.locator('option').allTextContents(), [
      'No grace: the old secret stops now',
      '1 hour',
      '24 hours',
      '7 days',
      '30 days',
      '90 days',
      '1 year',
    ])
    await grace.selectOption({ label: '1 year' })
    const asked = Date.now()
    await page.getByRole('dialog').getByRole('button', { name: 'Roll key' }).click()
    await page.getByText(/^Key rolled\. The old secret keeps working until/).waitFor()
    const until = Date.parse((await api(base, 'GET', `/v1/keys/${key}`, admin)).body.previous_secret_expires_at)
    const year = 31_536_000_000
    assert.ok(Math.abs(until - asked - year) < 60_000, `the old secret works a year: ${new Date(until).toISOString()}`)
  })

  it('ends the grace period from the key page: the old secret is refused at once', async () => {
    const { base, admin, page } = d
    const created = (await api(base, 'POST', '/v1/keys', admin, { name: 'exposed' })).body
    await api(base, 'POST', `/v1/keys/${created.api_key.id}/roll`, admin, { grace_period_s: 3600 })
    const verify = async () => (await api(base, 'POST', '/v1/keys/verify', admin, { key: created.key })).body.code
    assert.equal(await verify(), 'VALID', 'in its grace period')
    await page.goto(`/keys/${created.api_key.id}`)
    await page.getByRole('button', { name: 'End grace period' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByText('The old secret stops working at once').waitFor()
    assert.equal(await verify(), 'VALID', 'asked first: nothing ended yet')
    await dialog.getByRole('button', { name: 'End grace period' }).click()
    await page.getByText('Grace period ended: the old secret stopped working.').waitFor()
    assert.equal(await verify(), 'NOT_FOUND')
    assert.equal(await page.getByRole('button', { name: 'End grace period' }).count(), 0, 'nothing left to end')
  })

  it("warns, before a second roll, that the first one's old secret stops at once (a new user's find)", async () => {
    const { base, admin, page } = d
    const key = (await api(base, 'POST', '/v1/keys', admin, { name: 'twice' })).body.api_key.id as number
    await page.goto(`/keys/${key}`)
    await page.getByRole('heading', { name: 'twice' }).waitFor()
    const warning = page.getByText(/stops working as soon as you roll again/)
    await page.getByRole('button', { name: 'Roll', exact: true }).click()
    await page.getByRole('dialog').waitFor()
    assert.equal(await warning.count(), 0, 'nothing in grace yet: no warning')
    await page.keyboard.press('Escape')
    await api(base, 'POST', `/v1/keys/${key}/roll`, admin, { grace_period_s: 86_400 })
    await page.reload()
    await page.getByRole('heading', { name: 'twice' }).waitFor()
    await page.getByRole('button', { name: 'Roll', exact: true }).click()
    await warning.waitFor()
  })

  it('says how many keys the secret a second roll ended had made (a new user read the CLI as a guess)', async () => {
    const { base, admin, page } = d
    const created = (await api(base, 'POST', '/v1/keys', admin, { name: 'maker' })).body
    await api(base, 'POST', `/v1/keys/${created.api_key.id}/roll`, admin, { grace_period_s: 3600 })
    const expires_at = new Date(Date.now() + 1_800_000).toISOString()
    const made = await api(base, 'POST', '/v1/keys', created.key, { name: 'made-in-grace', expires_at })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    await page.goto(`/keys/${created.api_key.id}`)
    await page.getByRole('button', { name: 'Roll', exact: true }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Roll key' }).click()
    await page.getByText(/1 key the earlier secret made during its grace period revoked\./).waitFor()
    const verified = await api(base, 'POST', '/v1/keys/verify', admin, { key: made.body.key })
    assert.equal(verified.body.code, 'REVOKED')
  })
})

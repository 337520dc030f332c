import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { api, signedInDashboard } from './browser.js'

/** The identity pages and the limits table, in Chromium against a real server; the API is the test's truth. */
describe('dashboard: identities and named limits (Chromium, SQLite)', () => {
  let base: string
  let page: Page
  let admin: string

  let close: () => Promise<void> = async () => {}
  before(async () => {
    ;({ base, page, admin, close } = await signedInDashboard())
  })
  after(() => close())

  it('creates an identity, shows its keys and limits, and saves edited limits through the API', async () => {
    await page.getByRole('link', { name: 'Identities' }).click()
    await page.getByLabel('New identity: your id for the customer').fill('cust_ui')
    await page.getByRole('button', { name: 'Add identity' }).click()
    await page.getByRole('link', { name: 'cust_ui' }).click()
    await page.getByRole('heading', { name: 'cust_ui' }).waitFor()
    const id = Number(new URL(page.url()).pathname.split('/').pop())
    const key = await api(base, 'POST', '/v1/keys', admin, {
      name: 'linked',
      identity_id: id,
      ratelimits: [{ name: 'tokens', limit: 500, window_s: 3600 }],
    })
    assert.equal(key.status, 201)
    await page.reload()
    await page.getByRole('link', { name: 'linked' }).waitFor()
    await page.getByText('No rate limits.').waitFor()

    await page.getByRole('button', { name: 'Edit limits' }).click()
    await page.getByRole('button', { name: 'Add limit' }).click()
    await page.getByLabel('Name').fill('requests')
    await page.getByLabel('Limit', { exact: true }).fill('100')
    await page.getByRole('button', { name: 'Save limits' }).click()
    await page.getByRole('table', { name: 'Limits shared by every key of this identity' }).waitFor()
    const stored = await api(base, 'GET', `/v1/identities/${id}`, admin)
    assert.deepEqual(stored.body.ratelimits, [{ name: 'requests', limit: 100, window_s: 60, auto_apply: true }])

    await page.getByRole('link', { name: 'linked' }).click()
    const limits = page.getByRole('table', { name: 'Limits of this key' })
    await limits.getByText('tokens').waitFor()
    assert.match(await limits.innerText(), /500 per 1 hour/)
    await page.getByRole('link', { name: `identity ${id}` }).waitFor()
  })

  it('links a new key to an identity from the create form', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('from-form')
    await page.getByLabel('Identity').selectOption({ label: 'cust_ui' })
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByRole('dialog').getByText('You will not see it again').waitFor()
    const keys = (await api(base, 'GET', '/v1/keys?q=from-form', admin)).body.api_keys
    const ident = (await api(base, 'GET', '/v1/identities?external_id=cust_ui', admin)).body.identities[0]
    assert.equal(keys[0].identity_id, ident.id)
  })
})

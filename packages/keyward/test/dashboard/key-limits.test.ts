import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { api, signedInDashboard } from './browser.js'

/** A key's named limits in the create and edit forms, in Chromium against a real server; the API is the test's truth. */
describe('dashboard: a key form edits the whole list of named limits (Chromium, SQLite)', () => {
  let base: string
  let page: Page
  let admin: string
  let close: () => Promise<void> = async () => {}
  before(async () => {
    ;({ base, page, admin, close } = await signedInDashboard())
  })
  after(() => close())

  const row = (n: number): Locator => page.getByRole('group', { name: `Limit ${n}` })
  async function fillRow(n: number, name: string, limit: string, windowS: string, everyTime: boolean) {
    await page.getByRole('button', { name: 'Add limit' }).click()
    await row(n).getByLabel('Limit name').fill(name)
    await row(n).getByLabel('Limit', { exact: true }).fill(limit)
    await row(n).getByLabel('Window (s)').fill(windowS)
    await row(n).getByLabel('every verification').setChecked(everyTime)
  }
  const stored = async (id: number) => (await api(base, 'GET', `/v1/keys/${id}`, admin)).body

  it('creates a key with two named limits, then edits one of them', async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('two-limits')
    await fillRow(1, 'default', '100', '60', true)
    await fillRow(2, 'search', '5', '3600', false)
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByRole('dialog').getByText('You will not see it again').waitFor()
    const id = (await api(base, 'GET', '/v1/keys?q=two-limits', admin)).body.api_keys[0].id as number
    const created = await stored(id)
    assert.deepEqual(created.ratelimits, [
      { name: 'default', limit: 100, window_s: 60, auto_apply: true },
      { name: 'search', limit: 5, window_s: 3600, auto_apply: false },
    ])
    assert.deepEqual(created.rate_limit, { limit: 100, window_s: 60 }, 'older clients still see `default`')

    await page.getByRole('dialog').getByRole('button', { name: 'I have stored it' }).click()
    await page.waitForURL(`**/keys/${id}`)
    await page.getByRole('button', { name: 'Edit' }).click()
    assert.equal(await row(2).getByLabel('Limit name').inputValue(), 'search', 'the form shows the stored limits')
    await row(2).getByLabel('Limit', { exact: true }).fill('50')
    await row(2).getByLabel('every verification').check()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Changes saved.').waitFor()
    assert.deepEqual((await stored(id)).ratelimits, [
      { name: 'default', limit: 100, window_s: 60, auto_apply: true },
      { name: 'search', limit: 50, window_s: 3600, auto_apply: true },
    ])
    const table = page.getByRole('table', { name: 'Limits of this key' })
    await table.getByText('50 per 1 hour').waitFor()
  })

  it('keeps a key that has only `default` as it is, and removes a limit on request', async () => {
    const made = await api(base, 'POST', '/v1/keys', admin, { name: 'legacy', rate_limit: { limit: 7, window_s: 1 } })
    assert.equal(made.status, 201)
    const id = made.body.api_key.id as number
    await page.goto(`/keys/${id}`)
    await page.getByRole('button', { name: 'Edit' }).click()
    assert.equal(await row(1).getByLabel('Limit name').inputValue(), 'default')
    assert.equal(await row(1).getByLabel('Limit', { exact: true }).inputValue(), '7')
    await page.getByLabel('Description (optional)').fill('touched')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Changes saved.').waitFor()
    const kept = await stored(id)
    assert.equal(kept.description, 'touched')
    assert.deepEqual(kept.rate_limit, { limit: 7, window_s: 1 }, 'an edit of something else leaves the limit alone')

    await page.getByRole('button', { name: 'Edit' }).click()
    await row(1).getByRole('button', { name: 'Remove' }).click()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('No rate limits.').waitFor()
    const cleared = await stored(id)
    assert.deepEqual([cleared.ratelimits, cleared.rate_limit], [[], null])
  })

  it("says a blank row's name is missing, and a bad name's charset (a new user's find)", async () => {
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('blank-row')
    await page.getByRole('button', { name: 'Add limit' }).click()
    await row(1).getByLabel('Limit', { exact: true }).fill('10')
    await page.getByRole('button', { name: 'Create key' }).click()
    const error = row(1).locator('.field-error')
    await error.waitFor()
    assert.equal(await error.innerText(), 'Rate limit 1: the name cannot be empty')
    await row(1).getByLabel('Limit name').fill('has space')
    await page.getByRole('button', { name: 'Create key' }).click()
    await row(1)
      .getByText(/^Rate limit 1: the name may only contain letters, digits and \. _ : -/)
      .waitFor()
    assert.equal((await api(base, 'GET', '/v1/keys?q=blank-row', admin)).body.total, 0, 'nothing was created')
  })
})

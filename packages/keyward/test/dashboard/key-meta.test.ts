import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api, signedInDashboard } from './browser.js'

/**
 * The dashboard makes the keys the API and the CLI make: a custom prefix and metadata at creation,
 * metadata on the key's page and in its edit form (a new user's report: the API's `meta` and
 * `prefix` had no field in the dashboard, and a key's metadata was shown nowhere).
 */
describe('dashboard: key prefix and metadata (Chromium, SQLite)', () => {
  let d: Awaited<ReturnType<typeof signedInDashboard>>
  before(async () => {
    d = await signedInDashboard()
  })
  after(() => d?.close())

  it('creates a key with a prefix and metadata, shows it, refuses metadata that is not a JSON object, edits it', async () => {
    const { base, admin, page } = d
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('billing backend')
    await page.getByLabel('Key prefix (optional)').fill('billing')
    await page.getByLabel('Metadata (optional)').fill('{"plan": "pro", "seats": 5}')
    await page.getByRole('button', { name: 'Create key' }).click()
    const dialog = page.getByRole('dialog')
    const secret = await dialog.getByLabel('Secret key').inputValue()
    assert.match(secret, /^billing_[0-9A-Za-z]{49}$/)
    // Selected whole, yet shown from its start: the prefix is what tells keys apart (it scrolled to the end).
    const box = dialog.getByLabel('Secret key')
    await box.focus()
    const [scrollLeft, start, end] = await box.evaluate((el: HTMLInputElement) => [
      el.scrollLeft,
      el.selectionStart,
      el.selectionEnd,
    ])
    assert.deepEqual([scrollLeft, start, end], [0, 0, secret.length])
    const v = (await api(base, 'POST', '/v1/keys/verify', admin, { key: secret })).body
    assert.equal(v.code, 'VALID')
    assert.deepEqual(v.meta, { plan: 'pro', seats: 5 }, 'verification returns the metadata typed')
    await dialog.getByRole('button', { name: 'I have stored it' }).click()
    await page.waitForURL(`**/keys/${v.key_id}`)
    await page.getByText('{"plan":"pro","seats":5}').waitFor()

    await page.getByRole('button', { name: 'Edit' }).click()
    const meta = page.getByLabel('Metadata (optional)')
    assert.deepEqual(JSON.parse(await meta.inputValue()), { plan: 'pro', seats: 5 }, 'the edit form shows it')
    await meta.fill('[1, 2]')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Metadata must be a JSON object').waitFor()
    await meta.fill('{"plan": "team"}')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Changes saved.').waitFor()
    assert.deepEqual((await api(base, 'GET', `/v1/keys/${v.key_id}`, admin)).body.meta, { plan: 'team' })
    const update = (await api(base, 'GET', `/v1/audit?target_id=${v.key_id}&action=key.update`, admin)).body.events
    assert.deepEqual(update.length, 1, 'the refused save sent nothing')
    assert.deepEqual(update[0].details.fields, ['meta'], 'only the edited field is sent')

    await page.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Metadata (optional)').fill('')
    await page.getByRole('button', { name: 'Save changes' }).click()
    // Not "Changes saved.": the first save's notice is still shown, so it raced the second save (a flake in a full run).
    await page.getByLabel('Metadata (optional)').waitFor({ state: 'detached' })
    assert.deepEqual((await api(base, 'GET', `/v1/keys/${v.key_id}`, admin)).body.meta, {}, 'emptied: none')
  })

  it('a prefix the API refuses is shown at its field', async () => {
    const { page } = d
    await page.goto('/keys/new')
    await page.getByLabel('Name', { exact: true }).fill('bad prefix')
    await page.getByLabel('Key prefix (optional)').fill('Billing!')
    await page.getByRole('button', { name: 'Create key' }).click()
    const field = page.locator('.field', { has: page.getByLabel('Key prefix (optional)') })
    await field.locator('.field-error').waitFor()
    assert.match(
      (await field.locator('.field-error').textContent()) ?? '',
      /Prefix may only contain a lowercase letter/,
    )
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, startServer } from './browser.js'

/** An application's page renames it and deletes it (with its devices and keys), end to end in Chromium. */
describe('dashboard applications: rename, then delete with typed confirmation (Chromium, SQLite)', () => {
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

  /** A new browser context at `path`, signed in there as the admin. */
  const signedIn = async (path: string) => {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    ctx.setDefaultTimeout(10_000)
    const page = await ctx.newPage()
    await page.goto(path)
    await page.getByLabel('Email or username').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    return { ctx, page }
  }

  it('renames it (the slug follows, a taken name is said in words) and deletes it, its device key refused', async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    const app = (await api(base, 'POST', '/v1/applications', admin, { name: 'north' })).body
    await api(base, 'POST', '/v1/applications', admin, { name: 'taken' })
    const dev = (await api(base, 'POST', '/v1/devices', admin, { application_id: app.id })).body
    const key = await api(base, 'POST', '/v1/keys', admin, { name: 'dev', owner: { kind: 'device', id: dev.id } })
    assert.equal(key.status, 201)

    const { ctx, page } = await signedIn(`/applications/${app.id}`)
    await page.getByRole('heading', { name: 'north' }).waitFor()
    // Its organization decides who manages it; the user in this field only made it ("Owner" said otherwise).
    assert.deepEqual(await page.locator('dl.facts dt').allTextContents(), ['Slug', 'UUID', 'Created by', 'Created'])

    await page.getByRole('button', { name: 'Rename' }).click()
    const rename = page.getByRole('dialog', { name: 'Rename this application?' })
    await rename.getByLabel('New name').fill('Taken')
    await rename.getByRole('button', { name: 'Rename' }).click()
    await rename.getByRole('alert').filter({ hasText: 'already has an application named "Taken"' }).waitFor()
    await rename.getByLabel('New name').fill('south')
    await rename.getByRole('button', { name: 'Rename' }).click()
    await page.getByRole('heading', { name: 'south' }).waitFor()
    await page.getByRole('status').filter({ hasText: 'Application renamed.' }).waitFor()
    const slug = app.slug.replace('/north', '/south')
    assert.equal((await api(base, 'GET', `/v1/applications/${app.id}`, admin)).body.slug, slug)

    await page.getByRole('button', { name: 'Delete application' }).click()
    const del = page.getByRole('dialog', { name: 'Delete this application?' })
    const confirm = del.getByRole('button', { name: 'Delete application' })
    await del.getByLabel(`Type "${slug}" to confirm`).fill('south')
    assert.equal(await confirm.isDisabled(), true, 'only the slug confirms')
    await del.getByLabel(`Type "${slug}" to confirm`).fill(slug)
    await confirm.click()
    await page.waitForURL(/\/applications$/)
    await page
      .getByRole('status')
      .filter({ hasText: `Application ${slug} deleted.` })
      .waitFor()
    assert.equal((await api(base, 'GET', `/v1/applications/${app.id}`, admin)).status, 404)
    const verified = await api(base, 'POST', '/v1/keys/verify', admin, { key: key.body.key })
    assert.equal(verified.body.code, 'NOT_FOUND')
    await ctx.close()
  })

  it('adds an application to the organization chosen in the header, and lists only its applications', async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    const org = (await api(base, 'POST', '/v1/organizations', admin, { name: 'Fleet Co', handle: 'fleet-co' })).body
    const { ctx, page } = await signedIn('/applications')
    await page.getByRole('link', { name: 'taken' }).waitFor()
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Fleet Co' })
    await page.getByRole('heading', { name: 'Applications of Fleet Co' }).waitFor()
    await page.getByText('No applications yet.').waitFor() // "taken" is the personal organization's
    await page.getByLabel('New application name').fill('west')
    await page.getByRole('button', { name: 'Add application' }).click()
    await page.getByRole('link', { name: 'west' }).waitFor()
    const apps = (await api(base, 'GET', '/v1/applications', admin)).body.applications as Record<string, unknown>[]
    const west = apps.find((a) => a.name === 'west')
    assert.equal(west?.organization_id, org.id)
    assert.equal(west?.slug, 'fleet-co/west')
    await ctx.close()
  })

  it("deletes a device from its page after its short uuid is typed, back on its application's page", async () => {
    const admin = await login(base, ADMIN.email, ADMIN.password)
    const app = (await api(base, 'POST', '/v1/applications', admin, { name: 'east' })).body
    const dev = (await api(base, 'POST', '/v1/devices', admin, { application_id: app.id, name: 'pi' })).body
    const key = await api(base, 'POST', '/v1/keys', admin, { name: 'pi-key', owner: { kind: 'device', id: dev.id } })
    const { ctx, page } = await signedIn(`/devices/${dev.id}`)
    await page.getByRole('heading', { name: 'pi' }).waitFor()
    await page.getByRole('button', { name: 'Delete device' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete this device?' })
    const short = (dev.uuid as string).slice(0, 7)
    const confirm = dialog.getByLabel(`Type "${short}" to confirm`)
    await confirm.fill(short)
    // Cancelled and opened again, it asks again: what was typed before does not arm the button for one click.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Delete device' }).click()
    assert.equal(await confirm.inputValue(), '')
    assert.equal(await dialog.getByRole('button', { name: 'Delete device' }).isDisabled(), true)
    await confirm.fill(short)
    await dialog.getByRole('button', { name: 'Delete device' }).click()
    await page.waitForURL(new RegExp(`/applications/${app.id}$`))
    await page.getByRole('status').filter({ hasText: 'Device pi deleted, with its keys.' }).waitFor()
    assert.equal((await api(base, 'GET', `/v1/devices/${dev.id}`, admin)).status, 404)
    const verified = await api(base, 'POST', '/v1/keys/verify', admin, { key: key.body.key })
    assert.equal(verified.body.code, 'NOT_FOUND')
    await ctx.close()
  })
})

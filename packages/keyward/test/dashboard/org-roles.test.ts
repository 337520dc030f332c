import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, signIn, startServer } from './browser.js'

interface Fleet {
  org: number
  app: number
  device: number
}

/**
 * The dashboard offers only what the caller's role allows (a new user's find: every action was shown to every
 * role, and the server answered 403), and its Devices page follows the organization switcher, as Applications does.
 */
describe('dashboard: actions by organization role, devices by the switcher (Chromium, SQLite)', () => {
  let kw: Keyward
  let base: string
  let browser: Browser
  let admin: string
  let roles: Fleet
  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    browser = await launchChromium()
    admin = await login(base, ADMIN.email, ADMIN.password)
    roles = await fleet('Roles Co', 'roles-co', 'pi')
    await fleet('Other Co', 'other-co', 'other-pi')
    for (const role of ['viewer', 'member', 'admin']) await join(role, roles.org)
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  /** An organization with an application "fleet" and one device named `device`, made by the instance admin. */
  const fleet = async (name: string, handle: string, device: string): Promise<Fleet> => {
    const org = (await api(base, 'POST', '/v1/organizations', admin, { name, handle })).body
    const app = (await api(base, 'POST', '/v1/applications', admin, { name: 'fleet', organization_id: org.id })).body
    const dev = (await api(base, 'POST', '/v1/devices', admin, { application_id: app.id, name: device })).body
    return { org: org.id, app: app.id, device: dev.id }
  }
  const email = (role: string) => `${role}-person@example.com`
  /** A user `<role>-person` who joined `orgId` with `role` through a real invitation. */
  const join = async (role: string, orgId: number) => {
    const password = `${role}-password-1`
    assert.equal((await api(base, 'POST', '/v1/users', admin, { email: email(role), password })).status, 201)
    const inv = await api(base, 'POST', `/v1/organizations/${orgId}/invitations`, admin, { email: email(role), role })
    const token = await login(base, email(role), password)
    assert.equal((await api(base, 'POST', '/v1/invitations/accept', token, { token: inv.body.token })).status, 200)
  }
  /** Signed in as the `<role>-person`, with Roles Co chosen in the header. */
  const signedInAs = async (role: string): Promise<Page> => {
    const page = await signIn(browser, base, email(role), `${role}-password-1`)
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Roles Co' })
    return page
  }
  const count = (page: Page, role: 'button' | 'link' | 'textbox' | 'combobox', name: string) =>
    page.getByRole(role, { name, exact: true }).count()
  /** Opens `path` and waits until every request it made (the application behind a device, say) has answered. */
  const open = async (page: Page, path: string, heading: string) => {
    await page.goto(path)
    await page.getByRole('heading', { name: heading, exact: true }).waitFor()
    await page.waitForLoadState('networkidle')
  }

  /** What each page offers `role`: the counts of each action's control. */
  const offered = async (role: string) => {
    const page = await signedInAs(role)
    await open(page, '/applications', 'Applications of Roles Co')
    const addApplication = await count(page, 'button', 'Add application')
    await open(page, `/applications/${roles.app}`, 'fleet')
    const app = {
      rename: await count(page, 'button', 'Rename'),
      delete: await count(page, 'button', 'Delete application'),
      addDevice: await count(page, 'button', 'Add device'),
      createKey: await count(page, 'link', 'Create key'),
    }
    await open(page, `/devices/${roles.device}`, 'pi')
    const device = {
      delete: await count(page, 'button', 'Delete device'),
      createKey: await count(page, 'link', 'Create key'),
    }
    await open(page, '/members', 'Members of Roles Co')
    const members = {
      roleOfViewer: await count(page, 'combobox', `Role of ${email('viewer')}`),
      roleOfOwner: await count(page, 'combobox', `Role of ${ADMIN.email}`),
      removeAny: await page.getByRole('button', { name: /^Remove / }).count(),
      removeSelf: await count(page, 'button', `Remove ${email(role)}`),
      invite: await count(page, 'textbox', 'Invite email'),
    }
    await open(page, '/keys/new', 'Create an API key')
    const owners = await page.getByLabel('Owner').locator('option').allTextContents()
    const keyOwners = ['Organization: Roles Co', 'Application: fleet'].map((o) => owners.filter((t) => t === o).length)
    await page.context().close()
    return { addApplication, app, device, members, keyOwners }
  }

  /**
   * Each role, what it is offered: 1 a control shown, 0 hidden (`removeAny` counts every Remove button; `keyOwners`,
   * the Roles Co owners the new key form offers: the organization, its application).
   */
  const OFFERED = {
    // Nothing to change but leaving.
    viewer: {
      addApplication: 0,
      app: { rename: 0, delete: 0, addDevice: 0, createKey: 0 },
      device: { delete: 0, createKey: 0 },
      members: { roleOfViewer: 0, roleOfOwner: 0, removeAny: 1, removeSelf: 1, invite: 0 },
      keyOwners: [0, 0],
    },
    // Adds applications, devices and keys, deletes devices; not Rename or Delete application.
    member: {
      addApplication: 1,
      app: { rename: 0, delete: 0, addDevice: 1, createKey: 1 },
      device: { delete: 1, createKey: 1 },
      members: { roleOfViewer: 0, roleOfOwner: 0, removeAny: 1, removeSelf: 1, invite: 0 },
      keyOwners: [1, 1],
    },
    // Also renames and deletes applications and manages members, but not the owner.
    admin: {
      addApplication: 1,
      app: { rename: 1, delete: 1, addDevice: 1, createKey: 1 },
      device: { delete: 1, createKey: 1 },
      members: { roleOfViewer: 1, roleOfOwner: 0, removeAny: 3, removeSelf: 1, invite: 1 },
      keyOwners: [1, 1],
    },
  }
  for (const [role, expected] of Object.entries(OFFERED))
    it(`a ${role} is offered only what the role allows`, async () => {
      assert.deepEqual(await offered(role), expected)
    })

  it('an admin does not invite owners', async () => {
    const page = await signedInAs('admin')
    await open(page, '/members', 'Members of Roles Co')
    const options = await page.getByLabel('Invite role').locator('option').allTextContents()
    assert.ok(!options.some((o) => o.startsWith('owner')), `only owners invite owners: ${options.join(', ')}`)
    await page.context().close()
  })

  it('the Devices page lists the devices of the organization chosen in the header', async () => {
    const page = await signIn(browser, base, ADMIN.email, ADMIN.password)
    await open(page, '/devices', 'Devices')
    assert.deepEqual((await shownDevices(page)).sort(), ['other-pi', 'pi'], 'all organizations')
    await switchTo(page, 'Roles Co', 'pi')
    assert.deepEqual(await shownDevices(page), ['pi'])
    await switchTo(page, 'Other Co', 'other-pi')
    assert.deepEqual(await shownDevices(page), ['other-pi'])
    await page.context().close()
  })

  // CI's find: right after a switch, the heading named the new organization over the last one's devices.
  it("while the chosen organization's devices load, the last one's are not shown under its name", async () => {
    const page = await signIn(browser, base, ADMIN.email, ADMIN.password)
    await switchTo(page, 'Other Co', 'other-pi', '/devices')
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    await page.route(`**/v1/devices?*organization_id=${roles.org}*`, async (route) => {
      await held
      await route.continue()
    })
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Roles Co' })
    await page.getByRole('heading', { name: 'Devices of Roles Co' }).waitFor()
    await page.getByText('Loading devices').waitFor()
    assert.deepEqual(await shownDevices(page), [], 'nothing of Other Co under "Devices of Roles Co"')
    release()
    await page.getByRole('link', { name: 'pi', exact: true }).waitFor()
    assert.deepEqual(await shownDevices(page), ['pi'])
    await page.context().close()
  })

  /** Chooses `org` in the header (on `path` first, if given) and waits for its device `device` to be listed. */
  const switchTo = async (page: Page, org: string, device: string, path?: string) => {
    if (path) await open(page, path, 'Devices')
    await page.getByLabel('Organization', { exact: true }).selectOption({ label: org })
    await page.getByRole('heading', { name: `Devices of ${org}` }).waitFor()
    await page.getByRole('link', { name: device, exact: true }).waitFor()
  }
  const shownDevices = async (page: Page) =>
    (await page.getByRole('table').getByRole('link').allTextContents()).filter((t) => t.includes('pi'))
})

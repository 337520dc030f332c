import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import type { Keyward } from '../../src/server.js'
import { ADMIN } from '../helpers.js'
import { api, launchChromium, login, signIn, startServer } from './browser.js'

const ACTIONS = ['Edit', 'Disable', 'Roll', 'Revoke', 'Delete'] as const

/**
 * A key's page offers its changes only to who may make them (`can_manage`): a new user's find, the page showed Edit,
 * Disable, Roll, Revoke and Delete to an organization's viewers, and the server answered 403.
 */
describe("dashboard: a key's actions by the caller's right to change it (Chromium, SQLite)", () => {
  let kw: Keyward
  let base: string
  let browser: Browser
  let keyId: number
  before(async () => {
    const s = await startServer()
    kw = s.kw
    base = s.base
    browser = await launchChromium()
    const admin = await login(base, ADMIN.email, ADMIN.password)
    for (const role of ['owner', 'viewer'])
      assert.equal(
        (await api(base, 'POST', '/v1/users', admin, { email: email(role), password: pw(role) })).status,
        201,
      )
    const owner = await login(base, email('owner'), pw('owner'))
    const org = (await api(base, 'POST', '/v1/organizations', owner, { name: 'Keys Co', handle: 'keys-co' })).body
    const app = (await api(base, 'POST', '/v1/applications', owner, { name: 'fleet', organization_id: org.id })).body
    const key = await api(base, 'POST', '/v1/keys', owner, {
      name: 'fleet key',
      owner: { kind: 'application', id: app.id },
    })
    keyId = key.body.api_key.id
    const inv = await api(base, 'POST', `/v1/organizations/${org.id}/invitations`, owner, {
      email: email('viewer'),
      role: 'viewer',
    })
    const viewer = await login(base, email('viewer'), pw('viewer'))
    assert.equal((await api(base, 'POST', '/v1/invitations/accept', viewer, { token: inv.body.token })).status, 200)
  })
  after(async () => {
    await browser?.close()
    await kw?.close()
  })

  const email = (role: string) => `${role}-of-keys@example.com`
  const pw = (role: string) => `${role}-password-1`

  /** The count of each action's button on the key's page, for the `<role>-of-keys` person. */
  const offered = async (role: string): Promise<number[]> => {
    const page = await signIn(browser, base, email(role), pw(role))
    await page.goto(`/keys/${keyId}`)
    await page.getByRole('heading', { name: /^fleet key/ }).waitFor()
    await page.waitForLoadState('networkidle')
    const counts = []
    for (const name of ACTIONS) counts.push(await page.getByRole('button', { name, exact: true }).count())
    await page.context().close()
    return counts
  }

  it('a viewer of its organization sees no Edit, Disable, Roll, Revoke or Delete', async () => {
    assert.deepEqual(await offered('viewer'), [0, 0, 0, 0, 0])
  })

  it('its owner sees them all', async () => {
    assert.deepEqual(await offered('owner'), [1, 1, 1, 1, 1])
  })
})

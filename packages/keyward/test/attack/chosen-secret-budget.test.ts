import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { makeTenant, type Tenant } from '../balena/fixture.js'
import { STORES, TestServer } from '../helpers.js'

const BUDGET = 2
const hex32 = () => randomBytes(16).toString('hex')

/**
 * The import is not the only way to bring a secret of one's own: balena's device-key routes take the
 * device's secret (`/api-key/device/:id/device-key` with `apiKey`), and a device registers with its own
 * (`/device/register` with `api_key`). Their "already exists" / "already in use" answers told the caller
 * that a guessed secret is held, with no budget at all (a second attacker: 10 of 10 held secrets told
 * apart, unlimited). They now spend the same per-person budget as imports
 * (`KEYWARD_SECRET_REFUSALS_PER_HOUR`, `services/keys/chosen-secrets.ts`). And a key whose maker key was
 * deleted gets no budget of its own: it was a fresh one per such key.
 */
for (const store of STORES) {
  describe(`attack: guessing secrets through chosen device keys (${store})`, () => {
    let s: TestServer
    let admin: string
    let victim: Tenant
    const deviceKey = (t: Tenant, apiKey: string) =>
      s.request('POST', `/api-key/device/${t.device.id}/device-key`, { token: t.user.token, body: { apiKey } })
    const register = (t: Tenant, apiKey: string) =>
      s.request('POST', '/device/register', {
        token: t.provKey.key,
        body: { application: t.app.id, uuid: hex32(), device_type: 'raspberrypi4-64', api_key: apiKey },
      })
    before(async () => {
      s = await TestServer.start(store, { env: { KEYWARD_SECRET_REFUSALS_PER_HOUR: String(BUDGET) } })
      admin = await s.adminToken()
      victim = await makeTenant(s, `victim${randomBytes(2).toString('hex')}`, admin)
    })
    after(() => s.close())

    it('balena device keys: a held secret is refused BUDGET times, then every call is a 429', async () => {
      const attacker = await makeTenant(s, `dk${randomBytes(2).toString('hex')}`, admin)
      for (let i = 0; i < BUDGET; i++) assert.equal((await deviceKey(attacker, victim.deviceKey.key)).status, 409)
      assert.equal((await deviceKey(attacker, victim.deviceKey.key)).status, 429)
      assert.equal((await deviceKey(attacker, hex32())).status, 429, 'an unheld secret gets the same answer')
      // The provisioning key the same person made shares the spent budget.
      assert.equal((await register(attacker, hex32())).status, 429)
    })

    it('device registration: a held secret is refused BUDGET times, then every registration with a key is a 429', async () => {
      const attacker = await makeTenant(s, `rg${randomBytes(2).toString('hex')}`, admin)
      for (let i = 0; i < BUDGET; i++) assert.equal((await register(attacker, victim.deviceKey.key)).status, 409)
      assert.equal((await register(attacker, victim.deviceKey.key)).status, 429)
      assert.equal((await register(attacker, hex32())).status, 429)
      const events = await s.request('GET', '/v1/audit?action=key.secret_refused', { token: admin })
      const vias = (events.body.events as { details: { via: string } }[]).map((e) => e.details.via)
      assert.deepEqual(
        [vias.filter((v) => v === 'device_key').length, vias.filter((v) => v === 'registration').length],
        [BUDGET, BUDGET],
      )
    })

    // A key made by an organization key records the person behind it (migration 0037), so deleting the key
    // that made it leaves the person traced: it spends their budget, never a fresh one of its own.
    it('a key whose maker key was deleted still spends its person’s budget: no fresh budget per orphaned key', async () => {
      const person = await s.member(`orph${randomBytes(2).toString('hex')}`, admin)
      const handle = `o-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: person.token, body: { name: handle, handle } })
      assert.equal(org.status, 201, org.text)
      const owner = { kind: 'organization', id: org.body.id }
      const k1 = await s.createKey(person.token, { name: 'k1', owner })
      const k2 = await s.createKey(k1.key, { name: 'k2', owner })
      const importWith = (token: string, plaintext = `uk_${hex32()}${hex32()}`) =>
        s.request('POST', '/v1/keys/import', { token, body: { keys: [{ plaintext }] } })
      assert.equal((await importWith(k2.key)).status, 200, 'traced to its person, it may')
      const del = await s.request('DELETE', `/v1/keys/${k1.id}`, { token: person.token })
      assert.equal(del.status, 204, del.text)
      const held = `uk_${hex32()}${hex32()}`
      assert.equal((await importWith(admin, held)).status, 200)
      for (let i = 0; i < BUDGET; i++) assert.equal((await importWith(person.token, held)).status, 409)
      const orphan = await importWith(k2.key)
      assert.equal(
        orphan.status,
        429,
        `the person's budget is spent, and the orphaned key has none of its own: ${orphan.text}`,
      )
    })

    it('a provisioning key whose maker key was deleted still registers devices with their own keys', async () => {
      // Made by an organization's key, since deleted: no maker can be traced, so the application's creator pays.
      const person = await s.member(`fleet${randomBytes(2).toString('hex')}`, admin)
      const handle = `f-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: person.token, body: { name: handle, handle } })
      const app = await s.request('POST', '/v1/applications', {
        token: person.token,
        body: { name: 'fleet', organization_id: org.body.id },
      })
      assert.equal(app.status, 201, app.text)
      const orgKey = await s.createKey(person.token, { name: 'ci', owner: { kind: 'organization', id: org.body.id } })
      const prov = await s.createKey(orgKey.key, { name: 'prov', owner: { kind: 'application', id: app.body.id } })
      assert.equal((await s.request('DELETE', `/v1/keys/${orgKey.id}`, { token: person.token })).status, 204)
      const r = await s.request('POST', '/device/register', {
        token: prov.key,
        body: { application: app.body.id, uuid: hex32(), device_type: 'raspberrypi4-64', api_key: hex32() },
      })
      assert.equal(r.status, 201, `charged to the application's creator, not refused: ${r.text}`)
    })
  })
}

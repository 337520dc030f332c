import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * The entries that give a key a secret (create, import, roll) name its owner as its webhook events do
 * (`owner: {kind, id}`): once the key is deleted, its trail still says whose it was. Never a secret.
 */
for (const store of STORES) {
  describe(`audit entries name the key's owner (${store})`, () => {
    const t = serverForSuite(store)
    const entry = async (action: string, id: number) => {
      const r = await t.s.request('GET', `/v1/audit?action=${action}&target_type=api_key&target_id=${id}`, {
        token: t.admin,
      })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.events.length, 1, r.text)
      return { details: r.body.events[0].details, text: r.text }
    }

    it('key.create names a user owner and an application owner, and holds no secret', async () => {
      const mine = await t.s.createKey(t.admin, { name: 'owned-by-me' })
      const created = await entry('key.create', mine.id)
      assert.deepEqual(created.details.owner, mine.record.owner)
      assert.equal(created.details.owner.kind, 'user')
      assert.ok(!created.text.includes(mine.key), 'no secret in the entry')
      const app = await t.s.request('POST', '/v1/applications', { token: t.admin, body: { name: 'owner-fleet' } })
      assert.equal(app.status, 201, app.text)
      const fleetKey = await t.s.createKey(t.admin, { owner: { kind: 'application', id: app.body.id } })
      assert.deepEqual((await entry('key.create', fleetKey.id)).details.owner, { kind: 'application', id: app.body.id })
    })

    it('key.import names each key owner; key.roll names it too, without the new secret', async () => {
      const secret = `uk_${randomBytes(24).toString('base64url')}`
      const r = await t.s.request('POST', '/v1/keys/import', {
        token: t.admin,
        body: { keys: [{ plaintext: secret, name: 'imported-owned' }] },
      })
      assert.equal(r.status, 200, r.text)
      const imported = await entry('key.import', r.body.keys[0].id)
      assert.deepEqual(imported.details.owner, { kind: 'user', id: 1 })
      assert.ok(!imported.text.includes(secret))
      const k = await t.s.createKey(t.admin)
      const rolled = await t.s.request('POST', `/v1/keys/${k.id}/roll`, { token: t.admin })
      assert.equal(rolled.status, 200, rolled.text)
      const roll = await entry('key.roll', k.id)
      assert.deepEqual(roll.details.owner, k.record.owner)
      assert.ok(!roll.text.includes(rolled.body.key) && !roll.text.includes(k.key))
    })
  })
}

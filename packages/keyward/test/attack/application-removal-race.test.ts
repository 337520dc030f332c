import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

const ROUNDS = 12
const CREATES = 16

/**
 * A key never outlives its owner. A key's creation checked its owner (`ownerOf`) before its write's transaction:
 * an application deleted between the two left the key stored with no device or application behind it, and it
 * verified VALID. The write now reads its owner in its own transaction (`store/live-owner.ts`), and the removal
 * locks the rows before it reads their keys (`store/fleet-removal.ts`).
 */
for (const store of STORES) {
  describe(`an application's deletion ends every key made for it meanwhile (${store})`, () => {
    const t = serverForSuite(store)

    it('keys created for its device while it is deleted are refused or deleted, never left verifying', async () => {
      const { s, admin } = t
      const survivors: number[] = []
      let created = 0
      for (let round = 0; round < ROUNDS; round++) {
        const app = await s.request('POST', '/v1/applications', { token: admin, body: { name: `race-${round}` } })
        assert.equal(app.status, 201, app.text)
        const dev = await s.request('POST', '/v1/devices', { token: admin, body: { application_id: app.body.id } })
        assert.equal(dev.status, 201, dev.text)
        const owner = { kind: 'device', id: dev.body.id }
        const creates = Array.from({ length: CREATES }, (_, i) =>
          s.request('POST', '/v1/keys', { token: admin, body: { name: `k${i}`, owner } }),
        )
        const del = s.request('DELETE', `/v1/applications/${app.body.id}`, { token: admin })
        const [deleted, ...made] = await Promise.all([del, ...creates])
        assert.equal(deleted.status, 204, deleted.text)
        for (const r of made) {
          assert.ok(r.status === 201 || r.status === 404, `a create answered ${r.status}: ${r.text}`)
          if (r.status !== 201) continue
          created++
          const v = await s.verify(admin, r.body.key)
          if (v.valid) survivors.push(r.body.api_key.id)
        }
      }
      assert.deepEqual(survivors, [], `keys still verifying after their application was deleted (of ${created} made)`)
      const left = await s.kw.services.store.db
        .selectFrom('api_key')
        .innerJoin('actor', 'actor.id', 'api_key.actor_id')
        .select('api_key.id')
        .where('actor.kind', '=', 'device')
        .execute()
      assert.deepEqual(left, [], 'no key of a removed device is stored')
    })

    it('keys created for a device while it is deleted are refused or deleted, never left verifying', async () => {
      const { s, admin } = t
      const app = await s.request('POST', '/v1/applications', { token: admin, body: { name: 'device-race' } })
      const survivors: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const dev = await s.request('POST', '/v1/devices', { token: admin, body: { application_id: app.body.id } })
        const owner = { kind: 'device', id: dev.body.id }
        const creates = Array.from({ length: CREATES }, (_, i) =>
          s.request('POST', '/v1/keys', { token: admin, body: { name: `k${i}`, owner } }),
        )
        const [deleted, ...made] = await Promise.all([
          s.request('DELETE', `/v1/devices/${dev.body.id}`, { token: admin }),
          ...creates,
        ])
        assert.equal(deleted.status, 204, deleted.text)
        for (const r of made) {
          assert.ok(r.status === 201 || r.status === 404, `a create answered ${r.status}: ${r.text}`)
          if (r.status === 201 && (await s.verify(admin, r.body.key)).valid) survivors.push(r.body.api_key.id)
        }
      }
      assert.deepEqual(survivors, [], 'keys still verifying after their device was deleted')
    })
  })
}

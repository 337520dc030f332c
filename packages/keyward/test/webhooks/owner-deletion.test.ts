import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ownedKeysChunk } from '../../src/store/owned-keys.js'
import { failEndingOf } from '../fixtures/failing-chunk.js'
import { STORES, TestServer } from '../helpers.js'
import { fanOutAll as fanOutWebhooks, silentHook } from './fan-out.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }
const EVENTS = ['key.revoked', 'key.deleted']
const byNumber = (a: number, b: number) => a - b

for (const store of STORES) {
  describe(`keys ending with their owner emit their events (${store})`, () => {
    let s: TestServer
    /** A second node on the same database (PostgreSQL): its verify cache must drop the keys too. */
    let other: TestServer | null = null
    let admin: string
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      if (store === 'postgres') other = await TestServer.attach(s.config.databaseUrl, { env: ENV })
      admin = await s.adminToken()
    })
    after(async () => {
      await other?.kw.close()
      await s.close()
    })

    const db = () => s.kw.services.store.db
    const hook = (token: string) => silentHook(s, token, EVENTS)
    const fanOutAll = () => fanOutWebhooks(s)
    const delivered = async (webhookId: number, type: string) =>
      (
        await db()
          .selectFrom('webhook_delivery as d')
          .innerJoin('key_event as e', 'e.id', 'd.event_id')
          .select('d.key_id')
          .where('d.webhook_id', '=', webhookId)
          .where('e.type', '=', type)
          .orderBy('d.key_id')
          .execute()
      ).map((r) => r.key_id)
    const eventKeys = async (type: string, ids: number[]) =>
      (
        await db()
          .selectFrom('key_event')
          .select('key_id')
          .where('type', '=', type)
          .where('key_id', 'in', ids)
          .orderBy('key_id')
          .execute()
      ).map((r) => r.key_id)
    /** Verifies on every node, so each caches the key. */
    const verifyEverywhere = (key: string) =>
      Promise.all([s, other].filter((n) => n !== null).map((n) => n.verify(admin, key)))

    it('deleting an organization records key.deleted for each of its keys, across chunks, for those who may see them', async () => {
      const owner = await s.member(`own${randomBytes(3).toString('hex')}`, admin)
      const outsider = await s.member(`out${randomBytes(3).toString('hex')}`, admin)
      const [adminHook, ownerHook, outsiderHook] = [
        await hook(admin),
        await hook(owner.token),
        await hook(outsider.token),
      ]
      const handle = `acme-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: 'Acme', handle } })
      assert.equal(org.status, 201, org.text)
      const orgOwner = { kind: 'organization', id: org.body.id }
      const live = await s.createKey(owner.token, { owner: orgOwner })
      const imported = await s.request('POST', '/v1/keys/import', {
        token: owner.token,
        body: {
          keys: Array.from({ length: ownedKeysChunk(s.kw.services.store.dialect) + 100 }, () => ({
            owner: orgOwner,
            plaintext: `ext_${randomBytes(24).toString('hex')}`,
          })),
        },
      })
      assert.equal(imported.status, 200, imported.text)
      const ids = [live.id, ...(imported.body.keys as { id: number }[]).map((k) => k.id)].sort(byNumber)
      assert.equal(ids.length, ownedKeysChunk(s.kw.services.store.dialect) + 101, 'more keys than one chunk')
      const personal = await s.createKey(owner.token) // the owner's own key stays
      assert.equal(
        (await verifyEverywhere(live.key)).every((v) => v.valid),
        true,
      )

      const del = await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: owner.token })
      assert.equal(del.status, 204, del.text)

      assert.deepEqual(await eventKeys('key.deleted', ids), ids, 'one key.deleted per key, none twice')
      assert.equal(await db().selectFrom('api_key').select('id').where('id', 'in', ids).executeTakeFirst(), undefined)
      for (const v of await verifyEverywhere(live.key)) assert.equal(v.valid, false, 'every node dropped the key')
      assert.equal((await s.verify(admin, personal.key)).valid, true)
      await fanOutAll()
      assert.deepEqual(await delivered(adminHook, 'key.deleted'), ids, 'admins see every key')
      // Members stop hearing of the organization's keys when its deletion begins (migration 0017).
      assert.deepEqual(await delivered(ownerHook, 'key.deleted'), [])
      assert.deepEqual(await delivered(outsiderHook, 'key.deleted'), [], 'never another tenant’s keys')
    })

    it('once an organization’s deletion begins its members hear of none of its keys, even between chunks; a retry finishes it', async () => {
      const owner = await s.member(`own${randomBytes(3).toString('hex')}`, admin)
      const ownerHook = await hook(owner.token)
      const adminHook = await hook(admin)
      const handle = `half-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: 'Half', handle } })
      assert.equal(org.status, 201, org.text)
      const orgOwner = { kind: 'organization', id: org.body.id }
      const imported = await s.request('POST', '/v1/keys/import', {
        token: owner.token,
        body: {
          keys: Array.from({ length: ownedKeysChunk(s.kw.services.store.dialect) + 20 }, () => ({
            owner: orgOwner,
            plaintext: `ext_${randomBytes(24).toString('hex')}`,
          })),
        },
      })
      assert.equal(imported.status, 200, imported.text)
      const ids = (imported.body.keys as { id: number }[]).map((k) => k.id).sort(byNumber)
      const healChunks = await failEndingOf(db(), store, ids.at(-1)!, 'delete')
      const failed = await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: owner.token })
      await healChunks()
      assert.equal(failed.status, 500, failed.text)
      const firstChunk = ids.slice(0, ownedKeysChunk(s.kw.services.store.dialect))
      assert.deepEqual(await eventKeys('key.deleted', ids), firstChunk, 'the first chunk committed')
      await fanOutAll() // what a node's dispatcher may do between two chunks
      assert.deepEqual(await delivered(ownerHook, 'key.deleted'), [], 'the owner hears nothing once deletion began')

      const retried = await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: owner.token })
      assert.equal(retried.status, 204, retried.text)
      assert.deepEqual(await eventKeys('key.deleted', ids), ids, 'one key.deleted per key, none twice')
      await fanOutAll()
      assert.deepEqual(await delivered(ownerHook, 'key.deleted'), [])
      assert.deepEqual(await delivered(adminHook, 'key.deleted'), ids)
    })

    it('deleting a user records key.revoked for each key it revokes; the deleted user hears nothing more', async () => {
      const doomed = await s.member(`gone${randomBytes(3).toString('hex')}`, admin)
      const bystander = await s.member(`by${randomBytes(3).toString('hex')}`, admin)
      const [adminHook, doomedHook, bystanderHook] = [
        await hook(admin),
        await hook(doomed.token),
        await hook(bystander.token),
      ]
      const keys = [await s.createKey(doomed.token), await s.createKey(doomed.token)]
      const revokedBefore = await s.createKey(doomed.token)
      await s.request('POST', `/v1/keys/${revokedBefore.id}/revoke`, { token: admin })
      for (const k of keys)
        assert.equal(
          (await verifyEverywhere(k.key)).every((v) => v.valid),
          true,
        )
      await fanOutAll() // the user hears of the revocation made while they were there

      const del = await s.request('DELETE', `/v1/users/${doomed.id}`, { token: admin })
      assert.equal(del.status, 204, del.text)

      const ids = keys.map((k) => k.id).sort(byNumber)
      const all = [...ids, revokedBefore.id].sort(byNumber)
      assert.deepEqual(await eventKeys('key.revoked', all), all)
      for (const k of keys)
        for (const v of await verifyEverywhere(k.key)) assert.equal(v.code, 'REVOKED', 'every node answers REVOKED')
      await fanOutAll()
      assert.deepEqual(await delivered(adminHook, 'key.revoked'), all)
      assert.deepEqual(await delivered(bystanderHook, 'key.revoked'), [])
      assert.deepEqual(
        await delivered(doomedHook, 'key.revoked'),
        [revokedBefore.id],
        'a deleted user’s webhook receives nothing after the deletion',
      )
    })
  })
}

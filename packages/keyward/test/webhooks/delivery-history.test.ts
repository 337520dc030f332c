import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CompiledQuery } from 'kysely'
import { WebhookRepository } from '../../src/store/webhook-repository.js'
import { pendingDelivery } from '../../src/store/webhook-outbox.js'
import { STORES, TestServer } from '../helpers.js'
import { silentHook } from './fan-out.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }

/**
 * A webhook's deliveries are kept, so its history grows: listing it read and sorted every one
 * on SQLite, and deleting the webhook removed them in one cascading statement, each holding the
 * event loop 43–380 ms at 25,000–100,000 deliveries (a tester's finds). Now the listing follows
 * an index in `id` order (migration 0022) and the deletion goes in chunks.
 */
for (const store of STORES) {
  describe(`a webhook's long delivery history (${store})`, () => {
    let s: TestServer
    let admin: string
    let kept: number
    let gone: number
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      admin = await s.adminToken()
      kept = await silentHook(s, admin, ['key.created'])
      gone = await silentHook(s, admin, ['key.created'])
      const db = s.kw.services.store.db
      const now = new Date().toISOString()
      const event = await db
        .insertInto('key_event')
        .values({ type: 'webhook.test', key_id: null, actor_id: null, data: '{}', created_at: now, dispatched_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      // 4,500 for the one deleted (over two deletion chunks), 30 for the one kept.
      for (let i = 0; i < 9; i++)
        await db
          .insertInto('webhook_delivery')
          .values(Array.from({ length: 500 }, () => pendingDelivery(gone, { id: event.id, key_id: null }, now)))
          .execute()
      await db
        .insertInto('webhook_delivery')
        .values(Array.from({ length: 30 }, () => pendingDelivery(kept, { id: event.id, key_id: null }, now)))
        .execute()
    })
    after(() => s.close())

    const count = async (webhookId: number) =>
      Number(
        (
          await s.kw.services.store.db
            .selectFrom('webhook_delivery')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('webhook_id', '=', webhookId)
            .executeTakeFirstOrThrow()
        ).n,
      )

    if (store === 'sqlite')
      it('is listed newest first through an index, without sorting every delivery', async () => {
        const q = new WebhookRepository(s.kw.services.store.db, s.kw.services.store.dialect)
          .deliveriesQuery(gone, 200)
          .compile()
        const plan = await s.kw.services.store.db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
        )
        const steps = plan.rows.map((r) => r.detail).join('\n')
        assert.match(steps, /USING (COVERING )?INDEX webhook_delivery_listing/, steps)
        assert.doesNotMatch(steps, /TEMP B-TREE/, steps)
      })

    it('the listing answers the newest 200 of 4,500', async () => {
      const r = await s.request('GET', `/v1/webhooks/${gone}/deliveries?limit=200`, { token: admin })
      assert.equal(r.status, 200, r.text)
      const ids = r.body.deliveries.map((d: { id: number }) => d.id)
      assert.equal(ids.length, 200)
      assert.deepEqual(
        ids,
        [...ids].sort((a: number, b: number) => b - a),
      )
    })

    it('deleting the webhook removes all 4,500 of its deliveries and none of another’s', async () => {
      assert.equal(await count(gone), 4_500)
      assert.equal((await s.request('DELETE', `/v1/webhooks/${gone}`, { token: admin })).status, 204)
      assert.equal(await count(gone), 0)
      assert.equal(await count(kept), 30)
    })
  })
}

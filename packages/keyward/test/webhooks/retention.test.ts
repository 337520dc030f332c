import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { ExpirySweeper } from '../../src/services/keys/expiry-sweeper.js'
import { chunkPacerFor } from '../../src/services/keys/chunked-writes.js'
import { RefreshTokenRepository } from '../../src/store/refresh-token-repository.js'
import { SessionRepository } from '../../src/store/session-repository.js'
import { WebhookOutbox, pendingDelivery } from '../../src/store/webhook-outbox.js'
import { STORES, TestServer } from '../helpers.js'
import { Receiver, until } from './receiver.js'

const DAY_MS = 86_400_000
const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_RETENTION_DAYS: '3' }

/**
 * Every key change adds an outbox event, and every subscribed webhook a delivery row: nothing
 * removed them, so both tables grew for good (a known gap). Deliveries that ended are now deleted
 * `KEYWARD_WEBHOOK_RETENTION_DAYS` after they were last due, and events once no delivery of theirs
 * is left; a pending delivery and its event stay whatever their age. A real HTTP receiver.
 */
for (const store of STORES) {
  describe(`webhook history is kept for KEYWARD_WEBHOOK_RETENTION_DAYS (${store})`, () => {
    const clock = manualClock(new Date())
    let s: TestServer
    let rx: Receiver
    let admin: string
    let hook: number
    before(async () => {
      s = await TestServer.start(store, { clock, env: ENV })
      admin = await s.adminToken()
      rx = await Receiver.start('ok')
      const r = await s.request('POST', '/v1/webhooks', {
        token: admin,
        body: { url: rx.url, events: ['key.created'] },
      })
      assert.equal(r.status, 201, r.text)
      hook = r.body.webhook.id as number
    })
    after(async () => {
      await rx?.close()
      await s?.close()
    })

    const db = () => s.kw.services.store.db
    const listed = async () =>
      // A fresh session: the clock moves past a session's day.
      (await s.request('GET', `/v1/webhooks/${hook}/deliveries`, { token: await s.adminToken() })).body.deliveries as {
        status: string
      }[]
    const count = async (table: 'key_event' | 'webhook_delivery') =>
      Number(
        (
          await db()
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    /** An event fanned out at the clock's now. */
    const dispatchedEvent = () => {
      const now = clock.now().toISOString()
      return db()
        .insertInto('key_event')
        .values({ type: 'webhook.test', key_id: null, actor_id: null, data: '{}', created_at: now, dispatched_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    }
    /** A dispatched event with one pending delivery leased by a node that died (never sent here), as old as the clock's now. */
    async function stuckDelivery() {
      const now = clock.now().toISOString()
      const e = await dispatchedEvent()
      const d = await db()
        .insertInto('webhook_delivery')
        .values({ ...pendingDelivery(hook, { id: e.id, key_id: null }, now), lease_until: '9999-12-31T00:00:00.000Z' })
        .returning('id')
        .executeTakeFirstOrThrow()
      return { event: e.id, delivery: d.id }
    }

    it('deletes deliveries that ended past retention and then their events; keeps pending ones and newer ones', async () => {
      for (let i = 0; i < 3; i++) await s.createKey(admin, { name: `retained-${i}` })
      await until(async () => (await listed()).filter((d) => d.status === 'succeeded').length === 3, 15_000, 'sent')
      const stuck = await stuckDelivery()
      const eventsBefore = await count('key_event')

      clock.advance(2 * DAY_MS)
      const young = await s.kw.services.sweeper.sweep()
      assert.deepEqual([young.deliveries, young.events], [0, 0], 'nothing is past 3 days yet')
      assert.equal((await listed()).length, 4)

      clock.advance(2 * DAY_MS)
      const old = await s.kw.services.sweeper.sweep()
      assert.equal(old.deliveries, 3, 'the three sent deliveries')
      assert.equal(old.events, eventsBefore - 1, 'every event but the pending delivery’s')
      assert.deepEqual(
        (await listed()).map((d) => d.status),
        ['pending'],
      )
      const left = await db().selectFrom('key_event').select('id').execute()
      assert.deepEqual(
        left.map((e) => e.id),
        [stuck.event],
      )

      await db().updateTable('webhook_delivery').set({ status: 'failed' }).where('id', '=', stuck.delivery).execute()
      const ended = await s.kw.services.sweeper.sweep()
      assert.deepEqual([ended.deliveries, ended.events], [1, 1], 'once it ends, it and its event go too')
      assert.equal(await count('webhook_delivery'), 0)
    })

    it('works off a backlog in chunks sized for the store, one statement a turn of the event loop', async () => {
      const now = clock.now().toISOString()
      const e = await dispatchedEvent()
      for (let i = 0; i < 6; i++)
        await db()
          .insertInto('webhook_delivery')
          .values(
            Array.from({ length: 500 }, () => ({
              ...pendingDelivery(hook, { id: e.id, key_id: null }, now),
              status: 'succeeded' as const,
            })),
          )
          .execute()
      clock.advance(4 * DAY_MS)
      const real = new WebhookOutbox(db(), s.kw.services.store.dialect)
      const sizes: number[] = []
      const outbox = {
        pruneDeliveries: (before: string, n: number) => (sizes.push(n), real.pruneDeliveries(before, n)),
        pruneEvents: (before: string, n: number) => real.pruneEvents(before, n),
        dropEndedOverlaps: (now: string) => real.dropEndedOverlaps(now),
      }
      const history = { outbox, retentionMs: 3 * DAY_MS, pacer: chunkPacerFor(s.kw.services.store.dialect) }
      const sweeper = new ExpirySweeper(
        new SessionRepository(db()),
        new RefreshTokenRepository(db()),
        clock,
        async () => 0,
        history,
        (err) => assert.fail(String(err)),
      )
      const swept = await sweeper.sweep()
      assert.deepEqual([swept.deliveries, swept.events], [3000, 1])
      assert.equal(await count('webhook_delivery'), 0)
      assert.ok(sizes.length > 1, `several statements: ${sizes.join(', ')}`)
      assert.ok(Math.max(...sizes) <= 1000, `no statement over 1,000 rows: ${sizes.join(', ')}`)
    })
  })
}

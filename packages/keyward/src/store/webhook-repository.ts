import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import type { LoginLine } from '../core/types.js'
import type { Dialect } from './database.js'
import { requireLiveProducer } from './live-producer.js'
import type { Database, WebhookDeliveryRow, WebhookRow } from './schema.js'
import { pendingDelivery } from './webhook-outbox.js'

/** Deliveries deleted per statement when their webhook goes. */
const DELETE_CHUNK = 2_000

/** A delivery as listed: its row and the type of the event it carries. */
export type DeliveryListing = WebhookDeliveryRow & { event_type: string }

/** Storage of webhooks and their deliveries (listing side). Knows SQL, not rules. */
export class WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Stores a webhook; one a login of a key's line configures (`by`) only while that login is live. */
  async insert(row: Omit<WebhookRow, 'id'>, by: LoginLine | null): Promise<WebhookRow> {
    const id = await this.whileLive(by, async (trx) => {
      const r = await trx.insertInto('webhook').values(row).returning('id').executeTakeFirstOrThrow()
      return r.id
    })
    return (await this.findById(id))!
  }

  /**
   * Runs `write` in a transaction that first requires login `by` (if any) to be live (`requireLiveProducer`): a
   * revoke ending that login waits for this write, then finds what it configured (`KeyLineage`), or this write
   * waits for the revoke and is refused (401).
   */
  private whileLive<T>(by: LoginLine | null, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (by === null) return write(this.db)
    return this.db.transaction().execute(async (trx) => {
      await requireLiveProducer(trx, this.dialect, by)
      return write(trx)
    })
  }

  findById(id: number): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhook').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /** Webhooks of one user, or of everyone (`userId` null), newest first. */
  list(userId: number | null): Promise<WebhookRow[]> {
    let q = this.db.selectFrom('webhook').selectAll()
    if (userId !== null) q = q.where('user_id', '=', userId)
    return q.orderBy('id', 'desc').limit(500).execute()
  }

  /**
   * Sets a new secret only while the webhook still has `replaced` (the sealed secret the rotation
   * read); undefined when another rotation came first. A rotation keeps the secret it replaces for
   * an overlap: unconditioned, a rotation with an overlap racing one without (after a leak) kept
   * the leaked secret signing (an attacker's find).
   */
  async replaceSecret(id: number, replaced: string, patch: Partial<Omit<WebhookRow, 'id'>>, by: LoginLine | null) {
    const r = await this.whileLive(by, (db) =>
      db.updateTable('webhook').set(patch).where('id', '=', id).where('secret', '=', replaced).execute(),
    )
    return r[0]!.numUpdatedRows > 0n ? this.findById(id) : undefined
  }

  async update(id: number, patch: Partial<Omit<WebhookRow, 'id'>>, by: LoginLine | null) {
    await this.whileLive(by, (db) => db.updateTable('webhook').set(patch).where('id', '=', id).execute())
    return this.findById(id)
  }

  /**
   * Deletes a webhook with its deliveries: those first, `DELETE_CHUNK` a statement with a loop turn
   * between (kept for good, a webhook's history grows: one cascading statement held SQLite's loop
   * 70–120 ms at 25,000, a tester's find), then the webhook (ON DELETE CASCADE takes any the
   * dispatcher added meanwhile).
   */
  async delete(id: number): Promise<void> {
    for (let n = DELETE_CHUNK; n === DELETE_CHUNK; await nextTurn()) {
      const chunk = this.db.selectFrom('webhook_delivery').select('id').where('webhook_id', '=', id).limit(DELETE_CHUNK)
      const r = await this.db.deleteFrom('webhook_delivery').where('id', 'in', chunk).executeTakeFirst()
      n = Number(r.numDeletedRows)
    }
    await this.db.deleteFrom('webhook').where('id', '=', id).execute()
  }

  /** The latest deliveries of a webhook, newest first (index `webhook_delivery_listing`, migration 0022). */
  deliveries(webhookId: number, limit: number): Promise<DeliveryListing[]> {
    return this.deliveriesQuery(webhookId, limit).execute()
  }

  /** `deliveries`' query, for its plan to be checked. */
  deliveriesQuery(webhookId: number, limit: number) {
    return this.selectDeliveries().where('d.webhook_id', '=', webhookId).orderBy('d.id', 'desc').limit(limit)
  }

  findDelivery(webhookId: number, id: number): Promise<DeliveryListing | undefined> {
    return this.selectDeliveries().where('d.webhook_id', '=', webhookId).where('d.id', '=', id).executeTakeFirst()
  }

  /** Puts a delivery back in the queue, due now, whatever its state (a finished one is sent again). */
  async redeliver(id: number, now: string): Promise<void> {
    await this.db
      .updateTable('webhook_delivery')
      .set({ status: 'pending', next_attempt_at: now, lease_until: null, created_at: now })
      .where('id', '=', id)
      .execute()
  }

  /** A `webhook.test` event for one webhook only: written already dispatched, with its one delivery. */
  async enqueueTest(webhookId: number, data: unknown, now: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const event = await trx
        .insertInto('key_event')
        .values({
          type: 'webhook.test',
          key_id: null,
          actor_id: null,
          data: JSON.stringify(data),
          created_at: now,
          dispatched_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const d = await trx
        .insertInto('webhook_delivery')
        .values(pendingDelivery(webhookId, { id: event.id, key_id: null }, now))
        .returning('id')
        .executeTakeFirstOrThrow()
      return d.id
    })
  }

  private selectDeliveries() {
    return this.db
      .selectFrom('webhook_delivery as d')
      .innerJoin('key_event as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select('e.type as event_type')
  }
}

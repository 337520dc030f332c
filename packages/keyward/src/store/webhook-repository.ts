import type { Kysely } from 'kysely'
import type { Database, WebhookDeliveryRow, WebhookRow } from './schema.js'
import { pendingDelivery } from './webhook-outbox.js'

/** A delivery as listed: its row and the type of the event it carries. */
export type DeliveryListing = WebhookDeliveryRow & { event_type: string }

/** Storage of webhooks and their deliveries (listing side). Knows SQL, not rules. */
export class WebhookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Omit<WebhookRow, 'id'>): Promise<WebhookRow> {
    const { id } = await this.db.insertInto('webhook').values(row).returning('id').executeTakeFirstOrThrow()
    return (await this.findById(id))!
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

  async update(id: number, patch: Partial<Omit<WebhookRow, 'id'>>): Promise<WebhookRow | undefined> {
    await this.db.updateTable('webhook').set(patch).where('id', '=', id).execute()
    return this.findById(id)
  }

  /** Deletes a webhook with its deliveries (ON DELETE CASCADE). */
  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('webhook').where('id', '=', id).execute()
  }

  /** The latest deliveries of a webhook, newest first. */
  deliveries(webhookId: number, limit: number): Promise<DeliveryListing[]> {
    return this.selectDeliveries().where('d.webhook_id', '=', webhookId).orderBy('d.id', 'desc').limit(limit).execute()
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

import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import type { Maker } from '../core/producer.js'
import type { Dialect } from './database.js'
import { lineThrough } from './key-origins.js'
import { requireLiveProducer } from './live-producer.js'
import { lineOf, storedLine } from './session-repository.js'
import type { Database, WebhookDeliveryRow, WebhookRow } from './schema.js'
import { pendingDelivery } from './webhook-outbox.js'

/** Deliveries deleted per statement when their webhook goes. */
const DELETE_CHUNK = 2_000

/** A change of a webhook's row; its line is the repository's (`configure`). */
type Patch = Partial<Omit<WebhookRow, 'id' | 'configured_line'>>

/** A delivery as listed: its row and the type of the event it carries. */
export type DeliveryListing = WebhookDeliveryRow & { event_type: string }

/** Storage of webhooks and their deliveries (listing side). Knows SQL, not rules. */
export class WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Stores a webhook configured by `by` (`configure`). */
  async insert(row: Omit<WebhookRow, 'id' | 'configured_line'>, by: Maker | null): Promise<WebhookRow> {
    const id = await this.configure(by, null, async (trx, line) => {
      const r = await trx
        .insertInto('webhook')
        .values({ ...row, configured_line: line })
        .returning('id')
        .executeTakeFirstOrThrow()
      return r.id
    })
    return (await this.findById(id))!
  }

  /**
   * Runs a configuring write by `by` (a key's secret or a login of a key's line; null: neither) in a transaction that
   * first requires it live (`requireLiveProducer`: a revoke ending it waits for this write, then finds what it
   * configured, `KeyLineage`; or this write waits for the revoke and is refused), handing `write` the webhook's line:
   * the keys `by` is made through, added to those of webhook `id` (null: a new one), or replacing them with
   * `replace`. A line only grows: whoever it came through may have been shown the secret or chosen where it sends.
   * Only a rotation of a webhook a minted revoke marked replaces it (`WebhookService.rotateSecret`; an attacker's
   * find: an owner's edit of the URL wiped the line, and the secret the line's login was shown kept signing after
   * the revoke).
   */
  private configure<T>(
    by: Maker | null,
    id: number | null,
    write: (db: Kysely<Database>, line: string | null) => Promise<T>,
    replace = false,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (by) await requireLiveProducer(trx, this.dialect, by)
      const mine = by ? await lineThrough(trx, by) : []
      const had =
        id === null || replace
          ? null
          : await trx.selectFrom('webhook').select('configured_line').where('id', '=', id).executeTakeFirst()
      return write(trx, storedLine([...new Set([...(lineOf(had?.configured_line ?? null) ?? []), ...mine])]))
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
   * the leaked secret signing (an attacker's find). A configuring write by `by` (`configure`);
   * `retake`: `by`'s line replaces the webhook's (a rotation of a webhook a minted revoke marked).
   */
  async replaceSecret(id: number, replaced: string, patch: Patch, by: Maker | null, retake: boolean) {
    const set = (db: Kysely<Database>, line: string | null) =>
      db
        .updateTable('webhook')
        .set({ ...patch, configured_line: line })
        .where('id', '=', id)
        .where('secret', '=', replaced)
        .execute()
    const r = await this.configure(by, id, set, retake)
    return r[0]!.numUpdatedRows > 0n ? this.findById(id) : undefined
  }

  /** A configuring write by `by` (`configure`), or with `by` undefined a change that configures nothing. */
  async update(id: number, patch: Patch, by: Maker | null | undefined) {
    if (by === undefined) await this.db.updateTable('webhook').set(patch).where('id', '=', id).execute()
    else
      await this.configure(by, id, (db, line) =>
        db
          .updateTable('webhook')
          .set({ ...patch, configured_line: line })
          .where('id', '=', id)
          .execute(),
      )
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

import { randomBytes } from 'node:crypto'
import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Signed webhooks (DESIGN.md, "Webhooks"). `key_event` is the outbox: a row is written in
 * the same transaction as the key change it describes, so an event exists exactly when its
 * change committed; `dispatched_at` marks it fanned out into `webhook_delivery`, one row per
 * subscribed webhook, which the delivery workers lease (`lease_until`) and retry. Events
 * keep no foreign key to their key (a deleted key still has its `key.deleted` event).
 * `server_secret.webhook_key` encrypts webhook signing secrets when `KEYWARD_WEBHOOK_KEY` is unset.
 */
export function webhooks(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer'
  const pk = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('key_event')
        .addColumn('id', idType, pk)
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('key_id', 'integer')
        .addColumn('actor_id', 'integer')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('dispatched_at', 'text')
        .execute()
      await db.schema
        .createIndex('key_event_undispatched_idx')
        .on('key_event')
        .columns(['dispatched_at', 'id'])
        .execute()
      await db.schema
        .createTable('webhook')
        .addColumn('id', idType, pk)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('webhook_delivery')
        .addColumn('id', idType, pk)
        .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhook.id').onDelete('cascade'))
        .addColumn('event_id', 'integer', (c) => c.notNull().references('key_event.id').onDelete('cascade'))
        .addColumn('key_id', 'integer')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_attempt_at', 'text')
        .addColumn('response_status', 'integer')
        .addColumn('latency_ms', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('webhook_delivery_due_idx')
        .on('webhook_delivery')
        .columns(['status', 'next_attempt_at'])
        .execute()
      await db.schema
        .createIndex('webhook_delivery_order_idx')
        .on('webhook_delivery')
        .columns(['webhook_id', 'key_id', 'status', 'id'])
        .execute()
      // Scheduled events already emitted: one per key, type and marker (the expiry date, the last use…).
      await db.schema
        .createTable('key_event_marker')
        .addColumn('key_id', 'integer', (c) => c.notNull().references('api_key.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('marker', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('key_event_marker_pk', ['key_id', 'type', 'marker'])
        .execute()
      await db
        .insertInto('server_secret')
        .values({
          name: 'webhook_key',
          value: randomBytes(32).toString('base64url'),
          created_at: new Date().toISOString(),
        })
        .execute()
    },
  }
}

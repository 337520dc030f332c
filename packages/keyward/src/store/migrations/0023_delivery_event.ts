import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `webhook_delivery (event_id)`: the outbox's history is pruned (`ExpirySweeper`, `KEYWARD_WEBHOOK_RETENTION_DAYS`),
 * and an event goes only once no delivery of it is left. Without this index that check, and PostgreSQL's cascade
 * from `key_event` to its deliveries, read every delivery for each event deleted.
 */
export function deliveryEvent(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('webhook_delivery_event').on('webhook_delivery').column('event_id').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_delivery_event').execute()
    },
  }
}

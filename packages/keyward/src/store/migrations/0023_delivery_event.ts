import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * `webhook_delivery (event_id)`: the outbox's history is pruned (`ExpirySweeper`, `KEYWARD_WEBHOOK_RETENTION_DAYS`),
 * and an event goes only once no delivery of it is left. Without this index that check, and PostgreSQL's cascade
 * from `key_event` to its deliveries, read every delivery for each event deleted.
 * On PostgreSQL it is built after the migrations, concurrently (an online index: store/online-indexes.ts).
 */
export function deliveryEvent(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await createOnlineIndex(db, dialect, 'webhook_delivery_event')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'webhook_delivery_event')
    },
  }
}

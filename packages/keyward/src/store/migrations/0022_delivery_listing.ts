import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * `webhook_delivery (webhook_id, id)`: a webhook's deliveries newest first (`GET /v1/webhooks/:id/deliveries`,
 * which the dashboard polls while any is pending). The only index, `(webhook_id, key_id, status, id)` (0008),
 * cannot give them in `id` order: SQLite read every delivery of the webhook and sorted them, holding the event
 * loop 43–104 ms at 25,000 deliveries and 150–380 ms at 100,000 (a tester's find; deliveries are kept).
 * On PostgreSQL it is built after the migrations, concurrently (an online index: store/online-indexes.ts).
 */
export function deliveryListing(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await createOnlineIndex(db, dialect, 'webhook_delivery_listing')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'webhook_delivery_listing')
    },
  }
}

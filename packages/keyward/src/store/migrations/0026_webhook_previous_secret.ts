import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `webhook.previous_secret` (sealed, like `secret`) and `previous_secret_expires_at`: a rotation
 * may keep the replaced secret signing beside the new one for a while, so receivers can switch
 * without dropping deliveries (Standard Webhooks: several space-separated signatures). Nullable
 * columns without a default: no table rewrite.
 */
export function webhookPreviousSecret(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook').addColumn('previous_secret', 'text').execute()
      await db.schema.alterTable('webhook').addColumn('previous_secret_expires_at', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook').dropColumn('previous_secret_expires_at').execute()
      await db.schema.alterTable('webhook').dropColumn('previous_secret').execute()
    },
  }
}

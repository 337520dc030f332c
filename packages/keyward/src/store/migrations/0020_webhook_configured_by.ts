import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Who last set a webhook's target, events or secret: `configured_by_user_id` (the user) and
 * `configured_by_key_id` (the key they used; null: a session). A webhook is a standing read of key
 * events sent where its configurer chose, so it delivers only while they could configure it now
 * (`configurerGone`, store/webhook-configurer.ts): a revoked key's webhook, or one a demoted admin
 * made for someone else, kept sending (found by attackers). Webhooks made before this migration
 * have neither. No foreign keys: a deleted key's id still names it, and finding no row withholds.
 */
export function webhookConfiguredBy(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook').addColumn('configured_by_user_id', 'integer').execute()
      await db.schema.alterTable('webhook').addColumn('configured_by_key_id', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook').dropColumn('configured_by_key_id').execute()
      await db.schema.alterTable('webhook').dropColumn('configured_by_user_id').execute()
    },
  }
}

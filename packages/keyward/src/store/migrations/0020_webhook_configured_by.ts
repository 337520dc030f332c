import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `webhook.configured_by_key_id`: the key that last set the webhook's target, events or secret
 * (null: a session, a person's own login). A webhook is a standing read of key events sent where
 * its configurer chose, so it delivers only while that key lives and still holds the scopes it
 * needed (`withholdGone`, store/webhook-outbox.ts): a revoked key's webhooks fell silent no more
 * than its sessions did (found by an attacker). Webhooks made before this migration have none.
 * No foreign key: a deleted key's id still names it, and finding no row withholds.
 */
export function webhookConfiguredBy(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook').addColumn('configured_by_key_id', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook').dropColumn('configured_by_key_id').execute()
    },
  }
}

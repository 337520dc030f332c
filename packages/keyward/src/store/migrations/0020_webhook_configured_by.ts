import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Who last set a webhook's target, events or secret: `configured_by_user_id` (the user) and
 * `configured_by_key_id` (the key they used; null: a session). A webhook is a standing read of key
 * events sent where its configurer chose, so it delivers only while they could configure it now
 * (`configurerGone`, store/webhook-configurer.ts): a revoked key's webhook, or one a demoted admin
 * made for someone else, kept sending (found by attackers). No foreign keys: a deleted key's id
 * still names it, and finding no row withholds. Webhooks made before this migration get the user
 * of their last create, update or secret rotation in the audit trail (found through its owner's
 * index; the key used is not recorded there, so theirs stays null); one with no such entry keeps
 * neither and is not checked until configured again.
 */
export function webhookConfiguredBy(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook').addColumn('configured_by_user_id', 'integer').execute()
      await db.schema.alterTable('webhook').addColumn('configured_by_key_id', 'integer').execute()
      await sql`update webhook set configured_by_user_id = (
        select u.id from audit_event a join "user" u on u.actor_id = a.actor_id
        where a.owner_actor_id = (select o.actor_id from "user" o where o.id = webhook.user_id)
          and a.target_type = 'webhook' and a.target_id = cast(webhook.id as text)
          and a.action in ('webhook.create', 'webhook.update', 'webhook.rotate_secret')
        order by a.id desc limit 1)`.execute(db)
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook').dropColumn('configured_by_key_id').execute()
      await db.schema.alterTable('webhook').dropColumn('configured_by_user_id').execute()
    },
  }
}

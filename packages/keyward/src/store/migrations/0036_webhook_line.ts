import type { Kysely, Migration } from 'kysely'

/**
 * `webhook.configured_line`: for a webhook configured by a login opened with a password a key chose, the keys that
 * password was made through (JSON key ids, as `session.password_line`, migration 0034; null: none), and
 * `webhook.line_ended_by_key_id`: the key whose `revoke {minted: true}` ended that line, after which it sends nothing
 * until its secret is rotated. A webhook is a standing read of key events, sent where its configurer chose and signed
 * with a secret they hold (an attacker's find: one a login of a leaked key's password configured went on sending
 * after the revoke). Nullable: no table rewrite.
 */
export function webhookLine(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhook').addColumn('configured_line', 'text').execute()
      await db.schema.alterTable('webhook').addColumn('line_ended_by_key_id', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('webhook').dropColumn('line_ended_by_key_id').execute()
      await db.schema.alterTable('webhook').dropColumn('configured_line').execute()
    },
  }
}

import type { Kysely, Migration } from 'kysely'

/**
 * `organization_invitation.password_line`: for an invitation made by a login opened with a password a key chose,
 * the keys that password was made through (JSON key ids, as `session.password_line`, migration 0034; null: none).
 * An invitation is a login its maker's holder knows (the token): a pending one made so ends with `revoke {minted:
 * true}` of any of those keys, as one the key made dies with the key (an attacker's find: an owner invitation the
 * session of a leaked key's password made was accepted after the revoke). Nullable: no table rewrite.
 */
export function invitationLine(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('organization_invitation').addColumn('password_line', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('organization_invitation').dropColumn('password_line').execute()
    },
  }
}

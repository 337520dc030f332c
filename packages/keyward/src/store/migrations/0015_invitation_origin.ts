import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * The key an invitation was made with (null: a session's). An invitation is a login its holder
 * opens with a password of their choosing, so it lives only while what made it does: accepting
 * checks this key is still active, and the inviting user still active (DESIGN.md, "Organizations").
 * Invitations made before this migration keep null and are checked by their inviting user only.
 */
export function invitationOrigin(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('organization_invitation').addColumn('invited_by_key_id', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('organization_invitation').dropColumn('invited_by_key_id').execute()
    },
  }
}

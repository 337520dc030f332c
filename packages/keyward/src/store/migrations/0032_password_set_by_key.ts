import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * `user.password_set_by_key_id`: the key whose credential chose the user's current password (it created the
 * user, or reset the password). A password a key sets is a login its holder knows, and it outlived `revoke
 * {minted: true}` of that key (an attacker's find: `UserLifecycle.endLoginsSetBy`). Nullable, no default: no
 * table rewrite. Passwords set before it stay null. Indexed (online) for the revoke's "which logins did
 * these keys set?".
 */
export function passwordSetByKey(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('user').addColumn('password_set_by_key_id', 'integer').execute()
      await createOnlineIndex(db, dialect, 'user_password_set_by_key_idx')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'user_password_set_by_key_idx')
      await db.schema.alterTable('user').dropColumn('password_set_by_key_id').execute()
    },
  }
}

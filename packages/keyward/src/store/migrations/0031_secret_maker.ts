import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * `api_key.secret_made_by_key_id` and `previous_secret_made_by_key_id`: the key that rolled this one, for
 * its current secret and for the one in its grace period. A key rolling another key takes its new
 * secret, which outlived a revoke of the rolling key "with what it made" (an attacker's find:
 * `KeyLineage`). Nullable, no default: no table rewrite. Rolls before it stay null. Indexed (online)
 * for the cascade's "which keys did these keys make?".
 */
export function secretMaker(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('secret_made_by_key_id', 'integer').execute()
      await db.schema.alterTable('api_key').addColumn('previous_secret_made_by_key_id', 'integer').execute()
      await createOnlineIndex(db, dialect, 'api_key_secret_maker_idx')
      await createOnlineIndex(db, dialect, 'api_key_previous_secret_maker_idx')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'api_key_previous_secret_maker_idx')
      await dropOnlineIndex(db, 'api_key_secret_maker_idx')
      await db.schema.alterTable('api_key').dropColumn('previous_secret_made_by_key_id').execute()
      await db.schema.alterTable('api_key').dropColumn('secret_made_by_key_id').execute()
    },
  }
}
